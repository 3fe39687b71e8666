//! Sessions in the engine: what an agent did earlier makes a decision
//! stricter, and each decision adds what it lets happen.
//!
//! [`Engine::decide_in`] decides a request as [`Engine::decide`] does, then
//! joins the request's facts (`session::observe`, from the same shell
//! analysis) with the session's and the policy's `session` section:
//!
//! - *taint* — after a sensitive read, a secret, dropped facts or an
//!   unreadable state: a request to a destination no enforced allow rule
//!   allows (`taint_egress`), a tool that sends text out (`taint_send`),
//!   and any request that carries a secret out (`taint_secret`);
//! - *untrusted content* — after a fetch (or with one, in the same line):
//!   a write to `protected_writes` (`untrusted_write`);
//! - *session-written code* — running a file the session wrote: decided by
//!   that file's content when the write carried it (analyzed as its
//!   language when written: clean content stays allowed), else
//!   `written_code`;
//! - *rate* — more than `rate_limit` destructive actions in the window.
//!
//! A fact only ever raises an effect (a property test holds it), and the
//! decision names the fact ("`.env` was read at step 4 of this session").
//! Then approvals: an `ask` carries an approval code; an approved one
//! ([`Engine::ran_in`] after the call ran, or [`Engine::approve_in`]) allows
//! the same action — the same [`ActionKey`] — until its TTL ends. Last, if
//! the decision is not `deny`, what it lets happen is recorded: sensitive
//! reads, secrets (hashed), untrusted fetches, writes with their content's
//! hash and verdict, destructive actions, the `ask`.
//!
//! Cost: for a request that carries none of these facts (most), one pass
//! over the analysis the decision already made (a line the prefilter let
//! through unparsed is parsed only when its words could add a fact:
//! `observe::may_add_facts`) and a scan of the session's facts, a few
//! thousand instructions (BENCHMARKS.md); a destination check (one HTTP
//! decision) only in a tainted session; one command decision per written
//! file whose content is code.

use std::time::{SystemTime, UNIX_EPOCH};

use super::Engine;
use crate::decision::{Decision, Matched, SessionFacts};
use crate::effect::Effect;
use crate::paths::{Access, AccessRule, PathMatcher};
use crate::pattern::{Build, NameSet};
use crate::policy::{Diagnostic, ErrorKind, FieldPath, PolicyError};
use crate::request::{Action, Principal, Request};
use crate::session::key::ActionKey;
use crate::session::observe::{self, Observed};
use crate::session::rule::fallback;
use crate::session::{ContentVerdict, FactKind, Session, SessionRules};

/// The rule ids session facts decide with.
pub mod rules {
    /// A destination no rule allows, in a tainted session.
    pub const TAINT_EGRESS: &str = "session:taint-egress";
    /// A tool that sends text out, in a tainted session.
    pub const TAINT_SEND: &str = "session:taint-send";
    /// A secret leaving a tainted session.
    pub const TAINT_SECRET: &str = "session:taint-secret";
    /// A protected write after untrusted content.
    pub const UNTRUSTED_WRITE: &str = "session:untrusted-write";
    /// Running a file the session wrote.
    pub const WRITTEN_CODE: &str = "session:written-code";
    /// Too many destructive actions in the window.
    pub const RATE: &str = "session:rate";
}

/// The `session` section compiled.
#[derive(Debug, Default)]
pub(crate) struct SessionMatcher {
    sensitive: PathMatcher,
    protected: PathMatcher,
    untrusted_tools: NameSet,
    send_tools: NameSet,
    taint_egress: Effect,
    taint_send: Effect,
    taint_secret: Effect,
    untrusted_write: Effect,
    written_code: Effect,
    rate: Effect,
    rate_limit: u32,
    rate_window: u64,
    approval_ttl: u64,
    expire_after: u64,
    max_facts: usize,
}

