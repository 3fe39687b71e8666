//! Policy composition: `extends` built-in parts and files, replace by id,
//! `disable`, the special-address guard, precise errors, and a resolved
//! policy and hash that depend only on the inputs.

mod common;

use std::path::PathBuf;

use portcullis::{Effect, Engine, ErrorKind, HttpRequest, Policy};

fn file(name: &str) -> PathBuf {
    common::data(&format!("policies/compose/{name}"))
}

fn engine(name: &str) -> Engine {
    Engine::from_file(&file(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn error(name: &str) -> String {
    Engine::from_file(&file(name)).unwrap_err().to_string()
}

#[test]
fn extending_default_keeps_every_protection_and_catches_destruction_on_the_new_host() {
    let e = engine("railway.json");
    for corpus in ["corpus/commands.tsv", "corpus/commands_extra.tsv"] {
        let (cases, failures) = common::command_corpus(&e, corpus);
        assert!(cases > 100);
        assert!(failures.is_empty(), "{corpus}: {}", failures.join("\n"));
    }
    let request = |body: &str| {
        HttpRequest::new("https://backboard.railway.app/graphql/v2")
            .with_method("POST")
            .with_body(body)
    };
    let read = e.check_http_request(&request(r#"{"query":"query { me { id } }"}"#));
    assert_eq!(
        (read.effect, read.rule.as_deref()),
        (Effect::Allow, Some("allow-railway"))
    );
    assert_eq!(read.source, None, "the policy's own rule has no source");
    let delete = e.check_http_request(&request(
        r#"{"query":"mutation { volumeDelete(volumeId: \"v\") }"}"#,
    ));
    assert_eq!(
        (delete.effect, delete.rule.as_deref()),
        (Effect::Deny, Some("railway-destroy"))
    );
    assert_eq!(delete.source.as_deref(), Some("packs/control-plane"));
    let d = e.check_http("GET", "http://169.254.169.254/");
    assert_eq!(
        (d.rule.as_deref(), d.source.as_deref()),
        (Some("deny-cloud-metadata"), Some("egress/metadata"))
    );
    assert_eq!(e.name(), Some("team-railway"));
}

#[test]
fn a_rule_with_a_base_rules_id_replaces_it_in_place_and_lint_says_so() {
    let e = engine("replace.json");
    let d = e.check_command("git push --force origin main");
    assert_eq!(
        (d.effect, d.rule.as_deref(), d.source),
        (Effect::Ask, Some("git-force-push"), None)
    );
    assert_eq!(
        e.check_command("ls").effect,
        Effect::Ask,
        "the policy's own defaults override the bases'"
    );
    assert_eq!(
        e.check_http("GET", "https://evil.example/").effect,
        Effect::Deny,
        "defaults it does not set come from the bases"
    );
    let (_, warnings) = Engine::builder()
        .file(&file("replace.json"))
        .lint(true)
        .build_with_warnings()
        .unwrap();
    let notes: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("commands[0] (rule `git-force-push`)")
                && n.contains("replaces the rule of the same id from `packs/git`")),
        "{notes:?}"
    );
}

#[test]
fn disable_removes_rules_and_whole_parts() {
    let e = engine("disable.json");
    assert_eq!(
        e.check_command("aws ec2 terminate-instances --instance-ids i-1")
            .effect,
        Effect::Allow
    );
    assert_eq!(
        e.check_command("git reset --hard HEAD~3").effect,
        Effect::Allow
    );
    assert_ne!(
        e.check_command("git push --force").effect,
        Effect::Allow,
        "the rest of packs/git stays"
    );
    assert_ne!(
        Engine::default_policy()
            .unwrap()
            .check_command("aws ec2 terminate-instances --instance-ids i-1")
            .effect,
        Effect::Allow
    );
    let err = error("disable_nothing.json");
    assert!(
        err.contains("disable[0]")
            && err.contains("`no-such-rule` is neither the id of a rule of the bases"),
        "{err}"
    );
}

#[test]
fn special_rules_can_be_neither_disabled_nor_replaced() {
    let err = error("disable_special.json");
    assert!(
        err.contains("disable[0]") && err.contains("`deny-loopback` is a special-address rule"),
        "{err}"
    );
    let err = error("replace_special.json");
    assert!(
        err.contains("(rule `deny-loopback`)") && err.contains("override_special"),
        "{err}"
    );
}

#[test]
fn bases_compose_from_files_with_parts_and_errors_name_the_base() {
    let e = engine("team.toml");
    assert_eq!(
        e.check_http("GET", "https://example.com/").rule.as_deref(),
        Some("deny-example")
    );
    assert_eq!(
        e.check_http("GET", "https://other.example/").effect,
        Effect::Allow,
        "the base's defaults"
    );
    let d = e.check_command("rm -r build");
    assert_eq!(
        (d.rule.as_deref(), d.source.as_deref()),
        (Some("bad-in-base"), Some("./base.json"))
    );
    assert_eq!(
        e.check_command("git push -f").source.as_deref(),
        Some("packs/git")
    );
    assert_eq!(
        e.check_command("kubectl delete ns prod").rule.as_deref(),
        Some("no-kubectl-delete")
    );

    let err = Engine::from_file(&file("uses_broken.json")).unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(d.source.as_deref(), Some("./base_broken.json"));
    assert_eq!(
        d.location.map(|l| l.line),
        Some(3),
        "located in the base file"
    );
    assert!(
        err.to_string()
            .contains("in `./base_broken.json`: egress[0].cidrs[0]"),
        "{err}"
    );
}

#[test]
fn cycles_missing_files_unknown_bases_and_text_without_a_directory_are_errors() {
    let err = error("cycle_a.json");
    assert!(
        err.contains("`extends` forms a cycle:")
            && err.contains("cycle_a.json → ")
            && err.contains("cycle_b.json → "),
        "{err}"
    );
    let err = error("missing.json");
    assert!(
        err.contains("extends[0]") && err.contains("cannot read base `./does-not-exist.json`"),
        "{err}"
    );
    let err = error("unknown_base.json");
    assert!(err.contains("unknown base `packs/nope`"), "{err}");
    let err = Engine::from_json(r#"{"version": 1, "extends": ["./base.json"]}"#).unwrap_err();
    assert!(
        matches!(err.diagnostics()[0].kind, ErrorKind::BaseUnreadable { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("load the policy from a file"),
        "{err}"
    );
}

#[test]
fn resolution_is_deterministic_and_the_hash_follows_the_content() {
    let resolve = |name: &str| {
        let text = std::fs::read_to_string(file(name)).unwrap();
        let format = portcullis::Format::from_path(&file(name)).unwrap();
        Policy::parse(&text, format)
            .unwrap()
            .resolve(file(name).parent())
            .unwrap()
    };
    assert_eq!(
        resolve("team.toml").to_value(),
        resolve("team.toml").to_value()
    );
    let (a, b) = (engine("railway.json"), engine("railway.json"));
    assert_eq!(a.policy_hash(), b.policy_hash());
    assert_eq!(a.policy_hash().len(), 64);
    assert_ne!(a.policy_hash(), engine("disable.json").policy_hash());
    assert_ne!(
        a.policy_hash(),
        Engine::default_policy().unwrap().policy_hash()
    );
}

#[test]
fn extending_a_part_twice_is_harmless() {
    let e = Engine::from_json(r#"{"version": 1, "extends": ["default", "packs/git"]}"#).unwrap();
    assert_eq!(
        e.rule_count(),
        Engine::default_policy().unwrap().rule_count()
    );
    let (_, warnings) = Engine::builder()
        .text(
            r#"{"version": 1, "extends": ["default", "packs/git"]}"#,
            portcullis::Format::Json,
        )
        .lint(true)
        .build_with_warnings()
        .unwrap();
    assert!(
        warnings
            .iter()
            .all(|w| !matches!(w.kind, ErrorKind::ReplacedRule { .. })),
        "{warnings:?}"
    );
}
