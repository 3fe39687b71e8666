//! The engine: the one place that knows both the analyzers and the matchers.
//!
//! An [`Engine`] is a compiled policy. It is immutable, `Send + Sync`, and a
//! clone is one reference-count increment, so one engine serves every thread
//! of a proxy. [`Engine::decide`] analyzes the request into canonical facts
//! (a URL into its destination, port and scheme), runs the compiled matchers
//! over those facts, and combines what matched into a [`Decision`]. Input that
//! cannot be analyzed is never allowed: an unreadable URL is denied, a command
//! beyond the size bound is sent to a human (`ask`).
//!
//! Every kind of request goes through the one decision pass ([`pass`]); a
//! kind supplies only its analysis and matching ([`command`], [`request`],
//! [`tool`], [`action`]). Compiling is [`builder`] (where the policy comes
//! from, what is checked) and [`compile`] (rules into matchers, one function
//! per section). ARCHITECTURE.md has the map of the rest.

mod action;
mod audit;
mod authorize;
mod builder;
mod combine;
mod command;
mod compile;
mod egress_lint;
mod examples;
mod exfiltration;
mod http;
mod lint;
mod pass;
mod paths;
mod prefilter;
mod rbac;
mod rbac_compile;
mod rbac_lint;
mod request;
mod rule;
mod session;
#[cfg(any(test, feature = "internals"))]
mod snapshot;
mod sql;
mod tool;

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::decision::{Decision, Kind, PrincipalFacts};
use crate::effect::Effect;
use crate::egress::message::Message;
use crate::policy::{Format, PolicyError};
use crate::request::{Action, HttpRequest, Principal, Request, ToolCall};
use action::ActionSubject;
use compile::Compiled;
use pass::refused;
use request::HttpSubject;
use tool::{Call, ToolSubject};

