//! `portcullis init`, `--uninstall` and `doctor` on throwaway homes and
//! projects holding settings with other hooks, and the default policy's
//! self-protection of every file `init` writes: an agent cannot unwire its
//! guard by a file tool, `sed -i`, a redirection, `cp`, `mv` or `rm`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use portcullis::{Effect, Engine};
use serde_json::{json, Value};

const AGENTS: [&str; 8] = [
    "claude", "codex", "gemini", "copilot", "cursor", "cline", "windsurf", "opencode",
];

struct Home {
    _scratch: common::Scratch,
    home: PathBuf,
    project: PathBuf,
}

impl Home {
    fn new(label: &str) -> Home {
        let scratch = common::Scratch::new(label);
        let home = scratch.join("home");
        let project = scratch.join("project");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&project).unwrap();
        Home {
            _scratch: scratch,
            home,
            project,
        }
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .args(args)
            .env("HOME", &self.home)
            .current_dir(&self.project)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    fn write(&self, path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Every file under the home and the project, with its contents.
    fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push((p.clone(), std::fs::read(&p).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.home, &mut out);
        walk(&self.project, &mut out);
        out.sort();
        out
    }
}

fn json_at(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Claude's user settings and Gemini's project settings already hold other hooks.
fn seeded(label: &str) -> (Home, PathBuf, PathBuf, Value, Value) {
    let h = Home::new(label);
    let claude = h.home.join(".claude/settings.json");
    let claude_before = json!({
        "model": "opus",
        "permissions": {"deny": ["Bash(curl:*)"]},
        "hooks": {
            "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "~/bin/lint-commands"}]}],
            "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]
        }
    });
    h.write(
        &claude,
        &serde_json::to_string_pretty(&claude_before).unwrap(),
    );
    let gemini = h.project.join(".gemini/settings.json");
    let gemini_before = json!({"theme": "dark", "hooks": {"BeforeTool": [{"matcher": "write_file", "hooks": [{"name": "fmt", "type": "command", "command": "fmt-check"}]}]}});
    h.write(&gemini, &gemini_before.to_string());
    (h, claude, gemini, claude_before, gemini_before)
}

#[test]
fn init_wires_every_agent_keeps_other_hooks_and_a_second_run_is_a_no_op() {
    let (h, claude, _, claude_before, _) = seeded("init-user");
    let mut args = vec!["init"];
    args.extend(AGENTS);
    let untouched = h.snapshot();
    let (code, out, err) = h.run(&[&args[..], &["--dry-run"]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("would write"), "{out}");
    assert_eq!(h.snapshot(), untouched, "--dry-run changed files");

    let (code, out, err) = h.run(&args);
    assert_eq!(code, 0, "{out}{err}");
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_portcullis")).unwrap();
    let settings = json_at(&claude);
    assert_eq!(settings["model"], "opus");
    assert_eq!(settings["permissions"], claude_before["permissions"]);
    assert_eq!(settings["hooks"]["Stop"], claude_before["hooks"]["Stop"]);
    let pre = settings["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre[0], claude_before["hooks"]["PreToolUse"][0]);
    assert_eq!(
        pre[1]["hooks"][0]["command"],
        format!("{} hook claude", exe.display())
    );
    assert_eq!(
        json_at(&PathBuf::from(format!(
            "{}.portcullis-backup",
            claude.display()
        ))),
        claude_before
    );
    let script = h.home.join("Documents/Cline/Hooks/PreToolUse");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_ne!(
            std::fs::metadata(&script).unwrap().permissions().mode() & 0o111,
            0
        );
    }
    let plugin =
        std::fs::read_to_string(h.home.join(".config/opencode/plugins/portcullis.js")).unwrap();
    assert!(
        plugin.contains(&format!(
            "const ARGV = [\"{}\",\"hook\",\"opencode\"];",
            exe.display()
        )),
        "{plugin}"
    );
    assert_eq!(json_at(&h.home.join(".cursor/hooks.json"))["version"], 1);

    let wired = h.snapshot();
    let (code, out, _) = h.run(&args);
    assert_eq!(code, 0);
    assert_eq!(
        out.matches("already wired; unchanged").count(),
        AGENTS.len(),
        "{out}"
    );
    assert_eq!(h.snapshot(), wired, "a second init changed files");

    let (code, out, _) = h.run(&["doctor"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok ")).count(),
        AGENTS.len(),
        "{out}"
    );
    assert!(
        out.contains("--   gemini (project"),
        "settings without the hook are reported, not failed: {out}"
    );
}

#[test]
fn uninstall_removes_exactly_what_init_added() {
    let (h, claude, gemini, claude_before, gemini_before) = seeded("init-uninstall");
    for scope in ["user", "project"] {
        let mut args = vec!["init", "--scope", scope];
        args.extend(AGENTS);
        assert_eq!(h.run(&args).0, 0);
        args.push("--uninstall");
        let (code, out, err) = h.run(&args);
        assert_eq!(code, 0, "{out}{err}");
        assert_eq!(
            h.run(&args).1.matches("nothing to remove").count(),
            AGENTS.len()
        );
    }
    assert_eq!(json_at(&claude), claude_before);
    assert_eq!(json_at(&gemini), gemini_before);
    // What is left: the two seeded files and the backups of those two.
    let left: Vec<String> = h
        .snapshot()
        .into_iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        [
            "settings.json",
            "settings.json.portcullis-backup",
            "settings.json",
            "settings.json.portcullis-backup"
        ],
        "{left:?}"
    );
}

#[test]
fn malformed_settings_are_refused_with_file_and_line_and_left_alone() {
    let h = Home::new("init-malformed");
    let claude = h.home.join(".claude/settings.json");
    let bad = "{\n  \"model\": \"opus\",\n  \"hooks\": {\n    \"PreToolUse\": [,]\n  }\n}\n";
    h.write(&claude, bad);
    let (code, _, err) = h.run(&["init", "claude", "gemini"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("{}:4:20: not valid JSON", claude.display())),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&claude).unwrap(), bad);
    assert!(
        h.home.join(".gemini/settings.json").exists(),
        "the other agent is still wired"
    );
    let (code, out, _) = h.run(&["doctor"]);
    assert_eq!(code, 1);
    assert!(out.contains("FIX  claude") && out.contains("4:20"), "{out}");
    // A script that is not ours is not overwritten.
    let script = h.project.join(".clinerules/hooks/PreToolUse");
    h.write(&script, "#!/bin/sh\necho '{}'\n");
    let (code, _, err) = h.run(&["init", "cline", "--scope", "project"]);
    assert_eq!(code, 1);
    assert!(err.contains("is not Portcullis's"), "{err}");
}

#[test]
fn doctor_finds_what_is_broken_and_says_what_to_run() {
    let h = Home::new("doctor");
    let (code, out, _) = h.run(&["doctor"]);
    assert_eq!(code, 1);
    assert!(out.contains("no agent is wired"), "{out}");
    // A policy that stops loading after init: the probe is not decided.
    let policy = h.project.join("portcullis.json");
    h.write(&policy, r#"{"version": 1, "extends": ["default"]}"#);
    let p = policy.display().to_string();
    assert_eq!(h.run(&["--policy", &p, "init", "claude"]).0, 0);
    assert_eq!(h.run(&["doctor"]).0, 0);
    // A policy that allows what the probe does protects nothing.
    h.write(&policy, r#"{"version": 1}"#);
    let (code, out, _) = h.run(&["doctor"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("did not block the probe"), "{out}");
    h.write(
        &policy,
        r#"{"version": 1, "commands": [{"id": "x", "effect": "maybe"}]}"#,
    );
    let (code, out, _) = h.run(&["doctor"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FIX  claude") && out.contains("fails instead of deciding"),
        "{out}"
    );
    // A hook naming a binary that is gone.
    let settings = h.home.join(".claude/settings.json");
    let text = std::fs::read_to_string(&settings).unwrap();
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_portcullis")).unwrap();
    h.write(
        &settings,
        &text.replace(&exe.display().to_string(), "/nonexistent/portcullis"),
    );
    let (code, out, _) = h.run(&["doctor"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("not an executable file")
            && out.contains("portcullis init claude --scope user"),
        "{out}"
    );
    // Settings that do not run the hook.
    h.write(&settings, r#"{"hooks": {}}"#);
    let (code, out, _) = h.run(&["doctor"]);
    assert_eq!(code, 1, "nothing is wired");
    assert!(
        out.contains("not wired") && out.contains("portcullis init claude --scope user"),
        "{out}"
    );
}

/// Every path `init` writes, at both scopes, read from `--dry-run`.
fn wired_paths(h: &Home) -> Vec<String> {
    let mut paths = Vec::new();
    for scope in ["user", "project"] {
        let mut args = vec!["init", "--dry-run", "--scope", scope];
        args.extend(AGENTS);
        let (code, out, _) = h.run(&args);
        assert_eq!(code, 0);
        for line in out
            .lines()
            .filter(|l| AGENTS.iter().any(|a| l.starts_with(&format!("{a} ("))))
        {
            if let Some((_, rest)) = line.split_once(", ") {
                if let Some((path, _)) = rest.split_once("): ") {
                    paths.push(path.to_owned());
                }
            }
        }
    }
    assert_eq!(paths.len(), AGENTS.len() * 2, "{paths:?}");
    paths
}

#[test]
fn the_default_policy_denies_unwiring_the_guard_by_every_means() {
    let h = Home::new("self-protection");
    let engine = Engine::default_policy().unwrap();
    let mut targets = wired_paths(&h);
    targets.extend(
        [
            "/usr/local/bin/portcullis",
            "~/.cargo/bin/portcullis",
            "~/.config/portcullis/policy.json",
            "~/.local/state/portcullis/audit.jsonl",
            "/var/log/portcullis/hooks.jsonl",
        ]
        .map(str::to_owned),
    );
    let mut failures = Vec::new();
    for t in &targets {
        let tools = [
            ("Write", json!({"file_path": t, "content": "{}"})),
            (
                "Edit",
                json!({"file_path": t, "old_string": "portcullis", "new_string": "true"}),
            ),
            ("write_file", json!({"file_path": t, "content": ""})),
        ];
        for (tool, args) in tools {
            let d = engine.check_tool(tool, &args);
            if d.effect != Effect::Deny {
                failures.push(format!("{tool} {t}: {} ({})", d.effect, d.reason));
            }
        }
        let q = shell_words(t);
        for line in [
            format!("sed -i 's/portcullis/true/' {q}"),
            format!("echo '{{}}' > {q}"),
            format!("cat /dev/null >> {q}"),
            format!("cp /tmp/other {q}"),
            format!("mv {q} /tmp/away"),
            format!("mv /tmp/other {q}"),
            format!("rm -f {q}"),
            format!("truncate -s 0 {q}"),
            format!("tee {q} < /dev/null"),
        ] {
            let d = engine.check_command(&line);
            if d.effect != Effect::Deny {
                failures.push(format!("{line}: {} ({})", d.effect, d.reason));
            }
        }
        // Reading them stays allowed: doctor and the user read them.
        let d = engine.check_command(&format!("cat {q}"));
        if d.effect != Effect::Allow {
            failures.push(format!("cat {t}: {}", d.effect));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn shell_words(path: &str) -> String {
    if path.contains(' ') {
        format!("'{path}'")
    } else {
        path.to_owned()
    }
}
