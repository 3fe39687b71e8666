//! The public command corpus (`tests/data/corpus/commands.tsv`, a copy of the
//! shared one) and Portcullis's own cases (`commands_extra.tsv`), decided on
//! the default policy. Every line must hold: 100%. `corpus/round2/` holds
//! the second round's cases, one file per class of bypass.

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

/// Every class file of the second round passes completely, a third of its
/// cases benign look-alikes. The floor grows with the classes closed (the
/// issue's target is 400 cases across all twelve classes).
#[test]
fn second_round_classes_pass_completely() {
    let engine = Engine::default_policy().unwrap();
    let dir = common::data("corpus/round2");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    files.sort();
    let (mut total, mut allows, mut report) = (0, 0, Vec::new());
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let rel = format!("corpus/round2/{name}");
        let (cases, failures) = common::command_corpus(&engine, &rel);
        total += cases;
        allows += allowed_lines(&rel);
        assert!(cases >= 10, "{name} has only {cases} cases");
        if !failures.is_empty() {
            report.push(format!(
                "{name}: {} of {cases} failed:\n{}",
                failures.len(),
                failures.join("\n")
            ));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
    assert!(total >= 450, "only {total} second-round cases");
    assert!(
        allows * 3 >= total,
        "only {allows} of {total} second-round cases are benign look-alikes"
    );
}

/// Issue 27's classes (defaults for real work): at least 300 cases, at
/// least half of them everyday commands that must stay allowed.
#[test]
fn real_work_cases_are_mostly_everyday_and_hold() {
    let engine = Engine::default_policy().unwrap();
    let (mut total, mut allows) = (0, 0);
    for name in [
        "real_work",
        "everyday",
        "production",
        "consequential",
        "local_dev",
    ] {
        let rel = format!("corpus/round2/{name}.tsv");
        let (cases, failures) = common::command_corpus(&engine, &rel);
        assert!(failures.is_empty(), "{name}: {}", failures.join("\n"));
        total += cases;
        allows += allowed_lines(&rel);
    }
    assert!(total >= 300, "only {total} issue 27 cases");
    assert!(
        allows * 2 >= total,
        "only {allows} of {total} issue 27 cases are allowed"
    );
}

/// How many cases of the corpus file `rel` must be allowed.
fn allowed_lines(rel: &str) -> usize {
    common::read(rel)
        .lines()
        .filter(|l| l.starts_with("allow\t"))
        .count()
}
