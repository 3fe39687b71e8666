//! Tool calls in the decision pass: what a tool call supplies.
//!
//! Matching: the tool rules (by name — also as `mcp__server__tool` when the
//! server is known — then server, annotations, destructive names and
//! argument tests), then every string argument by what the router
//! (`tool::route`) says it is, with the same rules that guard it everywhere
//! else: a shell argument goes through the command pass
//! ([`Engine::shell_argument_verdicts`]), a URL is an HTTP `GET` made on the
//! agent's behalf (the `command_egress` default applies), SQL meets the SQL
//! rules, a path the path rules for the tool's access (cut at its first NUL
//! byte, as `open()` would cut it). A URL argument that
//! is not allowed must not carry a secret from anywhere in the arguments,
//! and neither may the arguments of a tool whose name says it sends
//! (`tool::channels`: gists, chat, issues, email, webhooks, queues). The
//! name's words are read once (`tool::name_words`) for the routing entry,
//! the channel and the destructive verb.
//! Every verdict remembers its argument, so the decision names the JSON
//! pointer that decided; a tool call is as severe as its most severe
//! argument. The arguments are walked once, with one set of bounds, for the
//! routes and for the words environments are derived from. Cost: one walk,
//! one name lookup, and what each routed argument's analysis costs.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::combine::{About, Verdict};
use super::compile::{Compiled, Slot};
use super::http::canonical;
use super::pass::Subject;
use super::rbac::Who;
use super::Engine;
use crate::decision::{ArgumentFacts, Decision, Kind};
use crate::effect::Effect;
use crate::egress::message::Message;
use crate::rbac::actions;
use crate::request::{Principal, ToolAnnotations};
use crate::tool::route::{self, Class, Routes};

/// A tool call, borrowed.
#[derive(Clone, Copy)]
pub(super) struct Call<'c> {
    pub(super) name: &'c str,
    pub(super) arguments: &'c Value,
    pub(super) server: Option<&'c str>,
    pub(super) annotations: Option<&'c ToolAnnotations>,
}

/// A tool call in the pass.
pub(super) struct ToolSubject<'a> {
    engine: &'a Engine,
    principal: Option<&'a Principal>,
    call: Call<'a>,
    server: Option<&'a str>,
    tool: &'a str,
    destructive: bool,
    /// The name has a verb of change (`tool::verbs::change_verbs`).
    changing: bool,
    routes: Routes<'a>,
    /// Every string the walk looked at, when environments are derived.
    words: Vec<&'a str>,
    /// The requests URL arguments make, indexed as the verdicts' messages.
    messages: Vec<Message<'a>>,
    /// The class of sending channel the tool is (`tool::channels`).
    channel: Option<&'static str>,
}

impl<'a> ToolSubject<'a> {
    pub(super) fn new(
        engine: &'a Engine,
        principal: Option<&'a Principal>,
        call: Call<'a>,
    ) -> Self {
        let (server, tool) = crate::request::split_tool_name(call.name, call.server);
        let name = crate::tool::name_words::facts(tool, server);
        let mut words = Vec::new();
        let routes = if engine.inner.rbac.environments.has_targets() {
            route::route_with(name.entry, call.arguments, |s| words.push(s))
        } else {
            route::route_with(name.entry, call.arguments, |_| {})
        };
        ToolSubject {
            engine,
            principal,
            call,
            server,
            tool,
            destructive: name.destructive,
            changing: name.changing,
            routes,
            words,
            messages: Vec::new(),
            channel: name.channel,
        }
    }

    /// The verdicts of the tool rules on the call itself.
    fn rule_verdicts(&self, compiled: &'a Compiled, who: &mut Who<'a>, out: &mut Vec<Verdict>) {
        let rbac = &compiled.rbac;
        let Call {
            name,
            arguments,
            annotations,
            ..
        } = self.call;
        let server = self.server;
        let mut consider = |tag: u32| {
            let (Some(rule), Some(filter)) =
                (compiled.rule(tag), compiled.tool_index().filter(tag))
            else {
                return;
            };
            if out.iter().any(|v: &Verdict| v.rule == Some(tag)) {
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
                .all(|(hint, want)| annotations.and_then(|a| a.hint(hint)) == Some(*want));
            let ok = server_ok
                && annotations_ok
                && (!filter.destructive_name || self.destructive)
                && (!filter.changing_name || self.changing)
                && filter.arguments.iter().all(|t| t.matches(arguments));
            if !ok {
                return;
            }
            if !rbac.admits(who, tag, rule.effect) {
                return;
            }
            out.push(Verdict::rule(tag, rule.effect));
        };
        compiled.tool_names().for_each_match(name, &mut consider);
        if let Some(server) = server.filter(|_| !name.starts_with("mcp__")) {
            // `server/tool`, and a tool whose server is known, also answer to
            // their `mcp__server__tool` spelling.
            let alias = format!("mcp__{server}__{}", self.tool);
            compiled.tool_names().for_each_match(&alias, &mut consider);
        }
        for &tag in &compiled.tool_index().anywhere {
            consider(tag);
        }
    }
}

impl<'a> Subject<'a> for ToolSubject<'a> {
    const KIND: Kind = Kind::Tool;
    const CEDAR_ACTION: &'static str = "tool";
    const DEFAULT: Option<Slot> = Some(Slot::Tool);

