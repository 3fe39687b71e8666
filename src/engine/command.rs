//! Shell commands in the decision pass: what a command line supplies.
//!
//! A line first meets the literal prefilter: when no rule could match
//! anything in it, it is not parsed at all. Otherwise the shell analyzer
//! (`command::analyze`) gives its simple commands, and the HTTP clients
//! among them (`curl`, `wget`, …) the requests they make. Matching: the
//! command rules (indexed by program), the path rules on the paths each
//! command touches, the SQL rules on a database client's SQL, the egress
//! rules on each request a command makes (judged like a proxied request,
//! with the `command_egress` default), and exfiltration when a request that
//! is not allowed leaves the line. Anything the analyzer could not
//! understand makes the decision at least `ask`; a line holding a NUL byte
//! is denied before anything else (a C string ends there, so the command a
//! C caller runs is not the one checked). The same path serves a
//! shell argument of a tool call ([`Engine::shell_argument_verdicts`]).
//! Cost: the prefilter's one automaton pass; for analyzed lines, the parse,
//! one lookup per simple command and what the matched rules test.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::combine::{request_default, About, Verdict};
use super::compile::{Compiled, Slot};
use super::http::canonical;
use super::pass::{clean, Subject};
use super::rbac::Who;
use super::Engine;
use crate::command::http::{http_calls, HttpCall};
use crate::command::Analysis;
use crate::decision::{CommandDetail, Decision, Kind};
use crate::effect::Effect;
use crate::egress::message::{Message, Unknown};
use crate::rbac::actions;
use crate::request::Principal;

/// Longest command line analyzed, in bytes (128 KiB); longer ones get `ask`.
pub const MAX_COMMAND_BYTES: usize = 128 << 10;

/// A command line's facts.
pub(super) struct CommandFacts<'t> {
    text: &'t str,
    line: Line,
}

enum Line {
    /// The prefilter found nothing any rule could match: not parsed.
    Unguarded,
    Analyzed {
        analysis: Analysis,
        /// The HTTP requests its commands make, by command index.
        calls: Vec<(usize, HttpCall)>,
    },
}

impl<'t> CommandFacts<'t> {
    /// Analyzes `text`, run in the working directory `cwd` when known
    /// (through the prefilter when `prefilter` is set). `Err` is a line that
    /// cannot be analyzed: the effect and why.
    #[inline]
    pub(super) fn analyze(
        compiled: &Compiled,
        text: &'t str,
        prefilter: bool,
        cwd: Option<&str>,
    ) -> Result<Self, (Effect, String)> {
        // Long lines always need analysis, so the size bound is applied there.
        // With environments that name targets, the arguments must be read;
        // deployment names too when permissions or Cedar could ask about the
        // environment (a rule scoped to one has literals of its own).
        // A known working directory can make a relative path one a rule
        // names (`cat id_rsa` in `~/.ssh`): such lines are always read.
        let environments = &compiled.rbac.environments;
        if prefilter
            && cwd.is_none()
            && !environments.has_targets()
            && (!environments.has_names() || !compiled.rbac.judges_beyond_rules())
            && !compiled.command_prefilter().needs_analysis(text)
        {
            return Ok(CommandFacts {
                text,
                line: Line::Unguarded,
            });
        }
        // Before the size bound: a NUL is refused on any line, however long
        // and whatever rules the policy has (the prefilter sends every line
        // holding one here).
        if let Some(at) = memchr::memchr(0, text.as_bytes()) {
            return Err((Effect::Deny, nul_reason("the command", at)));
        }
        if text.len() > MAX_COMMAND_BYTES {
            return Err((
                Effect::Ask,
                format!(
                    "command is {} bytes, beyond the {MAX_COMMAND_BYTES}-byte analysis bound",
                    text.len()
                ),
            ));
        }
        let analysis = crate::command::analyze_in(text, cwd);
        let calls = analysis
            .commands
            .iter()
            .enumerate()
            .flat_map(|(i, c)| http_calls(c).into_iter().map(move |call| (i, call)))
            .collect();
        Ok(CommandFacts {
            text,
            line: Line::Analyzed { analysis, calls },
        })
    }
}

/// What a command decision hands on to a session: the line's analysis and
/// the HTTP requests its commands make, by command index.
pub(crate) struct Kept {
    pub(crate) analysis: Analysis,
    pub(crate) calls: Vec<(usize, HttpCall)>,
}

