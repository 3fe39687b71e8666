//! The one way embedded data tables are read.
//!
//! The crate ships its knowledge as data files next to the code that uses
//! them, compiled in with `include_str!`: TOML tables (`programs.toml`,
//! `http_clients.toml`, `routes.toml`, `access.toml`, `detectors.toml`,
//! `redaction.toml`, `agents.toml`) and tab-separated lists (`schemes.tsv`,
//! `packs.tsv`, `destructive_verbs.txt`, a one-column list). Every one of
//! them is read here, two ways:
//! - [`toml()`]: a TOML table deserialized with serde into the typed struct
//!   its module declares (`#[serde(deny_unknown_fields)]` there, so a
//!   misspelled key is an error, not a silently empty list);
//! - [`tsv()`]: rows of tab-separated columns, a fixed number per table, with
//!   `#` comment lines and blank lines skipped; a one-column table is a list
//!   of lines.
//!
//! Both return an error naming the table and what was wrong instead of
//! panicking. Each module decides what a table that does not load means at
//! decision time (fail closed where that matters: commands `ask`), and the
//! unit test below loads every table through its module's loader, so a
//! broken table fails the test suite rather than a decision. The policy
//! files of `defaults/` are policies, not tables: the policy reader reads
//! them. Cost: one parse per table per process, on first use.

use serde::de::DeserializeOwned;

/// Deserializes the embedded TOML table `text` (named `name` in errors) into `T`.
pub(crate) fn toml<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, String> {
    ::toml::from_str(text).map_err(|e| format!("{name}: {e}"))
}

/// The rows of the embedded tab-separated table `text` (named `name` in
/// errors), `N` columns each. Lines that are blank or start with `#` are
/// skipped; each column is trimmed of surrounding whitespace; the last
/// column is the rest of the line, tabs included. A row with fewer than `N`
/// columns is an error naming its line.
pub(crate) fn tsv<'a, const N: usize>(
    name: &str,
    text: &'a str,
) -> Result<Vec<[&'a str; N]>, String> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut columns = line.splitn(N, '\t').map(str::trim);
        let mut row = [""; N];
        for slot in &mut row {
            *slot = columns
                .next()
                .ok_or_else(|| format!("{name}:{}: expected {N} tab-separated columns", n + 1))?;
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The entries of an embedded one-column list: [`tsv`] with one column.
pub(crate) fn lines<'a>(name: &str, text: &'a str) -> Result<Vec<&'a str>, String> {
    Ok(tsv::<1>(name, text)?
        .into_iter()
        .map(|[line]| line)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_table_loads() {
        let results: [(&str, Result<(), String>); 10] = [
            ("programs.toml", crate::command::tables::load().map(drop)),
            ("http_clients.toml", crate::command::http::load().map(drop)),
            ("routes.toml", crate::tool::route::load().map(drop)),
            ("access.toml", crate::paths::access::load().map(drop)),
            ("detectors.toml", crate::secrets::load().map(drop)),
            ("redaction.toml", crate::audit::record::load().map(drop)),
            ("agents.toml", crate::hook::load().map(drop)),
            (
                "destructive_verbs.txt",
                crate::tool::verbs::load().map(drop),
            ),
            ("schemes.tsv", crate::egress::url::load().map(drop)),
            ("packs.tsv", crate::defaults::load().map(drop)),
        ];
        for (name, result) in results {
            assert_eq!(result, Ok(()), "{name}");
        }
    }

    #[test]
    fn tsv_rows_skip_comments_and_keep_the_rest_in_the_last_column() {
        let text = "# a comment\n\na\t1\tone\ttwo\n  \nb\t2\tthree\n";
        let rows = tsv::<3>("t", text).unwrap();
        assert_eq!(rows, vec![["a", "1", "one\ttwo"], ["b", "2", "three"]]);
        assert_eq!(
            tsv::<3>("t", "a\t1\n"),
            Err("t:1: expected 3 tab-separated columns".to_owned())
        );
        assert_eq!(
            lines("t", "# x\n drop \n\nwipe\n").unwrap(),
            ["drop", "wipe"]
        );
    }

    #[test]
    fn toml_errors_name_the_table() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        struct T {
            #[allow(dead_code)]
            a: Vec<String>,
        }
        let err = toml::<T>("x.toml", "b = []").unwrap_err();
        assert!(err.starts_with("x.toml: "), "{err}");
    }
}
