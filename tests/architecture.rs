//! The import graph keeps the architecture's first rule: analyzers and
//! matchers know nothing of policies; the engine alone joins the policy
//! model to them (ARCHITECTURE.md, "Invariants").
//!
//! Every source file under `src/` is read, and any mention of the policy
//! module (`crate::policy`, `super::policy`, or `policy` inside a
//! `use crate::{…}` group) outside the places allowed to know it fails the
//! test with the file and line. Allowed: the policy module itself, the
//! engine, the built-in policy (`defaults/`, which is policy data), the
//! command-line tool, the crate root's re-exports, and the fuzzing support.

use std::fs;
use std::path::{Path, PathBuf};

/// Files and folders (relative to `src/`) that may import the policy model.
const ALLOWED: &[&str] = &[
    "policy/",
    "engine/",
    "defaults/",
    "bin/",
    "lib.rs",
    "fuzzing.rs",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `text` that import or name the policy module, 1-based.
fn policy_imports(text: &str) -> Vec<usize> {
    let mut hits = Vec::new();
    let mut in_use_group = false;
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let trimmed = code.trim();
        if trimmed.starts_with("use crate::{") || trimmed.starts_with("pub use crate::{") {
            in_use_group = true;
        }
        let names_policy = code.contains("crate::policy")
            || code.contains("super::policy")
            || (in_use_group
                && code
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == "policy"));
        if names_policy {
            hits.push(i + 1);
        }
        if in_use_group && code.contains(';') {
            in_use_group = false;
        }
    }
    hits
}

#[test]
fn the_detector_sees_every_spelling() {
    assert_eq!(policy_imports("use crate::policy::Policy;"), [1]);
    assert_eq!(policy_imports("fn f(p: &crate::policy::Policy) {}"), [1]);
    assert_eq!(policy_imports("use super::super::policy::X;"), [1]);
    assert_eq!(
        policy_imports("use crate::{\n    effect::Effect,\n    policy::Policy,\n};"),
        [3]
    );
    assert!(policy_imports("// crate::policy in a comment\nuse crate::effect::Effect;").is_empty());
    assert!(policy_imports("use crate::{effect::Effect, pattern::RegexSet};").is_empty());
}

#[test]
fn only_the_engine_imports_the_policy_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(files.len() > 50, "found only {} source files", files.len());
    let mut violations = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if ALLOWED.iter().any(|a| relative.starts_with(a)) {
            continue;
        }
        let text = fs::read_to_string(file).unwrap();
        for line in policy_imports(&text) {
            violations.push(format!("src/{relative}:{line}"));
        }
    }
    assert!(
        violations.is_empty(),
        "analyzers and matchers must not know the policy model; move the rule type into the matcher's module (the policy model holds it) or the joining code into src/engine/:\n{}",
        violations.join("\n")
    );
}
