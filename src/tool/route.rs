//! Argument routing: which analyzer reads each string in a tool call's
//! arguments.
//!
//! Agents act through tool calls as much as through shells: an
//! `execute_sql` with a `DROP TABLE`, a `fetch` of the metadata endpoint, a
//! `run` with `rm -rf`. Each string in the arguments is classified by the
//! key it sits under (the routing table, `routes.toml`, read by
//! [`route_table`](super::route_table): `command` → shell, `url` → URL,
//! `query` → SQL, `path` → path, per tool where servers disagree), and a
//! string under any other key by its content (a `scheme://` URL, or text
//! that reads as a SQL statement). Some arguments are built back into the
//! command line they stand for: an argv with its program (`{"command":
//! "rm", "args": ["-rf", "/"]}`), an array of strings under a shell key,
//! code with its language (`python3 -c …`), a tool's arguments to a program
//! it runs (gcloud's `args`, valkey's Redis `command`). Strings under data
//! keys (`content`, `pattern`, `message`) are not routed at all. The walk
//! is bounded: [`MAX_DEPTH`] levels, [`MAX_STRINGS`] strings; a string past
//! [`MAX_STRING_BYTES`] is reported as too long rather than read. It knows
//! nothing of policies: it says what each string is, with its JSON pointer.
//! Cost: one walk over the arguments, one small vector of routes; a built
//! line costs one allocation.

use std::borrow::Cow;

use serde_json::Value;

use super::route_table::{self, Entry, KeyInfo, KeyRoute};
use crate::command::quote::{quote, shell_quote};

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
    /// An argv (and its program), as the command line it runs.
    Argv,
    /// Code, as its interpreter's inline-code command line.
    Code,
}

impl Class {
    /// The lowercase name used in decisions.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Shell => "shell",
            Class::Url => "url",
            Class::Sql => "sql",
            Class::Path => "path",
            Class::Argv => "argv",
            Class::Code => "code",
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
    /// Its text: the string itself, or the command line built from it.
    pub text: Cow<'a, str>,
    /// Routed by its key (`true`) or by its content.
    pub by_key: bool,
}

impl Route<'_> {
    /// True when the text is the very string at the pointer (not a line
    /// built from it).
    #[cfg(feature = "internals")]
    pub fn literal(&self) -> bool {
        matches!(self.text, Cow::Borrowed(_))
    }
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

/// The pointer of `key` under the object at `path`.
fn child_pointer(path: &[Step<'_>], key: &str) -> String {
    let mut out = pointer(path);
    out.push('/');
    push_escaped(&mut out, key);
    out
}

/// `words`, each quoted as one shell word, after `prefix` (a program and
/// its leading arguments, as shell text).
fn argv_line<'w>(prefix: Option<&str>, words: impl IntoIterator<Item = &'w str>) -> String {
    let mut line = prefix.unwrap_or_default().to_owned();
    for w in words {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&shell_quote(w));
    }
    line
}

/// `text` as arguments of the entry's `prefix`: shell text as given, or one
/// quoted argument when the entry says so.
fn prefixed<'t>(entry: Option<&Entry>, text: &'t str) -> Cow<'t, str> {
    match entry.and_then(|e| Some((e.prefix.as_deref()?, e.quoted))) {
        Some((p, true)) => Cow::Owned(format!("{p} {}", quote(text))),
        Some((p, false)) => Cow::Owned(format!("{p} {text}")),
        None => Cow::Borrowed(text),
    }
}

/// The route of code in `language` (Python when none is named): the
/// interpreter's inline-code line; shell and SQL are routed as themselves.
fn code_route<'c>(language: Option<&str>, code: &'c str) -> (Class, Cow<'c, str>) {
    let language = language.unwrap_or("python").to_ascii_lowercase();
    let interpreter = match language.as_str() {
        "bash" | "sh" | "shell" | "zsh" | "powershell" | "pwsh" => {
            return (Class::Shell, Cow::Borrowed(code))
        }
        "sql" | "postgres" | "postgresql" | "mysql" | "sqlite" => {
            return (Class::Sql, Cow::Borrowed(code))
        }
        "javascript" | "js" | "node" | "nodejs" | "typescript" | "ts" => "node -e",
        "ruby" | "rb" => "ruby -e",
        "php" => "php -r",
        "perl" | "pl" => "perl -e",
        "r" => "Rscript -e",
        // Python, and any language not known: read as Python, whose inline
        // code analysis looks for what every language's calls spell alike.
        _ => "python3 -c",
    };
    (Class::Code, Cow::Owned(format!("{interpreter} {}", quote(code))))
}