/// Compiles the `session` section; an error names the field whose globs
/// do not compile.
pub(super) fn compile(s: &SessionRules, build: Build) -> Result<SessionMatcher, PolicyError> {
    let fail = |field: &str, message: String| {
        PolicyError::new(vec![Diagnostic::new(
            FieldPath::root().key("session").key(field),
            ErrorKind::InvalidPattern {
                pattern: format!("(all {field})"),
                reason: message,
            },
        )])
    };
    let paths = |field: &str, access: Access, paths: &[String], not: &[String]| {
        let mut b = PathMatcher::builder();
        if !paths.is_empty() {
            b.rule(
                0,
                &AccessRule {
                    kinds: vec![access],
                    paths: paths.to_vec(),
                    not_paths: not.to_vec(),
                },
            );
        }
        b.build_with(build).map_err(|e| fail(field, e.message))
    };
    let names = |field: &str, globs: &[String]| {
        let mut b = NameSet::builder();
        for g in globs {
            if g.contains(['*', '?']) {
                b.glob(g, 0);
            } else {
                b.exact(g, 0);
            }
        }
        b.build_with(build).map_err(|e| fail(field, e.message))
    };
    Ok(SessionMatcher {
        sensitive: paths(
            "sensitive_paths",
            Access::Read,
            &s.sensitive_paths,
            &s.not_sensitive_paths,
        )?,
        protected: paths("protected_writes", Access::Write, &s.protected_writes, &[])?,
        untrusted_tools: names("untrusted_tools", &s.untrusted_tools)?,
        send_tools: names("send_tools", &s.send_tools)?,
        taint_egress: s.taint_egress.unwrap_or(fallback::TAINT_EGRESS),
        taint_send: s.taint_send.unwrap_or(fallback::TAINT_SEND),
        taint_secret: s.taint_secret.unwrap_or(fallback::TAINT_SECRET),
        untrusted_write: s.untrusted_write.unwrap_or(fallback::UNTRUSTED_WRITE),
        written_code: s.written_code.unwrap_or(fallback::WRITTEN_CODE),
        rate: s.rate.unwrap_or(fallback::RATE),
        rate_limit: s.rate_limit.unwrap_or(fallback::RATE_LIMIT),
        rate_window: s
            .rate_window_seconds
            .unwrap_or(fallback::RATE_WINDOW_SECONDS),
        approval_ttl: s
            .approval_ttl_seconds
            .unwrap_or(fallback::APPROVAL_TTL_SECONDS),
        expire_after: s
            .expire_after_seconds
            .unwrap_or(fallback::EXPIRE_AFTER_SECONDS),
        max_facts: s.max_facts.unwrap_or(fallback::MAX_FACTS) as usize,
    })
}

fn matches(set: &NameSet, name: &str) -> bool {
    let mut hit = false;
    set.for_each_match(name, |_| hit = true);
    hit
}

/// Whether the request's tool is in `set`: by its name, and for a tool of
/// a named MCP server also as `mcp__server__tool` (the form the lists use,
/// whichever way an agent reports the server).
fn tool_in(set: &NameSet, o: &Observed<'_>) -> bool {
    let Some(tool) = o.tool else { return false };
    matches(set, tool)
        || o.server
            .is_some_and(|server| matches(set, &format!("mcp__{server}__{tool}")))
}

fn path_matches(set: &PathMatcher, path: &str, access: Access) -> bool {
    set.is_match(path, access)
}

/// Seconds since the Unix epoch, now.
fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What a decision in a session is raised to, and why.
struct Raise<'d> {
    decision: &'d mut Decision,
    facts: Vec<String>,
}

impl Raise<'_> {
    /// Raises the decision to `effect` by `rule`, naming `why`; reported
    /// as matched even when the decision is already as strict.
    fn to(&mut self, effect: Effect, rule: &'static str, why: String) {
        if effect == Effect::Allow {
            return;
        }
        let d = &mut *self.decision;
        d.matched.push(Matched {
            rule: rule.into(),
            effect,
            shadow: false,
        });
        if effect > d.effect {
            d.effect = effect;
            d.rule = Some(rule.into());
            d.source = None;
            d.reason = why.clone().into();
        }
        self.facts.push(why);
    }
}

impl Engine {
    /// Decides `request` in `session`, now: as [`Engine::decide`], made
    /// stricter by what the session did earlier, allowed where the user
    /// approved this exact action, and recorded in the session.
    pub fn decide_in(&self, session: &mut Session, request: &Request) -> Decision {
        self.decide_in_at(session, request, now_secs())
    }

