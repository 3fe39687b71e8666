//! The composed default policy in the snapshot's binary form.
//!
//! Reading the default policy means parsing the twenty-one JSON parts into value
//! trees, validating every field with its path, and composing the parts
//! (`builtin`): several million instructions, the most expensive thing a
//! one-decision process did. The snapshot's model section holds the result
//! instead — the [`Policy`] after composition, in postcard (serde derives on
//! the model types), with the SHA-256 policy hash its canonical JSON has —
//! and decoding it costs the allocations of its strings. The rules'
//! `examples` are left out (a fifth of the strings): only compile-time
//! checks read them, and a build that checks them reads the parts. The
//! policy is stored as a *skeleton* (every rule's common part: id, effect,
//! reason, source, scope — what compiling needs before any decision) and
//! one section per kind of rule holding the matcher fields, decoded when
//! that kind's matchers are first built ([`Lazy`]): a `Read` of a file
//! never decodes the command rules. [`open`] gives the policy without
//! examples and the hash of the policy with them, as read from the parts.
//!
//! Postcard is not self-describing: bytes written for one layout of the
//! model types could decode as garbage under another. So the section also
//! records a fingerprint of the parts it was read from and a *layout
//! witness*: a small policy that sets every field of every model type,
//! encoded when the snapshot was made. [`open`] encodes the same witness
//! with this build's types first (tens of thousands of instructions) and
//! refuses the section when the bytes differ — a field added, removed,
//! moved or retyped anywhere in the model, its rule types included — or
//! when the parts differ or the skeleton does not decode to the end; the
//! caller then reads the parts. A section that fails to decode later makes
//! the engine deny (`engine::compile`). `build.rs` fails the build when the parts, the tables or
//! the reading code changed since the snapshot was made, and the test suite
//! checks that the decoded policy equals the one read from the parts, field
//! for field, and that the witness matches (`make snapshot` when not).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::model::{
    AuditOverflow, Binding, CedarSection, CommandRule, Defaults, EgressRule, Environment, Examples,
    Explicit, GraphqlMatch, HeaderMatch, HostPattern, Inspection, JsonMatch, PathRule, Permission,
    Role, RuleMeta, SqlRule, ToolRule,
};
use super::Policy;
use crate::command::ArgvRule;
use crate::effect::Effect;
use crate::paths::{Access, AccessRule};
use crate::pattern::NamePattern;
use crate::sql::{Kind, StatementRule};
use crate::tool::{ArgumentMatch, CallRule, Comparison, ValueTest};

/// The model section: its checks, the hash, the skeleton and the sections.
#[derive(Serialize, Deserialize)]
struct Model<'a> {
    /// [`parts_fingerprint`] of the parts the policy was read from.
    parts: u64,
    /// [`witness`], encoded by the build that made the snapshot.
    witness: &'a [u8],
    /// The policy hash (SHA-256 of its canonical JSON, hex).
    hash: &'a str,
    /// The policy with every rule's common part ([`RuleMeta`]) but the
    /// matcher fields of its egress, command, tool, SQL and path rules left
    /// empty: what compiling needs before any decision.
    skeleton: &'a [u8],
    /// Each of those sections' rules with their matcher fields (and empty
    /// common parts), in the order of [`Lazy`]'s accessors.
    sections: [&'a [u8]; 5],
}

/// The snapshot's default policy: the skeleton decoded, each section's
/// matcher fields decoded when asked for.
#[derive(Debug)]
pub(crate) struct Lazy<'a> {
    skeleton: Policy,
    sections: [&'a [u8]; 5],
}

/// `T` from all of `bytes` (nothing left over).
fn whole<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Option<T> {
    let (value, rest) = postcard::take_from_bytes(bytes).ok()?;
    rest.is_empty().then_some(value)
}

/// Decodes section `bytes`: as many rules as the skeleton's, their common
/// parts empty.
fn section<R: serde::de::DeserializeOwned>(bytes: &[u8], skeleton: &[R]) -> Option<Vec<R>> {
    let rules: Vec<R> = whole(bytes)?;
    (rules.len() == skeleton.len()).then_some(rules)
}

