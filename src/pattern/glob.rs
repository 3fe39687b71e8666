//! Every glob dialect of the crate, each translated to an anchored regular
//! expression.
//!
//! A glob is translated once, at compile time, into an anchored regular
//! expression so that every glob of a policy section joins the one
//! [`RegexSet`](super::RegexSet) automaton instead of being scanned in a loop.
//! There are three dialects, because names, URL paths and file paths split
//! differently; in all three, every other character is literal (`.`, `[`,
//! `{` included) and the whole text must match:
//!
//! | dialect | function | `*` | `**` | `?` |
//! |---|---|---|---|---|
//! | names (tool, program, server, SQL, GraphQL field) | [`glob_to_regex`] | any run, possibly empty | two `*`: the same as `*` | one character |
//! | URL paths (egress `paths`) | [`path_glob_to_regex`] | any run without `/`; a trailing `/*` also matches the directory itself | any run, `/` included; a trailing `/**` also matches the directory itself | one character other than `/` |
//! | file paths (path rules, command path arguments) | [`glob_to_path_regex`] | any run without `/` | any run, `/` included; a trailing `/**` also matches the directory itself | one character other than `/` |
//!
//! The file-path dialect also reads the glob in the spelling paths are
//! given in: a leading `$HOME` is `~` and a trailing `/` is dropped. A
//! leading `**` in either path dialect leaves the regex unanchored at the
//! start rather than spelling out `\A.*` (the same matches for a search, a
//! smaller automaton). Cost: one pass over the glob; nothing at match time
//! beyond the automaton.

/// The anchored regular expression for a name glob: `*` is any run of
/// characters (possibly empty), `?` exactly one character.
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
/// one character other than `/`; everything else literal. A trailing `/**`
/// or `/*` also matches the directory itself (`/p/**` and `/p/*` match
/// `/p`), and a glob that ends in neither `/` nor `*` also matches the path
/// with a trailing `/` (`/p` matches `/p/`). A leading `**`
/// leaves the start unanchored instead of spelling out `\A.*` (the same
/// matches for a search, and a smaller automaton to build).
pub fn path_glob_to_regex(glob: &str) -> String {
    // A trailing `/**` or `/*` also names the directory itself: a rule on
    // `/admin/**` covers `/admin`, as a server routes both to one handler.
    let (body, tail) = if let Some(body) = glob.strip_suffix("/**").filter(|b| !b.is_empty()) {
        (body, "(?:/.*)?")
    } else if let Some(body) = glob
        .strip_suffix("/*")
        .filter(|b| !b.is_empty() && !b.ends_with('*'))
    {
        (body, "(?:/[^/]*)?")
    } else if glob.ends_with(['/', '*']) {
        (glob, "")
    } else {
        // A trailing `/` on the path names the same resource.
        (glob, "/?")
    };
    let mut out = String::with_capacity(glob.len() + 16);
    out.push_str(r"\A(?s:");
    let mut literal = String::new();
    let mut chars = body.chars().peekable();
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
    out.push_str(tail);
    out.push_str(r")\z");
    drop_leading_any(out)
}

/// The anchored regular expression for a file-path glob: `*` and `?` stop
/// at `/`, `**` crosses it, and a trailing `/**` also matches the directory
/// itself. The glob is first put in the spelling of normalized paths
/// (`$HOME` is `~`, no trailing slash).
pub fn glob_to_path_regex(glob: &str) -> String {
    // The glob in the spelling of normalized paths: `$HOME` is `~`, no
    // trailing slash. One allocation: a policy has hundreds of these, and a
    // one-decision process translates them all.
    let (home, glob) = match glob.strip_prefix("$HOME") {
        Some(rest) => ("~", rest),
        None => ("", glob),
    };
    let whole_len = home.len() + glob.len();
    let glob = if whole_len > 1 {
        glob.trim_end_matches('/')
    } else {
        glob
    };
    let (body, subtree) = match glob.strip_suffix("/**") {
        Some(body) if !(home.is_empty() && body.is_empty()) => (body, true),
        _ => (glob, false),
    };
    let mut out = String::with_capacity(body.len() * 2 + 16);
    let mut chars = home.chars().chain(body.chars()).peekable();
    // A leading `**`: the search is unanchored anyway (see `drop_leading_any`).
    if home.is_empty() && body.starts_with("**") {
        chars.next();
        chars.next();
    } else {
        out.push_str(r"\A");
    }
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str("(?s:.*)");
            }
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            other => {
                if regex_syntax::is_meta_character(other) {
                    out.push('\\');
                }
                out.push(other);
            }
        }
    }
    if subtree {
        out.push_str("(?s:/.*)?");
    }
    out.push_str(r"\z");
    out
}

