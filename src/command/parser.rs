//! The shell's grammar, as far as a guard needs it.
//!
//! The parser reads POSIX shell plus the bash syntax agents write — lists
//! (`;` `&&` `||` `&`, newlines), pipelines (`|` `|&`), subshells and groups,
//! `if`/`while`/`until`/`for`/`case` (their keywords are skipped, their
//! commands parsed), function definitions, `[[ … ]]` and `(( … ))`,
//! redirections and here-documents — and emits a flat list of
//! `RawCommand`s: every simple command the shell could run, wherever it
//! stands (inside `$(…)`, a loop, a function body, a heredoc's expansions).
//! A guard does not need the tree: every command is judged, and the most
//! severe verdict wins, so `rm -rf /tmp/x; rm -rf /` cannot hide its second half.
//!
//! Words are read by the lexer (`lexer.rs`); this file owns structure.
//! Everything is bounded: nesting depth ([`MAX_DEPTH`]) and the number of
//! commands ([`MAX_COMMANDS`]); past a bound the parse stops and reports a
//! problem, which the engine turns into `ask`. Parsing is one forward pass:
//! linear in the input, apart from re-reading quoted strings handed to
//! `bash -c`, `eval` or `ssh`, each at most once per nesting level.

use std::collections::HashMap;

use super::word::Word;

/// Deepest nesting of `$(…)`, subshells, groups, `bash -c` strings and the like.
pub const MAX_DEPTH: usize = 16;
/// Most simple commands analyzed in one command line.
pub const MAX_COMMANDS: usize = 1024;

/// Most aliases one line may define.
const MAX_ALIASES: usize = 64;

/// `$IFS` when the line does not assign it: space, tab, newline.
pub(crate) const DEFAULT_IFS: &str = " \t\n";

/// The words an expanded word becomes: split at `ifs` characters inside the
/// ranges that came from unquoted expansions; empty fields vanish.
fn split_fields(word: &Word, ifs: &str) -> Vec<Word> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, fields: &mut Vec<Word>| {
        if !current.is_empty() {
            let text = std::mem::take(current);
            fields.push(Word {
                glob: word.glob && text.contains(['*', '?', '[']),
                text: text.into(),
                dynamic: word.dynamic,
                quoted: word.quoted,
                ..Word::default()
            });
        }
    };
    for (at, c) in word.text.char_indices() {
        let expanded = word.split.iter().any(|&(s, e)| s <= at && at < e);
        if expanded && ifs.contains(c) {
            flush(&mut current, &mut fields);
        } else {
            current.push(c);
        }
    }
    flush(&mut current, &mut fields);
    fields
}

/// What a redirection does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectOp {
    /// `>`, `>|`, `&>`: truncates and writes the target.
    Write,
    /// `>>`, `&>>`: appends to the target.
    Append,
    /// `<`: reads the target.
    Read,
    /// `<>`: opens the target for reading and writing.
    ReadWrite,
    /// `>&N`, `<&N`, `>&-`: duplicates or closes a descriptor.
    Duplicate,
}

/// A redirection to or from a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The redirected descriptor, when written (`2>`).
    pub fd: Option<u32>,
    /// The operation.
    pub op: RedirectOp,
    /// The path or descriptor.
    pub target: Word,
}

impl Redirect {
    /// True when the redirection writes to its target path.
    pub fn writes(&self) -> bool {
        matches!(
            self.op,
            RedirectOp::Write | RedirectOp::Append | RedirectOp::ReadWrite
        )
    }
}

/// Something the analyzer recognized in the structure of a command line,
/// beyond its simple commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Construct {
    /// A function that calls itself in a pipeline or in the background: `:(){ :|:& };:`.
    ForkBomb,
}

impl Construct {
    /// The name used in policies (`"construct": "fork-bomb"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Construct::ForkBomb => "fork-bomb",
        }
    }

    /// The construct with that policy name.
    pub fn from_name(name: &str) -> Option<Construct> {
        match name {
            "fork-bomb" => Some(Construct::ForkBomb),
            _ => None,
        }
    }
}

