//! The normalized form of a URL path, the one path rules see.
//!
//! The URL parser has already resolved dot segments (`/a/./b/../c`, and their
//! percent-encoded spellings `%2e`, `.%2E`) and turned `\` into `/` for
//! web schemes. What it leaves is percent-encoding: `/%61dmin` and `/admin`
//! are the same resource to every server, so unreserved characters (RFC 3986:
//! letters, digits, `-`, `.`, `_`, `~`) are decoded and every other escape is
//! written with uppercase hex. Everything else stays encoded; in particular
//! `%2F` stays distinct from `/`, because servers disagree on whether it
//! separates segments, so a path glob's `*` never crosses it as `/` and
//! never treats it as one. A `%` that starts no escape is written `%25`, so
//! that decoding can never make a new escape out of it (`%3%64` is `%253d`,
//! not `%3d`) and normalizing twice changes nothing. Empty segments collapse:
//! `/a//b` is `/a/b` for matching, as nginx (`merge_slashes`), Go's
//! `net/http` and most frameworks route it. Cost: one pass; no allocation
//! when the path has no `%` and no `//`.
//!
//! Some origin servers decode more than that, and a rule written for the
//! path they serve can be walked around with the spellings they decode
//! ([`strict_path`], the policy's opt-in `inspection.paths = "strict"`):
//!
//! | server family | what it also reads as the same path |
//! |---|---|
//! | Java servlet containers (Tomcat, Jetty, Spring, Undertow) | `;params` in a segment dropped (`/admin;x=1/users` is `/admin/users`) |
//! | nginx (no `proxy_pass` URI), Apache with `AllowEncodedSlashes On`, Envoy `unescape_slashes` | `%2F` is `/`, then dot segments resolve (`/a%2F..%2Fadmin` is `/admin`) |
//! | IIS, ASP.NET, Windows file servers | `\` and `%5C` are `/` |
//!
//! Strict mode reads a path as the union of those: what any of them would
//! serve. It can only make more rules match (an allow rule too: a strict
//! policy writes its allows for the decoded spelling).

use std::borrow::Cow;

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn upper_hex(n: u8) -> char {
    char::from_digit(u32::from(n), 16)
        .unwrap_or('0')
        .to_ascii_uppercase()
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Decodes percent-escapes of unreserved characters and uppercases the rest.
pub fn normalize_path(path: &str) -> Cow<'_, str> {
    if !path.contains('%') {
        return collapse_empty_segments(Cow::Borrowed(path));
    }
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let pair = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            );
            if let (Some(hi), Some(lo)) = pair {
                let decoded = hi * 16 + lo;
                if unreserved(decoded) {
                    out.push(char::from(decoded));
                } else {
                    out.push('%');
                    out.push(upper_hex(hi));
                    out.push(upper_hex(lo));
                }
                i += 3;
                continue;
            }
            // A `%` that starts no escape: write it as one.
            out.push_str("%25");
            i += 1;
            continue;
        }
        // The input is a URL path: ASCII after the URL parser, so one byte is one char.
        out.push(char::from(b));
        i += 1;
    }
    collapse_empty_segments(Cow::Owned(out))
}

/// `path` with every run of `/` written as one.
fn collapse_empty_segments(path: Cow<'_, str>) -> Cow<'_, str> {
    if !path.contains("//") {
        return path;
    }
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && out.ends_with('/')) {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The path a server that decodes more would serve, from a normalized path
/// (see the module doc): `;params` dropped from every segment, `%2F`, `%5C`
/// and `\` read as `/`, then dot segments resolved (never above the root)
/// and empty segments collapsed. Applying it twice changes nothing. Cost:
/// one pass and one allocation when the path has any of `;`, `%2F`, `%5C`,
/// `\`, `/.`; none otherwise.
pub fn strict_path(path: &str) -> Cow<'_, str> {
    let separator_escape = path.as_bytes().windows(3).any(|w| {
        matches!(w, [b'%', b'2', b'f' | b'F'] | [b'%', b'5', b'c' | b'C'])
    });
    if !separator_escape && !path.contains([';', '\\']) && !path.contains("/.") {
        return Cow::Borrowed(path);
    }
    // Separators first: `%2F`, `%5C` and `\` all become `/`.
    let mut decoded = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(c) = rest.chars().next() {
        let escape = rest.get(..3).map(str::to_ascii_uppercase);
        if matches!(escape.as_deref(), Some("%2F" | "%5C")) {
            decoded.push('/');
            rest = rest.get(3..).unwrap_or_default();
            continue;
        }
        decoded.push(if c == '\\' { '/' } else { c });
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    // Then segments: parameters dropped, dot segments resolved.
    let mut segments: Vec<&str> = Vec::new();
    let trailing = decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/..");
    for segment in decoded.split('/') {
        let segment = segment.split_once(';').map_or(segment, |(name, _)| name);
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            name => segments.push(name),
        }
    }
    let mut out = String::with_capacity(decoded.len());
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() || trailing {
        out.push('/');
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_escapes_decode_and_others_uppercase() {
        assert_eq!(normalize_path("/%61dmin/%7euser"), "/admin/~user");
        assert_eq!(normalize_path("/a%2fb"), "/a%2Fb");
        assert_eq!(normalize_path("/a%2Fb%3a"), "/a%2Fb%3A");
        assert_eq!(normalize_path("/plain"), "/plain");
        assert_eq!(normalize_path("/bad%zz%4"), "/bad%25zz%254");
        assert_eq!(normalize_path("/a/%3%64"), "/a/%253d");
        let once = normalize_path("/a/%3%64%");
        assert_eq!(normalize_path(&once), once);
    }

    #[test]
    fn empty_segments_collapse() {
        assert_eq!(normalize_path("/a//b"), "/a/b");
        assert_eq!(normalize_path("//a///b//"), "/a/b/");
        assert_eq!(normalize_path("/%61//b"), "/a/b");
        assert!(matches!(normalize_path("/a/b"), Cow::Borrowed(_)));
    }

    #[test]
    fn strict_paths_read_what_decoding_servers_serve() {
        for (raw, want) in [
            ("/admin;jsessionid=1/users", "/admin/users"),
            ("/admin;x", "/admin"),
            ("/a%2Fb", "/a/b"),
            ("/a%2f..%2fadmin", "/admin"),
            ("/a%5Cb", "/a/b"),
            ("/a\\..\\admin", "/admin"),
            ("/..%2F..%2Fetc", "/etc"),
            ("/api/%2F/x/", "/api/x/"),
            ("/a/b%2F.", "/a/b/"),
            (";", "/"),
            ("/plain/path", "/plain/path"),
        ] {
            let got = strict_path(raw);
            assert_eq!(got, want, "{raw}");
            assert_eq!(strict_path(&got), got, "twice: {raw}");
        }
    }
}
