//! `portcullis lint`: validate a policy, print every error and every warning.

use std::path::Path;

use portcullis::{Engine, Format, Policy};

use crate::load;

/// Prints every diagnostic of the policy; `Ok(0)` when it compiles (warnings
/// are printed but do not fail), `Ok(1)` when it does not.
pub fn run(path: Option<&Path>, format: Option<Format>) -> Result<u8, String> {
    let resolved: Option<Policy>;
    let (name, result) = match path {
        Some(path) => {
            let (text, format) = load::read(path, format)?;
            resolved = Policy::parse(&text, format)
                .and_then(|p| p.resolve(path.parent()))
                .ok();
            (path.to_path_buf(), {
                let mut builder = Engine::builder().text(&text, format).lint(true);
                if let Some(dir) = path.parent() {
                    builder = builder.base_dir(dir);
                }
                builder.build_with_warnings()
            })
        }
        None => {
            resolved = portcullis::defaults::policy().ok();
            let name = Path::new("(default policy)").to_path_buf();
            let result = Engine::builder()
                .built_in()
                .check_examples(false)
                .defer_automata(true)
                .lint(true)
                .build_with_warnings();
            (name, result)
        }
    };
    match result {
        Ok((engine, warnings)) => {
            if !warnings.is_empty() {
                println!("{}", load::describe(&name, &warnings, "warning: "));
            }
            for line in resolved.iter().flat_map(environments) {
                println!("{line}");
            }
            println!(
                "{}: ok ({} rules, {} warning{})",
                name.display(),
                engine.rule_count(),
                warnings.len(),
                if warnings.len() == 1 { "" } else { "s" }
            );
            Ok(0)
        }
        Err(error) => {
            println!("{}", load::describe(&name, error.diagnostics(), ""));
            let n = error.diagnostics().len();
            eprintln!(
                "portcullis: {}: {n} error{}",
                name.display(),
                if n == 1 { "" } else { "s" }
            );
            Ok(1)
        }
    }
}

/// One line per environment in force: where it comes from and what derives
/// a request into it (the built-in `production` shows its names).
fn environments(policy: &Policy) -> Vec<String> {
    policy
        .environments
        .iter()
        .map(|e| {
            let mut parts = Vec::new();
            let list = |what: &str, items: Vec<String>| {
                (!items.is_empty()).then(|| format!("{what} {}", items.join(", ")))
            };
            let names = |v: &[portcullis::policy::NamePattern]| {
                v.iter().map(|n| n.as_str().to_owned()).collect()
            };
            parts.extend(list("names", names(&e.names)));
            parts.extend(list("hosts", e.hosts.iter().map(|h| h.text()).collect()));
            parts.extend(list(
                "networks",
                e.cidrs.iter().map(|c| c.to_string()).collect(),
            ));
            parts.extend(list("paths", e.paths.clone()));
            parts.extend(list("tools", names(&e.tools)));
            let from = e
                .source
                .as_deref()
                .map(|s| format!(" (from {s})"))
                .unwrap_or_default();
            let derived = if parts.is_empty() {
                "nothing (only a principal's claim)".to_owned()
            } else {
                parts.join("; ")
            };
            format!("environment `{}`{from}: derived from {derived}", e.id)
        })
        .collect()
}
