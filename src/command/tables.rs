//! Program knowledge, loaded from `programs.toml`.
//!
//! Which programs wrap other programs and how their options read, which
//! flags mean the same thing, which options take a value, which programs
//! read another language: all of it is data in `programs.toml`, embedded in
//! the crate and parsed once per process (a few hundred entries, well under
//! a millisecond) through the crate's one table loader ([`crate::data`]).
//! A table that fails to load is reported by every analysis as a problem, so
//! commands fail closed (`ask`) rather than open; the test suite loads it.

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::{Arc, OnceLock};

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
    /// Options whose value is split into words that go before the rest
    /// (`env -S 'A=1 cmd' x` runs `A=1 cmd x`).
    #[serde(default)]
    pub(crate) split_options: Vec<String>,
    /// Words skipped where an option could be (`env -` is `env -i`).
    #[serde(default)]
    pub(crate) ignored_words: Vec<String>,
    #[serde(default)]
    pub(crate) positionals: usize,
    #[serde(default)]
    pub(crate) skip_assignments: bool,
    /// For wrappers that are a subcommand of a larger tool (`npm exec`,
    /// `bundle exec`, `poetry run`): the subcommands that wrap. Empty: the
    /// program itself wraps.
    #[serde(default)]
    pub(crate) subcommands: Vec<String>,
    /// The command is what follows the first `--` (`kubectl exec POD -- CMD`);
    /// without one, nothing is run that the line shows.
    #[serde(default)]
    pub(crate) after_dashes: bool,
    /// The wrapping command is judged as itself too (`docker exec
    /// --privileged …`); what it runs is queued as a command of its own.
    #[serde(default)]
    pub(crate) keep_outer: bool,
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
    /// Programs whose arguments after the first positional (a database
    /// file) are code: `sqlite3 app.db "DROP TABLE t"`.
    #[serde(default)]
    code_after_file: Vec<String>,
}

/// `programs.toml`, as serde reads it (unkeyed hash maps: the file is
/// fixed data, and the tables built from it do not depend on the order).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    wrappers: FxHashMap<String, Wrapper>,
    flags: FxHashMap<String, FxHashMap<String, Vec<String>>>,
    options: FxHashMap<String, Options>,
    languages: FxHashMap<String, Language>,
}

/// The flag aliases of one program: for the program as a whole, and per subcommand.
#[derive(Debug, Default)]
pub(crate) struct FlagScopes {
    /// Each spelling to its canonical name (shared: a flag has several spellings).
    plain: Option<FxHashMap<String, Arc<str>>>,
    by_subcommand: FxHashMap<String, FxHashMap<String, Arc<str>>>,
}

/// Everything the tables know of one program, found with one lookup.
#[derive(Debug, Default)]
pub(crate) struct Program {
    pub(crate) wrapper: Option<Wrapper>,
    flags: FlagScopes,
    value_options: FxHashSet<String>,
    pub(crate) language: Option<String>,
    /// Its arguments after the first positional are code (`sqlite3 FILE SQL…`).
    pub(crate) code_after_file: bool,
}

impl Program {
    /// The canonical name of `flag` (under `subcommand` when the table has a
    /// scope for it); the flag itself when unknown.
    pub(crate) fn canonical<'a>(&'a self, subcommand: Option<&str>, flag: &'a str) -> &'a str {
        let scoped = subcommand.and_then(|sub| self.flags.by_subcommand.get(sub));
        scoped
            .and_then(|m| m.get(flag))
            .or_else(|| self.flags.plain.as_ref().and_then(|m| m.get(flag)))
            .map_or(flag, |c| c)
    }

    /// True when the table knows `flag` (scoped or not), or knows no flags of the program.
    fn knows_flag(&self, subcommand: Option<&str>, flag: &str) -> bool {
        let scoped = subcommand.and_then(|sub| self.flags.by_subcommand.get(sub));
        let plain = self.flags.plain.as_ref();
        if scoped.is_none() && plain.is_none() {
            return true;
        }
        scoped.is_some_and(|m| m.contains_key(flag)) || plain.is_some_and(|m| m.contains_key(flag))
    }