pub use audit::{AUDIT_FAILED_RULE, AUDIT_OVERFLOW_RULE};
pub use builder::EngineBuilder;
pub use command::MAX_COMMAND_BYTES;

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

    /// A builder: the policy's source, and what to check and build up front.
    pub fn builder<'a>() -> EngineBuilder<'a> {
        EngineBuilder::new()
    }

    /// Reads, validates and compiles a JSON policy (its examples checked).
    pub fn from_json(text: &str) -> Result<Engine, PolicyError> {
        EngineBuilder::new().text(text, Format::Json).build()
    }

    /// Reads, validates and compiles a TOML policy (its examples checked).
    pub fn from_toml(text: &str) -> Result<Engine, PolicyError> {
        EngineBuilder::new().text(text, Format::Toml).build()
    }

    /// Reads a policy file (JSON or TOML by its extension), resolves its
    /// `extends` relative to its directory, and compiles it.
    pub fn from_file(path: &std::path::Path) -> Result<Engine, PolicyError> {
        EngineBuilder::new().file(path).build()
    }

    /// The SHA-256 of the resolved policy's canonical JSON (hex): which
    /// protection was in force, for decisions' audit records.
    pub fn policy_hash(&self) -> &str {
        let inner = &self.inner;
        inner.hash.get_or_init(|| {
            inner
                .hash_source()
                .map(compile::policy_hash)
                .unwrap_or_default()
        })
    }

    /// The embedded default policy (see `src/defaults/`), compiled once per
    /// process and shared. It is checked by the test suite, so this fails
    /// only if the binary was built from a broken tree. For start-up time
    /// (a hook process makes one decision), it is decoded from the
    /// default-policy snapshot (`src/defaults/snapshot.bin`, made by `make
    /// snapshot`; the parts are read when the build has none), its rule
    /// examples are not re-checked here, each matcher section is compiled on
    /// its first use and each regex set searched through the snapshot's
    /// literal gates before its automaton is built; the test suite compiles
    /// it eagerly from the parts, checks every example and holds the two to
    /// the same decisions on every corpus.
    pub fn default_policy() -> Result<Engine, PolicyError> {
        static DEFAULT: OnceLock<Result<Engine, PolicyError>> = OnceLock::new();
        DEFAULT
            .get_or_init(|| {
                EngineBuilder::new()
                    .built_in()
                    .check_examples(false)
                    .defer_automata(true)
                    .build()
            })
            .clone()
    }

    /// The bytes of the default-policy snapshot (`src/defaults/snapshot.bin`),
    /// made from the sources under `root` (the crate root): what `make
    /// snapshot` writes (`examples/snapshot.rs`). Not a stable API.
    #[cfg(feature = "internals")]
    #[doc(hidden)]
    pub fn make_snapshot(root: &std::path::Path) -> Result<Vec<u8>, String> {
        snapshot::make(root)
    }

    /// True when this build embeds a current default-policy snapshot
    /// (`build.rs` decides) and its model decodes: then the default policy
    /// is decoded at start rather than read from its parts. Not a stable API.
    #[cfg(feature = "internals")]
    #[doc(hidden)]
    pub fn default_policy_from_snapshot() -> bool {
        crate::policy::builtin::from_snapshot().is_some()
    }

    /// What an audited decision does when the audit queue is full (the
    /// policy's `audit_overflow`).
    pub fn audit_overflow(&self) -> crate::policy::AuditOverflow {
        self.inner.audit_overflow
    }

    /// When an audited decision is handed back (the policy's `audit_durability`).
    pub fn audit_durability(&self) -> crate::audit::Durability {
        self.inner.audit_durability
    }

    /// How coding-agent hooks answer this engine's decisions (the policy's
    /// `hooks`).
    pub fn hooks(&self) -> crate::policy::Hooks {
        self.inner.hooks
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
        self.decide_keeping(request, None)
    }

    /// [`Engine::decide`], handing a command line's shell analysis to `keep`.
    fn decide_keeping(
        &self,
        request: &Request,
        keep: Option<&mut Option<command::Kept>>,
    ) -> Decision {
        let principal = request.principal.as_ref();
        let mut decision = match &request.action {
            Action::Command(command) => {
                self.decide_command_keeping(command, principal, true, keep, request.cwd.as_deref())
            }
            Action::Http(http) => self.decide_http(http, principal),
            Action::Tool(call) => self.decide_tool(call_of(call), principal),
            Action::Named(action) => self.check_action(action, principal),
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

    /// [`Engine::check_command`] for a line run in the working directory
    /// `cwd`: the project (see [`Request::cwd`]).
    pub fn check_command_in(&self, command: &str, cwd: &str) -> Decision {
        self.decide_command_keeping(command, None, true, None, Some(cwd))
    }

    /// [`Engine::check_command`] without the literal prefilter: every line is
    /// parsed. Decides exactly alike; exposed for tests and benchmarks.
    #[cfg(feature = "internals")]
    #[doc(hidden)]
    pub fn check_command_analyzed(&self, command: &str) -> Decision {
        self.decide_command(command, None, false)
    }

    /// Decides an HTTP request to `url` with `method` (no headers, no body).
    pub fn check_http(&self, method: &str, url: &str) -> Decision {
        match Message::read(method, url, Vec::new(), None, None) {
            Ok(message) => self.pass(None, &mut HttpSubject { message, url }),
            Err(reason) => refused(Kind::Http, Effect::Deny, reason),
        }
    }

    /// Decides an HTTP request (method `GET` when absent): its URL (absolute,
    /// `host:port` for `CONNECT`, or a path with a `Host` header), headers,
    /// body and TLS server name. A request whose URL, `Host` header and
    /// server name disagree is denied (domain fronting).
    pub fn check_http_request(&self, http: &HttpRequest) -> Decision {
        self.decide_http(http, None)
    }

    fn decide_http(&self, http: &HttpRequest, principal: Option<&Principal>) -> Decision {
        let headers = http
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let method = http.method.as_deref().unwrap_or("GET");
        match Message::read(
            method,
            &http.url,
            headers,
            http.body.as_deref(),
            http.sni.as_deref(),
        ) {
            Ok(message) => self.pass(
                principal,
                &mut HttpSubject {
                    message,
                    url: &http.url,
                },
            ),
            Err(reason) => refused(Kind::Http, Effect::Deny, reason),
        }
    }

    fn decide_tool(&self, call: Call<'_>, principal: Option<&Principal>) -> Decision {
        self.pass(principal, &mut ToolSubject::new(self, principal, call))
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

    /// Decides a tool call (with its server and annotations, when given).
    pub fn check_tool_call(&self, call: &ToolCall) -> Decision {
        self.decide_tool(call_of(call), None)
    }

    /// Decides a named action (`db.read`) for `principal` in the environment
    /// it claims, by the policy's permissions (and Cedar policies whose scope
    /// names the action). An action nothing grants is denied.
    pub fn check_action(&self, action: &str, principal: Option<&Principal>) -> Decision {
        self.pass(
            principal,
            &mut ActionSubject {
                engine: self,
                action,
            },
        )
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
}

fn call_of(call: &ToolCall) -> Call<'_> {
    Call {
        name: &call.name,
        arguments: &call.arguments,
        server: call.server.as_deref(),
        annotations: call.annotations.as_ref(),
    }
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
