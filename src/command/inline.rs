//! Shell commands hidden in other languages' code.
//!
//! `python -c "import os; os.system('rm -rf /')"`, `node -e
//! "require('child_process').execSync('…')"`, `perl -e 'system "…"'`,
//! `awk 'BEGIN{system("…")}'`, `psql -c '\! …'`: the guard must see the
//! command inside. This file finds calls that run a shell (`system`,
//! `os.system`, `subprocess.run`, `execSync`, backticks, …) and calls that
//! delete (`shutil.rmtree`, `fs.rmSync`, `FileUtils.rm_rf`, `os.remove`, …)
//! whose first argument is a string literal (or a list of them), and returns
//! each as a shell script for the parser: a shell-out as its own text, a
//! deletion as the equivalent `rm`. Arguments that are not literals are not
//! guessed. This is a scanner over tokens, not a parser of each language:
//! linear in the code, and deliberately over-eager (a call named `system` in
//! any language counts).

use super::quote::quote;
use super::simple::SimpleCommand;
use super::word::Word;

/// Calls whose first argument is a shell command line or an argv list.
const SHELL_CALLS: &[&str] = &[
    "system",
    "popen",
    "getoutput",
    "getstatusoutput",
    "check_output",
    "check_call",
    "call",
    "run",
    "Popen",
    "exec",
    "execSync",
    "execFile",
    "execFileSync",
    "spawn",
    "spawnSync",
    "shell_exec",
    "passthru",
    "proc_open",
    "capture2",
    "capture2e",
    "capture3",
    "qx",
    "Command",
];

/// A shell word for an argument that is not known until the code runs.
const UNKNOWN_WORD: &str = "\"$(unknown)\"";

/// Calls of database drivers whose first argument is SQL (`cursor.execute`,
/// `db.query`, `knex.raw`, Prisma's `$executeRawUnsafe`), optionally inside a
/// `text(…)`-style wrapper; seen as the statement run by a SQL client.
const SQL_CALLS: &[&str] = &[
    "execute",
    "executescript",
    "executemany",
    "query",
    "raw",
    "executeRawUnsafe",
    "queryRawUnsafe",
];

/// First words that make a string SQL (case-insensitive): a shell-out or
/// driver call whose literal starts with one runs a statement.
const SQL_KEYWORDS: &[&str] = &[
    "select", "insert", "update", "delete", "drop", "truncate", "alter", "create", "with", "merge", "replace",
    "grant", "revoke", "vacuum", "attach", "pragma",
];

/// Calls that delete a whole tree.
const TREE_DELETES: &[&str] = &[
    "rmtree",
    "rm_rf",
    "rm_r",
    "remove_dir_all",
    "rimraf",
    "rmdirSync",
    "remove_tree",
    "remove_dir",
    "remove_entry",
    "remove_entry_secure",
    "RemoveAll",
];

/// Expressions that are the home directory in some language (Perl, Ruby,
/// Python, Node, Deno, Bun, PHP): a deletion of exactly one of them is a
/// deletion of `~`. Followed by anything but `)` or `,` (`Path.home() / "x"`)
/// they are the start of some other path, which is not guessed.
const HOME_EXPRESSIONS: &[&str] = &[
    "$ENV{HOME}",
    "$ENV{'HOME'}",
    "$ENV{\"HOME\"}",
    "Dir.home",
    "Dir.home()",
    "ENV['HOME']",
    "ENV[\"HOME\"]",
    "os.homedir()",
    "require('os').homedir()",
    "require(\"os\").homedir()",
    "homedir()",
    "process.env.HOME",
    "process.env['HOME']",
    "Path.home()",
    "pathlib.Path.home()",
    "os.path.expanduser('~')",
    "os.path.expanduser(\"~\")",
    "os.environ['HOME']",
    "os.environ[\"HOME\"]",
    "os.getenv('HOME')",
    "os.getenv(\"HOME\")",
    "getenv('HOME')",
    "getenv(\"HOME\")",
    "Deno.env.get('HOME')",
    "Deno.env.get(\"HOME\")",
    "Bun.env.HOME",
    "$_SERVER['HOME']",
];

