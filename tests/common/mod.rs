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
