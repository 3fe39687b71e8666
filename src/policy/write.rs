//! A validated policy back to JSON: what `portcullis policy show` prints and
//! what the policy hash is computed over.
//!
//! The output is format v1 (every rule field as the reader accepts it) plus,
//! for each rule that came from a base, `"source"`. Object keys are sorted,
//! so the same policy always gives the same bytes. Cost: linear in the
//! policy, at load time only.

use serde_json::{json, Map, Value};

use super::model::{EgressRule, HostPattern, Policy, RuleMeta};
use crate::command::ArgvRule;
use crate::paths::AccessRule;
use crate::pattern::NamePattern;
use crate::sql::StatementRule;
use crate::tool::{ArgumentMatch, CallRule, Comparison, ValueTest};

fn meta(m: &RuleMeta, out: &mut Map<String, Value>) {
    out.insert("id".into(), json!(m.id));
    out.insert("effect".into(), json!(m.effect.to_string()));
    if let Some(reason) = &m.reason {
        out.insert("reason".into(), json!(reason));
    }
    if m.shadow {
        out.insert("shadow".into(), json!(true));
    }
    if !m.examples.matching.is_empty() || !m.examples.not_matching.is_empty() {
        let mut ex = Map::new();
        if !m.examples.matching.is_empty() {
            ex.insert("match".into(), json!(m.examples.matching));
        }
        if !m.examples.not_matching.is_empty() {
            ex.insert("no_match".into(), json!(m.examples.not_matching));
        }
        out.insert("examples".into(), Value::Object(ex));
    }
    put(out, "roles", &m.roles);
    put(out, "environments", &m.environments);
    put(out, "actions", &m.actions);
    if let Some(source) = &m.source {
        out.insert("source".into(), json!(source));
    }
}

fn argument(a: &ArgumentMatch) -> Value {
    let (key, value) = match &a.test {
        ValueTest::Exists(b) => ("exists", json!(b)),
        ValueTest::Equals(v) => ("equals", v.clone()),
        ValueTest::OneOf(v) => ("one_of", json!(v)),
        ValueTest::Glob(g) => ("glob", json!(g)),
        ValueTest::Regex(r) => ("regex", json!(r)),
        ValueTest::Compare(op, n) => {
            let key = match op {
                Comparison::Gt => "gt",
                Comparison::Gte => "gte",
                Comparison::Lt => "lt",
                Comparison::Lte => "lte",
            };
            (key, json!(n))
        }
    };
    json!({"pointer": a.pointer, key: value})
}

fn source(out: &mut Map<String, Value>, source: &Option<String>) {
    if let Some(source) = source {
        out.insert("source".into(), json!(source));
    }
}

/// The RBAC sections: `roles`, `principals`, `environments`, `permissions`,
/// `cedar`, each only when present.
fn rbac(policy: &Policy, out: &mut Map<String, Value>) {
    let roles: Vec<Value> = policy
        .roles
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("id".into(), json!(r.id));
            put(&mut o, "inherits", &r.inherits);
            source(&mut o, &r.source);
            Value::Object(o)
        })
        .collect();
    let principals: Vec<Value> = policy
        .principals
        .iter()
        .map(|b| {
            let mut o = Map::new();
            o.insert("id".into(), json!(b.id));
            o.insert("roles".into(), json!(b.roles));
            source(&mut o, &b.source);
            Value::Object(o)
        })
        .collect();
    let environments: Vec<Value> = policy
        .environments
        .iter()
        .map(|e| {
            let mut o = Map::new();
            o.insert("id".into(), json!(e.id));
            let hosts: Vec<String> = e.hosts.iter().map(HostPattern::text).collect();
            put(&mut o, "hosts", &hosts);
            let cidrs: Vec<String> = e.cidrs.iter().map(|c| c.to_string()).collect();
            put(&mut o, "cidrs", &cidrs);
            put(&mut o, "paths", &e.paths);
            put(&mut o, "tools", &names(&e.tools));
            put(&mut o, "names", &names(&e.names));
            source(&mut o, &e.source);
            Value::Object(o)
        })
        .collect();
    let permissions: Vec<Value> = policy
        .permissions
        .iter()
        .map(|p| {
            let mut o = Map::new();
            meta(&p.meta, &mut o);
            Value::Object(o)
        })
        .collect();
    put(out, "roles", &roles);
    put(out, "principals", &principals);
    put(out, "environments", &environments);
    put(out, "permissions", &permissions);
    if let Some(cedar) = &policy.cedar {
        let mut o = Map::new();
        o.insert("policies".into(), json!(cedar.policies));
        if let Some(schema) = &cedar.schema {
            o.insert("schema".into(), json!(schema));
        }
        out.insert("cedar".into(), Value::Object(o));
    }
}