/// `rules` with each common part put back from `skeleton`.
fn with_metas<R>(
    mut rules: Vec<R>,
    skeleton: &[R],
    meta: impl Fn(&mut R) -> &mut RuleMeta,
    skeleton_meta: impl Fn(&R) -> &RuleMeta,
) -> Vec<R> {
    for (rule, bare) in rules.iter_mut().zip(skeleton) {
        *meta(rule) = skeleton_meta(bare).clone();
    }
    rules
}

impl Lazy<'_> {
    /// The policy with its rules' common parts; the matcher fields of
    /// egress, command, tool, SQL and path rules are empty (the accessors
    /// below have them).
    pub(crate) fn skeleton(&self) -> &Policy {
        &self.skeleton
    }

    // The sections' rules come with empty common parts (the skeleton has
    // them, and compiling a section reads only its matcher fields, and the
    // ids only to name a rule in an error): copying them back would cost
    // what laziness saves.

    /// The egress rules' matcher fields (their common parts empty).
    pub(crate) fn egress(&self) -> Option<Vec<EgressRule>> {
        let [bytes, ..] = self.sections;
        section(bytes, &self.skeleton.egress)
    }

    /// The command rules' matcher fields (their common parts empty).
    pub(crate) fn commands(&self) -> Option<Vec<CommandRule>> {
        let [_, bytes, ..] = self.sections;
        section(bytes, &self.skeleton.commands)
    }

    /// The tool rules' matcher fields (their common parts empty).
    pub(crate) fn tools(&self) -> Option<Vec<ToolRule>> {
        let [_, _, bytes, ..] = self.sections;
        section(bytes, &self.skeleton.tools)
    }

    /// The SQL rules' matcher fields (their common parts empty).
    pub(crate) fn sql(&self) -> Option<Vec<SqlRule>> {
        let [_, _, _, bytes, _] = self.sections;
        section(bytes, &self.skeleton.sql)
    }

    /// The path rules' matcher fields (their common parts empty).
    pub(crate) fn paths(&self) -> Option<Vec<PathRule>> {
        let [.., bytes] = self.sections;
        section(bytes, &self.skeleton.paths)
    }

    /// The whole policy: every section decoded, with its common parts.
    pub(crate) fn into_policy(self) -> Option<Policy> {
        let s = &self.skeleton;
        let egress = with_metas(self.egress()?, &s.egress, |r| &mut r.meta, |r| &r.meta);
        let commands = with_metas(self.commands()?, &s.commands, |r| &mut r.meta, |r| &r.meta);
        let tools = with_metas(self.tools()?, &s.tools, |r| &mut r.meta, |r| &r.meta);
        let sql = with_metas(self.sql()?, &s.sql, |r| &mut r.meta, |r| &r.meta);
        let paths = with_metas(self.paths()?, &s.paths, |r| &mut r.meta, |r| &r.meta);
        let mut policy = self.skeleton;
        policy.egress = egress;
        policy.commands = commands;
        policy.tools = tools;
        policy.sql = sql;
        policy.paths = paths;
        Some(policy)
    }
}

/// A fingerprint of every built-in part's name and text, in order.
fn parts_fingerprint() -> u64 {
    let mut h = 0u64;
    for (name, text) in super::builtin::PARTS {
        let part = crate::data::fingerprint(name.as_bytes())
            ^ crate::data::fingerprint(text.as_bytes()).rotate_left(17);
        h = (h ^ part)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(23);
    }
    h
}

