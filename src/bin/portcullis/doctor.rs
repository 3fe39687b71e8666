//! `portcullis doctor`: is the guard actually in the way?
//!
//! A hook that is not wired, points at a moved binary or a policy that does
//! not load protects nothing, silently: most agents run on when a hook
//! fails. For every agent whose settings it finds (user scope, and project
//! scope in the current directory), `doctor` checks that the file reads,
//! that it wires Portcullis's hook, that the binary the hook names is
//! there, and — by sending the hook the agent's own `rm -rf ~` payload
//! (`wiring.toml`'s `probe`) — that the policy loads and the answer blocks.
//! Each finding is one line (`ok`, `FIX`, or `--` for settings without the
//! hook); each problem says what to run. Exit status 0 when at least one
//! agent is wired and every wiring found works, 1 otherwise.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::init::{say, Places};
use super::wiring::{self, Scope, Style, Wiring};

pub fn run() -> Result<u8, String> {
    let table = wiring::table()?;
    let places = Places::here()?;
    let (mut wired, mut broken) = (0, 0);
    for (name, w) in &table {
        for scope in [Scope::User, Scope::Project] {
            let path = w.path(scope, &places.home, &places.project);
            let at = format!("{name} ({}, {})", scope.as_str(), path.display());
            match check(name, w, scope, &path) {
                Finding::Absent => {}
                Finding::Ok(said) => {
                    wired += 1;
                    say(&format!("ok   {at}: {said}"));
                    if let Some(note) = &w.note {
                        say(&format!("     note: {note}"));
                    }
                }
                Finding::NotWired(why) => say(&format!("--   {at}: {why}")),
                Finding::Fix(why) => {
                    broken += 1;
                    say(&format!("FIX  {at}: {why}"));
                }
            }
        }
    }
    if wired == 0 && broken == 0 {
        say(&format!(
            "no agent is wired: run `portcullis init <agent>` (agents: {})",
            table.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(u8::from(wired == 0 || broken > 0))
}

enum Finding {
    Absent,
    Ok(String),
    /// Settings of the agent without the hook: nothing broken, nothing guarded.
    NotWired(String),
    Fix(String),
}

fn check(name: &str, w: &Wiring, scope: Scope, path: &Path) -> Finding {
    let init = format!("portcullis init {name} --scope {}", scope.as_str());
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Finding::Absent,
        Err(e) => return Finding::Fix(format!("cannot read it: {e}")),
    };
    let commands = match w.style {
        Style::Json => match serde_json::from_str::<Value>(&text) {
            Ok(doc) => {
                let mut found = Vec::new();
                if let Some(hooks) = doc.get("hooks") {
                    wiring::our_commands(hooks, name, &mut found);
                }
                found
            }
            Err(e) => {
                return Finding::Fix(format!(
                    "{}; the agent cannot read it either",
                    wiring::located(path, &e)
                ))
            }
        },
        style => wiring::file_command(style, &text).into_iter().collect(),
    };
    // The probe is a pre-tool payload: probe a pre-tool hook, not one wired
    // to a post-tool event by `--event` (Copilot's).
    let pre = commands.iter().find(|c| !c.contains(" --event "));
    let Some(command) = pre.or(commands.first()) else {
        return Finding::NotWired(format!(
            "not wired (the settings do not run Portcullis's hook): run `{init}` to guard it"
        ));
    };
    let binary = first_word(command);
    let runnable = std::fs::metadata(&binary).is_ok_and(|m| m.is_file() && executable(&m));
    if !runnable {
        return Finding::Fix(format!(
            "the hook runs `{binary}`, which is not an executable file: run `{init}` again"
        ));
    }
    match probe(command, &w.probe) {
        Ok(()) => Finding::Ok(format!("`{command}` blocks the probe `rm -rf ~`")),
        Err(why) => Finding::Fix(format!("`{command}` {why}")),
    }
}

/// The first word of a command `init` wrote (quoted by `portcullis::hook::shell_quote`).
fn first_word(command: &str) -> String {
    if let Some(rest) = command.strip_prefix('\'') {
        let mut out = String::new();
        let mut rest = rest;
        while let Some(end) = rest.find('\'') {
            out.push_str(&rest[..end]);
            rest = &rest[end + 1..];
            match rest.strip_prefix(r"\''") {
                Some(more) => {
                    out.push('\'');
                    rest = more;
                }
                None => return out,
            }
        }
        out
    } else {
        command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

#[cfg(unix)]
fn executable(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn executable(_: &std::fs::Metadata) -> bool {
    true
}

/// Runs the wired command as the agent would, through `sh -c`, with the
/// probe payload; it must block (exit 2, or an answer that denies or cancels).
fn probe(command: &str, payload: &str) -> Result<(), String> {
    let mut child = Command::new("sh")
        .args(["-c", command])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot be run: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(payload.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("cannot be run: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let answer: Option<Value> = serde_json::from_str(stdout.trim()).ok();
    let said = |key: &str| answer.as_ref().and_then(|a| a.pointer(key)).cloned();
    let denied = [
        "/hookSpecificOutput/permissionDecision",
        "/permissionDecision",
        "/decision",
        "/permission",
    ]
    .iter()
    .any(|k| said(k).is_some_and(|v| v == "deny"))
        || said("/cancel").is_some_and(|v| v == true);
    match out.status.code() {
        Some(0) if denied => Ok(()),
        Some(2) if stderr.contains("rm -rf") || stderr.contains("recursive delete") => Ok(()),
        Some(2) => Err(format!("fails instead of deciding: {}", stderr.trim())),
        code => Err(format!(
            "did not block the probe `rm -rf ~` (exit {code:?}, answer {:?}): check its policy with `portcullis lint`",
            stdout.trim()
        )),
    }
}
