//! The engine: the one place that knows both the analyzers and the matchers.
//!
//! An [`Engine`] is a compiled policy. It is immutable, `Send + Sync`, and a
//! clone is one reference-count increment, so one engine serves every thread
//! of a proxy. [`Engine::decide`] analyzes the request into canonical facts
//! (a URL into its destination, port and scheme), runs the compiled matchers
//! over those facts, and combines what matched into a [`Decision`]. Input that
//! cannot be analyzed is never allowed: an unreadable URL is denied, a command
//! beyond the size bound is sent to a human (`ask`).

mod arguments;
mod audit;
mod combine;
mod compile;
mod egress_lint;
mod examples;
mod exfiltration;
mod http;
mod lint;
mod prefilter;
mod rbac;
mod rbac_lint;

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use serde_json::json;

use crate::command::http::{http_calls, HttpCall};
use crate::decision::{ArgumentFacts, CommandDetail, Decision, Kind, PrincipalFacts};
use crate::effect::Effect;
use crate::policy::{Diagnostic, Format, Policy, PolicyError};
use crate::rbac::actions;
use crate::rbac::cedar::{CedarRequest, CedarVerdict};
use crate::request::{Action, HttpRequest, Principal, Request, ToolCall};
use crate::tool::route::Class;
use combine::Verdict;
use compile::{Compiled, Slot};
use http::Message;
use rbac::Who;

pub use audit::{AUDIT_FAILED_RULE, AUDIT_OVERFLOW_RULE};

/// Longest command line analyzed, in bytes (128 KiB); longer ones get `ask`.
pub const MAX_COMMAND_BYTES: usize = 128 << 10;

/// A compiled policy that decides requests.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Compiled>,
}

impl Engine {
    fn from_compiled(compiled: Compiled) -> Self {
        Engine {
            inner: Arc::new(compiled),
        }
    }

    /// Compiles a validated policy, then checks every rule's examples.
    pub fn new(policy: &Policy) -> Result<Engine, PolicyError> {
        let engine = compile::compile(policy)?;
        let failures = examples::check(&engine, policy);
        if failures.is_empty() {
            Ok(engine)
        } else {
            Err(PolicyError::new(failures))
        }
    }

    /// Reads, validates and compiles a JSON policy.
    pub fn from_json(text: &str) -> Result<Engine, PolicyError> {
        Engine::from_text(text, Format::Json)
    }

    /// Reads, validates and compiles a TOML policy.
    pub fn from_toml(text: &str) -> Result<Engine, PolicyError> {
        Engine::from_text(text, Format::Toml)
    }

    /// Reads, validates, resolves and compiles a policy in the given
    /// format; every error carries its line and column in `text` (or names
    /// the base it is in). `extends` may name built-in bases only: relative
    /// paths need [`Engine::from_file`].
    pub fn from_text(text: &str, format: Format) -> Result<Engine, PolicyError> {
        Engine::compile_text(text, format, None, false).map(|(engine, _)| engine)
    }

    /// Reads a policy file (JSON or TOML by its extension), resolves its
    /// `extends` relative to its directory, and compiles it.
    pub fn from_file(path: &std::path::Path) -> Result<Engine, PolicyError> {
        let (text, format) = read_policy_file(path)?;
        Engine::compile_text(&text, format, path.parent(), false).map(|(engine, _)| engine)
    }

    /// Reads, validates, resolves and compiles a policy like
    /// [`Engine::from_text`], and returns it with its warnings: things that
    /// compile but probably do not do what was meant (a flag the program
    /// does not have, a shadowed rule, a rule replaced from a base).
    /// Warnings carry lines and columns.
    pub fn lint_text(text: &str, format: Format) -> Result<(Engine, Vec<Diagnostic>), PolicyError> {
        Engine::compile_text(text, format, None, true)
    }

    /// [`Engine::lint_text`] for a file, resolving `extends` from its directory.
    pub fn lint_file(path: &std::path::Path) -> Result<(Engine, Vec<Diagnostic>), PolicyError> {
        let (text, format) = read_policy_file(path)?;
        Engine::compile_text(&text, format, path.parent(), true)
    }

    /// [`Engine::lint_text`] with relative bases read from `dir` (the
    /// directory of the file `text` came from).
    pub fn lint_text_in(
        text: &str,
        format: Format,
        dir: Option<&std::path::Path>,
    ) -> Result<(Engine, Vec<Diagnostic>), PolicyError> {
        Engine::compile_text(text, format, dir, true)
    }

