//! Every class of policy error is reported with its rule id, field path, and
//! line and column; bad policies never panic. The bad policies are data files
//! under `tests/data/policies/bad/`.

mod common;

use portcullis::{Engine, ErrorKind, Format, Policy};
use proptest::prelude::*;

/// Compiles a bad policy file and returns its diagnostics as display strings.
fn errors(file: &str) -> Vec<String> {
    let rel = format!("policies/bad/{file}");
    let format = Format::from_path(&common::data(&rel)).expect("json or toml");
    let error = Engine::builder()
        .text(&common::read(&rel), format)
        .build()
        .expect_err("policy must be refused");
    error
        .diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn only_error(file: &str) -> String {
    let errors = errors(file);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

#[test]
fn unknown_field_names_the_field_its_rule_and_line() {
    assert_eq!(
        errors("unknown_field.json"),
        vec!["egress[1].host (rule `pypi`) at line 5, column 40: unknown field `host`; expected one of: id, effect, reason, shadow, examples, roles, environments, actions, hosts, cidrs, ports, made_by, methods, schemes, paths, headers, json, graphql, special, override_special"]
    );
}

#[test]
fn duplicate_id_names_both_rules() {
    assert_eq!(
        only_error("duplicate_id.json"),
        "tools[1].id (rule `github`) at line 8, column 7: duplicate id `github`; first defined at egress[0]"
    );
}

#[test]
fn rule_without_matcher_is_refused() {
    assert_eq!(
        only_error("empty_rule.json"),
        "commands[0] (rule `everything`) at line 4, column 5: rule has no matcher; set at least one of: program, subcommand, flags_all, flags_any, args_any, writes_any, piped_from, construct, pattern, packages_near_popular"
    );
}

#[test]
fn bad_cidr_names_the_element() {
    assert_eq!(
        only_error("bad_cidr.json"),
        "egress[3].cidrs[1] (rule `internal`) at line 8, column 31: invalid CIDR `10.0.0.0/33`: prefix length `33` is not an integer from 0 to 32"
    );
}

#[test]
fn bad_cidr_in_toml_has_a_toml_location() {
    assert_eq!(
        only_error("bad_cidr.toml"),
        "egress[1].cidrs[1] (rule `internal`) at line 11, column 24: invalid CIDR `300.0.0.0/8`: `300.0.0.0` is not an IPv4 or IPv6 address"
    );
}

#[test]
fn bad_effect_is_refused() {
    assert_eq!(
        only_error("bad_effect.json"),
        "egress[0].effect (rule `github`) at line 4, column 23: invalid effect `block`; expected `allow`, `ask` or `deny`"
    );
}

#[test]
fn unsupported_version_stops_reading() {
    assert_eq!(
        only_error("unsupported_version.json"),
        "version at line 2, column 3: unsupported policy version 2; this build reads version 1"
    );
}

#[test]
fn missing_version_is_refused() {
    assert_eq!(
        only_error("missing_version.json"),
        "(document) at line 1, column 1: missing required field `version`"
    );
}

#[test]
fn json_syntax_error_has_line_and_column() {
    assert_eq!(
        only_error("syntax.json"),
        "(document) at line 4, column 67: syntax error: trailing comma"
    );
}

#[test]
fn toml_syntax_error_has_line_and_column() {
    let error = only_error("syntax.toml");
    assert!(
        error.starts_with("(document) at line 5, column 10: syntax error: "),
        "{error}"
    );
}

#[test]
fn repeated_json_key_is_refused() {
    assert_eq!(
        only_error("duplicate_key.json"),
        "egress[0].effect at line 4, column 67: duplicate key `effect` in the same object"
    );
}

#[test]
fn every_error_is_reported_not_only_the_first() {
    assert_eq!(
        errors("many_errors.json"),
        vec![
            "defaults.egress at line 3, column 17: invalid effect `maybe`; expected `allow`, `ask` or `deny`",
            "egress[0].hosts[0] (rule `a`) at line 5, column 47: invalid host `*.ex*ample.org`: `*` is allowed only as the whole first label: `*.example.org` (subdomains) or `**.example.org` (the name and its subdomains)",
            "egress[0].ports[0] (rule `a`) at line 5, column 76: invalid port 0; expected an integer from 1 to 65535",
            "egress[1] at line 6, column 5: missing required field `id`",
            "egress[1].methods[0] at line 6, column 38: invalid method `GET POST`; expected an HTTP method such as GET or POST",
            "commands[0].pattern (rule `c`) at line 9, column 36: invalid pattern `(unclosed`: unclosed group",
            "tools[0].tool (rule `t`) at line 12, column 36: empty list; omit the field to match anything",
        ]
    );
}

#[test]
fn wrong_types_and_bad_values_are_classified() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"version": "1"}"#,
            "expected the integer 1, found a string",
        ),
        (
            r#"{"version": 1, "egress": {}}"#,
            "expected an array, found an object",
        ),
        (
            r#"{"version": 1, "inspection": {"paths": "loose"}}"#,
            "inspection.paths at line 1, column 31: expected \"standard\" or \"strict\", found a string",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "x", "effect": "deny", "hosts": "a.example"}]}"#,
            "expected an array, found a string",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "x", "effect": "deny", "ports": [70000]}]}"#,
            "invalid port 70000",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "x", "effect": "deny", "ports": ["443"]}]}"#,
            "expected a port number, found a string",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "x", "effect": "deny", "hosts": ["10.0.0.1"]}]}"#,
            "an IP address; list addresses and networks under `cidrs`",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "x", "effect": "deny", "hosts": ["exa mple.org"]}]}"#,
            "invalid host `exa mple.org`",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "x", "effect": "deny", "schemes": ["1http"]}]}"#,
            "invalid scheme `1http`",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "a b", "effect": "deny", "schemes": ["http"]}]}"#,
            "invalid rule id `a b`",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "x", "effect": "deny", "shadow": "yes", "schemes": ["http"]}]}"#,
            "expected a boolean, found a string",
        ),
        (
            r#"{"version": 1, "tools": [{"id": "x", "tool": "Bash"}]}"#,
            "missing required field `effect`",
        ),
        (
            r#"{"version": 1, "surprise": true}"#,
            "unknown field `surprise`",
        ),
        (r#"[1, 2]"#, "expected an object, found an array"),
        (
            r#"{"version": 1, "commands": [{"id": "x", "effect": "deny", "pattern": "[^\\s\\S]"}]}"#,
            "the pattern can never match",
        ),
        (
            r#"{"version": 1, "commands": [{"id": "x", "effect": "deny", "program": "rm", "flags_any": ["r"]}]}"#,
            "invalid flag `r`",
        ),
        (
            r#"{"version": 1, "commands": [{"id": "x", "effect": "deny", "construct": "zip-bomb"}]}"#,
            "unknown construct `zip-bomb`",
        ),
        (
            r#"{"version": 1, "commands": [{"id": "x", "effect": "deny", "not_flags": ["-n"]}]}"#,
            "rule has no matcher",
        ),
        (
            r#"{"version": 1, "commands": [{"id": "x", "effect": "deny", "program": "rm", "examples": {"match": ["ls"]}}]}"#,
            "example \"ls\" must match, but it did not match",
        ),
        (
            r#"{"version": 1, "commands": [{"id": "x", "effect": "deny", "program": "rm", "examples": {"no_match": ["rm x"]}}]}"#,
            "example \"rm x\" must not match, but it matched",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "x", "effect": "allow", "hosts": ["a.example"], "examples": {"match": ["POST https://b.example/"]}}]}"#,
            "must match",
        ),
        (
            r#"{"version": 1, "commands": [{"id": "x", "effect": "deny", "program": "rm", "examples": {"matches": []}}]}"#,
            "unknown field `matches`",
        ),
        (
            r#"{"version": 1, "paths": [{"id": "x", "effect": "deny", "paths": ["**/.claude/settings.json"], "access": ["write"], "examples": {"match": ["read ~/.claude/settings.json"]}}]}"#,
            "paths[0].examples.match[0] (rule `x`) at line 1, column 139: example \"read ~/.claude/settings.json\" must match",
        ),
        (
            r#"{"version": 1, "paths": [{"id": "x", "effect": "deny", "paths": ["**/.env"], "access": ["read"], "examples": {"no_match": ["read app/.env"]}}]}"#,
            "must not match, but it matched",
        ),
        (
            r#"{"version": 1, "sql": [{"id": "x", "effect": "deny", "kinds": ["drop"], "examples": {"match": ["SELECT 1"], "no_match": ["DROP TABLE t"]}}]}"#,
            "example \"SELECT 1\" must match",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "x", "effect": "deny", "ports": ["9000-80"]}]}"#,
            "egress[0].ports[0] (rule `x`) at line 1, column 67: invalid port range \"9000-80\"; expected \"first-last\" with 1 ≤ first ≤ last ≤ 65535",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "x", "effect": "deny", "ports": ["0-80"]}]}"#,
            "invalid port range \"0-80\"",
        ),
        (
            r#"{"version": 1, "egress": [{"id": "x", "effect": "deny", "made_by": ["proxy"]}]}"#,
            "egress[0].made_by[0] (rule `x`) at line 1, column 69: unknown request maker `proxy`; expected one of: command, tool, request",
        ),
        (
            r#"{"version": 1, "environments": [{"id": "p", "names": [7]}]}"#,
            "environments[0].names[0]",
        ),
    ];
    for (policy, expected) in cases {
        let error = Engine::from_json(policy).expect_err(policy).to_string();
        assert!(
            error.contains(expected),
            "{policy}\n  gave: {error}\n  want: {expected}"
        );
    }
}

