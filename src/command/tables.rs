//! Program knowledge, loaded from `programs.toml`.
//!
//! Which programs wrap other programs and how their options read, which
//! flags mean the same thing, which options take a value, which programs
//! read another language: all of it is data in `programs.toml`, embedded in
//! the crate and parsed once per process (a few hundred entries, well under
//! a millisecond). A table that fails to load is reported by every analysis
//! as a problem, so commands fail closed (`ask`) rather than open; the test
//! suite loads it.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

const PROGRAMS: &str = include_str!("programs.toml");

/// How a wrapper finds the command it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum WrapperKind {
    Prefix,
    Shell,
    Eval,
    Ssh,
    Xargs,
    Find,
    Watch,
    Multiplexer,
    String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Wrapper {
    pub(crate) kind: WrapperKind,
    #[serde(default)]
    pub(crate) value_options: Vec<String>,
    #[serde(default)]
    pub(crate) stop_options: Vec<String>,
    #[serde(default)]
    pub(crate) shell_options: Vec<String>,
    #[serde(default)]
    pub(crate) script_options: Vec<String>,
    #[serde(default)]
    pub(crate) positionals: usize,
    #[serde(default)]
    pub(crate) skip_assignments: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    value_options: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Language {
    programs: Vec<String>,
    code_options: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    wrappers: HashMap<String, Wrapper>,
    flags: HashMap<String, HashMap<String, Vec<String>>>,
    options: HashMap<String, Options>,
    languages: HashMap<String, Language>,
}

/// The loaded tables.
#[derive(Debug)]
pub(crate) struct Tables {
    wrappers: HashMap<String, Wrapper>,
    /// Scope (`rm`, `git push`) → alias → canonical flag.
    aliases: HashMap<String, HashMap<String, String>>,
    value_options: HashMap<String, HashSet<String>>,
    language_of: HashMap<String, String>,
    code_options: HashMap<String, Vec<String>>,
}

impl Tables {
    fn load() -> Result<Tables, String> {
        let file: File = toml::from_str(PROGRAMS).map_err(|e| format!("programs.toml: {e}"))?;
        let mut aliases = HashMap::new();
        for (scope, table) in file.flags {
            let mut map = HashMap::new();
            for (canonical, names) in table {
                for alias in names {
                    map.insert(alias, canonical.clone());
                }
                map.insert(canonical.clone(), canonical);
            }
            aliases.insert(scope, map);
        }
        let value_options = file
            .options
            .into_iter()
            .map(|(program, o)| (program, o.value_options.into_iter().collect()))
            .collect();
        let mut language_of = HashMap::new();
        let mut code_options = HashMap::new();
        for (language, spec) in file.languages {
            for program in spec.programs {
                language_of.insert(program, language.clone());
            }
            code_options.insert(language, spec.code_options);
        }
        Ok(Tables {
            wrappers: file.wrappers,
            aliases,
            value_options,
            language_of,
            code_options,
        })
    }

    /// The wrapper spec of `program`, if it runs other programs.
    pub(crate) fn wrapper(&self, program: &str) -> Option<&Wrapper> {
        self.wrappers.get(program)
    }

    /// The canonical name of `flag` for `program` (and its subcommand, when
    /// the table has a scope for it); the flag itself when unknown.
    pub(crate) fn canonical<'a>(
        &'a self,
        program: &str,
        subcommand: Option<&str>,
        flag: &'a str,
    ) -> &'a str {
        let scoped = subcommand.and_then(|sub| self.aliases.get(&format!("{program} {sub}")));
        scoped
            .and_then(|m| m.get(flag))
            .or_else(|| self.aliases.get(program).and_then(|m| m.get(flag)))
            .map_or(flag, String::as_str)
    }

    /// True when the table knows `flag` for `program` (scoped or not), or
    /// knows nothing of the program at all.
    pub(crate) fn knows_flag(&self, program: &str, subcommand: Option<&str>, flag: &str) -> bool {
        let scoped = subcommand.and_then(|sub| self.aliases.get(&format!("{program} {sub}")));
        let plain = self.aliases.get(program);
        if scoped.is_none() && plain.is_none() {
            return true;
        }
        scoped.is_some_and(|m| m.contains_key(flag)) || plain.is_some_and(|m| m.contains_key(flag))
    }

    /// True when `option` of `program` takes the next word as its value.
    pub(crate) fn takes_value(&self, program: &str, option: &str) -> bool {
        self.value_options
            .get(program)
            .is_some_and(|set| set.contains(option))
    }

    /// The language `program` reads (`sql` for `psql`), if any.
    pub(crate) fn language(&self, program: &str) -> Option<&str> {
        self.language_of.get(program).map(String::as_str)
    }

    /// The options of `language`'s programs that carry code (`-c`, `--eval`).
    pub(crate) fn code_options(&self, language: &str) -> &[String] {
        self.code_options
            .get(language)
            .map_or(&[][..], Vec::as_slice)
    }
}

/// The tables, loaded on first use.
pub(crate) fn tables() -> Result<&'static Tables, &'static str> {
    static TABLES: OnceLock<Result<Tables, String>> = OnceLock::new();
    TABLES
        .get_or_init(Tables::load)
        .as_ref()
        .map_err(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load_and_map_aliases() {
        let t = tables().unwrap();
        assert_eq!(t.canonical("rm", None, "--recursive"), "-r");
        assert_eq!(t.canonical("rm", None, "-R"), "-r");
        assert_eq!(t.canonical("git", Some("push"), "--force"), "-f");
        assert_eq!(t.canonical("git", Some("clean"), "--dry-run"), "-n");
        assert_eq!(t.canonical("unknown", None, "-x"), "-x");
        assert!(t.takes_value("git", "-C"));
        assert_eq!(t.language("psql"), Some("sql"));
        assert!(t.wrapper("sudo").is_some());
    }
}
