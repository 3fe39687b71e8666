//! Statement classification: what each statement of a SQL text would do.
//!
//! The text is split into statements on `;` tokens (never inside a string,
//! comment, quoted identifier or dollar-quoted body). Each statement's kind
//! comes from its leading keywords — after `WITH …` common table
//! expressions and `EXPLAIN ANALYZE`, which run the statement they wrap; a
//! more severe `DELETE`/`UPDATE`/`INSERT`/`MERGE` in a `WITH` body decides
//! instead (nested up to [`MAX_NESTING`] deep) —
//! and, for `DELETE` and `UPDATE`, from whether a `WHERE` clause at the top
//! level restricts the rows: a missing clause, or one that names no column
//! (`WHERE 1=1`, `WHERE true`, `WHERE 'a'='a'`), affects every row. The
//! objects a destructive statement names (tables, databases, …) are kept,
//! lowercased unless quoted. This is a classifier, not a parser: it looks at
//! the tokens that decide the kind and no further. Cost: one pass over the
//! tokens, one small vector per statement.

use super::lexer::{tokens, Token};

/// What a statement does, from least to most severe in spirit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Transactions, settings, maintenance: `BEGIN`, `SET`, `USE`, `VACUUM`.
    Other,
    /// `SELECT`, `SHOW`, `DESCRIBE`, `EXPLAIN`, `VALUES`.
    Read,
    /// `INSERT`, `REPLACE`, `MERGE`, `COPY`, `LOAD`.
    Write,
    /// `UPDATE … WHERE <condition on columns>`.
    Update,
    /// `DELETE … WHERE <condition on columns>`.
    Delete,
    /// `CREATE`, `ALTER` (not dropping), `RENAME`, `COMMENT`.
    Ddl,
    /// `GRANT`.
    Grant,
    /// `REVOKE`.
    Revoke,
    /// A file on the database server read or written by the statement:
    /// `COPY … TO/FROM 'path'`, SQLite's `ATTACH DATABASE 'path'` and
    /// `VACUUM INTO 'path'`, MySQL's `… INTO OUTFILE`/`DUMPFILE` and `LOAD
    /// DATA INFILE`. Its objects are the paths.
    File,
    /// `UPDATE` of every row (no `WHERE`, or one that names no column).
    UpdateAll,
    /// `DELETE` of every row (no `WHERE`, or one that names no column).
    DeleteAll,
    /// `ALTER … DROP …` (a column, constraint, partition).
    AlterDrop,
    /// `TRUNCATE`.
    Truncate,
    /// `DROP <object>`.
    Drop,
    /// A program run on the database server: `COPY … TO/FROM PROGRAM
    /// 'cmd'`. Its object is the command line.
    Program,
}

impl Kind {
    /// The name policies use.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Other => "other",
            Kind::Read => "read",
            Kind::Write => "write",
            Kind::Update => "update",
            Kind::Delete => "delete",
            Kind::Ddl => "ddl",
            Kind::Grant => "grant",
            Kind::Revoke => "revoke",
            Kind::File => "file",
            Kind::UpdateAll => "update-all",
            Kind::DeleteAll => "delete-all",
            Kind::AlterDrop => "alter-drop",
            Kind::Truncate => "truncate",
            Kind::Drop => "drop",
            Kind::Program => "program",
        }
    }

    /// Every kind, for validation and documentation.
    pub const ALL: [Kind; 15] = [
        Kind::Other,
        Kind::Read,
        Kind::Write,
        Kind::Update,
        Kind::Delete,
        Kind::Ddl,
        Kind::Grant,
        Kind::Revoke,
        Kind::File,
        Kind::UpdateAll,
        Kind::DeleteAll,
        Kind::AlterDrop,
        Kind::Truncate,
        Kind::Drop,
        Kind::Program,
    ];

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// One classified statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// What it does.
    pub kind: Kind,
    /// For `DROP`: what is dropped (`table`, `database`, `schema`, …), lowercase.
    pub object_type: Option<String>,
    /// The objects it names (qualified names joined with `.`), lowercased
    /// unless quoted.
    pub objects: Vec<String>,
    /// Byte span in the text.
    pub span: (usize, usize),
}

