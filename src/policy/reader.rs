//! Reads a value tree into a validated [`Policy`], collecting every error.
//!
//! The reader walks the tree by hand instead of deriving `Deserialize`, for
//! one reason: a policy author wants *all* the mistakes at once, each with its
//! class, its field path and its rule id, and serde stops at the first. Each
//! section and each rule is read independently; a bad rule is reported and
//! skipped, and the reader carries on. Each section's field names are written
//! once, in a table that both checks the keys and lists them in the messages
//! (the rule tables, with the code that reads each field, are in
//! [`rules`]). Cost: one pass over the tree, linear in the policy size, at
//! compile time only.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::{Map, Value};

use super::error::{Diagnostic, ErrorKind};
mod rbac;
mod rules;

use super::model::{
    AuditOverflow, Defaults, Examples, Explicit, GraphqlMatch, HeaderMatch, HostPattern,
    Inspection, JsonMatch, Policy, RuleMeta,
};
use super::path::FieldPath;
use crate::effect::Effect;
use crate::hook::{Hooks, UnattendedAsk};
use crate::pattern::NamePattern;
use crate::session::SessionRules;
use crate::tool::{ArgumentMatch, Comparison, ValueTest};

const TOP_FIELDS: &[&str] = &[
    "version",
    "name",
    "extends",
    "disable",
    "defaults",
    "inspection",
    "audit_overflow",
    "audit_durability",
    "hooks",
    "session",
    "egress",
    "commands",
    "tools",
    "sql",
    "paths",
    "roles",
    "principals",
    "environments",
    "permissions",
    "cedar",
];
/// The fields of `defaults`, in the order of [`Explicit::defaults`].
const DEFAULTS_FIELDS: [&str; 4] = ["egress", "command", "tool", "command_egress"];
/// The fields of `inspection`, in the order of [`Explicit::inspection`].
const INSPECTION_FIELDS: [&str; 3] = ["max_body_bytes", "oversize", "paths"];
/// The fields of `hooks`, in the order of [`Explicit::hooks`].
const HOOKS_FIELDS: [&str; 2] = ["grant", "unattended_ask"];
/// The fields of `session`.
const SESSION_FIELDS: &[&str] = &[
    "sensitive_paths",
    "not_sensitive_paths",
    "untrusted_tools",
    "send_tools",
    "protected_writes",
    "taint_egress",
    "taint_send",
    "taint_secret",
    "untrusted_write",
    "written_code",
    "rate",
    "rate_limit",
    "rate_window_seconds",
    "approval_ttl_seconds",
    "expire_after_seconds",
    "max_facts",
];
const META_FIELDS: &[&str] = &[
    "id",
    "effect",
    "reason",
    "shadow",
    "examples",
    "roles",
    "environments",
    "actions",
];
const EXAMPLES_FIELDS: &[&str] = &["match", "no_match"];
const HEADER_FIELDS: &[&str] = &["name", "pattern"];
const JSON_FIELDS: &[&str] = &["pointer", "pattern"];
const GRAPHQL_FIELDS: &[&str] = &["operations", "fields"];
const GRAPHQL_OPERATIONS: &[&str] = &["query", "mutation", "subscription"];
/// Largest `inspection.max_body_bytes` (16 MiB).
const MAX_INSPECTED_BODY: u64 = 16 << 20;
const ARGUMENT_TESTS: &[&str] = &[
    "exists", "equals", "one_of", "glob", "regex", "gt", "gte", "lt", "lte",
];

/// Longest rule id, in bytes.
const MAX_ID_BYTES: usize = 128;
/// Longest regular expression source, in bytes.
const MAX_PATTERN_BYTES: usize = 4096;

/// Reads and validates a policy; `Err` holds every problem found (never empty).
pub(crate) fn read_policy(root: &Value) -> Result<Policy, Vec<Diagnostic>> {
    read_with(Reader::default(), root)
}

/// As [`read_policy`] for a policy embedded in the binary and checked in
/// full by the test suite: regex patterns are not parsed again here (their
/// automata check them when built).
pub(crate) fn read_embedded(root: &Value) -> Result<Policy, Vec<Diagnostic>> {
    read_with(
        Reader {
            embedded: true,
            ..Reader::default()
        },
        root,
    )
}

fn read_with(mut reader: Reader, root: &Value) -> Result<Policy, Vec<Diagnostic>> {
    let policy = reader.policy(root);
    match policy {
        Some(policy) if reader.diags.is_empty() => Ok(policy),
        _ => Err(reader.diags),
    }
}

