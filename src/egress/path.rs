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
//! not `%3d`) and normalizing twice changes nothing. Cost: one pass; no
//! allocation when the path has no `%`.

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
        return Cow::Borrowed(path);
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
}
