//! Deciding HTTP requests: the egress analyzer's facts through the egress matchers.
//!
//! [`Message::read`] turns a request as given (method, request target in
//! any of the three HTTP/1.1 forms, headers, body, TLS server name) into
//! canonical facts, refusing it when its parts disagree about where it goes
//! (domain fronting). [`verdicts`] then finds the candidate rules by
//! destination (host hash tables, network tries, plus rules for any
//! destination), filters them by port, method, scheme, path globs and
//! headers, and runs body tests only for rules that have them, parsing the
//! body (JSON, then GraphQL) at most once and only when it is within the
//! policy's inspection bound. The same function decides proxy requests and
//! the HTTP requests that shell commands make, so `curl` is judged like a
//! proxied request. Cost: one URL parse, one hash lookup per name label (or
//! one trie walk), and work proportional to the candidate rules only.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;

use super::combine::{add_default, Verdict};
use super::compile::{Compiled, Slot};
use super::rbac::Who;
use crate::decision::Canonical;
use crate::effect::Effect;
use crate::egress::graphql::{self, GraphqlError, Operation};
use crate::egress::{self, Destination, Target};

/// What of a request is not known until it runs (requests made by commands).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Unknown {
    /// The path or query depends on a run-time value.
    pub(crate) path: bool,
    /// The body comes from a file or a run-time value.
    pub(crate) body: bool,
}

/// An HTTP request's canonical facts.
#[derive(Debug)]
pub(crate) struct Message<'a> {
    pub(crate) method: Cow<'a, str>,
    pub(crate) target: Target,
    pub(crate) headers: Vec<(&'a str, &'a str)>,
    pub(crate) body: Option<&'a str>,
    pub(crate) unknown: Unknown,
}

impl<'a> Message<'a> {
    /// Reads a request. `target` is an absolute URL, an authority (`CONNECT`)
    /// or an origin-form path with a `Host` header. `Err` is the reason the
    /// request cannot be decided on (it is then denied).
    pub(crate) fn read(
        method: &'a str,
        target: &str,
        headers: Vec<(&'a str, &'a str)>,
        body: Option<&'a str>,
        sni: Option<&str>,
    ) -> Result<Message<'a>, String> {
        if !egress::is_http_token(method) {
            let shown: String = method.chars().take(40).collect();
            return Err(format!("invalid HTTP method `{}`", shown.escape_debug()));
        }
        let method = if method.bytes().any(|b| b.is_ascii_lowercase()) {
            Cow::Owned(method.to_ascii_uppercase())
        } else {
            Cow::Borrowed(method)
        };
        let mut hosts = headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("host"))
            .map(|(_, value)| *value);
        let host = hosts.next();
        if hosts.any(|other| Some(other) != host) {
            return Err("refused request: several different Host headers".into());
        }
        let refused = |e: egress::TargetError| format!("refused URL: {e}");
        let url = if method == "CONNECT" {
            egress::parse_authority(target).map_err(refused)?
        } else if target.starts_with('/') {
            let Some(host) = host else {
                return Err("refused request: an origin-form target needs a Host header".into());
            };
            let scheme = if sni.is_some() { "https" } else { "http" };
            egress::parse_origin(target, host, scheme).map_err(refused)?
        } else {
            let url = egress::parse_url(target).map_err(refused)?;
            if let Some(host) = host {
                let (destination, port) =
                    egress::parse_host_header(host, &url.scheme).map_err(refused)?;
                if destination != url.destination || port != url.port {
                    return Err(format!(
                        "refused request: domain fronting: the URL goes to {}:{} but the Host header names {destination}:{port}",
                        url.destination, url.port
                    ));
                }
            }
            url
        };
        if let Some(sni) = sni {
            let named = egress::parse_server_name(sni).map_err(refused)?;
            if named != url.destination {
                return Err(format!(
                    "refused request: domain fronting: the request goes to {} but the TLS server name is {named}",
                    url.destination
                ));
            }
        }
        Ok(Message {
            method,
            target: url,
            headers,
            body,
            unknown: Unknown::default(),
        })
    }

    /// The facts a decision reports.
    pub(crate) fn canonical(&self) -> Canonical {
        let (host, ip) = match &self.target.destination {
            Destination::Name(name) => (Some(name.clone()), None),
            Destination::Ip(ip) => (None, Some(ip.to_string())),
        };
        Canonical {
            method: self.method.as_ref().into(),
            scheme: self.target.scheme.clone(),
            host,
            ip,
            carried_ipv4: self.target.carried.map(|v4| v4.to_string()),
            port: self.target.port,
            path: self.target.path.clone(),
        }
    }

    fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// What body tests see.
