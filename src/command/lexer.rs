//! Shell words: quoting, escapes, expansions and brace expansion.
//!
//! The lexer turns the characters of one word into what the shell would pass
//! to the program: single quotes, double quotes, ANSI-C `$'…'` quotes,
//! backslash escapes and line continuations are removed, adjacent parts are
//! concatenated (`r''m` is `rm`), and each expansion is classified: `$HOME`,
//! `${HOME}` and a leading `~` are the home directory; a variable assigned a
//! literal earlier in the same line is replaced by that literal; anything
//! else (`$X`, `$(…)`, `` `…` ``, `$((…))`) is unknown and marks the word
//! dynamic. Command substitutions are not skipped: their text is parsed as
//! commands of their own, recursively and within the nesting bound.
//!
//! The lexer records where the unquoted `{`, `,` and `}` of a word are;
//! brace expansion (`{a,b}`) is applied afterwards, by the parser, with
//! `braces::expand_braces`, bounded at [`MAX_BRACE_WORDS`] words, because
//! `{rm,-rf,/}` is `rm -rf /`. The lexer is the parser's word reader (its
//! methods are the parser's) and uses the parser for command substitutions;
//! the parser uses only `braces`, so the imports go one way.

pub use super::braces::MAX_BRACE_WORDS;
use super::parser::{End, Parser};
use super::word::Word;

/// Positions (in `Word::text`) of unquoted `{`, `,` and `}`, kept while lexing.
#[derive(Default)]
struct Braces(Vec<usize>);