    /// Reads, resolves and compiles `text`; the warnings are computed only
    /// when `lint` is set (the pairwise egress checks are quadratic).
    fn compile_text(
        text: &str,
        format: Format,
        dir: Option<&std::path::Path>,
        lint: bool,
    ) -> Result<(Engine, Vec<Diagnostic>), PolicyError> {
        let policy = Policy::parse(text, format)?
            .resolve(dir)
            .map_err(|e| e.locate_in(text, format))?;
        let attribute = |e: PolicyError| attribute_to_sources(e, &policy).locate_in(text, format);
        let engine = Engine::new(&policy).map_err(attribute)?;
        if !lint {
            return Ok((engine, Vec::new()));
        }
        let warnings = attribute(PolicyError::new(Engine::lint(&policy)));
        Ok((engine, warnings.diagnostics().to_vec()))
    }

    /// The warnings for a validated policy (see [`Engine::lint_text`]),
    /// including what resolving its `extends` did.
    pub fn lint(policy: &Policy) -> Vec<Diagnostic> {
        let mut out = policy.notes.clone();
        out.extend(lint::warnings(policy));
        out
    }

    /// The SHA-256 of the resolved policy's canonical JSON (hex): which
    /// protection was in force, for decisions' audit records.
    pub fn policy_hash(&self) -> &str {
        let inner = &self.inner;
        inner.hash.get_or_init(|| {
            inner
                .hash_source
                .as_deref()
                .map(compile::policy_hash)
                .unwrap_or_default()
        })
    }

    /// The embedded default policy (see `src/defaults/`), compiled once per
    /// process and shared. It is checked by the test suite, so this fails
    /// only if the binary was built from a broken tree. For start-up time
    /// (a hook process makes one decision), its rule examples are not
    /// re-checked here and its regex automata are built on first use; the
    /// test suite compiles it eagerly and checks every example.
    pub fn default_policy() -> Result<Engine, PolicyError> {
        static DEFAULT: OnceLock<Result<Engine, PolicyError>> = OnceLock::new();
        DEFAULT
            .get_or_init(|| {
                let policy = crate::defaults::policy()?;
                crate::pattern::deferred(|| compile::compile_deferred(policy))
            })
            .clone()
    }

    /// What an audited decision does when the audit queue is full (the
    /// policy's `audit_overflow`).
    pub fn audit_overflow(&self) -> crate::policy::AuditOverflow {
        self.inner.audit_overflow
    }

    /// The policy's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// Every text a decision of this engine can carry without building it
    /// for that decision: rule ids, rule reasons, and the reasons of the
    /// defaults. Bindings that hand out borrowed strings (the C ABI) keep
    /// these alive; any other reason (a refused input, an uncertain match)
    /// is formatted per decision.
    pub fn static_texts(&self) -> impl Iterator<Item = &str> {
        self.inner.static_texts()
    }

    /// The number of rules in the policy.
    pub fn rule_count(&self) -> usize {
        self.inner.rule_count()
    }

    /// Decides a request. The same request always gets the same decision.
    pub fn decide(&self, request: &Request) -> Decision {
        let principal = request.principal.as_ref();
        let mut decision = match &request.action {
            Action::Command(command) => self.decide_command(command, principal, true),
            Action::Http(http) => self.decide_http(
                http.method.as_deref().unwrap_or("GET"),
                &http.url,
                http.headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect(),
                http.body.as_deref(),
                http.sni.as_deref(),
                principal,
            ),
            Action::Tool(call) => self.decide_tool(call_of(call), principal),
            Action::Named(action) => self.decide_action(action, principal),
        };
        if let (None, Some(p)) = (&decision.principal, principal) {
            decision.principal = Some(PrincipalFacts {
                id: p.id.clone(),
                roles: Vec::new(),
                session: p.session.clone(),
            });
        }
        decision.id = request.id.clone();
        decision
    }

    /// Decides a shell command line: every simple command it would run is
    /// matched, the most severe verdict decides, and anything the analyzer
    /// could not understand makes the decision at least `ask`.
    pub fn check_command(&self, command: &str) -> Decision {
        self.decide_command(command, None, true)
    }

    /// [`Engine::check_command`] without the literal prefilter: every line is
    /// parsed. Decides exactly alike; exposed for tests and benchmarks.
    #[doc(hidden)]
    pub fn check_command_analyzed(&self, command: &str) -> Decision {
        self.decide_command(command, None, false)
    }

