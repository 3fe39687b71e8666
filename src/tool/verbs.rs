//! Destructive verbs in tool names: `delete_volume`, `volumeDelete`,
//! `DeleteVolume`, `volume-delete`, `mcp__db__drop_table`.
//!
//! A tool's name is split into words at `_`, `-`, `.`, `/`, `:` and spaces
//! and at lowercase-to-uppercase and acronym boundaries (`DBDrop` → `db`,
//! `drop`), each word lowercased and looked up in the verb list
//! (`destructive_verbs.txt`). Matching whole words keeps `dropdown_list`
//! and `reset_password_hint`-like names honest only as far as words go: a
//! name that *says* it resets is treated as resetting. Cost: one pass over
//! the name, one hash lookup per word (`name_words`), no allocation. The
//! verbs of change (`change_verbs.txt`: apply, scale, deploy, exec, …) are
//! a second list read the same way, for `changing_name`.

const VERBS: &str = include_str!("destructive_verbs.txt");
const CHANGE_VERBS: &str = include_str!("change_verbs.txt");

/// Reads `destructive_verbs.txt` (through [`crate::data`]).
pub(crate) fn load() -> Result<Vec<&'static str>, String> {
    crate::data::lines("destructive_verbs.txt", VERBS)
}

/// Reads `change_verbs.txt` (through [`crate::data`]): the words that say a
/// tool changes something that runs (`kubectl_apply`, `scaleDeployment`).
pub(crate) fn load_change() -> Result<Vec<&'static str>, String> {
    crate::data::lines("change_verbs.txt", CHANGE_VERBS)
}

/// A list read on first use into `cell`; empty when it does not load (the
/// unit test of [`crate::data`] loads every list).
fn cached(
    cell: &'static std::sync::OnceLock<Vec<&'static str>>,
    load: fn() -> Result<Vec<&'static str>, String>,
) -> &'static [&'static str] {
    cell.get_or_init(|| load().unwrap_or_default())
}

/// The destructive verbs.
pub(crate) fn verbs() -> &'static [&'static str] {
    static LIST: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    cached(&LIST, load)
}

/// The change verbs.
pub(crate) fn change_verbs() -> &'static [&'static str] {
    static LIST: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    cached(&LIST, load_change)
}


/// Calls `word` with each word of a tool name, in order.
pub fn words<'a>(name: &'a str, mut word: impl FnMut(&'a str)) {
    let bytes = name.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes.get(i).copied().unwrap_or(b'_');
        let separator = matches!(c, b'_' | b'-' | b'.' | b'/' | b':' | b' ');
        let prev = i.checked_sub(1).and_then(|p| bytes.get(p)).copied();
        let next = bytes.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if separator || boundary {
            if let Some(w) = name.get(start..i) {
                if !w.is_empty() {
                    word(w);
                }
            }
            start = if separator { i + 1 } else { i };
        }
        i += 1;
    }
    if let Some(w) = name.get(start..) {
        if !w.is_empty() {
            word(w);
        }
    }
}

/// The first destructive verb in a tool's name, if any.
pub fn destructive_verb(name: &str) -> Option<&str> {
    let mut found = None;
    words(name, |w| {
        if found.is_none() && super::name_words::is_destructive(w) {
            found = Some(w);
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_style_is_split_into_words() {
        let split = |n: &str| {
            let mut v = Vec::new();
            words(n, |w| v.push(w.to_ascii_lowercase()));
            v
        };
        assert_eq!(split("volumeDelete"), ["volume", "delete"]);
        assert_eq!(split("DeleteVolume"), ["delete", "volume"]);
        assert_eq!(split("delete_volume"), ["delete", "volume"]);
        assert_eq!(split("volume-delete"), ["volume", "delete"]);
        assert_eq!(split("mcp__db__DBDrop"), ["mcp", "db", "db", "drop"]);
    }

    #[test]
    fn destructive_names_are_recognized_and_others_are_not() {
        for name in [
            "volumeDelete",
            "delete_volume",
            "DeleteVolume",
            "volume-delete",
            "mcp__pg__drop_table",
            "server/purgeCache",
            "TRUNCATE",
        ] {
            assert!(destructive_verb(name).is_some(), "{name}");
        }
        for name in [
            "list_volumes",
            "dropdown",
            "deleted_items_count",
            "Read",
            "mcp__github__create_issue",
        ] {
            assert!(destructive_verb(name).is_none(), "{name}");
        }
    }
}
