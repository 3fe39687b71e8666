//! Paths as rules see them.
//!
//! `rm -rf $HOME/`, `rm -rf ~`, `rm -rf /home/me/../me` and `rm -rf //home/me/.`
//! name the same directory. [`normalize_path`] gives each path one spelling:
//! `$HOME` and `${HOME}` become `~`, repeated slashes collapse, `.` segments
//! go, `..` is resolved lexically where that stays inside the path, and the
//! trailing slash is dropped. A rule's path glob becomes a regular expression
//! in [`crate::pattern::glob_to_path_regex`], with every other glob dialect;
//! [`glob_directory`] stays here because it reads a shell argument, not a
//! rule, and answers with a normalized path. What an argument with a shell
//! glob or an unknown part can name is decided in the matcher, not here.
//! Cost: one pass over the path, one allocation.

/// The working directory after `command` (a `cd` or `pushd`), given the one
/// before: a known absolute or home path, or unknown.
pub(crate) fn change_directory(
    cwd: Option<String>,
    unknown: bool,
    command: &super::SimpleCommand,
) -> (Option<String>, bool) {
    let Some(target) = command.positionals.first() else {
        return (Some("~".into()), false);
    };
    if target.dynamic || target.glob || target.text == "-" {
        return (None, true);
    }
    let text = target.text.as_str();
    if text.starts_with(['/', '~']) || text.starts_with("$HOME") {
        return (Some(normalize_path(text)), false);
    }
    match cwd {
        Some(base) => (Some(join(&base, text)), false),
        None => (None, unknown),
    }
}

/// `relative` resolved against the directory `base`, normalized.
pub(crate) fn join(base: &str, relative: &str) -> String {
    normalize_path(&format!("{base}/{relative}"))
}

/// The one spelling of a path.
pub fn normalize_path(path: &str) -> String {
    let path = if let Some(rest) = path.strip_prefix("$HOME") {
        format!("~{rest}")
    } else {
        path.to_owned()
    };
    let (root, body) = if let Some(rest) = path.strip_prefix('/') {
        ("/", rest)
    } else if path == "~" || path.starts_with("~/") {
        (
            "~/",
            path.get(1..).unwrap_or_default().trim_start_matches('/'),
        )
    } else {
        ("", path.as_str())
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in body.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                // `..` above an absolute root stays at the root; above a relative start it is kept.
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if root.is_empty() {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (root, joined.is_empty()) {
        ("/", true) => "/".into(),
        ("~/", true) => "~".into(),
        (_, true) => ".".into(),
        (root, false) => format!("{root}{joined}"),
    }
}

/// The directory a shell glob argument lists: everything before the segment
/// holding the first wildcard (`/etc/ngin*` lists `/etc`; `*` lists `.`).
pub fn glob_directory(path: &str) -> String {
    let first_wild = path.find(['*', '?', '[']).unwrap_or(path.len());
    let before = path.get(..first_wild).unwrap_or(path);
    match before.rfind('/') {
        Some(0) => "/".into(),
        Some(slash) => normalize_path(before.get(..slash).unwrap_or_default()),
        None if before.starts_with('~') => "~".into(),
        None => ".".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_have_one_spelling() {
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("//usr//"), "/usr");
        assert_eq!(normalize_path("/usr/../etc/./x/"), "/etc/x");
        assert_eq!(normalize_path("/.."), "/");
        assert_eq!(normalize_path("$HOME/"), "~");
        assert_eq!(normalize_path("~/Documents/"), "~/Documents");
        assert_eq!(normalize_path("./build"), "build");
        assert_eq!(normalize_path("../x"), "../x");
        assert_eq!(normalize_path("a/../../b"), "../b");
        assert_eq!(normalize_path("."), ".");
    }

    #[test]
    fn glob_directories() {
        assert_eq!(glob_directory("/*"), "/");
        assert_eq!(glob_directory("/etc/ngin*"), "/etc");
        assert_eq!(glob_directory("~/*"), "~");
        assert_eq!(glob_directory("*.tmp"), ".");
        assert_eq!(glob_directory("/home/**"), "/home");
    }
}