    fn environments(&mut self, compiled: &'a Compiled) -> u64 {
        let rbac = &compiled.rbac;
        let mut mask = 0;
        if rbac.environments.has_names() {
            crate::command::deployment::argument_names(self.call.arguments, |value| {
                mask |= rbac.environments.of_name(value);
            });
        }
        if !rbac.environments.has_targets() {
            return mask;
        }
        mask |= rbac.environments.of_tool(self.call.name);
        for word in &self.words {
            mask |= rbac.of_word(word);
        }
        mask
    }

    fn verdicts(&mut self, compiled: &'a Compiled, who: &mut Who<'a>, out: &mut Vec<Verdict>) {
        self.rule_verdicts(compiled, who, out);
        let routes = &self.routes;
        // What the tool does to its paths, read from its name once.
        let mut access = None;
        for (k, r) in routes.routes.iter().enumerate() {
            let before = out.len();
            match r.class {
                Class::Shell | Class::Argv | Class::Code => {
                    self.engine
                        .shell_argument_verdicts(self.principal, &r.text, out)
                }
                Class::Url => match Message::read("GET", &r.text, Vec::new(), None, None) {
                    Ok(mut message) => {
                        super::http::verdicts(
                            compiled,
                            &mut message,
                            Slot::CommandEgress,
                            super::compile::Maker::Tool,
                            out,
                            About::Message(self.messages.len()),
                            who,
                        );
                        self.messages.push(message);
                    }
                    Err(reason) => out.push(Verdict::other(Effect::Deny, reason.into())),
                },
                Class::Sql => super::sql::sql_verdicts(compiled, who, &r.text, About::Request, out),
                Class::Path => {
                    let access =
                        *access.get_or_insert_with(|| crate::paths::access::of_tool(self.tool));
                    // `open()` takes a C string: the path it opens ends at
                    // the first NUL, so that is the path decided.
                    let text = r.text.split_once('\0').map_or(&*r.text, |(head, _)| head);
                    let path = crate::paths::access::normalize(text, None);
                    super::paths::path_verdicts(compiled, who, &path, access, About::Request, out);
                }
            }
            for v in out.iter_mut().skip(before) {
                v.argument = Some(k);
            }
        }
        let url_not_allowed = routes.routes.iter().enumerate().any(|(k, r)| {
            r.class == Class::Url
                && !super::exfiltration::allowed(
                    compiled,
                    out.iter().filter(|v| v.argument == Some(k)),
                )
        });
        if url_not_allowed {
            let text = self.call.arguments.to_string();
            if let Some(v) = super::exfiltration::verdict([text.as_str()], About::Request) {
                out.insert(0, v);
            }
        } else if let Some(channel) = self.channel {
            // A tool that publishes or sends: a secret anywhere in its
            // arguments leaves with them, URL or not.
            let text = self.call.arguments.to_string();
            if let Some(v) = super::exfiltration::channel_verdict(&text, self.tool, channel) {
                out.insert(0, v);
            }
        }
        for pointer in &routes.too_long {
            out.push(Verdict::other(
                Effect::Ask,
                format!(
                    "argument `{pointer}` is longer than {} bytes and was not analyzed",
                    route::MAX_STRING_BYTES
                )
                .into(),
            ));
        }
        if routes.truncated {
            out.push(Verdict::other(
                Effect::Ask,
                format!(
                    "the arguments are nested deeper than {} levels or hold more than {} strings; the rest was not analyzed",
                    route::MAX_DEPTH,
                    route::MAX_STRINGS
                )
                .into(),
            ));
        }
    }

    fn actions(&self, who: &mut Who<'a>) {
        who.act(actions::TOOL_CALL);
        if self.destructive {
            who.act(actions::TOOL_DELETE);
        }
    }

    fn resource(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.call.name)
    }

    fn context(&self) -> Value {
        json!({"tool": {"name": self.call.name}})
    }

    fn facts(&self, decision: &mut Decision, deciding: Option<&Verdict>) {
        let Some(v) = deciding else {
            return;
        };
        decision.canonical = v
            .about
            .message()
            .and_then(|k| self.messages.get(k))
            .map(canonical);
        decision.argument =
            v.argument
                .and_then(|k| self.routes.routes.get(k))
                .map(|r| ArgumentFacts {
                    pointer: r.pointer.clone(),
                    class: r.class.as_str().to_owned(),
                });
    }
}
