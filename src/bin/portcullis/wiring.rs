//! Where each agent's hook is wired and how: `wiring.toml`, read, and the
//! edits `init` makes to a settings file, as pure functions of its text.
//!
//! Wiring a guard by hand-copied JSON snippets is how it ends up half wired.
//! `init` appends one entry per hook event to the agent's settings and
//! `--uninstall` removes exactly the entries that run this agent's
//! Portcullis hook, leaving every other setting, hook and key order as it
//! was (`serde_json` keeps insertion order). An entry is Portcullis's when
//! one of its strings runs `portcullis … hook <agent>`; one that is already
//! there as it would be written makes `init` a no-op, one that differs (an
//! old binary path) is replaced. A file that is not JSON, or whose `hooks`
//! is not what the agent reads, is refused with the file, line and column,
//! never rewritten. Cost: one parse and one serialization of the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

/// One agent's row of `wiring.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wiring {
    pub user: String,
    pub project: String,
    pub style: Style,
    #[serde(default)]
    pub events: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub top: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub note: Option<String>,
    pub probe: String,
}

/// What kind of file wires the hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    Json,
    Script,
    Plugin,
}

/// Where a hook is wired: for the user, or for the project in the current directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    User,
    Project,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Project => "project",
        }
    }
}

/// The table, by agent name.
pub fn table() -> Result<BTreeMap<String, Wiring>, String> {
    toml::from_str(include_str!("wiring.toml")).map_err(|e| format!("wiring.toml: {e}"))
}

impl Wiring {
    /// The settings file at `scope`: under `home` for the user, under
    /// `project` for the project.
    pub fn path(&self, scope: Scope, home: &Path, project: &Path) -> PathBuf {
        match scope {
            Scope::User => home.join(self.user.trim_start_matches("~/")),
            Scope::Project => project.join(&self.project),
        }
    }
}

/// What an edit does to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Nothing to change.
    Unchanged,
    /// Write this text.
    Write(String),
    /// Remove the file (it only ever held Portcullis's hook).
    Remove,
}

/// Why a settings file is not edited.
pub fn located(path: &Path, e: &serde_json::Error) -> String {
    format!(
        "{}:{}:{}: not valid JSON ({e}); fix or move the file, it is left as it is",
        path.display(),
        e.line(),
        e.column()
    )
}

/// Whether `value` is an entry that runs `agent`'s Portcullis hook.
fn is_ours(value: &Value, agent: &str) -> bool {
    let marker = format!(" hook {agent}");
    match value {
        Value::String(s) => {
            s.contains("portcullis") && (s.ends_with(&marker) || s.contains(&format!("{marker} ")))
        }
        Value::Array(items) => items.iter().any(|v| is_ours(v, agent)),
        Value::Object(map) => map.values().any(|v| is_ours(v, agent)),
        _ => false,
    }
}

/// Every string in `value` that runs `agent`'s Portcullis hook.
pub fn our_commands(value: &Value, agent: &str, out: &mut Vec<String>) {
    match value {
        Value::String(s) if is_ours(value, agent) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| our_commands(v, agent, out)),
        Value::Object(map) => map.values().for_each(|v| our_commands(v, agent, out)),
        _ => {}
    }
}

/// The hook command a script or plugin file runs.
pub fn file_command(style: Style, text: &str) -> Option<String> {
    match style {
        Style::Script => text
            .lines()
            .find_map(|l| l.strip_prefix("exec "))
            .map(str::to_owned),
        Style::Plugin => {
            let line = text.lines().find_map(|l| l.strip_prefix("const ARGV = "))?;
            let argv: Vec<String> = serde_json::from_str(line.trim_end_matches(';')).ok()?;
            Some(
                argv.iter()
                    .map(|w| portcullis::hook::shell_quote(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        Style::Json => None,
    }
}

/// `template` with "{command}" and "{name}" filled in.
fn fill(template: &toml::Value, command: &str, agent: &str) -> Value {
    match template {
        toml::Value::String(s) => {
            Value::String(s.replace("{command}", command).replace("{name}", agent))
        }
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => {
            Value::Array(items.iter().map(|v| fill(v, command, agent)).collect())
        }
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), fill(v, command, agent)))
                .collect(),
        ),
    }
}