#[derive(Default)]
struct Reader {
    diags: Vec<Diagnostic>,
    /// Reading an embedded, test-checked policy (see [`read_embedded`]).
    embedded: bool,
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Reader {
    fn error(&mut self, path: FieldPath, kind: ErrorKind) {
        self.diags.push(Diagnostic::new(path, kind));
    }

    fn wrong_type(&mut self, path: FieldPath, expected: &'static str, found: &Value) {
        self.error(
            path,
            ErrorKind::WrongType {
                expected,
                found: type_name(found),
            },
        );
    }

    /// An object whose keys are all in `allowed`; unknown keys are reported, one by one.
    fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &FieldPath,
        allowed: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Value::Object(map) = value else {
            self.wrong_type(path.clone(), "an object", value);
            return None;
        };
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                self.error(
                    path.key(key),
                    ErrorKind::UnknownField {
                        field: key.clone(),
                        expected: allowed.join(", "),
                    },
                );
            }
        }
        Some(map)
    }

    /// Reports `raw` (shortened to 64 characters) as an invalid pattern.
    fn invalid_pattern(&mut self, path: FieldPath, raw: &str, reason: impl Into<String>) {
        let pattern = raw.chars().take(64).collect();
        let reason = reason.into();
        self.error(path, ErrorKind::InvalidPattern { pattern, reason });
    }

    /// A required string field of an object.
    fn required_string<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        key: &'static str,
        path: &FieldPath,
    ) -> Option<&'v str> {
        match map.get(key) {
            Some(value) => self.string(value, &path.key(key)),
            None => {
                self.error(path.clone(), ErrorKind::MissingField(key));
                None
            }
        }
    }

    fn string<'v>(&mut self, value: &'v Value, path: &FieldPath) -> Option<&'v str> {
        match value {
            Value::String(s) => Some(s),
            other => {
                self.wrong_type(path.clone(), "a string", other);
                None
            }
        }
    }

    fn effect(&mut self, value: &Value, path: &FieldPath) -> Option<Effect> {
        let text = self.string(value, path)?;
        match text.parse() {
            Ok(effect) => Some(effect),
            Err(()) => {
                self.error(path.clone(), ErrorKind::InvalidEffect(text.to_owned()));
                None
            }
        }
    }

    /// A present list's elements with their paths. A single string is accepted
    /// where `single_ok` is set. An empty list is an error.
    fn list<'v>(
        &mut self,
        value: &'v Value,
        path: &FieldPath,
        single_ok: bool,
    ) -> Vec<(FieldPath, &'v Value)> {
        match value {
            Value::Array(items) => {
                if items.is_empty() {
                    self.error(path.clone(), ErrorKind::EmptyList);
                }
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (path.index(i), item))
                    .collect()
            }
            Value::String(_) if single_ok => vec![(path.clone(), value)],
            other => {
                let expected = if single_ok {
                    "a string or an array of strings"
                } else {
                    "an array"
                };
                self.wrong_type(path.clone(), expected, other);
                Vec::new()
            }
        }
    }

    /// Reads each element of an optional list field with `read`, keeping the good ones.
    fn each<'v, T>(
        &mut self,
        map: &'v Map<String, Value>,
        key: &str,
        path: &FieldPath,
        single_ok: bool,
        read: impl FnMut(&mut Self, &'v Value, FieldPath) -> Option<T>,
    ) -> Vec<T> {
        match map.get(key) {
            Some(value) => self.items(value, &path.key(key), single_ok, read),
            None => Vec::new(),
        }
    }

    /// Reads each element of a present list (at `path`) with `read`, keeping the good ones.
    fn items<'v, T>(
        &mut self,
        value: &'v Value,
        path: &FieldPath,
        single_ok: bool,
        mut read: impl FnMut(&mut Self, &'v Value, FieldPath) -> Option<T>,
    ) -> Vec<T> {
        self.list(value, path, single_ok)
            .into_iter()
            .filter_map(|(item_path, item)| read(self, item, item_path))
            .collect()
    }

    fn policy(&mut self, root: &Value) -> Option<Policy> {
        let top = FieldPath::root();
        let map = self.object(root, &top, TOP_FIELDS)?;
        match map.get("version") {
            None => self.error(top.clone(), ErrorKind::MissingField("version")),
            Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
            Some(Value::Number(n)) => {
                // A version this build does not know: the rest of the document
                // follows another schema, so reading on would only add noise.
                self.error(
                    top.key("version"),
                    ErrorKind::UnsupportedVersion(n.to_string()),
                );
                return None;
            }
            Some(other) => self.wrong_type(top.key("version"), "the integer 1", other),
        }
        let name = match map.get("name") {
            Some(value) => self.string(value, &top.key("name")).map(str::to_owned),
            None => None,
        };
        let defaults = match map.get("defaults") {
            Some(value) => self.defaults(value, &top.key("defaults")),
            None => Defaults::default(),
        };
        let inspection = match map.get("inspection") {
            Some(value) => self.inspection(value, &top.key("inspection")),
            None => Inspection::default(),
        };
        let audit_overflow = match map.get("audit_overflow") {
            Some(value) => self.audit_overflow(value, &top.key("audit_overflow")),
            None => AuditOverflow::default(),
        };
        let audit_durability = match map.get("audit_durability") {
            Some(value) => self.audit_durability(value, &top.key("audit_durability")),
            None => crate::audit::Durability::default(),
        };
        let hooks = match map.get("hooks") {
            Some(value) => self.hooks(value, &top.key("hooks")),
            None => Hooks::default(),
        };
        let session = match map.get("session") {
            Some(value) => self.session(value, &top.key("session")),
            None => SessionRules::default(),
        };
        let egress = self.each(map, "egress", &top, false, |r, v, p| r.egress_rule(v, p));
        let commands = self.each(map, "commands", &top, false, |r, v, p| r.command_rule(v, p));
        let tools = self.each(map, "tools", &top, false, |r, v, p| r.tool_rule(v, p));
        let sql = self.each(map, "sql", &top, false, |r, v, p| r.sql_rule(v, p));
        let paths = self.each(map, "paths", &top, false, |r, v, p| r.path_rule(v, p));
        let roles = self.each(map, "roles", &top, false, |r, v, p| r.role(v, p));
        let principals = self.each(map, "principals", &top, false, |r, v, p| r.binding(v, p));
        let environments = self.each(map, "environments", &top, false, |r, v, p| {
            r.environment(v, p)
        });
        let permissions = self.each(map, "permissions", &top, false, |r, v, p| {
            r.permission(v, p)
        });
        let cedar = map
            .get("cedar")
            .and_then(|v| self.cedar(v, &top.key("cedar")));
        let names = |r: &mut Self, key: &str| {
            r.each(map, key, &top, true, |r, v, p| {
                let name = r.string(v, &p)?;
                if name.trim().is_empty() || name.len() > MAX_PATTERN_BYTES {
                    r.invalid_pattern(
                        p,
                        name,
                        "expected a pack name, a rule id or a relative path",
                    );
                    return None;
                }
                Some(name.to_owned())
            })
        };
        let extends = names(self, "extends");
        let disable = names(self, "disable");
        let explicit = Explicit {
            defaults: DEFAULTS_FIELDS.map(|k| map.get("defaults").and_then(|d| d.get(k)).is_some()),
            inspection: INSPECTION_FIELDS
                .map(|k| map.get("inspection").and_then(|d| d.get(k)).is_some()),
            audit_overflow: map.contains_key("audit_overflow"),
            audit_durability: map.contains_key("audit_durability"),
            hooks: HOOKS_FIELDS.map(|k| map.get("hooks").and_then(|d| d.get(k)).is_some()),
        };

        let policy = Policy {
            version: 1,
            name,
            defaults,
            egress,
            commands,
            tools,
            sql,
            paths,
            roles,
            principals,
            environments,
            permissions,
            cedar,
            inspection,
            audit_overflow,
            audit_durability,
            hooks,
            session,
            extends,
            disable,
            explicit,
            notes: Vec::new(),
        };
        self.check_unique_ids(map);
        self.check_unique_definitions(map);
        Some(policy)
    }

    fn defaults(&mut self, value: &Value, path: &FieldPath) -> Defaults {
        let mut defaults = Defaults::default();
        let Some(map) = self.object(value, path, &DEFAULTS_FIELDS) else {
            return defaults;
        };
        let slots = [
            ("egress", &mut defaults.egress),
            ("command", &mut defaults.command),
            ("tool", &mut defaults.tool),
        ];
        for (key, slot) in slots {
            if let Some(value) = map.get(key) {
                if let Some(effect) = self.effect(value, &path.key(key)) {
                    *slot = effect;
                }
            }
        }
        if let Some(value) = map.get("command_egress") {
            defaults.command_egress = self.effect(value, &path.key("command_egress"));
        }
        defaults
    }

    fn audit_overflow(&mut self, value: &Value, path: &FieldPath) -> AuditOverflow {
        match value.as_str() {
            Some("block") => AuditOverflow::Block,
            Some("deny") => AuditOverflow::Deny,
            _ => {
                self.wrong_type(path.clone(), "`block` or `deny`", value);
                AuditOverflow::default()
            }
        }
    }

    fn audit_durability(&mut self, value: &Value, path: &FieldPath) -> crate::audit::Durability {
        match value.as_str().and_then(crate::audit::Durability::parse) {
            Some(level) => level,
            None => {
                self.wrong_type(path.clone(), "`written`, `synced` or `buffered`", value);
                crate::audit::Durability::default()
            }
        }
    }

    fn hooks(&mut self, value: &Value, path: &FieldPath) -> Hooks {
        let mut hooks = Hooks::default();
        let Some(map) = self.object(value, path, &HOOKS_FIELDS) else {
            return hooks;
        };
        if let Some(value) = map.get("grant") {
            match value.as_bool() {
                Some(grant) => hooks.grant = grant,
                None => self.wrong_type(path.key("grant"), "`true` or `false`", value),
            }
        }
        if let Some(value) = map.get("unattended_ask") {
            match value.as_str() {
                Some("deny") => hooks.unattended_ask = UnattendedAsk::Deny,
                Some("pass") => hooks.unattended_ask = UnattendedAsk::Pass,
                _ => self.wrong_type(path.key("unattended_ask"), "`deny` or `pass`", value),
            }
        }
        hooks
    }

    /// The `session` section: every field checked, every mistake reported.
    fn session(&mut self, value: &Value, path: &FieldPath) -> SessionRules {
        let mut s = SessionRules::default();
        let Some(map) = self.object(value, path, SESSION_FIELDS) else {
            return s;
        };
        let globs = [
            ("sensitive_paths", &mut s.sensitive_paths),
            ("not_sensitive_paths", &mut s.not_sensitive_paths),
            ("protected_writes", &mut s.protected_writes),
        ];
        for (key, slot) in globs {
            if let Some(v) = map.get(key) {
                *slot = self.items(v, &path.key(key), false, Reader::file_glob);
            }
        }
        let names = [
            ("untrusted_tools", &mut s.untrusted_tools),
            ("send_tools", &mut s.send_tools),
        ];
        for (key, slot) in names {
            if let Some(v) = map.get(key) {
                *slot = self.items(v, &path.key(key), false, |r, v, p| {
                    r.name_pattern(v, p.clone())
                        .map(|_| v.as_str().unwrap_or_default().to_owned())
                });
            }
        }
        let effects = [
            ("taint_egress", &mut s.taint_egress),
            ("taint_send", &mut s.taint_send),
            ("taint_secret", &mut s.taint_secret),
            ("untrusted_write", &mut s.untrusted_write),
            ("written_code", &mut s.written_code),
            ("rate", &mut s.rate),
        ];
        for (key, slot) in effects {
            if let Some(v) = map.get(key) {
                *slot = self.effect(v, &path.key(key));
            }
        }
        const SECONDS: (u64, u64, &str) = (1, 1 << 32, "a whole number of seconds from 1 to 2^32");
        let counts = [
            ("rate_window_seconds", &mut s.rate_window_seconds),
            ("approval_ttl_seconds", &mut s.approval_ttl_seconds),
            ("expire_after_seconds", &mut s.expire_after_seconds),
        ];
        for (key, slot) in counts {
            if let Some(v) = map.get(key) {
                *slot = self.count(v, &path.key(key), SECONDS);
            }
        }
        if let Some(v) = map.get("rate_limit") {
            let bounds = (0, u64::from(u32::MAX), "an integer from 0 to 2^32 - 1");
            s.rate_limit = self
                .count(v, &path.key("rate_limit"), bounds)
                .and_then(|n| u32::try_from(n).ok());
        }
        if let Some(v) = map.get("max_facts") {
            let max = u64::from(crate::session::rule::MAX_FACTS_LIMIT);
            s.max_facts = self
                .count(
                    v,
                    &path.key("max_facts"),
                    (1, max, "an integer from 1 to 65536"),
                )
                .and_then(|n| u32::try_from(n).ok());
        }
        s
    }

    /// An integer within `(min, max, what)` (a wrong one is reported as
    /// expected to be `what`).
    fn count(
        &mut self,
        value: &Value,
        path: &FieldPath,
        (min, max, what): (u64, u64, &'static str),
    ) -> Option<u64> {
        match value.as_u64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.wrong_type(path.clone(), what, value);
                None
            }
        }
    }

    fn inspection(&mut self, value: &Value, path: &FieldPath) -> Inspection {
        let mut inspection = Inspection::default();
        let Some(map) = self.object(value, path, &INSPECTION_FIELDS) else {
            return inspection;
        };
        if let Some(value) = map.get("max_body_bytes") {
            let path = path.key("max_body_bytes");
            match value.as_u64() {
                Some(n) if n <= MAX_INSPECTED_BODY => {
                    inspection.max_body_bytes = usize::try_from(n).unwrap_or(usize::MAX);
                }
                Some(n) => self.error(
                    path,
                    ErrorKind::Limit(format!(
                        "max_body_bytes is {n}; the maximum is {MAX_INSPECTED_BODY}"
                    )),
                ),
                None => self.wrong_type(path, "a non-negative integer", value),
            }
        }
        if let Some(value) = map.get("oversize") {
            if let Some(effect) = self.effect(value, &path.key("oversize")) {
                inspection.oversize = effect;
            }
        }
        if let Some(value) = map.get("paths") {
            match value.as_str() {
                Some("strict") => inspection.strict_paths = true,
                Some("standard") => inspection.strict_paths = false,
                _ => self.wrong_type(path.key("paths"), "\"standard\" or \"strict\"", value),
            }
        }
        inspection
    }

    /// Every rule id is unique across egress, commands and tools. Ids are read
    /// again from the tree so that rules dropped for other errors still count.
    fn check_unique_ids(&mut self, map: &Map<String, Value>) {
        let mut first: HashMap<&str, FieldPath> = HashMap::new();
        for section in ["egress", "commands", "tools", "sql", "paths", "permissions"] {
            let Some(Value::Array(rules)) = map.get(section) else {
                continue;
            };
            for (i, rule) in rules.iter().enumerate() {
                let Some(id) = rule.get("id").and_then(Value::as_str) else {
                    continue;
                };
                let path = FieldPath::root().key(section).index(i);
                match first.get(id) {
                    Some(first_path) => {
                        let mut d = Diagnostic::new(
                            path.key("id"),
                            ErrorKind::DuplicateId {
                                id: id.to_owned(),
                                first: first_path.to_string(),
                            },
                        );
                        d.rule = Some(id.to_owned());
                        self.diags.push(d);
                    }
                    None => {
                        first.insert(id, path);
                    }
                }
            }
        }
    }

    fn meta(&mut self, map: &Map<String, Value>, path: &FieldPath) -> Option<RuleMeta> {
        let id = match map.get("id") {
            None => {
                self.error(path.clone(), ErrorKind::MissingField("id"));
                None
            }
            Some(value) => self.string(value, &path.key("id")).and_then(|id| {
                let valid = !id.is_empty()
                    && id.len() <= MAX_ID_BYTES
                    && !id.chars().any(|c| c.is_whitespace() || c.is_control());
                if !valid {
                    self.error(path.key("id"), ErrorKind::InvalidId(id.to_owned()));
                }
                valid.then(|| id.to_owned())
            }),
        };
        let effect = match map.get("effect") {
            None => {
                self.error(path.clone(), ErrorKind::MissingField("effect"));
                None
            }
            Some(value) => self.effect(value, &path.key("effect")),
        };
        let reason = match map.get("reason") {
            Some(value) => Some(self.string(value, &path.key("reason"))?.to_owned()),
            None => None,
        };
        let shadow = match map.get("shadow") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.wrong_type(path.key("shadow"), "a boolean", other);
                return None;
            }
        };
        let examples = match map.get("examples") {
            None => Examples::default(),
            Some(value) => self.examples(value, &path.key("examples"))?,
        };
        let roles = self.each(map, "roles", path, true, |r, v, p| r.name(v, p, "role"));
        let environments = self.each(map, "environments", path, true, |r, v, p| {
            r.name(v, p, "environment")
        });
        let actions = self.each(map, "actions", path, true, |r, v, p| r.action(v, p));
        Some(RuleMeta {
            id: id?,
            effect: effect?,
            reason,
            shadow,
            examples,
            source: None,
            roles,
            environments,
            actions,
        })
    }

    fn examples(&mut self, value: &Value, path: &FieldPath) -> Option<Examples> {
        let map = self.object(value, path, EXAMPLES_FIELDS)?;
        let read = |r: &mut Self, key: &str| {
            r.each(map, key, path, false, |r, v, p| {
                r.string(v, &p).map(str::to_owned)
            })
        };
        Some(Examples {
            matching: read(self, "match"),
            not_matching: read(self, "no_match"),
        })
    }

    /// A path glob: starts with `/`, no whitespace or control characters.
    /// A file path glob: anchored at the root (`/etc/**`), the home
    /// directory (`~/.aws/credentials`) or anywhere (`**/.env`).
    fn file_glob(&mut self, value: &Value, path: FieldPath) -> Option<String> {
        let raw = self.string(value, &path)?;
        let valid = (raw.starts_with('/') || raw.starts_with("~/") || raw.starts_with("**/"))
            && raw.len() <= MAX_PATTERN_BYTES
            && !raw.chars().any(|c| c.is_control());
        if valid {
            return Some(raw.to_owned());
        }
        let reason = format!("a path glob starts with `/`, `~/` or `**/` (anywhere), has no control characters, and is at most {MAX_PATTERN_BYTES} bytes");
        self.invalid_pattern(path, raw, reason);
        None
    }

    fn path_glob(&mut self, value: &Value, path: FieldPath) -> Option<String> {
        let raw = self.string(value, &path)?;
        let valid = raw.starts_with('/')
            && raw.len() <= MAX_PATTERN_BYTES
            && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
            && !raw.contains(['?', '#']);
        if valid {
            Some(raw.to_owned())
        } else {
            let reason = format!("a path glob starts with `/`, has no whitespace, control characters, `?` or `#`, and is at most {MAX_PATTERN_BYTES} bytes");
            self.invalid_pattern(path, raw, reason);
            None
        }
    }

    fn optional_regex(
        &mut self,
        map: &Map<String, Value>,
        path: &FieldPath,
    ) -> Option<Option<String>> {
        match map.get("pattern") {
            None => Some(None),
            Some(value) => self.regex(value, path.key("pattern")).map(Some),
        }
    }

    fn header(&mut self, value: &Value, path: FieldPath) -> Option<HeaderMatch> {
        let map = self.object(value, &path, HEADER_FIELDS)?;
        let name = self.required_string(map, "name", &path)?;
        if !crate::egress::is_http_token(name) {
            let reason = "a header name is an HTTP token of 1 to 32 bytes";
            self.invalid_pattern(path.key("name"), name, reason);
            return None;
        }
        let pattern = self.optional_regex(map, &path)?;
        Some(HeaderMatch {
            name: name.to_ascii_lowercase(),
            pattern,
        })
    }

    fn json_match(&mut self, value: &Value, path: FieldPath) -> Option<JsonMatch> {
        let map = self.object(value, &path, JSON_FIELDS)?;
        let pointer = self.required_string(map, "pointer", &path)?;
        let escapes_ok = pointer
            .match_indices('~')
            .all(|(i, _)| matches!(pointer.as_bytes().get(i + 1), Some(b'0' | b'1')));
        if !(pointer.starts_with('/') && escapes_ok && pointer.len() <= MAX_PATTERN_BYTES) {
            let reason = "a JSON pointer (RFC 6901) starts with `/`; `~` only as `~0` or `~1`";
            self.invalid_pattern(path.key("pointer"), pointer, reason);
            return None;
        }
        let pattern = self.optional_regex(map, &path)?;
        Some(JsonMatch {
            pointer: pointer.to_owned(),
            pattern,
        })
    }

    fn graphql(&mut self, value: &Value, path: &FieldPath) -> Option<GraphqlMatch> {
        let map = self.object(value, path, GRAPHQL_FIELDS)?;
        let before = self.diags.len();
        let operations = self.each(map, "operations", path, true, |r, v, p| {
            let op = r.string(v, &p)?;
            if GRAPHQL_OPERATIONS.contains(&op) {
                Some(op.to_owned())
            } else {
                r.invalid_pattern(p, op, "expected `query`, `mutation` or `subscription`");
                None
            }
        });
        let fields = self.each(map, "fields", path, true, |r, v, p| {
            let glob = r.string(v, &p)?;
            let valid = !glob.is_empty()
                && glob.len() <= 256
                && glob
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '*' | '?'));
            if valid {
                Some(glob.to_owned())
            } else {
                let reason = "a GraphQL field name glob: letters, digits, `_`, `*`, `?`";
                r.invalid_pattern(p, glob, reason);
                None
            }
        });
        (self.diags.len() == before).then_some(GraphqlMatch { operations, fields })
    }

    /// A non-empty string without whitespace at its ends.
    fn word(&mut self, value: &Value, path: FieldPath) -> Option<String> {
        let raw = self.string(value, &path)?;
        if raw.trim().is_empty() || raw.len() > MAX_PATTERN_BYTES {
            let reason = format!("expected 1 to {MAX_PATTERN_BYTES} non-blank bytes");
            self.invalid_pattern(path, raw, reason);
            return None;
        }
        Some(raw.trim().to_owned())
    }

    /// A flag: `-x`, `--long`, or `-long` (single-dash long options such as `-auto-approve`).
    fn flag(&mut self, value: &Value, path: FieldPath) -> Option<String> {
        let raw = self.string(value, &path)?;
        let valid = raw.starts_with('-')
            && raw.len() > 1
            && raw.len() <= 64
            && !raw.contains(|c: char| c.is_whitespace() || c == '=');
        if valid {
            Some(raw.to_owned())
        } else {
            self.error(path, ErrorKind::InvalidFlag(raw.to_owned()));
            None
        }
    }

    /// `{ "pointer": "/x", <one test> }`.
    fn argument(&mut self, value: &Value, path: FieldPath) -> Option<ArgumentMatch> {
        let mut allowed = vec!["pointer"];
        allowed.extend_from_slice(ARGUMENT_TESTS);
        let map = self.object(value, &path, &allowed)?;
        let pointer = self.required_string(map, "pointer", &path)?;
        if !(pointer.is_empty() || pointer.starts_with('/')) {
            self.invalid_pattern(
                path.key("pointer"),
                pointer,
                "a JSON pointer is empty or starts with `/` (`/options/force`)",
            );
            return None;
        }
        let tests: Vec<&str> = ARGUMENT_TESTS
            .iter()
            .copied()
            .filter(|t| map.contains_key(*t))
            .collect();
        let [test] = tests.as_slice() else {
            self.error(
                path.clone(),
                ErrorKind::Inconsistent(format!(
                    "an argument test sets exactly one of: {}",
                    ARGUMENT_TESTS.join(", ")
                )),
            );
            return None;
        };
        let at = path.key(test);
        let v = map.get(*test)?;
        let test = match *test {
            "exists" => match v {
                Value::Bool(b) => ValueTest::Exists(*b),
                other => {
                    self.wrong_type(at, "a boolean", other);
                    return None;
                }
            },
            "equals" => ValueTest::Equals(v.clone()),
            "one_of" => match v {
                Value::Array(items) if !items.is_empty() => ValueTest::OneOf(items.clone()),
                other => {
                    self.wrong_type(at, "a non-empty array", other);
                    return None;
                }
            },
            "glob" => ValueTest::Glob(self.string(v, &at)?.to_owned()),
            "regex" => ValueTest::Regex(self.regex(v, at)?),
            cmp => {
                let Some(n) = v.as_f64() else {
                    self.wrong_type(at, "a number", v);
                    return None;
                };
                let op = match cmp {
                    "gt" => Comparison::Gt,
                    "gte" => Comparison::Gte,
                    "lt" => Comparison::Lt,
                    _ => Comparison::Lte,
                };
                ValueTest::Compare(op, n)
            }
        };
        Some(ArgumentMatch {
            pointer: pointer.to_owned(),
            test,
        })
    }

    fn host(&mut self, value: &Value, path: FieldPath) -> Option<HostPattern> {
        let raw = self.string(value, &path)?;
        match parse_host_pattern(raw) {
            Ok(host) => Some(host),
            Err(reason) => {
                let value = raw.to_owned();
                self.error(path, ErrorKind::InvalidHost { value, reason });
                None
            }
        }
    }

    fn cidr(&mut self, value: &Value, path: FieldPath) -> Option<IpNet> {
        let raw = self.string(value, &path)?;
        match parse_cidr(raw) {
            Ok(net) => Some(net),
            Err(reason) => {
                let value = raw.to_owned();
                self.error(path, ErrorKind::InvalidCidr { value, reason });
                None
            }
        }
    }

    pub(super) fn port(&mut self, value: &Value, path: FieldPath) -> Option<u16> {
        let Value::Number(n) = value else {
            self.wrong_type(path, "a port number", value);
            return None;
        };
        match n.as_u64().and_then(|p| u16::try_from(p).ok()) {
            Some(port) if port > 0 => Some(port),
            _ => {
                self.error(path, ErrorKind::InvalidPort(n.to_string()));
                None
            }
        }
    }

    /// A port (`8080`) or an inclusive range of ports (`"1024-65535"`), as
    /// `(first, last)`.
    pub(super) fn port_or_range(&mut self, value: &Value, path: FieldPath) -> Option<(u16, u16)> {
        let Value::String(text) = value else {
            return self.port(value, path).map(|p| (p, p));
        };
        if !text.contains('-') {
            self.wrong_type(path, "a port number", value);
            return None;
        }
        let range = text.split_once('-').and_then(|(a, b)| {
            let a: u16 = a.trim().parse().ok()?;
            let b: u16 = b.trim().parse().ok()?;
            (a > 0 && a <= b).then_some((a, b))
        });
        if range.is_none() {
            self.error(path, ErrorKind::InvalidPortRange(text.clone()));
        }
        range
    }

    /// What made a request, as an egress rule's `made_by` names it.
    pub(super) fn made_by(&mut self, value: &Value, path: FieldPath) -> Option<String> {
        const MADE_BY: [&str; 3] = ["command", "tool", "request"];
        let raw = self.string(value, &path)?;
        if MADE_BY.contains(&raw) {
            Some(raw.to_owned())
        } else {
            self.error(path, ErrorKind::UnknownMaker(raw.to_owned()));
            None
        }
    }

    fn method(&mut self, value: &Value, path: FieldPath) -> Option<String> {
        let raw = self.string(value, &path)?;
        if crate::egress::is_http_token(raw) {
            Some(raw.to_ascii_uppercase())
        } else {
            self.error(path, ErrorKind::InvalidMethod(raw.to_owned()));
            None
        }
    }

    fn scheme(&mut self, value: &Value, path: FieldPath) -> Option<String> {
        let raw = self.string(value, &path)?;
        let mut chars = raw.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if valid {
            Some(raw.to_ascii_lowercase())
        } else {
            self.error(path, ErrorKind::InvalidScheme(raw.to_owned()));
            None
        }
    }

    fn regex(&mut self, value: &Value, path: FieldPath) -> Option<String> {
        // A pattern that can never match is a rule that never fires.
        let raw = self.string(value, &path)?;
        if raw.len() > MAX_PATTERN_BYTES {
            let limit = format!(
                "pattern is {} bytes; the maximum is {MAX_PATTERN_BYTES}",
                raw.len()
            );
            self.error(path, ErrorKind::Limit(limit));
            return None;
        }
        if self.embedded {
            return Some(raw.to_owned());
        }
        match crate::pattern::check_regex(raw) {
            Ok(()) => Some(raw.to_owned()),
            Err(reason) => {
                let pattern = raw.to_owned();
                self.error(path, ErrorKind::InvalidPattern { pattern, reason });
                None
            }
        }
    }

    fn name_pattern(&mut self, value: &Value, path: FieldPath) -> Option<NamePattern> {
        let raw = self.string(value, &path)?;
        if raw.is_empty() || raw.len() > MAX_PATTERN_BYTES {
            let reason = format!("a tool name is 1 to {MAX_PATTERN_BYTES} bytes");
            self.invalid_pattern(path, raw, reason);
            return None;
        }
        Some(NamePattern::parse(raw))
    }
}