/// A policy in which every field of every model type holds a value (and
/// fields of one type hold different values), so that its encoding changes
/// with any change of the model's layout.
fn witness() -> Policy {
    let s = |t: &str| t.to_owned();
    let meta = |n: u8| RuleMeta {
        id: format!("r{n}"),
        effect: Effect::Ask,
        reason: Some(s("why")),
        shadow: true,
        examples: Examples {
            matching: vec![s("m")],
            not_matching: vec![s("n"), s("o")],
        },
        source: Some(s("src")),
        roles: vec![s("a"); 2],
        environments: vec![s("e"); 3],
        actions: vec![s("x"); 4],
    };
    // A rule's common part is one type: laid out once in full, then by id.
    let bare = |n: u8| RuleMeta {
        id: format!("r{n}"),
        ..RuleMeta::default()
    };
    Policy {
        version: 7,
        name: Some(s("witness")),
        defaults: Defaults {
            egress: Effect::Allow,
            command: Effect::Ask,
            tool: Effect::Deny,
            command_egress: Some(Effect::Ask),
        },
        egress: vec![EgressRule {
            meta: meta(1),
            hosts: vec![
                HostPattern::Exact(s("h")),
                HostPattern::Subdomains(s("s")),
                HostPattern::ApexAndSubdomains(s("a")),
            ],
            cidrs: vec![IpNet::new_assert(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), 8)],
            ports: vec![1, 2],
            port_ranges: vec![(3, 4)],
            made_by: vec![s("tool")],
            methods: vec![s("M"); 3],
            schemes: vec![s("s"); 4],
            paths: vec![s("p"); 5],
            headers: vec![HeaderMatch {
                name: s("hn"),
                pattern: Some(s("hp")),
            }],
            json: vec![
                JsonMatch {
                    pointer: s("/j"),
                    pattern: None,
                };
                2
            ],
            graphql: Some(GraphqlMatch {
                operations: vec![s("mutation")],
                fields: vec![s("f"); 2],
            }),
            special: true,
            override_special: false,
        }],
        commands: vec![CommandRule {
            meta: bare(2),
            argv: ArgvRule {
                programs: vec![NamePattern::Exact(s("p")), NamePattern::Glob(s("g*"))],
                subcommands: vec![vec![s("s")], vec![s("t"), s("u")]],
                flags_all: vec![s("-a")],
                flags_any: vec![s("-b"); 2],
                not_flags: vec![s("-c"); 3],
                args_any: vec![s("a"); 4],
                writes_any: vec![s("w"); 5],
                piped_from: vec![s("f"); 6],
                construct: Some(crate::command::Construct::ForkBomb),
                pattern: Some(s("re")),
                packages_near_popular: Some(crate::command::Ecosystem::Go),
            },
        }],
        tools: vec![ToolRule {
            meta: bare(3),
            call: CallRule {
                tools: vec![NamePattern::Glob(s("t*"))],
                servers: vec![NamePattern::Exact(s("s")); 2],
                arguments: vec![
                    ArgumentMatch {
                        pointer: s("/a"),
                        test: ValueTest::Exists(true),
                    },
                    ArgumentMatch {
                        pointer: s("/b"),
                        test: ValueTest::Equals(serde_json::json!({"k": [1, "v"]})),
                    },
                    ArgumentMatch {
                        pointer: s("/c"),
                        test: ValueTest::OneOf(vec![serde_json::json!(null)]),
                    },
                    ArgumentMatch {
                        pointer: s("/d"),
                        test: ValueTest::Glob(s("g")),
                    },
                    ArgumentMatch {
                        pointer: s("/e"),
                        test: ValueTest::Regex(s("r")),
                    },
                    ArgumentMatch {
                        pointer: s("/f"),
                        test: ValueTest::Compare(Comparison::Gte, 2.5),
                    },
                ],
                annotations: vec![(s("destructiveHint"), true)],
                destructive_name: true,
                changing_name: true,
            },
        }],
        sql: vec![SqlRule {
            meta: bare(4),
            statement: StatementRule {
                kinds: vec![Kind::Drop, Kind::Read],
                object_types: vec![s("table")],
                objects: vec![s("o"); 2],
            },
        }],
        paths: vec![PathRule {
            meta: bare(5),
            access: AccessRule {
                kinds: vec![Access::Write, Access::Delete],
                paths: vec![s("p")],
                not_paths: vec![s("n"); 2],
            },
        }],
        roles: vec![Role {
            id: s("role"),
            inherits: vec![s("base")],
            source: Some(s("r")),
        }],
        principals: vec![Binding {
            id: s("agent-*"),
            roles: vec![s("role"); 2],
            source: Some(s("b")),
        }],
        environments: vec![Environment {
            id: s("prod"),
            hosts: vec![HostPattern::Exact(s("h")); 2],
            cidrs: vec![
                IpNet::new_assert(IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0)), 8);
                3
            ],
            paths: vec![s("/srv")],
            tools: vec![NamePattern::Glob(s("t*")); 4],
            names: vec![NamePattern::Exact(s("prod")); 2],
            source: Some(s("e")),
        }],
        permissions: vec![Permission { meta: bare(6) }],
        cedar: Some(CedarSection {
            policies: s("permit(principal, action, resource);"),
            schema: Some(s("schema")),
        }),
        inspection: Inspection {
            max_body_bytes: 1234,
            oversize: Effect::Allow,
            strict_paths: true,
        },
        audit_overflow: AuditOverflow::Deny,
        audit_durability: crate::audit::Durability::Synced,
        hooks: crate::hook::Hooks {
            grant: true,
            ..crate::hook::Hooks::default()
        },
        session: crate::session::SessionRules {
            sensitive_paths: vec![s("**/.env")],
            not_sensitive_paths: vec![s("**/.env.example")],
            untrusted_tools: vec![s("WebFetch")],
            send_tools: vec![s("*send*")],
            protected_writes: vec![s("**/.git/hooks/**")],
            taint_egress: Some(Effect::Ask),
            taint_send: Some(Effect::Ask),
            taint_secret: Some(Effect::Deny),
            untrusted_write: Some(Effect::Ask),
            written_code: Some(Effect::Ask),
            rate: Some(Effect::Ask),
            rate_limit: Some(7),
            rate_window_seconds: Some(60),
            approval_ttl_seconds: Some(600),
            expire_after_seconds: Some(3600),
            max_facts: Some(99),
        },
        extends: vec![s("default")],
        disable: vec![s("x"); 2],
        explicit: Explicit {
            defaults: [true, false, true, false],
            inspection: [false, true, true],
            audit_overflow: true,
            audit_durability: true,
            ..Explicit::default()
        },
        notes: Vec::new(),
    }
}

