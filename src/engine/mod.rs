//! The engine: the one place that knows both the analyzers and the matchers.
//!
//! An [`Engine`] is a compiled policy. It is immutable, `Send + Sync`, and a
//! clone is one reference-count increment, so one engine serves every thread
//! of a proxy. [`Engine::decide`] analyzes the request into canonical facts
//! (a URL into its destination, port and scheme), runs the compiled matchers
//! over those facts, and combines what matched into a [`Decision`]. Input that
//! cannot be analyzed is never allowed: an unreadable URL is denied, a command
//! beyond the size bound is sent to a human (`ask`).

mod combine;
mod compile;
mod egress_lint;
mod examples;
mod http;
mod lint;
mod prefilter;

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::command::http::{http_calls, HttpCall};
use crate::decision::{CommandDetail, Decision, Kind};
use crate::effect::Effect;
use crate::policy::{Diagnostic, Format, Policy, PolicyError};
use crate::request::{Action, HttpRequest, Request, ToolCall};
use combine::Verdict;
use compile::{Compiled, Slot};
use http::Message;

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
        &self.inner.hash
    }

    /// The embedded default policy (see `src/defaults/`), compiled once per
    /// process and shared. It is checked by the test suite, so this fails
    /// only if the binary was built from a broken tree.
    pub fn default_policy() -> Result<Engine, PolicyError> {
        static DEFAULT: OnceLock<Result<Engine, PolicyError>> = OnceLock::new();
        DEFAULT
            .get_or_init(|| Engine::new(&crate::defaults::policy()?))
            .clone()
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
        let mut decision = match &request.action {
            Action::Command(command) => self.check_command(command),
            Action::Http(http) => self.check_http_request(http),
            Action::Tool(call) => self.check_tool_call(call),
        };
        decision.id = request.id.clone();
        decision
    }

    /// Decides a shell command line: every simple command it would run is
    /// matched, the most severe verdict decides, and anything the analyzer
    /// could not understand makes the decision at least `ask`.
    pub fn check_command(&self, command: &str) -> Decision {
        // Long lines always need analysis, so the size bound is applied there.
        let compiled = &*self.inner;
        if !compiled.command_prefilter.needs_analysis(command) {
            return combine::combine(compiled, Kind::Command, &mut [], Some(Slot::Command)).0;
        }
        self.check_command_analyzed(command)
    }

    /// [`Engine::check_command`] without the literal prefilter: every line is
    /// parsed. Decides exactly alike; exposed for tests and benchmarks.
    #[doc(hidden)]
    pub fn check_command_analyzed(&self, command: &str) -> Decision {
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
        let compiled = &*self.inner;
        let analysis = crate::command::analyze(command);
        let mut verdicts = Vec::new();
        compiled.commands.for_each_match(&analysis.commands, |hit| {
            if let Some(rule) = compiled.rule(hit.tag) {
                let effect = if hit.certain {
                    rule.effect
                } else {
                    rule.effect.min(Effect::Ask)
                };
                let mut verdict = Verdict::rule(hit.tag, effect);
                verdict.command = Some(hit.command);
                verdicts.push(verdict);
            }
        });
        let calls: Vec<(usize, HttpCall)> = analysis
            .commands
            .iter()
            .enumerate()
            .flat_map(|(i, c)| http_calls(c).into_iter().map(move |call| (i, call)))
            .collect();
        let messages = command_requests(compiled, &calls, &mut verdicts);
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
        decision
    }

    /// Decides an HTTP request to `url` with `method` (no headers, no body).
    pub fn check_http(&self, method: &str, url: &str) -> Decision {
        self.decide_http(method, url, Vec::new(), None, None)
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
        )
    }

    fn decide_http(
        &self,
        method: &str,
        url: &str,
        headers: Vec<(&str, &str)>,
        body: Option<&str>,
        sni: Option<&str>,
    ) -> Decision {
        let message = match Message::read(method, url, headers, body, sni) {
            Ok(message) => message,
            Err(reason) => return refused(Kind::Http, Effect::Deny, reason),
        };
        let compiled = &*self.inner;
        let mut verdicts = Vec::new();
        http::verdicts(
            compiled,
            &message,
            Slot::Egress,
            &mut verdicts,
            (None, Some(0)),
        );
        let mut decision = combine::combine(compiled, Kind::Http, &mut verdicts, None).0;
        decision.canonical = Some(message.canonical());
        decision
    }

    /// Decides a tool call named `name` with `arguments`. Tool rules match on
    /// the name; the arguments are not inspected yet (routing commands, URLs,
    /// SQL and paths found in arguments to their analyzers is tracked work).
    pub fn check_tool(&self, name: &str, arguments: &Value) -> Decision {
        let _ = arguments;
        let compiled = &*self.inner;
        let mut verdicts = Vec::new();
        compiled.tool_names.for_each_match(name, |tag| {
            if let Some(rule) = compiled.rule(tag) {
                verdicts.push(Verdict::rule(tag, rule.effect));
            }
        });
        combine::combine(compiled, Kind::Tool, &mut verdicts, Some(Slot::Tool)).0
    }

    /// Decides a tool call.
    pub fn check_tool_call(&self, call: &ToolCall) -> Decision {
        self.check_tool(&call.name, &call.arguments)
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

/// Decides the HTTP requests commands make (`curl`, `wget`, …) with the
/// egress rules, adding their verdicts; returns the requests read, indexed
/// as the verdicts' `http`.
fn command_requests<'a>(
    compiled: &Compiled,
    calls: &'a [(usize, HttpCall)],
    verdicts: &mut Vec<Verdict>,
) -> Vec<Message<'a>> {
    let mut messages = Vec::new();
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
            Err(reason) => other(Effect::Deny, format!("`{}`: {reason}", call.client)),
            Ok(mut message) => {
                message.unknown = http::Unknown {
                    path: !call.path_known,
                    body: !call.body_known,
                };
                let about = (Some(*i), Some(messages.len()));
                http::verdicts(compiled, &message, Slot::CommandEgress, verdicts, about);
                messages.push(message);
            }
        }
    }
    messages
}

/// A decision made without rules, because the input could not be analyzed.
fn refused(kind: Kind, effect: Effect, reason: String) -> Decision {
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
