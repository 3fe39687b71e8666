//! The routing table (`routes.toml`) as lookups: what a key of a tool call's
//! arguments holds, for any tool and for the tools a per-tool entry names.
//!
//! MCP servers spell the same thing many ways (`sql`, `query`, `cli_command`,
//! `args` + `command`, `sourcePath`) and the same key means different things
//! on different servers (`command` is a shell line for Desktop Commander, a
//! Redis verb for valkey, a sub-tool for Azure's namespace mode; `query` is
//! SQL for SQLite and a search for GitHub). So the table has base key lists
//! and per-tool entries, chosen by the words of the tool's name (server
//! included, split as [`words`](super::words) splits them), that route their
//! keys first. The table is data; this file only reads it. Cost: building,
//! once; per call, one hash lookup per word of the name to find its entry,
//! and per object key one lowercase copy into a stack buffer and one or two
//! hash lookups.

use rustc_hash::FxHashMap;

use super::route::Class;

/// What a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyRoute {
    /// A string of this class.
    Class(Class),
    /// An argv, whose program is a sibling `argv_program` string.
    Argv,
    /// Code in the language a sibling `code_language` string names.
    Code,
    /// Data: nothing under it is routed.
    Data,
}

/// Keys of the table, lowercase, with their routes.
type Keys = FxHashMap<String, KeyRoute>;

/// A per-tool entry.
#[derive(Debug, Default)]
pub(crate) struct Entry {
    /// Every word the tool's name must have, lowercase.
    words: Vec<String>,
    /// The entry's own key routes, looked up before the base ones.
    keys: Keys,
    /// The program the tool's command lines are arguments of (`gcloud`).
    pub(crate) prefix: Option<String>,
    /// The language of the entry's code keys (`javascript`).
    pub(crate) language: Option<String>,
}

/// The loaded table.
#[derive(Debug, Default)]
pub(crate) struct Table {
    keys: Keys,
    programs: Vec<String>,
    languages: Vec<String>,
    entries: Vec<Entry>,
    /// Entry indices by each of their words.
    by_word: FxHashMap<String, Vec<usize>>,
    longest: usize,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    shell: Vec<String>,
    url: Vec<String>,
    sql: Vec<String>,
    path: Vec<String>,
    argv: Vec<String>,
    argv_program: Vec<String>,
    code: Vec<String>,
    code_language: Vec<String>,
    data: Vec<String>,
    #[serde(default)]
    tool: Vec<EntryFile>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    words: Vec<String>,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    shell: Vec<String>,
    #[serde(default)]
    url: Vec<String>,
    #[serde(default)]
    sql: Vec<String>,
    #[serde(default)]
    path: Vec<String>,
    #[serde(default)]
    code: Vec<String>,
    #[serde(default)]
    data: Vec<String>,
}

/// Adds `lists` to `keys`; a key listed twice keeps its first route.
fn add(keys: &mut Keys, longest: &mut usize, lists: Vec<(Vec<String>, KeyRoute)>) {
    for (list, route) in lists {
        for key in list {
            *longest = (*longest).max(key.len());
            keys.entry(key.to_ascii_lowercase()).or_insert(route);
        }
    }
}

/// Reads `routes.toml` (through [`crate::data`]).
pub(crate) fn load() -> Result<Table, String> {
    let file: TableFile = crate::data::toml("routes.toml", include_str!("routes.toml"))?;
    let mut table = Table::default();
    let mut longest = 0;
    add(
        &mut table.keys,
        &mut longest,
        vec![
            (file.data, KeyRoute::Data),
            (file.shell, KeyRoute::Class(Class::Shell)),
            (file.url, KeyRoute::Class(Class::Url)),
            (file.sql, KeyRoute::Class(Class::Sql)),
            (file.path, KeyRoute::Class(Class::Path)),
            (file.argv, KeyRoute::Argv),
            (file.code, KeyRoute::Code),
        ],
    );
    table.programs = file.argv_program.iter().map(|k| k.to_ascii_lowercase()).collect();
    table.languages = file.code_language.iter().map(|k| k.to_ascii_lowercase()).collect();
    for (i, e) in file.tool.into_iter().enumerate() {
        if e.words.is_empty() {
            return Err(format!("routes.toml: tool entry {} has no words", i + 1));
        }
        let mut entry = Entry {
            words: e.words.iter().map(|w| w.to_ascii_lowercase()).collect(),
            prefix: e.prefix,
            language: e.language,
            ..Entry::default()
        };
        add(
            &mut entry.keys,
            &mut longest,
            vec![
                (e.data, KeyRoute::Data),
                (e.shell, KeyRoute::Class(Class::Shell)),
                (e.url, KeyRoute::Class(Class::Url)),
                (e.sql, KeyRoute::Class(Class::Sql)),
                (e.path, KeyRoute::Class(Class::Path)),
                (e.code, KeyRoute::Code),
            ],
        );
        for w in &entry.words {
            table.by_word.entry(w.clone()).or_default().push(i);
        }
        table.entries.push(entry);
    }
    table.longest = longest;
    Ok(table)
}

