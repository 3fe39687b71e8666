//! Sessions: what an agent did earlier, for the decisions that depend on it.
//!
//! A decision alone cannot see a sequence: `.env` read at step 4 and sent
//! somewhere at step 9; a web page fetched, then a CI workflow edited;
//! `diag.py` written, then run. A [`Session`] is the bounded record of the
//! facts later decisions depend on — sensitive paths read, secrets seen,
//! untrusted content fetched, files written (with their content's hash and
//! what analyzing that content said), destructive actions, the `ask`s
//! answered and the approvals given — fed by the decisions made in it
//! (`Engine::decide_in`) and by what actually ran (`Engine::ran_in`). The
//! engine consults it; this module only keeps it ([`observe`] reads a
//! request into the facts it could add, knowing no policy; [`key`] names an
//! action for approvals; [`store`] keeps a session in a locked state file
//! for hooks, which are one process per tool call).
//!
//! Bounds: at most the policy's `max_facts` facts (oldest dropped first; a
//! session that dropped facts counts as tainted, so forgetting never
//! loosens a decision); repeated facts about one path or source are kept
//! once. A session whose state could not be read is created *unreadable*,
//! which also taints it. Cost: a decision scans the facts it needs, a few
//! hundred at most, without allocating unless a fact applies.

internal_modules! {
    key;
    observe;
}
pub mod rule;
pub mod store;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::effect::Effect;

pub use rule::SessionRules;

/// The state format this build reads and writes.
pub const STATE_VERSION: u32 = 1;

/// Longest session id kept, in bytes (longer ones are hashed).
pub const MAX_ID_BYTES: usize = 256;

/// The record of one agent session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    version: u32,
    id: String,
    /// Decisions made in the session so far (a fact's step is the decision
    /// that recorded it, counted from 1).
    step: u64,
    /// When the session last decided or recorded anything (Unix seconds).
    last: u64,
    /// Facts dropped at the bound.
    #[serde(default, skip_serializing_if = "is_zero")]
    dropped: u64,
    /// The time of the newest fact dropped (Unix seconds).
    #[serde(default, skip_serializing_if = "is_zero")]
    dropped_at: u64,
    /// Why the session's earlier state could not be read, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unreadable: Option<String>,
    facts: VecDeque<Fact>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// One thing the session learned, at a step and a time. In the state
/// file: `{"step": 4, "at": 1764…, "fact": {"sensitive_read": {"path":
/// ".env"}}}` — an externally tagged kind, which serde reads in one pass
/// (a flattened or internally tagged one is buffered first: a state file at
/// its bound read several times slower).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// The step that recorded it.
    pub step: u64,
    /// When (Unix seconds).
    pub at: u64,
    /// What.
    #[serde(rename = "fact")]
    pub kind: FactKind,
}

/// What a fact says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum FactKind {
    /// A sensitive path was read.
    SensitiveRead {
        /// The path, normalized.
        path: String,
    },
    /// A secret was seen (in a request or in a tool's output). Only its
    /// kind and a hash are kept, never the secret.
    Secret {
        /// The detector's name (`GitHub token`).
        kind: String,
        /// The first 16 bytes of the secret's SHA-256, hex.
        hash: String,
    },
    /// Untrusted content was fetched.
    Untrusted {
        /// Where from: a URL or a tool name.
        source: String,
    },
    /// A file was written.
    Written {
        /// The path, normalized.
        path: String,
        /// The first 16 bytes of the SHA-256 of the content written, hex,
        /// when the request carried it whole.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hash: Option<String>,
        /// What analyzing that content as code said, when it was analyzed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<ContentVerdict>,
    },
    /// A destructive action (a deletion, a rule's `ask`) may have run.
    Destructive {
        /// What it was, for the reason.
        what: String,
    },
    /// An action was answered `ask`.
    Asked {
        /// Its approval code.
        code: String,
        /// Its action key ([`key::ActionKey`], hex).
        key: String,
        /// False when nobody was asked (a hook that settled the `ask` as a
        /// block or a pass-through): the call running afterwards then says
        /// nothing about a person's approval; only `approve` can give one.
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        prompted: bool,
    },
    /// An `ask` was approved.
    Approved {
        /// Its approval code.
        code: String,
        /// Its action key, hex.
        key: String,
        /// Approved until (Unix seconds).
        until: u64,
        /// Used up by the first decision it applies to.
        once: bool,
    },
}