    fn decide_command(
        &self,
        command: &str,
        principal: Option<&Principal>,
        prefilter: bool,
    ) -> Decision {
        let compiled = &*self.inner;
        let rbac = &compiled.rbac;
        let inert = rbac.is_inert();
        // Long lines always need analysis, so the size bound is applied there.
        // With environments that name targets, the arguments must be read.
        if prefilter
            && !rbac.environments.has_targets()
            && !compiled.command_prefilter.needs_analysis(command)
        {
            if inert {
                return combine::combine(compiled, Kind::Command, &mut [], Some(Slot::Command)).0;
            }
            let mut who = match rbac.who(principal, 0) {
                Ok(who) => who,
                Err(reason) => return refused(Kind::Command, Effect::Deny, reason),
            };
            who.act(actions::COMMAND_RUN);
            let mut verdicts = Vec::new();
            self.rbac_verdicts(
                &who,
                "command",
                command_program(command),
                || command_context(command, &[]),
                &mut verdicts,
            );
            let mut decision =
                combine::combine(compiled, Kind::Command, &mut verdicts, Some(Slot::Command)).0;
            self.annotate(&mut decision, &who);
            return decision;
        }
        if command.len() > MAX_COMMAND_BYTES {
            return refused(
                Kind::Command,
                Effect::Ask,
                format!(
                    "command is {} bytes, beyond the {MAX_COMMAND_BYTES}-byte analysis bound",
                    command.len()
                ),
            );
        }
        let analysis = crate::command::analyze(command);
        let calls: Vec<(usize, HttpCall)> = analysis
            .commands
            .iter()
            .enumerate()
            .flat_map(|(i, c)| http_calls(c).into_iter().map(move |call| (i, call)))
            .collect();
        let mut verdicts = Vec::new();
        let (messages, read_errors) = read_command_requests(compiled, &calls, &mut verdicts);
        let mut derived = 0;
        if rbac.environments.has_targets() {
            for message in messages.iter().flatten() {
                derived |= rbac.of_destination(&message.target.destination, message.target.carried);
            }
            for c in &analysis.commands {
                for word in c.argv.iter().skip(1) {
                    derived |= rbac.of_word(&word.text);
                }
            }
        }
        let mut who = match rbac.who(principal, derived) {
            Ok(who) => who,
            Err(reason) => return refused(Kind::Command, Effect::Deny, reason),
        };
        compiled.commands.for_each_match(&analysis.commands, |hit| {
            if let Some(rule) = compiled.rule(hit.tag) {
                let effect = if hit.certain {
                    rule.effect
                } else {
                    rule.effect.min(Effect::Ask)
                };
                if !inert {
                    who.note(rbac, hit.tag);
                    if !rbac.applies(hit.tag, &who, effect) {
                        return;
                    }
                }
                let mut verdict = Verdict::rule(hit.tag, effect);
                verdict.command = Some(hit.command);
                verdicts.push(verdict);
            }
        });
        if !compiled.path_rules.is_empty() {
            for (i, c) in analysis.commands.iter().enumerate() {
                for (access, path) in crate::paths::access::of_command(c) {
                    arguments::path_verdicts(
                        compiled,
                        &mut who,
                        &path,
                        access,
                        (Some(i), None),
                        &mut verdicts,
                    );
                }
            }
        }
        if !compiled.sql_rules.is_empty() {
            for (i, c) in analysis.commands.iter().enumerate() {
                if c.language.as_deref() == Some("sql") {
                    for code in crate::command::inline::code_of(c, "sql") {
                        arguments::sql_verdicts(
                            compiled,
                            &mut who,
                            code,
                            (Some(i), None),
                            &mut verdicts,
                        );
                    }
                }
            }
        }
        let messages = command_requests(
            compiled,
            &calls,
            messages,
            read_errors,
            &mut who,
            &mut verdicts,
        );
        // A call whose request is not allowed (or not even readable) must
        // not carry a secret from anywhere in the line.
        let allowed_calls = (0..messages.len())
            .filter(|&k| {
                exfiltration::allowed(compiled, verdicts.iter().filter(|v| v.http == Some(k)))
            })
            .count();
        if allowed_calls < calls.len() {
            let first = calls.first().map(|(i, _)| *i);
            if let Some(v) = exfiltration::verdict([command], (first, None)) {
                verdicts.insert(0, v);
            }
        }
        if !inert {
            who.act(actions::COMMAND_RUN);
            if !calls.is_empty() {
                who.act(actions::COMMAND_NETWORK);
            }
            for message in &messages {
                for a in actions::of_method(&message.method) {
                    who.act(a);
                }
            }
            let programs: Vec<&str> = analysis
                .commands
                .iter()
                .filter_map(|c| c.program.as_deref())
                .collect();
            let resource = programs.first().copied().unwrap_or_default();
            self.rbac_verdicts(
                &who,
                "command",
                resource,
                || command_context(command, &programs),
                &mut verdicts,
            );
        }
        let (mut decision, deciding) =
            combine::combine(compiled, Kind::Command, &mut verdicts, Some(Slot::Command));
        decision.canonical = deciding
            .as_ref()
            .and_then(|v| v.http)
            .and_then(|k| messages.get(k))
            .map(Message::canonical);
        if let Some(problem) = analysis.problems.first() {
            if decision.effect < Effect::Ask {
                decision.effect = Effect::Ask;
                decision.rule = None;
                decision.reason = format!(
                    "the command could not be fully analyzed: {}",
                    problem.message
                )
                .into();
            }
        }
        decision.command = deciding
            .and_then(|v| v.command)
            .and_then(|i| analysis.commands.get(i))
            .map(|c| CommandDetail {
                text: command
                    .get(c.span.0..c.span.1)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
                span: [c.span.0, c.span.1],
                argv: c.argv.iter().map(|w| w.text.to_string()).collect(),
                via: c.via.clone(),
            });
        exfiltration::redact(&mut decision);
        self.annotate(&mut decision, &who);
        decision
    }

