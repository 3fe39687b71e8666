//! Fuzz target bodies, shared by the cargo-fuzz targets in `fuzz/` and by
//! the test that replays their committed corpora on stable Rust.
//!
//! Each function takes arbitrary bytes and must neither panic nor hang; most
//! also check a property, panicking (which the fuzzer reports) when it does
//! not hold: the same input decides the same way twice, the literal
//! prefilter never changes a command decision, the canonical-URL fast path
//! agrees with the full parse, canonicalization is idempotent, a NUL byte
//! inserted into a command or a routed tool argument never loosens its
//! decision, a hook payload is read or refused and a denial is answered
//! as a block in every agent's protocol. Not part of the API.

// A fuzz target reports a broken property by panicking: that is its whole job.
#![allow(clippy::panic, clippy::expect_used)]

use std::sync::OnceLock;

use crate::egress::{parse_url, url::parse_url_in_full, Destination};
use crate::{Engine, Format, Request};

fn default_engine() -> Option<&'static Engine> {
    static ENGINE: OnceLock<Option<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| Engine::default_policy().ok())
        .as_ref()
}

/// Requests every compiled policy is asked, to reach the decision code.
const PROBES: &[&str] = &[
    r#"{"command": "rm -rf / && curl -X DELETE https://api.example.com/x"}"#,
    r#"{"http": {"method": "POST", "url": "https://api.example.com/graphql", "body": "{\"query\":\"mutation { volumeDelete(id: 1) }\"}"}}"#,
    r#"{"tool": {"name": "mcp__github__delete_repo", "arguments": {"x": 1}}}"#,
];

fn decide_twice(engine: &Engine) {
    for probe in PROBES {
        if let Ok(request) = Request::from_json(probe) {
            let (a, b) = (engine.decide(&request), engine.decide(&request));
            assert_eq!(a, b, "the same request decided twice differently");
        }
    }
}

/// Policy text in `format`: compiles or is refused with diagnostics; a
/// compiled policy decides deterministically.
pub fn policy(data: &[u8], format: Format) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Engine::builder().text(text, format).build() {
        Ok(engine) => decide_twice(&engine),
        Err(e) => assert!(!e.diagnostics().is_empty(), "an error without diagnostics"),
    }
}

/// A command line on the default policy: the prefilter never changes the
/// decision, deciding twice gives the same decision, and the line with a
/// NUL inserted (at a few positions derived from it) is denied, whatever it
/// was before: a C string ends at the NUL, so what runs is not what was
/// checked.
pub fn command(data: &[u8]) {
    let (Ok(line), Some(engine)) = (std::str::from_utf8(data), default_engine()) else {
        return;
    };
    let fast = engine.check_command(line);
    let full = engine.check_command_analyzed(line);
    assert_eq!(
        fast.effect, full.effect,
        "the prefilter changed the decision of {line:?}"
    );
    assert_eq!(
        fast,
        engine.check_command(line),
        "not deterministic: {line:?}"
    );
    for at in nul_positions(line) {
        let hidden = with_nul(line, at);
        let d = engine.check_command(&hidden);
        assert_eq!(
            d.effect,
            crate::Effect::Deny,
            "a NUL at byte {at} turned {} into {}: {hidden:?}",
            fast.effect,
            d.effect
        );
    }
}

