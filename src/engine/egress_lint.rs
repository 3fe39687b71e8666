//! Warnings about egress rules that compile but cannot do what they say.
//!
//! - An allow rule with a wildcard over a public suffix (`*.com`,
//!   `**.co.uk`, `*.github.io`): every site anyone registers under it is
//!   allowed. Public suffixes come from
//!   the Public Suffix List (the `psl` crate), not from a hand-made list.
//! - A rule that never matches: a network only IPv4-mapped addresses fall
//!   in (they are unwrapped to IPv4 before matching), or a scheme the URL
//!   canonicalizer refuses.
//! - A duplicate: the same matchers as an earlier rule.
//! - A shadowed rule: every request it matches is also matched by another
//!   rule that wins (a more severe one, or an earlier one of the same
//!   effect), so it never decides. An allow rule inside a `special` deny
//!   rule is told how to reach its destinations (`override_special`); a
//!   rule that an `override_special` allow rule covers is not shadowed by a
//!   special deny, which that allow lifts.
//!
//! Coverage is decided conservatively, field by field (host patterns by
//! label, networks by containment, lists by inclusion, inspection tests by
//! equality), so a warning is never wrong; some shadowed rules go unreported.
//! Cost: quadratic in the number of egress rules, at lint time only; above
//! [`MAX_PAIRWISE_RULES`] the pairwise checks are skipped.

use ipnet::IpNet;

use crate::effect::Effect;
use crate::egress::url::default_port;
use crate::policy::{Diagnostic, EgressRule, ErrorKind, FieldPath, HostPattern, Policy};

/// Most egress rules compared pairwise.
pub(super) const MAX_PAIRWISE_RULES: usize = 5000;

fn warn(out: &mut Vec<Diagnostic>, rule: &EgressRule, path: FieldPath, kind: ErrorKind) {
    let mut d = Diagnostic::new(path, kind);
    d.rule = Some(rule.meta.id.clone());
    out.push(d);
}

/// Every egress warning for `policy`.
pub(super) fn warnings(policy: &Policy) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, rule) in policy.egress.iter().enumerate() {
        let path = FieldPath::root().key("egress").index(i);
        // Denying everything under a public suffix is deliberate; allowing it rarely is.
        let allows = rule.meta.effect == Effect::Allow;
        for (j, host) in rule.hosts.iter().enumerate().filter(|_| allows) {
            if let HostPattern::Subdomains(d) | HostPattern::ApexAndSubdomains(d) = host {
                let suffix = psl::suffix(d.as_bytes());
                if suffix.is_some_and(|s| s.is_known() && s.as_bytes() == d.as_bytes()) {
                    let kind = ErrorKind::PublicSuffixWildcard {
                        pattern: host.text(),
                        suffix: d.clone(),
                    };
                    warn(&mut out, rule, path.key("hosts").index(j), kind);
                }
            }
        }
        let mapped: IpNet = "::ffff:0:0/96".parse().unwrap_or_default();
        for (j, net) in rule.cidrs.iter().enumerate() {
            if mapped.contains(net) {
                let kind = ErrorKind::Unreachable(format!(
                    "`{net}` holds only IPv4-mapped addresses, which are matched as the IPv4 address they carry; write the IPv4 network instead"
                ));
                warn(&mut out, rule, path.key("cidrs").index(j), kind);
            }
        }
        for (j, scheme) in rule.schemes.iter().enumerate() {
            if default_port(scheme).is_none() {
                let kind = ErrorKind::Unreachable(format!(
                    "URLs with scheme `{scheme}` are refused before rules are matched, so this never matches"
                ));
                warn(&mut out, rule, path.key("schemes").index(j), kind);
            }
        }
    }
    if policy.egress.len() <= MAX_PAIRWISE_RULES {
        pairwise(policy, &mut out);
    }
    out
}

fn pairwise(policy: &Policy, out: &mut Vec<Diagnostic>) {
    for (b, later) in policy.egress.iter().enumerate() {
        if later.meta.shadow {
            continue;
        }
        let path = FieldPath::root().key("egress").index(b);
        for (a, other) in policy.egress.iter().enumerate() {
            if a == b || other.meta.shadow || !covers(other, later) {
                continue;
            }
            if a < b && same_matchers(other, later) {
                let kind = ErrorKind::Shadowed(format!(
                    "same matchers as rule `{}`; one of the two is redundant",
                    other.meta.id
                ));
                warn(out, later, path.clone(), kind);
                break;
            }
            // A special deny is lifted wherever an allow rule with
            // `override_special` matches too: it shadows nothing there.
            let overridden = other.special
                && (later.override_special
                    || policy.egress.iter().any(|r| {
                        r.override_special
                            && r.meta.effect == Effect::Allow
                            && !r.meta.shadow
                            && covers(r, later)
                    }));
            let wins = other.meta.effect > later.meta.effect
                || (other.meta.effect == later.meta.effect && a < b);
            if !wins || overridden {
                continue;
            }
            let hint = if other.special && later.meta.effect == Effect::Allow {
                "; add `override_special: true` to let this rule reach them"
            } else {
                ""
            };
            let kind = ErrorKind::Shadowed(format!(
                "never decides: every request it matches also matches rule `{}` ({}), which wins{hint}",
                other.meta.id, other.meta.effect
            ));
            warn(out, later, path.clone(), kind);
            break;
        }
    }
}

