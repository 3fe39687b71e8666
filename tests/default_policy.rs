//! The embedded default policy compiles and decides the cases listed in
//! `tests/data/default_egress.tsv`.

mod common;

use portcullis::{Effect, Engine};

#[test]
fn default_policy_compiles_and_has_a_name() {
    let engine = Engine::default_policy().unwrap();
    assert_eq!(engine.name(), Some("portcullis-default"));
    assert!(engine.rule_count() > 0);
}

#[test]
fn default_policy_egress_corpus() {
    let engine = Engine::default_policy().unwrap();
    let corpus = common::read("default_egress.tsv");
    let mut cases = 0;
    let mut failures = Vec::new();
    for line in corpus
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split('\t').collect();
        let [expect, method, url, rule] = fields[..] else {
            panic!("malformed corpus line: {line:?}");
        };
        // The corpus writes control characters as escapes so they survive editors.
        let url = url.replace("\\r", "\r").replace("\\n", "\n");
        let expect: Effect = serde_json::from_value(serde_json::Value::from(expect)).unwrap();
        let d = engine.check_http(method, &url);
        let got_rule = d.rule.as_deref().unwrap_or("-");
        if d.effect != expect || got_rule != rule {
            failures.push(format!(
                "{method} {url:?}: want {expect} by {rule}, got {} by {got_rule} ({})",
                d.effect, d.reason
            ));
        }
        cases += 1;
    }
    assert!(cases >= 40, "corpus too small: {cases}");
    assert!(
        failures.is_empty(),
        "{} of {cases} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn default_policy_has_no_lint_warnings() {
    let (_, warnings) = Engine::builder()
        .built_in()
        .lint(true)
        .build_with_warnings()
        .unwrap();
    let warnings: Vec<String> = warnings.iter().map(|d| d.to_string()).collect();
    assert!(warnings.is_empty(), "{}", warnings.join("\n"));
}

/// `Engine::default_policy()` skips the examples check and builds its
/// automata on first use, for start-up time; this is the proof that both
/// would pass: the same policy compiled eagerly, every automaton built and
/// every rule's examples checked.
#[test]
fn default_policy_compiles_eagerly_with_every_example_passing() {
    let policy = portcullis::defaults::policy().unwrap();
    let eager = Engine::builder()
        .policy(&policy)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let lazy = Engine::default_policy().unwrap();
    assert_eq!(eager.policy_hash(), lazy.policy_hash());
    assert_eq!(eager.rule_count(), lazy.rule_count());
    for command in ["rm -rf /", "ls", "cat ~/.ssh/id_rsa", "git push --force"] {
        assert_eq!(
            eager.check_command(command),
            lazy.check_command(command),
            "{command}"
        );
    }
}