/// A few char boundaries of `text` to insert a NUL at: its start, its end,
/// its middle and two derived from its bytes (cheap, and different for
/// every input, so the fuzzer reaches every position).
fn nul_positions(text: &str) -> Vec<usize> {
    let len = text.len();
    let seed = text.bytes().fold(0usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    let span = len.saturating_add(1);
    let mut at = vec![0, len, len / 2, seed % span, (seed / 7) % span];
    for p in &mut at {
        while !text.is_char_boundary(*p) {
            *p = p.saturating_sub(1);
        }
    }
    at.sort_unstable();
    at.dedup();
    at
}

/// `text` with a NUL inserted at byte `at` (a char boundary).
fn with_nul(text: &str, at: usize) -> String {
    let (head, tail) = text.split_at_checked(at).unwrap_or((text, ""));
    format!("{head}\0{tail}")
}

/// A URL: the fast path agrees with the full parse, and canonical facts
/// written back as a URL parse to the same facts.
pub fn url(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_url(raw);
    assert_eq!(
        parsed,
        parse_url_in_full(raw),
        "fast path and full parse differ on {raw:?}"
    );
    let Ok(target) = parsed else {
        return;
    };
    if target.scheme != "http" && target.scheme != "https" {
        return;
    }
    let host = match &target.destination {
        Destination::Name(name) => name.to_string(),
        Destination::Ip(std::net::IpAddr::V6(ip)) => format!("[{ip}]"),
        Destination::Ip(ip) => ip.to_string(),
    };
    let query = target
        .query
        .as_deref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let again = format!(
        "{}://{host}:{}{}{query}",
        target.scheme, target.port, target.path
    );
    match parse_url(&again) {
        Ok(second) => {
            assert_eq!(
                second.destination, target.destination,
                "{raw:?} → {again:?}"
            );
            assert_eq!(second.port, target.port, "{raw:?} → {again:?}");
            assert_eq!(second.path, target.path, "{raw:?} → {again:?}");
        }
        Err(e) => panic!("canonical form {again:?} of {raw:?} does not parse: {e}"),
    }
}

/// A request JSON on the default policy: read or refused; a decision's JSON
/// reads back into the same decision.
pub fn request(data: &[u8]) {
    let (Ok(text), Some(engine)) = (std::str::from_utf8(data), default_engine()) else {
        return;
    };
    let Ok(request) = Request::from_json(text) else {
        return;
    };
    let decision = engine.decide(&request);
    let back: crate::Decision =
        serde_json::from_str(&decision.to_json()).expect("a decision's JSON reads back");
    assert_eq!(back.effect, decision.effect);
    assert_eq!(decision, engine.decide(&request), "not deterministic");
}

/// A GraphQL document: read into operations or refused, within bounds.
pub fn graphql(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::egress::graphql::operations(text);
    }
}

/// SQL text: classified deterministically, statement spans in order and on
/// character boundaries, at most [`MAX_STATEMENTS`](crate::sql::MAX_STATEMENTS);
/// for a text with nothing left open, a trailing `;` and newline change no
/// statement's kind.
pub fn sql(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let first = crate::sql::classify(text);
    assert_eq!(
        first,
        crate::sql::classify(text),
        "not deterministic: {text:?}"
    );
    assert!(first.statements.len() <= crate::sql::MAX_STATEMENTS);
    let mut end = 0;
    for s in &first.statements {
        let (a, b) = s.span;
        assert!(
            a >= end && a <= b && b <= text.len(),
            "span {a}..{b} in {text:?}"
        );
        assert!(
            text.is_char_boundary(a) && text.is_char_boundary(b),
            "span {a}..{b} in {text:?}"
        );
        end = b;
    }
    if !first.unterminated && !first.truncated {
        let again = crate::sql::classify(&format!("{text};\n"));
        let kinds =
            |c: &crate::sql::Classified| c.statements.iter().map(|s| s.kind).collect::<Vec<_>>();
        assert_eq!(
            kinds(&first),
            kinds(&again),
            "a trailing `;` changed {text:?}"
        );
    }
}

/// Tool arguments (JSON): the walk stays within its bounds, every routed
/// string's pointer leads back to that very string, and the default policy
/// decides the call deterministically, naming an argument that exists; a
/// NUL inserted into a routed string never loosens the decision.
pub fn tool_arguments(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let routes = crate::tool::route::route(&value);
    assert!(routes.routes.len() <= crate::tool::route::MAX_STRINGS);
    for r in &routes.routes {
        let at = value.pointer(&r.pointer);
        if r.literal() {
            assert_eq!(
                at.and_then(serde_json::Value::as_str),
                Some(&*r.text),
                "pointer {:?} does not lead to its string",
                r.pointer
            );
        } else {
            assert!(at.is_some(), "pointer {:?} leads nowhere", r.pointer);
        }
    }
    for pointer in &routes.too_long {
        assert!(value.pointer(pointer).is_some(), "{pointer:?}");
    }
    // The per-tool entries of the routing table build lines from the same
    // arguments: every pointer they name exists.
    for tool in [
        "run_gcloud_command",
        "valkey_admin",
        "browser_evaluate",
        "search_code",
        "azmcp_extension_az",
    ] {
        let built = crate::tool::route::route_call(Some(tool), None, &value, |_| {});
        for r in &built.routes {
            assert!(
                value.pointer(&r.pointer).is_some(),
                "{tool}: {:?}",
                r.pointer
            );
        }
    }
    let Some(engine) = default_engine() else {
        return;
    };
    let decision = engine.check_tool("mcp__fuzz__run", &value);
    assert_eq!(
        decision,
        engine.check_tool("mcp__fuzz__run", &value),
        "not deterministic"
    );
    if let Some(argument) = &decision.argument {
        assert!(
            value.pointer(&argument.pointer).is_some(),
            "{:?}",
            argument.pointer
        );
    }
    tool_nul_never_loosens(engine, &value, &routes);
}

