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
//! tools meet path rules). An egress rule whose `made_by` leaves out
//! `request` has its URLs fetched the way its first maker fetches them: by
//! `curl` (with the body as `--data-raw`) for `command`, by a `fetch` tool's
//! `url` for `tool`. Cost: one decision per example, at compile time only.

use super::Engine;
use crate::policy::{Diagnostic, ErrorKind, FieldPath, Policy, RuleMeta};
use crate::Decision;

/// Decides one example input of a section's kind, for the rule at an index.
type Decide<'a> = &'a dyn Fn(usize, &str) -> Decision;

/// Decides an egress example: `URL`, `METHOD URL`, or `METHOD URL BODY`
/// (the body is the rest of the line, such as a GraphQL document).
fn http_example(engine: &Engine, made_by: &[String], example: &str) -> Decision {
    let (method, url, body) = match example.split_once(' ') {
        None => ("GET", example, None),
        Some((method, rest)) => match rest.split_once(' ') {
            Some((url, body)) => (method, url, Some(body.to_owned())),
            None => (method, rest, None),
        },
    };
    if !made_by.is_empty() && !made_by.iter().any(|m| m == "request") {
        return match made_by.first().map(String::as_str) {
            Some("tool") => engine.check_tool("fetch", &serde_json::json!({ "url": url })),
            _ => {
                let quote = crate::command::quote::quote;
                let data = body
                    .map(|b| format!(" --data-raw {}", quote(&b)))
                    .unwrap_or_default();
                engine.check_command(&format!("curl -sS -X {method} {}{data}", quote(url)))
            }
        };
    }
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
            &|i: usize, example: &str| {
                let made_by = policy.egress.get(i).map_or(&[][..], |r| &r.made_by[..]);
                http_example(engine, made_by, example)
            },
        ),
        (
            "commands",
            policy.commands.iter().map(|r| &r.meta).collect(),
            &|_, example: &str| engine.check_command(example),
        ),
        (
            "tools",
            policy.tools.iter().map(|r| &r.meta).collect(),
            &|_, example: &str| engine.check_tool(example, &serde_json::Value::Null),
        ),
        (
            "sql",
            policy.sql.iter().map(|r| &r.meta).collect(),
            &|_, example: &str| engine.check_tool("query", &serde_json::json!({ "sql": example })),
        ),
        (
            "paths",
            policy.paths.iter().map(|r| &r.meta).collect(),
            &|_, example: &str| path_example(engine, example),
        ),
    ];
    // A base's rule scoped to an environment defined elsewhere than where
    // the rule comes from (a `production` the policy redefines) meets that
    // definition: its examples were written for its own part's and are not
    // held against another.
    let redefined = |meta: &RuleMeta| {
        meta.source.is_some()
            && meta.environments.iter().any(|id| {
                policy
                    .environments
                    .iter()
                    .any(|e| e.id == *id && e.source != meta.source)
            })
    };
    for (section, metas, decide) in sections {
        for (i, meta) in metas.into_iter().enumerate() {
            if redefined(meta) {
                continue;
            }
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
                let decision = decide(i, example);
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