    /// Decides an HTTP request to `url` with `method` (no headers, no body).
    pub fn check_http(&self, method: &str, url: &str) -> Decision {
        self.decide_http(method, url, Vec::new(), None, None, None)
    }

    /// Decides an HTTP request (method `GET` when absent): its URL (absolute,
    /// `host:port` for `CONNECT`, or a path with a `Host` header), headers,
    /// body and TLS server name. A request whose URL, `Host` header and
    /// server name disagree is denied (domain fronting).
    pub fn check_http_request(&self, http: &HttpRequest) -> Decision {
        let headers = http
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.decide_http(
            http.method.as_deref().unwrap_or("GET"),
            &http.url,
            headers,
            http.body.as_deref(),
            http.sni.as_deref(),
            None,
        )
    }

    fn decide_http(
        &self,
        method: &str,
        url: &str,
        headers: Vec<(&str, &str)>,
        body: Option<&str>,
        sni: Option<&str>,
        principal: Option<&Principal>,
    ) -> Decision {
        let message = match Message::read(method, url, headers, body, sni) {
            Ok(message) => message,
            Err(reason) => return refused(Kind::Http, Effect::Deny, reason),
        };
        let compiled = &*self.inner;
        let rbac = &compiled.rbac;
        let derived = if rbac.environments.has_targets() {
            rbac.of_destination(&message.target.destination, message.target.carried)
        } else {
            0
        };
        let mut who = match rbac.who(principal, derived) {
            Ok(who) => who,
            Err(reason) => return refused(Kind::Http, Effect::Deny, reason),
        };
        let mut verdicts = Vec::new();
        http::verdicts(
            compiled,
            &message,
            Slot::Egress,
            &mut verdicts,
            (None, Some(0)),
            &mut who,
        );
        if !exfiltration::allowed(compiled, &verdicts) {
            let texts = std::iter::once(url)
                .chain(message.headers.iter().map(|(_, v)| *v))
                .chain(message.body);
            if let Some(v) = exfiltration::verdict(texts, (None, Some(0))) {
                // Named before the default: it says why more precisely.
                verdicts.insert(0, v);
            }
        }
        if !rbac.is_inert() {
            for a in actions::of_method(&message.method) {
                who.act(a);
            }
            let canonical = message.canonical();
            let resource = canonical
                .host
                .as_deref()
                .map(str::to_owned)
                .or(canonical.ip.clone())
                .unwrap_or_default();
            self.rbac_verdicts(
                &who,
                "http",
                &resource,
                || json!({"http": canonical_json(&canonical)}),
                &mut verdicts,
            );
        }
        let mut decision = combine::combine(compiled, Kind::Http, &mut verdicts, None).0;
        decision.canonical = Some(message.canonical());
        exfiltration::redact(&mut decision);
        self.annotate(&mut decision, &who);
        decision
    }

    /// Decides a tool call named `name` with `arguments`: the tool rules
    /// (name, server, argument tests, destructive names), then every string
    /// argument by what it is — a command, a URL, SQL or a path — with the
    /// same rules that guard commands, egress, SQL and paths; the most
    /// severe verdict decides, and the decision names the argument.
    pub fn check_tool(&self, name: &str, arguments: &Value) -> Decision {
        let call = Call {
            name,
            arguments,
            server: None,
            annotations: None,
        };
        self.decide_tool(call, None)
    }

