//! The inputs of the default-policy snapshot and their hash: one list,
//! read by `build.rs` (which includes this file with `#[path]`) to refuse a
//! stale snapshot, and by the snapshot generator to record the hash.
//!
//! The inputs are every file the snapshot is made from or whose change
//! would make it read differently: the default policy's parts and the rest
//! of `src/defaults/` (but the snapshot itself), the tables the snapshot
//! embeds, the code that reads policy text into the model and the files
//! declaring the model's rule types (their layout is the snapshot's binary
//! layout; a change of layout elsewhere, such as in the hook settings the
//! model holds, is caught at run time by the model's layout witness), and
//! the code that makes and reads the container and the literal gates.
//! The hash is SHA-256 over each file's path (relative, `/`-separated),
//! length and contents, in path order. Cost: reading and hashing well under
//! a megabyte, in `build.rs` only (the library never calls it at run time).
//!
//! This file is compiled twice, as a module of the crate and inside
//! `build.rs`, so it uses nothing but `std` and `sha2`.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The snapshot file, relative to the crate root.
pub const SNAPSHOT: &str = "src/defaults/snapshot.bin";

/// The command that remakes the snapshot (named in build errors).
pub const REGENERATE: &str = "make snapshot";

/// Directories whose every file is an input (recursively; the snapshot itself excepted).
pub const INPUT_DIRS: &[&str] = &["src/defaults", "src/policy/reader"];

/// Single files that are inputs.
pub const INPUT_FILES: &[&str] = &[
    // Reading and composing the parts into the model, and the model.
    "src/policy/mod.rs",
    "src/policy/builtin.rs",
    "src/policy/compose.rs",
    "src/policy/model.rs",
    "src/policy/reader.rs",
    "src/policy/source.rs",
    "src/policy/snapshot.rs",
    // The rule types the model holds (their serde layout is the snapshot's).
    "src/command/rule.rs",
    "src/tool/rule.rs",
    "src/paths/rule.rs",
    "src/sql/rule.rs",
    "src/session/rule.rs",
    "src/pattern/name_pattern.rs",
    "src/effect.rs",
    // The container and the literal gates of the regex sets.
    "src/data/snapshot.rs",
    "src/pattern/gates.rs",
];

/// The embedded tables the snapshot carries as JSON: the name the loader
/// gives (`crate::data::toml`) and the file, relative to the crate root.
pub const TABLES: &[(&str, &str)] = &[
    ("programs.toml", "src/command/programs.toml"),
    ("http_clients.toml", "src/command/http_clients.toml"),
    ("routes.toml", "src/tool/routes.toml"),
    ("channels.toml", "src/tool/channels.toml"),
    ("access.toml", "src/paths/access.toml"),
    ("detectors.toml", "src/secrets/detectors.toml"),
    ("agents.toml", "src/hook/agents.toml"),
    ("redaction.toml", "src/audit/redaction.toml"),
    ("runners.toml", "src/command/runners.toml"),
    ("deployments.toml", "src/command/deployments.toml"),
];

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(root.join(dir))? {
        let entry = entry?;
        let relative = dir.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            walk(root, &relative, out)?;
        } else {
            out.push(relative);
        }
    }
    Ok(())
}

/// Every input, relative to `root` (the crate root), sorted.
pub fn inputs(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for dir in INPUT_DIRS {
        walk(root, Path::new(dir), &mut out)?;
    }
    out.extend(INPUT_FILES.iter().map(PathBuf::from));
    out.extend(TABLES.iter().map(|(_, path)| PathBuf::from(path)));
    let snapshot = Path::new(SNAPSHOT);
    out.retain(|p| p != snapshot);
    out.sort();
    out.dedup();
    Ok(out)
}

/// The path as hashed: relative, with `/` separators on every platform.
fn key(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The SHA-256 of the inputs under `root`.
pub fn inputs_hash(root: &Path) -> io::Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    for path in inputs(root)? {
        let bytes = std::fs::read(root.join(&path))?;
        let name = key(&path);
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hasher.finalize().into())
}

/// The hash as lowercase hex, for messages.
pub fn hex(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy of every input under a scratch root.
    fn copy_inputs(to: &Path) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for path in inputs(root).unwrap() {
            let target = to.join(&path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(root.join(&path), target).unwrap();
        }
        std::fs::create_dir_all(to.join("src/defaults")).unwrap();
    }

    #[test]
    fn the_committed_snapshot_records_the_hash_of_its_inputs() {
        // What `build.rs` checks: it fails the build when this does not hold.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(root.join(SNAPSHOT)).unwrap();
        assert_eq!(
            crate::data::snapshot::inputs_hash_of(&bytes),
            Some(inputs_hash(root).unwrap()),
            "{SNAPSHOT} is stale: run `{REGENERATE}`"
        );
    }

    #[test]
    fn any_change_to_an_input_changes_the_hash_and_the_snapshot_does_not() {
        let dir = std::env::temp_dir().join(format!("portcullis-inputs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        copy_inputs(&dir);
        let original = inputs_hash(&dir).unwrap();
        assert_eq!(
            original,
            inputs_hash(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap()
        );

        // The snapshot itself is not an input.
        std::fs::write(dir.join(SNAPSHOT), b"anything").unwrap();
        assert_eq!(inputs_hash(&dir).unwrap(), original);

        // A pack gaining a rule, a new part file, a table edit, a reader edit.
        let pack = dir.join("src/defaults/packs/git.json");
        let text = std::fs::read_to_string(&pack).unwrap();
        std::fs::write(&pack, text.replacen("\"id\"", "\"id\" ", 1)).unwrap();
        let edited = inputs_hash(&dir).unwrap();
        assert_ne!(edited, original);
        std::fs::write(&pack, &text).unwrap();
        assert_eq!(inputs_hash(&dir).unwrap(), original);

        std::fs::write(dir.join("src/defaults/packs/new.json"), b"{}").unwrap();
        assert_ne!(inputs_hash(&dir).unwrap(), original);
        std::fs::remove_file(dir.join("src/defaults/packs/new.json")).unwrap();

        for file in ["src/command/programs.toml", "src/policy/reader.rs"] {
            let path = dir.join(file);
            let text = std::fs::read(&path).unwrap();
            std::fs::write(&path, [text.as_slice(), b"\n"].concat()).unwrap();
            assert_ne!(inputs_hash(&dir).unwrap(), original, "{file}");
            std::fs::write(&path, &text).unwrap();
        }
        assert_eq!(inputs_hash(&dir).unwrap(), original);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
