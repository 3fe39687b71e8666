//! Globs over names (`mcp__github__*`, `Bash`, `file_?`), as regular expressions.
//!
//! A glob is translated once, at compile time, into an anchored regular
//! expression so that every glob of a policy section joins the one
//! [`RegexSet`](super::RegexSet) automaton instead of being scanned in a loop.
//! `*` is any run of characters (possibly empty), `?` exactly one character;
//! everything else is literal.

/// The anchored regular expression equivalent to `glob`.
pub fn glob_to_regex(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len() + 8);
    out.push_str(r"\A(?s:");
    let mut literal = String::new();
    for c in glob.chars() {
        match c {
            '*' | '?' => {
                regex_syntax::escape_into(&literal, &mut out);
                literal.clear();
                out.push_str(if c == '*' { ".*" } else { "." });
            }
            other => literal.push(other),
        }
    }
    regex_syntax::escape_into(&literal, &mut out);
    out.push_str(r")\z");
    out
}

/// The anchored regular expression for a URL path glob: `**` is any run of
/// characters, `/` included; `*` any run within one segment (no `/`); `?`
/// one character other than `/`; everything else literal. A leading `**`
/// leaves the start unanchored instead of spelling out `\A.*` (the same
/// matches for a search, and a smaller automaton to build).
pub fn path_glob_to_regex(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len() + 16);
    out.push_str(r"\A(?s:");
    let mut literal = String::new();
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        let piece = match c {
            '*' if chars.peek() == Some(&'*') => {
                while chars.peek() == Some(&'*') {
                    chars.next();
                }
                ".*"
            }
            '*' => "[^/]*",
            '?' => "[^/]",
            other => {
                literal.push(other);
                continue;
            }
        };
        regex_syntax::escape_into(&literal, &mut out);
        literal.clear();
        out.push_str(piece);
    }
    regex_syntax::escape_into(&literal, &mut out);
    out.push_str(r")\z");
    drop_leading_any(out)
}

/// An anchored glob regex whose leading `**` is spelled `\A(?s:.*…` or
/// `\A(?s:.*)…`, without that prefix: an unanchored search already allows
/// anything before, and the automaton is smaller.
pub(crate) fn drop_leading_any(regex: String) -> String {
    if let Some(rest) = regex.strip_prefix(r"\A(?s:.*)") {
        return rest.to_owned();
    }
    match regex.strip_prefix(r"\A(?s:.*") {
        Some(rest) => format!("(?s:{rest}"),
        None => regex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::RegexSet;

    fn glob_matches(glob: &str, name: &str) -> bool {
        let set = RegexSet::new(&[glob_to_regex(glob)]).unwrap();
        let mut hit = false;
        set.for_each_match(name, |_| hit = true);
        hit
    }

    #[test]
    fn star_question_and_literals() {
        assert!(glob_matches("mcp__github__*", "mcp__github__delete_repo"));
        assert!(!glob_matches("mcp__github__*", "mcp__gitlab__delete_repo"));
        assert!(glob_matches("file_?", "file_a"));
        assert!(!glob_matches("file_?", "file_ab"));
        assert!(glob_matches("a.b", "a.b"));
        assert!(!glob_matches("a.b", "axb"), "dots are literal");
        assert!(!glob_matches("Bash", "Bash2"), "globs are anchored");
    }

    #[test]
    fn path_globs_stop_at_slashes_unless_doubled() {
        let m = |glob: &str, path: &str| {
            RegexSet::new(&[path_glob_to_regex(glob)])
                .unwrap()
                .is_match(path)
        };
        assert!(m("/repos/*/issues", "/repos/a/issues"));
        assert!(!m("/repos/*/issues", "/repos/a/b/issues"));
        assert!(m("/repos/*/issues", "/repos/a%2Fb/issues"));
        assert!(m("/v1/**", "/v1/a/b/c"));
        assert!(!m("/v1/**", "/v2/a"));
        assert!(m("/a.b", "/a.b") && !m("/a.b", "/axb"));
    }
}
