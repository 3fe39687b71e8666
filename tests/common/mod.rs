//! Helpers shared by the integration tests: where the test data lives.

#![allow(dead_code)]

use std::path::PathBuf;

/// `tests/data/<rel>`.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// The text of `tests/data/<rel>`.
pub fn read(rel: &str) -> String {
    std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

/// Decides every line of a command corpus (`expect<TAB>command`; expect is
/// `block`, `allow`, `deny` or `ask`) with `engine`; returns the number of
/// cases and one line per failure.
#[allow(dead_code)]
pub fn command_corpus(engine: &portcullis::Engine, file: &str) -> (usize, Vec<String>) {
    use portcullis::Effect;
    let text = read(file);
    let mut failures = Vec::new();
    let mut cases = 0;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() || line.starts_with("expect\t") {
            continue;
        }
        let (expect, command) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("bad line {line:?}"));
        let command = command.replace("\\n", "\n");
        let d = engine.check_command(&command);
        let ok = match expect {
            "block" => d.effect != Effect::Allow,
            "allow" => d.effect == Effect::Allow,
            "deny" => d.effect == Effect::Deny,
            "ask" => d.effect == Effect::Ask,
            other => panic!("unknown expectation {other:?}"),
        };
        if !ok {
            failures.push(format!(
                "{expect}\t{command:?}\n    got {} by {} ({})",
                d.effect,
                d.rule.as_deref().unwrap_or("-"),
                d.reason
            ));
        }
        cases += 1;
    }
    (cases, failures)
}

/// A scratch directory under the system temp dir, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A fresh, empty directory named after `label`, the process and the thread.
    pub fn new(label: &str) -> Scratch {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "portcullis-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// `<dir>/<name>`.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Verifies the single-file audit trail at `path` against its anchor.
pub fn verify_trail(
    path: &std::path::Path,
) -> Result<portcullis::audit::Verified, portcullis::audit::VerifyError> {
    let anchor = portcullis::audit::chain::read_anchor(path).unwrap();
    portcullis::audit::verify_files(&[path.to_path_buf()], anchor, false, None)
}

/// Runs the `portcullis` binary with `args`, `stdin` written to it, and
/// collects its exit status, stdout and stderr.
pub fn portcullis_with_stdin(args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run portcullis");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait for portcullis")
}
