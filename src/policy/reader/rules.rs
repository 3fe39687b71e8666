//! Reading rules: one table of fields per kind of rule.
//!
//! A rule kind's table is the only place its field names are written for the
//! reader: it gives the set of keys a rule object may have (the "unknown
//! field" message lists them), which of them count as a matcher (the "rule
//! has no matcher" message lists those), the order fields are read in, and
//! the code that reads each value into the rule. A new field is one row here;
//! the rule type it fills (the matcher's own: [`ArgvRule`], [`CallRule`],
//! [`StatementRule`], [`AccessRule`]) is written once, in its module.
//! Cost: one pass over a rule's fields; each table's "no matcher" message is
//! joined once per process.

use std::sync::OnceLock;

use serde_json::Value;

use super::{Reader, META_FIELDS};
use crate::command::{ArgvRule, Construct, Ecosystem};
use crate::effect::Effect;
use crate::paths::{Access, AccessRule};
use crate::policy::error::{Diagnostic, ErrorKind};
use crate::policy::model::{CommandRule, EgressRule, PathRule, RuleMeta, SqlRule, ToolRule};
use crate::policy::path::FieldPath;
use crate::sql::{Kind, StatementRule};
use crate::tool::CallRule;

/// One field of a rule kind.
struct Field<T> {
    /// The key in the policy document.
    name: &'static str,
    /// True when the field alone makes a rule select something; false for a
    /// field that only narrows or qualifies (`not_flags` alone would match
    /// nearly every command).
    matcher: bool,
    /// Reads the field's value (at the given path) into the rule.
    read: fn(&mut Reader, &Value, FieldPath, &mut T),
}

impl<T> Field<T> {
    const fn matcher(name: &'static str, read: fn(&mut Reader, &Value, FieldPath, &mut T)) -> Self {
        Field {
            name,
            matcher: true,
            read,
        }
    }

    const fn modifier(
        name: &'static str,
        read: fn(&mut Reader, &Value, FieldPath, &mut T),
    ) -> Self {
        Field {
            name,
            matcher: false,
            read,
        }
    }
}

/// The fields of one rule kind, in the order they are read and listed.
struct RuleFields<T: 'static> {
    fields: &'static [Field<T>],
    /// The matchers' names, comma-separated: built on first use.
    matcher_list: OnceLock<String>,
}

impl<T> RuleFields<T> {
    const fn new(fields: &'static [Field<T>]) -> Self {
        RuleFields {
            fields,
            matcher_list: OnceLock::new(),
        }
    }