/// Calls that delete one file (or a tree, when a `recursive` option is given).
const FILE_DELETES: &[&str] = &[
    "remove",
    "unlink",
    "unlinkSync",
    "rmSync",
    "removeSync",
    "rm",
    "rm_f",
    "delete_file",
    "Remove",
];

/// Calls that read the file their first argument names (`open`,
/// `readFileSync`, `File.read`, `file_get_contents`): seen as `cat PATH`,
/// or as `tee PATH` when a literal mode writes (`open(p, 'w')`, `fopen(p, "a")`).
const FILE_OPENS: &[&str] = &[
    "open",
    "fopen",
    "readFileSync",
    "readFile",
    "readTextFile",
    "readTextFileSync",
    "file_get_contents",
    "read_to_string",
    "binread",
    "readlines",
];

/// Calls that write or append to the file their first argument names.
const FILE_WRITES: &[(&str, bool)] = &[
    ("writeFileSync", false),
    ("writeFile", false),
    ("writeTextFile", false),
    ("writeTextFileSync", false),
    ("file_put_contents", false),
    ("appendFileSync", true),
    ("appendFile", true),
];

/// Calls around a path that expand `~` (`os.path.expanduser('~/.ssh/id_rsa')`).
const EXPANDERS: &[&str] = &[
    "os.path.expanduser(",
    "path.expanduser(",
    "expanduser(",
    "File.expand_path(",
    "Path(",
    "pathlib.Path(",
];

/// Shell scripts found in `command`'s code, each with how it was found.
pub(crate) fn shell_outs(command: &SimpleCommand, language: &str) -> Vec<(String, String)> {
    let program = command.program.as_deref().unwrap_or("");
    let mut out = Vec::new();
    for code in code_of(command, language) {
        if language == "sql" {
            // psql's `\!` runs a shell command.
            for line in code.lines() {
                if let Some(script) = line.trim_start().strip_prefix("\\!") {
                    out.push((script.trim().to_owned(), format!("{program} \\!")));
                }
            }
            continue;
        }
        for script in scan(code) {
            out.push((script, format!("{program} code")));
        }
    }
    out
}

/// The code a command runs: the value of a code option, an awk program, or
/// the input of an interpreter reading stdin.
pub(crate) fn code_of<'c>(command: &'c SimpleCommand, language: &str) -> Vec<&'c str> {
    let mut code = Vec::new();
    let tables = super::tables::tables().ok();
    let options: &[String] = tables.map_or(&[][..], |t| t.code_options(language));
    let after_file = tables
        .zip(command.program.as_deref())
        .and_then(|(t, p)| t.program(p))
        .is_some_and(|p| p.code_after_file);
    if after_file {
        code.extend(
            command
                .positionals
                .iter()
                .skip(1)
                .filter(|w| w.is_known())
                .map(|w| w.text.as_str()),
        );
    }
    let mut words = command.argv.iter().skip(1).peekable();
    while let Some(word) = words.next() {
        if options.iter().any(|o| *o == word.text) {
            if let Some(value) = words.next().filter(|w| w.is_known()) {
                code.push(value.text.as_str());
            }
        }
    }
    if language == "awk" {
        if let Some(program) = awk_program(&command.argv) {
            code.push(program);
        }
    }
    if let Some(input) = &command.input {
        code.push(input.as_str());
    }
    code
}

fn awk_program(argv: &[Word]) -> Option<&str> {
    let mut words = argv.iter().skip(1);
    while let Some(word) = words.next() {
        match word.text.as_str() {
            "-f" | "--file" => return None,
            "-F" | "-v" | "--assign" | "--field-separator" => {
                words.next();
            }
            t if t.starts_with('-') && t.len() > 1 => {}
            _ => return word.is_known().then_some(word.text.as_str()),
        }
    }
    None
}

