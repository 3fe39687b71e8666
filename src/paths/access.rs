//! Which paths a command or a tool call reads, writes or deletes.
//!
//! Commands: the program's path arguments by its role in `access.toml`
//! (`cat` reads, `cp` reads all but the last and writes the last, `rm`
//! deletes, `tee` writes), and every redirection target (`> f` writes,
//! `< f` reads). Tool calls: the arguments the router classed as paths,
//! read unless the tool's name says it writes (`Write`, `Edit`,
//! `create_file`) or destroys (`delete_file`). Every path is normalized
//! lexically (`$HOME` → `~`, `..` resolved, slashes collapsed) against the
//! command's known working directory. Analyzer only: it knows nothing of
//! rules. Cost: one pass over the argv; the table is parsed once.

use std::sync::OnceLock;

use super::Access;
use crate::command::paths::{join, normalize_path};
use crate::command::SimpleCommand;

/// `access.toml`: which programs read, copy, move, write or delete their path arguments.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Table {
    read: Vec<String>,
    read_after_first: Vec<String>,
    copy: Vec<String>,
    #[serde(rename = "move")]
    moves: Vec<String>,
    write: Vec<String>,
    in_place: rustc_hash::FxHashMap<String, Vec<String>>,
    delete: Vec<String>,
    /// Programs whose paths are `KEY=PATH` operands (`dd if=… of=…`): how each key touches its path.
    operands: rustc_hash::FxHashMap<String, rustc_hash::FxHashMap<String, Access>>,
    tool_write_words: Vec<String>,
}

/// Reads `access.toml` (through [`crate::data`]).
pub(crate) fn load() -> Result<Table, String> {
    crate::data::toml("access.toml", include_str!("access.toml"))
}

/// The table, read on first use; empty when it does not load (the unit
/// test of [`crate::data`] loads it).
fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| load().unwrap_or_default())
}

/// How a program touches its path arguments (one role per program: the
/// first list of the table naming it, in the order `of_command` tests them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Read,
    ReadAfterFirst,
    Write,
    Delete,
    Copy,
    Move,
}

/// Each program's role, by name: one hash probe per command instead of a
/// scan of every list.
fn roles() -> &'static rustc_hash::FxHashMap<&'static str, Role> {
    static ROLES: OnceLock<rustc_hash::FxHashMap<&'static str, Role>> = OnceLock::new();
    ROLES.get_or_init(|| {
        let t = table();
        let mut map = rustc_hash::FxHashMap::default();
        let lists = [
            (&t.read, Role::Read),
            (&t.read_after_first, Role::ReadAfterFirst),
            (&t.write, Role::Write),
            (&t.delete, Role::Delete),
            (&t.copy, Role::Copy),
            (&t.moves, Role::Move),
        ];
        for (list, role) in lists {
            for program in list {
                map.entry(program.as_str()).or_insert(role);
            }
        }
        map
    })
}

/// Every program whose path arguments this table reads (for the command
/// prefilter: a line naming none of them touches no path but by redirection).
pub fn programs() -> Vec<&'static str> {
    let t = table();
    [
        &t.read,
        &t.read_after_first,
        &t.copy,
        &t.moves,
        &t.write,
        &t.delete,
    ]
    .into_iter()
    .flatten()
    .chain(t.in_place.keys())
    .chain(t.operands.keys())
    .map(String::as_str)
    .collect()
}

/// A path as rules see it: normalized, and relative paths resolved against
/// `cwd` when it is known.
pub fn normalize(path: &str, cwd: Option<&str>) -> String {
    let p = path.trim();
    if p.starts_with('/') || p.starts_with('~') || p.starts_with("$HOME") {
        return normalize_path(p);
    }
    match cwd {
        Some(base) => join(base, p),
        None => normalize_path(p),
    }
}

/// `path` with a leading `home` directory written as `~`
/// (`/home/agent/.ssh/id_rsa` → `~/.ssh/id_rsa`).
pub fn home_relative<'p>(path: &'p str, home: Option<&str>) -> std::borrow::Cow<'p, str> {
    let Some(home) = home
        .map(|h| h.trim_end_matches('/'))
        .filter(|h| h.starts_with('/') && h.len() > 1)
    else {
        return std::borrow::Cow::Borrowed(path);
    };
    match path.strip_prefix(home) {
        Some("") => std::borrow::Cow::Borrowed("~"),
        Some(rest) if rest.starts_with('/') => std::borrow::Cow::Owned(format!("~{rest}")),
        _ => std::borrow::Cow::Borrowed(path),
    }
}