/// A simple command as written: words, redirections, and where its input comes from.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawCommand {
    pub(crate) words: Vec<Word>,
    pub(crate) redirects: Vec<Redirect>,
    /// The body of a here-document or here-string fed to the command.
    pub(crate) input: Option<String>,
    /// Byte span in the original command line.
    pub(crate) span: (usize, usize),
    /// The command whose output feeds this one: through a pipe, or through a
    /// `<(…)` process substitution when there is no pipe.
    pub(crate) pipe_prev: Option<usize>,
    /// Wrappers and contexts this command was found in (`sudo`, `bash -c`, `$(…)`).
    pub(crate) via: Vec<String>,
    /// Set for constructs recognized by structure rather than by words.
    pub(crate) construct: Option<Construct>,
    /// Nesting depth of the text it was found in.
    pub(crate) depth: usize,
}

/// Why a command line could not be fully analyzed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What went wrong, for a person.
    pub message: String,
    /// Byte offset in the command line (of the enclosing command, for nested text).
    pub at: usize,
}

/// Output shared by every nested parser of one analysis.
#[derive(Debug, Default)]
pub(crate) struct Context {
    pub(crate) commands: Vec<RawCommand>,
    pub(crate) problems: Vec<Problem>,
    /// Variables assigned literal values earlier in the line (`x=rm; $x -rf /`).
    pub(crate) vars: HashMap<String, String>,
    /// Positional parameters set by `set -- …` earlier in the line; `None`
    /// when unknown (the script's own arguments).
    pub(crate) positional: Option<Vec<String>>,
    /// Aliases defined earlier in the line (`alias k='rm -rf /'`), expanded
    /// wherever their name is a command word (see [`super::aliases`]).
    pub(crate) aliases: HashMap<String, String>,
    /// Pipes and background operators seen, for fork-bomb detection.
    pub(crate) operators: usize,
    /// Set when a bound was exceeded: every loop stops.
    pub(crate) aborted: bool,
}

impl Context {
    pub(crate) fn problem(&mut self, at: usize, message: impl Into<String>) {
        if self.problems.len() < 16 {
            self.problems.push(Problem {
                message: message.into(),
                at,
            });
        }
    }

    pub(crate) fn abort(&mut self, at: usize, message: impl Into<String>) {
        self.problem(at, message);
        self.aborted = true;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Eof,
    Paren,
    Brace,
}

struct PendingHeredoc {
    command: usize,
    delimiter: String,
    strip_tabs: bool,
    expand: bool,
}

/// A parser over one text: the command line, or a string nested in it.
pub(crate) struct Parser<'s, 'c> {
    pub(crate) src: &'s str,
    pub(crate) pos: usize,
    pub(crate) ctx: &'c mut Context,
    pub(crate) depth: usize,
    /// For nested text that is not a slice of the command line (a `bash -c`
    /// string, a backtick body): the span every command found in it reports.
    pub(crate) span: Option<(usize, usize)>,
    pub(crate) via: Vec<String>,
    heredocs: Vec<PendingHeredoc>,
    case_depth: usize,
    expect_case_pattern: bool,
    /// Inside `"…"`: expansions are not split into words there.
    pub(crate) in_double_quotes: usize,
}

enum Flow {
    Continue,
    /// A keyword that passes the pipe on (`! cmd`, `time cmd`).
    KeepPipe,
    Close,
}

impl<'s, 'c> Parser<'s, 'c> {
    pub(crate) fn new(
        src: &'s str,
        ctx: &'c mut Context,
        depth: usize,
        span: Option<(usize, usize)>,
        via: Vec<String>,
    ) -> Self {
        Parser {
            src,
            pos: 0,
            ctx,
            depth,
            span,
            via,
            heredocs: Vec::new(),
            case_depth: 0,
            expect_case_pattern: false,
            in_double_quotes: 0,
        }
    }

    /// Parses the whole text.
    pub(crate) fn parse(&mut self) {
        if self.depth > MAX_DEPTH {
            let at = self.at(0);
            self.ctx
                .abort(at, format!("nesting deeper than {MAX_DEPTH} levels"));
            return;
        }
        self.sequence(End::Eof);
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn peek_at(&self, n: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + n).copied()
    }

    pub(crate) fn rest(&self) -> &'s str {
        self.src.get(self.pos..).unwrap_or("")
    }