/// `value` with the string at `pointer` replaced by `text`.
fn replaced(value: &serde_json::Value, pointer: &str, text: String) -> serde_json::Value {
    let mut out = value.clone();
    if let Some(slot) = out.pointer_mut(pointer) {
        *slot = serde_json::Value::String(text);
    }
    out
}

/// A NUL inserted into a routed string argument never loosens the call: a
/// shell, SQL or URL argument holding one denies the call, and a path
/// holding one is decided at least as strictly as the path cut there (the
/// path `open()` would open). Only strings the mutated call still routes
/// the same way are tried (a NUL can stop content from reading as a URL or
/// SQL, and then C would see only the harmless text before it).
fn tool_nul_never_loosens(
    engine: &Engine,
    value: &serde_json::Value,
    routes: &crate::tool::route::Routes<'_>,
) {
    use crate::tool::route::Class;
    const TOOL: &str = "mcp__fuzz__run";
    let literal: Vec<&crate::tool::route::Route<'_>> =
        routes.routes.iter().filter(|r| r.literal()).collect();
    let Some(&first) = literal.first() else {
        return;
    };
    let picked = nul_positions(&first.text)
        .last()
        .copied()
        .unwrap_or_default()
        % literal.len();
    for r in [Some(first), literal.get(picked).copied()]
        .into_iter()
        .flatten()
    {
        for at in nul_positions(&r.text) {
            let mutated = replaced(value, &r.pointer, with_nul(&r.text, at));
            let rerouted = crate::tool::route::route(&mutated);
            if !rerouted
                .routes
                .iter()
                .any(|x| x.pointer == r.pointer && x.class == r.class)
            {
                continue;
            }
            let d = engine.check_tool(TOOL, &mutated);
            match r.class {
                Class::Shell | Class::Sql | Class::Url | Class::Argv | Class::Code => assert_eq!(
                    d.effect,
                    crate::Effect::Deny,
                    "a NUL at byte {at} of {} argument {:?} did not deny: {mutated}",
                    r.class.as_str(),
                    r.pointer
                ),
                Class::Path => {
                    let head = r.text.get(..at).unwrap_or_default().to_owned();
                    let cut = engine.check_tool(TOOL, &replaced(value, &r.pointer, head));
                    assert!(
                        d.effect >= cut.effect,
                        "a NUL at byte {at} of path {:?} decided {} where the cut path is {}: {mutated}",
                        r.pointer,
                        d.effect,
                        cut.effect
                    );
                }
            }
        }
    }
}