/// A cursor over code that reads string literals (shared with `code_http.rs`).
pub(crate) struct Scanner<'a> {
    code: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(code: &'a str) -> Self {
        Scanner { code, pos: 0 }
    }

    /// The code from the cursor on.
    pub(crate) fn rest(&self) -> &'a str {
        self.code.get(self.pos..).unwrap_or_default()
    }

    /// Moves the cursor `n` bytes on (to the next character boundary).
    pub(crate) fn advance(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.code.len());
        while !self.code.is_char_boundary(self.pos) {
            self.pos += 1;
        }
    }

    pub(crate) fn done(&self) -> bool {
        self.pos >= self.code.len()
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.code.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// A string literal at the cursor: its value, or `None` when it is not a
    /// plain literal (an f-string, a template with `${…}`, not a string at all).
    pub(crate) fn literal(&mut self) -> Option<String> {
        let mut interpolated = false;
        // Python string prefixes.
        while let Some(b) = self.peek() {
            match b {
                b'r' | b'R' | b'b' | b'B' | b'u' | b'U' => self.pos += 1,
                b'f' | b'F' => {
                    interpolated = true;
                    self.pos += 1;
                }
                _ => break,
            }
        }
        let quote = self.peek().filter(|q| matches!(q, b'\'' | b'"' | b'`'))?;
        let rest = self.code.get(self.pos..)?;
        let triple: String = std::iter::repeat_n(char::from(quote), 3).collect();
        let (open, close) = if rest.starts_with(&triple) {
            (3, triple.clone())
        } else {
            (1, char::from(quote).to_string())
        };
        self.pos += open;
        let mut value = String::new();
        loop {
            let rest = self.code.get(self.pos..)?;
            if rest.starts_with(&close) {
                self.pos += close.len();
                break;
            }
            let c = rest.chars().next()?;
            self.pos += c.len_utf8();
            if c == '\\' {
                let next = self.code.get(self.pos..)?.chars().next()?;
                self.pos += next.len_utf8();
                value.push(match next {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
                continue;
            }
            value.push(c);
        }
        // f-strings and `${…}` templates are not literals.
        if interpolated || (quote == b'`' && value.contains("${")) {
            return None;
        }
        Some(value)
    }

    /// A home-directory expression at the cursor, whatever follows: `~`.
    pub(crate) fn home_expression(&mut self) -> Option<String> {
        let rest = self.code.get(self.pos..)?;
        let expression = HOME_EXPRESSIONS.iter().find(|e| rest.starts_with(**e))?;
        self.pos += expression.len();
        Some("~".to_owned())
    }

    /// A home-directory expression at the cursor, alone as an argument: `~`.
    fn home(&mut self) -> Option<String> {
        let rest = self.code.get(self.pos..)?;
        let expression = HOME_EXPRESSIONS.iter().find(|e| rest.starts_with(**e))?;
        let after = rest.get(expression.len()..)?.trim_start();
        if !after.starts_with([')', ',']) {
            return None;
        }
        self.pos += expression.len();
        Some("~".to_owned())
    }

    /// A call wrapping the argument (`text(`, `sa.text(`, `sql.SQL(`) at the
    /// cursor is stepped over; anything else stays.
    fn skip_wrapper(&mut self) {
        let rest = self.rest();
        let name = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
            .count();
        if name > 0 && rest.as_bytes().get(name) == Some(&b'(') {
            self.pos += name + 1;
            self.skip_spaces();
        }
    }

    /// The arguments after a program name, as shell words: `, '-rf', '/'`
    /// or `, ['-rf', dir]`; an argument that is not a literal becomes an
    /// unknown word. `None` when no argument follows or the first is neither
    /// a literal nor a list (`shell=True`, a callback, an options object).
    fn more_arguments(&mut self) -> Option<Vec<String>> {
        let start = self.pos;
        let mut words = Vec::new();
        loop {
            self.skip_spaces();
            if self.peek() != Some(b',') {
                break;
            }
            self.pos += 1;
            self.skip_spaces();
            if self.peek() == Some(b'[') {
                self.pos += 1;
                self.list_words(&mut words);
                continue;
            }
            let before = self.pos;
            match self.literal() {
                Some(v) => words.push(quote(&v)),
                None if !words.is_empty() => {
                    self.pos = before;
                    words.push(UNKNOWN_WORD.to_owned());
                    break;
                }
                None => {
                    self.pos = start;
                    return None;
                }
            }
        }
        (!words.is_empty()).then_some(words)
    }

    /// The elements of a list just after its `[`, as shell words: literals
    /// quoted, anything else an unknown word; the cursor ends after `]`.
    fn list_words(&mut self, words: &mut Vec<String>) {
        loop {
            self.skip_spaces();
            match self.peek() {
                None => return,
                Some(b']') => {
                    self.pos += 1;
                    return;
                }
                Some(b',') => self.pos += 1,
                Some(_) => {
                    let before = self.pos;
                    match self.literal() {
                        Some(v) => words.push(quote(&v)),
                        None => {
                            self.pos = before;
                            // An expression: skipped to the next `,` or `]`
                            // outside brackets and strings (a stray `)` or
                            // `}` is stepped over).
                            while matches!(self.skip_to_separator(), Some(b')' | b'}')) {
                                self.advance(1);
                            }
                            words.push(UNKNOWN_WORD.to_owned());
                        }
                    }
                }
            }
        }
    }

    /// Moves the cursor to the first `,` or closing bracket outside brackets
    /// and string literals, and returns that byte without consuming it;
    /// `None` at the end of the code. Shared by every reader of call
    /// arguments (`code_http.rs` too).
    pub(crate) fn skip_to_separator(&mut self) -> Option<u8> {
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            match b {
                b'\'' | b'"' | b'`' => {
                    if self.literal().is_none() {
                        self.advance(1);
                    }
                    continue;
                }
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' | b',' if depth == 0 => return Some(b),
                b')' | b']' | b'}' => depth -= 1,
                _ => {}
            }
            self.advance(1);
        }
        None
    }

    /// `[ "a", 'b' ]` at the cursor: the elements, when all are literals.
    fn list(&mut self) -> Option<Vec<String>> {
        if self.peek() != Some(b'[') {
            return None;
        }
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_spaces();
            match self.peek()? {
                b']' => {
                    self.pos += 1;
                    return Some(items);
                }
                b',' => self.pos += 1,
                _ => items.push(self.literal()?),
            }
        }
    }
}