/// Bytes the word lexer treats one by one; every other byte (including all
/// of a multi-byte character) is plain text.
fn is_special(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\r'
            | b'\n'
            | b';'
            | b'&'
            | b'|'
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'\''
            | b'"'
            | b'\\'
            | b'$'
            | b'`'
            | b'*'
            | b'?'
            | b'['
            | b'{'
            | b','
            | b'}'
            | b'='
    )
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Parser<'_, '_> {
    /// Reads one word; `None` (consuming nothing) at an operator or the end.
    pub(crate) fn word(&mut self) -> Option<Word> {
        let start = self.pos;
        let mut w = Word::default();
        let mut braces = Braces::default();
        while !self.ctx.aborted {
            let Some(b) = self.peek() else { break };
            match b {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => {
                    break
                }
                b'\'' => {
                    w.quoted = true;
                    self.pos += 1;
                    match self.rest().find('\'') {
                        Some(end) => {
                            w.text.push_str(self.rest().get(..end).unwrap_or_default());
                            self.pos += end + 1;
                        }
                        None => {
                            let at = self.at(self.pos);
                            self.ctx.problem(at, "unterminated single quote");
                            w.text.push_str(self.rest());
                            self.pos = self.src.len();
                        }
                    }
                }
                b'"' => {
                    w.quoted = true;
                    self.pos += 1;
                    self.double_quoted(&mut w);
                }
                b'\\' => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b'\n') => self.pos += 1,
                        None => w.text.push('\\'),
                        Some(_) => {
                            w.quoted = true;
                            self.push_char(&mut w);
                        }
                    }
                }
                b'$' => self.dollar(&mut w),
                b'`' => self.backtick(&mut w),
                b'*' | b'?' => {
                    w.glob = true;
                    w.text.push(char::from(b));
                    self.pos += 1;
                }
                b'[' => {
                    // A bracket is a pattern only when a `]` closes it in the
                    // same word: `[` alone is the test command, `a[` a name.
                    w.glob |= self
                        .rest()
                        .as_bytes()
                        .iter()
                        .skip(1)
                        .take_while(|c| !c.is_ascii_whitespace() && !b";|&()<>".contains(c))
                        .any(|&c| c == b']');
                    w.text.push(char::from(b));
                    self.pos += 1;
                }
                b'{' | b',' | b'}' => {
                    braces.0.push(w.text.len());
                    w.text.push(char::from(b));
                    self.pos += 1;
                }
                b'=' => {
                    let bytes = w.text.as_bytes();
                    if w.assignment.is_none()
                        && !w.quoted
                        && !w.dynamic
                        && bytes.first().is_some_and(|&b| is_name_start(b))
                        && bytes.iter().all(|&b| is_name_byte(b))
                    {
                        w.assignment = Some(w.text.len());
                    }
                    w.text.push('=');
                    self.pos += 1;
                }
                _ => {
                    // The common case: a run of plain characters, copied at once.
                    let rest = self.rest().as_bytes();
                    let run = rest.iter().take_while(|b| !is_special(**b)).count();
                    match self.src.get(self.pos..self.pos + run) {
                        Some(plain) if run > 0 => {
                            w.text.push_str(plain);
                            self.pos += run;
                        }
                        _ => self.push_char(&mut w),
                    }
                }
            }
        }
        if self.pos == start {
            return None;
        }
        if !braces.0.is_empty() {
            w.braces = braces.0;
        }
        Some(w)
    }

    fn push_char(&mut self, w: &mut Word) {
        if let Some(c) = self.next_char() {
            w.text.push(c);
        }
    }

    /// The inside of `"…"`, after the opening quote.
    fn double_quoted(&mut self, w: &mut Word) {
        self.in_double_quotes += 1;
        self.double_quoted_body(w);
        self.in_double_quotes -= 1;
    }

    fn double_quoted_body(&mut self, w: &mut Word) {
        while !self.ctx.aborted {
            match self.peek() {
                None => {
                    let at = self.at(self.pos);
                    self.ctx.problem(at, "unterminated double quote");
                    return;
                }
                Some(b'"') => {
                    self.pos += 1;
                    return;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b'\n') => self.pos += 1,
                        Some(b'$' | b'`' | b'"' | b'\\') => self.push_char(w),
                        _ => w.text.push('\\'),
                    }
                }
                Some(b'$') => self.dollar(w),
                Some(b'`') => self.backtick(w),
                Some(_) => self.push_char(w),
            }
        }
    }

    /// Scans text in which only expansions matter (an unquoted heredoc body):
    /// every `$(…)` and backtick in it is parsed as commands.
    pub(crate) fn expansions_only(&mut self) {
        let mut scratch = Word::default();
        while !self.ctx.aborted {
            match self.peek() {
                None => return,
                Some(b'\\') => {
                    self.pos += 1;
                    self.advance_char();
                }
                Some(b'$') => self.dollar(&mut scratch),
                Some(b'`') => self.backtick(&mut scratch),
                Some(_) => self.advance_char(),
            }
            scratch.text.clear();
        }
    }

    /// An expansion starting at `$`.
    pub(crate) fn dollar(&mut self, w: &mut Word) {
        match self.peek_at(1) {
            Some(b'\'') => {
                self.pos += 2;
                w.quoted = true;
                self.ansi_c(w);
            }
            Some(b'"') => {
                self.pos += 2;
                w.quoted = true;
                self.double_quoted(w);
            }
            Some(b'(') if self.peek_at(2) == Some(b'(') => {
                self.pos += 3;
                self.arithmetic();
                w.dynamic = true;
                w.text.push_str("$((…))");
            }
            Some(b'(') => {
                self.pos += 2;
                self.via.push("$(…)".into());
                self.nested(|p| p.sequence(End::Paren));
                self.via.pop();
                w.dynamic = true;
                w.text.push_str("$(…)");
            }
            Some(b'{') => {
                self.pos += 2;
                self.braced_parameter(w);
            }
            Some(b) if is_name_start(b) => {
                self.pos += 1;
                let len = self.rest().bytes().take_while(|&b| is_name_byte(b)).count();
                let name = self.rest().get(..len).unwrap_or_default().to_owned();
                self.pos += len;
                self.parameter(w, &name);
            }
            Some(b) if b.is_ascii_digit() || b"?$!#@*-".contains(&b) => {
                self.pos += 2;
                self.special_parameter(w, b);
            }
            _ => {
                self.pos += 1;
                w.text.push('$');
            }
        }
    }

    /// `$1`…`$9`, `$@`, `$*`, `$#`: from an earlier `set -- …`, or unknown.
    fn special_parameter(&mut self, w: &mut Word, b: u8) {
        let value = match (&self.ctx.positional, b) {
            (Some(args), b'1'..=b'9') => {
                Some(args.get(usize::from(b - b'1')).cloned().unwrap_or_default())
            }
            (Some(args), b'@' | b'*') => Some(args.join(" ")),
            (Some(args), b'#') => Some(args.len().to_string()),
            _ => None,
        };
        match value {
            Some(value) => {
                // `"$@"` is one word per parameter even inside quotes.
                let split = b == b'@' || self.in_double_quotes == 0;
                self.push_expansion(w, &value, split);
            }
            None => {
                w.dynamic = true;
                w.text.push('$');
                w.text.push(char::from(b));
            }
        }
    }

    /// Appends an expansion's known value; unquoted, it is split into words later.
    fn push_expansion(&mut self, w: &mut Word, value: &str, split: bool) {
        let start = w.text.len();
        w.text.push_str(value);
        if split && !value.is_empty() {
            w.split.push((start, w.text.len()));
        }
    }

    /// The value of `$name`: home, a literal assigned earlier, `$IFS`, or unknown.
    fn parameter(&mut self, w: &mut Word, name: &str) {
        let unquoted = self.in_double_quotes == 0;
        if name == "HOME" {
            w.text.push_str("$HOME");
        } else if let Some(value) = self.ctx.vars.get(name) {
            let value = value.clone();
            self.push_expansion(w, &value, unquoted);
        } else if name == "IFS" {
            self.push_expansion(w, super::parser::DEFAULT_IFS, unquoted);
        } else {
            w.dynamic = true;
            w.text.push('$');
            w.text.push_str(name);
        }
    }

    /// `${…}` after its opening; expansions nested inside are parsed.
    fn braced_parameter(&mut self, w: &mut Word) {
        let start = self.pos;
        let mut inner = Word::default();
        let mut depth = 1usize;
        while !self.ctx.aborted {
            match self.peek() {
                None => {
                    let at = self.at(self.pos);
                    self.ctx.problem(at, "unterminated `${`");
                    break;
                }
                Some(b'}') => {
                    depth -= 1;
                    self.pos += 1;
                    if depth == 0 {
                        break;
                    }
                }
                Some(b'{') => {
                    depth += 1;
                    self.pos += 1;
                }
                Some(b'\'') => {
                    self.pos += 1;
                    let end = self.rest().find('\'').map_or(self.rest().len(), |e| e + 1);
                    self.pos += end;
                }
                Some(b'"') => {
                    self.pos += 1;
                    self.double_quoted(&mut inner);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.advance_char();
                }
                Some(b'$') => self.dollar(&mut inner),
                Some(b'`') => self.backtick(&mut inner),
                Some(_) => self.advance_char(),
            }
        }
        let body = self
            .src
            .get(start..self.pos.saturating_sub(1))
            .unwrap_or_default();
        let plain = !body.is_empty() && body.bytes().all(is_name_byte);
        if plain && body.bytes().next().is_some_and(is_name_start) {
            let name = body.to_owned();
            self.parameter(w, &name);
        } else {
            w.dynamic = true;
            w.text.push_str("${…}");
        }
    }

    /// `` `…` ``: the body, unescaped, is parsed as commands.
    pub(crate) fn backtick(&mut self, w: &mut Word) {
        let open = self.pos;
        self.pos += 1;
        let mut body = String::new();
        loop {
            match self.peek() {
                None => {
                    let at = self.at(open);
                    self.ctx.problem(at, "unterminated backtick");
                    break;
                }
                Some(b'`') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') if matches!(self.peek_at(1), Some(b'`' | b'\\' | b'$')) => {
                    self.pos += 1;
                    self.push_text_char(&mut body);
                }
                Some(_) => self.push_text_char(&mut body),
            }
        }
        w.dynamic = true;
        w.text.push_str("`…`");
        let span = match self.span {
            Some(span) => span,
            None => (open, self.pos),
        };
        let mut via = self.via.clone();
        via.push("`…`".into());
        let depth = self.depth + 1;
        let mut sub = Parser::new(&body, self.ctx, depth, Some(span), via);
        sub.parse();
    }

    /// Moves one character from the input to `out`.
    fn push_text_char(&mut self, out: &mut String) {
        if let Some(c) = self.next_char() {
            out.push(c);
        }
    }

    /// `$'…'` after its opening: C escapes decoded.
    fn ansi_c(&mut self, w: &mut Word) {
        loop {
            match self.peek() {
                None => {
                    let at = self.at(self.pos);
                    self.ctx.problem(at, "unterminated `$'`");
                    return;
                }
                Some(b'\'') => {
                    self.pos += 1;
                    return;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.ansi_c_escape(w);
                }
                Some(_) => self.push_char(w),
            }
        }
    }

    fn ansi_c_escape(&mut self, w: &mut Word) {
        let Some(b) = self.peek().filter(u8::is_ascii) else {
            // `\` before the end or before a non-ASCII character stays a backslash.
            w.text.push('\\');
            return;
        };
        self.pos += 1;
        let simple = match b {
            b'n' => Some('\n'),
            b't' => Some('\t'),
            b'r' => Some('\r'),
            b'a' => Some('\x07'),
            b'b' => Some('\x08'),
            b'e' | b'E' => Some('\x1b'),
            b'f' => Some('\x0c'),
            b'v' => Some('\x0b'),
            b'\\' => Some('\\'),
            b'\'' => Some('\''),
            b'"' => Some('"'),
            b'?' => Some('?'),
            _ => None,
        };
        if let Some(c) = simple {
            w.text.push(c);
            return;
        }
        let (radix, max) = match b {
            b'x' => (16, 2),
            b'u' => (16, 4),
            b'U' => (16, 8),
            b'0'..=b'7' => {
                self.pos -= 1;
                (8, 3)
            }
            _ => {
                w.text.push('\\');
                w.text.push(char::from(b));
                return;
            }
        };
        let digits: String = self
            .rest()
            .chars()
            .take(max)
            .take_while(|c| c.is_digit(radix))
            .collect();
        self.pos += digits.len();
        match u32::from_str_radix(&digits, radix)
            .ok()
            .and_then(char::from_u32)
        {
            Some(c) => w.text.push(c),
            None => {
                // `\x` with no digits, or an invalid code point: kept as written.
                w.text.push('\\');
                w.text.push(char::from(b));
            }
        }
    }
}