    /// The position in the original command line of local offset `pos`.
    pub(crate) fn at(&self, pos: usize) -> usize {
        match self.span {
            Some((start, _)) => start,
            None => pos,
        }
    }

    fn span_of(&self, start: usize, end: usize) -> (usize, usize) {
        self.span.unwrap_or((start, end))
    }

    /// Runs `f` one nesting level deeper, or stops the analysis past the bound.
    pub(crate) fn nested(&mut self, f: impl FnOnce(&mut Self)) {
        if self.depth >= MAX_DEPTH {
            let at = self.at(self.pos);
            self.ctx
                .abort(at, format!("nesting deeper than {MAX_DEPTH} levels"));
            return;
        }
        self.depth += 1;
        f(self);
        self.depth -= 1;
    }

    /// Skips blanks, line continuations and comments; stops at a newline.
    pub(crate) fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'\\') if self.peek_at(1) == Some(b'\n') => self.pos += 2,
                Some(b'#') => {
                    while !matches!(self.peek(), None | Some(b'\n')) {
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn skip_blanks_and_newlines(&mut self) {
        loop {
            self.skip_blanks();
            if self.peek() == Some(b'\n') {
                self.pos += 1;
                self.read_heredocs();
            } else {
                return;
            }
        }
    }

    /// A list of pipelines up to `end`.
    pub(crate) fn sequence(&mut self, end: End) {
        let mut pipe_from: Option<usize> = None;
        while !self.ctx.aborted {
            self.skip_blanks();
            if self.expect_case_pattern {
                self.case_pattern();
                continue;
            }
            let Some(b) = self.peek() else {
                match end {
                    End::Eof => {}
                    End::Paren => {
                        let at = self.at(self.pos);
                        self.ctx.problem(at, "missing `)`");
                    }
                    End::Brace => {
                        let at = self.at(self.pos);
                        self.ctx.problem(at, "missing `}`");
                    }
                }
                return;
            };
            match b {
                b'\n' => {
                    self.pos += 1;
                    self.read_heredocs();
                    // A newline ends a pipeline unless one is pending (`a |\n b`).
                }
                b';' => {
                    let rest = self.rest();
                    let len = if rest.starts_with(";;&") {
                        3
                    } else if rest.starts_with(";;") || rest.starts_with(";&") {
                        2
                    } else {
                        1
                    };
                    if len > 1 && self.case_depth > 0 {
                        self.expect_case_pattern = true;
                    }
                    self.pos += len;
                    pipe_from = None;
                }
                b'&' if self.peek_at(1) == Some(b'&') => {
                    self.pos += 2;
                    pipe_from = None;
                    self.skip_blanks_and_newlines();
                }
                b'&' if self.peek_at(1) != Some(b'>') => {
                    self.pos += 1;
                    self.ctx.operators += 1;
                    pipe_from = None;
                }
                b'|' if self.peek_at(1) == Some(b'|') => {
                    self.pos += 2;
                    pipe_from = None;
                    self.skip_blanks_and_newlines();
                }
                b'|' => {
                    self.pos += if self.peek_at(1) == Some(b'&') { 2 } else { 1 };
                    self.ctx.operators += 1;
                    pipe_from = self.ctx.commands.len().checked_sub(1);
                    self.skip_blanks_and_newlines();
                }
                b'(' if self.peek_at(1) == Some(b'(') => {
                    self.pos += 2;
                    self.arithmetic();
                }
                b'(' => {
                    self.pos += 1;
                    self.nested(|p| p.sequence(End::Paren));
                }
                b')' => {
                    self.pos += 1;
                    if end == End::Paren {
                        return;
                    }
                    let at = self.at(self.pos - 1);
                    self.ctx.problem(at, "unexpected `)`");
                }
                _ => match self.command(pipe_from, end) {
                    Flow::Continue => pipe_from = None,
                    Flow::KeepPipe => {}
                    Flow::Close => return,
                },
            }
        }
    }

    /// One command at command position: a keyword, a function definition or a simple command.
    fn command(&mut self, pipe_prev: Option<usize>, end: End) -> Flow {
        let start = self.pos;
        let Some(first) = self.word() else {
            // Not a word: a redirection opens the command (`> /dev/sda`), or stray syntax.
            if matches!(self.peek(), Some(b'<' | b'>' | b'&')) || self.fd_redirect_ahead() {
                self.simple_command(start, None, pipe_prev);
            } else {
                let at = self.at(self.pos);
                self.ctx.problem(at, "unexpected character");
                self.pos += 1;
            }
            return Flow::Continue;
        };
        if !first.quoted {
            match first.text.as_str() {
                "{" => {
                    self.nested(|p| p.sequence(End::Brace));
                    return Flow::Continue;
                }
                "}" => {
                    if end == End::Brace {
                        return Flow::Close;
                    }
                    let at = self.at(start);
                    self.ctx.problem(at, "unexpected `}`");
                    return Flow::Continue;
                }
                "!" | "time" | "coproc" => return Flow::KeepPipe,
                "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "fi" | "done" => {
                    return Flow::Continue
                }
                "esac" => {
                    self.case_depth = self.case_depth.saturating_sub(1);
                    return Flow::Continue;
                }
                "for" | "select" => {
                    self.for_header();
                    return Flow::Continue;
                }
                "case" => {
                    self.case_header();
                    return Flow::Continue;
                }
                "function" => {
                    self.skip_blanks();
                    if let Some(name) = self.word() {
                        self.skip_parens_of_definition();
                        self.function_body(start, &name.text);
                    }
                    return Flow::Continue;
                }
                "[[" => {
                    self.double_bracket();
                    return Flow::Continue;
                }
                _ => {}
            }
            if self.skip_parens_of_definition() {
                self.function_body(start, &first.text);
                return Flow::Continue;
            }
        }
        self.simple_command(start, Some(first), pipe_prev);
        Flow::Continue
    }

    /// Consumes `( )` after a function name; false (consuming nothing) when absent.
    fn skip_parens_of_definition(&mut self) -> bool {
        let save = self.pos;
        self.skip_blanks();
        if self.peek() == Some(b'(') {
            self.pos += 1;
            self.skip_blanks();
            if self.peek() == Some(b')') {
                self.pos += 1;
                return true;
            }
        }
        self.pos = save;
        false
    }

    /// A function body; a body that calls its own function in a pipeline or
    /// in the background is a fork bomb.
    fn function_body(&mut self, start: usize, name: &str) {
        self.skip_blanks_and_newlines();
        let commands_before = self.ctx.commands.len();
        let operators_before = self.ctx.operators;
        self.nested(|p| {
            let via = format!("function {name}");
            p.via.push(via);
            match p.peek() {
                Some(b'(') => {
                    p.pos += 1;
                    p.sequence(End::Paren);
                }
                _ => {
                    let body_start = p.pos;
                    match p.word() {
                        Some(w) if w.text == "{" && !w.quoted => p.sequence(End::Brace),
                        Some(w) => p.simple_command(body_start, Some(w), None),
                        None => {}
                    }
                }
            }
            p.via.pop();
        });
        let calls_itself = self
            .ctx
            .commands
            .iter()
            .skip(commands_before)
            .any(|c| c.words.first().is_some_and(|w| w.text == name));
        if calls_itself && self.ctx.operators > operators_before {
            let command = RawCommand {
                words: vec![Word::literal(name)],
                span: self.span_of(start, self.pos),
                via: self.via.clone(),
                construct: Some(Construct::ForkBomb),
                depth: self.depth,
                ..RawCommand::default()
            };
            self.push(command);
        }
    }

    /// `for NAME [in WORDS]` (the loop variable becomes unknown) or `for ((…))`.
    fn for_header(&mut self) {
        self.skip_blanks();
        if self.rest().starts_with("((") {
            self.pos += 2;
            self.arithmetic();
            return;
        }
        if let Some(name) = self.word() {
            self.ctx.vars.remove(name.text.as_str());
        }
        self.skip_blanks_and_newlines();
        let save = self.pos;
        match self.word() {
            Some(w) if w.text == "in" && !w.quoted => loop {
                self.skip_blanks();
                if self.word().is_none() {
                    break;
                }
            },
            _ => self.pos = save,
        }
    }

    /// `case WORD in`: the patterns that follow are not commands.
    fn case_header(&mut self) {
        self.skip_blanks();
        let _subject = self.word();
        self.skip_blanks_and_newlines();
        match self.word() {
            Some(w) if w.text == "in" && !w.quoted => {
                self.case_depth += 1;
                self.expect_case_pattern = true;
            }
            _ => {
                let at = self.at(self.pos);
                self.ctx.problem(at, "`case` without `in`");
            }
        }
    }

    /// `[(] pattern [| pattern]… )` or `esac`.
    fn case_pattern(&mut self) {
        self.expect_case_pattern = false;
        self.skip_blanks_and_newlines();
        let save = self.pos;
        if let Some(w) = self.word() {
            if w.text == "esac" && !w.quoted {
                self.case_depth = self.case_depth.saturating_sub(1);
                return;
            }
            self.pos = save;
        }
        if self.peek() == Some(b'(') {
            self.pos += 1;
        }
        loop {
            self.skip_blanks();
            match self.peek() {
                Some(b')') => {
                    self.pos += 1;
                    return;
                }
                Some(b'|') => self.pos += 1,
                None => {
                    let at = self.at(self.pos);
                    self.ctx.problem(at, "unterminated `case` pattern");
                    return;
                }
                _ => {
                    if self.word().is_none() {
                        let at = self.at(self.pos);
                        self.ctx
                            .problem(at, "unexpected character in `case` pattern");
                        self.pos += 1;
                    }
                }
            }
        }
    }

    /// `[[ … ]]`: operators inside are not the shell's; expansions are still parsed.
    fn double_bracket(&mut self) {
        loop {
            self.skip_blanks_and_newlines();
            match self.peek() {
                None => {
                    let at = self.at(self.pos);
                    self.ctx.problem(at, "missing `]]`");
                    return;
                }
                Some(b'&' | b'|' | b'<' | b'>' | b'(' | b')' | b';') => self.pos += 1,
                _ => match self.word() {
                    Some(w) if w.text == "]]" && !w.quoted => return,
                    Some(_) => {}
                    None => self.pos += 1,
                },
            }
        }
    }

    fn fd_redirect_ahead(&self) -> bool {
        let digits = self
            .rest()
            .bytes()
            .take_while(|b| b.is_ascii_digit())
            .count();
        digits > 0 && matches!(self.peek_at(digits), Some(b'<' | b'>'))
    }

    /// Words, assignments and redirections up to an operator.
    fn simple_command(&mut self, start: usize, first: Option<Word>, pipe_prev: Option<usize>) {
        let mut words = Vec::new();
        if let Some(first) = first {
            self.push_word(&mut words, first);
        }
        let mut redirects = Vec::new();
        let mut heredocs = Vec::new();
        let mut input = None;
        let mut fed_by: Option<usize> = None;
        loop {
            if self.ctx.aborted {
                return;
            }
            self.skip_blanks();
            match self.peek() {
                None | Some(b'\n' | b';' | b'|' | b')') => break,
                Some(b'&') if self.peek_at(1) != Some(b'>') => break,
                Some(b) if matches!(b, b'<' | b'>') && self.peek_at(1) == Some(b'(') => {
                    self.pos += 2;
                    let before = self.ctx.commands.len();
                    self.nested(|p| p.sequence(End::Paren));
                    // `bash <(curl …)` reads its script from curl, as a pipe would feed it.
                    if b == b'<' && self.ctx.commands.len() > before {
                        fed_by = Some(self.ctx.commands.len() - 1);
                    }
                    words.push(Word::unknown("/dev/fd/(…)"));
                }
                Some(b'<' | b'>' | b'&') => {
                    self.redirect(None, &mut redirects, &mut heredocs, &mut input)
                }
                Some(b'(') => {
                    let at = self.at(self.pos);
                    self.ctx.problem(at, "unexpected `(`");
                    self.pos += 1;
                    self.nested(|p| p.sequence(End::Paren));
                }
                Some(_) if self.fd_redirect_ahead() => {
                    let digits: String = self
                        .rest()
                        .bytes()
                        .take_while(u8::is_ascii_digit)
                        .map(char::from)
                        .collect();
                    self.pos += digits.len();
                    let fd = digits.parse().ok();
                    self.redirect(fd, &mut redirects, &mut heredocs, &mut input);
                }
                Some(_) => match self.word() {
                    Some(word) => self.push_word(&mut words, word),
                    None => {
                        let at = self.at(self.pos);
                        self.ctx.problem(at, "unexpected character");
                        self.pos += 1;
                    }
                },
            }
        }
        if words.iter().all(|w| w.assignment.is_some()) {
            self.remember_assignments(&words);
        }
        self.remember_definitions(&words);
        let command = RawCommand {
            words,
            redirects,
            input,
            span: self.span_of(start, self.pos),
            pipe_prev: pipe_prev.or(fed_by),
            via: self.via.clone(),
            construct: None,
            depth: self.depth,
        };
        if let Some(index) = self.push(command) {
            for (delimiter, strip_tabs, expand) in heredocs {
                self.heredocs.push(PendingHeredoc {
                    command: index,
                    delimiter,
                    strip_tabs,
                    expand,
                });
            }
        }
    }

    /// Adds a word, applying field splitting of unquoted expansions
    /// (`rm${IFS}-rf` is two words) or brace expansion (`{rm,-rf,/}` is three words).
    fn push_word(&mut self, words: &mut Vec<Word>, word: Word) {
        if !word.split.is_empty() && word.assignment.is_none() {
            let ifs = self.ifs();
            words.extend(split_fields(&word, &ifs));
            return;
        }
        match super::braces::expand_braces(&word) {
            Ok(Some(expanded)) => words.extend(expanded),
            Ok(None) => words.push(word),
            Err(message) => {
                let at = self.at(self.pos);
                self.ctx.abort(at, message);
            }
        }
    }

    /// Standalone `NAME=value` commands set variables later words may use.
    fn remember_assignments(&mut self, words: &[Word]) {
        for word in words {
            let Some(eq) = word.assignment else { continue };
            let name = word.text.get(..eq).unwrap_or_default().to_owned();
            let value = word.text.get(eq + 1..).unwrap_or_default();
            if word.dynamic {
                self.ctx.vars.remove(&name);
            } else {
                self.ctx.vars.insert(name, value.to_owned());
            }
        }
    }

    /// The field separators: `$IFS` as assigned earlier in the line, or the default.
    pub(crate) fn ifs(&self) -> String {
        self.ctx
            .vars
            .get("IFS")
            .cloned()
            .unwrap_or_else(|| DEFAULT_IFS.to_owned())
    }

    /// `set -- a b` sets the positional parameters; `alias k='…'` defines an alias.
    fn remember_definitions(&mut self, words: &[Word]) {
        let Some(first) = words.first().filter(|w| !w.quoted && !w.dynamic) else {
            return;
        };
        match first.text.as_str() {
            "set" => {
                let rest = match words.get(1) {
                    Some(w) if w.text == "--" => words.get(2..),
                    Some(w) if w.text.starts_with(['-', '+']) => None,
                    _ => words.get(1..),
                };
                if let Some(rest) = rest {
                    self.ctx.positional = rest
                        .iter()
                        .map(|w| w.is_known().then(|| w.text.to_string()))
                        .collect();
                }
            }
            "alias" => {
                for word in words.iter().skip(1) {
                    let Some(eq) = word.assignment else { continue };
                    let name = word.text.get(..eq).unwrap_or_default().to_owned();
                    let value = word.text.get(eq + 1..).unwrap_or_default().to_owned();
                    if self.ctx.aliases.len() < MAX_ALIASES {
                        self.ctx.aliases.insert(name, value);
                    }
                }
            }
            _ => {}
        }
    }

    pub(crate) fn push(&mut self, command: RawCommand) -> Option<usize> {
        if self.ctx.commands.len() >= MAX_COMMANDS {
            let at = self.at(self.pos);
            self.ctx
                .abort(at, format!("more than {MAX_COMMANDS} commands"));
            return None;
        }
        self.ctx.commands.push(command);
        Some(self.ctx.commands.len() - 1)
    }

    fn redirect(
        &mut self,
        fd: Option<u32>,
        redirects: &mut Vec<Redirect>,
        heredocs: &mut Vec<(String, bool, bool)>,
        input: &mut Option<String>,
    ) {
        const OPS: &[(&str, Option<RedirectOp>)] = &[
            ("<<<", None),
            ("<<-", None),
            ("<<", None),
            ("&>>", Some(RedirectOp::Append)),
            ("&>", Some(RedirectOp::Write)),
            ("<>", Some(RedirectOp::ReadWrite)),
            ("<&", Some(RedirectOp::Duplicate)),
            (">&", Some(RedirectOp::Duplicate)),
            (">>", Some(RedirectOp::Append)),
            (">|", Some(RedirectOp::Write)),
            ("<", Some(RedirectOp::Read)),
            (">", Some(RedirectOp::Write)),
        ];
        let rest = self.rest();
        let Some(&(op_text, op)) = OPS.iter().find(|(text, _)| rest.starts_with(text)) else {
            self.pos += 1;
            return;
        };
        self.pos += op_text.len();
        self.skip_blanks();
        let Some(target) = self.word() else {
            let at = self.at(self.pos);
            self.ctx
                .problem(at, format!("`{op_text}` without a target"));
            return;
        };
        match (op_text, op) {
            ("<<<", _) => *input = Some(target.text.into_string()),
            ("<<" | "<<-", _) => {
                heredocs.push((target.text.into_string(), op_text == "<<-", !target.quoted));
            }
            (_, Some(RedirectOp::Duplicate))
                if !target.text.bytes().all(|b| b.is_ascii_digit() || b == b'-') =>
            {
                // `>& file` is `&> file`.
                redirects.push(Redirect {
                    fd,
                    op: RedirectOp::Write,
                    target,
                });
            }
            (_, Some(op)) => redirects.push(Redirect { fd, op, target }),
            _ => {}
        }
    }

    /// Reads the bodies of the here-documents opened on the line just ended.
    fn read_heredocs(&mut self) {
        for pending in std::mem::take(&mut self.heredocs) {
            let body_start = self.pos;
            let mut body = String::new();
            loop {
                let rest = self.rest();
                if rest.is_empty() {
                    break;
                }
                let line_len = rest.find('\n').unwrap_or(rest.len());
                let line = rest.get(..line_len).unwrap_or_default();
                self.pos += (line_len + 1).min(rest.len());
                let compared = if pending.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if compared.trim_end_matches('\r') == pending.delimiter {
                    break;
                }
                body.push_str(compared);
                body.push('\n');
            }
            if pending.expand {
                // An unquoted delimiter means the body is expanded: `$(…)` in it runs.
                let span = self.span_of(body_start, self.pos);
                let via = self.via.clone();
                let depth = self.depth + 1;
                let mut sub = Parser::new(&body, self.ctx, depth, Some(span), via);
                sub.expansions_only();
            }
            if let Some(command) = self.ctx.commands.get_mut(pending.command) {
                command.input = Some(body);
            }
        }
    }

    /// `(( … ))` after its opening: skipped, but command substitutions inside are parsed.
    pub(crate) fn arithmetic(&mut self) {
        let mut depth = 2usize;
        let mut scratch = Word::default();
        while !self.ctx.aborted {
            match self.peek() {
                None => {
                    let at = self.at(self.pos);
                    self.ctx.problem(at, "missing `))`");
                    return;
                }
                Some(b'(') => {
                    depth += 1;
                    self.pos += 1;
                }
                Some(b')') => {
                    depth -= 1;
                    self.pos += 1;
                    if depth == 0 {
                        return;
                    }
                }
                Some(b'$') => self.dollar(&mut scratch),
                Some(b'`') => self.backtick(&mut scratch),
                Some(_) => self.advance_char(),
            }
        }
    }

    pub(crate) fn advance_char(&mut self) {
        self.next_char();
    }

    /// The character at the cursor, which moves past it. Never stalls: a
    /// cursor inside a character (or at a stray byte) moves on by one byte.
    pub(crate) fn next_char(&mut self) -> Option<char> {
        let c = self.rest().chars().next();
        self.pos += c.map_or(1, char::len_utf8);
        c
    }
}
