//! The public command corpus (`tests/data/corpus/commands.tsv`, a copy of the
//! shared one) and Portcullis's own cases (`commands_extra.tsv`), decided on
//! the default policy. Every line must hold: 100%.

mod common;

use portcullis::{Effect, Engine};

fn run(file: &str) -> (usize, Vec<String>) {
    let engine = Engine::default_policy().unwrap();
    let text = common::read(file);
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

#[test]
fn public_command_corpus_passes_completely() {
    let (cases, failures) = run("corpus/commands.tsv");
    assert!(cases >= 130, "corpus has only {cases} cases");
    assert!(
        failures.is_empty(),
        "{} of {cases} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn own_command_cases_pass_completely() {
    let (cases, failures) = run("corpus/commands_extra.tsv");
    assert!(cases >= 100, "only {cases} cases");
    assert!(
        failures.is_empty(),
        "{} of {cases} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
