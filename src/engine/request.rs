//! HTTP requests in the decision pass: what a proxied request supplies.
//!
//! The egress analyzer has read the request into a [`Message`] (a request
//! whose parts disagree about where it goes never gets here: it is denied
//! with the reason). Matching is the egress rules ([`super::http`]) with the
//! `egress` default, then exfiltration: a request no allow rule lets through
//! must not carry a secret in its URL, headers or body. The decision
//! reports the canonical facts it was made on. Cost: the egress matching,
//! and a secret scan only of requests that are not allowed.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::combine::{About, Verdict};
use super::compile::{Compiled, Slot};
use super::http::canonical;
use super::pass::Subject;
use super::rbac::Who;
use crate::decision::{Canonical, Decision, Kind};
use crate::egress::message::Message;
use crate::egress::Destination;
use crate::rbac::actions;

/// A proxied HTTP request in the pass.
pub(super) struct HttpSubject<'m> {
    pub(super) message: Message<'m>,
    /// The URL as given (scanned for secrets).
    pub(super) url: &'m str,
}

impl<'a, 'm: 'a> Subject<'a> for HttpSubject<'m> {
    const KIND: Kind = Kind::Http;
    const CEDAR_ACTION: &'static str = "http";
    const DEFAULT: Option<Slot> = None;

    fn environments(&mut self, compiled: &'a Compiled) -> u64 {
        let target = &self.message.target;
        compiled
            .rbac
            .of_destination(&target.destination, target.carried)
    }

    fn verdicts(&mut self, compiled: &'a Compiled, who: &mut Who<'a>, out: &mut Vec<Verdict>) {
        super::http::verdicts(
            compiled,
            &mut self.message,
            Slot::Egress,
            super::compile::Maker::Request,
            out,
            About::Message(0),
            who,
        );
        let message = &self.message;
        if !super::exfiltration::allowed(compiled, out.iter()) {
            let texts = std::iter::once(self.url)
                .chain(message.headers.iter().map(|(_, v)| *v))
                .chain(message.body);
            if let Some(v) = super::exfiltration::verdict(texts, About::Message(0)) {
                // Named before the default: it says why more precisely.
                out.insert(0, v);
            }
        }
    }

    fn actions(&self, who: &mut Who<'a>) {
        for a in actions::of_method(&self.message.method) {
            who.act(a);
        }
    }

    fn resource(&self) -> Cow<'_, str> {
        match &self.message.target.destination {
            Destination::Name(name) => Cow::Borrowed(name),
            Destination::Ip(ip) => Cow::Owned(ip.to_string()),
        }
    }

    fn context(&self) -> Value {
        json!({"http": canonical_json(&canonical(&self.message))})
    }

    fn facts(&self, decision: &mut Decision, _deciding: Option<&Verdict>) {
        decision.canonical = Some(canonical(&self.message));
    }
}

/// Cedar context fields of an HTTP request.
fn canonical_json(c: &Canonical) -> Value {
    json!({
        "method": c.method.as_str(),
        "scheme": c.scheme.as_str(),
        "host": c.host.as_deref().or(c.ip.as_deref()).unwrap_or_default(),
        "port": c.port,
        "path": c.path.as_str(),
    })
}
