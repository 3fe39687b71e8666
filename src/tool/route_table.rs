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
//! keys first (the entry is found with the channel class in one pass over
//! the name's words: [`name_words`](super::name_words)). The table is data;
//! this file only reads it. Cost: building, once; per object key, one
//! lowercase copy into a stack buffer and one or two hash lookups by bytes.

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

/// What the table says of one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct KeyInfo {
    /// Its route, if it has one.
    pub(crate) route: Option<KeyRoute>,
    /// It names the program of a sibling argv.
    pub(crate) program: bool,
    /// It names the language of a sibling code string.
    pub(crate) language: bool,
}

/// Keys of an entry, lowercase bytes, with their routes.
type Keys = FxHashMap<Box<[u8]>, KeyRoute>;

/// A per-tool entry.
#[derive(Debug, Default)]
pub(crate) struct Entry {
    /// Every word the tool's name must have, lowercase.
    pub(crate) words: Vec<String>,
    /// The entry's own key routes, looked up before the base ones.
    keys: Keys,
    /// The program the tool's command lines are arguments of (`gcloud`).
    pub(crate) prefix: Option<String>,
    /// A string is one argument of `prefix` (`mongosh --eval 'db.x.drop()'`),
    /// quoted, rather than shell text after it.
    pub(crate) quoted: bool,
    /// The language of the entry's code keys (`javascript`).
    pub(crate) language: Option<String>,
}

/// The loaded table.
#[derive(Debug, Default)]
pub(crate) struct Table {
    keys: FxHashMap<Box<[u8]>, KeyInfo>,
    pub(crate) entries: Vec<Entry>,
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
    quoted: bool,
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
            keys.entry(key.to_ascii_lowercase().into_bytes().into())
                .or_insert(route);
        }
    }
}

/// Reads `routes.toml` (through [`crate::data`]).
pub(crate) fn load() -> Result<Table, String> {
    let file: TableFile = crate::data::toml("routes.toml", include_str!("routes.toml"))?;
    let mut table = Table::default();
    let mut longest = 0;
    let mut base = Keys::default();
    add(
        &mut base,
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
    for (key, route) in base {
        table.keys.entry(key).or_default().route = Some(route);
    }
    for (list, program) in [(&file.argv_program, true), (&file.code_language, false)] {
        for key in list {
            longest = longest.max(key.len());
            let info = table
                .keys
                .entry(key.to_ascii_lowercase().into_bytes().into())
                .or_default();
            if program {
                info.program = true;
            } else {
                info.language = true;
            }
        }
    }
    for (i, e) in file.tool.into_iter().enumerate() {
        if e.words.is_empty() {
            return Err(format!("routes.toml: tool entry {} has no words", i + 1));
        }
        let mut entry = Entry {
            words: e.words.iter().map(|w| w.to_ascii_lowercase()).collect(),
            prefix: e.prefix,
            quoted: e.quoted,
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
pub(crate) const BUF: usize = 64;

/// `text` lowercased into `buf`, or `None` when it is longer than `BUF`.
pub(crate) fn lower<'b>(text: &str, buf: &'b mut [u8; BUF]) -> Option<&'b [u8]> {
    let out = buf.get_mut(..text.len())?;
    for (o, b) in out.iter_mut().zip(text.bytes()) {
        *o = b.to_ascii_lowercase();
    }
    Some(out)
}

impl Table {
    /// What the table says of `key`: `entry`'s route first, then the base
    /// one, and whether it names an argv's program or a code's language.
    pub(crate) fn key(&self, entry: Option<&Entry>, key: &str) -> KeyInfo {
        if key.len() > self.longest {
            return KeyInfo::default();
        }
        let mut buf = [0u8; BUF];
        let Some(key) = lower(key, &mut buf) else {
            return KeyInfo::default();
        };
        let mut info = self.keys.get(key).copied().unwrap_or_default();
        if let Some(route) = entry.and_then(|e| e.keys.get(key)) {
            info.route = Some(*route);
        }
        info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_chosen_by_every_word_of_the_name_or_server() {
        let t = table();
        let entry = |name: &str, server: Option<&str>| super::super::name_words::facts(name, server).entry;
        let prefix = |name: &str, server: Option<&str>| entry(name, server).and_then(|e| e.prefix.clone());
        assert_eq!(prefix("run_gcloud_command", None).as_deref(), Some("gcloud"));
        assert_eq!(prefix("azmcp_extension_az", None).as_deref(), Some("az"));
        assert_eq!(prefix("azmcp_extension_azd", None).as_deref(), Some("azd"));
        assert_eq!(prefix("valkey_admin", None).as_deref(), Some("redis-cli"));
        assert_eq!(prefix("execute", Some("redis")).as_deref(), Some("redis-cli"));
        assert!(entry("Bash", None).is_none());
        assert!(entry("extension", None).is_none(), "one word of two");
        let search = entry("search_code", Some("github"));
        let route = |e: Option<&Entry>, k: &str| t.key(e, k).route;
        assert_eq!(route(search, "query"), Some(KeyRoute::Data));
        assert_eq!(route(None, "QUERY"), Some(KeyRoute::Class(Class::Sql)));
        assert_eq!(route(None, "sourcePath"), Some(KeyRoute::Class(Class::Path)));
        assert_eq!(route(None, "content"), Some(KeyRoute::Data));
        assert_eq!(route(None, "args"), Some(KeyRoute::Argv));
        assert!(t.key(None, "Command").program && t.key(None, "lang").language);
        assert_eq!(route(None, "Command"), Some(KeyRoute::Class(Class::Shell)));
    }
}
