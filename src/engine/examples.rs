//! Rules test themselves: every rule's `examples` are decided at compile time.
//!
//! A rule may say which inputs it must match and which it must not; compiling
//! decides each with the compiled engine and refuses the policy when one does
//! not hold, naming the rule and the example. This proves each rule reachable
//! through every index and prefilter in front of it. Examples are inputs of
//! the section's kind: a URL (`METHOD URL [BODY]`) for egress, a command
//! line, a tool name, a SQL statement (decided as a `query` tool's `sql`
//! argument) and `ACCESS PATH` for paths (`write ~/.ssh/config`, decided as
//! the file tool `write_file` with that `path`, which is how agents' file
//! tools meet path rules). Cost: one decision per example, at compile time
//! only.

use super::Engine;
use crate::policy::{Diagnostic, ErrorKind, FieldPath, Policy, RuleMeta};
use crate::Decision;

/// Decides one example input of a section's kind.
type Decide<'a> = &'a dyn Fn(&str) -> Decision;

/// Decides an egress example: `URL`, `METHOD URL`, or `METHOD URL BODY`
/// (the body is the rest of the line, such as a GraphQL document).
fn http_example(engine: &Engine, example: &str) -> Decision {
    let Some((method, rest)) = example.split_once(' ') else {
        return engine.check_http("GET", example);
    };
    let (url, body) = match rest.split_once(' ') {
        Some((url, body)) => (url, Some(body.to_owned())),
        None => (rest, None),
    };
    engine.check_http_request(&crate::request::HttpRequest {
        method: Some(method.to_owned()),
        url: url.to_owned(),
        body,
        ..Default::default()
    })
}

/// Decides a path example, `ACCESS PATH` (`read`, `write` or `delete`),
/// as that file tool's call; anything else is decided as a read.
fn path_example(engine: &Engine, example: &str) -> Decision {
    let (access, path) = match example.split_once(' ') {
        Some((access @ ("read" | "write" | "delete"), path)) => (access, path),
        _ => ("read", example),
    };
    engine.check_tool(
        &format!("{access}_file"),
        &serde_json::json!({ "path": path }),
    )
}

/// Checks every example of every rule; returns one diagnostic per failure.
pub(super) fn check(engine: &Engine, policy: &Policy) -> Vec<Diagnostic> {
    let mut failures = Vec::new();
    let sections: [(&str, Vec<&RuleMeta>, Decide<'_>); 5] = [
        (
            "egress",
            policy.egress.iter().map(|r| &r.meta).collect(),
            &|example: &str| http_example(engine, example),
        ),
        (
            "commands",
            policy.commands.iter().map(|r| &r.meta).collect(),
            &|example: &str| engine.check_command(example),
        ),
        (
            "tools",
            policy.tools.iter().map(|r| &r.meta).collect(),
            &|example: &str| engine.check_tool(example, &serde_json::Value::Null),
        ),
        (
            "sql",
            policy.sql.iter().map(|r| &r.meta).collect(),
            &|example: &str| engine.check_tool("query", &serde_json::json!({ "sql": example })),
        ),
        (
            "paths",
            policy.paths.iter().map(|r| &r.meta).collect(),
            &|example: &str| path_example(engine, example),
        ),
    ];
    for (section, metas, decide) in sections {
        for (i, meta) in metas.into_iter().enumerate() {
            let path = FieldPath::root().key(section).index(i).key("examples");
            let cases = meta
                .examples
                .matching
                .iter()
                .enumerate()
                .map(|(j, e)| (path.key("match").index(j), e, true))
                .chain(
                    meta.examples
                        .not_matching
                        .iter()
                        .enumerate()
                        .map(|(j, e)| (path.key("no_match").index(j), e, false)),
                );
            for (example_path, example, should_match) in cases {
                let decision = decide(example);
                let matched = decision.matched.iter().any(|m| *m.rule == *meta.id);
                if matched != should_match {
                    let got = if matched {
                        "matched".to_owned()
                    } else {
                        format!(
                            "did not match (decision: {} by {})",
                            decision.effect,
                            decision.rule.as_deref().unwrap_or("no rule")
                        )
                    };
                    let expected = if should_match {
                        "must match"
                    } else {
                        "must not match"
                    };
                    let mut d = Diagnostic::new(
                        example_path,
                        ErrorKind::ExampleFailed {
                            example: example.clone(),
                            expected,
                            got,
                        },
                    );
                    d.rule = Some(meta.id.clone());
                    failures.push(d);
                }
            }
        }
    }
    failures
}