/// A classified SQL text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Classified {
    /// The statements, in order (empty statements skipped).
    pub statements: Vec<Statement>,
    /// A string, identifier or comment was left open: the text may hide more.
    pub unterminated: bool,
    /// More than [`MAX_STATEMENTS`] statements: the rest were not classified.
    pub truncated: bool,
}

/// Most statements classified in one text.
pub const MAX_STATEMENTS: usize = 1024;

fn is(t: &Token<'_>, keyword: &str) -> bool {
    matches!(t, Token::Word(w) if w.eq_ignore_ascii_case(keyword))
}

/// A keyword-sized word lowercased into `buf`, without allocating.
fn lower_keyword<'b>(t: &Token<'_>, buf: &'b mut [u8; 16]) -> Option<&'b str> {
    let Token::Word(w) = t else { return None };
    let bytes = w.as_bytes();
    let out = buf.get_mut(..bytes.len())?;
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = b.to_ascii_lowercase();
    }
    std::str::from_utf8(out).ok()
}

fn word(t: &Token<'_>) -> Option<String> {
    match t {
        Token::Word(w) => Some(w.to_ascii_lowercase()),
        _ => None,
    }
}

/// Reads a qualified name (`a.b."C"`) at `toks[i..]`; returns it and the next index.
fn name(toks: &[Token<'_>], mut i: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    loop {
        match toks.get(i)? {
            Token::Word(w) => out.push_str(&w.to_ascii_lowercase()),
            Token::Quoted(q) => out.push_str(q),
            _ => return None,
        }
        i += 1;
        if matches!(toks.get(i), Some(Token::Punct('.'))) {
            out.push('.');
            i += 1;
        } else {
            return Some((out, i));
        }
    }
}

/// Names separated by commas from `toks[i..]`.
fn names(toks: &[Token<'_>], mut i: usize) -> Vec<String> {
    let mut out = Vec::new();
    while let Some((n, next)) = name(toks, i) {
        out.push(n);
        i = next;
        if matches!(toks.get(i), Some(Token::Punct(','))) {
            i += 1;
        } else {
            break;
        }
    }
    out
}

/// Skips optional words (any of `words`) from `i`.
fn skip_words(toks: &[Token<'_>], mut i: usize, words: &[&str]) -> usize {
    while toks.get(i).is_some_and(|t| words.iter().any(|w| is(t, w))) {
        i += 1;
    }
    i
}

/// The index of the first top-level (depth 0) token that is `keyword`, from `i`.
fn top_level(toks: &[Token<'_>], i: usize, keyword: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (k, t) in toks.iter().enumerate().skip(i) {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => depth -= 1,
            t if depth == 0 && is(t, keyword) => return Some(k),
            _ => {}
        }
    }
    None
}

/// True when the `WHERE` condition from `i` can hold for every row: it
/// names no column (`1=1`, `true`, `'a'='a'`), or one of its top-level `OR`
/// branches does, or a branch is `x = x`.
fn affects_all(toks: &[Token<'_>], i: usize) -> bool {
    const ENDS: &[&str] = &["order", "limit", "returning", "group", "having", "window"];
    const CONSTANT_WORDS: &[&str] = &[
        "true", "false", "not", "and", "is", "null", "between", "in", "like",
    ];
    // The condition: from `i` to the first top-level clause that ends it.
    let mut depth = 0i32;
    let mut end = toks.len();
    for (k, t) in toks.iter().enumerate().skip(i) {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => depth -= 1,
            t if depth == 0 && ENDS.iter().any(|e| is(t, e)) => {
                end = k;
                break;
            }
            _ => {}
        }
    }
    let condition = toks.get(i..end).unwrap_or_default();
    let constant = |branch: &[Token<'_>]| {
        !branch.is_empty()
            && branch.iter().all(|t| match t {
                Token::Word(w) => CONSTANT_WORDS.iter().any(|c| w.eq_ignore_ascii_case(c)),
                Token::Quoted(_) => false,
                // A placeholder (`?`, `$1`, `:id`, `@id`) is a value supplied at run time.
                Token::Punct('?' | ':' | '$' | '@') => false,
                _ => true,
            })
    };
    let same_both_sides = |branch: &[Token<'_>]| {
        let mut inner = branch
            .iter()
            .filter(|t| !matches!(t, Token::Punct('(' | ')')));
        match (inner.next(), inner.next(), inner.next(), inner.next()) {
            (Some(a), Some(Token::Punct('=')), Some(b), None) => a == b,
            _ => false,
        }
    };
    // Top-level `OR` branches, by index ranges.
    let mut depth = 0i32;
    let mut from = 0;
    for (k, t) in condition.iter().enumerate() {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => depth -= 1,
            t if depth == 0 && is(t, "or") => {
                let branch = condition.get(from..k).unwrap_or_default();
                if constant(branch) || same_both_sides(branch) {
                    return true;
                }
                from = k + 1;
            }
            _ => {}
        }
    }
    let last = condition.get(from..).unwrap_or_default();
    constant(last) || same_both_sides(last)
}