/// `value` with every object's keys in sorted order, whatever order
/// `serde_json::Map` keeps (a dependency may turn on `preserve_order`):
/// the policy hash must not depend on a feature flag.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

fn put<T: serde::Serialize>(out: &mut Map<String, Value>, key: &str, list: &[T]) {
    if !list.is_empty() {
        out.insert(key.into(), json!(list));
    }
}

fn names(list: &[NamePattern]) -> Vec<&str> {
    list.iter().map(NamePattern::as_str).collect()
}

/// A command rule's matching fields.
fn argv(r: &ArgvRule, o: &mut Map<String, Value>) {
    put(o, "program", &names(&r.programs));
    let subcommands: Vec<String> = r.subcommands.iter().map(|s| s.join(" ")).collect();
    put(o, "subcommand", &subcommands);
    put(o, "flags_all", &r.flags_all);
    put(o, "flags_any", &r.flags_any);
    put(o, "not_flags", &r.not_flags);
    put(o, "args_any", &r.args_any);
    put(o, "writes_any", &r.writes_any);
    put(o, "piped_from", &r.piped_from);
    if let Some(c) = r.construct {
        o.insert("construct".into(), json!(c.as_str()));
    }
    if let Some(p) = &r.pattern {
        o.insert("pattern".into(), json!(p));
    }
    if let Some(e) = r.packages_near_popular {
        o.insert("packages_near_popular".into(), json!(e.as_str()));
    }
}

/// A tool rule's matching fields.
fn call(r: &CallRule, o: &mut Map<String, Value>) {
    put(o, "tool", &names(&r.tools));
    put(o, "server", &names(&r.servers));
    let arguments: Vec<Value> = r.arguments.iter().map(argument).collect();
    put(o, "arguments", &arguments);
    if !r.annotations.is_empty() {
        let a: Map<String, Value> = r
            .annotations
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        o.insert("annotations".into(), Value::Object(a));
    }
    if r.changing_name {
        o.insert("changing_name".into(), json!(true));
    }
    if r.destructive_name {
        o.insert("destructive_name".into(), json!(true));
    }
}

/// A SQL rule's matching fields.
fn statement(r: &StatementRule, o: &mut Map<String, Value>) {
    let kinds: Vec<&str> = r.kinds.iter().map(|k| k.as_str()).collect();
    put(o, "kinds", &kinds);
    put(o, "object_types", &r.object_types);
    put(o, "objects", &r.objects);
}

/// A path rule's matching fields.
fn access(r: &AccessRule, o: &mut Map<String, Value>) {
    put(o, "paths", &r.paths);
    put(o, "not_paths", &r.not_paths);
    let kinds: Vec<&str> = r.kinds.iter().map(|a| a.as_str()).collect();
    put(o, "access", &kinds);
}

fn egress(r: &EgressRule) -> Value {
    let mut o = Map::new();
    meta(&r.meta, &mut o);
    let hosts: Vec<String> = r.hosts.iter().map(HostPattern::text).collect();
    put(&mut o, "hosts", &hosts);
    let cidrs: Vec<String> = r.cidrs.iter().map(ToString::to_string).collect();
    put(&mut o, "cidrs", &cidrs);
    let ports: Vec<Value> = r
        .ports
        .iter()
        .map(|p| json!(p))
        .chain(r.port_ranges.iter().map(|(a, b)| json!(format!("{a}-{b}"))))
        .collect();
    put(&mut o, "ports", &ports);
    put(&mut o, "made_by", &r.made_by);
    put(&mut o, "methods", &r.methods);
    put(&mut o, "schemes", &r.schemes);
    put(&mut o, "paths", &r.paths);
    let headers: Vec<Value> = r
        .headers
        .iter()
        .map(|h| json!({"name": h.name, "pattern": h.pattern}))
        .collect();
    put(&mut o, "headers", &headers);
    let bodies: Vec<Value> = r
        .json
        .iter()
        .map(|j| json!({"pointer": j.pointer, "pattern": j.pattern}))
        .collect();
    put(&mut o, "json", &bodies);
    if let Some(g) = &r.graphql {
        o.insert(
            "graphql".into(),
            json!({"operations": g.operations, "fields": g.fields}),
        );
    }
    if r.special {
        o.insert("special".into(), json!(true));
    }
    if r.override_special {
        o.insert("override_special".into(), json!(true));
    }
    Value::Object(o)
}