/// `policy` with every rule's examples removed: what the snapshot keeps.
#[cfg(any(test, feature = "internals"))]
pub(crate) fn without_examples(mut policy: Policy) -> Policy {
    for meta in policy.metas_mut() {
        meta.examples = Examples::default();
    }
    policy
}

/// [`witness`] in postcard, as this build lays it out.
fn witness_bytes() -> Option<Vec<u8>> {
    postcard::to_allocvec(&witness()).ok()
}

/// The model section for `policy` (the composed default policy) and its hash.
#[cfg(any(test, feature = "internals"))]
pub(crate) fn encode(policy: &Policy, hash: &str) -> Result<Vec<u8>, String> {
    if !policy.notes.is_empty() {
        return Err(
            "the default policy has composition notes, which the snapshot does not keep".into(),
        );
    }
    let fail = |e: postcard::Error| format!("encoding the model: {e}");
    let policy = without_examples(policy.clone());
    let mut skeleton = policy.clone();
    for r in &mut skeleton.egress {
        *r = EgressRule {
            meta: std::mem::take(&mut r.meta),
            ..EgressRule::default()
        };
    }
    for r in &mut skeleton.commands {
        *r = CommandRule {
            meta: std::mem::take(&mut r.meta),
            ..CommandRule::default()
        };
    }
    for r in &mut skeleton.tools {
        *r = ToolRule {
            meta: std::mem::take(&mut r.meta),
            ..ToolRule::default()
        };
    }
    for r in &mut skeleton.sql {
        *r = SqlRule {
            meta: std::mem::take(&mut r.meta),
            ..SqlRule::default()
        };
    }
    for r in &mut skeleton.paths {
        *r = PathRule {
            meta: std::mem::take(&mut r.meta),
            ..PathRule::default()
        };
    }
    fn bare<R: Clone>(rules: &[R], meta: impl Fn(&mut R) -> &mut RuleMeta) -> Vec<R> {
        rules
            .iter()
            .cloned()
            .map(|mut r| {
                *meta(&mut r) = RuleMeta::default();
                r
            })
            .collect()
    }
    let sections = [
        postcard::to_allocvec(&bare(&policy.egress, |r| &mut r.meta)).map_err(fail)?,
        postcard::to_allocvec(&bare(&policy.commands, |r| &mut r.meta)).map_err(fail)?,
        postcard::to_allocvec(&bare(&policy.tools, |r| &mut r.meta)).map_err(fail)?,
        postcard::to_allocvec(&bare(&policy.sql, |r| &mut r.meta)).map_err(fail)?,
        postcard::to_allocvec(&bare(&policy.paths, |r| &mut r.meta)).map_err(fail)?,
    ];
    let witness = witness_bytes().ok_or("encoding the layout witness")?;
    let skeleton = postcard::to_allocvec(&skeleton).map_err(fail)?;
    let [a, b, c, d, e] = &sections;
    let model = Model {
        parts: parts_fingerprint(),
        witness: &witness,
        hash,
        skeleton: &skeleton,
        sections: [a, b, c, d, e],
    };
    postcard::to_allocvec(&model).map_err(fail)
}

