//! The command-line tool: exit statuses, `eval` streaming and error lines, `lint`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn portcullis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .output()
        .expect("run portcullis")
}

fn code(args: &[&str]) -> i32 {
    portcullis(args).status.code().expect("exit code")
}

/// `portcullis eval` on the default policy, with piped stdin and stdout.
fn spawn_eval() -> Child {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("eval")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

fn good_policy() -> String {
    common::data("policies/good/egress.json")
        .display()
        .to_string()
}

#[test]
fn check_exit_status_says_allow_deny_ask() {
    assert_eq!(code(&["check", "url", "https://github.com/x"]), 0);
    assert_eq!(code(&["check", "url", "http://169.254.169.254/"]), 2);
    let policy = good_policy();
    assert_eq!(
        code(&[
            "--policy",
            &policy,
            "check",
            "url",
            "-X",
            "DELETE",
            "https://api.github.com/x"
        ]),
        3
    );
    assert_eq!(
        code(&["--policy", &policy, "check", "tool", r#"{"name": "Read"}"#]),
        0
    );
    assert_eq!(
        code(&["--policy", &policy, "check", "tool", r#"{"name": "Write"}"#]),
        3,
        "tool default is ask in this policy"
    );
}

#[test]
fn usage_and_input_errors_exit_1() {
    assert_eq!(code(&[]), 1);
    assert_eq!(code(&["check"]), 1);
    assert_eq!(code(&["check", "nonsense"]), 1);
    assert_eq!(code(&["check", "tool", "{not json"]), 1);
    assert_eq!(
        code(&[
            "--policy",
            "/nonexistent/policy.json",
            "check",
            "url",
            "https://a.example"
        ]),
        1
    );
    let bad = common::data("policies/bad/bad_cidr.json")
        .display()
        .to_string();
    let out = portcullis(&["--policy", &bad, "check", "url", "https://a.example"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad_cidr.json:8:31: egress[3].cidrs[1]"));
    assert_eq!(code(&["--help"]), 0);
}

#[test]
fn check_command_joins_words_after_the_separator() {
    let policy = good_policy();
    // The policy denies `rm -rf /` at the end of the line.
    assert_eq!(
        code(&["--policy", &policy, "check", "command", "--", "rm", "-rf", "/"]),
        2
    );
    assert_eq!(
        code(&["--policy", &policy, "check", "command", "rm -rf /"]),
        2
    );
    assert_eq!(
        code(&["--policy", &policy, "check", "command", "--", "rm", "-rf", "/tmp/x"]),
        0
    );
}

#[test]
fn check_json_prints_the_decision() {
    let out = portcullis(&["check", "--json", "url", "http://127.1/"]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["effect"], "deny");
    assert_eq!(v["rule"], "deny-loopback");
    assert_eq!(v["kind"], "http");
}

#[test]
fn toml_policies_and_explicit_format_work() {
    let toml = common::data("policies/good/egress.toml")
        .display()
        .to_string();
    assert_eq!(
        code(&[
            "--policy",
            &toml,
            "check",
            "url",
            "-X",
            "DELETE",
            "https://api.github.com/x"
        ]),
        3
    );
    let dir = tempdir();
    let odd = dir.join("policy.conf");
    std::fs::copy(&toml, &odd).unwrap();
    let odd = odd.display().to_string();
    assert_eq!(
        code(&["--policy", &odd, "check", "url", "https://github.com/"]),
        1,
        "format unknown"
    );
    assert_eq!(
        code(&[
            "--policy",
            &odd,
            "--format",
            "toml",
            "check",
            "url",
            "https://github.com/"
        ]),
        0
    );
}

#[test]
fn eval_keeps_order_and_survives_malformed_lines() {
    let input = [
        r#"{"id": 1, "http": {"url": "https://github.com/"}}"#,
        "not json",
        r#"{"id": 3, "http": {"url": "http://169.254.169.254/"}}"#,
        "",
        r#"{"id": 5, "command": "ls", "tool": {"name": "x"}}"#,
        r#"{"id": 6, "tool": {"name": "Read"}}"#,
    ]
    .join("\n");
    let out = common::portcullis_with_stdin(&["eval"], &input);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6, "one output line per input line");
    assert_eq!(
        (lines[0]["id"].clone(), lines[0]["effect"].clone()),
        (1.into(), "allow".into())
    );
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["effect"], "deny");
    assert!(lines[1]["error"]
        .as_str()
        .unwrap()
        .contains("invalid request"));
    assert_eq!(
        (lines[2]["id"].clone(), lines[2]["effect"].clone()),
        (3.into(), "deny".into())
    );
    assert_eq!(lines[3]["line"], 4);
    assert_eq!(lines[4]["line"], 5);
    assert!(lines[4]["error"].as_str().unwrap().contains("exclusive"));
    assert_eq!(
        (lines[5]["id"].clone(), lines[5]["effect"].clone()),
        (6.into(), "allow".into())
    );
}

#[test]
fn eval_streams_each_decision_before_the_next_line() {
    let mut child = spawn_eval();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // Each answer must arrive while stdin is still open: eval must not wait for the end of input.
    for (i, url) in [
        "https://github.com/",
        "http://10.0.0.1/",
        "https://pypi.org/",
    ]
    .iter()
    .enumerate()
    {
        writeln!(stdin, r#"{{"id": {i}, "http": {{"url": "{url}"}}}}"#).unwrap();
        stdin.flush().unwrap();
        let answer = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("decision streamed before end of input");
        let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(v["id"], i);
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn eval_bounds_line_length() {
    let mut child = spawn_eval();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let huge = format!(r#"{{"command": "{}"}}"#, "a".repeat(2 << 20));
        stdin.write_all(huge.as_bytes()).unwrap();
        stdin.write_all(b"\n{\"command\": \"ls\"}\n").unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].contains(r#""line":1,"effect":"deny","error":"line exceeds"#),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains(r#""effect":"allow""#));
}

#[test]
fn lint_lists_every_error_and_fails() {
    let bad = common::data("policies/bad/many_errors.json")
        .display()
        .to_string();
    let out = portcullis(&["lint", &bad]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 7, "{stdout}");
    assert!(stdout.contains(
        "many_errors.json:9:36: commands[0].pattern (rule `c`): invalid pattern `(unclosed`"
    ));
    assert!(String::from_utf8_lossy(&out.stderr).contains("7 errors"));
}

#[test]
fn lint_passes_clean_policies() {
    assert_eq!(code(&["lint"]), 0, "the embedded default policy");
    assert_eq!(code(&["lint", &good_policy()]), 0);
    assert_eq!(code(&["--policy", &good_policy(), "lint"]), 0);
}

#[test]
fn lint_shows_what_derives_each_environment() {
    let out = portcullis(&["lint"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("environment `production` (from packs/production): derived from names prod, production, prd, live"),
        "{stdout}"
    );
    let file = common::data("policies/rbac/staging-production.json")
        .display()
        .to_string();
    let stdout = String::from_utf8(portcullis(&["lint", &file]).stdout).unwrap();
    // The policy's own `production` replaces the built-in one.
    assert!(
        stdout.contains("environment `production`: derived from hosts **.prod.example.com; networks 10.10.0.0/16"),
        "{stdout}"
    );
    assert!(
        stdout.contains("environment `dev`: derived from nothing (only a principal's claim)"),
        "{stdout}"
    );
}

fn tempdir() -> common::Scratch {
    common::Scratch::new("cli")
}

#[test]
fn lint_warns_about_flags_the_program_does_not_have() {
    let file = common::data("policies/warn/unknown_flag.json")
        .display()
        .to_string();
    let out = portcullis(&["lint", &file]);
    assert_eq!(out.status.code(), Some(0), "warnings do not fail lint");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("unknown_flag.json:4:70: warning: commands[0].flags_any[0] (rule `typo`): `rm` has no flag `--recusive`"),
        "{stdout}"
    );
}

#[test]
fn lint_warns_about_shadowed_egress_rules_and_public_suffix_wildcards() {
    let file = common::data("policies/warn/egress.json")
        .display()
        .to_string();
    let out = portcullis(&["lint", &file]);
    assert_eq!(out.status.code(), Some(0), "warnings do not fail lint");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("egress.json:5:5: warning: egress[1] (rule `allow-lab`): never decides: every request it matches also matches rule `deny-private` (deny), which wins; add `override_special: true`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("egress.json:6:66: warning: egress[2].hosts[0] (rule `allow-everything-com`): `*.com` covers the public suffix `com`"),
        "{stdout}"
    );
}

#[test]
fn check_url_inspects_bodies_and_headers_and_shows_canonical_facts() {
    let body = r#"{"query":"mutation { volumeDelete(volumeId: \"v\") }"}"#;
    let out = portcullis(&[
        "check",
        "url",
        "-X",
        "POST",
        "-d",
        body,
        "https://backboard.railway.app/graphql/v2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("rule: railway-destroy"), "{stdout}");
    assert!(
        stdout.contains("canonical: POST https://backboard.railway.app:443/graphql/v2"),
        "{stdout}"
    );
    let out = portcullis(&[
        "check",
        "url",
        "-H",
        "Host: evil.example",
        "https://github.com/",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("domain fronting"));
    let out = portcullis(&["check", "url", "http://0x7f.1/"]);
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("canonical: GET http://127.0.0.1:80/"));
}

#[test]
fn policy_show_resolves_bases_and_packs_lists_the_parts() {
    let file = common::data("policies/compose/team.toml")
        .display()
        .to_string();
    let out = portcullis(&["policy", "show", "--resolved", &file]);
    assert_eq!(out.status.code(), Some(0));
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["hash"].as_str().map(str::len), Some(64));
    let sources: Vec<&str> = shown["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap_or("(own)"))
        .collect();
    assert!(
        sources.contains(&"./base.json")
            && sources.contains(&"packs/git")
            && sources.contains(&"(own)"),
        "{sources:?}"
    );
    let out = portcullis(&["policy", "show", &file]);
    let raw: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        raw["extends"],
        serde_json::json!(["./base.json", "packs/git"])
    );
    let out = portcullis(&["packs"]);
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(
        listing.contains("packs/control-plane") && listing.contains("1.0.0"),
        "{listing}"
    );
    let out = portcullis(&[
        "lint",
        &common::data("policies/compose/uses_broken.json")
            .display()
            .to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("base_broken.json:3:56: egress[0].cidrs[0]"));
}

#[test]
fn eval_with_audit_writes_a_trail_that_verify_accepts_and_tampering_breaks() {
    let dir = tempdir();
    let trail = dir.join("audit.jsonl");
    let trail = trail.to_str().unwrap();
    let input = [
        r#"{"id": 1, "command": "ls"}"#,
        r#"{"id": 2, "command": "rm -rf /"}"#,
        r#"{"id": 3, "http": {"url": "https://github.com/"}}"#,
    ]
    .join("\n");
    let out = common::portcullis_with_stdin(&["eval", "--audit", trail], &input);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 3);
    let verified = portcullis(&["audit", "verify", trail]);
    let stdout = String::from_utf8(verified.stdout).unwrap();
    assert_eq!(verified.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("ok: 3 records; head ") && stdout.contains("anchor matches"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(trail).unwrap();
    std::fs::write(
        trail,
        text.replacen("\"effect\":\"deny\"", "\"effect\":\"allow\"", 1),
    )
    .unwrap();
    let broken = portcullis(&["audit", "verify", trail]);
    let stdout = String::from_utf8(broken.stdout).unwrap();
    assert_eq!(broken.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains(&format!("{trail}:2: the record's hash does not match")),
        "{stdout}"
    );
    assert_eq!(code(&["audit", "verify", "/nonexistent/trail.jsonl"]), 1);
}

#[test]
fn a_keyed_trail_with_an_anchor_copy_verifies_only_with_its_key() {
    let dir = tempdir();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let (trail, key, copy) = (path("audit.jsonl"), path("audit.key"), path("anchor.copy"));
    std::fs::write(&key, "9f2c6a0e4b7d1835c0a9e6f2b4d8170a\n").unwrap();
    let input = "{\"id\": 1, \"command\": \"ls\"}\n{\"id\": 2, \"command\": \"rm -rf /\"}\n";
    let out = common::portcullis_with_stdin(
        &[
            "eval",
            "--audit",
            &trail,
            "--audit-key",
            &key,
            "--audit-anchor",
            &copy,
        ],
        input,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let verify = |args: &[&str]| {
        let out = portcullis(&[&["audit", "verify", &trail][..], args].concat());
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (status, said) = verify(&["--key", &key, "--anchor", &copy]);
    assert_eq!(status, Some(0), "{said}");
    assert!(
        said.contains("ok: 2 records")
            && said.contains("anchor copy matches")
            && said.contains("sealed with key"),
        "{said}"
    );
    // Without the key the seals cannot be checked: verify says so.
    let (status, said) = verify(&[]);
    assert_eq!(status, Some(2), "{said}");
    assert!(said.contains("verify it with that key"), "{said}");
    // The key may come from the environment instead.
    let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["audit", "verify", &trail])
        .env("PORTCULLIS_AUDIT_KEY_FILE", &key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // A short key is refused with what to do.
    std::fs::write(&key, "short").unwrap();
    let (status, _) = verify(&["--key", &key]);
    assert_eq!(status, Some(1));
    let out = common::portcullis_with_stdin(&["eval", "--audit", &trail, "--audit-key", &key], "");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("at least 16"), "{stderr}");
}

#[test]
fn a_hook_writes_its_record_to_a_keyed_trail() {
    let dir = tempdir();
    let trail = dir.join("audit.jsonl").to_str().unwrap().to_owned();
    let key = dir.join("audit.key").to_str().unwrap().to_owned();
    std::fs::write(&key, "a hook's key, at least sixteen bytes").unwrap();
    let payload = r#"{"session_id": "s", "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}}"#;
    let out = common::portcullis_with_stdin(
        &["hook", "claude", "--audit", &trail, "--audit-key", &key],
        payload,
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("deny"),
        "{out:?}"
    );
    let out = portcullis(&["audit", "verify", &trail, "--key", &key]);
    let said = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("ok: 1 records"), "{said}");
}