/// A small policy and a request over a shared vocabulary, built from fuzz
/// bytes with [`arbitrary`]: structured enough that rules and requests meet.
#[derive(Debug)]
pub struct PolicyCase {
    /// Command and egress rules, as policy JSON.
    pub rules: Vec<(&'static str, serde_json::Value)>,
    /// The request.
    pub request: Request,
}

const PROGRAMS: &[&str] = &[
    "rm",
    "git",
    "curl",
    "ls",
    "kubectl",
    "psql",
    "terraform",
    "cat",
];
const FLAGS: &[&str] = &["-r", "-f", "-rf", "--force", "-X", "-c", "--all", "-n"];
const ARGS: &[&str] = &[
    "/",
    "~",
    "/tmp/x",
    "push",
    "delete",
    "destroy",
    "https://api.example.com/v1",
    "DROP TABLE t",
    "~/.ssh/id_rsa",
    ".env",
];
const GLUE: &[&str] = &["&&", "|", ";", "$(", ")", "sudo", "bash -c"];
const HOSTS: &[&str] = &[
    "example.com",
    "*.example.com",
    "**.example.com",
    "api.example.com",
    "evil.test",
];
const EFFECTS: &[&str] = &["allow", "ask", "deny"];

impl<'a> arbitrary::Arbitrary<'a> for PolicyCase {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut rules = Vec::new();
        for i in 0..u.int_in_range(1..=6)? {
            let effect = *u.choose(EFFECTS)?;
            if u.ratio(1, 3)? {
                let hosts = vec![*u.choose(HOSTS)?];
                rules.push((
                    "egress",
                    serde_json::json!({"id": format!("e{i}"), "effect": effect, "hosts": hosts}),
                ));
                continue;
            }
            let mut rule = serde_json::Map::new();
            rule.insert("id".into(), format!("c{i}").into());
            rule.insert("effect".into(), effect.into());
            rule.insert("program".into(), (*u.choose(PROGRAMS)?).into());
            if u.arbitrary()? {
                rule.insert("flags_any".into(), serde_json::json!([*u.choose(FLAGS)?]));
            }
            if u.arbitrary()? {
                let glob = *u.choose(&["/", "~", "/tmp/*", "**"])?;
                rule.insert("args_any".into(), serde_json::json!([glob]));
            }
            let rule = serde_json::Value::Object(rule);
            rules.push(("commands", rule));
        }
        let request = if u.ratio(1, 4)? {
            let host = u.choose(&[
                "example.com",
                "a.example.com",
                "api.example.com",
                "evil.test",
                "b.evil.test",
            ])?;
            Request::http("GET", format!("https://{host}/x"))
        } else {
            let mut words = Vec::new();
            for _ in 0..u.int_in_range(1..=6)? {
                let pool = *u.choose(&[PROGRAMS, FLAGS, ARGS, GLUE])?;
                words.push(*u.choose(pool)?);
            }
            Request::command(words.join(" "))
        };
        Ok(PolicyCase { rules, request })
    }
}

impl PolicyCase {
    fn engine(&self, without: Option<usize>) -> Option<Engine> {
        let kept = |name: &str| -> Vec<serde_json::Value> {
            self.rules
                .iter()
                .enumerate()
                .filter(|(i, (section, _))| Some(*i) != without && *section == name)
                .map(|(_, (_, rule))| rule.clone())
                .collect()
        };
        let policy = serde_json::json!({"version": 1, "egress": kept("egress"), "commands": kept("commands")});
        Engine::builder()
            .policy(&crate::Policy::from_value(&policy).ok()?)
            .build()
            .ok()
    }
}

/// A structured policy case: decided deterministically, and a denial stays
/// a denial when any allow rule is removed (allow rules only ever loosen).
pub fn policy_monotonic(data: &[u8]) {
    let Ok(case) =
        <PolicyCase as arbitrary::Arbitrary>::arbitrary(&mut arbitrary::Unstructured::new(data))
    else {
        return;
    };
    let Some(engine) = case.engine(None) else {
        return;
    };
    let decision = engine.decide(&case.request);
    assert_eq!(
        decision,
        engine.decide(&case.request),
        "not deterministic: {case:?}"
    );
    if decision.effect != crate::Effect::Deny {
        return;
    }
    for (i, (_, rule)) in case.rules.iter().enumerate() {
        if rule["effect"] != "allow" {
            continue;
        }
        if let Some(smaller) = case.engine(Some(i)) {
            let again = smaller.decide(&case.request);
            assert_eq!(
                again.effect,
                crate::Effect::Deny,
                "removing allow rule {i} turned a denial into {}: {case:?}",
                again.effect
            );
        }
    }
}