/// What analyzing a written file's content as code said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentVerdict {
    /// The language it was analyzed as (`shell`, `python`).
    pub language: String,
    /// The effect a decision on running it got.
    pub effect: Effect,
    /// The deciding rule, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Why.
    pub reason: String,
}

/// Why a session's state could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// Not a session's JSON.
    #[error("the session state is not valid: {0}")]
    Invalid(String),
    /// Written by a newer version of Portcullis.
    #[error("the session state is version {0}; this build reads version {STATE_VERSION}")]
    Version(u64),
}

impl Session {
    /// A new, empty session. An id longer than [`MAX_ID_BYTES`] is kept as
    /// its hash.
    pub fn new(id: impl Into<String>) -> Session {
        Session {
            version: STATE_VERSION,
            id: bounded_id(id.into()),
            step: 0,
            last: 0,
            dropped: 0,
            dropped_at: 0,
            unreadable: None,
            facts: VecDeque::new(),
        }
    }

    /// A session whose earlier state could not be read: it is tainted, and
    /// every decision it makes stricter says why. Never a silent reset.
    pub fn unreadable(id: impl Into<String>, why: impl Into<String>) -> Session {
        let mut session = Session::new(id);
        session.unreadable = Some(why.into());
        session
    }

    /// Reads a session's state (as [`Session::to_json`] wrote it).
    pub fn from_json(text: &str) -> Result<Session, SessionError> {
        /// The version alone (everything else skipped unread), so a newer
        /// format is told apart from a broken one.
        #[derive(Deserialize)]
        struct Version {
            version: Option<u64>,
        }
        let invalid = |e: serde_json::Error| SessionError::Invalid(e.to_string());
        // What `to_json` writes starts so; anything else is read for its
        // version first.
        let version = if text.starts_with(&format!("{{\"version\":{STATE_VERSION},")) {
            Some(u64::from(STATE_VERSION))
        } else {
            serde_json::from_str::<Version>(text)
                .map_err(invalid)?
                .version
        };
        match version {
            Some(v) if v == u64::from(STATE_VERSION) => {}
            Some(v) if v > u64::from(STATE_VERSION) => return Err(SessionError::Version(v)),
            _ => return Err(SessionError::Invalid("no known `version`".into())),
        }
        let session: Session = serde_json::from_str(text).map_err(invalid)?;
        if session.id.len() > MAX_ID_BYTES {
            return Err(SessionError::Invalid("the session id is too long".into()));
        }
        Ok(session)
    }

    /// The session's state as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The session's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Decisions made in it so far.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// When it last decided or recorded anything (Unix seconds).
    pub fn last_active(&self) -> u64 {
        self.last
    }

    /// Facts dropped at the bound.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Why its earlier state could not be read, if it could not.
    pub fn unreadable_reason(&self) -> Option<&str> {
        self.unreadable.as_deref()
    }

    /// Its facts, oldest first.
    pub fn facts(&self) -> impl Iterator<Item = &Fact> {
        self.facts.iter()
    }

    /// Starts the next step at `now`; after `expire_after` seconds of
    /// inactivity the session starts afresh (facts, dropped count and an
    /// unreadable earlier state forgotten: the policy's expiry, not a
    /// reset). A clock that went backwards expires nothing.
    /// A state holding more than `max` facts (read from a file written
    /// under a larger bound) drops its oldest, which taints it.
    pub(crate) fn begin(&mut self, now: u64, expire_after: u64, max: usize) -> u64 {
        if self.step > 0 && now > self.last.saturating_add(expire_after) {
            self.facts.clear();
            self.dropped = 0;
            self.dropped_at = 0;
            self.unreadable = None;
        }
        self.trim(max);
        self.step = self.step.saturating_add(1);
        self.touch(now);
        self.step
    }

    /// Marks activity at `now` (never moving the clock backwards).
    pub(crate) fn touch(&mut self, now: u64) {
        self.last = self.last.max(now);
    }

    /// Why the session is tainted, when it is: the first sensitive read or
    /// secret, facts dropped, or an unreadable earlier state.
    pub fn taint(&self) -> Option<String> {
        if let Some(why) = &self.unreadable {
            return Some(format!(
                "this session's earlier state could not be read ({why}), so it is treated as tainted"
            ));
        }
        let first = self.facts.iter().find(|f| {
            matches!(
                f.kind,
                FactKind::SensitiveRead { .. } | FactKind::Secret { .. }
            )
        });
        if let Some(fact) = first {
            return Some(fact.describe());
        }
        (self.dropped > 0).then(|| {
            format!(
                "{} older facts of this session were dropped at its bound, so it is treated as tainted",
                self.dropped
            )
        })
    }