/// The requests a line's commands make, read: one entry per call (`None`
/// for a call not decided on), the read errors to report, and the verdicts
/// reading gave (a destination unknown until run time, a rerouting option).
struct Reads<'f> {
    messages: Vec<Option<Message<'f>>>,
    errors: Vec<(usize, String)>,
    verdicts: Vec<Verdict>,
}

/// A command line in the pass.
pub(super) struct CommandSubject<'f> {
    facts: &'f CommandFacts<'f>,
    reads: Option<Reads<'f>>,
    /// The requests decided, indexed as the verdicts' messages.
    decided: Vec<Message<'f>>,
}

impl<'f> CommandSubject<'f> {
    pub(super) fn new(facts: &'f CommandFacts<'f>) -> Self {
        CommandSubject {
            facts,
            reads: None,
            decided: Vec::new(),
        }
    }

    fn programs(&self) -> Vec<&'f str> {
        match &self.facts.line {
            Line::Unguarded => Vec::new(),
            Line::Analyzed { analysis, .. } => analysis
                .commands
                .iter()
                .filter_map(|c| c.program.as_deref())
                .collect(),
        }
    }
}

impl<'a, 'f: 'a> Subject<'a> for CommandSubject<'f> {
    const KIND: Kind = Kind::Command;
    const CEDAR_ACTION: &'static str = "command";
    const DEFAULT: Option<Slot> = Some(Slot::Command);

    fn environments(&mut self, compiled: &'a Compiled) -> u64 {
        let Line::Analyzed { analysis, calls } = &self.facts.line else {
            return 0;
        };
        let rbac = &compiled.rbac;
        let mut derived = 0;
        if rbac.environments.has_names() {
            for c in &analysis.commands {
                crate::command::deployment::names(c, |value| {
                    derived |= rbac.environments.of_name(value)
                });
            }
        }
        if !rbac.environments.has_targets() {
            return derived;
        }
        let reads = read_requests(compiled, calls);
        for message in reads.messages.iter().flatten() {
            derived |= rbac.of_destination(&message.target.destination, message.target.carried);
        }
        for c in &analysis.commands {
            for word in c.argv.iter().skip(1) {
                derived |= rbac.of_word(&word.text);
            }
        }
        self.reads = Some(reads);
        derived
    }

    fn verdicts(&mut self, compiled: &'a Compiled, who: &mut Who<'a>, out: &mut Vec<Verdict>) {
        let Line::Analyzed { analysis, calls } = &self.facts.line else {
            return;
        };
        let Reads {
            messages,
            errors,
            verdicts,
        } = match self.reads.take() {
            Some(reads) => reads,
            None => read_requests(compiled, calls),
        };
        out.extend(verdicts);
        let rbac = &compiled.rbac;
        compiled
            .commands()
            .for_each_match(&analysis.commands, |hit| {
                if let Some(rule) = compiled.rule(hit.tag) {
                    let effect = if hit.certain {
                        rule.effect
                    } else {
                        rule.effect.min(Effect::Ask)
                    };
                    if rbac.admits(who, hit.tag, effect) {
                        out.push(Verdict::rule(hit.tag, effect).about(About::Command(hit.command)));
                    }
                }
            });
        if compiled.has_path_rules() {
            for (i, c) in analysis.commands.iter().enumerate() {
                for (access, path) in crate::paths::access::of_command(c) {
                    super::paths::path_verdicts(
                        compiled,
                        who,
                        &path,
                        access,
                        About::Command(i),
                        out,
                    );
                }
            }
        }
        if compiled.has_sql_rules() {
            for (i, c) in analysis.commands.iter().enumerate() {
                if c.language.as_deref() == Some("sql") {
                    for code in crate::command::inline::code_of(c, "sql") {
                        super::sql::sql_verdicts(compiled, who, code, About::Command(i), out);
                    }
                }
            }
        }
        let decided = decide_requests(compiled, calls, messages, errors, who, out);
        // A call whose request is not allowed (or not even readable) must
        // not carry a secret from anywhere in the line.
        let allowed_calls = (0..decided.len())
            .filter(|&k| {
                super::exfiltration::allowed(
                    compiled,
                    out.iter().filter(|v| v.about.message() == Some(k)),
                )
            })
            .count();
        if allowed_calls < calls.len() {
            let about = calls
                .first()
                .map_or(About::Request, |(i, _)| About::Command(*i));
            let secret = super::exfiltration::verdict([self.facts.text], about)
                .or_else(|| super::exfiltration::variable_verdict(self.facts.text, about));
            if let Some(v) = secret {
                out.insert(0, v);
            }
        }
        self.decided = decided;
    }

    fn actions(&self, who: &mut Who<'a>) {
        who.act(actions::COMMAND_RUN);
        if let Line::Analyzed { calls, .. } = &self.facts.line {
            if !calls.is_empty() {
                who.act(actions::COMMAND_NETWORK);
            }
        }
        for message in &self.decided {
            for a in actions::of_method(&message.method) {
                who.act(a);
            }
        }
    }

    fn resource(&self) -> Cow<'_, str> {
        let program = match &self.facts.line {
            Line::Unguarded => self.facts.text.split_whitespace().next(),
            Line::Analyzed { analysis, .. } => {
                analysis.commands.iter().find_map(|c| c.program.as_deref())
            }
        };
        Cow::Borrowed(program.unwrap_or_default())
    }

    fn context(&self) -> Value {
        let text: String = self.facts.text.chars().take(4096).collect();
        json!({"command": {"text": text, "programs": self.programs()}})
    }

    fn facts(&self, decision: &mut Decision, deciding: Option<&Verdict>) {
        let Line::Analyzed { analysis, .. } = &self.facts.line else {
            return;
        };
        decision.canonical = deciding
            .and_then(|v| v.about.message())
            .and_then(|k| self.decided.get(k))
            .map(canonical);
        if let Some(problem) = analysis.problems.first() {
            if decision.effect < Effect::Ask {
                decision.effect = Effect::Ask;
                decision.rule = None;
                decision.reason = unanalyzed(&problem.message).into();
            }
        }
        let text = self.facts.text;
        decision.command = deciding
            .and_then(|v| v.about.command())
            .and_then(|i| analysis.commands.get(i))
            .map(|c| CommandDetail {
                text: text
                    .get(c.span.0..c.span.1)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
                span: [c.span.0, c.span.1],
                argv: c.argv.iter().map(|w| w.text.to_string()).collect(),
                via: c.via.clone(),
            });
    }

    fn echoes_input(&self) -> bool {
        matches!(self.facts.line, Line::Analyzed { .. })
    }
}