/// A hook payload, read as every agent's: refused, or made into requests
/// whose decisions settle under every setting into an answer that is JSON
/// (when there is one), exits 0 or 2, and blocks exactly when it denies.
pub fn hook_payload(data: &[u8]) {
    use crate::hook::{self, Agent, Settings, UnattendedAsk};
    let (Ok(text), Some(engine)) = (std::str::from_utf8(data), default_engine()) else {
        return;
    };
    for agent in Agent::ALL {
        let Ok(payload) = hook::requests(agent, text, Some("/home/fuzz")) else {
            continue;
        };
        let decisions: Vec<_> = payload.requests.iter().map(|r| engine.decide(r)).collect();
        for (grant, unattended, pass) in [
            (false, false, false),
            (true, true, true),
            (true, false, false),
        ] {
            let settings = Settings {
                grant,
                unattended,
                unattended_ask: if pass {
                    UnattendedAsk::Pass
                } else {
                    UnattendedAsk::Deny
                },
            };
            let mut settled = decisions.clone();
            let at = hook::settle(agent, &payload.event, &mut settled, settings);
            let Some(chosen) = at.and_then(|i| settled.get(i)).cloned() else {
                assert!(payload.requests.is_empty(), "requests without an answer");
                continue;
            };
            let answer = hook::answer(agent, &payload.event, &chosen);
            assert!(answer.status == 0 || answer.status == hook::BLOCK_STATUS);
            let out: Option<serde_json::Value> = answer
                .stdout
                .as_deref()
                .map(|s| serde_json::from_str(s).expect("a hook answer is JSON"));
            let denies = chosen.hook == Some(crate::HookAnswer::Deny);
            let text = out.as_ref().map(|v| v.to_string()).unwrap_or_default();
            let blocks = answer.status == hook::BLOCK_STATUS
                || text.contains(r#""deny""#)
                || text.contains(r#""cancel":true"#);
            assert_eq!(blocks, denies, "{agent:?}: {answer:?}");
            assert!(settled.iter().all(|d| d.hook <= chosen.hook));
        }
    }
}

/// A session's state file (JSON, as a hook reads it from disk): read or
/// refused; one that reads decides every probe at least as strictly as the
/// probe alone (a fact only raises), keeps its facts within the policy's
/// bound, and writes back into the same session.
pub fn session_state(data: &[u8]) {
    use crate::session::Session;
    let (Ok(text), Some(engine)) = (std::str::from_utf8(data), default_engine()) else {
        return;
    };
    let Ok(mut session) = Session::from_json(text) else {
        return;
    };
    let again = Session::from_json(&session.to_json()).expect("a session's JSON reads back");
    assert_eq!(again, session, "a session writes back into itself");
    for (i, probe) in PROBES.iter().chain(SESSION_PROBES).enumerate() {
        let Ok(request) = Request::from_json(probe) else {
            continue;
        };
        let alone = engine.decide(&request);
        let now = session.last_active().saturating_add(i as u64);
        let within = engine.decide_in_at(&mut session, &request, now);
        assert!(within.effect >= alone.effect, "a session loosened {probe}");
        assert!(session.facts().count() <= crate::session::rule::MAX_FACTS_LIMIT as usize);
        let _ = engine.ran_in(&mut session, &request, Some(probe), now);
    }
}

/// Requests that read, write, run and send: the session facts' paths.
const SESSION_PROBES: &[&str] = &[
    r#"{"command": "cat .envrc && echo 'rm -rf ~' > x.sh && bash x.sh"}"#,
    r#"{"tool": {"name": "mcp__slack__post_message", "arguments": {"text": "hi"}}}"#,
    r#"{"tool": {"name": "Write", "arguments": {"file_path": "/p/.github/workflows/a.yml", "content": "on: push"}}}"#,
    r#"{"http": {"method": "GET", "url": "https://pypi.org/simple/"}}"#,
];

/// An audit trail file (JSON lines, as `verify` and a reopening writer
/// read it from disk): verified or refused with a located error; opened for
/// writing or refused. A trail that verified, or whose only break is a torn
/// last line, still verifies after a writer opened and closed it (a torn
/// line sealed off by its recovery record, the chain continued).
pub fn audit_trail(data: &[u8]) {
    use crate::audit::{self, Broken, FileSink, VerifyError};
    use std::sync::atomic::{AtomicU64, Ordering};
    static RUN: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "portcullis-fuzz-trail-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let path = dir.join("trail.jsonl");
    if std::fs::write(&path, data).is_ok() {
        let files = [path.clone()];
        let before = audit::verify_files(&files, None, true, None);
        let recoverable = match &before {
            Ok(_) => true,
            Err(VerifyError::Broken(at)) => {
                matches!(at.broken, Broken::Torn(_))
                    && at.line == data.split(|&b| b == b'\n').count() as u64
            }
            Err(_) => false,
        };
        if let Ok(sink) = FileSink::open(&path, None) {
            drop(sink);
            let after = audit::verify_files(&files, None, true, None);
            if recoverable {
                let after = after.unwrap_or_else(|e| panic!("a reopened trail broke: {e}"));
                if let Ok(v) = before {
                    assert!(after.records >= v.records, "records were lost on reopen");
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
