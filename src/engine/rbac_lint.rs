//! RBAC warnings: rules no bound principal can reach, and environments that
//! overlap.
//!
//! A rule scoped to roles that no principal binding gives (directly or
//! through inheritance) applies only to requests that carry one of those
//! roles themselves; when the policy binds principals at all, that is
//! usually a forgotten binding or a misspelled role. Two environments that
//! claim the same host, network, path or tool make every request touching it
//! be in both, which is rarely meant (a production host listed under
//! staging too). Cost: linear in the rules, quadratic in the environments'
//! targets (few), at lint time only.

use std::collections::HashSet;

use crate::policy::{Diagnostic, ErrorKind, FieldPath, HostPattern, Policy};
use crate::rbac::RoleGraph;

/// Every RBAC warning for `policy`.
pub(super) fn warnings(policy: &Policy) -> Vec<Diagnostic> {
    let mut out = unreachable_rules(policy);
    out.extend(overlapping_environments(policy));
    out
}

fn unreachable_rules(policy: &Policy) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if policy.principals.is_empty() {
        return out;
    }
    let Ok(graph) = RoleGraph::build(
        policy
            .roles
            .iter()
            .map(|r| (r.id.as_str(), r.inherits.as_slice())),
    ) else {
        return out;
    };
    let mut reachable = HashSet::new();
    for b in &policy.principals {
        if let Ok(bits) = graph.closure_of(&b.roles) {
            reachable.extend(bits.iter());
        }
    }
    for (section, i, meta) in policy.rules_by_section() {
        if meta.roles.is_empty() {
            continue;
        }
        let reached = meta
            .roles
            .iter()
            .filter_map(|r| graph.index(r))
            .any(|k| reachable.contains(&k));
        if !reached {
            let mut d = Diagnostic::new(
                    FieldPath::root().key(section).index(i).key("roles"),
                    ErrorKind::Unreachable(format!(
                        "no principal binding gives any of the roles {}: only requests that carry one themselves reach this rule",
                        meta.roles.join(", ")
                    )),
                );
            d.rule = Some(meta.id.clone());
            out.push(d);
        }
    }
    out
}

/// True when a host matching `a` can match `b` too.
fn hosts_overlap(a: &HostPattern, b: &HostPattern) -> bool {
    let under = |name: &str, domain: &str| name.ends_with(&format!(".{domain}"));
    use HostPattern::*;
    match (a, b) {
        (Exact(x), Exact(y)) => x == y,
        (Exact(x), Subdomains(d)) | (Subdomains(d), Exact(x)) => under(x, d),
        (Exact(x), ApexAndSubdomains(d)) | (ApexAndSubdomains(d), Exact(x)) => {
            x == d || under(x, d)
        }
        (Subdomains(x) | ApexAndSubdomains(x), Subdomains(y) | ApexAndSubdomains(y)) => {
            x == y || under(x, y) || under(y, x)
        }
    }
}

fn paths_overlap(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_end_matches('/'), b.trim_end_matches('/'));
    let under = |x: &str, y: &str| x == y || x.strip_prefix(y).is_some_and(|r| r.starts_with('/'));
    under(a, b) || under(b, a)
}

fn overlapping_environments(policy: &Policy) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let envs = &policy.environments;
    for (i, a) in envs.iter().enumerate() {
        for b in envs.iter().skip(i + 1) {
            let mut shared: Option<String> = None;
            for x in &a.hosts {
                if let Some(y) = b.hosts.iter().find(|y| hosts_overlap(x, y)) {
                    shared = Some(format!("hosts `{}` and `{}`", x.domain(), y.domain()));
                    break;
                }
            }
            if shared.is_none() {
                for x in &a.cidrs {
                    if let Some(y) = b.cidrs.iter().find(|y| x.contains(*y) || y.contains(x)) {
                        shared = Some(format!("networks {x} and {y}"));
                        break;
                    }
                }
            }
            if shared.is_none() {
                for x in &a.paths {
                    if let Some(y) = b.paths.iter().find(|y| paths_overlap(x, y)) {
                        shared = Some(format!("paths `{x}` and `{y}`"));
                        break;
                    }
                }
            }
            if shared.is_none() {
                if let Some(t) = a.tools.iter().find(|t| b.tools.contains(t)) {
                    shared = Some(format!("tool pattern {t:?}"));
                }
            }
            if shared.is_none() {
                if let Some(n) = a.names.iter().find(|n| b.names.contains(n)) {
                    shared = Some(format!("name pattern {n:?}"));
                }
            }
            if let Some(what) = shared {
                let index = envs.iter().position(|e| e.id == b.id).unwrap_or(i);
                out.push(Diagnostic::new(
                    FieldPath::root().key("environments").index(index),
                    ErrorKind::Overlap(format!(
                        "`{}` and `{}` share {what}: a request touching it is in both",
                        a.id, b.id
                    )),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unbound_roles_and_overlapping_environments_are_reported() {
        let policy = Policy::from_json(
            r#"{"version": 1,
                "roles": [{"id": "dev"}, {"id": "sre", "inherits": ["dev"]}, {"id": "auditor"}],
                "principals": [{"id": "alice", "roles": ["sre"]}],
                "environments": [
                    {"id": "production", "hosts": ["**.prod.example.com"], "cidrs": ["10.0.0.0/8"]},
                    {"id": "staging", "hosts": ["db.prod.example.com"]},
                    {"id": "dev", "cidrs": ["10.1.0.0/16"], "paths": ["/srv/dev"]},
                    {"id": "qa", "paths": ["/srv/dev/qa"]}
                ],
                "commands": [
                    {"id": "dev-rule", "effect": "ask", "program": "rm", "roles": ["dev"]},
                    {"id": "audit-rule", "effect": "ask", "program": "cat", "roles": ["auditor"]}
                ]}"#,
        )
        .unwrap();
        let w: Vec<String> = warnings(&policy).iter().map(|d| d.to_string()).collect();
        assert_eq!(w.len(), 4, "{w:#?}");
        assert!(
            w[0].contains("audit-rule") && w[0].contains("auditor"),
            "{w:#?}"
        );
        assert!(w[1].contains("`production` and `staging`"), "{w:#?}");
        assert!(
            w[2].contains("`production` and `dev`") && w[2].contains("10.0.0.0/8"),
            "{w:#?}"
        );
        assert!(w[3].contains("`dev` and `qa`"), "{w:#?}");
    }
}