    /// `hosts, cidrs, …`: what the "rule has no matcher" message offers.
    fn matcher_list(&'static self) -> &'static str {
        self.matcher_list.get_or_init(|| {
            let names: Vec<&str> = self
                .fields
                .iter()
                .filter(|f| f.matcher)
                .map(|f| f.name)
                .collect();
            names.join(", ")
        })
    }
}

static EGRESS_FIELDS: RuleFields<EgressRule> = RuleFields::new(&[
    Field::matcher("hosts", |r, v, p, rule| {
        rule.hosts = r.items(v, &p, false, Reader::host);
    }),
    Field::matcher("cidrs", |r, v, p, rule| {
        rule.cidrs = r.items(v, &p, false, Reader::cidr);
    }),
    Field::matcher("ports", |r, v, p, rule| {
        for (from, to) in r.items(v, &p, false, Reader::port_or_range) {
            if from == to {
                rule.ports.push(from);
            } else {
                rule.port_ranges.push((from, to));
            }
        }
    }),
    Field::matcher("made_by", |r, v, p, rule| {
        rule.made_by = r.items(v, &p, false, Reader::made_by);
    }),
    Field::matcher("methods", |r, v, p, rule| {
        rule.methods = r.items(v, &p, false, Reader::method);
    }),
    Field::matcher("schemes", |r, v, p, rule| {
        rule.schemes = r.items(v, &p, false, Reader::scheme);
    }),
    Field::matcher("paths", |r, v, p, rule| {
        rule.paths = r.items(v, &p, false, Reader::path_glob);
    }),
    Field::matcher("headers", |r, v, p, rule| {
        rule.headers = r.items(v, &p, false, Reader::header);
    }),
    Field::matcher("json", |r, v, p, rule| {
        rule.json = r.items(v, &p, false, Reader::json_match);
    }),
    Field::matcher("graphql", |r, v, p, rule| rule.graphql = r.graphql(v, &p)),
    Field::modifier("special", |r, v, p, rule| rule.special = r.boolean(v, p)),
    Field::modifier("override_special", |r, v, p, rule| {
        rule.override_special = r.boolean(v, p);
    }),
]);

static COMMAND_FIELDS: RuleFields<ArgvRule> = RuleFields::new(&[
    Field::matcher("program", |r, v, p, rule| {
        rule.programs = r.items(v, &p, true, Reader::name_pattern);
    }),
    Field::matcher("subcommand", |r, v, p, rule| {
        rule.subcommands = r.items(v, &p, true, |r, v, p| {
            r.word(v, p)
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
        });
    }),
    Field::matcher("flags_all", |r, v, p, rule| {
        rule.flags_all = r.items(v, &p, true, Reader::flag);
    }),
    Field::matcher("flags_any", |r, v, p, rule| {
        rule.flags_any = r.items(v, &p, true, Reader::flag);
    }),
    Field::modifier("not_flags", |r, v, p, rule| {
        rule.not_flags = r.items(v, &p, true, Reader::flag);
    }),
    Field::matcher("args_any", |r, v, p, rule| {
        rule.args_any = r.items(v, &p, true, Reader::word);
    }),
    Field::matcher("writes_any", |r, v, p, rule| {
        rule.writes_any = r.items(v, &p, true, Reader::word);
    }),
    Field::matcher("piped_from", |r, v, p, rule| {
        rule.piped_from = r.items(v, &p, true, Reader::word);
    }),
    Field::matcher("construct", |r, v, p, rule| {
        rule.construct = r.construct(v, p);
    }),
    Field::matcher("pattern", |r, v, p, rule| rule.pattern = r.regex(v, p)),
    Field::matcher("packages_near_popular", |r, v, p, rule| {
        rule.packages_near_popular = r.ecosystem(v, p);
    }),
]);

static TOOL_FIELDS: RuleFields<CallRule> = RuleFields::new(&[
    Field::matcher("tool", |r, v, p, rule| {
        rule.tools = r.items(v, &p, true, Reader::name_pattern);
    }),
    Field::matcher("server", |r, v, p, rule| {
        rule.servers = r.items(v, &p, true, Reader::name_pattern);
    }),
    Field::matcher("arguments", |r, v, p, rule| {
        rule.arguments = r.items(v, &p, false, Reader::argument);
    }),
    Field::matcher("annotations", |r, v, p, rule| {
        rule.annotations = r.annotations(v, &p);
    }),
    Field::matcher("destructive_name", |r, v, p, rule| match v {
        Value::Bool(true) => rule.destructive_name = true,
        other => r.wrong_type(p, "true (omit the field otherwise)", other),
    }),
    Field::matcher("changing_name", |r, v, p, rule| match v {
        Value::Bool(true) => rule.changing_name = true,
        other => r.wrong_type(p, "true (omit the field otherwise)", other),
    }),
]);

static SQL_FIELDS: RuleFields<StatementRule> = RuleFields::new(&[
    Field::matcher("kinds", |r, v, p, rule| {
        rule.kinds = r.items(v, &p, true, Reader::sql_kind);
    }),
    Field::matcher("object_types", |r, v, p, rule| {
        rule.object_types = r.items(v, &p, true, Reader::lowercase);
    }),
    Field::matcher("objects", |r, v, p, rule| {
        rule.objects = r.items(v, &p, true, Reader::lowercase);
    }),
]);

static PATH_FIELDS: RuleFields<AccessRule> = RuleFields::new(&[
    Field::matcher("paths", |r, v, p, rule| {
        rule.paths = r.items(v, &p, true, Reader::file_glob);
    }),
    Field::modifier("not_paths", |r, v, p, rule| {
        rule.not_paths = r.items(v, &p, true, Reader::file_glob);
    }),
    Field::modifier("access", |r, v, p, rule| {
        rule.kinds = r.items(v, &p, true, Reader::access);
    }),
]);

/// MCP annotations a tool rule may test.
const ANNOTATIONS: &[&str] = &[
    "readOnlyHint",
    "destructiveHint",
    "idempotentHint",
    "openWorldHint",
];

impl Reader {
    /// Reads a rule object: the common fields, then the fields of `kind`,
    /// each in table order. Diagnostics raised inside the rule are tagged
    /// with its id; a rule with an error in one of its fields is dropped.
    fn rule<T: Default>(
        &mut self,
        value: &Value,
        path: &FieldPath,
        kind: &'static RuleFields<T>,
    ) -> Option<(RuleMeta, T)> {
        let start = self.diags.len();
        let allowed: Vec<&str> = META_FIELDS
            .iter()
            .copied()
            .chain(kind.fields.iter().map(|f| f.name))
            .collect();
        let map = self.object(value, path, &allowed)?;
        let meta = self.meta(map, path);
        // A rule with a misspelled matcher already has an unknown-field error;
        // "no matcher" would only repeat it.
        let misspelled = map.keys().any(|k| !allowed.contains(&k.as_str()));
        let has_matcher = kind
            .fields
            .iter()
            .any(|f| f.matcher && map.contains_key(f.name));
        if !misspelled && !has_matcher {
            self.error(path.clone(), ErrorKind::EmptyRule(kind.matcher_list()));
        }
        let before = self.diags.len();
        let mut body = T::default();
        for field in kind.fields {
            if let Some(value) = map.get(field.name) {
                (field.read)(self, value, path.key(field.name), &mut body);
            }
        }
        let body = (self.diags.len() == before).then_some(body);
        if let Some(id) = map.get("id").and_then(Value::as_str) {
            for d in self.diags.iter_mut().skip(start) {
                d.rule = Some(id.to_owned());
            }
        }
        Some((meta?, body?))
    }