/// An anchored glob regex whose leading `**` is spelled `\A(?s:.*…` or
/// `\A(?s:.*)…`, without that prefix: an unanchored search already allows
/// anything before, and the automaton is smaller.
fn drop_leading_any(regex: String) -> String {
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
        assert!(m("/v1/**", "/v1") && m("/v1/**", "/v1/"));
        assert!(!m("/v1/**", "/v1x"));
        assert!(m("/v1/*", "/v1") && m("/v1/*", "/v1/a") && !m("/v1/*", "/v1/a/b"));
        assert!(!m("/v1/*", "/v1x"));
        assert!(m("**/admin/**", "/x/admin") && m("/**", "/"));
        assert!(m("/graphql", "/graphql/") && !m("/graphql", "/graphql//"));
        assert!(!m("/graphql", "/graphqlx") && m("/", "/"));
        assert!(m("/a.b", "/a.b") && !m("/a.b", "/axb"));
    }

    #[test]
    fn file_path_globs_cover_the_directory_of_a_trailing_double_star() {
        let m = |glob: &str, path: &str| {
            RegexSet::new(&[glob_to_path_regex(glob)])
                .unwrap()
                .is_match(path)
        };
        assert!(m("~/.ssh/**", "~/.ssh"));
        assert!(m("~/.ssh/**", "~/.ssh/id_rsa"));
        assert!(!m("~/.ssh/**", "~/.sshx"));
        assert!(m("$HOME/.aws/", "~/.aws"));
        assert!(m("/etc/*", "/etc/passwd") && !m("/etc/*", "/etc/ssl/certs"));
        assert!(m("**/.env", "./.env") && m("**/.env", "/srv/app/.env"));
        assert!(m("/tmp/file?", "/tmp/file1") && !m("/tmp/file?", "/tmp/file/"));
        assert!(m("/", "/") && !m("/", "/etc"));
    }

    /// The file-path translation as first written (a normalized copy, a
    /// literal buffer, the leading `**` stripped afterwards): the one-pass
    /// version must give the very same regex text for every glob.
    fn reference_path_regex(glob: &str) -> String {
        let glob = match glob.strip_prefix("$HOME") {
            Some(rest) => format!("~{rest}"),
            None => glob.to_owned(),
        };
        let glob = if glob.len() > 1 {
            glob.trim_end_matches('/').to_owned()
        } else {
            glob
        };
        let (body, subtree) = match glob.strip_suffix("/**") {
            Some(body) if !body.is_empty() => (body.to_owned(), true),
            _ => (glob.clone(), false),
        };
        let mut out = String::from(r"\A");
        let mut chars = body.chars().peekable();
        let mut literal = String::new();
        let flush = |literal: &mut String, out: &mut String| {
            regex_syntax::escape_into(literal, out);
            literal.clear();
        };
        while let Some(c) = chars.next() {
            match c {
                '*' if chars.peek() == Some(&'*') => {
                    chars.next();
                    flush(&mut literal, &mut out);
                    out.push_str("(?s:.*)");
                }
                '*' => {
                    flush(&mut literal, &mut out);
                    out.push_str("[^/]*");
                }
                '?' => {
                    flush(&mut literal, &mut out);
                    out.push_str("[^/]");
                }
                other => literal.push(other),
            }
        }
        flush(&mut literal, &mut out);
        if subtree {
            out.push_str("(?s:/.*)?");
        }
        out.push_str(r"\z");
        drop_leading_any(out)
    }

    #[test]
    fn the_file_path_translation_is_the_reference_one() {
        let pieces = [
            "", "/", "//", "*", "**", "***", "?", "~", "$HOME", "a", ".", "(", "[x]", "é", "/**",
            "**/", "x/", "$HOMEx",
        ];
        let mut globs: Vec<String> = Vec::new();
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    globs.push(format!("{a}{b}{c}"));
                }
            }
        }
        for policy in crate::defaults::PARTS {
            let value: serde_json::Value = serde_json::from_str(policy.1).unwrap();
            for rule in value["paths"].as_array().into_iter().flatten() {
                for key in ["paths", "not_paths"] {
                    for g in rule[key].as_array().into_iter().flatten() {
                        globs.push(g.as_str().unwrap().to_owned());
                    }
                }
            }
            for rule in value["commands"].as_array().into_iter().flatten() {
                for key in ["args_any", "writes_any"] {
                    for g in rule[key].as_array().into_iter().flatten() {
                        globs.push(g.as_str().unwrap().to_owned());
                    }
                }
            }
        }
        assert!(globs.len() > 5000);
        for g in &globs {
            assert_eq!(glob_to_path_regex(g), reference_path_regex(g), "{g:?}");
        }
    }
}