    /// True when `option` takes the next word as its value.
    pub(crate) fn takes_value(&self, option: &str) -> bool {
        self.value_options.contains(option)
    }
}

/// The loaded tables. Lookups use a fast unkeyed hash: the tables are fixed
/// data, so hostile lookups cannot lengthen their chains.
#[derive(Debug)]
pub(crate) struct Tables {
    programs: FxHashMap<String, Program>,
    code_options: FxHashMap<String, Vec<String>>,
}

/// Reads `programs.toml` into the tables.
pub(crate) fn load() -> Result<Tables, String> {
    let file: File = crate::data::toml("programs.toml", PROGRAMS)?;
    let mut programs: FxHashMap<String, Program> = FxHashMap::default();
    for (name, wrapper) in file.wrappers {
        programs.entry(name).or_default().wrapper = Some(wrapper);
    }
    for (scope, table) in file.flags {
        let mut map = FxHashMap::default();
        for (canonical, names) in table {
            let shared: Arc<str> = Arc::from(canonical.as_str());
            for alias in names {
                map.insert(alias, Arc::clone(&shared));
            }
            map.insert(canonical, shared);
        }
        // `git push` is program `git`, subcommand `push`.
        match scope.split_once(' ') {
            Some((program, sub)) => {
                let entry = programs.entry(program.to_owned()).or_default();
                entry.flags.by_subcommand.insert(sub.to_owned(), map);
            }
            None => programs.entry(scope).or_default().flags.plain = Some(map),
        }
    }
    for (program, options) in file.options {
        programs.entry(program).or_default().value_options =
            options.value_options.into_iter().collect();
    }
    let mut code_options = FxHashMap::default();
    for (language, spec) in file.languages {
        for program in spec.programs {
            programs.entry(program).or_default().language = Some(language.clone());
        }
        for program in spec.code_after_file {
            programs.entry(program).or_default().code_after_file = true;
        }
        code_options.insert(language, spec.code_options);
    }
    Ok(Tables {
        programs,
        code_options,
    })
}

impl Tables {
    /// Every program that runs or reads code beyond its own name: wrappers
    /// (`sudo`, `bash`, `find`, `xargs`, …) and programs that read another
    /// language (`python`, `psql`, …).
    pub(crate) fn code_runners(&self) -> impl Iterator<Item = &str> {
        self.programs
            .iter()
            .filter(|(_, p)| p.wrapper.is_some() || p.language.is_some())
            .map(|(name, _)| name.as_str())
    }

    /// What the tables know of `program`, if anything.
    pub(crate) fn program(&self, program: &str) -> Option<&Program> {
        self.programs.get(program)
    }

    /// The wrapper spec of `program`, if it runs other programs.
    pub(crate) fn wrapper(&self, program: &str) -> Option<&Wrapper> {
        self.program(program).and_then(|p| p.wrapper.as_ref())
    }

    /// The canonical name of `flag` for `program` (see [`Program::canonical`]).
    pub(crate) fn canonical<'a>(
        &'a self,
        program: &str,
        subcommand: Option<&str>,
        flag: &'a str,
    ) -> &'a str {
        match self.program(program) {
            Some(p) => p.canonical(subcommand, flag),
            None => flag,
        }
    }

    /// True when the table knows `flag` for `program`, or knows no flags of it.
    pub(crate) fn knows_flag(&self, program: &str, subcommand: Option<&str>, flag: &str) -> bool {
        self.program(program)
            .is_none_or(|p| p.knows_flag(subcommand, flag))
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
    TABLES.get_or_init(load).as_ref().map_err(String::as_str)
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
        assert!(t.program("git").unwrap().takes_value("-C"));
        assert_eq!(t.program("psql").unwrap().language.as_deref(), Some("sql"));
        assert!(t.wrapper("sudo").is_some());
    }
}
