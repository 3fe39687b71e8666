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

/// A request's working directory as the analysis uses it: `cwd`
/// normalized, when it is absolute (at most 4 KiB, no NUL). `None`
/// otherwise: the line is then analyzed as if no directory were known.
pub fn working_directory(cwd: &str) -> Option<String> {
    if !cwd.starts_with('/') || cwd.len() > 4096 || cwd.contains('\0') {
        return None;
    }
    let dir = normalize_path(cwd);
    (!dir.split('/').any(|s| s == "..")).then_some(dir)
}

/// True when the working directory `dir` (normalized, absolute) is a
/// project root: not a place whose insides are protected as a whole — the
/// root, a top-level or system directory, a home directory itself
/// (`not_project_roots.txt`).
pub fn is_project_root(dir: &str) -> bool {
    dir.matches('/').count() >= 2 && !not_project_roots().iter().any(|pattern| glob_matches(pattern, dir))
}

/// The part of `path` (normalized, absolute) strictly inside the project
/// `root`, unless it is the project's `.git` or inside it: `build/out` for
/// `/srv/app/build/out` in `/srv/app`.
pub fn in_project<'p>(root: &str, path: &'p str) -> Option<&'p str> {
    let rest = path.strip_prefix(root)?.strip_prefix('/')?;
    let first = rest.split('/').next().unwrap_or_default();
    (!rest.is_empty() && first != ".git" && first != "..").then_some(rest)
}

/// `not_project_roots.txt`: directories that are never a project root.
fn not_project_roots() -> &'static [String] {
    static ROOTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| load_not_project_roots().unwrap_or_default())
}

/// Reads `not_project_roots.txt` (through [`crate::data`]).
pub(crate) fn load_not_project_roots() -> Result<Vec<String>, String> {
    let rows = crate::data::tsv::<1>("not_project_roots.txt", include_str!("not_project_roots.txt"))?;
    Ok(rows.into_iter().map(|[p]| p.to_owned()).collect())
}

/// True when the `/`-segment glob `pattern` names `path`: `*` is one
/// segment, a final `**` the directory and everything below it.
fn glob_matches(pattern: &str, path: &str) -> bool {
    let (mut p, mut s) = (pattern.split('/'), path.split('/'));
    loop {
        match (p.next(), s.next()) {
            (None, None) | (Some("**"), _) => return true,
            (Some(a), Some(b)) if a == "*" || a == b => {}
            _ => return false,
        }
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
    fn a_project_root_is_a_directory_whose_insides_are_not_protected_whole() {
        for dir in ["/srv/app", "/opt/app", "/var/www/app", "/home/dev/app", "/root/app", "/tmp/build", "/Users/ann/code/site"] {
            assert!(is_project_root(dir), "{dir}");
        }
        for dir in ["/", "/srv", "/opt", "/home/dev", "/Users/ann", "/etc/nginx", "/usr/local/src/app", "/var/lib/postgresql", "/var/log/app", "/proc/1"] {
            assert!(!is_project_root(dir), "{dir}");
        }
    }

    #[test]
    fn paths_inside_the_project_are_relative_but_its_root_parents_and_git_are_not() {
        assert_eq!(in_project("/srv/app", "/srv/app/build"), Some("build"));
        assert_eq!(in_project("/srv/app", "/srv/app/web/.next/cache"), Some("web/.next/cache"));
        assert_eq!(in_project("/srv/app", "/srv/app"), None);
        assert_eq!(in_project("/srv/app", "/srv"), None);
        assert_eq!(in_project("/srv/app", "/srv/app/.git"), None);
        assert_eq!(in_project("/srv/app", "/srv/app/.git/hooks"), None);
        assert_eq!(in_project("/srv/app", "/srv/apps/x"), None);
        assert_eq!(in_project("/srv/app", "/srv/app/.github/workflows"), Some(".github/workflows"));
    }

    #[test]
    fn a_working_directory_is_absolute_and_bounded() {
        assert_eq!(working_directory("/srv//app/./web/"), Some("/srv/app/web".into()));
        assert_eq!(working_directory("/srv/app/../other"), Some("/srv/other".into()));
        assert_eq!(working_directory("srv/app"), None);
        assert_eq!(working_directory("~/app"), None);
        assert_eq!(working_directory("/srv/app\0x"), None);
        assert_eq!(working_directory(&format!("/{}", "a".repeat(5000))), None);
    }


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
