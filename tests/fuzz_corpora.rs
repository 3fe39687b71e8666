//! Every committed fuzz corpus file (`fuzz/corpus/<target>/`) replayed
//! through its target's body on stable Rust, so an input that once broke a
//! property stays fixed. The real fuzzers are in `fuzz/` (see its README).

use std::path::Path;

use portcullis::{fuzzing, Format};

fn replay(target: &str, body: impl Fn(&[u8]) + std::panic::RefUnwindSafe) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(
            outcome.is_ok(),
            "{} broke target `{target}`",
            path.display()
        );
        files += 1;
    }
    assert!(files > 0, "no corpus for `{target}`");
}

#[test]
fn policy_json_corpus() {
    replay("policy_json", |d| fuzzing::policy(d, Format::Json));
}

#[test]
fn policy_toml_corpus() {
    replay("policy_toml", |d| fuzzing::policy(d, Format::Toml));
}

#[test]
fn command_corpus() {
    replay("command", fuzzing::command);
}

#[test]
fn url_corpus() {
    replay("url", fuzzing::url);
}

#[test]
fn request_corpus() {
    replay("request", fuzzing::request);
}

#[test]
fn hook_payload_corpus() {
    replay("hook_payload", fuzzing::hook_payload);
}

#[test]
fn session_state_corpus() {
    replay("session_state", fuzzing::session_state);
}

#[test]
fn audit_trail_corpus() {
    replay("audit_trail", fuzzing::audit_trail);
}

#[test]
fn graphql_corpus() {
    replay("graphql", fuzzing::graphql);
}

#[test]
fn sql_corpus() {
    replay("sql", fuzzing::sql);
}

#[test]
fn tool_arguments_corpus() {
    replay("tool_arguments", fuzzing::tool_arguments);
}

#[test]
fn policy_monotonic_corpus() {
    replay("policy_monotonic", fuzzing::policy_monotonic);
}
