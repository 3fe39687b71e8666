//! The small data tables embedded in the binary: TOML files of named string
//! lists (`routes.toml`, `access.toml`).
//!
//! Each table is parsed once, on first use, into its lists. A table that
//! does not parse yields empty lists rather than a panic at decision time;
//! the unit test below parses every table, so a broken one fails the build's
//! tests instead. Cost: one parse per table per process.

/// Named string lists from one embedded TOML table.
pub(crate) struct Lists(toml::Table);

impl Lists {
    /// Parses `text` (empty lists when it does not parse).
    pub(crate) fn parse(text: &str) -> Lists {
        Lists(text.parse().unwrap_or_default())
    }

    /// The strings of list `key` (empty when absent).
    pub(crate) fn get(&self, key: &str) -> Vec<String> {
        self.0
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_embedded_table_parses() {
        for text in [
            include_str!("tool/routes.toml"),
            include_str!("paths/access.toml"),
            include_str!("secrets/detectors.toml"),
            include_str!("audit/redaction.toml"),
            include_str!("hook/agents.toml"),
        ] {
            assert!(text.parse::<toml::Table>().is_ok());
        }
    }
}
