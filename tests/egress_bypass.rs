//! The egress bypass corpus: every spelling of a destination decides as the
//! destination does (`tests/data/egress/bypass.tsv`, under
//! `tests/data/policies/egress-bypass.json`), and every spelling of a path
//! decides as the path does, in the standard and the strict path mode
//! (`tests/data/egress/paths.tsv`, under `tests/data/policies/egress-paths.json`).

use std::collections::BTreeMap;

use portcullis::{Effect, Engine, HttpRequest};

fn field(f: &str) -> Option<String> {
    (f != "-").then(|| f.to_owned())
}

#[test]
fn bypass_corpus_decides_as_expected() {
    let policy = include_str!("data/policies/egress-bypass.json");
    let engine = Engine::from_json(policy).expect("corpus policy compiles");
    let corpus = include_str!("data/egress/bypass.tsv");
    let mut failures = Vec::new();
    let mut classes = BTreeMap::new();
    let mut total = 0;
    for (n, line) in corpus.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [expect, method, target, host, sni, body, class, note] = cols[..] else {
            panic!("line {}: expected 8 tab-separated columns: {line:?}", n + 1);
        };
        let expect: Effect = expect.parse().expect("effect");
        total += 1;
        *classes.entry(class).or_insert(0) += 1;
        let mut headers = BTreeMap::new();
        if let Some(host) = field(host) {
            headers.insert("Host".to_owned(), host);
        }
        let mut request = HttpRequest::new(target).with_method(method);
        request.headers = headers;
        request.body = field(body);
        request.sni = field(sni);
        let d = engine.check_http_request(&request);
        if d.effect != expect {
            failures.push(format!(
                "line {} [{class}] {note}: {method} {target:?}: want {expect}, got {} ({})",
                n + 1,
                d.effect,
                d.reason
            ));
        }
    }
    assert!(
        total >= 80,
        "the corpus has {total} cases; at least 80 are required"
    );
    assert!(classes.len() >= 20, "classes: {classes:?}");
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn path_corpus_decides_and_reports_the_path_matched() {
    let policy: serde_json::Value =
        serde_json::from_str(include_str!("data/policies/egress-paths.json")).expect("json");
    let mut strict = policy.clone();
    strict["inspection"] = serde_json::json!({"paths": "strict"});
    let standard = Engine::from_json(&policy.to_string()).expect("standard policy compiles");
    let strict = Engine::from_json(&strict.to_string()).expect("strict policy compiles");
    let mut failures = Vec::new();
    let mut counts = BTreeMap::new();
    for (n, line) in include_str!("data/egress/paths.tsv").lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [mode, expect, url, path, class, note] = cols[..] else {
            panic!("line {}: expected 6 tab-separated columns: {line:?}", n + 1);
        };
        *counts.entry(mode).or_insert(0) += 1;
        let engine = match mode {
            "standard" => &standard,
            "strict" => &strict,
            other => panic!("line {}: unknown mode {other:?}", n + 1),
        };
        let expect: Effect = expect.parse().expect("effect");
        let d = engine.check_http_request(&HttpRequest::new(url).with_method("GET"));
        let reported = d.canonical.as_ref().map(|c| c.path.as_str());
        if d.effect != expect || reported != Some(path) {
            failures.push(format!(
                "line {} [{mode} {class}] {note}: {url}: want {expect} on {path}, got {} on {reported:?} ({})",
                n + 1,
                d.effect,
                d.reason
            ));
        }
    }
    let total: usize = counts.values().sum();
    assert!(
        total >= 40,
        "the corpus has {total} cases; at least 40 are required"
    );
    assert!(counts.len() == 2, "both modes have cases: {counts:?}");
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
