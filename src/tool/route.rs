//! Argument routing: which analyzer reads each string in a tool call's
//! arguments.
//!
//! Agents act through tool calls as much as through shells: an
//! `execute_sql` with a `DROP TABLE`, a `fetch` of the metadata endpoint, a
//! `run` with `rm -rf`. Each string in the arguments is classified by the
//! key it sits under (`routes.toml`: `command` → shell, `url` → URL, `query`
//! → SQL, `path` → path), and a string under any other key by its content
//! (a `scheme://` URL, or text that starts like a SQL statement). The walk
//! is bounded: [`MAX_DEPTH`] levels, [`MAX_STRINGS`] strings; a string past
//! [`MAX_STRING_BYTES`] is reported as too long rather than read. It knows
//! nothing of policies: it says what each string is, with its JSON pointer.
//! Cost: one walk over the arguments, one small vector of routes.

use std::sync::OnceLock;

use serde_json::Value;

/// Deepest nesting walked.
pub const MAX_DEPTH: usize = 32;
/// Most strings looked at.
pub const MAX_STRINGS: usize = 1024;
/// Longest string analyzed (128 KiB).
pub const MAX_STRING_BYTES: usize = 128 << 10;

/// What an argument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// A shell command line.
    Shell,
    /// A URL.
    Url,
    /// SQL.
    Sql,
    /// A file system path.
    Path,
}

impl Class {
    /// The lowercase name used in decisions.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Shell => "shell",
            Class::Url => "url",
            Class::Sql => "sql",
            Class::Path => "path",
        }
    }
}

/// One routed argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route<'a> {
    /// Its RFC 6901 pointer in the arguments.
    pub pointer: String,
    /// What it is.
    pub class: Class,
    /// Its text.
    pub text: &'a str,
    /// Routed by its key (`true`) or by its content.
    pub by_key: bool,
}

/// What the walk found.
#[derive(Debug, Clone, Default)]
pub struct Routes<'a> {
    /// Routed strings, in walk order.
    pub routes: Vec<Route<'a>>,
    /// Strings longer than [`MAX_STRING_BYTES`] under a routed key, by pointer.
    pub too_long: Vec<String>,
    /// The walk stopped at a bound: some arguments were not looked at.
    pub truncated: bool,
}

/// The routed keys, lowercase, and the longest of them.
pub(crate) struct Keys {
    classes: rustc_hash::FxHashMap<String, Class>,
    longest: usize,
}

/// `routes.toml`: the argument keys of each class.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteTable {
    shell: Vec<String>,
    url: Vec<String>,
    sql: Vec<String>,
    path: Vec<String>,
}

/// Reads `routes.toml` (through [`crate::data`]) into the routed keys.
pub(crate) fn load() -> Result<Keys, String> {
    let routes: RouteTable = crate::data::toml("routes.toml", include_str!("routes.toml"))?;
    let mut classes = rustc_hash::FxHashMap::default();
    // Earlier lists win a key listed twice.
    for (list, class) in [
        (routes.shell, Class::Shell),
        (routes.url, Class::Url),
        (routes.sql, Class::Sql),
        (routes.path, Class::Path),
    ] {
        for key in list {
            classes.entry(key.to_ascii_lowercase()).or_insert(class);
        }
    }
    let longest = classes.keys().map(String::len).max().unwrap_or(0);
    Ok(Keys { classes, longest })
}

/// The keys, read on first use; none when the table does not load (the
/// unit test of [`crate::data`] loads it).
fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        load().unwrap_or_else(|_| Keys {
            classes: rustc_hash::FxHashMap::default(),
            longest: 0,
        })
    })
}

/// The class a key routes to (compared case-insensitively, without allocating).
pub fn class_of_key(key: &str) -> Option<Class> {
    const BUF: usize = 64;
    let k = keys();
    if key.len() > k.longest || key.len() > BUF {
        return None;
    }
    let mut buf = [0u8; BUF];
    let lower = buf.get_mut(..key.len())?;
    for (o, b) in lower.iter_mut().zip(key.bytes()) {
        *o = b.to_ascii_lowercase();
    }
    k.classes.get(std::str::from_utf8(lower).ok()?).copied()
}

