//! What runs a file as code, and which files a download writes.
//!
//! `python3 x.py`, `bash x.sh`, `./x`, `deno run x.ts`, `go run m.go` run a
//! file; `curl -o f`, `wget -O f`, `curl -O URL` write one. Both the
//! analysis of one line (`line_files.rs`: a file the line wrote and then
//! runs) and a session (`session/observe.rs`: a file an earlier request
//! wrote) ask the same questions, from one table, `runners.toml`. Cost: a
//! map lookup by program name, then one pass over the arguments.

use std::sync::OnceLock;

use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;

use super::simple::SimpleCommand;

/// `runners.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Runners {
    pub(crate) first: Vec<String>,
    pub(crate) after: HashMap<String, Vec<String>>,
    pub(crate) downloads: HashMap<String, Vec<String>>,
    pub(crate) remote_name: HashMap<String, Vec<String>>,
    pub(crate) extensions: HashMap<String, String>,
    pub(crate) shebang: HashMap<String, String>,
    pub(crate) inline: HashMap<String, String>,
}

/// Reads `runners.toml` (through [`crate::data`]).
pub(crate) fn load() -> Result<Runners, String> {
    crate::data::toml("runners.toml", include_str!("runners.toml"))
}

/// The table, loaded on first use (empty if it failed to load, which the
/// data tests catch).
pub(crate) fn runners() -> &'static Runners {
    static RUNNERS: OnceLock<Runners> = OnceLock::new();
    RUNNERS.get_or_init(|| load().unwrap_or_default())
}

/// True when `program` writes what it fetches to a file an option names
/// (`runners.toml`: `downloads`, `remote_name`).
pub(crate) fn is_download_client(program: &str) -> bool {
    // A handful of names: a scan is cheaper than hashing the program.
    static CLIENTS: OnceLock<Vec<&'static str>> = OnceLock::new();
    let clients = CLIENTS.get_or_init(|| {
        let r = runners();
        let mut names: Vec<&str> = r.downloads.keys().chain(r.remote_name.keys()).map(String::as_str).collect();
        names.sort_unstable();
        names.dedup();
        names
    });
    clients.contains(&program)
}

/// The files a download client writes what it fetches to (`runners.toml`:
/// `downloads`, `remote_name`).
pub(crate) fn downloaded(command: &SimpleCommand) -> Vec<String> {
    let mut out = Vec::new();
    let Some(program) = command.program.as_deref() else {
        return out;
    };
    let r = runners();
    let (named, remote) = (r.downloads.get(program), r.remote_name.get(program));
    if named.is_none() && remote.is_none() {
        return out;
    }
    let words: Vec<&str> = command.argv.iter().map(|w| w.text.as_str()).collect();
    for (i, word) in words.iter().enumerate() {
        for option in named.into_iter().flatten() {
            if word == option {
                if let Some(next) = words.get(i + 1) {
                    out.push((*next).to_owned());
                }
            } else if let Some(value) = word
                .strip_prefix(option.as_str())
                .and_then(|rest| rest.strip_prefix('='))
            {
                out.push(value.to_owned());
            }
        }
        if remote.into_iter().flatten().any(|o| o == word) {
            // Every URL argument, by its last path segment.
            for url in words.iter().filter(|w| w.contains("://")) {
                let path = url.split(['?', '#']).next().unwrap_or(url);
                if let Some(name) = path.rsplit('/').next().filter(|n| !n.is_empty() && !path.ends_with("//")) {
                    out.push(name.to_owned());
                }
            }
        }
    }
    out.retain(|p| !p.is_empty() && p != "-");
    out
}

/// The file `command` runs as a script or program, if any.
pub(crate) fn script_run(command: &SimpleCommand) -> Option<&str> {
    if let Some(path) = &command.path {
        return Some(path.as_str());
    }
    let program = command.program.as_deref()?;
    let r = runners();
    let known = |i: usize| {
        command
            .positionals
            .get(i)
            .filter(|w| w.is_known() && !w.text.is_empty())
            .map(|w| w.text.as_str())
    };
    if let Some(subcommands) = r.after.get(program) {
        let sub = known(0)?;
        if subcommands.iter().any(|s| s == sub) {
            return known(1);
        }
    }
    if r.first.iter().any(|p| p == program) {
        // `bash -c '…'` runs no file (its code is analyzed inline).
        let inline = command
            .flags
            .iter()
            .any(|f| matches!(f.as_str(), "-c" | "-e" | "-r" | "--eval" | "-m"));
        if !inline {
            return known(0);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::analyze;

    #[test]
    fn the_table_loads() {
        load().unwrap();
    }

    fn first(line: &str) -> SimpleCommand {
        analyze(line).commands.into_iter().next().unwrap()
    }

    #[test]
    fn scripts_and_downloads_are_named() {
        assert_eq!(script_run(&first("python3 -u x.py")), Some("x.py"));
        assert_eq!(script_run(&first("deno run -A x.ts")), Some("x.ts"));
        assert_eq!(script_run(&first("go run m.go")), Some("m.go"));
        assert_eq!(script_run(&first("python3 -c 'print(1)'")), None);
        assert_eq!(script_run(&first("./x.sh")), Some("./x.sh"));
        assert_eq!(downloaded(&first("curl -o i.sh https://x.test/i")), vec!["i.sh"]);
        assert_eq!(downloaded(&first("wget --output-document=s.sh https://x.test/s")), vec!["s.sh"]);
        assert_eq!(downloaded(&first("curl -O https://x.test/a/setup.sh")), vec!["setup.sh"]);
        assert!(downloaded(&first("curl https://x.test/")).is_empty());
    }
}