/// One value waiting in the walk.
struct Pending<'a> {
    value: &'a Value,
    depth: usize,
    step: Option<Step<'a>>,
    route: Option<KeyRoute>,
    /// Under a data key, or already read as part of a built line.
    data: bool,
}

/// The walk's state.
struct Walk<'a, 'e> {
    out: Routes<'a>,
    entry: Option<&'e Entry>,
}

impl<'a> Walk<'a, '_> {
    fn push(&mut self, pointer: String, class: Class, text: Cow<'a, str>, by_key: bool) {
        if text.len() > MAX_STRING_BYTES {
            self.out.too_long.push(pointer);
            return;
        }
        self.out.routes.push(Route {
            pointer,
            class,
            text,
            by_key,
        });
    }

    /// The lines an object's keys build together: an argv with its
    /// program, code with its language. Returns the keys they consumed.
    fn built_lines(&mut self, found: Found<'a>, path: &[Step<'_>]) -> [Option<&'a str>; 3] {
        let Found {
            argv,
            program,
            code,
            language,
        } = found;
        let mut consumed = [None; 3];
        let prefix = self.entry.and_then(|e| e.prefix.as_deref());
        if let Some((key, value)) = argv {
            let program_word = program.map(|(_, p)| p);
            let head = match (prefix, program_word) {
                (Some(p), Some(w)) => Some(format!("{p} {}", shell_quote(w))),
                (None, Some(w)) => Some(shell_quote(w)),
                (p, None) => p.map(str::to_owned),
            };
            let line = match value {
                // An empty argv leaves the program string to be read alone;
                // past the walk's bound the walk reports the truncation.
                Value::Array(items) if items.is_empty() || items.len() > MAX_STRINGS => None,
                Value::Array(items) => {
                    let words: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                    words.map(|w| argv_line(head.as_deref(), w))
                }
                Value::String(args) => head.as_ref().map(|h| format!("{h} {args}")),
                _ => None,
            };
            if let Some(line) = line.filter(|l| !l.trim().is_empty()) {
                self.push(child_pointer(path, key), Class::Argv, Cow::Owned(line), true);
                consumed[0] = Some(key);
                // A "program" with spaces is a command line of its own
                // (`{"command": "bash -c '…'", "args": […]}`): it is still
                // read alone.
                consumed[1] = program
                    .filter(|(_, p)| !p.contains(char::is_whitespace))
                    .map(|(k, _)| k);
            }
        }
        if let Some((key, text)) = code {
            let language = self.entry.and_then(|e| e.language.as_deref()).or(language);
            let (class, line) = code_route(language, text);
            self.push(child_pointer(path, key), class, line, true);
            consumed[2] = Some(key);
        }
        consumed
    }
}

/// The keys of one object that build a line together.
#[derive(Default)]
struct Found<'a> {
    argv: Option<(&'a str, &'a Value)>,
    program: Option<(&'a str, &'a str)>,
    code: Option<(&'a str, &'a str)>,
    language: Option<&'a str>,
}

impl<'a> Found<'a> {
    /// Notes `key`'s part, if it has one.
    fn note(&mut self, key: &'a str, value: &'a Value, info: KeyInfo) {
        match (info.route, value) {
            (Some(KeyRoute::Argv), Value::Array(_) | Value::String(_)) => {
                self.argv = self.argv.or(Some((key, value)));
            }
            (Some(KeyRoute::Code), Value::String(c)) => self.code = self.code.or(Some((key, c))),
            _ => {}
        }
        if let Value::String(text) = value {
            if info.program {
                self.program = self.program.or(Some((key, text)));
            }
            if info.language {
                self.language = self.language.or(Some(text));
            }
        }
    }
}

/// Routes the strings of `arguments`, for no tool in particular. Pointers
/// are built only for the strings routed.
pub fn route(arguments: &Value) -> Routes<'_> {
    route_call(None, None, arguments, |_| {})
}

