//! The conformance corpus every binding is held to: for each request of
//! `tests/data/conformance/requests.jsonl`, the decision JSON the Rust API
//! gives under the default policy is the line of `decisions.jsonl`, and the
//! C, Python and Go suites compare their own output with the same files. A
//! change of behaviour shows up here first; regenerate the expected files
//! with `PORTCULLIS_BLESS=1 cargo test --test conformance` and review the diff.

mod common;

use portcullis::{Engine, Request};

fn bless() -> bool {
    std::env::var_os("PORTCULLIS_BLESS").is_some()
}

fn check(name: &str, fresh: &str) {
    let path = common::data(&format!("conformance/{name}"));
    if bless() {
        std::fs::write(&path, fresh).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == fresh,
        "{} differs from what Rust decides now; rerun with PORTCULLIS_BLESS=1 and review the diff\n--- expected\n{expected}\n--- got\n{fresh}",
        path.display()
    );
}

#[test]
fn rust_decides_the_conformance_corpus_as_recorded() {
    let engine = Engine::default_policy().unwrap();
    let requests = common::read("conformance/requests.jsonl");
    let mut out = String::new();
    let mut n = 0;
    for line in requests.lines().filter(|l| !l.trim().is_empty()) {
        let request = Request::from_json(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        out.push_str(&engine.decide(&request).to_json());
        out.push('\n');
        n += 1;
    }
    assert!(
        n >= 50,
        "the corpus has {n} requests; at least 50 are required"
    );
    check("decisions.jsonl", &out);
}

#[test]
fn a_bad_policy_gives_the_recorded_message() {
    let policy = common::read("conformance/bad_policy.json");
    let err = Engine::from_json(&policy).unwrap_err().to_string();
    check("bad_policy.expected", &format!("{err}\n"));
}
