//! Deciding HTTP requests: the egress analyzer's facts through the egress matchers.
//!
//! The egress analyzer reads a request into a [`Message`] (canonical
//! destination, port, scheme, path; see `egress::message`). [`verdicts`]
//! then finds the candidate rules by
//! destination (host hash tables, network tries, plus rules for any
//! destination), filters them by port, method, scheme, path globs and
//! headers, and runs body tests only for rules that have them, parsing the
//! body (JSON, then GraphQL) at most once and only when it is within the
//! policy's inspection bound. The same function decides proxy requests and
//! the HTTP requests that shell commands make, so `curl` is judged like a
//! proxied request. Cost: one hash lookup per name label (or one trie
//! walk), and work proportional to the candidate rules only.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;

use super::combine::{add_default, About, Verdict};
use super::compile::{Compiled, EgressFilter, Maker, Slot};
use super::rbac::Who;
use crate::decision::Canonical;
use crate::effect::Effect;
use crate::egress::graphql::{self, GraphqlError, Operation};
use crate::egress::message::Message;
use crate::egress::path::strict_path;
use crate::egress::Destination;

/// The facts a decision reports of a request.
pub(crate) fn canonical(message: &Message<'_>) -> Canonical {
    let (host, ip) = match &message.target.destination {
        Destination::Name(name) => (Some(name.clone()), None),
        Destination::Ip(ip) => (None, Some(ip.to_string())),
    };
    Canonical {
        method: message.method.as_ref().into(),
        scheme: message.target.scheme.clone(),
        host,
        ip,
        carried_ipv4: message.target.carried.map(|v4| v4.to_string()),
        port: message.target.port,
        path: message.target.path.clone(),
    }
}

/// What body tests see.
enum Body {
    /// Longer than the inspection bound: not parsed.
    Oversize(usize),
    /// From a file or a run-time value; `graphql` when the request goes to
    /// a GraphQL endpoint (a path segment or content type names GraphQL),
    /// so that GraphQL tests on it cannot be answered rather than fail.
    Unknown { graphql: bool },
    Parsed {
        json: Option<Value>,
        /// The body looks like JSON (or says it is) but does not parse
        /// (malformed, or nested beyond the parser's depth limit): tests on
        /// its content cannot be answered.
        json_error: Option<String>,
        graphql: Result<Vec<Operation>, GraphqlError>,
    },
}

fn read_body(compiled: &Compiled, message: &Message<'_>) -> Body {
    if message.unknown.body {
        let graphql = graphql::may_be_graphql(&message.target.path, message.header("content-type"));
        return Body::Unknown { graphql };
    }
    let text = message.body.unwrap_or_default();
    if text.len() > compiled.inspection.max_body_bytes {
        return Body::Oversize(text.len());
    }
    let looks_like_json = text.trim_start().starts_with(['{', '['])
        || message
            .header("content-type")
            .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
    let (json, json_error) = match serde_json::from_str::<Value>(text) {
        Ok(value) => (Some(value), None),
        Err(e) if looks_like_json && !text.trim().is_empty() => (None, Some(e.to_string())),
        Err(_) => (None, None),
    };
    let documents = graphql::documents(
        json.as_ref(),
        message.body,
        message.header("content-type"),
        message.target.query.as_deref(),
    );
    let mut operations = Vec::new();
    let mut graphql = Ok(());
    // A `query` that does not parse, sent to an endpoint nothing marks as
    // GraphQL (Prometheus' `/api/v1/query?query=up`), is no GraphQL request.
    let endpoint = graphql::may_be_graphql(&message.target.path, message.header("content-type"));
    for document in &documents {
        match graphql::operations(document) {
            Ok(ops) => operations.extend(ops),
            Err(_) if !endpoint => {}
            Err(e) => {
                graphql = Err(e);
                break;
            }
        }
    }
    Body::Parsed {
        json,
        json_error,
        graphql: graphql.map(|()| operations),
    }
}