    /// The first fact of untrusted content, described; or, when facts
    /// were dropped or the earlier state could not be read, why one may
    /// have been forgotten.
    pub fn untrusted(&self) -> Option<String> {
        self.facts
            .iter()
            .find(|f| matches!(f.kind, FactKind::Untrusted { .. }))
            .map(Fact::describe)
            .or_else(|| self.forgot())
    }

    /// Why this session may have forgotten a fact: facts dropped at the
    /// bound, or an earlier state that could not be read. Every reaction
    /// that looks for a fact treats that as the fact (stricter, never
    /// looser).
    pub fn forgot(&self) -> Option<String> {
        if let Some(why) = &self.unreadable {
            return Some(format!(
                "this session's earlier state could not be read ({why})"
            ));
        }
        (self.dropped > 0).then(|| {
            format!(
                "{} older facts of this session were dropped at its bound",
                self.dropped
            )
        })
    }

    /// The latest write of `path` in the session: the same normalized path,
    /// or, when either is relative, one ending in the other's segments
    /// (the working directory of a hook is not always known: matching more
    /// is the stricter side).
    pub fn written(&self, path: &str) -> Option<&Fact> {
        self.facts.iter().rev().find(|f| match &f.kind {
            FactKind::Written { path: written, .. } => same_file(written, path),
            _ => false,
        })
    }

    /// Whether a secret with this hash was seen.
    pub fn saw_secret(&self, hash: &str) -> Option<&Fact> {
        self.facts
            .iter()
            .find(|f| matches!(&f.kind, FactKind::Secret { hash: h, .. } if h == hash))
    }

    /// Destructive actions recorded within `window` seconds before `now`
    /// (a fact stamped later than `now` — the clock went backwards — counts).
    pub fn destructive_within(&self, now: u64, window: u64) -> usize {
        // Forgotten facts could each have been one: count them in, those
        // dropped only while the newest of them is within the window.
        let forgotten = if self.unreadable.is_some() {
            usize::MAX / 2
        } else if self.dropped > 0 && self.dropped_at.saturating_add(window) >= now {
            usize::try_from(self.dropped).unwrap_or(usize::MAX / 2)
        } else {
            0
        };
        forgotten.saturating_add(self.destructive_recorded(now, window))
    }

    fn destructive_recorded(&self, now: u64, window: u64) -> usize {
        self.facts
            .iter()
            .filter(|f| {
                matches!(f.kind, FactKind::Destructive { .. }) && f.at.saturating_add(window) >= now
            })
            .count()
    }

    /// The approval of the action keyed `key` valid at `now`: given no
    /// later than `now` (an approval from the future — the clock went
    /// backwards — is not honoured) and not expired.
    pub fn approval(&self, key: &str, now: u64) -> Option<&Fact> {
        self.facts.iter().rev().find(|f| match &f.kind {
            FactKind::Approved { key: k, until, .. } => k == key && f.at <= now && now < *until,
            _ => false,
        })
    }

    /// Uses up a once-only approval of `key`.
    pub(crate) fn consume(&mut self, key: &str) {
        self.facts.retain(
            |f| !matches!(&f.kind, FactKind::Approved { key: k, once: true, .. } if k == key),
        );
    }

    /// The `ask` that carried approval code `code` (the latest).
    pub fn asked(&self, code: &str) -> Option<&Fact> {
        self.facts.iter().rev().find(|f| match &f.kind {
            FactKind::Asked { code: c, .. } => c.eq_ignore_ascii_case(code),
            _ => false,
        })
    }

    /// Marks the `ask` with approval code `code` as one nobody was asked
    /// (the hook settled it as a block or a pass-through).
    pub fn not_prompted(&mut self, code: &str) {
        for f in &mut self.facts {
            if let FactKind::Asked {
                code: c, prompted, ..
            } = &mut f.kind
            {
                if c == code {
                    *prompted = false;
                }
            }
        }
    }

    /// The `ask` of the action keyed `key`, if one is pending.
    pub fn asked_key(&self, key: &str) -> Option<&Fact> {
        self.facts.iter().rev().find(|f| match &f.kind {
            FactKind::Asked { key: k, .. } => k == key,
            _ => false,
        })
    }