/// Shell scripts in code: shell-out calls, deletions as `rm`, backticks.
fn scan(code: &str) -> Vec<String> {
    let mut scripts = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'`' {
            // Backticks run a shell in Perl, Ruby and PHP.
            let mut s = Scanner { code, pos: i };
            if let Some(script) = s.literal() {
                scripts.push(script);
            }
            i = s.pos.max(i + 1);
            continue;
        }
        let is_start = b.is_ascii_alphabetic() || b == b'_';
        let after_ident = i > 0
            && bytes
                .get(i - 1)
                .is_some_and(|p| p.is_ascii_alphanumeric() || *p == b'_');
        if !is_start || after_ident {
            i += 1;
            continue;
        }
        let len = bytes
            .iter()
            .skip(i)
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count();
        let name = code.get(i..i + len).unwrap_or_default();
        i += len;
        let shell = SHELL_CALLS.contains(&name);
        let tree = TREE_DELETES.contains(&name);
        let file = FILE_DELETES.contains(&name);
        let qualified = |q: &str| code.get(..i - len).is_some_and(|b| b.ends_with(q));
        let opens = FILE_OPENS.contains(&name)
            || (matches!(name, "read" | "write") && (qualified("File.") || qualified("IO.")));
        let writes = FILE_WRITES
            .iter()
            .find(|(w, _)| *w == name)
            .map(|(_, append)| *append)
            .or_else(|| (name == "write" && qualified("File.")).then_some(false));
        if opens || writes.is_some() {
            if let Some((script, end)) = file_access(code, i, name, writes) {
                scripts.push(script);
                i = end;
            }
            continue;
        }
        let sql = SQL_CALLS.contains(&name);
        if !(shell || tree || file || sql) {
            continue;
        }
        let mut s = Scanner { code, pos: i };
        s.skip_spaces();
        // `system "…"` without parentheses is a statement: its name starts
        // the code or follows a separator, not a path (`"os/exec"`).
        let statement = (i - len)
            .checked_sub(1)
            .and_then(|p| bytes.get(p))
            .is_none_or(|p| matches!(p, b' ' | b'\t' | b'\n' | b';' | b'{' | b'(' | b'&' | b'|'));
        match s.peek() {
            Some(b'(' | b'{') => s.pos += 1,
            Some(b'\'' | b'"') if shell && statement => {}
            _ => continue,
        }
        s.skip_spaces();
        let call_start = s.pos;
        if sql {
            s.skip_wrapper();
            if let Some(statement) = s.literal().filter(|v| is_sql(v)) {
                scripts.push(format!("psql -c {}", quote(&statement)));
            }
            i = s.pos.max(call_start);
            continue;
        }
        let argument = match s.peek() {
            Some(b'[') if shell => s
                .list()
                .map(|items| items.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")),
            _ => {
                let start = s.pos;
                match s.literal() {
                    // A statement handed to `exec` (`db.exec('DROP TABLE t')`) is SQL.
                    Some(v) if shell && is_sql(&v) => Some(format!("psql -c {}", quote(&v))),
                    // `spawn('rm', ['-rf', p])`, `system('rm', '-rf', p)`: a program and its arguments.
                    Some(v) if shell => Some(match s.more_arguments() {
                        Some(rest) => format!("{} {}", quote(&v), rest.join(" ")),
                        None => v,
                    }),
                    Some(v) => Some(quote(&v)),
                    // A failed literal may have read a string prefix (`r` of `require`).
                    None if !shell => {
                        s.pos = start;
                        s.home()
                    }
                    None => None,
                }
            }
        };
        let Some(argument) = argument else { continue };
        let rest_of_call: String = code
            .get(s.pos..)
            .unwrap_or_default()
            .chars()
            .take_while(|c| *c != ')')
            .collect();
        let script = if shell {
            argument
        } else if tree || rest_of_call.contains("recursive") {
            format!("rm -r -f {argument}")
        } else {
            format!("rm -f {argument}")
        };
        scripts.push(script);
        i = s.pos.max(call_start);
    }
    scripts
}

