//! The audit trail: every decision recorded, tamper-evident, before it is
//! answered.
//!
//! After an incident the trail is what says what an agent did and what
//! protection was in force. [`AuditLog`] turns each decision into one JSON
//! line ([`record`]: redacted request, decision, policy hash, engine
//! version) sealed into a SHA-256 or keyed HMAC chain ([`chain`], [`key`])
//! and hands it to a [`Sink`] (a rotated file, or the embedder's callback)
//! at the durability the policy asks ([`durability`]: written to the
//! operating system, synced to disk, or queued). A trail reopened after a
//! crash has its torn line and its unclosed writer sealed off by a
//! recovery record ([`recover`]). [`verify_files`] checks a trail and names
//! the first broken line; [`otlp`] (feature `otlp`) exports records to
//! OpenTelemetry logs. The engine joins decisions to a log in
//! [`Engine::decide_audited`](crate::Engine::decide_audited); a process
//! that makes one decision (a hook) writes its record with [`append()`],
//! without the writer thread. It knows nothing of policies beyond the name
//! and hash it records.

pub mod append;
pub mod chain;
pub mod durability;
pub mod key;
pub mod log;
#[cfg(feature = "otlp")]
pub mod otlp;
#[cfg(feature = "otlp")]
mod otlp_http;
pub mod record;
pub mod recover;
pub mod sink;

pub use append::append;
pub use chain::{verify_files, Broken, BrokenAt, Head, Verified, VerifyError};
pub use durability::Durability;
pub use key::{Key, KeyError};
pub use log::{AnchorFn, AuditError, AuditLog, Options, RecordFn, Stats};
pub use record::Entry;
pub use sink::{trail_files, CallbackSink, FileOptions, FileSink, Sink, DEFAULT_MAX_BYTES};