    fn decide_tool(&self, call: Call<'_>, principal: Option<&Principal>) -> Decision {
        let Call {
            name, arguments, ..
        } = call;
        let compiled = &*self.inner;
        let rbac = &compiled.rbac;
        let inert = rbac.is_inert();
        let derived = if rbac.environments.has_targets() {
            rbac.of_tool(name, arguments)
        } else {
            0
        };
        let mut who = match rbac.who(principal, derived) {
            Ok(who) => who,
            Err(reason) => return refused(Kind::Tool, Effect::Deny, reason),
        };
        let mut verdicts = Vec::new();
        let (server, tool) = crate::request::split_tool_name(name, call.server);
        let destructive = crate::tool::destructive_verb(tool).is_some();
        let mut consider = |tag: u32| {
            let (Some(rule), Some(filter)) = (compiled.rule(tag), compiled.tools.filter(tag))
            else {
                return;
            };
            if verdicts.iter().any(|v: &Verdict| v.rule == Some(tag)) {
                return;
            }
            let server_ok = filter.servers.as_ref().is_none_or(|set| {
                let mut hit = false;
                if let Some(server) = server {
                    set.for_each_match(server, |_| hit = true);
                }
                hit
            });
            let annotations_ok = filter
                .annotations
                .iter()
                .all(|(hint, want)| call.annotations.and_then(|a| a.hint(hint)) == Some(*want));
            let ok = server_ok
                && annotations_ok
                && (!filter.destructive_name || destructive)
                && filter.arguments.iter().all(|t| t.matches(arguments));
            if !ok {
                return;
            }
            if !inert {
                who.note(rbac, tag);
                if !rbac.applies(tag, &who, rule.effect) {
                    return;
                }
            }
            verdicts.push(Verdict::rule(tag, rule.effect));
        };
        compiled.tool_names.for_each_match(name, &mut consider);
        if let Some(server) = server.filter(|_| !name.starts_with("mcp__")) {
            // `server/tool`, and a tool whose server is known, also answer to
            // their `mcp__server__tool` spelling.
            let alias = format!("mcp__{server}__{tool}");
            compiled.tool_names.for_each_match(&alias, &mut consider);
        }
        for &tag in &compiled.tools.anywhere {
            consider(tag);
        }
        let routes = crate::tool::route::route(arguments);
        let mut messages: Vec<Message<'_>> = Vec::new();
        for (k, r) in routes.routes.iter().enumerate() {
            let before = verdicts.len();
            match r.class {
                Class::Shell => {
                    let d = self.decide_command(r.text, principal, true);
                    arguments::decision_verdicts(compiled, &d, &mut verdicts);
                }
                Class::Url => match Message::read("GET", r.text, Vec::new(), None, None) {
                    Ok(message) => {
                        let about = (None, Some(messages.len()));
                        http::verdicts(
                            compiled,
                            &message,
                            Slot::CommandEgress,
                            &mut verdicts,
                            about,
                            &mut who,
                        );
                        messages.push(message);
                    }
                    Err(reason) => verdicts.push(Verdict::other(Effect::Deny, reason.into())),
                },
                Class::Sql => {
                    arguments::sql_verdicts(compiled, &mut who, r.text, (None, None), &mut verdicts)
                }
                Class::Path => {
                    let access = crate::paths::access::of_tool(tool);
                    let path = crate::paths::access::normalize(r.text, None);
                    arguments::path_verdicts(
                        compiled,
                        &mut who,
                        &path,
                        access,
                        (None, None),
                        &mut verdicts,
                    );
                }
            }
            for v in verdicts.iter_mut().skip(before) {
                v.argument = Some(k);
            }
        }
        let url_not_allowed = routes.routes.iter().enumerate().any(|(k, r)| {
            r.class == Class::Url
                && !exfiltration::allowed(
                    compiled,
                    verdicts.iter().filter(|v| v.argument == Some(k)),
                )
        });
        if url_not_allowed {
            let text = arguments.to_string();
            if let Some(v) = exfiltration::verdict([text.as_str()], (None, None)) {
                verdicts.insert(0, v);
            }
        }
        for pointer in &routes.too_long {
            verdicts.push(Verdict::other(
                Effect::Ask,
                format!(
                    "argument `{pointer}` is longer than {} bytes and was not analyzed",
                    crate::tool::route::MAX_STRING_BYTES
                )
                .into(),
            ));
        }
        if routes.truncated {
            verdicts.push(Verdict::other(
                Effect::Ask,
                format!(
                    "the arguments are nested deeper than {} levels or hold more than {} strings; the rest was not analyzed",
                    crate::tool::route::MAX_DEPTH,
                    crate::tool::route::MAX_STRINGS
                )
                .into(),
            ));
        }
        if !inert {
            who.act(actions::TOOL_CALL);
            if destructive {
                who.act(actions::TOOL_DELETE);
            }
            self.rbac_verdicts(
                &who,
                "tool",
                name,
                || json!({"tool": {"name": name}}),
                &mut verdicts,
            );
        }
        let (mut decision, deciding) =
            combine::combine(compiled, Kind::Tool, &mut verdicts, Some(Slot::Tool));
        if let Some(v) = deciding {
            decision.canonical = v.http.and_then(|k| messages.get(k)).map(Message::canonical);
            decision.argument =
                v.argument
                    .and_then(|k| routes.routes.get(k))
                    .map(|r| ArgumentFacts {
                        pointer: r.pointer.clone(),
                        class: r.class.as_str().to_owned(),
                    });
        }
        exfiltration::redact(&mut decision);
        self.annotate(&mut decision, &who);
        decision
    }