/// True when `text` starts with a SQL statement keyword.
fn is_sql(text: &str) -> bool {
    let word: String = text
        .trim_start()
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    let word = word.to_ascii_lowercase();
    SQL_KEYWORDS.contains(&word.as_str()) && text.trim_start().len() > word.len()
}

/// A file read or write at `at` (just after the call's name) as `cat`,
/// `tee` or `tee -a` of its path, and where the call's path argument ends.
fn file_access(code: &str, at: usize, name: &str, writes: Option<bool>) -> Option<(String, usize)> {
    let mut s = Scanner { code, pos: at };
    s.skip_spaces();
    if s.peek() != Some(b'(') {
        return None;
    }
    s.pos += 1;
    s.skip_spaces();
    let path = path_argument(&mut s)?;
    let end = s.pos;
    let append = match writes {
        Some(append) => Some(append),
        None => {
            // A literal mode after the path: `'w'`, `"a+"`, `'wb'`.
            s.skip_spaces();
            let mode = if s.peek() == Some(b',') {
                s.pos += 1;
                s.skip_spaces();
                s.literal().filter(|m| m.len() <= 4)
            } else {
                None
            };
            let mode = mode.unwrap_or_default();
            let writing = name != "readFileSync" && mode.contains(['w', 'a', 'x', '+']);
            writing.then(|| mode.contains('a'))
        }
    };
    let script = match append {
        None => format!("cat {path}"),
        Some(false) => format!("tee {path}"),
        Some(true) => format!("tee -a {path}"),
    };
    Some((script, end))
}

