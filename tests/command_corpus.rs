//! The public command corpus (`tests/data/corpus/commands.tsv`, a copy of the
//! shared one) and Portcullis's own cases (`commands_extra.tsv`), decided on
//! the default policy. Every line must hold: 100%.

mod common;

use portcullis::Engine;

fn run(file: &str) -> (usize, Vec<String>) {
    common::command_corpus(&Engine::default_policy().unwrap(), file)
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
