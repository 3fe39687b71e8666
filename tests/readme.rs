//! The README cannot rot: its quick-start and example commands are run here,
//! with the exit status each one's comment promises, and its example policy
//! must compile, in JSON and in TOML, to the same policy.
//!
//! Conventions in README.md: a command line to check ends in `# exit N`;
//! `cargo run --release -- ARGS` and `portcullis ARGS` both run the binary
//! under test (from a scratch directory holding the example policy as
//! `policy.json` and `policy.toml`); `echo 'TEXT' | portcullis ARGS` feeds TEXT
//! on stdin. The example policies are the fenced blocks right after the
//! `<!-- example-policy:json -->` and `<!-- example-policy:toml -->` markers,
//! and each line of the block after `<!-- example-requests -->` is a request.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use portcullis::{Policy, Request};

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The body of the first fenced block after `marker`.
fn block_after(readme: &str, marker: &str) -> String {
    let after = readme
        .split_once(marker)
        .unwrap_or_else(|| panic!("README lacks {marker}"))
        .1;
    let fence_start = after.find("```").unwrap();
    let body = &after[fence_start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_owned()
}

fn scratch_dir(readme: &str) -> common::Scratch {
    let dir = common::Scratch::new("readme");
    std::fs::write(
        dir.join("policy.json"),
        block_after(readme, "<!-- example-policy:json -->"),
    )
    .unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        block_after(readme, "<!-- example-policy:toml -->"),
    )
    .unwrap();
    dir
}

#[test]
fn readme_example_policy_is_the_same_in_json_and_toml() {
    let readme = readme();
    let json = Policy::from_json(&block_after(&readme, "<!-- example-policy:json -->")).unwrap();
    let toml = Policy::from_toml(&block_after(&readme, "<!-- example-policy:toml -->")).unwrap();
    assert_eq!(json, toml);
}

#[test]
fn readme_example_requests_are_valid() {
    let readme = readme();
    let block = block_after(&readme, "<!-- example-requests -->");
    let mut n = 0;
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        Request::from_json(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        n += 1;
    }
    assert!(n >= 3);
}

#[test]
fn readme_commands_exit_as_documented() {
    let readme = readme();
    let dir = scratch_dir(&readme);
    let mut checked = 0;
    for line in readme.lines() {
        let Some((command, comment)) = line.rsplit_once("# exit ") else {
            continue;
        };
        let expected: i32 = comment
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let (stdin, command) = match command.split_once(" | ") {
            Some((echo, rest)) => {
                let words = shlex::split(echo).unwrap();
                assert_eq!(words[0], "echo", "{line}");
                (Some(format!("{}\n", words[1..].join(" "))), rest)
            }
            None => (None, command),
        };
        let words = shlex::split(command.trim()).unwrap_or_else(|| panic!("cannot split {line}"));
        let args: &[String] = if words.starts_with(&[
            "cargo".into(),
            "run".into(),
            "--release".into(),
            "--".into(),
        ]) {
            &words[4..]
        } else if words.first().map(String::as_str) == Some("portcullis") {
            &words[1..]
        } else {
            panic!("README command neither `cargo run --release --` nor `portcullis`: {line}");
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .args(args)
            .current_dir(&dir.0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stdin.take().unwrap();
        if let Some(input) = stdin {
            pipe.write_all(input.as_bytes()).unwrap();
        }
        drop(pipe);
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(expected),
            "README line: {line}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // Every command answers on stdout, except a hook blocking (stderr) and
        // a hook passing through, which says nothing (`# exit 0: no output`).
        let output = if expected == 2 && args.first().map(String::as_str) == Some("hook") {
            &out.stderr
        } else {
            &out.stdout
        };
        if line.contains("# exit 0: no output") {
            assert!(output.is_empty(), "README line promised no output: {line}");
        } else {
            assert!(!output.is_empty(), "README line printed nothing: {line}");
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} README commands found");
}