    /// [`Engine::decide_in`] at `now` (Unix seconds): for tests and for
    /// callers with their own clock.
    pub fn decide_in_at(&self, session: &mut Session, request: &Request, now: u64) -> Decision {
        let m = &self.inner.session;
        let step = session.begin(now, m.expire_after, m.max_facts);
        let mut kept = None;
        let mut decision = self.decide_keeping(request, Some(&mut kept));
        let analysis = kept.as_ref().map(|k| (&k.analysis, k.calls.as_slice()));
        let observed = observe::observe(request, analysis);
        let ruled_destructive = decision.effect > Effect::Allow && decision.rule.is_some();
        let mut raise = Raise {
            decision: &mut decision,
            facts: Vec::new(),
        };
        self.consult(
            session,
            &observed,
            request.principal.as_ref(),
            now,
            &mut raise,
        );
        let facts = raise.facts;
        let mut shown = SessionFacts {
            id: session.id().to_owned(),
            step,
            facts,
            code: None,
            approved: None,
        };
        if decision.effect == Effect::Ask {
            let key = action_key(session, request, kept.as_ref(), &observed);
            let hex_key = key.hex();
            let approval = session.approval(&hex_key, now).map(|f| match &f.kind {
                FactKind::Approved { code, once, .. } => (code.clone(), *once, f.describe()),
                _ => (String::new(), false, f.describe()),
            });
            match approval {
                Some((code, once, described)) => {
                    decision.effect = Effect::Allow;
                    decision.reason = format!("{described}: {}", decision.reason).into();
                    shown.approved = Some(code);
                    if once {
                        session.consume(&hex_key);
                    }
                }
                None => {
                    let code = key.code();
                    decision.reason =
                        format!("{} (approve: portcullis approve {code})", decision.reason).into();
                    session.record(
                        FactKind::Asked {
                            code: code.clone(),
                            key: hex_key,
                            prompted: true,
                        },
                        now,
                        m.max_facts,
                    );
                    shown.code = Some(code);
                }
            }
        }
        if decision.effect != Effect::Deny {
            self.record(session, request, &observed, ruled_destructive, now);
        }
        decision.session = Some(Box::new(shown));
        decision
    }

    /// The session's facts against the request's: every raise.
    fn consult(
        &self,
        session: &Session,
        o: &Observed<'_>,
        principal: Option<&Principal>,
        now: u64,
        raise: &mut Raise<'_>,
    ) {
        let m = &self.inner.session;
        let sends = tool_in(&m.send_tools, o);
        let leaves = sends || !o.destinations.is_empty();
        if leaves {
            if let Some(why) = session.taint() {
                if !o.secrets.is_empty() {
                    raise.to(
                        m.taint_secret,
                        rules::TAINT_SECRET,
                        format!("a secret would leave this session after {why}"),
                    );
                }
                for d in &o.destinations {
                    if !self.allowed_by_rule(&d.method, &d.url, d.known) {
                        raise.to(
                            m.taint_egress,
                            rules::TAINT_EGRESS,
                            format!("`{}` is not allowed by any rule, and {why}", d.url),
                        );
                    }
                }
                if let (true, Some(tool)) = (sends, o.tool) {
                    raise.to(
                        m.taint_send,
                        rules::TAINT_SEND,
                        format!("`{tool}` sends text out, and {why}"),
                    );
                }
            }
        }
        if !o.writes.is_empty() && m.untrusted_write > Effect::Allow {
            let untrusted = session.untrusted().or_else(|| {
                o.fetches
                    .first()
                    .map(|u| format!("untrusted content is fetched from `{u}` in the same command"))
            });
            if let Some(why) = untrusted {
                for w in &o.writes {
                    if path_matches(&m.protected, &w.path, Access::Write) {
                        raise.to(
                            m.untrusted_write,
                            rules::UNTRUSTED_WRITE,
                            format!("writing `{}` after {why}", w.path),
                        );
                    }
                }
            }
        }
        for script in &o.executes {
            self.written_code(session, o, principal, script, raise);
        }
        let destructive = !o.deletes.is_empty()
            || o.tool
                .is_some_and(|t| crate::tool::destructive_verb(t).is_some());
        if destructive && m.rate > Effect::Allow {
            let done = session.destructive_within(now, m.rate_window);
            if done >= m.rate_limit as usize {
                raise.to(
                    m.rate,
                    rules::RATE,
                    format!(
                        "{done} destructive actions within the last {} s of this session (the limit is {})",
                        m.rate_window, m.rate_limit
                    ),
                );
            }
        }
    }

