//! `portcullis policy show`, `portcullis export cedar` and `portcullis
//! packs`: what is in force.

use std::path::Path;

use portcullis::{Engine, Format, Policy};

use crate::load;

/// Reads and resolves a policy file, or the default policy.
fn resolved(path: Option<&Path>, format: Option<Format>) -> Result<Policy, String> {
    match path {
        Some(path) => {
            let (text, format) = load::read(path, format)?;
            let policy = Policy::parse(&text, format)
                .and_then(|p| p.resolve(path.parent()))
                .map_err(|e| load::describe(path, e.diagnostics(), ""))?;
            // Compiling checks references (roles, environments) the export relies on.
            Engine::builder()
                .policy(&policy)
                .build()
                .map_err(|e| load::describe(path, e.diagnostics(), ""))?;
            Ok(policy)
        }
        None => portcullis::defaults::policy().map_err(|e| e.to_string()),
    }
}

/// Prints the RBAC part of a policy as an equivalent Cedar policy set; with
/// `entities`, writes the Cedar entities (roles, bound principals) there.
pub fn export_cedar(
    path: Option<&Path>,
    format: Option<Format>,
    entities: Option<&Path>,
) -> Result<u8, String> {
    let policy = resolved(path, format)?;
    let out = policy.to_cedar();
    if let Some(file) = entities {
        let text = serde_json::to_string_pretty(&out.entities).map_err(|e| e.to_string())?;
        std::fs::write(file, text + "\n").map_err(|e| format!("{}: {e}", file.display()))?;
    }
    print!("{}", out.policies);
    Ok(0)
}

/// Prints a policy as JSON: as written (`extends` and `disable` kept), or
/// resolved, every rule with the base or part it came from and the hash.
pub fn show(path: Option<&Path>, format: Option<Format>, resolved: bool) -> Result<u8, String> {
    let (name, policy) = match path {
        Some(path) => {
            let (text, format) = load::read(path, format)?;
            let policy = Policy::parse(&text, format)
                .map_err(|e| load::describe(path, e.diagnostics(), ""))?;
            (path.to_path_buf(), policy)
        }
        None => {
            let policy = portcullis::defaults::policy().map_err(|e| e.to_string())?;
            (Path::new("(default policy)").to_path_buf(), policy)
        }
    };
    let policy = if resolved {
        policy
            .resolve(name.parent())
            .map_err(|e| load::describe(&name, e.diagnostics(), ""))?
    } else {
        policy
    };
    let mut value = policy.to_value();
    if resolved {
        let engine = Engine::builder()
            .policy(&policy)
            .build()
            .map_err(|e| load::describe(&name, e.diagnostics(), ""))?;
        value["hash"] = serde_json::json!(engine.policy_hash());
    }
    let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(0)
}

/// Lists the built-in parts `extends` can name, with their rule counts.
pub fn packs() -> Result<u8, String> {
    println!(
        "{:<22} {:>7} {:>5}  description",
        "name", "version", "rules"
    );
    println!(
        "{:<22} {:>7} {:>5}  every part below, in this order",
        "default",
        "",
        {
            portcullis::defaults::policy()
                .map(|p| p.egress.len() + p.commands.len() + p.tools.len())
                .unwrap_or(0)
        }
    );
    for info in portcullis::defaults::parts() {
        let rules = portcullis::defaults::part(info.name)
            .and_then(Result::ok)
            .map(|p| p.egress.len() + p.commands.len() + p.tools.len())
            .unwrap_or(0);
        println!(
            "{:<22} {:>7} {:>5}  {}",
            info.name, info.version, rules, info.description
        );
    }
    Ok(0)
}