/// The table, read on first use; empty when it does not load (the unit
/// test of [`crate::data`] loads it).
pub(crate) fn table() -> &'static Table {
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| load().unwrap_or_default())
}

/// Longest key or word compared.
const BUF: usize = 64;

/// `text` lowercased into `buf`, or `None` when it is longer than `BUF`.
fn lower<'b>(text: &str, buf: &'b mut [u8; BUF]) -> Option<&'b str> {
    let out = buf.get_mut(..text.len())?;
    for (o, b) in out.iter_mut().zip(text.bytes()) {
        *o = b.to_ascii_lowercase();
    }
    std::str::from_utf8(out).ok()
}

impl Table {
    /// The first entry whose every word is a word of `name` or `server`.
    pub(crate) fn entry_for(&self, name: &str, server: Option<&str>) -> Option<&Entry> {
        if self.entries.is_empty() {
            return None;
        }
        let mut found: Option<usize> = None;
        let has = |word: &str| {
            let mut hit = false;
            for text in std::iter::once(name).chain(server) {
                super::words(text, |w| hit |= w.eq_ignore_ascii_case(word));
            }
            hit
        };
        for text in std::iter::once(name).chain(server) {
            super::words(text, |w| {
                let mut buf = [0u8; BUF];
                let Some(w) = lower(w, &mut buf) else { return };
                for &i in self.by_word.get(w).into_iter().flatten() {
                    if found.is_some_and(|f| f <= i) {
                        continue;
                    }
                    let all = self
                        .entries
                        .get(i)
                        .is_some_and(|e| e.words.iter().all(|x| has(x)));
                    if all {
                        found = Some(i);
                    }
                }
            });
        }
        found.and_then(|i| self.entries.get(i))
    }

    /// The route of `key`: `entry`'s first, then the base one.
    pub(crate) fn key(&self, entry: Option<&Entry>, key: &str) -> Option<KeyRoute> {
        if key.len() > self.longest {
            return None;
        }
        let mut buf = [0u8; BUF];
        let key = lower(key, &mut buf)?;
        entry
            .and_then(|e| e.keys.get(key))
            .or_else(|| self.keys.get(key))
            .copied()
    }

    /// True when `key` names the program of a sibling argv.
    pub(crate) fn is_program(&self, key: &str) -> bool {
        self.programs.iter().any(|p| p.eq_ignore_ascii_case(key))
    }

    /// True when `key` names the language of a sibling code string.
    pub(crate) fn is_language(&self, key: &str) -> bool {
        self.languages.iter().any(|p| p.eq_ignore_ascii_case(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_chosen_by_every_word_of_the_name_or_server() {
        let t = load().unwrap();
        let prefix = |name: &str, server: Option<&str>| {
            t.entry_for(name, server).and_then(|e| e.prefix.clone())
        };
        assert_eq!(prefix("run_gcloud_command", None).as_deref(), Some("gcloud"));
        assert_eq!(prefix("azmcp_extension_az", None).as_deref(), Some("az"));
        assert_eq!(prefix("azmcp_extension_azd", None).as_deref(), Some("azd"));
        assert_eq!(prefix("valkey_admin", None).as_deref(), Some("redis-cli"));
        assert_eq!(prefix("execute", Some("redis")).as_deref(), Some("redis-cli"));
        assert!(t.entry_for("Bash", None).is_none());
        assert!(t.entry_for("extension", None).is_none(), "one word of two");
        let search = t.entry_for("search_code", Some("github"));
        assert_eq!(t.key(search, "query"), Some(KeyRoute::Data));
        assert_eq!(t.key(None, "QUERY"), Some(KeyRoute::Class(Class::Sql)));
        assert_eq!(t.key(None, "sourcePath"), Some(KeyRoute::Class(Class::Path)));
        assert_eq!(t.key(None, "content"), Some(KeyRoute::Data));
        assert_eq!(t.key(None, "args"), Some(KeyRoute::Argv));
        assert!(t.is_program("Command") && t.is_language("lang"));
    }
}