/// Why text holding a NUL byte at byte offset `at` is refused: whoever
/// hands it on as a C string (`system()`, `execve`, `sh -c` from C, a
/// database driver) cuts it there, so what runs is not what was checked.
/// The text itself is not quoted (it may hold a secret).
pub(super) fn nul_reason(what: &str, at: usize) -> String {
    format!(
        "{what} contains a NUL byte at byte offset {at}: a C string ends at its first NUL, so what would run is not the text that was checked; refused"
    )
}

fn unanalyzed(problem: &str) -> String {
    format!("the command could not be fully analyzed: {problem}")
}

impl Engine {
    /// Decides a command line (see [`Engine::check_command`]).
    pub(super) fn decide_command(
        &self,
        command: &str,
        principal: Option<&Principal>,
        prefilter: bool,
    ) -> Decision {
        self.decide_command_keeping(command, principal, prefilter, None, None)
    }

    /// [`Engine::decide_command`], handing the line's shell analysis and
    /// HTTP requests (when it was analyzed) to `keep`: a session reads its
    /// facts from them.
    pub(super) fn decide_command_keeping(
        &self,
        command: &str,
        principal: Option<&Principal>,
        prefilter: bool,
        keep: Option<&mut Option<Kept>>,
        cwd: Option<&str>,
    ) -> Decision {
        match CommandFacts::analyze(&self.inner, command, prefilter, cwd) {
            // A line the prefilter lets through, under a policy without
            // permissions or Cedar, for a principal whose claimed environment
            // needs no check: no verdict can arise, so the pass reduces to
            // the default.
            Ok(facts)
                if matches!(facts.line, Line::Unguarded)
                    && !self.inner.rbac.judges_beyond_rules()
                    && (principal.is_none() || self.inner.rbac.is_inert()) =>
            {
                super::combine::combine(
                    &self.inner,
                    Kind::Command,
                    &mut [],
                    Some(Slot::Command),
                    &mut None,
                )
            }
            Ok(facts) => {
                let decision = self.pass(principal, &mut CommandSubject::new(&facts));
                if let (Some(keep), Line::Analyzed { analysis, calls }) = (keep, facts.line) {
                    *keep = Some(Kept { analysis, calls });
                }
                decision
            }
            Err((effect, reason)) => super::pass::refused(Kind::Command, effect, reason),
        }
    }