    /// Records `kind` at the current step and `now`, keeping at most `max`
    /// facts. A fact about a path, source or secret already recorded is
    /// kept once (a write replaces the earlier write of the same path: its
    /// content is the latest).
    pub(crate) fn record(&mut self, kind: FactKind, now: u64, max: usize) {
        let duplicate = |f: &Fact| match (&f.kind, &kind) {
            (FactKind::SensitiveRead { path: a }, FactKind::SensitiveRead { path: b }) => a == b,
            (FactKind::Secret { hash: a, .. }, FactKind::Secret { hash: b, .. }) => a == b,
            (FactKind::Untrusted { source: a }, FactKind::Untrusted { source: b }) => a == b,
            _ => false,
        };
        if self.facts.iter().any(duplicate) {
            return;
        }
        match &kind {
            FactKind::Written { path, .. } => {
                // A later write replaces an earlier one only when it is at
                // least as strict to run: whether a write ran is not known
                // (`false && echo ok > x.sh`, a refused `ask`), so a clean
                // rewrite must not vouch for a download that did run.
                let earlier = self.facts.iter().position(
                    |f| matches!(&f.kind, FactKind::Written { path: p, .. } if p == path),
                );
                if let Some(at) = earlier {
                    let kept = self.facts.get(at).map(|f| run_rank(&f.kind));
                    if kept.is_some_and(|k| k > run_rank(&kind)) {
                        return;
                    }
                    self.facts.remove(at);
                }
            }
            FactKind::Asked { key, .. } | FactKind::Approved { key, .. } => {
                let key = key.clone();
                let approved = matches!(kind, FactKind::Approved { .. });
                self.facts.retain(|f| match &f.kind {
                    FactKind::Asked { key: k, .. } => *k != key,
                    FactKind::Approved { key: k, .. } => !(approved && *k == key),
                    _ => true,
                });
            }
            _ => {}
        }
        self.facts.push_back(Fact {
            step: self.step,
            at: now,
            kind,
        });
        self.touch(now);
        self.trim(max);
    }