#[test]
fn every_mistake_in_the_hooks_section_is_reported_at_once() {
    let error = Engine::from_json(
        r#"{"version": 1, "hooks": {"grant": "yes", "unattended_ask": "maybe", "ask": true}}"#,
    )
    .unwrap_err();
    let got: Vec<String> = error.diagnostics().iter().map(|d| d.to_string()).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got.iter()
            .any(|d| d.starts_with("hooks.ask") && d.contains("unknown field `ask`")),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|d| d.starts_with("hooks.grant at line 1, column 26")
                && d.contains("`true` or `false`")),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|d| d.starts_with("hooks.unattended_ask") && d.contains("`deny` or `pass`")),
        "{got:?}"
    );
}

#[test]
fn error_kinds_are_matchable() {
    let error = Engine::from_json(
        r#"{"version": 1, "egress": [{"id": "x", "effect": "deny", "cidrs": ["nope"]}]}"#,
    )
    .unwrap_err();
    let d = &error.diagnostics()[0];
    assert!(matches!(d.kind, ErrorKind::InvalidCidr { .. }));
    assert_eq!(d.rule.as_deref(), Some("x"));
    assert_eq!(d.path.to_string(), "egress[0].cidrs[0]");
    assert_eq!(d.location.map(|l| (l.line, l.column)), Some((1, 67)));
}