fn rows(toks: &[Token<'_>], from: usize, restricted: Kind, all: Kind) -> Kind {
    match top_level(toks, from, "where") {
        Some(w) if !affects_all(toks, w + 1) => restricted,
        _ => all,
    }
}

/// How deep statements inside `WITH` bodies are followed (`WITH a AS (WITH
/// b AS (DELETE …) …) …`); deeper ones are not classified.
const MAX_NESTING: usize = 8;

/// Classifies one statement's tokens: its own kind, or that of a more
/// severe data-changing statement in one of its `WITH` bodies (`WITH d AS
/// (DELETE FROM t RETURNING *) SELECT * FROM d` deletes every row of `t`).
fn statement(toks: &[Token<'_>], span: (usize, usize)) -> Statement {
    nested(toks, span, 0)
}

fn nested(toks: &[Token<'_>], span: (usize, usize), nesting: usize) -> Statement {
    let outer = leading(toks, span);
    if nesting >= MAX_NESTING || !toks.first().is_some_and(|t| is(t, "with")) {
        return outer;
    }
    let mut worst = outer;
    for body in with_bodies(toks) {
        let inner = nested(body, span, nesting + 1);
        if inner.kind > worst.kind {
            worst = inner;
        }
    }
    worst
}

/// The bodies of a `WITH` prelude that may change data: `(DELETE …)`,
/// `(UPDATE …)`, `(INSERT …)`, `(MERGE …)`, `(WITH …)`, each without its
/// parentheses, up to the statement the prelude leads to.
fn with_bodies<'t, 'a>(toks: &'t [Token<'a>]) -> Vec<&'t [Token<'a>]> {
    // A body that is itself a `WITH` query is followed too (`(WITH b AS (DELETE …) …)`).
    const DML: &[&str] = &["delete", "update", "insert", "merge", "with"];
    let mut out = Vec::new();
    let mut k = 1;
    while let Some(t) = toks.get(k) {
        match t {
            Token::Punct('(') => {
                // Its matching `)`, or the end.
                let mut depth = 0usize;
                let mut close = toks.len();
                for (j, t) in toks.iter().enumerate().skip(k) {
                    match t {
                        Token::Punct('(') => depth += 1,
                        Token::Punct(')') => {
                            depth -= 1;
                            if depth == 0 {
                                close = j;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                if toks.get(k + 1).is_some_and(|t| DML.iter().any(|d| is(t, d))) {
                    out.push(toks.get(k + 1..close).unwrap_or_default());
                }
                k = close + 1;
            }
            t if ["select", "insert", "update", "delete", "merge", "values"]
                .iter()
                .any(|w| is(t, w)) =>
            {
                break
            }
            _ => k += 1,
        }
    }
    out
}

/// `MERGE … ON cond WHEN MATCHED THEN DELETE | UPDATE …`: a delete or
/// update of the rows the condition matches, of every row when it names no
/// column (`ON true`, `ON 1 = 1`); a write otherwise.
fn merge_kind(toks: &[Token<'_>], from: usize) -> Kind {
    let on = top_level(toks, from, "on");
    let condition_end = on.and_then(|o| top_level(toks, o + 1, "when")).unwrap_or(toks.len());
    let all = on.is_some_and(|o| affects_all(toks.get(..condition_end).unwrap_or_default(), o + 1));
    let mut kind = Kind::Write;
    for (k, t) in toks.iter().enumerate().skip(from) {
        if !is(t, "then") {
            continue;
        }
        let action = match toks.get(k + 1) {
            Some(a) if is(a, "delete") => {
                if all {
                    Kind::DeleteAll
                } else {
                    Kind::Delete
                }
            }
            Some(a) if is(a, "update") => {
                if all {
                    Kind::UpdateAll
                } else {
                    Kind::Update
                }
            }
            _ => Kind::Write,
        };
        kind = kind.max(action);
    }
    kind
}

/// The string literal right after the top-level word `keyword` (`COPY t TO
/// '/tmp/x'`, `INTO OUTFILE '/x'`), if there is one.
fn literal_after(toks: &[Token<'_>], from: usize, keyword: &str) -> Option<String> {
    let k = top_level(toks, from, keyword)?;
    match toks.get(k + 1)? {
        Token::String(path) => Some((*path).to_owned()),
        _ => None,
    }
}

/// Classifies one statement by its leading keywords.
fn leading(toks: &[Token<'_>], span: (usize, usize)) -> Statement {
    let mut s = Statement {
        kind: Kind::Other,
        object_type: None,
        objects: Vec::new(),
        span,
    };
    let mut i = 0;
    // `WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (…) [, …] <statement>`
    if toks.first().is_some_and(|t| is(t, "with")) {
        let mut depth = 0i32;
        i = 1;
        while let Some(t) = toks.get(i) {
            match t {
                Token::Punct('(') => depth += 1,
                Token::Punct(')') => depth -= 1,
                t if depth == 0
                    && ["select", "insert", "update", "delete", "merge", "values"]
                        .iter()
                        .any(|k| is(t, k)) =>
                {
                    break
                }
                _ => {}
            }
            i += 1;
        }
    }
    // `EXPLAIN ANALYZE <statement>` runs it; `EXPLAIN <statement>` does not.
    if toks.get(i).is_some_and(|t| is(t, "explain")) {
        let analyze = toks
            .get(i + 1)
            .is_some_and(|t| is(t, "analyze") || is(t, "analyse"))
            || matches!(toks.get(i + 1), Some(Token::Punct('(')))
                && toks
                    .iter()
                    .skip(i + 2)
                    .take_while(|t| !matches!(t, Token::Punct(')')))
                    .any(|t| is(t, "analyze"));
        if !analyze {
            s.kind = Kind::Read;
            return s;
        }
        i += 1;
        if matches!(toks.get(i), Some(Token::Punct('('))) {
            while toks.get(i).is_some_and(|t| !matches!(t, Token::Punct(')'))) {
                i += 1;
            }
            i += 1;
        } else {
            i = skip_words(toks, i, &["analyze", "analyse", "verbose"]);
        }
    }
    let mut buf = [0u8; 16];
    let Some(first) = toks.get(i).and_then(|t| lower_keyword(t, &mut buf)) else {
        // `(SELECT …)` and other statements opening with punctuation.
        if matches!(toks.get(i), Some(Token::Punct('('))) {
            s.kind = Kind::Read;
        }
        return s;
    };
    match first {
        "drop" => {
            s.kind = Kind::Drop;
            let mut j = skip_words(toks, i + 1, &["temporary", "temp"]);
            let mut object = Vec::new();
            while let Some(w) = toks.get(j).and_then(word) {
                if ["if", "concurrently"].contains(&w.as_str()) {
                    break;
                }
                let multiword = [
                    "materialized",
                    "foreign",
                    "access",
                    "event",
                    "text",
                    "full",
                    "owned",
                    "operator",
                    "user",
                    "policy",
                    "publication",
                    "subscription",
                    "server",
                    "unlogged",
                    "column",
                    "virtual",
                ];
                object.push(w.clone());
                j += 1;
                if !multiword.contains(&w.as_str()) || object.len() > 3 {
                    break;
                }
            }
            j = skip_words(toks, j, &["if", "exists", "concurrently"]);
            s.object_type = (!object.is_empty()).then(|| object.join(" "));
            s.objects = names(toks, j);
        }
        "truncate" => {
            s.kind = Kind::Truncate;
            let j = skip_words(toks, i + 1, &["table", "only"]);
            s.objects = names(toks, j);
        }
        "delete" => {
            let j = skip_words(toks, i + 1, &["low_priority", "quick", "ignore"]);
            let j = skip_words(toks, j, &["from", "only"]);
            s.objects = names(toks, j).into_iter().take(1).collect();
            s.kind = rows(toks, j, Kind::Delete, Kind::DeleteAll);
        }
        "update" => {
            let j = skip_words(
                toks,
                i + 1,
                &[
                    "low_priority",
                    "ignore",
                    "only",
                    "or",
                    "rollback",
                    "abort",
                    "replace",
                    "fail",
                ],
            );
            s.objects = names(toks, j).into_iter().take(1).collect();
            s.kind = rows(toks, j, Kind::Update, Kind::UpdateAll);
        }
        "alter" => {
            let j = skip_words(
                toks,
                i + 1,
                &["table", "only", "if", "exists", "online", "ignore"],
            );
            s.objects = names(toks, j).into_iter().take(1).collect();
            let drops = top_level(toks, j, "drop").is_some();
            s.kind = if drops { Kind::AlterDrop } else { Kind::Ddl };
        }
        "grant" => s.kind = Kind::Grant,
        "revoke" => s.kind = Kind::Revoke,
        "create" | "rename" | "comment" | "reindex" | "cluster" | "refresh" => s.kind = Kind::Ddl,
        "merge" => {
            let j = skip_words(toks, i + 1, &["into"]);
            s.objects = names(toks, j).into_iter().take(1).collect();
            s.kind = merge_kind(toks, j);
        }
        // `COPY … TO/FROM PROGRAM 'cmd'` runs a command on the server;
        // `COPY … TO/FROM 'path'` reads or writes one of its files.
        "copy" => {
            if let Some(program) = literal_after(toks, i, "program") {
                s.kind = Kind::Program;
                s.objects = vec![program];
            } else if let Some(path) = literal_after(toks, i, "to").or_else(|| literal_after(toks, i, "from")) {
                s.kind = Kind::File;
                s.objects = vec![path];
            } else {
                s.kind = Kind::Write;
            }
        }
        // `ATTACH DATABASE 'path' AS x` opens (or creates) any file as a database.
        "attach" => {
            let j = skip_words(toks, i + 1, &["database"]);
            s.kind = Kind::File;
            if let Some(Token::String(path)) = toks.get(j) {
                s.objects = vec![(*path).to_owned()];
            }
        }
        // `VACUUM INTO 'path'` writes a copy of the database to a file.
        "vacuum" => {
            if let Some(path) = literal_after(toks, i, "into") {
                s.kind = Kind::File;
                s.objects = vec![path];
            }
        }
        // `LOAD DATA [LOCAL] INFILE 'path'` reads a file (of the client, with LOCAL).
        "load" => match literal_after(toks, i, "infile") {
            Some(path) => {
                s.kind = Kind::File;
                s.objects = vec![path];
            }
            None => s.kind = Kind::Write,
        },
        "insert" | "replace" | "upsert" | "call" | "do" | "exec" | "execute" => s.kind = Kind::Write,
        // `SELECT … INTO OUTFILE|DUMPFILE 'path'` writes a file on the server.
        "select" => match literal_after(toks, i, "outfile").or_else(|| literal_after(toks, i, "dumpfile")) {
            Some(path) => {
                s.kind = Kind::File;
                s.objects = vec![path];
            }
            None => s.kind = Kind::Read,
        },
        "show" | "describe" | "desc" | "values" | "table" | "pragma" | "help" => s.kind = Kind::Read,
        _ => {}
    }
    // `PRAGMA x = y` changes a setting.
    if first == "pragma" && toks.iter().any(|t| matches!(t, Token::Punct('='))) {
        s.kind = Kind::Other;
    }
    s
}

/// Classifies every statement of `sql`.
pub fn classify(sql: &str) -> Classified {
    let mut lexer = tokens(sql);
    let mut out = Classified::default();
    let mut current: Vec<Token<'_>> = Vec::with_capacity(64);
    let mut start = lexer.offset();
    // `BEGIN … END` bodies of `CREATE TRIGGER` / `PROCEDURE` / `FUNCTION`
    // hold `;` that do not end the statement (`CASE … END` nests within).
    let mut block = 0usize;
    loop {
        let before = lexer.offset();
        let token = lexer.next();
        if let Some(t) = &token {
            if current.first().is_some_and(|f| is(f, "create")) {
                if is(t, "begin") || (block > 0 && is(t, "case")) {
                    block += 1;
                } else if block > 0 && is(t, "end") {
                    block -= 1;
                }
            }
        }
        match token {
            Some(Token::Semicolon) if block > 0 => current.push(Token::Semicolon),
            None | Some(Token::Semicolon) => {
                block = 0;
                if !current.is_empty() {
                    if out.statements.len() >= MAX_STATEMENTS {
                        out.truncated = true;
                        break;
                    }
                    let end = if token.is_some() {
                        lexer.offset().saturating_sub(1)
                    } else {
                        sql.len()
                    };
                    out.statements
                        .push(statement(&current, (start, end.max(start))));
                    current.clear();
                }
                if token.is_none() {
                    break;
                }
                start = lexer.offset();
            }
            Some(t) => {
                if current.is_empty() {
                    start = before;
                }
                current.push(t);
            }
        }
    }
    out.unterminated = lexer.unterminated;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<&'static str> {
        classify(sql)
            .statements
            .iter()
            .map(|s| s.kind.as_str())
            .collect()
    }

    #[test]
    fn statements_in_with_bodies_and_merge_actions_decide() {
        assert_eq!(kinds("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"), ["delete-all"]);
        let nested = "WITH a AS (WITH b AS (DELETE FROM t RETURNING *) SELECT * FROM b) SELECT 1";
        assert_eq!(kinds(nested), ["delete-all"]);
        let s = &classify("WITH d AS (DELETE FROM sessions RETURNING *) SELECT 1").statements[0];
        assert_eq!(s.objects, ["sessions"]);
        // Past the nesting bound the inner statement is not followed.
        let deep = format!(
            "{}DELETE FROM t RETURNING *{} SELECT 1",
            "WITH a AS (".repeat(MAX_NESTING + 1),
            ") SELECT 1".repeat(MAX_NESTING + 1)
        );
        assert_eq!(kinds(&deep), ["read"]);
        assert_eq!(kinds("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE"), ["delete"]);
        assert_eq!(kinds("MERGE INTO t USING s ON 1=1 WHEN MATCHED THEN DELETE"), ["delete-all"]);
        assert_eq!(classify("MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE").statements[0].objects, ["t"]);
    }

    #[test]
    fn comments_between_statements_split_nothing_and_hide_nothing() {
        assert_eq!(
            kinds("DELETE FROM a WHERE id = 1; /* ; DROP TABLE x; */ DROP TABLE b; -- ; TRUNCATE c\nSELECT 1"),
            ["delete", "drop", "read"]
        );
        assert_eq!(kinds("SELECT 1 /* ; */ ; # ;\nTRUNCATE t"), ["read", "truncate"]);
    }

    #[test]
    fn server_programs_and_files_are_named() {
        let s = &classify("COPY t TO PROGRAM 'gzip > /tmp/t.gz'").statements[0];
        assert_eq!((s.kind, s.objects.clone()), (Kind::Program, vec!["gzip > /tmp/t.gz".to_owned()]));
        let s = &classify("ATTACH DATABASE '/var/www/x.php' AS x").statements[0];
        assert_eq!((s.kind, s.objects.clone()), (Kind::File, vec!["/var/www/x.php".to_owned()]));
        assert_eq!(kinds("VACUUM INTO '/tmp/c.db'; VACUUM"), ["file", "other"]);
        assert_eq!(kinds("COPY t FROM STDIN"), ["write"]);
        assert_eq!(kinds("SELECT 'INTO OUTFILE' FROM t"), ["read"]);
    }

    #[test]
    fn destructive_statements_are_told_apart() {
        assert_eq!(
            kinds("DROP TABLE users; drop database prod"),
            ["drop", "drop"]
        );
        assert_eq!(kinds("TRUNCATE TABLE orders"), ["truncate"]);
        assert_eq!(kinds("delete from t"), ["delete-all"]);
        assert_eq!(kinds("delete from t where 1=1"), ["delete-all"]);
        assert_eq!(kinds("DELETE FROM t WHERE true"), ["delete-all"]);
        assert_eq!(kinds("delete from t where id = 4"), ["delete"]);
        assert_eq!(kinds("delete from t where id = ?"), ["delete"]);
        assert_eq!(kinds("delete from t where id = 5 or 1=1"), ["delete-all"]);
        assert_eq!(kinds("delete from t where id = id"), ["delete-all"]);
        assert_eq!(
            kinds("delete from t where (id = 5 and a = 1) or (2 > 1)"),
            ["delete-all"]
        );
        assert_eq!(kinds("delete from t where id = 5 and 1=1"), ["delete"]);
        assert_eq!(kinds("update t set a = 1"), ["update-all"]);
        assert_eq!(kinds("update t set a = 1 where 'x' = 'x'"), ["update-all"]);
        assert_eq!(
            kinds("update t set a = (select 1 where b = 2)"),
            ["update-all"]
        );
        assert_eq!(
            kinds("update t set a = 1 where id in (select id from u)"),
            ["update"]
        );
        assert_eq!(kinds("alter table t drop column c"), ["alter-drop"]);
        assert_eq!(kinds("alter table t add column c int"), ["ddl"]);
        assert_eq!(
            kinds("grant all on t to bob; revoke select on t from bob"),
            ["grant", "revoke"]
        );
        assert_eq!(
            kinds("select 1; insert into t values (1)"),
            ["read", "write"]
        );
        assert_eq!(
            kinds("with x as (delete from t returning *) select * from x"),
            ["delete-all"]
        );
        assert_eq!(kinds("with x as (select 1) delete from t"), ["delete-all"]);
        assert_eq!(kinds("explain delete from t"), ["read"]);
        assert_eq!(kinds("explain analyze delete from t"), ["delete-all"]);
        assert_eq!(kinds("begin; commit"), ["other", "other"]);
        assert_eq!(
            kinds("create trigger t after insert on x begin update y set a = case when 1 then 2 end; delete from z; end; drop table q"),
            ["ddl", "drop"]
        );
    }

    #[test]
    fn objects_are_named() {
        let c = classify("DROP TABLE IF EXISTS public.\"Users\", orders CASCADE");
        let s = &c.statements[0];
        assert_eq!(s.object_type.as_deref(), Some("table"));
        assert_eq!(s.objects, ["public.Users", "orders"]);
        let c = classify("drop materialized view if exists mv");
        assert_eq!(
            c.statements[0].object_type.as_deref(),
            Some("materialized view")
        );
        assert_eq!(c.statements[0].objects, ["mv"]);
    }

    #[test]
    fn hidden_statements_are_found_and_literals_are_not_statements() {
        assert_eq!(
            kinds("select 'drop table x'; /* drop table y */ select 1"),
            ["read", "read"]
        );
        assert_eq!(kinds("select 1;;; drop table t;"), ["read", "drop"]);
        let c = classify("select 'open");
        assert!(c.unterminated);
    }
}