/// The `hooks` object of a settings document, created when absent.
fn hooks_of<'a>(
    doc: &'a mut Map<String, Value>,
    path: &Path,
) -> Result<&'a mut Map<String, Value>, String> {
    doc.entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| {
            format!(
                "{}: `hooks` is not an object; it is left as it is",
                path.display()
            )
        })
}

fn parse(path: &Path, text: &str) -> Result<Map<String, Value>, String> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!(
            "{}:1:1: not a JSON object; it is left as it is",
            path.display()
        )),
        Err(e) => Err(located(path, &e)),
    }
}

fn render(doc: &Map<String, Value>) -> String {
    let mut out = serde_json::to_string_pretty(doc).unwrap_or_default();
    out.push('\n');
    out
}

/// Wires `command` for `agent` into the JSON settings `existing` (absent:
/// a new file).
pub fn install_json(
    w: &Wiring,
    agent: &str,
    path: &Path,
    existing: Option<&str>,
    command: &str,
) -> Result<Edit, String> {
    let mut doc = parse(path, existing.unwrap_or(""))?;
    if existing.is_none() {
        for (k, v) in &w.top {
            doc.insert(k.clone(), fill(v, command, agent));
        }
    }
    let before = doc.clone();
    let hooks = hooks_of(&mut doc, path)?;
    for (event, template) in &w.events {
        let entry = fill(template, command, agent);
        let list = hooks
            .entry(event.clone())
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .ok_or_else(|| {
                format!(
                    "{}: `hooks.{event}` is not a list; it is left as it is",
                    path.display()
                )
            })?;
        match list.iter().position(|v| is_ours(v, agent)) {
            Some(i) if list[i] == entry => {}
            Some(i) => list[i] = entry,
            None => list.push(entry),
        }
        // A second Portcullis entry for this agent (an older init) goes.
        let mut seen = false;
        list.retain(|v| {
            let ours = is_ours(v, agent);
            let keep = !(ours && seen);
            seen |= ours;
            keep
        });
    }
    Ok(if doc == before && existing.is_some() {
        Edit::Unchanged
    } else {
        Edit::Write(render(&doc))
    })
}

/// Removes `agent`'s Portcullis entries from the JSON settings `existing`;
/// an event list or `hooks` left empty goes too, nothing else changes.
pub fn uninstall_json(agent: &str, path: &Path, existing: &str) -> Result<Edit, String> {
    let mut doc = parse(path, existing)?;
    let before = doc.clone();
    let mut emptied = false;
    if let Some(Value::Object(hooks)) = doc.get_mut("hooks") {
        hooks.retain(|_, list| {
            let Value::Array(items) = list else {
                return true;
            };
            let had = items.len();
            items.retain(|v| !is_ours(v, agent));
            // A list only Portcullis's entries were in goes; one that was empty stays.
            !(items.is_empty() && had > 0)
        });
        emptied = hooks.is_empty();
    }
    if emptied && before.get("hooks") != doc.get("hooks") {
        doc.remove("hooks");
    }
    if doc == before {
        return Ok(Edit::Unchanged);
    }
    // A file that held only the hook (and the `top` keys init wrote) goes.
    let only_top = doc.keys().all(|k| k == "version");
    Ok(if only_top {
        Edit::Remove
    } else {
        Edit::Write(render(&doc))
    })
}

/// The whole file for a script or plugin wiring.
pub fn file_text(style: Style, argv: &[String], command: &str) -> String {
    match style {
        Style::Script => format!(
            "#!/bin/sh\n# Portcullis hook: written by `portcullis init`, removed by `portcullis init --uninstall`.\nexec {command}\n"
        ),
        Style::Plugin => include_str!("opencode-plugin.js")
            .replace("{argv}", &serde_json::to_string(argv).unwrap_or_default()),
        Style::Json => String::new(),
    }
}

