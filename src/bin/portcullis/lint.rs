//! `portcullis lint`: validate a policy, print every error and every warning.

use std::path::Path;

use portcullis::{Engine, Format};

use crate::load;

/// Prints every diagnostic of the policy; `Ok(0)` when it compiles (warnings
/// are printed but do not fail), `Ok(1)` when it does not.
pub fn run(path: Option<&Path>, format: Option<Format>) -> Result<u8, String> {
    let (name, result) = match path {
        Some(path) => {
            let (text, format) = load::read(path, format)?;
            (path.to_path_buf(), {
                let mut builder = Engine::builder().text(&text, format).lint(true);
                if let Some(dir) = path.parent() {
                    builder = builder.base_dir(dir);
                }
                builder.build_with_warnings()
            })
        }
        None => {
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