/// Adds the verdicts on `message` to `sink`: every rule that matches it and,
/// when no allow rule does, the default of `slot`. Each verdict is about
/// `(command, http)`. Under the policy's strict path mode the message's
/// path is first rewritten to the one matched ([`strict_path`]), so the
/// decision's canonical facts show it.
pub(crate) fn verdicts<'c>(
    compiled: &'c Compiled,
    message: &mut Message<'_>,
    slot: Slot,
    maker: Maker,
    sink: &mut Vec<Verdict>,
    about: About,
    who: &mut Who<'c>,
) {
    if compiled.inspection.strict_paths {
        if let Cow::Owned(path) = strict_path(&message.target.path) {
            message.target.path = path.into();
        }
    }
    let message = &*message;
    let index = compiled.egress();
    let rbac = &compiled.rbac;
    let start = sink.len();
    let mut paths = None;
    let mut body = None;
    let mut oversize_reported = false;
    let target = &message.target;
    // Each candidate rule is considered as it is found: nothing is collected.
    let mut consider = |tag: u32| {
        let (Some(filter), Some(rule)) = (compiled.filter(tag), compiled.rule(tag)) else {
            return;
        };
        let basic = filter.port_matches(target.port)
            && (filter.made_by == 0 || filter.made_by & maker as u8 != 0)
            && (filter.methods.is_empty() || filter.methods.iter().any(|m| **m == *message.method))
            && (filter.schemes.is_empty() || filter.schemes.iter().any(|s| **s == *target.scheme));
        if !basic {
            return;
        }
        let mut uncertain: Option<Cow<'static, str>> = None;
        if !filter.paths.is_empty() {
            let matches = paths.get_or_insert_with(|| index.paths.matches(&target.path));
            if !filter.paths.iter().any(|&i| matches.contains(i)) {
                return;
            }
            if message.unknown.path {
                uncertain = Some("the path is not known until the command runs".into());
            }
        }
        if !filter.headers.is_empty()
            && !filter
                .headers
                .iter()
                .any(|h| h.matches(message.headers.iter().copied()))
        {
            return;
        }
        if filter.inspects_body() {
            let body = body.get_or_insert_with(|| read_body(compiled, message));
            match check_body(filter, body) {
                BodyCheck::Pass => {}
                BodyCheck::Fail => return,
                BodyCheck::Uncertain(why) => uncertain = Some(why),
                BodyCheck::Oversize(len) => {
                    if !oversize_reported {
                        oversize_reported = true;
                        sink.push(
                            Verdict::other(
                                compiled.inspection.oversize,
                                format!(
                                    "the body is {len} bytes, over the policy's inspection bound of {} bytes, so rule `{}` could not inspect it",
                                    compiled.inspection.max_body_bytes, rule.id
                                )
                                .into(),
                            )
                            .about(about),
                        );
                    }
                    return;
                }
            }
        }
        if !rbac.admits(who, tag, rule.effect) {
            return;
        }
        let mut verdict = Verdict::rule(tag, rule.effect);
        if let Some(why) = uncertain {
            if rule.effect > Effect::Ask {
                verdict.effect = Effect::Ask;
                verdict.reason = Some(Arc::from(format!(
                    "{} (uncertain: {why}, so {} becomes ask)",
                    rule.reason, rule.effect
                )));
            }
        }
        verdict.about = about;
        sink.push(verdict);
    };
    for &tag in &index.anywhere {
        consider(tag);
    }
    match &target.destination {
        Destination::Name(name) => index.hosts.for_each_match(name, &mut consider),
        Destination::Ip(ip) => {
            index.networks.for_each_match(*ip, &mut consider);
            if let Some(v4) = target.carried {
                index.networks.for_each_match(v4.into(), &mut consider);
            }
        }
    }
    if index.has_override {
        drop_overridden_special(compiled, sink, start);
    }
    body_sql(compiled, message, sink, about, who);
    add_default(compiled, slot, sink, start, about);
}