enum Body {
    /// Longer than the inspection bound: not parsed.
    Oversize(usize),
    /// From a file or a run-time value.
    Unknown,
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
        return Body::Unknown;
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
    for document in &documents {
        match graphql::operations(document) {
            Ok(ops) => operations.extend(ops),
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
/// `(command, http)`.
pub(crate) fn verdicts<'c>(
    compiled: &'c Compiled,
    message: &Message<'_>,
    slot: Slot,
    sink: &mut Vec<Verdict>,
    about: (Option<usize>, Option<usize>),
    who: &mut Who<'c>,
) {
    let index = &compiled.egress;
    let rbac = &compiled.rbac;
    let inert = rbac.is_inert();
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
        let basic = (filter.ports.is_empty() || filter.ports.contains(&target.port))
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
            match body.get_or_insert_with(|| read_body(compiled, message)) {
                Body::Oversize(len) => {
                    if !oversize_reported {
                        oversize_reported = true;
                        let mut v = Verdict::other(
                            compiled.inspection.oversize,
                            format!(
                                "the body is {len} bytes, over the policy's inspection bound of {} bytes, so rule `{}` could not inspect it",
                                compiled.inspection.max_body_bytes, rule.id
                            )
                            .into(),
                        );
                        (v.command, v.http) = about;
                        sink.push(v);
                    }
                    return;
                }
                Body::Unknown => {
                    uncertain = Some("the body comes from a file or a run-time value".into());
                }
                Body::Parsed {
                    json,
                    json_error,
                    graphql,
                } => {
                    let unreadable = || -> Cow<'static, str> {
                        format!(
                            "the JSON body could not be read ({})",
                            json_error.as_deref().unwrap_or_default()
                        )
                        .into()
                    };
                    if !filter.json.is_empty() {
                        match json {
                            Some(j) if filter.json.iter().any(|t| t.matches(j)) => {}
                            None if json_error.is_some() => uncertain = Some(unreadable()),
                            _ => return,
                        }
                    }
                    if let Some(test) = &filter.graphql {
                        match graphql {
                            Ok(ops) if test.matches(ops) => {}
                            Ok(_) if json_error.is_some() => uncertain = Some(unreadable()),
                            Ok(_) => return,
                            Err(e) => uncertain = Some(e.to_string().into()),
                        }
                    }
                }
            }
        }
        if !inert {
            who.note(rbac, tag);
            if !rbac.applies(tag, who, rule.effect) {
                return;
            }
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
        (verdict.command, verdict.http) = about;
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
        let enforced_override = sink.get(start..).unwrap_or_default().iter().any(|v| {
            v.effect == Effect::Allow
                && v.rule.is_some_and(|t| {
                    compiled.filter(t).is_some_and(|f| f.override_special)
                        && compiled.rule(t).is_some_and(|r| !r.shadow)
                })
        });
        if enforced_override {
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
    }
    body_sql(compiled, message, sink, about, who);
    add_default(compiled, slot, sink, start, about);
}

/// SQL carried in a body (a JSON body's `query`/`sql`/`statement` fields,
/// or a body that is itself SQL) is decided by the SQL rules.
fn body_sql<'c>(
    compiled: &'c Compiled,
    message: &Message<'_>,
    sink: &mut Vec<Verdict>,
    about: (Option<usize>, Option<usize>),
    who: &mut Who<'c>,
) {
    let Some(body) = message.body.filter(|b| !b.trim().is_empty()) else {
        return;
    };
    if compiled.sql_rules.is_empty()
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
                super::arguments::sql_verdicts(compiled, who, r.text, about, sink);
            }
        }
    } else if crate::tool::route::class_of_text(trimmed) == Some(crate::tool::route::Class::Sql) {
        super::arguments::sql_verdicts(compiled, who, body, about, sink);
    }
}