/// Whether a script or plugin file's text is Portcullis's (so it may be
/// replaced or removed).
pub fn file_is_ours(text: &str) -> bool {
    text.contains("Portcullis") && text.contains("portcullis init")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claude() -> Wiring {
        table().unwrap().remove("claude").unwrap()
    }

    const CMD: &str = "'/opt/bin/portcullis' hook claude";

    #[test]
    fn install_keeps_other_hooks_and_settings_and_is_idempotent() {
        let p = Path::new("settings.json");
        let existing = r#"{"model": "opus", "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "lint.sh"}]}], "Stop": []}}"#;
        let Edit::Write(once) = install_json(&claude(), "claude", p, Some(existing), CMD).unwrap()
        else {
            panic!()
        };
        let doc: Value = serde_json::from_str(&once).unwrap();
        assert_eq!(doc["model"], "opus");
        assert_eq!(doc["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);
        assert_eq!(
            doc["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
            "lint.sh"
        );
        assert_eq!(doc["hooks"]["PreToolUse"][1]["hooks"][0]["command"], CMD);
        assert_eq!(
            install_json(&claude(), "claude", p, Some(&once), CMD).unwrap(),
            Edit::Unchanged
        );
        // A moved binary replaces the entry instead of adding a second.
        let moved = "'/usr/bin/portcullis' hook claude";
        let Edit::Write(again) = install_json(&claude(), "claude", p, Some(&once), moved).unwrap()
        else {
            panic!()
        };
        // One entry per wired event (pre-tool, post-tool, post-tool failure).
        let events = claude().events.len();
        assert_eq!(events, 3);
        assert_eq!(again.matches("hook claude").count(), events);
        assert_eq!(again.matches("/usr/bin/portcullis").count(), events);
        let Edit::Write(removed) = uninstall_json("claude", p, &again).unwrap() else {
            panic!()
        };
        let back: Value = serde_json::from_str(&removed).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(existing).unwrap());
    }

    #[test]
    fn malformed_files_are_refused_with_their_line() {
        let p = Path::new("/h/.claude/settings.json");
        let err = install_json(
            &claude(),
            "claude",
            p,
            Some("{\n  \"a\": 1,\n  oops\n}"),
            CMD,
        )
        .unwrap_err();
        assert!(
            err.starts_with("/h/.claude/settings.json:3:3: not valid JSON"),
            "{err}"
        );
        let err = install_json(&claude(), "claude", p, Some(r#"{"hooks": []}"#), CMD).unwrap_err();
        assert!(err.contains("`hooks` is not an object"), "{err}");
        let err = install_json(
            &claude(),
            "claude",
            p,
            Some(r#"{"hooks": {"PreToolUse": {}}}"#),
            CMD,
        )
        .unwrap_err();
        assert!(err.contains("`hooks.PreToolUse` is not a list"), "{err}");
    }

    #[test]
    fn a_file_init_created_is_removed_whole() {
        let t = table().unwrap();
        let cursor = &t["cursor"];
        let p = Path::new("hooks.json");
        let cmd = "'/opt/portcullis' hook cursor";
        let Edit::Write(new) = install_json(cursor, "cursor", p, None, cmd).unwrap() else {
            panic!()
        };
        let doc: Value = serde_json::from_str(&new).unwrap();
        assert_eq!(doc["version"], 1);
        assert_eq!(doc["hooks"]["beforeShellExecution"][0]["command"], cmd);
        assert_eq!(uninstall_json("cursor", p, &new).unwrap(), Edit::Remove);
    }

    #[test]
    fn other_agents_entries_are_not_ours() {
        assert!(is_ours(
            &Value::from("'/x/portcullis' hook claude --audit a"),
            "claude"
        ));
        assert!(is_ours(&Value::from("/x/portcullis hook claude"), "claude"));
        assert!(!is_ours(
            &Value::from("/x/portcullis hook claudex"),
            "claude"
        ));
        assert!(!is_ours(&Value::from("/x/portcullis hook codex"), "claude"));
        assert!(!is_ours(&Value::from("my-guard hook claude"), "claude"));
    }
}
