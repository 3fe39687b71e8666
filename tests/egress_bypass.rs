//! The egress bypass corpus: every spelling of a destination decides as the
//! destination does (`tests/data/egress/bypass.tsv`, under
//! `tests/data/policies/egress-bypass.json`).

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