/// `example.org` (exact) or `*.example.org` (strict subdomains), canonicalized
/// by the WHATWG host parser: lowercase, IDNA to ASCII, one trailing dot dropped.
fn parse_host_pattern(raw: &str) -> Result<HostPattern, String> {
    let (wildcard, name) = if let Some(rest) = raw.strip_prefix("**.") {
        (
            Some(HostPattern::ApexAndSubdomains as fn(String) -> HostPattern),
            rest,
        )
    } else if let Some(rest) = raw.strip_prefix("*.") {
        (
            Some(HostPattern::Subdomains as fn(String) -> HostPattern),
            rest,
        )
    } else {
        (None, raw)
    };
    if name.contains('*') {
        return Err(
            "`*` is allowed only as the whole first label: `*.example.org` (subdomains) or `**.example.org` (the name and its subdomains)"
                .into(),
        );
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return Err("empty host name".into());
    }
    match url::Host::parse(name) {
        Ok(url::Host::Domain(domain)) => {
            if domain.split('.').any(str::is_empty) {
                return Err("empty label".into());
            }
            Ok(match wildcard {
                Some(make) => make(domain),
                None => HostPattern::Exact(domain),
            })
        }
        Ok(_) => Err("an IP address; list addresses and networks under `cidrs`".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a single-host network).
/// Host bits are cleared: `10.1.2.3/8` is `10.0.0.0/8`.
fn parse_cidr(raw: &str) -> Result<IpNet, String> {
    if let Ok(net) = raw.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    let (addr, prefix) = match raw.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (raw, None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("`{addr}` is not an IPv4 or IPv6 address"))?;
    match prefix {
        None => Ok(IpNet::from(ip)),
        Some(prefix) => {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            Err(format!(
                "prefix length `{prefix}` is not an integer from 0 to {max}"
            ))
        }
    }
}