    /// Decides a tool call (with its server and annotations, when given).
    pub fn check_tool_call(&self, call: &ToolCall) -> Decision {
        self.decide_tool(call_of(call), None)
    }

    /// Decides a named action (`db.read`) for `principal` in the environment
    /// it claims, by the policy's permissions (and Cedar policies whose scope
    /// names the action). An action nothing grants is denied.
    pub fn check_action(&self, action: &str, principal: Option<&Principal>) -> Decision {
        self.decide_action(action, principal)
    }

    fn decide_action(&self, action: &str, principal: Option<&Principal>) -> Decision {
        let compiled = &*self.inner;
        let rbac = &compiled.rbac;
        let mut who = match rbac.who(principal, 0) {
            Ok(who) => who,
            Err(reason) => return refused(Kind::Action, Effect::Deny, reason),
        };
        who.act(action);
        let mut verdicts = Vec::new();
        let decided = match rbac.permissions.authorize(&who.roles, action, who.envs) {
            Some(outcome) => {
                push_outcome(outcome, action, &who, rbac, &mut verdicts);
                true
            }
            None => false,
        };
        let mut cedar_permit = false;
        if let Some(cedar) = rbac.cedar.as_ref().filter(|c| c.consulted_for(action)) {
            let before = verdicts.len();
            self.cedar_verdicts(cedar, &who, action, "", json!({}), &mut verdicts);
            cedar_permit = verdicts
                .get(before..)
                .unwrap_or_default()
                .iter()
                .any(|v| v.effect == Effect::Allow);
        }
        if !decided && !cedar_permit {
            verdicts.push(Verdict::other(
                Effect::Deny,
                format!("no permission grants `{action}`{}", describe(&who, rbac)).into(),
            ));
        }
        let mut decision = combine::combine(compiled, Kind::Action, &mut verdicts, None).0;
        self.annotate(&mut decision, &who);
        decision
    }

    /// Authorizes a named action without building a decision: the RBAC hot
    /// path. Returns the effect and the deciding permission's id, and
    /// allocates nothing. Cedar policies are not consulted here; use
    /// [`Engine::check_action`] when the policy has them.
    pub fn authorize(&self, action: &str, principal: &Principal) -> (Effect, Option<&str>) {
        let compiled = &*self.inner;
        let rbac = &compiled.rbac;
        let Ok(who) = rbac.who(Some(principal), 0) else {
            return (Effect::Deny, None);
        };
        match rbac.permissions.authorize(&who.roles, action, who.envs) {
            Some(outcome) => (
                outcome.effect,
                outcome.tag.and_then(|t| compiled.rule(t)).map(|r| &*r.id),
            ),
            None => (Effect::Deny, None),
        }
    }

    /// Permission and Cedar verdicts on a request with the categories in `who`.
    fn rbac_verdicts(
        &self,
        who: &Who<'_>,
        action: &str,
        resource: &str,
        context: impl FnOnce() -> Value,
        verdicts: &mut Vec<Verdict>,
    ) {
        let rbac = &self.inner.rbac;
        if !rbac.permissions.is_empty() {
            for category in &who.actions {
                if let Some(outcome) = rbac.permissions.authorize(&who.roles, category, who.envs) {
                    push_outcome(outcome, category, who, rbac, verdicts);
                }
            }
        }
        if let Some(cedar) = rbac.cedar.as_ref().filter(|c| c.consulted_for(action)) {
            let mut verdicts_cedar = Vec::new();
            self.cedar_verdicts(cedar, who, action, resource, context(), &mut verdicts_cedar);
            // Permits allow nothing by themselves outside `action` requests.
            verdicts.extend(
                verdicts_cedar
                    .into_iter()
                    .filter(|v| v.effect != Effect::Allow),
            );
        }
    }