fn same_matchers(a: &EgressRule, b: &EgressRule) -> bool {
    covers(a, b) && covers(b, a)
}

/// True when every request `b` matches is matched by `a`.
fn covers(a: &EgressRule, b: &EgressRule) -> bool {
    let destinations = if a.hosts.is_empty() && a.cidrs.is_empty() {
        true
    } else {
        let names = b
            .hosts
            .iter()
            .all(|h| a.hosts.iter().any(|g| host_covers(g, h)));
        let nets = b
            .cidrs
            .iter()
            .all(|n| a.cidrs.iter().any(|m| m.contains(n)));
        !(b.hosts.is_empty() && b.cidrs.is_empty()) && names && nets
    };
    destinations
        && ports_cover(a, b)
        && list(&a.made_by, &b.made_by)
        && list(&a.methods, &b.methods)
        && list(&a.schemes, &b.schemes)
        && list(&a.paths, &b.paths)
        && (a.headers.is_empty() || a.headers == b.headers)
        && (a.json.is_empty() || a.json == b.json)
        && (a.graphql.is_none() || a.graphql == b.graphql)
}

/// Every port `b` matches, `a` matches (no ports and no ranges: any port).
fn ports_cover(a: &EgressRule, b: &EgressRule) -> bool {
    if a.ports.is_empty() && a.port_ranges.is_empty() {
        return true;
    }
    if b.ports.is_empty() && b.port_ranges.is_empty() {
        return false;
    }
    let has =
        |p: u16| a.ports.contains(&p) || a.port_ranges.iter().any(|&(x, y)| (x..=y).contains(&p));
    b.ports.iter().all(|&p| has(p))
        && b.port_ranges
            .iter()
            .all(|&(p, q)| a.port_ranges.iter().any(|&(x, y)| x <= p && q <= y))
}

/// Every value `y` allows, `x` allows (empty: any value).
fn list<T: PartialEq>(x: &[T], y: &[T]) -> bool {
    x.is_empty() || (!y.is_empty() && y.iter().all(|v| x.contains(v)))
}

/// `name` is a strict subdomain of `domain`.
fn under(name: &str, domain: &str) -> bool {
    name.len() > domain.len()
        && name.ends_with(domain)
        && name.as_bytes().get(name.len() - domain.len() - 1) == Some(&b'.')
}

fn host_covers(a: &HostPattern, b: &HostPattern) -> bool {
    use HostPattern::{ApexAndSubdomains as Apex, Exact, Subdomains as Sub};
    match (a, b) {
        (Exact(x), Exact(y)) => x == y,
        (Exact(_), _) => false,
        (Sub(d), Exact(x)) => under(x, d),
        (Sub(d), Sub(e)) => e == d || under(e, d),
        (Sub(d), Apex(e)) => under(e, d),
        (Apex(d), Exact(e) | Sub(e) | Apex(e)) => e == d || under(e, d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings_of(egress: serde_json::Value) -> Vec<String> {
        let policy =
            Policy::from_value(&serde_json::json!({"version": 1, "egress": egress})).unwrap();
        warnings(&policy).iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn public_suffix_wildcards_are_warned() {
        let w = warnings_of(serde_json::json!([
            {"id": "a", "effect": "allow", "hosts": ["*.com", "**.co.uk", "*.github.io", "*.example.com"]}
        ]));
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(
            w[0].contains("`*.com` covers the public suffix `com`"),
            "{w:?}"
        );
    }

    #[test]
    fn shadowed_duplicate_and_unreachable_rules_are_warned() {
        let w = warnings_of(serde_json::json!([
            {"id": "deny-private", "effect": "deny", "special": true, "cidrs": ["10.0.0.0/8"]},
            {"id": "allow-lab", "effect": "allow", "cidrs": ["10.1.0.0/16"]},
            {"id": "allow-lab-ok", "effect": "allow", "override_special": true, "cidrs": ["10.2.0.0/16"]},
            {"id": "allow-gh", "effect": "allow", "hosts": ["**.github.com"]},
            {"id": "allow-api", "effect": "allow", "hosts": ["api.github.com"], "methods": ["GET"]},
            {"id": "allow-gh-2", "effect": "allow", "hosts": ["**.github.com"]},
            {"id": "mapped", "effect": "deny", "cidrs": ["::ffff:10.0.0.0/104"]},
            {"id": "gopher", "effect": "deny", "schemes": ["gopher"]}
        ]));
        let joined = w.join("\n");
        assert!(joined.contains("egress[1] (rule `allow-lab`): never decides: every request it matches also matches rule `deny-private` (deny), which wins; add `override_special: true`"), "{joined}");
        assert!(!joined.contains("allow-lab-ok"), "{joined}");
        assert!(
            joined.contains("(rule `allow-api`): never decides"),
            "{joined}"
        );
        assert!(
            joined.contains("(rule `allow-gh-2`): same matchers as rule `allow-gh`"),
            "{joined}"
        );
        assert!(
            joined.contains("(rule `mapped`): `::ffff:10.0.0.0/104` holds only IPv4-mapped"),
            "{joined}"
        );
        assert!(
            joined.contains("(rule `gopher`): URLs with scheme `gopher` are refused"),
            "{joined}"
        );
        assert_eq!(w.len(), 5, "{joined}");
    }
}