/// The snapshot's policy (lazily decoded) and its hash from a model
/// section, when it was made from the parts this binary embeds, with this
/// build's layout of the model.
pub(crate) fn open(bytes: &[u8]) -> Option<(Lazy<'_>, String)> {
    let model: Model<'_> = whole(bytes)?;
    if model.parts != parts_fingerprint() || model.witness != witness_bytes()?.as_slice() {
        return None;
    }
    let skeleton: Policy = whole(model.skeleton)?;
    let lazy = Lazy {
        skeleton,
        sections: model.sections,
    };
    Some((lazy, model.hash.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Option<(Policy, String)> {
        let (lazy, hash) = open(bytes)?;
        Some((lazy.into_policy()?, hash))
    }

    #[test]
    fn the_model_round_trips_without_its_examples() {
        let policy = super::super::builtin::policy().unwrap();
        let bytes = encode(&policy, "h").unwrap();
        let stripped = without_examples(policy.clone());
        assert_ne!(stripped, policy);
        assert_eq!(decode(&bytes), Some((stripped.clone(), "h".to_owned())));
        let (lazy, _) = open(&bytes).unwrap();
        let argv: Vec<_> = lazy
            .commands()
            .unwrap()
            .into_iter()
            .map(|r| r.argv)
            .collect();
        assert!(argv.iter().eq(stripped.commands.iter().map(|r| &r.argv)));
        assert_eq!(lazy.skeleton().commands.len(), stripped.commands.len());
        assert_eq!(lazy.skeleton().commands[0].meta, stripped.commands[0].meta);
        assert_eq!(lazy.skeleton().commands[0].argv, ArgvRule::default());
        assert_eq!(lazy.skeleton().permissions, stripped.permissions);
    }

    #[test]
    fn the_embedded_snapshot_is_the_policy_read_from_the_parts() {
        let section = crate::data::snapshot::section(crate::data::snapshot::Section::Model)
            .expect("no current snapshot embedded: run `make snapshot`");
        let (policy, hash) = decode(section).expect("the snapshot's model does not open");
        let parts = super::super::builtin::policy().unwrap();
        assert_eq!(policy, without_examples(parts));
        // The engine tests compare the hash with the one computed from the parts.
        assert_eq!(hash.len(), 64);
    }

    #[test]
    fn a_model_of_other_parts_another_layout_or_cut_short_is_refused() {
        let policy = super::super::builtin::policy().unwrap();
        let good = encode(&policy, "h").unwrap();
        assert!(decode(&good).is_some());
        let mut model: Model<'_> = postcard::from_bytes(&good).unwrap();
        model.parts ^= 1;
        assert!(decode(&postcard::to_allocvec(&model).unwrap()).is_none());
        model.parts ^= 1;
        let mut other_layout = model.witness.to_vec();
        other_layout.push(0);
        model.witness = &other_layout;
        assert!(decode(&postcard::to_allocvec(&model).unwrap()).is_none());
        assert!(decode(&good[..good.len() - 1]).is_none());
        let mut longer = good.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
    }

    #[test]
    fn the_witness_sets_the_fields_a_layout_change_would_move() {
        let w = witness();
        assert_eq!(
            postcard::from_bytes::<Policy>(&witness_bytes().unwrap()).unwrap(),
            w
        );
        assert!(w.egress[0].meta.examples.not_matching.len() == 2 && w.cedar.is_some());
    }
}