/// Object types a `DROP`, `CREATE`, `ALTER` or `TRUNCATE` names.
const OBJECT_TYPES: &[&str] = &[
    "table",
    "database",
    "schema",
    "view",
    "index",
    "materialized",
    "sequence",
    "function",
    "procedure",
    "trigger",
    "type",
    "extension",
    "role",
    "user",
    "owned",
    "temporary",
    "temp",
    "unlogged",
    "event",
    "policy",
];

/// True when `text` reads as a SQL statement, not as prose that happens to
/// start with a SQL verb (`delete old code`, `drop table` as a search): the
/// verb must be followed by the structure it has in SQL (`DELETE FROM t`,
/// `UPDATE t SET`, `DROP TABLE t`, `TRUNCATE TABLE t`, `ALTER TABLE t`,
/// `GRANT … ON/TO`, `INSERT INTO`, `SELECT … FROM`, `WITH x AS (`).
fn reads_as_sql(text: &str) -> bool {
    use crate::sql::lexer::{tokens, Token};
    let toks: Vec<Token<'_>> = tokens(text).take(12).collect();
    let word = |i: usize| match toks.get(i) {
        Some(Token::Word(w)) => Some(w.to_ascii_lowercase()),
        _ => None,
    };
    let name = |i: usize| matches!(toks.get(i), Some(Token::Word(_) | Token::Quoted(_)));
    let has = |w: &str| {
        toks.iter()
            .any(|t| matches!(t, Token::Word(x) if x.eq_ignore_ascii_case(w)))
    };
    let Some(first) = word(0) else { return false };
    let typed = |i: usize| {
        word(i).is_some_and(|w| OBJECT_TYPES.contains(&w.as_str()))
            && (name(i + 1) || word(i + 1).as_deref() == Some("if"))
    };
    match first.as_str() {
        "delete" => word(1).as_deref() == Some("from") && name(2),
        "update" => name(1) && word(2).as_deref() == Some("set"),
        "drop" | "alter" | "create" => typed(1),
        "truncate" => {
            word(1).as_deref() == Some("table") && name(2)
                || name(1) && matches!(toks.get(2), None | Some(Token::Semicolon))
        }
        "grant" | "revoke" => has("on") && (has("to") || has("from")),
        "insert" | "replace" => word(1).as_deref() == Some("into"),
        "merge" => word(1).as_deref() == Some("into"),
        "select" => has("from"),
        "with" => name(1) && toks.iter().any(|t| matches!(t, Token::Punct('('))) && has("as"),
        _ => false,
    }
}

/// The class a string has by its content alone: a `scheme://` URL, or SQL.
pub fn class_of_text(text: &str) -> Option<Class> {
    let t = text.trim_start();
    // A scheme: a letter, then at most 31 letters, digits, `+`, `-`, `.`, then `://`.
    let scheme_len = t
        .bytes()
        .take(33)
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .unwrap_or(t.len());
    if (1..=32).contains(&scheme_len)
        && t.starts_with(|c: char| c.is_ascii_alphabetic())
        && t.get(scheme_len..).is_some_and(|r| r.starts_with("://"))
        && !t.contains(char::is_whitespace)
    {
        return Some(Class::Url);
    }
    let word_len = t
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(t.len());
    let starts_like_sql = t
        .get(..word_len)
        .is_some_and(|w| SQL_VERBS.iter().any(|k| k.eq_ignore_ascii_case(w)));
    (starts_like_sql && reads_as_sql(t)).then_some(Class::Sql)
}

/// The words a SQL statement read by content may start with.
const SQL_VERBS: &[&str] = &[
    "delete", "update", "drop", "alter", "create", "truncate", "grant", "revoke", "insert",
    "replace", "merge", "select", "with",
];

fn push_escaped(out: &mut String, key: &str) {
    if key.contains(['~', '/']) {
        out.push_str(&key.replace('~', "~0").replace('/', "~1"));
    } else {
        out.push_str(key);
    }
}

/// One step of a JSON pointer.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn pointer(path: &[Step<'_>]) -> String {
    let mut out = String::new();
    for step in path {
        out.push('/');
        match step {
            Step::Key(k) => push_escaped(&mut out, k),
            Step::Index(i) => {
                use std::fmt::Write;
                let _ = write!(out, "{i}");
            }
        }
    }
    out
}

/// Routes the strings of `arguments`. Pointers are built only for the
/// strings routed.
pub fn route(arguments: &Value) -> Routes<'_> {
    route_each(arguments, |_| {})
}