    fn cedar_verdicts(
        &self,
        cedar: &crate::rbac::cedar::CedarPolicies,
        who: &Who<'_>,
        action: &str,
        resource: &str,
        mut context: Value,
        verdicts: &mut Vec<Verdict>,
    ) {
        let rbac = &self.inner.rbac;
        let roles = rbac.role_names(who);
        let envs = rbac.env_names(who.envs);
        if let Value::Object(map) = &mut context {
            map.insert("kind".into(), json!(action));
            map.insert("action".into(), json!(action));
            map.insert(
                "environment".into(),
                json!(envs.first().map_or("", |e| &**e)),
            );
            map.insert(
                "environments".into(),
                json!(envs.iter().map(|e| &**e).collect::<Vec<_>>()),
            );
            map.insert(
                "roles".into(),
                json!(roles.iter().map(|r| &**r).collect::<Vec<_>>()),
            );
            map.insert("actions".into(), json!(who.actions.as_slice()));
        }
        let request = CedarRequest {
            principal: who.principal.map_or("", |p| p.id.as_str()),
            roles: roles.iter().map(|r| &**r).collect(),
            action,
            resource,
            context,
        };
        let first = rbac.cedar_first_tag;
        cedar.evaluate(&request, |verdict| match verdict {
            CedarVerdict::Satisfied(i) => {
                let tag = first.saturating_add(i as u32);
                if let Some(rule) = self.inner.rule(tag) {
                    verdicts.push(Verdict::rule(tag, rule.effect));
                }
            }
            CedarVerdict::Failed(i, why) => {
                let tag = first.saturating_add(i as u32);
                let mut v = Verdict::rule(tag, Effect::Deny);
                let id = self.inner.rule(tag).map_or("?", |r| &*r.id);
                v.reason = Some(
                    format!("Cedar policy `{id}` failed to evaluate ({why}); failing closed")
                        .into(),
                );
                verdicts.push(v);
            }
            CedarVerdict::Invalid(why) => verdicts.push(Verdict::other(
                Effect::Deny,
                format!("the request could not be given to Cedar ({why}); failing closed").into(),
            )),
        });
    }

    /// Fills in the principal and environment a decision was made for.
    fn annotate(&self, decision: &mut Decision, who: &Who<'_>) {
        let rbac = &self.inner.rbac;
        if let Some(p) = who.principal {
            decision.principal = Some(PrincipalFacts {
                id: p.id.clone(),
                roles: rbac.role_names(who),
                session: p.session.clone(),
            });
        }
        if who.envs != 0 {
            let mut names = rbac.env_names(who.envs);
            decision.environment = names.first().cloned();
            if names.len() < 2 {
                names.clear();
            }
            decision.environments = names;
        }
    }
}

/// A tool call, borrowed.
#[derive(Clone, Copy)]
struct Call<'a> {
    name: &'a str,
    arguments: &'a Value,
    server: Option<&'a str>,
    annotations: Option<&'a crate::request::ToolAnnotations>,
}

fn call_of(call: &ToolCall) -> Call<'_> {
    Call {
        name: &call.name,
        arguments: &call.arguments,
        server: call.server.as_deref(),
        annotations: call.annotations.as_ref(),
    }
}

/// Reads a policy file and tells its format by its extension.
fn read_policy_file(path: &std::path::Path) -> Result<(String, Format), PolicyError> {
    let fail = |reason: String| {
        PolicyError::one(Diagnostic::new(
            crate::policy::FieldPath::root(),
            crate::policy::ErrorKind::BaseUnreadable {
                base: path.display().to_string(),
                reason,
            },
        ))
    };
    let format =
        Format::from_path(path).ok_or_else(|| fail("name the file .json or .toml".into()))?;
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    Ok((text, format))
}

/// Marks diagnostics about rules that came from a base with that base, so
/// they are not located in the including text.
fn attribute_to_sources(mut error: PolicyError, policy: &Policy) -> PolicyError {
    let source_of = |id: &str| {
        policy
            .metas()
            .find(|m| m.id == id)
            .and_then(|m| m.source.clone())
    };
    for d in error.diagnostics_mut() {
        if d.source.is_none() {
            if let Some(rule) = &d.rule {
                d.source = source_of(rule);
            }
        }
    }
    error
}

/// Reads the HTTP requests commands make (`curl`, `wget`, …): one entry
/// per call, `None` for a call whose request is not decided on (its
/// verdicts, such as an unknown destination, are added here). Read errors
/// are returned to be reported once the matching rules are known.
fn read_command_requests<'a>(
    compiled: &Compiled,
    calls: &'a [(usize, HttpCall)],
    verdicts: &mut Vec<Verdict>,
) -> (Vec<Option<Message<'a>>>, Vec<(usize, String)>) {
    let mut messages = Vec::with_capacity(calls.len());
    let mut errors = Vec::new();
    let default = compiled.default(Slot::CommandEgress).effect;
    for (i, call) in calls {
        let mut other = |effect: Effect, reason: String| {
            let mut verdict = Verdict::other(effect, reason.into());
            verdict.command = Some(*i);
            verdicts.push(verdict);
        };
        if !call.destination_known {
            other(
                default.min(Effect::Ask),
                format!(
                    "`{}` sends a request whose destination is not known until the command runs",
                    call.client
                ),
            );
            messages.push(None);
            continue;
        }
        if let Some(option) = &call.rerouted {
            other(
                Effect::Ask,
                format!(
                    "`{} {option}` sends the request somewhere other than its URL says",
                    call.client
                ),
            );
        }
        let headers = call
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        match Message::read(&call.method, &call.url, headers, call.body.as_deref(), None) {
            Err(reason) => {
                errors.push((*i, format!("`{}`: {reason}", call.client)));
                messages.push(None);
            }
            Ok(mut message) => {
                message.unknown = http::Unknown {
                    path: !call.path_known,
                    body: !call.body_known,
                };
                messages.push(Some(message));
            }
        }
    }
    (messages, errors)
}

