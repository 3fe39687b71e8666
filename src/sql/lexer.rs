//! A SQL tokenizer that knows only what a classifier needs: where words,
//! literals and statements begin and end.
//!
//! It recognizes `--` and `#` line comments (MySQL), nested `/* … */` block
//! comments (PostgreSQL nests them; MySQL's executable `/*! … */` comments
//! are read as code), single-quoted strings with `''` and, for `E'…'`,
//! backslash escapes, double-quoted, backquoted and bracketed identifiers,
//! dollar-quoted bodies (`$$ … $$`, `$tag$ … $tag$`), numbers, and
//! punctuation. Keywords are words; the classifier compares them
//! case-insensitively. An unterminated literal or comment runs to the end
//! of the text and is reported, so a classifier can fail closed. Cost: one
//! pass, no allocation (tokens borrow the text).

/// One token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// A bare word: keyword or identifier.
    Word(&'a str),
    /// A quoted identifier, without its quotes (escapes not undone).
    Quoted(&'a str),
    /// A string literal (or dollar-quoted body), without its quotes.
    String(&'a str),
    /// A number.
    Number(&'a str),
    /// `;`
    Semicolon,
    /// Any other punctuation character.
    Punct(char),
}

/// The tokens of `sql`, and whether a literal or comment was left open.
#[derive(Debug, Clone)]
pub struct Tokens<'a> {
    text: &'a str,
    at: usize,
    /// Set once an unterminated literal or comment was met.
    pub unterminated: bool,
}

/// Tokenizes `sql`.
pub fn tokens(sql: &str) -> Tokens<'_> {
    Tokens {
        text: sql,
        at: 0,
        unterminated: false,
    }
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

impl<'a> Tokens<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.at..).unwrap_or_default()
    }

    /// Byte offset of the next token (after whitespace and comments are skipped).
    pub fn offset(&self) -> usize {
        self.at
    }

    /// Skips whitespace and comments.
    fn skip(&mut self) {
        loop {
            // Fast path: most tokens follow one ASCII space or nothing.
            match self.text.as_bytes().get(self.at) {
                Some(b' ')
                    if !matches!(
                        self.text.as_bytes().get(self.at + 1),
                        Some(b' ' | b'\t' | b'\n' | b'\r' | b'-' | b'#' | b'/' | b'*') | None
                    ) =>
                {
                    self.at += 1;
                    return;
                }
                Some(b)
                    if b.is_ascii_alphanumeric()
                        || matches!(b, b'\'' | b'"' | b'(' | b')' | b',' | b'.' | b';' | b'=') =>
                {
                    return
                }
                _ => {}
            }
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.at += rest.len() - trimmed.len();
            let rest = self.rest();
            if rest.starts_with("--") || rest.starts_with('#') {
                match rest.find('\n') {
                    Some(n) => self.at += n + 1,
                    None => self.at = self.text.len(),
                }
            } else if rest.starts_with("/*!") {
                // MySQL executable comment: its body is code.
                self.at += 3;
                while self.rest().starts_with(|c: char| c.is_ascii_digit()) {
                    self.at += 1;
                }
            } else if rest.starts_with("/*") {
                let mut depth = 0usize;
                let bytes = rest.as_bytes();
                let mut i = 0;
                let mut closed = false;
                while i + 1 < bytes.len() {
                    match (bytes.get(i), bytes.get(i + 1)) {
                        (Some(b'/'), Some(b'*')) => {
                            depth += 1;
                            i += 2;
                        }
                        (Some(b'*'), Some(b'/')) => {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                closed = true;
                                break;
                            }
                        }
                        _ => i += 1,
                    }
                }
                if closed {
                    self.at += i;
                } else {
                    self.unterminated = true;
                    self.at = self.text.len();
                }
            } else if rest.starts_with("*/") {
                // The end of a `/*!` executable comment.
                self.at += 2;
            } else {
                return;
            }
        }
    }

    /// Reads up to the closing `quote` (doubled quotes escape it; with
    /// `backslash`, `\` escapes the next character).
    fn quoted(&mut self, quote: char, backslash: bool) -> &'a str {
        let start = self.at;
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            if backslash && c == '\\' {
                chars.next();
                continue;
            }
            if c == quote {
                let rest = self
                    .text
                    .get(start + i + c.len_utf8()..)
                    .unwrap_or_default();
                if rest.starts_with(quote) && quote != ']' {
                    chars.next();
                    continue;
                }
                self.at = start + i + c.len_utf8();
                return self.text.get(start..start + i).unwrap_or_default();
            }
        }
        self.unterminated = true;
        self.at = self.text.len();
        self.text.get(start..).unwrap_or_default()
    }

    /// A dollar-quoted body starting at `$`, or `None` when `$` starts no tag.
    fn dollar(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        let tag_len = rest
            .get(1..)?
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map(|n| n + 2)?;
        let tag = rest.get(..tag_len)?;
        if !tag.ends_with('$')
            || tag
                .get(1..2)
                .is_some_and(|c| c.starts_with(|d: char| d.is_ascii_digit()))
        {
            return None;
        }
        let body_start = self.at + tag_len;
        let body = self.text.get(body_start..)?;
        match body.find(tag) {
            Some(end) => {
                self.at = body_start + end + tag_len;
                body.get(..end)
            }
            None => {
                self.unterminated = true;
                self.at = self.text.len();
                Some(body)
            }
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        self.skip();
        let rest = self.rest();
        let c = rest.chars().next()?;
        let start = self.at;
        if (c == 'E' || c == 'e') && rest.get(1..2) == Some("'") {
            self.at += 2;
            return Some(Token::String(self.quoted('\'', true)));
        }
        if (c == 'N' || c == 'n' || c == 'X' || c == 'x' || c == 'B' || c == 'b')
            && rest.get(1..2) == Some("'")
        {
            self.at += 2;
            return Some(Token::String(self.quoted('\'', false)));
        }
        if is_word_start(c) {
            let len = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
            self.at += len;
            return Some(Token::Word(rest.get(..len).unwrap_or_default()));
        }
        if c.is_ascii_digit() {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                .unwrap_or(rest.len());
            self.at += len;
            return Some(Token::Number(rest.get(..len).unwrap_or_default()));
        }
        self.at += c.len_utf8();
        Some(match c {
            '\'' => Token::String(self.quoted('\'', false)),
            '"' => Token::Quoted(self.quoted('"', false)),
            '`' => Token::Quoted(self.quoted('`', false)),
            '[' => Token::Quoted(self.quoted(']', false)),
            '$' => {
                self.at = start;
                match self.dollar() {
                    Some(body) => Token::String(body),
                    None => {
                        self.at = start + 1;
                        Token::Punct('$')
                    }
                }
            }
            ';' => Token::Semicolon,
            other => Token::Punct(other),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(sql: &str) -> Vec<String> {
        tokens(sql)
            .map(|t| match t {
                Token::Word(w) => w.to_owned(),
                Token::Quoted(q) => format!("\"{q}\""),
                Token::String(s) => format!("'{s}'"),
                Token::Number(n) => n.to_owned(),
                Token::Semicolon => ";".into(),
                Token::Punct(c) => c.to_string(),
            })
            .collect()
    }

    #[test]
    fn comments_strings_and_quotes_hide_their_contents() {
        assert_eq!(
            words("select 'drop table x; --' -- drop table y\n/* drop /* nested */ table */ from \"t;x\""),
            ["select", "'drop table x; --'", "from", "\"t;x\""]
        );
        assert_eq!(
            words("select $$drop table x;$$, $f$ ; $f$"),
            ["select", "'drop table x;'", ",", "' ; '"]
        );
        assert_eq!(
            words("select E'it\\'s; drop', 'a''b'"),
            ["select", "'it\\'s; drop'", ",", "'a''b'"]
        );
        assert_eq!(
            words("select `a;b`, [c;d] # x\n;"),
            ["select", "\"a;b\"", ",", "\"c;d\"", ";"]
        );
    }

    #[test]
    fn mysql_executable_comments_are_code() {
        assert_eq!(words("/*!40101 DROP TABLE t */"), ["DROP", "TABLE", "t"]);
    }

    #[test]
    fn unterminated_literals_are_reported() {
        let mut t = tokens("select 'abc");
        while t.next().is_some() {}
        assert!(t.unterminated);
        let mut t = tokens("select 1 /* open");
        while t.next().is_some() {}
        assert!(t.unterminated);
    }
}