/// Every path `command` touches, with how.
pub fn of_command(command: &SimpleCommand) -> Vec<(Access, String)> {
    let mut out = Vec::new();
    let t = table();
    let program = command.program.as_deref().unwrap_or_default();
    let role = roles().get(program).copied();
    let operands = t.operands.get(program);
    if role.is_none()
        && operands.is_none()
        && !t.in_place.contains_key(program)
        && command.redirects.is_empty()
    {
        // Most commands touch no path: nothing to collect.
        return out;
    }
    let cwd = command.cwd.as_deref();
    let known: Vec<&str> = command
        .positionals
        .iter()
        .filter(|w| !w.dynamic && !w.text.is_empty())
        .map(|w| w.text.as_str())
        .collect();
    let all = |access: Access, out: &mut Vec<(Access, String)>| {
        for p in &known {
            out.push((access, normalize(p, cwd)));
        }
    };
    let in_place = t.in_place.get(program).is_some_and(|flags| {
        command
            .flags
            .iter()
            .any(|f| flags.iter().any(|x| in_place_flag(f, x)))
    });
    if let Some(keys) = operands {
        for (key, path) in known.iter().filter_map(|w| w.split_once('=')) {
            if let Some(&access) = keys.get(key) {
                out.push((access, normalize(path, cwd)));
            }
        }
    } else if in_place {
        for p in known.iter().skip(1) {
            out.push((Access::Write, normalize(p, cwd)));
        }
    } else {
        match role {
            Some(Role::Read) => all(Access::Read, &mut out),
            Some(Role::ReadAfterFirst) => {
                for p in known.iter().skip(1) {
                    out.push((Access::Read, normalize(p, cwd)));
                }
            }
            Some(Role::Write) => all(Access::Write, &mut out),
            Some(Role::Delete) => all(Access::Delete, &mut out),
            Some(role @ (Role::Copy | Role::Move)) => {
                if let Some((last, sources)) = known.split_last() {
                    for p in sources {
                        out.push((Access::Read, normalize(p, cwd)));
                        if role == Role::Move {
                            out.push((Access::Delete, normalize(p, cwd)));
                        }
                    }
                    if !sources.is_empty() {
                        out.push((Access::Write, normalize(last, cwd)));
                    }
                }
            }
            None => {}
        }
    }
    for r in &command.redirects {
        if r.target.dynamic || r.target.text.starts_with('&') {
            continue;
        }
        let access = if r.writes() {
            Access::Write
        } else {
            Access::Read
        };
        out.push((access, normalize(&r.target.text, cwd)));
    }
    out
}

/// Whether the flag `f`, as written, is the in-place flag `x`: itself, a
/// short one with its backup suffix attached (`-i.bak`), a long one with a
/// value (`--in-place=.bak`).
fn in_place_flag(f: &str, x: &str) -> bool {
    match f.strip_prefix(x) {
        Some(rest) => rest.is_empty() || x.len() == 2 || rest.starts_with('='),
        None => false,
    }
}

/// How a tool named `name` touches its path arguments.
pub fn of_tool(name: &str) -> Access {
    if crate::tool::destructive_verb(name).is_some() {
        return Access::Delete;
    }
    let words = &table().tool_write_words;
    let mut access = Access::Read;
    crate::tool::words(name, |w| {
        if words.iter().any(|x| x.eq_ignore_ascii_case(w)) {
            access = Access::Write;
        }
    });
    access
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accesses(line: &str) -> Vec<(Access, String)> {
        crate::command::analyze(line)
            .commands
            .iter()
            .flat_map(of_command)
            .collect()
    }

    #[test]
    fn commands_read_write_and_delete_their_paths() {
        assert_eq!(
            accesses("cat ~/.ssh/id_rsa"),
            [(Access::Read, "~/.ssh/id_rsa".to_owned())]
        );
        assert_eq!(
            accesses("cp $HOME/.aws/credentials /tmp/x"),
            [
                (Access::Read, "~/.aws/credentials".to_owned()),
                (Access::Write, "/tmp/x".to_owned())
            ]
        );
        assert_eq!(
            accesses("rm -f .git/config"),
            [(Access::Delete, ".git/config".to_owned())]
        );
        assert_eq!(
            accesses("echo x > .git/hooks/pre-commit"),
            [(Access::Write, ".git/hooks/pre-commit".to_owned())]
        );
        assert_eq!(
            accesses("cd /srv/app && cat ../secrets/.env"),
            [(Access::Read, "/srv/secrets/.env".to_owned())]
        );
        assert_eq!(
            accesses("grep -rn 'cat ~/.aws/credentials' src"),
            [(Access::Read, "src".to_owned())]
        );
        assert_eq!(
            accesses("dd if=/dev/zero of=/etc/passwd bs=1M count=1"),
            [
                (Access::Read, "/dev/zero".to_owned()),
                (Access::Write, "/etc/passwd".to_owned())
            ]
        );
    }

    #[test]
    fn in_place_edits_write_their_files() {
        let written = |line: &str| {
            accesses(line)
                .into_iter()
                .filter(|(a, _)| *a == Access::Write)
                .map(|(_, p)| p)
                .collect::<Vec<_>>()
        };
        assert_eq!(written("sed -i 's/a/b/' ~/.claude/settings.json"), ["~/.claude/settings.json"]);
        assert_eq!(written("sed --in-place -e s/a/b/ x.toml y.toml"), ["x.toml", "y.toml"]);
        assert_eq!(written("perl -pi -e 's/a/b/' .gemini/settings.json"), [".gemini/settings.json"]);
        assert_eq!(written("sed -i.bak -e s/a/b/ x.toml"), ["x.toml"]);
        // The value of `--in-place=` is a positional too: over-counting writes fails safe.
        assert!(written("sed --in-place=.orig s/a/b/ x.toml").contains(&"x.toml".to_owned()));
        assert!(written("sed 's/a/b/' ~/.claude/settings.json").is_empty());
    }

    #[test]
    fn paths_under_the_home_directory_are_home_relative() {
        assert_eq!(
            home_relative("/home/agent/.aws/credentials", Some("/home/agent/")),
            "~/.aws/credentials"
        );
        assert_eq!(
            home_relative("/home/agentx/.aws", Some("/home/agent")),
            "/home/agentx/.aws"
        );
        assert_eq!(home_relative("/etc/passwd", None), "/etc/passwd");
    }

    #[test]
    fn tool_names_say_how_paths_are_touched() {
        assert_eq!(of_tool("Read"), Access::Read);
        assert_eq!(of_tool("Write"), Access::Write);
        assert_eq!(of_tool("Edit"), Access::Write);
        assert_eq!(of_tool("mcp__filesystem__write_file"), Access::Write);
        assert_eq!(of_tool("mcp__filesystem__delete_file"), Access::Delete);
        assert_eq!(of_tool("mcp__filesystem__read_text_file"), Access::Read);
    }
}
