//! The one way embedded data tables are read.
//!
//! The crate ships its knowledge as data files next to the code that uses
//! them, compiled in with `include_str!`: TOML tables (`programs.toml`,
//! `http_clients.toml`, `routes.toml`, `channels.toml`, `access.toml`, `detectors.toml`,
//! `redaction.toml`, `agents.toml`, `runners.toml`, `deployments.toml`) and tab-separated lists (`schemes.tsv`,
//! `packs.tsv`, `destructive_verbs.txt`, `change_verbs.txt`, `not_project_roots.txt`, one-column lists). Every one of
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
//!
//! The default-policy snapshot ([`snapshot`], `src/defaults/snapshot.bin`)
//! carries the larger tables as JSON, made from their TOML: [`toml()`]
//! deserializes a table from there when the snapshot has an entry for its
//! name whose fingerprint is that of the table's text (several times
//! cheaper than parsing the TOML), and from the TOML otherwise. Both give
//! the same value: the entry is the TOML's data model written as JSON, and
//! a test compares the two for every table.

use std::sync::OnceLock;

use serde::de::DeserializeOwned;

pub(crate) mod snapshot;
// Shared with `build.rs`, which uses all of it; the crate only hashes.
#[cfg(any(test, feature = "internals"))]
#[allow(dead_code)]
pub(crate) mod snapshot_inputs;

pub(crate) use snapshot::fingerprint;

/// Deserializes the embedded TOML table `text` (named `name` in errors) into `T`.
pub(crate) fn toml<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, String> {
    // The entry's JSON is checked as UTF-8 once, not string by string.
    if let Some(json) = snapshot_table(name, text).and_then(|j| std::str::from_utf8(j).ok()) {
        if let Ok(value) = serde_json::from_str(json) {
            return Ok(value);
        }
    }
    ::toml::from_str(text).map_err(|e| format!("{name}: {e}"))
}

/// One table of the snapshot's tables section: its name, the fingerprint
/// of the TOML text it was made from, and that text's data as JSON.
#[derive(serde::Serialize, serde::Deserialize)]
struct TableEntry<'a> {
    name: &'a str,
    text: u64,
    #[serde(borrow)]
    json: &'a [u8],
}

/// The snapshot's JSON for table `name`, if it was made from `text`.
fn snapshot_table(name: &str, text: &str) -> Option<&'static [u8]> {
    static TABLES: OnceLock<Vec<TableEntry<'static>>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        snapshot::section(snapshot::Section::Tables)
            .and_then(|bytes| postcard::from_bytes(bytes).ok())
            .unwrap_or_default()
    });
    let entry = tables.iter().find(|t| t.name == name)?;
    (entry.text == fingerprint(text.as_bytes())).then_some(entry.json)
}

/// The tables section of a snapshot: each `(name, TOML text)` as JSON.
#[cfg(any(test, feature = "internals"))]
pub(crate) fn encode_tables(tables: &[(&str, &str)]) -> Result<Vec<u8>, String> {
    let mut json = Vec::new();
    for (name, text) in tables {
        let value: serde_json::Value =
            ::toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
        json.push(serde_json::to_vec(&value).map_err(|e| format!("{name}: {e}"))?);
    }
    let entries: Vec<TableEntry<'_>> = tables
        .iter()
        .zip(&json)
        .map(|((name, text), json)| TableEntry {
            name,
            text: fingerprint(text.as_bytes()),
            json,
        })
        .collect();
    postcard::to_allocvec(&entries).map_err(|e| format!("encoding the tables: {e}"))
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
        let results: [(&str, Result<(), String>); 16] = [
            ("programs.toml", crate::command::tables::load().map(drop)),
            ("http_clients.toml", crate::command::http::load().map(drop)),
            ("routes.toml", crate::tool::route_table::load().map(drop)),
            ("channels.toml", crate::tool::channels::load().map(drop)),
            ("access.toml", crate::paths::access::load().map(drop)),
            ("detectors.toml", crate::secrets::load().map(drop)),
            ("redaction.toml", crate::audit::record::load().map(drop)),
            ("agents.toml", crate::hook::load().map(drop)),
            ("runners.toml", crate::command::runners::load().map(drop)),
            (
                "deployments.toml",
                crate::command::deployment::load().map(drop),
            ),
            (
                "destructive_verbs.txt",
                crate::tool::verbs::load().map(drop),
            ),
            (
                "change_verbs.txt",
                crate::tool::verbs::load_change().map(drop),
            ),
            (
                "secret_variables.txt",
                crate::secrets::variables::load().map(drop),
            ),
            ("schemes.tsv", crate::egress::url::load().map(drop)),
            (
                "not_project_roots.txt",
                crate::command::paths::load_not_project_roots().map(drop),
            ),
            ("packs.tsv", crate::defaults::load().map(drop)),
        ];
        for (name, result) in results {
            assert_eq!(result, Ok(()), "{name}");
        }
    }

    #[test]
    fn every_snapshot_table_is_its_toml_as_json() {
        // The tables `toml()` reads from the snapshot give what the TOML
        // gives: the same data model, so any struct deserializes alike.
        for (name, path) in snapshot_inputs::TABLES {
            let text = std::fs::read_to_string(path).unwrap();
            let json = snapshot_table(name, &text)
                .unwrap_or_else(|| panic!("{name}: not in the snapshot (run `make snapshot`)"));
            let from_json: serde_json::Value = serde_json::from_slice(json).unwrap();
            let from_toml: serde_json::Value = ::toml::from_str(&text).unwrap();
            assert_eq!(from_json, from_toml, "{name}");
            assert!(
                snapshot_table(name, &format!("{text}\n")).is_none(),
                "{name}: an entry is used only for the text it was made from"
            );
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