    /// Drops the oldest facts beyond `max`, counting them.
    fn trim(&mut self, max: usize) {
        while self.facts.len() > max.max(1) {
            if let Some(f) = self.facts.pop_front() {
                self.dropped_at = self.dropped_at.max(f.at);
            }
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    /// Removes the fact at `index` (for property tests: forgetting a fact
    /// must never make a decision stricter). Not a stable API.
    #[cfg(feature = "internals")]
    #[doc(hidden)]
    pub fn forget(&mut self, index: usize) {
        self.facts.remove(index);
    }

    /// Adds a fact as if recorded at `step` and `at`. Not a stable API
    /// (tests build sessions with it).
    #[cfg(feature = "internals")]
    #[doc(hidden)]
    pub fn push_fact(&mut self, fact: Fact) {
        self.facts.push_back(fact);
    }
}

impl Fact {
    /// The fact as a reason names it: "`.env` was read at step 4 of this
    /// session".
    pub fn describe(&self) -> String {
        let step = self.step;
        match &self.kind {
            FactKind::SensitiveRead { path } => {
                format!("`{path}` was read at step {step} of this session")
            }
            FactKind::Secret { kind, .. } if step == 0 => {
                format!("a secret ({kind}) was seen before this session's first decision")
            }
            FactKind::Secret { kind, .. } => {
                format!("a secret ({kind}) was seen at step {step} of this session")
            }
            FactKind::Untrusted { source } => format!(
                "untrusted content was fetched from `{source}` at step {step} of this session"
            ),
            FactKind::Written { path, .. } => {
                format!("`{path}` was written at step {step} of this session")
            }
            FactKind::Destructive { what } => format!("{what} at step {step}"),
            FactKind::Asked { code, .. } => format!("asked at step {step} (code {code})"),
            FactKind::Approved { code, .. } => {
                format!("approved at step {step} of this session (code {code})")
            }
        }
    }
}

/// How strictly running a written file is decided: clean content 0, content
/// a rule asks about 1, content not seen 2, content a rule denies 3.
fn run_rank(kind: &FactKind) -> u8 {
    match kind {
        FactKind::Written {
            content: Some(v), ..
        } => match v.effect {
            Effect::Allow => 0,
            Effect::Ask => 1,
            Effect::Deny => 3,
        },
        _ => 2,
    }
}

/// Whether two normalized paths name the same file: equal, or the relative
/// one is a trailing run of the other's segments.
pub(crate) fn same_file(a: &str, b: &str) -> bool {
    let a = a.strip_prefix("./").unwrap_or(a);
    let b = b.strip_prefix("./").unwrap_or(b);
    if a == b {
        return true;
    }
    let absolute = |p: &str| p.starts_with('/') || p.starts_with('~');
    let ends = |long: &str, short: &str| {
        long.strip_suffix(short)
            .is_some_and(|rest| rest.ends_with('/'))
    };
    match (absolute(a), absolute(b)) {
        (true, true) => false,
        _ => ends(a, b) || ends(b, a),
    }
}

fn bounded_id(id: String) -> String {
    if id.len() <= MAX_ID_BYTES {
        return id;
    }
    format!("sha256:{}", key::hex(&key::sha256(id.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str) -> FactKind {
        FactKind::SensitiveRead { path: path.into() }
    }

    #[test]
    fn facts_are_bounded_and_dropping_them_taints() {
        let mut s = Session::new("s");
        s.begin(100, 1000, 10);
        for i in 0..5 {
            s.record(
                FactKind::Written {
                    path: format!("f{i}"),
                    hash: None,
                    content: None,
                },
                100,
                3,
            );
        }
        assert_eq!(s.facts().count(), 3);
        assert_eq!(s.dropped(), 2);
        assert!(s.taint().unwrap().contains("dropped"));
    }

    #[test]
    fn repeated_facts_are_kept_once_and_a_rewrite_replaces_the_write() {
        let mut s = Session::new("s");
        s.begin(1, 1000, 10);
        s.record(read(".env"), 1, 10);
        s.begin(2, 1000, 10);
        s.record(read(".env"), 2, 10);
        assert_eq!(s.facts().count(), 1);
        assert_eq!(
            s.taint().unwrap(),
            "`.env` was read at step 1 of this session"
        );
        let w = |h: &str| FactKind::Written {
            path: "x.py".into(),
            hash: Some(h.into()),
            content: None,
        };
        s.record(w("a"), 2, 10);
        s.record(w("b"), 2, 10);
        assert_eq!(s.facts().count(), 2);
        assert!(
            matches!(&s.written("/w/x.py").unwrap().kind, FactKind::Written { hash: Some(h), .. } if h == "b")
        );
    }

    #[test]
    fn expiry_forgets_but_a_clock_going_backwards_does_not_expire() {
        let mut s = Session::new("s");
        s.begin(1000, 100, 10);
        s.record(read(".env"), 1000, 10);
        s.begin(900, 100, 10);
        assert!(s.taint().is_some(), "backwards: nothing expires");
        s.begin(1201, 100, 10);
        assert!(s.taint().is_none(), "expired after inactivity");
        assert_eq!(s.step(), 3);
    }

    #[test]
    fn approvals_from_the_future_or_expired_are_not_honoured() {
        let mut s = Session::new("s");
        s.begin(1000, 10_000, 10);
        let approved = FactKind::Approved {
            code: "c".into(),
            key: "k".into(),
            until: 2000,
            once: false,
        };
        s.record(approved, 1000, 10);
        assert!(s.approval("k", 1500).is_some());
        assert!(s.approval("k", 999).is_none(), "clock went backwards");
        assert!(s.approval("k", 2000).is_none(), "expired");
        assert!(s.approval("other", 1500).is_none());
    }

    #[test]
    fn state_round_trips_and_refuses_future_or_garbage() {
        let mut s = Session::new("abc");
        s.begin(5, 100, 10);
        s.record(read("~/.ssh/id_rsa"), 5, 10);
        let back = Session::from_json(&s.to_json()).unwrap();
        assert_eq!(back, s);
        let future = s.to_json().replace("\"version\":1", "\"version\":99");
        assert_eq!(Session::from_json(&future), Err(SessionError::Version(99)));
        assert!(Session::from_json("{\"version\":1").is_err());
        assert!(Session::from_json("[]").is_err());
        let unknown = s.to_json().replace("\"facts\"", "\"extra\":1,\"facts\"");
        assert!(Session::from_json(&unknown).is_err());
    }

    #[test]
    fn same_file_matches_relative_suffixes_only_at_segments() {
        assert!(same_file("/p/diag.py", "diag.py"));
        assert!(same_file("./diag.py", "diag.py"));
        assert!(same_file("src/x.sh", "/p/src/x.sh"));
        assert!(!same_file("/p/xdiag.py", "diag.py"));
        assert!(!same_file("/a/diag.py", "/b/diag.py"));
    }
}