    /// The verdicts a shell argument of a tool call adds: the command pass
    /// on `text` (with the environments, principal check and permissions of
    /// a command), up to its verdicts, and the verdicts that its own
    /// decision would have added — the command default when no allow rule
    /// matched it, `ask` for what could not be analyzed. They are about the
    /// tool call as a whole (a tool decision shows no command facts).
    pub(super) fn shell_argument_verdicts(
        &self,
        principal: Option<&Principal>,
        text: &str,
        out: &mut Vec<Verdict>,
    ) {
        let compiled = &*self.inner;
        let facts = match CommandFacts::analyze(compiled, text, true, None) {
            Ok(facts) => facts,
            Err((effect, reason)) => {
                out.push(Verdict::other(effect, clean(reason).into()));
                return;
            }
        };
        let mut verdicts = Vec::new();
        if let Err(reason) = self.judge(principal, &mut CommandSubject::new(&facts), &mut verdicts)
        {
            out.push(Verdict::other(Effect::Deny, clean(reason).into()));
            return;
        }
        // What the command's own decision would add: its default (never a
        // bare allow, which adds nothing), then `ask` for what could not be
        // analyzed.
        let mut effect = verdicts
            .iter()
            .filter(|v| v.enforced(compiled))
            .map(|v| v.effect)
            .max()
            .unwrap_or(Effect::Allow);
        if let Some(default) = request_default(compiled, &verdicts, Slot::Command, Some(effect)) {
            effect = default.effect;
            verdicts.push(default);
        }
        if let Line::Analyzed { analysis, .. } = &facts.line {
            if let Some(problem) = analysis.problems.first() {
                if effect < Effect::Ask {
                    verdicts.push(Verdict::other(
                        Effect::Ask,
                        clean(unanalyzed(&problem.message)).into(),
                    ));
                }
            }
        }
        out.extend(verdicts.into_iter().map(|v| v.about(About::Request)));
    }
}

/// Reads the HTTP requests commands make (`curl`, `wget`, …).
fn read_requests<'f>(compiled: &Compiled, calls: &'f [(usize, HttpCall)]) -> Reads<'f> {
    let mut reads = Reads {
        messages: Vec::with_capacity(calls.len()),
        errors: Vec::new(),
        verdicts: Vec::new(),
    };
    let default = compiled.default(Slot::CommandEgress).effect;
    for (i, call) in calls {
        let mut other = |effect: Effect, reason: String| {
            reads
                .verdicts
                .push(Verdict::other(effect, reason.into()).about(About::Command(*i)));
        };
        if !call.destination_known {
            other(
                default.min(Effect::Ask),
                format!(
                    "`{}` sends a request whose destination is not known until the command runs",
                    call.client
                ),
            );
            reads.messages.push(None);
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
                reads
                    .errors
                    .push((*i, format!("`{}`: {reason}", call.client)));
                reads.messages.push(None);
            }
            Ok(mut message) => {
                message.unknown = Unknown {
                    path: !call.path_known,
                    body: !call.body_known,
                };
                reads.messages.push(Some(message));
            }
        }
    }
    reads
}

/// Decides the HTTP requests commands make with the egress rules, adding
/// their verdicts; returns the requests decided, indexed as the verdicts'
/// messages.
fn decide_requests<'f, 'c>(
    compiled: &'c Compiled,
    calls: &[(usize, HttpCall)],
    messages: Vec<Option<Message<'f>>>,
    read_errors: Vec<(usize, String)>,
    who: &mut Who<'c>,
    verdicts: &mut Vec<Verdict>,
) -> Vec<Message<'f>> {
    for (i, reason) in read_errors {
        verdicts.push(Verdict::other(Effect::Deny, reason.into()).about(About::Command(i)));
    }
    let mut decided = Vec::with_capacity(messages.len());
    for ((i, _), message) in calls.iter().zip(messages) {
        let Some(mut message) = message else {
            continue;
        };
        let about = About::of_command(Some(*i), decided.len());
        super::http::verdicts(
            compiled,
            &mut message,
            Slot::CommandEgress,
            super::compile::Maker::Command,
            verdicts,
            about,
            who,
        );
        decided.push(message);
    }
    decided
}
