//! The audit trail: every decision recorded, tamper-evident.
//!
//! After an incident the trail is what says what an agent did and what
//! protection was in force. [`AuditLog`] queues each decision's
//! [`Entry`] and a writer thread turns it into one JSON line ([`record`]:
//! redacted request, decision, policy hash, engine version) sealed into a
//! SHA-256 chain ([`chain`]) and handed to a [`Sink`] (a rotated file, or
//! the embedder's callback). [`verify_files`] checks a trail and names the
//! first broken line. The engine joins decisions to a log in
//! [`Engine::decide_audited`](crate::Engine::decide_audited); a process
//! that makes one decision (a hook) writes its record with [`append()`],
//! without the writer thread. It knows
//! nothing of policies beyond the name and hash it records.

pub mod append;
pub mod chain;
pub mod log;
pub mod record;
pub mod sink;

pub use append::append;
pub use chain::{verify_files, Broken, BrokenAt, Head, Verified, VerifyError};
pub use log::{AuditError, AuditLog, Options};
pub use record::Entry;
pub use sink::{trail_files, CallbackSink, FileSink, Sink, DEFAULT_MAX_BYTES};
