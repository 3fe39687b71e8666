//! Package names in install arguments: `requests[socks]==2.31`,
//! `@scope/name@^1`, `serde@1.0`, `github.com/o/r/...@v1`.
//!
//! A typosquat check compares the *name* a package manager will resolve, so
//! version specifiers, extras and markers are cut off first, and the name is
//! brought to the form its registry compares names in (PyPI folds case and
//! runs of `-_.`, crates.io folds case and `-`/`_`). Arguments that are not
//! registry names — paths, URLs, archives, `git+…`, GitHub shorthands — name
//! no package here and give `None`: they are not looked up at all.
//!
//! Cost: one scan of the word and at most one small allocation.

use std::borrow::Cow;

/// A package registry whose popular names are known (`src/command/popular/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Ecosystem {
    /// Python: pip, uv, poetry, pipx, pdm.
    Pypi,
    /// JavaScript: npm, yarn, pnpm, bun.
    Npm,
    /// Rust: cargo add/install.
    Crates,
    /// Ruby: gem install, bundle add.
    Rubygems,
    /// Go modules: go get/install.
    Go,
}

impl Ecosystem {
    /// Every ecosystem, in policy-name order.
    pub const ALL: [Ecosystem; 5] = [
        Ecosystem::Pypi,
        Ecosystem::Npm,
        Ecosystem::Crates,
        Ecosystem::Rubygems,
        Ecosystem::Go,
    ];

    /// The name used in policies (`"packages_near_popular": "pypi"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Pypi => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Crates => "crates",
            Ecosystem::Rubygems => "rubygems",
            Ecosystem::Go => "go",
        }
    }

    /// The ecosystem with that policy name.
    pub fn from_name(name: &str) -> Option<Ecosystem> {
        Ecosystem::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// The registry name an install argument asks for, in the registry's
/// comparison form; `None` when the argument is not a registry name.
pub fn package_name(ecosystem: Ecosystem, word: &str) -> Option<Cow<'_, str>> {
    if word.is_empty() || word.starts_with(['-', '.', '/', '~', '$']) || word.contains("://") {
        return None;
    }
    match ecosystem {
        Ecosystem::Pypi => pypi(word),
        Ecosystem::Npm => npm(word),
        Ecosystem::Crates => crates(word),
        Ecosystem::Rubygems => rubygems(word),
        Ecosystem::Go => go(word),
    }
}

/// True for archives and other files named by extension.
fn is_file(word: &str) -> bool {
    const FILES: &[&str] = &[
        ".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".egg", ".gem", ".txt", ".toml", ".crate",
    ];
    let lower = word.to_ascii_lowercase();
    FILES.iter().any(|ext| lower.ends_with(ext))
}

/// `name[extra]>=1; python_version<"3"` → `name`, folded as PEP 503 folds.
fn pypi(word: &str) -> Option<Cow<'_, str>> {
    if is_file(word) || word.contains(['/', ':']) {
        return None;
    }
    let end = word
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(word.len());
    let name = word.get(..end)?.trim_end_matches(['-', '_', '.']);
    if name.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !out.is_empty() {
            out.push('-');
        }
        separator = false;
        out.push(c.to_ascii_lowercase());
    }
    Some(Cow::Owned(out))
}

/// `@scope/name@^1`, `name@latest`, `alias@npm:real@1` → the registry name.
fn npm(word: &str) -> Option<Cow<'_, str>> {
    let word = match word.split_once("@npm:") {
        Some((_, real)) => real,
        None => word,
    };
    if word.contains(':') || is_file(word) {
        return None;
    }
    let (scope, rest) = match word.strip_prefix('@') {
        Some(rest) => {
            let (scope, name) = rest.split_once('/')?;
            (Some(scope), name)
        }
        // `user/repo` is a GitHub shorthand, not a registry name.
        None if word.contains('/') => return None,
        None => (None, word),
    };
    let name = rest.split('@').next().unwrap_or_default();
    if name.is_empty() || name.contains('/') || scope.is_some_and(str::is_empty) {
        return None;
    }
    let full = match scope {
        Some(scope) => format!("@{scope}/{name}"),
        None => name.to_owned(),
    };
    Some(Cow::Owned(full.to_ascii_lowercase()))
}

/// `serde@1.0`, `serde_json` → folded as crates.io folds (`-` for `_`).
fn crates(word: &str) -> Option<Cow<'_, str>> {
    if word.contains(['/', ':']) || is_file(word) {
        return None;
    }
    let name = word.split('@').next().unwrap_or_default();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return None;
    }
    Some(Cow::Owned(name.to_ascii_lowercase().replace('_', "-")))
}

/// `rails`, `rails:7.1` (`gem install name:version`) → the gem name.
fn rubygems(word: &str) -> Option<Cow<'_, str>> {
    if word.contains('/') || is_file(word) {
        return None;
    }
    let name = word.split(':').next().unwrap_or_default();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return None;
    }
    Some(Cow::Owned(name.to_ascii_lowercase()))
}

/// `github.com/o/r/cmd/x@v1`, `golang.org/x/tools/...` → the import path,
/// without version or `/...`.
fn go(word: &str) -> Option<Cow<'_, str>> {
    let path = word.split('@').next().unwrap_or_default();
    let path = path.strip_suffix("/...").unwrap_or(path);
    let host = path.split('/').next().unwrap_or_default();
    // A module path starts with a domain (`example.com/…`); `std`, `./x` and `all` are not fetched.
    if !host.contains('.') || !path.contains('/') {
        return None;
    }
    Some(Cow::Owned(path.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(e: Ecosystem, w: &str) -> Option<String> {
        package_name(e, w).map(Cow::into_owned)
    }

    #[test]
    fn names_lose_versions_extras_and_markers() {
        use Ecosystem::*;
        assert_eq!(name(Pypi, "Requests[socks]==2.31").as_deref(), Some("requests"));
        assert_eq!(name(Pypi, "python_dateutil>=2").as_deref(), Some("python-dateutil"));
        assert_eq!(name(Pypi, "zope.interface").as_deref(), Some("zope-interface"));
        assert_eq!(name(Npm, "@Types/node@^20").as_deref(), Some("@types/node"));
        assert_eq!(name(Npm, "lodash@latest").as_deref(), Some("lodash"));
        assert_eq!(name(Npm, "lo@npm:lodash@4").as_deref(), Some("lodash"));
        assert_eq!(name(Crates, "serde_json@1").as_deref(), Some("serde-json"));
        assert_eq!(name(Rubygems, "rails:7.1").as_deref(), Some("rails"));
        assert_eq!(
            name(Go, "github.com/spf13/cobra/...@v1.8.0").as_deref(),
            Some("github.com/spf13/cobra")
        );
    }

    #[test]
    fn paths_urls_and_archives_are_not_names() {
        use Ecosystem::*;
        for (e, w) in [
            (Pypi, "."),
            (Pypi, "./pkg"),
            (Pypi, "dist/x-1.0-py3-none-any.whl"),
            (Pypi, "git+https://github.com/o/r"),
            (Pypi, "requirements.txt"),
            (Npm, "user/repo"),
            (Npm, "file:../x"),
            (Npm, "github:o/r"),
            (Npm, "x.tgz"),
            (Crates, "--path"),
            (Go, "./cmd/x"),
            (Go, "all"),
            (Pypi, "$PKG"),
        ] {
            assert_eq!(name(e, w), None, "{w}");
        }
    }
}