/// [`route`], also handing `each` every string the walk looks at (routed or
/// not, within the same bounds), so one walk serves every reader of the
/// arguments (the engine derives environments from them).
pub fn route_each<'a>(arguments: &'a Value, mut each: impl FnMut(&'a str)) -> Routes<'a> {
    let mut out = Routes::default();
    let mut strings = 0usize;
    let mut path: Vec<Step<'_>> = Vec::new();
    // (value, depth, the step that reached it, class of its key)
    let mut stack: Vec<(&Value, usize, Option<Step<'_>>, Option<Class>)> =
        vec![(arguments, 0, None, None)];
    while let Some((value, depth, step, key_class)) = stack.pop() {
        path.truncate(depth.saturating_sub(1));
        if let Some(step) = step {
            path.push(step);
        }
        if depth > MAX_DEPTH {
            out.truncated = true;
            continue;
        }
        match value {
            Value::String(s) => {
                strings += 1;
                if strings > MAX_STRINGS {
                    out.truncated = true;
                    break;
                }
                each(s);
                let (class, by_key) = match key_class {
                    Some(c) => (Some(c), true),
                    None => (class_of_text(s), false),
                };
                let Some(class) = class else { continue };
                if s.len() > MAX_STRING_BYTES {
                    out.too_long.push(pointer(&path));
                    continue;
                }
                out.routes.push(Route {
                    pointer: pointer(&path),
                    class,
                    text: s,
                    by_key,
                });
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate().rev() {
                    stack.push((v, depth + 1, Some(Step::Index(i)), key_class));
                }
            }
            Value::Object(map) => {
                let start = stack.len();
                for (k, v) in map {
                    stack.push((v, depth + 1, Some(Step::Key(k)), class_of_key(k)));
                }
                stack.get_mut(start..).unwrap_or_default().reverse();
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_are_routed_by_key_then_by_content() {
        let args = json!({
            "command": "rm -rf /",
            "options": {"URL": "https://example.com", "note": "see http://169.254.169.254/latest"},
            "query": "select 1",
            "batch": ["DROP TABLE users", "hello"],
            "file_path": "/etc/passwd",
            "a/b": {"cmd": "ls"}
        });
        let r = route(&args);
        let got: Vec<(String, &str, bool)> = r
            .routes
            .iter()
            .map(|r| (r.pointer.clone(), r.class.as_str(), r.by_key))
            .collect();
        assert!(got.contains(&("/command".into(), "shell", true)), "{got:?}");
        assert!(
            got.contains(&("/options/URL".into(), "url", true)),
            "{got:?}"
        );
        assert!(got.contains(&("/query".into(), "sql", true)), "{got:?}");
        assert!(got.contains(&("/batch/0".into(), "sql", false)), "{got:?}");
        assert!(
            got.contains(&("/file_path".into(), "path", true)),
            "{got:?}"
        );
        assert!(
            got.contains(&("/a~1b/cmd".into(), "shell", true)),
            "{got:?}"
        );
        assert!(!got.iter().any(|g| g.0 == "/batch/1"), "{got:?}");
        for prose in [
            "delete old code",
            "drop table",
            "update the docs",
            "truncate the log file to 1 MB",
        ] {
            assert_eq!(class_of_text(prose), None, "{prose}");
        }
        for sql in [
            "DELETE FROM users",
            "update t set a = 1",
            "DROP TABLE IF EXISTS x",
            "truncate logs;",
            "grant all on t to bob",
            "with x as (select 1) delete from t",
        ] {
            assert_eq!(class_of_text(sql), Some(Class::Sql), "{sql}");
        }
        // A URL inside prose is not a URL argument (the whole string is not one).
        assert!(!got.iter().any(|g| g.0 == "/options/note"), "{got:?}");
    }

    #[test]
    fn the_walk_is_bounded() {
        let mut deep = json!("rm -rf /");
        for _ in 0..100 {
            deep = json!({"x": deep});
        }
        let r = route(&deep);
        assert!(r.truncated);
        let many = Value::Array(
            (0..5000)
                .map(|i| json!(format!("select {i} from t")))
                .collect(),
        );
        let r = route(&many);
        assert!(r.truncated && r.routes.len() == MAX_STRINGS);
    }
}
