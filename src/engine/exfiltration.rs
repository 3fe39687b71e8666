//! Exfiltration: a secret going to a host the egress policy does not allow.
//!
//! The agent that deleted a production database first found a token in an
//! unrelated file; the next step of such an agent is to use it, or to send
//! it somewhere. A request — a proxied HTTP request, an HTTP request a
//! command makes, a URL in a tool call — that carries a secret (in its URL,
//! userinfo, query, headers or body, or anywhere in the command line or the
//! tool's arguments) and goes to a destination no enforced egress `allow`
//! rule allows is denied, whatever the default for that kind of request.
//! A tool whose purpose is to send (a gist, a chat message, an issue
//! comment: `tool::channels`) is denied with a secret in its arguments
//! whatever the destination, for the server knows it. Secrets are found
//! percent-escaped too (`?k=wJal…%2F…`). The verdict names the kind of
//! secret, never its value. Cost: one aho-corasick scan of the texts (and
//! of their decoded form when they hold `%`), only for requests that are
//! not allowed and for sending tools.

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

/// `text` with its percent-escapes decoded (`+` stays; a `%` that starts
/// no escape stays), when it has any: a secret in a URL's query is as often
/// escaped (`%2F` for `/` in an AWS secret key, `%2B` for `+`) as not. The
/// decoding is the `url` crate's own (`percent-encoding`).
fn percent_decoded(text: &str) -> Option<String> {
    text.contains('%').then(|| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    })
}

/// The first secret's kind in `text` or in its percent-decoded form.
fn first_secret(text: &str) -> Option<&'static str> {
    let in_text = |t: &str| {
        if crate::secrets::is_clean(t) {
            None
        } else {
            crate::secrets::scan(t).first().map(|f| f.kind)
        }
    };
    in_text(text).or_else(|| percent_decoded(text).and_then(|d| in_text(&d)))
}

/// A deny verdict with `reason`, about `about`.
fn deny(reason: String, about: About) -> Verdict {
    Verdict::other(Effect::Deny, Arc::from(reason)).about(about)
}

/// The deny verdict for `texts` when they hold a secret (also
/// percent-escaped), about `about`.
pub(super) fn verdict<'t>(
    texts: impl IntoIterator<Item = &'t str>,
    about: About,
) -> Option<Verdict> {
    let first = texts.into_iter().find_map(first_secret)?;
    Some(deny(
        format!("a secret ({first}) would be sent to a destination the egress policy does not allow: exfiltration"),
        about,
    ))
}

/// The deny verdict for a command line `text` that expands a secret
/// environment variable (`?t=$GITHUB_TOKEN`), about `about`: its requests
/// send the secret though no detector sees it.
pub(super) fn variable_verdict(text: &str, about: About) -> Option<Verdict> {
    let name = crate::secrets::secret_variable(text)?;
    Some(deny(
        format!("a secret from the environment (${name}) would be sent to a destination the egress policy does not allow: exfiltration"),
        about,
    ))
}

/// The deny verdict for the arguments `text` of `tool`, a sending tool of
/// class `channel`, when they hold a secret.
pub(super) fn channel_verdict(text: &str, tool: &str, channel: &str) -> Option<Verdict> {
    let kind = first_secret(text)?;
    Some(deny(
        format!("a secret ({kind}) in the arguments of `{tool}` would be sent out through a {channel} tool: exfiltration"),
        About::Request,
    ))
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
