//! Exfiltration: a secret going to a host the egress policy does not allow.
//!
//! The agent that deleted a production database first found a token in an
//! unrelated file; the next step of such an agent is to use it, or to send
//! it somewhere. A request — a proxied HTTP request, an HTTP request a
//! command makes, a URL in a tool call — that carries a secret (in its URL,
//! userinfo, query, headers or body, or anywhere in the command line or the
//! tool's arguments) and goes to a destination no enforced egress `allow`
//! rule allows is denied, whatever the default for that kind of request.
//! The verdict names the kind of secret, never its value. Cost: one
//! aho-corasick scan of the texts, only for requests that are not allowed.

use std::sync::Arc;

use super::combine::{About, Verdict};
use super::compile::Compiled;
use crate::effect::Effect;

/// True when an enforced egress `allow` rule is among `verdicts`.
pub(super) fn allowed<'v>(
    compiled: &Compiled,
    verdicts: impl IntoIterator<Item = &'v Verdict>,
) -> bool {
    verdicts.into_iter().any(|v| v.is_enforced_allow(compiled))
}

/// The deny verdict for `texts` when they hold a secret, about `about`.
pub(super) fn verdict<'t>(
    texts: impl IntoIterator<Item = &'t str>,
    about: About,
) -> Option<Verdict> {
    let kinds: Vec<&str> = texts
        .into_iter()
        .filter(|t| !crate::secrets::is_clean(t))
        .flat_map(crate::secrets::scan)
        .map(|f| f.kind)
        .collect();
    let first = kinds.first()?;
    let mut v = Verdict::other(
        Effect::Deny,
        Arc::from(format!(
            "a secret ({first}) would be sent to a destination the egress policy does not allow: exfiltration"
        )),
    );
    v.about = about;
    Some(v)
}

/// Removes secrets from what a decision echoes of its input: the command
/// text and argv, the canonical path, the reason.
pub(super) fn redact(decision: &mut crate::decision::Decision) {
    use crate::secrets::redact as clean;
    use std::borrow::Cow;
    if let Some(c) = &mut decision.command {
        if let Cow::Owned(t) = clean(&c.text) {
            c.text = t;
        }
        for word in &mut c.argv {
            if let Cow::Owned(t) = clean(word) {
                *word = t;
            }
        }
    }
    if let Some(c) = &mut decision.canonical {
        if let Cow::Owned(t) = clean(&c.path) {
            c.path = t.into();
        }
    }
    if let Cow::Owned(t) = clean(&decision.reason) {
        decision.reason = t.into();
    }
}
