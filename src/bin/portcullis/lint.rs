//! `portcullis lint`: validate a policy and print every problem in it.

use std::path::Path;

use portcullis::{Engine, Format};


use crate::load;

/// Prints every diagnostic of the policy; `Ok(0)` when clean, `Ok(1)` when not.
pub fn run(path: Option<&Path>, format: Option<Format>) -> Result<u8, String> {
    let (name, result) = match path {
        Some(path) => {
            let (text, format) = load::read(path, format)?;
            (path.to_path_buf(), Engine::from_text(&text, format))
        }
        None => (
            Path::new("(default policy)").to_path_buf(),
            Engine::default_policy(),
        ),
    };
    match result {
        Ok(engine) => {
            println!("{}: ok ({} rules)", name.display(), engine.rule_count());
            Ok(0)
        }
        Err(error) => {
            println!("{}", load::describe(&name, &error));
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
