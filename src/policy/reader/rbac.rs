//! Reading the RBAC sections: `roles`, `principals`, `environments`,
//! `permissions` and `cedar`, and the names rules use to refer to them.
//!
//! Only the shape of each entry is checked here; whether a rule's role or
//! environment exists, and whether inheritance has a cycle, is known only
//! once `extends` has been resolved, so the RBAC compiler checks those.
//! Cost: one pass over the sections, at load time.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Reader, MAX_ID_BYTES, MAX_PATTERN_BYTES};
use crate::policy::error::{Diagnostic, ErrorKind};
use crate::policy::model::{Binding, CedarSection, Environment, Permission, Role};
use crate::policy::path::FieldPath;

const ROLE_FIELDS: &[&str] = &["id", "inherits", "description"];
const BINDING_FIELDS: &[&str] = &["id", "roles"];
const ENVIRONMENT_FIELDS: &[&str] = &[
    "id",
    "hosts",
    "cidrs",
    "paths",
    "tools",
    "names",
    "description",
];
const PERMISSION_FIELDS: &[&str] = &[
    "id",
    "effect",
    "reason",
    "shadow",
    "roles",
    "environments",
    "actions",
];
const CEDAR_FIELDS: &[&str] = &["policies", "schema"];
/// Longest Cedar policy text or schema, in bytes (1 MiB).
const MAX_CEDAR_BYTES: usize = 1 << 20;