/// A path argument as a shell word: a literal (quoted), a literal inside
/// a `~`-expanding call (`~/` kept unquoted), or `path.join(HOME, 'a', …)`.
fn path_argument(s: &mut Scanner<'_>) -> Option<String> {
    let rest = s.rest();
    if let Some(expander) = EXPANDERS.iter().find(|e| rest.starts_with(**e)) {
        s.pos += expander.len();
        s.skip_spaces();
        let value = s.literal()?;
        return Some(match value.strip_prefix("~/") {
            Some(under) => format!("~/{}", quote(under)),
            None if value == "~" => "~".to_owned(),
            None => quote(&value),
        });
    }
    for join in ["path.join(", "os.path.join(", "File.join(", "require('path').join(", "require(\"path\").join("] {
        if rest.starts_with(join) {
            s.pos += join.len();
            s.skip_spaces();
            let home = s.home_expression()?;
            let mut parts = vec![home];
            loop {
                s.skip_spaces();
                if s.peek() != Some(b',') {
                    break;
                }
                s.pos += 1;
                s.skip_spaces();
                parts.push(quote(&s.literal()?));
            }
            return Some(parts.join("/"));
        }
    }
    let start = s.pos;
    match s.literal() {
        Some(value) => Some(quote(&value)),
        None => {
            s.pos = start;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_calls_keep_their_arguments_and_mark_unknown_ones() {
        assert_eq!(scan("spawn('rm', ['-rf', '/'])"), vec!["'rm' '-rf' '/'"]);
        assert_eq!(scan("system('rm', '-rf', dir)"), vec![format!("'rm' '-rf' {UNKNOWN_WORD}")]);
        assert_eq!(
            scan("spawn('rm', ['-rf', path.join(a, 'b'), '/etc'])"),
            vec![format!("'rm' '-rf' {UNKNOWN_WORD} '/etc'")]
        );
        // An options object or a keyword argument is not an argument of the program.
        assert_eq!(scan("spawn('ls', {stdio: 'inherit'})"), vec!["ls"]);
        assert_eq!(scan("subprocess.run('ls -la', shell=True)"), vec!["ls -la"]);
        // Go: exec.Command's variadic arguments; a path ending in `exec` is not a call.
        assert_eq!(
            scan("import \"os/exec\"\nfunc main() { exec.Command(\"rm\", \"-rf\", \"/\").Run() }"),
            vec!["'rm' '-rf' '/'"]
        );
        assert_eq!(scan("os.RemoveAll(\"/home/me\")"), vec!["rm -r -f '/home/me'"]);
    }

    #[test]
    fn driver_calls_with_sql_are_statements() {
        assert_eq!(
            scan("sqlite3.connect('a.db').execute('DROP TABLE users')"),
            vec!["psql -c 'DROP TABLE users'"]
        );
        assert_eq!(scan("conn.execute(text('TRUNCATE t'))"), vec!["psql -c 'TRUNCATE t'"]);
        assert_eq!(scan("db.exec('DELETE FROM t')"), vec!["psql -c 'DELETE FROM t'"]);
        // Not SQL: a query string that is not a statement, a word alone.
        assert!(scan("db.query('users')").is_empty());
        assert!(scan("params.query('select')").is_empty());
        assert!(scan("q.execute(stmt)").is_empty());
    }

    #[test]
    fn shell_outs_and_deletions_are_found() {
        assert_eq!(scan("import os; os.system('rm -rf /')"), vec!["rm -rf /"]);
        assert_eq!(
            scan("import subprocess; subprocess.run(['rm', '-rf', '/home/x y'])"),
            vec!["'rm' '-rf' '/home/x y'"]
        );
        assert_eq!(
            scan("import shutil; shutil.rmtree('/var/lib')"),
            vec!["rm -r -f '/var/lib'"]
        );
        assert_eq!(
            scan("require('fs').rmSync('/srv', {recursive: true})"),
            vec!["rm -r -f '/srv'"]
        );
        assert_eq!(
            scan("use File::Path qw(remove_tree); remove_tree($ENV{HOME})"),
            vec!["rm -r -f ~"]
        );
        assert_eq!(
            scan("require 'fileutils'; FileUtils.rm_rf(Dir.home)"),
            vec!["rm -r -f ~"]
        );
        assert_eq!(
            scan("Deno.removeSync(Deno.env.get('HOME'), { recursive: true })"),
            vec!["rm -r -f ~"]
        );
        // The start of another path is not guessed.
        assert!(scan("shutil.rmtree(Path.home() / '.cache' / 'x')").is_empty());
        assert_eq!(
            scan(r#"BEGIN{system("shutdown now")}"#),
            vec!["shutdown now"]
        );
        assert_eq!(scan("system \"reboot\""), vec!["reboot"]);
        assert_eq!(scan("print `whoami`"), vec!["whoami"]);
        assert!(
            scan("os.system(cmd)").is_empty(),
            "non-literals are not guessed"
        );
        assert!(scan("print('system(\"x\")')").len() <= 1);
        assert!(scan("x = f'{a}'; os.system(f'rm {a}')").is_empty());
    }
}