    /// Running `script`: by its content when the session's write of it
    /// carried one, else `written_code`.
    fn written_code(
        &self,
        session: &Session,
        o: &Observed<'_>,
        principal: Option<&Principal>,
        script: &str,
        raise: &mut Raise<'_>,
    ) {
        let m = &self.inner.session;
        let same_line = o
            .writes
            .iter()
            .find(|w| crate::session::same_file(&w.path, script));
        if let Some(w) = same_line {
            let why = format!("runs `{script}`, which the same command writes");
            match w.content.as_deref() {
                Some(text) => {
                    if let Some(v) = self.content_verdict(principal, &w.path, text) {
                        raise.to(
                            v.effect,
                            rules::WRITTEN_CODE,
                            format!(
                                "{why}, and its content, read as {}, {}: {}",
                                v.language, v.effect, v.reason
                            ),
                        );
                        return;
                    }
                    raise.to(
                        m.written_code,
                        rules::WRITTEN_CODE,
                        format!("{why} in no language known"),
                    );
                }
                None => raise.to(
                    m.written_code,
                    rules::WRITTEN_CODE,
                    format!("{why}, with content not seen"),
                ),
            }
            return;
        }
        let Some(fact) = session.written(script) else {
            if let Some(why) = session.forgot() {
                raise.to(
                    m.written_code,
                    rules::WRITTEN_CODE,
                    format!("runs `{script}`, which this session may have written: {why}"),
                );
            }
            return;
        };
        let written = fact.describe();
        match &fact.kind {
            FactKind::Written {
                content: Some(verdict),
                ..
            } => {
                if verdict.effect > Effect::Allow {
                    raise.to(
                        verdict.effect,
                        rules::WRITTEN_CODE,
                        format!(
                            "runs `{script}`: {written}, and its content, read as {}, {}: {}",
                            verdict.language, verdict.effect, verdict.reason
                        ),
                    );
                }
            }
            FactKind::Written { hash: Some(_), .. } => raise.to(
                m.written_code,
                rules::WRITTEN_CODE,
                format!(
                    "runs `{script}`: {written}, in no language its content could be analyzed as"
                ),
            ),
            _ => raise.to(
                m.written_code,
                rules::WRITTEN_CODE,
                format!("runs `{script}`: {written}, and its content was not seen"),
            ),
        }
    }

    /// Whether an enforced allow rule allows a request to `url`.
    fn allowed_by_rule(&self, method: &str, url: &str, known: bool) -> bool {
        if !known {
            return false;
        }
        let d = self.check_http(method, url);
        d.effect == Effect::Allow && d.rule.is_some()
    }

    /// Records what a decision lets happen.
    fn record(
        &self,
        session: &mut Session,
        request: &Request,
        o: &Observed<'_>,
        ruled_destructive: bool,
        now: u64,
    ) {
        let m = &self.inner.session;
        let max = m.max_facts;
        for path in &o.reads {
            if path_matches(&m.sensitive, path, Access::Read) {
                session.record(FactKind::SensitiveRead { path: path.clone() }, now, max);
            }
        }
        for (kind, hash) in &o.secrets {
            let fact = FactKind::Secret {
                kind: (*kind).to_owned(),
                hash: hash.clone(),
            };
            session.record(fact, now, max);
        }
        let untrusted_tool = o.tool.filter(|_| tool_in(&m.untrusted_tools, o));
        if let Some(tool) = untrusted_tool {
            let source = o.fetches.first().map_or(tool, String::as_str);
            let source = source.to_owned();
            session.record(FactKind::Untrusted { source }, now, max);
        } else if o.tool.is_none() {
            for url in &o.fetches {
                session.record(
                    FactKind::Untrusted {
                        source: url.clone(),
                    },
                    now,
                    max,
                );
            }
        }
        for w in &o.writes {
            let (hash, content) = match w.content.as_deref() {
                Some(text) => (
                    Some(observe::content_hash(text)),
                    self.content_verdict(request.principal.as_ref(), &w.path, text),
                ),
                None => (None, None),
            };
            let fact = FactKind::Written {
                path: w.path.clone(),
                hash,
                content,
            };
            session.record(fact, now, max);
        }
        let deleted = o.deletes.first().map(|p| format!("`{p}` deleted"));
        let by_tool = o
            .tool
            .filter(|t| crate::tool::destructive_verb(t).is_some())
            .map(|t| format!("`{t}` called"));
        let ruled = ruled_destructive.then(|| "a rule asked about an action".to_owned());
        if let Some(what) = deleted.or(by_tool).or(ruled) {
            session.record(FactKind::Destructive { what }, now, max);
        }
    }

