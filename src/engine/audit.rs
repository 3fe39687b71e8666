//! Audited decisions: the engine's decision, then its record in an
//! [`AuditLog`] at the policy's `audit_durability`, with the policy's
//! `audit_overflow` deciding what a full queue does at the `buffered` level.
//!
//! Recording never changes a decision, with two fail-closed exceptions the
//! policy makes explicit: with `audit_overflow: "deny"`, a buffered decision
//! that cannot be queued at once becomes a denial (`rule:
//! "audit-overflow"`, counted into the trail); and once the log has failed
//! (its sink could not be written or synced), every decision becomes a
//! denial (`rule: "audit-failed"`), since it could no longer be accounted
//! for. Cost: at `written` and `synced`, the record built, sealed and
//! written on this thread (no clone); at `buffered`, a clone of the request
//! and the decision and one channel send.

use std::sync::Arc;
use std::time::SystemTime;

use super::Engine;
use crate::audit::{record, AuditError, AuditLog, Durability, Entry};
use crate::decision::Decision;
use crate::effect::Effect;
use crate::policy::AuditOverflow;
use crate::request::Request;

/// Rule id of a denial because the audit queue was full.
pub const AUDIT_OVERFLOW_RULE: &str = "audit-overflow";
/// Rule id of a denial because the audit log failed.
pub const AUDIT_FAILED_RULE: &str = "audit-failed";

impl Engine {
    /// Decides `request` and records the decision in `log`; the decision is
    /// returned once its record is as durable as the policy's
    /// `audit_durability` asks (see the module doc for when recording
    /// turns a decision into a denial).
    pub fn decide_audited(&self, request: &Request, log: &AuditLog) -> Decision {
        let decision = self.decide(request);
        let recorded = match self.audit_durability() {
            Durability::Buffered => {
                let entry = Entry {
                    at: SystemTime::now(),
                    engine: self.clone(),
                    request: request.clone(),
                    decision: decision.clone(),
                };
                match self.audit_overflow() {
                    AuditOverflow::Block => log.record(entry, Durability::Buffered),
                    AuditOverflow::Deny => log.try_record(entry),
                }
            }
            level => log.write_body(
                record::body_of(SystemTime::now(), self, request, &decision),
                level,
            ),
        };
        match recorded {
            Ok(()) => decision,
            Err(AuditError::Full) => {
                log.count_unrecorded();
                denied(
                    decision,
                    AUDIT_OVERFLOW_RULE,
                    "the audit queue is full and the policy's audit_overflow is `deny`",
                )
            }
            Err(e) => denied(
                decision,
                AUDIT_FAILED_RULE,
                &format!("the decision could not be recorded: {e}"),
            ),
        }
    }
}

fn denied(mut decision: Decision, rule: &str, reason: &str) -> Decision {
    decision.effect = Effect::Deny;
    decision.rule = Some(Arc::from(rule));
    decision.source = None;
    decision.reason = Arc::from(reason);
    decision
}