/// Routes the strings of a call of tool `name` (of `server`, when known):
/// the table's entry for the tool first, then its base keys. Hands `each`
/// every string the walk looks at (routed or not, data included, within the
/// same bounds), so one walk serves every reader of the arguments (the
/// engine derives environments from them, a session its secrets).
pub fn route_call<'a>(
    name: Option<&str>,
    server: Option<&str>,
    arguments: &'a Value,
    each: impl FnMut(&'a str),
) -> Routes<'a> {
    let entry = name.and_then(|n| super::name_words::facts(n, server).entry);
    route_with(entry, arguments, each)
}

/// [`route_call`] with the tool's routing entry already found.
pub(crate) fn route_with<'a>(
    entry: Option<&Entry>,
    arguments: &'a Value,
    mut each: impl FnMut(&'a str),
) -> Routes<'a> {
    if !matches!(arguments, Value::Object(_) | Value::Array(_) | Value::String(_)) {
        return Routes::default();
    }
    let table = route_table::table();
    let prefix = entry.and_then(|e| e.prefix.as_deref());
    let mut walk = Walk {
        out: Routes::default(),
        entry,
    };
    let mut strings = 0usize;
    let mut path: Vec<Step<'_>> = Vec::with_capacity(8);
    // Room for a few levels of a few keys: growing it costs more than the walk.
    let mut stack = Vec::with_capacity(16);
    stack.push(Pending {
        value: arguments,
        depth: 0,
        step: None,
        route: None,
        data: false,
    });
    while let Some(Pending {
        value,
        depth,
        step,
        route,
        data,
    }) = stack.pop()
    {
        path.truncate(depth.saturating_sub(1));
        if let Some(step) = step {
            path.push(step);
        }
        if depth > MAX_DEPTH {
            walk.out.truncated = true;
            continue;
        }
        match value {
            Value::String(s) => {
                strings += 1;
                if strings > MAX_STRINGS {
                    walk.out.truncated = true;
                    break;
                }
                each(s);
                if data {
                    continue;
                }
                let (class, by_key) = match route {
                    Some(KeyRoute::Class(c)) => (Some(c), true),
                    // An argv or code key the object did not build a line
                    // from (no program, not a string): read by content.
                    Some(KeyRoute::Argv | KeyRoute::Code) | None => (class_of_text(s), false),
                    Some(KeyRoute::Data) => (None, false),
                };
                let Some(mut class) = class else { continue };
                // A "path" that is a URL is read as one (Desktop Commander
                // `read_file {path, isUrl: true}`): a path never holds `://`.
                if class == Class::Path && class_of_text(s) == Some(Class::Url) {
                    class = Class::Url;
                }
                let text = if class == Class::Shell {
                    prefixed(entry, s)
                } else {
                    Cow::Borrowed(s.as_str())
                };
                walk.push(pointer(&path), class, text, by_key);
            }
            Value::Array(items) => {
                let shell = route == Some(KeyRoute::Class(Class::Shell));
                let words: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                let mut elements_are_data = data;
                if let (false, true, Some(words)) = (data, shell, words.as_ref()) {
                    if !words.is_empty() && items.len() <= MAX_STRINGS {
                        // One argv (`["rm", "-rf", "/"]`), and, unless the
                        // tool's program makes them its arguments, a list of
                        // lines (`["aws s3 ls", "aws s3 rm …"]`).
                        let line = argv_line(prefix, words.iter().copied());
                        walk.push(pointer(&path), Class::Argv, Cow::Owned(line), true);
                        elements_are_data = prefix.is_some();
                    }
                }
                for (i, v) in items.iter().enumerate().rev() {
                    stack.push(Pending {
                        value: v,
                        depth: depth + 1,
                        step: Some(Step::Index(i)),
                        route,
                        data: elements_are_data,
                    });
                }
            }
            Value::Object(map) => {
                let start = stack.len();
                let mut found = Found::default();
                for (k, v) in map {
                    let info = table.key(entry, k);
                    if !data {
                        found.note(k, v, info);
                    }
                    stack.push(Pending {
                        value: v,
                        depth: depth + 1,
                        step: Some(Step::Key(k)),
                        route: info.route,
                        data: data || info.route == Some(KeyRoute::Data),
                    });
                }
                let pushed = stack.get_mut(start..).unwrap_or_default();
                if found.argv.is_some() || found.code.is_some() {
                    // What a built line read is not read again on its own.
                    let consumed = walk.built_lines(found, &path);
                    for p in pushed.iter_mut() {
                        if let Some(Step::Key(k)) = p.step {
                            if consumed.contains(&Some(k)) {
                                p.data = true;
                            }
                        }
                    }
                }
                pushed.reverse();
            }
            _ => {}
        }
    }
    walk.out
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

    /// What `route_call` makes of one call: (pointer, class, text).
    fn routed(name: &str, server: Option<&str>, args: &Value) -> Vec<(String, &'static str, String)> {
        route_call(Some(name), server, args, |_| {})
            .routes
            .iter()
            .map(|r| (r.pointer.clone(), r.class.as_str(), r.text.to_string()))
            .collect()
    }

    #[test]
    fn server_shapes_are_built_into_the_lines_they_run() {
        let r = |p: &str, c: &'static str, t: &str| (p.to_owned(), c, t.to_owned());
        // An argv with its program; an argv array under a shell key.
        let got = routed("start", None, &json!({"command": "rm", "args": ["-rf", "/"]}));
        assert_eq!(got, [r("/args", "argv", "rm -rf /")]);
        // A program with spaces is a line of its own; an empty argv builds nothing.
        let got = routed("start", None, &json!({"command": "bash -c 'rm -rf /'", "args": ["x"]}));
        assert!(got.contains(&r("/command", "shell", "bash -c 'rm -rf /'")), "{got:?}");
        let got = routed("start", None, &json!({"command": "rm -rf /", "args": []}));
        assert_eq!(got, [r("/command", "shell", "rm -rf /")]);
        let got = routed("pods_exec", Some("kubernetes"), &json!({"command": ["sh", "-c", "rm -rf /data"]}));
        assert!(got.contains(&r("/command", "argv", "sh -c 'rm -rf /data'")), "{got:?}");
        // awslabs call_aws batch mode: each line, and the array as an argv.
        let got = routed("call_aws", None, &json!({"cli_command": ["aws s3 ls", "aws s3 rb s3://x"]}));
        assert!(got.contains(&r("/cli_command/1", "shell", "aws s3 rb s3://x")), "{got:?}");
        // A tool's program as the prefix of its lines.
        let got = routed("run_gcloud_command", None, &json!({"args": ["projects", "delete", "p"]}));
        assert_eq!(got, [r("/args", "argv", "gcloud projects delete p")]);
        let got = routed("azmcp_extension_az", None, &json!({"command": "group delete -n rg"}));
        assert_eq!(got, [r("/command", "shell", "az group delete -n rg")]);
        let got = routed("valkey_admin", Some("valkey"), &json!({"command": "CONFIG", "args": ["SET", "dir", "/root"]}));
        assert_eq!(got, [r("/args", "argv", "redis-cli CONFIG SET dir /root")]);
        let got = routed("mongo_eval", None, &json!({"script": "db.users.drop()"}));
        assert_eq!(got, [r("/script", "shell", "mongosh --eval 'db.users.drop()'")]);
        // Code with its language, or Python; shell code is a command line.
        let got = routed("execute_code", None, &json!({"code": "print(1)"}));
        assert_eq!(got, [r("/code", "code", "python3 -c 'print(1)'")]);
        let got = routed("execute_code", None, &json!({"code": "ls", "language": "bash"}));
        assert_eq!(got, [r("/code", "shell", "ls")]);
        let got = routed("browser_evaluate", Some("playwright"), &json!({"function": "() => 1"}));
        assert_eq!(got, [r("/function", "code", "node -e '() => 1'")]);
        // Data keys route nothing, not even by content; a search's query is data.
        let got = routed("Write", None, &json!({"file_path": "m.sql", "content": "DROP TABLE t"}));
        assert_eq!(got, [r("/file_path", "path", "m.sql")]);
        assert!(routed("Grep", None, &json!({"pattern": "DROP TABLE users"})).is_empty());
        assert!(routed("search_code", Some("github"), &json!({"query": "DROP TABLE x"})).is_empty());
        assert!(routed("git_commit", None, &json!({"message": {"url": "https://x.example"}})).is_empty());
        // A path that is a URL is a URL.
        let got = routed("read_file", None, &json!({"path": "http://169.254.169.254/", "isUrl": true}));
        assert_eq!(got, [r("/path", "url", "http://169.254.169.254/")]);
        // Azure's namespace mode: `command` names a sub-tool.
        let got = routed("postgres", Some("azure"), &json!({"command": "postgres_database_query", "parameters": {"query": "DROP TABLE t"}}));
        assert_eq!(got, [r("/parameters/query", "sql", "DROP TABLE t")]);
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