impl Reader {
    /// A role, environment or principal name: 1 to 128 bytes, no
    /// whitespace, control characters or `*`.
    pub(super) fn name(&mut self, value: &Value, path: FieldPath, what: &str) -> Option<String> {
        let raw = self.string(value, &path)?;
        let valid = !raw.is_empty()
            && raw.len() <= MAX_ID_BYTES
            && !raw
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '*');
        if !valid {
            let reason = format!(
                "a {what} name is 1 to {MAX_ID_BYTES} bytes with no whitespace, control characters or `*`"
            );
            self.invalid_pattern(path, raw, reason);
            return None;
        }
        Some(raw.to_owned())
    }

    /// An action category (`command:destructive`, `db.read`), or for a
    /// permission a family of them (`command:*`, `*`).
    pub(super) fn action(&mut self, value: &Value, path: FieldPath) -> Option<String> {
        let raw = self.string(value, &path)?;
        let stem = raw.strip_suffix('*').unwrap_or(raw);
        let valid = raw.len() <= MAX_ID_BYTES
            && !raw.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-' | '/'));
        if !valid {
            self.invalid_pattern(
                path,
                raw,
                "an action is letters, digits and `.` `_` `:` `-` `/`, optionally ending in `*`",
            );
            return None;
        }
        Some(raw.to_owned())
    }

    fn required_list<T>(
        &mut self,
        map: &Map<String, Value>,
        key: &'static str,
        path: &FieldPath,
        read: impl FnMut(&mut Self, &Value, FieldPath) -> Option<T>,
    ) -> Vec<T> {
        if !map.contains_key(key) {
            self.error(path.clone(), ErrorKind::MissingField(key));
        }
        self.each(map, key, path, true, read)
    }

    fn description(&mut self, map: &Map<String, Value>, path: &FieldPath) {
        if let Some(value) = map.get("description") {
            self.string(value, &path.key("description"));
        }
    }

    pub(super) fn role(&mut self, value: &Value, path: FieldPath) -> Option<Role> {
        let map = self.object(value, &path, ROLE_FIELDS)?;
        let id = map.get("id").map(|v| self.name(v, path.key("id"), "role"));
        if id.is_none() {
            self.error(path.clone(), ErrorKind::MissingField("id"));
        }
        self.description(map, &path);
        let inherits = self.each(map, "inherits", &path, true, |r, v, p| r.name(v, p, "role"));
        Some(Role {
            id: id??,
            inherits,
            source: None,
        })
    }

    pub(super) fn binding(&mut self, value: &Value, path: FieldPath) -> Option<Binding> {
        let map = self.object(value, &path, BINDING_FIELDS)?;
        let id = match map.get("id") {
            None => {
                self.error(path.clone(), ErrorKind::MissingField("id"));
                None
            }
            Some(v) => {
                let raw = self.string(v, &path.key("id"))?;
                let stem = raw.strip_suffix('*').unwrap_or(raw);
                let valid = !stem.is_empty()
                    && raw.len() <= MAX_ID_BYTES
                    && !stem
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || c == '*');
                if !valid {
                    self.invalid_pattern(
                        path.key("id"),
                        raw,
                        "a principal is an id, or a non-empty prefix followed by `*` (`agent-*`)",
                    );
                }
                valid.then(|| raw.to_owned())
            }
        };
        let roles = self.required_list(map, "roles", &path, |r, v, p| r.name(v, p, "role"));
        Some(Binding {
            id: id?,
            roles,
            source: None,
        })
    }

    pub(super) fn environment(&mut self, value: &Value, path: FieldPath) -> Option<Environment> {
        let map = self.object(value, &path, ENVIRONMENT_FIELDS)?;
        let id = map
            .get("id")
            .map(|v| self.name(v, path.key("id"), "environment"));
        if id.is_none() {
            self.error(path.clone(), ErrorKind::MissingField("id"));
        }
        self.description(map, &path);
        let hosts = self.each(map, "hosts", &path, true, |r, v, p| r.host(v, p));
        let cidrs = self.each(map, "cidrs", &path, true, |r, v, p| r.cidr(v, p));
        let paths = self.each(map, "paths", &path, true, |r, v, p| {
            let raw = r.string(v, &p)?;
            if !(raw.starts_with('/') || raw.starts_with("~/")) || raw.len() > MAX_PATTERN_BYTES {
                r.invalid_pattern(
                    p,
                    raw,
                    "a path prefix is absolute (`/srv/prod/`) or in the home directory (`~/prod/`)",
                );
                return None;
            }
            Some(raw.to_owned())
        });
        let tools = self.each(map, "tools", &path, true, |r, v, p| r.name_pattern(v, p));
        let names = self.each(map, "names", &path, true, |r, v, p| r.name_pattern(v, p));
        Some(Environment {
            id: id??,
            hosts,
            cidrs,
            paths,
            tools,
            names,
            source: None,
        })
    }

    pub(super) fn permission(&mut self, value: &Value, path: FieldPath) -> Option<Permission> {
        let start = self.diags.len();
        let map = self.object(value, &path, PERMISSION_FIELDS)?;
        if !map.contains_key("actions") {
            self.error(path.clone(), ErrorKind::MissingField("actions"));
        }
        let meta = self.meta(map, &path);
        if let Some(id) = map.get("id").and_then(Value::as_str) {
            for d in self.diags.iter_mut().skip(start) {
                d.rule = Some(id.to_owned());
            }
        }
        let meta = meta?;
        (!meta.actions.is_empty()).then_some(Permission { meta })
    }

    pub(super) fn cedar(&mut self, value: &Value, path: &FieldPath) -> Option<CedarSection> {
        let map = self.object(value, path, CEDAR_FIELDS)?;
        let text = |r: &mut Self, key: &'static str| {
            let v = map.get(key)?;
            let s = r.string(v, &path.key(key))?;
            if s.len() > MAX_CEDAR_BYTES {
                let limit = format!(
                    "{key} is {} bytes; the maximum is {MAX_CEDAR_BYTES}",
                    s.len()
                );
                r.error(path.key(key), ErrorKind::Limit(limit));
                return None;
            }
            Some(s.to_owned())
        };
        let policies = text(self, "policies");
        if !map.contains_key("policies") {
            self.error(path.clone(), ErrorKind::MissingField("policies"));
        }
        let schema = text(self, "schema");
        Some(CedarSection {
            policies: policies?,
            schema,
        })
    }

    /// Role, principal and environment ids are each unique in their section.
    pub(super) fn check_unique_definitions(&mut self, map: &Map<String, Value>) {
        for section in ["roles", "principals", "environments"] {
            let Some(Value::Array(items)) = map.get(section) else {
                continue;
            };
            let mut first: HashMap<&str, FieldPath> = HashMap::new();
            for (i, item) in items.iter().enumerate() {
                let Some(id) = item.get("id").and_then(Value::as_str) else {
                    continue;
                };
                let path = FieldPath::root().key(section).index(i);
                match first.get(id) {
                    Some(first_path) => self.diags.push(Diagnostic::new(
                        path.key("id"),
                        ErrorKind::DuplicateId {
                            id: id.to_owned(),
                            first: first_path.to_string(),
                        },
                    )),
                    None => {
                        first.insert(id, path);
                    }
                }
            }
        }
    }
}