/// What a rule's body tests say of a request's body.
enum BodyCheck {
    Pass,
    Fail,
    /// The tests cannot be answered (a body from a file, unreadable JSON).
    Uncertain(Cow<'static, str>),
    /// Beyond the inspection bound: not inspected.
    Oversize(usize),
}

/// Runs `filter`'s JSON and GraphQL tests on `body`.
fn check_body(filter: &EgressFilter, body: &Body) -> BodyCheck {
    let (json, json_error, graphql) = match body {
        Body::Oversize(len) => return BodyCheck::Oversize(*len),
        // A REST call with a body from a file (`gh api repos/… -F body=@f`)
        // is no GraphQL request: a rule that only tests GraphQL does not
        // match it.
        Body::Unknown { graphql: false } if filter.json.is_empty() => return BodyCheck::Fail,
        Body::Unknown { .. } => {
            return BodyCheck::Uncertain("the body comes from a file or a run-time value".into())
        }
        Body::Parsed {
            json,
            json_error,
            graphql,
        } => (json, json_error, graphql),
    };
    let unreadable = || -> Cow<'static, str> {
        format!(
            "the JSON body could not be read ({})",
            json_error.as_deref().unwrap_or_default()
        )
        .into()
    };
    let mut outcome = BodyCheck::Pass;
    if !filter.json.is_empty() {
        match json {
            Some(j) if filter.json.iter().any(|t| t.matches(j)) => {}
            None if json_error.is_some() => outcome = BodyCheck::Uncertain(unreadable()),
            _ => return BodyCheck::Fail,
        }
    }
    if let Some(test) = &filter.graphql {
        match graphql {
            Ok(ops) if test.matches(ops) => {}
            Ok(_) if json_error.is_some() => outcome = BodyCheck::Uncertain(unreadable()),
            Ok(_) => return BodyCheck::Fail,
            Err(e) => outcome = BodyCheck::Uncertain(e.to_string().into()),
        }
    }
    outcome
}

/// When an enforced allow rule with `override_special` matched, the rules
/// for special addresses (metadata, private ranges) among `sink[start..]`
/// are dropped: the override is the policy's word for this destination.
fn drop_overridden_special(compiled: &Compiled, sink: &mut Vec<Verdict>, start: usize) {
    let enforced_override = sink.get(start..).unwrap_or_default().iter().any(|v| {
        v.is_enforced_allow(compiled)
            && v.rule
                .and_then(|t| compiled.filter(t))
                .is_some_and(|f| f.override_special)
    });
    if !enforced_override {
        return;
    }
    let mut i = start;
    while i < sink.len() {
        let special = sink
            .get(i)
            .and_then(|v| v.rule)
            .and_then(|t| compiled.filter(t))
            .is_some_and(|f| f.special);
        if special {
            sink.remove(i);
        } else {
            i += 1;
        }
    }
}

/// SQL carried in a body (a JSON body's `query`/`sql`/`statement` fields,
/// or a body that is itself SQL) is decided by the SQL rules.
fn body_sql<'c>(
    compiled: &'c Compiled,
    message: &Message<'_>,
    sink: &mut Vec<Verdict>,
    about: About,
    who: &mut Who<'c>,
) {
    let Some(body) = message.body.filter(|b| !b.trim().is_empty()) else {
        return;
    };
    if !compiled.has_sql_rules()
        || message.unknown.body
        || body.len() > compiled.inspection.max_body_bytes
    {
        return;
    }
    let trimmed = body.trim_start();
    if trimmed.starts_with(['{', '[']) {
        if let Ok(json) = serde_json::from_str::<Value>(body) {
            let routes = crate::tool::route::route(&json);
            for r in routes
                .routes
                .iter()
                .filter(|r| r.class == crate::tool::route::Class::Sql)
            {
                super::sql::sql_verdicts(compiled, who, &r.text, about, sink);
            }
        }
    } else if crate::tool::route::class_of_text(trimmed) == Some(crate::tool::route::Class::Sql) {
        super::sql::sql_verdicts(compiled, who, body, about, sink);
    }
}