#[test]
fn columns_count_characters_not_bytes() {
    let policy = r#"{"version": 1, "name": "üüüü", "egress": [{"id": "x", "effect": "nope", "hosts": ["a.b"]}]}"#;
    let error = Engine::from_json(policy).unwrap_err();
    let location = error.diagnostics()[0].location.unwrap();
    let expected = policy.split("\"effect\"").next().unwrap().chars().count() + 1;
    assert_eq!((location.line, location.column), (1, expected));
}

#[test]
fn oversized_policy_is_refused_before_parsing() {
    let huge = " ".repeat(portcullis::policy::MAX_POLICY_BYTES + 1);
    let error = Engine::from_json(&huge).unwrap_err();
    assert!(matches!(error.diagnostics()[0].kind, ErrorKind::Limit(_)));
}

#[test]
fn json_and_toml_read_to_the_same_policy() {
    let json = Policy::from_json(&common::read("policies/good/egress.json")).unwrap();
    let toml = Policy::from_toml(&common::read("policies/good/egress.toml")).unwrap();
    assert_eq!(json, toml);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = Engine::from_json(&text);
        let _ = Engine::from_toml(&text);
    }

    #[test]
    fn damaged_policies_are_refused_or_compiled_never_panic(
        cut in 0usize..2000, len in 0usize..40, insert in "[\\[\\]{}\",:*/. a-z0-9]{0,8}"
    ) {
        for file in ["policies/good/egress.json", "policies/good/egress.toml"] {
            let text = common::read(file);
            let mut chars: Vec<char> = text.chars().collect();
            let start = cut.min(chars.len());
            let end = (start + len).min(chars.len());
            chars.splice(start..end, insert.chars());
            let damaged: String = chars.into_iter().collect();
            match Engine::builder().text(&damaged, Format::from_path(file.as_ref()).unwrap()).build() {
                Ok(_) => {}
                Err(e) => prop_assert!(!e.diagnostics().is_empty()),
            }
        }
    }
}