impl Policy {
    /// The policy as format-v1 JSON, with each base rule's `source`.
    pub fn to_value(&self) -> Value {
        let d = &self.defaults;
        let mut defaults = Map::new();
        defaults.insert("egress".into(), json!(d.egress.to_string()));
        defaults.insert("command".into(), json!(d.command.to_string()));
        defaults.insert("tool".into(), json!(d.tool.to_string()));
        if let Some(e) = d.command_egress {
            defaults.insert("command_egress".into(), json!(e.to_string()));
        }
        let commands: Vec<Value> = self
            .commands
            .iter()
            .map(|r| {
                let mut o = Map::new();
                meta(&r.meta, &mut o);
                argv(&r.argv, &mut o);
                Value::Object(o)
            })
            .collect();
        let tools: Vec<Value> = self
            .tools
            .iter()
            .map(|r| {
                let mut o = Map::new();
                meta(&r.meta, &mut o);
                call(&r.call, &mut o);
                Value::Object(o)
            })
            .collect();
        let mut out = Map::new();
        out.insert("version".into(), json!(1));
        out.insert("defaults".into(), Value::Object(defaults));
        out.insert(
            "inspection".into(),
            json!({
                "max_body_bytes": self.inspection.max_body_bytes,
                "oversize": self.inspection.oversize.to_string(),
                "paths": if self.inspection.strict_paths { "strict" } else { "standard" },
            }),
        );
        out.insert("audit_overflow".into(), json!(self.audit_overflow.as_str()));
        out.insert(
            "audit_durability".into(),
            json!(self.audit_durability.as_str()),
        );
        out.insert(
            "hooks".into(),
            json!({
                "grant": self.hooks.grant,
                "unattended_ask": self.hooks.unattended_ask.as_str(),
            }),
        );
        if !self.session.is_empty() {
            out.insert("session".into(), session(&self.session));
        }
        out.insert(
            "egress".into(),
            json!(self.egress.iter().map(egress).collect::<Vec<_>>()),
        );
        out.insert("commands".into(), json!(commands));
        out.insert("tools".into(), json!(tools));
        let sql: Vec<Value> = self
            .sql
            .iter()
            .map(|r| {
                let mut o = Map::new();
                meta(&r.meta, &mut o);
                statement(&r.statement, &mut o);
                Value::Object(o)
            })
            .collect();
        put(&mut out, "sql", &sql);
        let paths: Vec<Value> = self
            .paths
            .iter()
            .map(|r| {
                let mut o = Map::new();
                meta(&r.meta, &mut o);
                access(&r.access, &mut o);
                Value::Object(o)
            })
            .collect();
        put(&mut out, "paths", &paths);
        rbac(self, &mut out);
        if let Some(name) = &self.name {
            out.insert("name".into(), json!(name));
        }
        if !self.extends.is_empty() {
            out.insert("extends".into(), json!(self.extends));
        }
        if !self.disable.is_empty() {
            out.insert("disable".into(), json!(self.disable));
        }
        sorted(Value::Object(out))
    }
}

/// The `session` section: what it states, in the reader's field order.
fn session(s: &crate::session::SessionRules) -> Value {
    let mut o = Map::new();
    let lists = [
        ("sensitive_paths", &s.sensitive_paths),
        ("not_sensitive_paths", &s.not_sensitive_paths),
        ("untrusted_tools", &s.untrusted_tools),
        ("send_tools", &s.send_tools),
        ("protected_writes", &s.protected_writes),
    ];
    for (key, list) in lists {
        if !list.is_empty() {
            o.insert(key.into(), json!(list));
        }
    }
    let effects = [
        ("taint_egress", s.taint_egress),
        ("taint_send", s.taint_send),
        ("taint_secret", s.taint_secret),
        ("untrusted_write", s.untrusted_write),
        ("written_code", s.written_code),
        ("rate", s.rate),
    ];
    for (key, effect) in effects {
        if let Some(effect) = effect {
            o.insert(key.into(), json!(effect.to_string()));
        }
    }
    let numbers = [
        ("rate_limit", s.rate_limit.map(u64::from)),
        ("rate_window_seconds", s.rate_window_seconds),
        ("approval_ttl_seconds", s.approval_ttl_seconds),
        ("expire_after_seconds", s.expire_after_seconds),
        ("max_facts", s.max_facts.map(u64::from)),
    ];
    for (key, n) in numbers {
        if let Some(n) = n {
            o.insert(key.into(), json!(n));
        }
    }
    Value::Object(o)
}