    pub(super) fn egress_rule(&mut self, value: &Value, path: FieldPath) -> Option<EgressRule> {
        let (meta, rule) = self.rule(value, &path, &EGRESS_FIELDS)?;
        let wrong = |field: &str, want: Effect| {
            Diagnostic::new(
                path.key(field),
                ErrorKind::Inconsistent(format!(
                    "`{field}` is only for rules with effect `{want}`, and this rule's is `{}`",
                    meta.effect
                )),
            )
        };
        let mut problems = Vec::new();
        if rule.special && meta.effect != Effect::Deny {
            problems.push(wrong("special", Effect::Deny));
        }
        if rule.override_special && meta.effect != Effect::Allow {
            problems.push(wrong("override_special", Effect::Allow));
        }
        if !problems.is_empty() {
            for mut d in problems {
                d.rule = Some(meta.id.clone());
                self.diags.push(d);
            }
            return None;
        }
        Some(EgressRule { meta, ..rule })
    }

    pub(super) fn command_rule(&mut self, value: &Value, path: FieldPath) -> Option<CommandRule> {
        let (meta, argv) = self.rule(value, &path, &COMMAND_FIELDS)?;
        Some(CommandRule { meta, argv })
    }

    pub(super) fn tool_rule(&mut self, value: &Value, path: FieldPath) -> Option<ToolRule> {
        let (meta, call) = self.rule(value, &path, &TOOL_FIELDS)?;
        Some(ToolRule { meta, call })
    }

    pub(super) fn sql_rule(&mut self, value: &Value, path: FieldPath) -> Option<SqlRule> {
        let (meta, statement) = self.rule(value, &path, &SQL_FIELDS)?;
        Some(SqlRule { meta, statement })
    }

    pub(super) fn path_rule(&mut self, value: &Value, path: FieldPath) -> Option<PathRule> {
        let (meta, access) = self.rule(value, &path, &PATH_FIELDS)?;
        Some(PathRule { meta, access })
    }

    /// A boolean (a wrong type is reported and reads as false).
    fn boolean(&mut self, value: &Value, path: FieldPath) -> bool {
        match value {
            Value::Bool(b) => *b,
            other => {
                self.wrong_type(path, "a boolean", other);
                false
            }
        }
    }

    /// A construct's policy name (`fork-bomb`).
    fn construct(&mut self, value: &Value, path: FieldPath) -> Option<Construct> {
        let raw = self.string(value, &path)?;
        let construct = Construct::from_name(raw);
        if construct.is_none() {
            self.error(path, ErrorKind::UnknownConstruct(raw.to_owned()));
        }
        construct
    }