/// Decides the HTTP requests commands make with the egress rules, adding
/// their verdicts; returns the requests decided, indexed as the verdicts' `http`.
fn command_requests<'a, 'c>(
    compiled: &'c Compiled,
    calls: &[(usize, HttpCall)],
    messages: Vec<Option<Message<'a>>>,
    read_errors: Vec<(usize, String)>,
    who: &mut Who<'c>,
    verdicts: &mut Vec<Verdict>,
) -> Vec<Message<'a>> {
    for (i, reason) in read_errors {
        let mut verdict = Verdict::other(Effect::Deny, reason.into());
        verdict.command = Some(i);
        verdicts.push(verdict);
    }
    let mut decided = Vec::with_capacity(messages.len());
    for ((i, _), message) in calls.iter().zip(messages) {
        let Some(message) = message else {
            continue;
        };
        let about = (Some(*i), Some(decided.len()));
        http::verdicts(
            compiled,
            &message,
            Slot::CommandEgress,
            verdicts,
            about,
            who,
        );
        decided.push(message);
    }
    decided
}

/// Adds the verdict of a permission outcome on `action` (an allow adds none:
/// permissions grant, they do not override the policy's rules or defaults).
fn push_outcome(
    outcome: crate::rbac::Outcome,
    action: &str,
    who: &Who<'_>,
    rbac: &rbac::Rbac,
    verdicts: &mut Vec<Verdict>,
) {
    match (outcome.effect, outcome.tag) {
        (Effect::Allow, Some(tag)) if verdicts.is_empty() || who.actions.len() == 1 => {
            // For an `action` request the grant is the deciding rule.
            verdicts.push(Verdict::rule(tag, Effect::Allow));
        }
        (Effect::Allow, _) => {}
        (effect, Some(tag)) => verdicts.push(Verdict::rule(tag, effect)),
        (effect, None) => verdicts.push(Verdict::other(
            effect,
            format!("no permission grants `{action}`{}", describe(who, rbac)).into(),
        )),
    }
}

/// ` to principal `p` (roles a, b) in production`, for reasons.
fn describe(who: &Who<'_>, rbac: &rbac::Rbac) -> String {
    let mut out = String::new();
    match who.principal {
        Some(p) => {
            out.push_str(&format!(
                " to principal `{}`",
                p.id.chars().take(64).collect::<String>()
            ));
            let roles = rbac.role_names(who);
            if roles.is_empty() {
                out.push_str(" (no roles)");
            } else {
                let names: Vec<&str> = roles.iter().map(|r| &**r).collect();
                out.push_str(&format!(" (roles {})", names.join(", ")));
            }
        }
        None => out.push_str(" to a request without a principal"),
    }
    let envs = rbac.env_names(who.envs);
    if !envs.is_empty() {
        let names: Vec<&str> = envs.iter().map(|e| &**e).collect();
        out.push_str(&format!(" in {}", names.join(", ")));
    }
    out
}

/// The first word of a command line, for Cedar's resource.
fn command_program(command: &str) -> &str {
    command.split_whitespace().next().unwrap_or_default()
}

/// Cedar context fields of a command.
fn command_context(command: &str, programs: &[&str]) -> Value {
    let text: String = command.chars().take(4096).collect();
    json!({"command": {"text": text, "programs": programs}})
}

/// Cedar context fields of an HTTP request.
fn canonical_json(c: &crate::decision::Canonical) -> Value {
    json!({
        "method": c.method.as_str(),
        "scheme": c.scheme.as_str(),
        "host": c.host.as_deref().or(c.ip.as_deref()).unwrap_or_default(),
        "port": c.port,
        "path": c.path.as_str(),
    })
}

/// A decision made without rules, because the input could not be analyzed.
/// Its reason never echoes a secret of the input.
fn refused(kind: Kind, effect: Effect, reason: String) -> Decision {
    let reason = match crate::secrets::redact(&reason) {
        std::borrow::Cow::Owned(clean) => clean,
        std::borrow::Cow::Borrowed(_) => reason,
    };
    Decision::new(kind, effect, reason.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
        let engine = Engine::default_policy().unwrap();
        let clone = engine.clone();
        assert!(Arc::ptr_eq(&engine.inner, &clone.inner));
    }
}