    /// What running `content` (written to `path`) as code would get.
    fn content_verdict(
        &self,
        principal: Option<&Principal>,
        path: &str,
        content: &str,
    ) -> Option<ContentVerdict> {
        let language = observe::language_of(path, content)?;
        let line = observe::as_command(language, content)?;
        let d = self.decide_command(&line, principal, true);
        Some(ContentVerdict {
            language: language.to_owned(),
            effect: d.effect,
            rule: d.rule.as_deref().map(str::to_owned),
            reason: d.reason.to_string(),
        })
    }

    /// Records in `session` what a call that ran tells: it ran after an
    /// `ask` someone was asked (see [`Session::not_prompted`]), so the user
    /// approved that action (for the policy's approval
    /// TTL), and `output`, what it gave the agent, is scanned for secrets.
    /// Returns the approval code when it approved one.
    pub fn ran_in(
        &self,
        session: &mut Session,
        request: &Request,
        output: Option<&str>,
        now: u64,
    ) -> Option<String> {
        self.output_in(session, output, now);
        let observed = observe::observe(request, None);
        let key = action_key(session, request, None, &observed).hex();
        let code = match &session.asked_key(&key)?.kind {
            FactKind::Asked {
                code,
                prompted: true,
                ..
            } => code.clone(),
            _ => return None,
        };
        self.approve_in(session, &code, false, now).then_some(code)
    }

    /// Records in `session` what a tool's `output` (given to the agent)
    /// holds: its secrets. For a call that failed, or any output that
    /// approves nothing.
    pub fn output_in(&self, session: &mut Session, output: Option<&str>, now: u64) {
        let m = &self.inner.session;
        session.touch(now);
        if let Some(text) = output {
            for (kind, hash) in observe::output_secrets(text) {
                let fact = FactKind::Secret {
                    kind: kind.to_owned(),
                    hash,
                };
                session.record(fact, now, m.max_facts);
            }
        }
    }

    /// Approves the `ask` that carried `code` in `session`: once (the next
    /// decision of that action uses it up) or until the policy's approval
    /// TTL ends. False when the session has no `ask` with that code.
    pub fn approve_in(&self, session: &mut Session, code: &str, once: bool, now: u64) -> bool {
        let m = &self.inner.session;
        let key = match session.asked(code).map(|f| &f.kind) {
            Some(FactKind::Asked { key, code, .. }) => (key.clone(), code.clone()),
            _ => return false,
        };
        let (key, code) = key;
        session.record(
            FactKind::Approved {
                code,
                key,
                until: now.saturating_add(m.approval_ttl),
                once,
            },
            now,
            m.max_facts,
        );
        true
    }
}

/// The key an approval of `request` is bound to: its action, and for a
/// command that runs a script the session wrote, that write (the script
/// rewritten is another action).
fn action_key(
    session: &Session,
    request: &Request,
    kept: Option<&super::command::Kept>,
    observed: &Observed<'_>,
) -> ActionKey {
    let key = match (kept, &request.action) {
        (Some(k), Action::Command(line)) => ActionKey::of_analysis(&k.analysis, line),
        _ => ActionKey::of(request),
    };
    let mut extra = String::new();
    for script in &observed.executes {
        if let Some(fact) = session.written(script) {
            if let FactKind::Written { path, hash, .. } = &fact.kind {
                let hash = hash.as_deref().unwrap_or("unseen");
                extra.push_str(&format!("{path}\0{hash}\0{}\0", fact.step));
            }
        }
    }
    if extra.is_empty() {
        key
    } else {
        key.mixed(extra.as_bytes())
    }
}