    /// A package registry's policy name (`pypi`).
    fn ecosystem(&mut self, value: &Value, path: FieldPath) -> Option<Ecosystem> {
        let raw = self.string(value, &path)?;
        let ecosystem = Ecosystem::from_name(raw);
        if ecosystem.is_none() {
            self.error(path, ErrorKind::UnknownEcosystem(raw.to_owned()));
        }
        ecosystem
    }

    /// `{"destructiveHint": true, …}`: the known annotations and their values.
    fn annotations(&mut self, value: &Value, path: &FieldPath) -> Vec<(String, bool)> {
        let mut annotations = Vec::new();
        if let Some(obj) = self.object(value, path, ANNOTATIONS) {
            for (k, v) in obj {
                match v {
                    Value::Bool(b) if ANNOTATIONS.contains(&k.as_str()) => {
                        annotations.push((k.clone(), *b));
                    }
                    Value::Bool(_) => {}
                    other => self.wrong_type(path.key(k), "a boolean", other),
                }
            }
        }
        annotations
    }

    /// A SQL statement kind (`drop`, `delete-all`, …).
    fn sql_kind(&mut self, value: &Value, path: FieldPath) -> Option<Kind> {
        let k = self.string(value, &path)?;
        if let Some(kind) = Kind::from_name(k) {
            return Some(kind);
        }
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        let reason = format!(
            "not a statement kind; expected one of: {}",
            known.join(", ")
        );
        self.invalid_pattern(path, k, reason);
        None
    }

    /// A string, lowercased (SQL object types and names).
    fn lowercase(&mut self, value: &Value, path: FieldPath) -> Option<String> {
        self.string(value, &path).map(|s| s.to_ascii_lowercase())
    }

    /// `read`, `write` or `delete`.
    fn access(&mut self, value: &Value, path: FieldPath) -> Option<Access> {
        let a = self.string(value, &path)?;
        if let Some(access) = Access::from_name(a) {
            return Some(access);
        }
        self.invalid_pattern(path, a, "expected `read`, `write` or `delete`");
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_matcher_messages_list_each_kinds_matchers_in_table_order() {
        let lists = [
            (
                EGRESS_FIELDS.matcher_list(),
                "hosts, cidrs, ports, made_by, methods, schemes, paths, headers, json, graphql",
            ),
            (
                COMMAND_FIELDS.matcher_list(),
                "program, subcommand, flags_all, flags_any, args_any, writes_any, piped_from, construct, pattern, \
                 packages_near_popular",
            ),
            (
                TOOL_FIELDS.matcher_list(),
                "tool, server, arguments, annotations, destructive_name, changing_name",
            ),
            (SQL_FIELDS.matcher_list(), "kinds, object_types, objects"),
            (PATH_FIELDS.matcher_list(), "paths"),
        ];
        for (got, want) in lists {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn unknown_field_message_lists_the_common_fields_then_the_kinds_fields() {
        let policy = serde_json::json!({"version": 1, "commands": [
            {"id": "x", "effect": "deny", "program": "rm", "flag_any": ["-r"]}
        ]});
        let Err(diagnostics) = super::super::read_policy(&policy) else {
            panic!("a misspelled field was accepted");
        };
        let messages: Vec<String> = diagnostics.iter().map(|d| d.kind.to_string()).collect();
        assert_eq!(
            messages,
            [
                "unknown field `flag_any`; expected one of: id, effect, reason, shadow, examples, \
              roles, environments, actions, program, subcommand, flags_all, flags_any, \
              not_flags, args_any, writes_any, piped_from, construct, pattern, \
              packages_near_popular"
            ]
        );
    }

    #[test]
    fn a_path_rule_with_only_exceptions_has_no_matcher() {
        let policy = serde_json::json!({"version": 1, "paths": [
            {"id": "x", "effect": "deny", "not_paths": ["/tmp/**"]}
        ]});
        let Err(diagnostics) = super::super::read_policy(&policy) else {
            panic!("a rule without a matcher was accepted");
        };
        let messages: Vec<String> = diagnostics.iter().map(|d| d.kind.to_string()).collect();
        assert_eq!(
            messages,
            ["rule has no matcher; set at least one of: paths"]
        );
    }
}
