//! How far a record has gone when its decision is handed back, and the
//! group commit that makes `synced` affordable.
//!
//! A decision returned before its record exists anywhere is a decision a
//! crash can erase: the first user who killed an audited `eval` lost 3,390
//! of 30,000 answered decisions from the trail. So the default level,
//! [`Durability::Written`], returns a decision only after its record has
//! been written to the operating system (one `write(2)` per record): it
//! survives the process dying, though not the machine. [`Durability::Synced`]
//! returns only after `fsync`, and survives power loss; concurrent decisions
//! share one sync ([`Commit`]: the first waiter syncs everything written so
//! far while later ones wait for it, so N threads pay about one sync per
//! round instead of N). [`Durability::Buffered`] is the explicit opt-in to
//! the old queue: fastest, and a crash can lose what was queued or buffered.
//! Cost of the levels is measured in `cargo bench --bench audit`.

use std::sync::{Condvar, Mutex};

use serde::{Deserialize, Serialize};

/// When an audited decision is handed back (the policy's `audit_durability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Durability {
    /// After its record is written to the operating system (the default).
    #[default]
    Written,
    /// After its record is synced to the disk (`fsync`), with group commit.
    Synced,
    /// At once: the record is queued and written in batches; a crash can
    /// lose the records queued or buffered (bounded, and reported on reopen).
    Buffered,
}

impl Durability {
    /// The name in the policy format.
    pub fn as_str(self) -> &'static str {
        match self {
            Durability::Written => "written",
            Durability::Synced => "synced",
            Durability::Buffered => "buffered",
        }
    }

    /// The level named `name` in the policy format.
    pub fn parse(name: &str) -> Option<Durability> {
        match name {
            "written" => Some(Durability::Written),
            "synced" => Some(Durability::Synced),
            "buffered" => Some(Durability::Buffered),
            _ => None,
        }
    }
}

/// Group commit: which records are synced, and whether a sync is running.
#[derive(Debug, Default)]
pub(crate) struct Commit {
    state: Mutex<CommitState>,
    done: Condvar,
}

#[derive(Debug, Default)]
struct CommitState {
    /// Every record up to this `seq` is synced.
    synced: u64,
    /// A thread is syncing now.
    running: bool,
    /// Syncs run so far.
    syncs: u64,
}

impl Commit {
    /// Returns once every record up to `seq` is synced. When no sync is
    /// running, this thread runs `sync` (which syncs everything written so
    /// far and returns the last `seq` it covers); otherwise it waits for the
    /// running one and checks again. `sync`'s error is returned to its caller
    /// only; waiters find the log failed on their next check.
    pub(crate) fn sync_to(
        &self,
        seq: u64,
        sync: impl Fn() -> std::io::Result<u64>,
        failed: impl Fn() -> Option<String>,
    ) -> Result<(), String> {
        let mut state = self.state.lock().map_err(|_| poisoned())?;
        loop {
            if state.synced >= seq {
                return Ok(());
            }
            if let Some(why) = failed() {
                return Err(why);
            }
            if state.running {
                state = self.done.wait(state).map_err(|_| poisoned())?;
                continue;
            }
            state.running = true;
            drop(state);
            let result = sync();
            state = self.state.lock().map_err(|_| poisoned())?;
            state.running = false;
            state.syncs += 1;
            self.done.notify_all();
            match result {
                Ok(covered) => state.synced = state.synced.max(covered),
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    /// Syncs run so far.
    pub(crate) fn syncs(&self) -> u64 {
        self.state.lock().map_or(0, |s| s.syncs)
    }
}

fn poisoned() -> String {
    "the audit log's sync state was poisoned by a panic".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn levels_round_trip_through_their_names() {
        for level in [
            Durability::Written,
            Durability::Synced,
            Durability::Buffered,
        ] {
            assert_eq!(Durability::parse(level.as_str()), Some(level));
        }
        assert_eq!(Durability::parse("sync"), None);
        assert_eq!(Durability::default(), Durability::Written);
    }

    #[test]
    fn concurrent_waiters_share_syncs() {
        let commit = Commit::default();
        let written = AtomicU64::new(0);
        let calls = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..200 {
                        let seq = written.fetch_add(1, Ordering::SeqCst) + 1;
                        commit
                            .sync_to(
                                seq,
                                || {
                                    calls.fetch_add(1, Ordering::SeqCst);
                                    let covered = written.load(Ordering::SeqCst);
                                    std::thread::sleep(std::time::Duration::from_micros(200));
                                    Ok(covered)
                                },
                                || None,
                            )
                            .unwrap();
                    }
                });
            }
        });
        let calls = calls.load(Ordering::SeqCst);
        assert_eq!(commit.syncs(), calls);
        assert!(calls < 1600, "every waiter synced alone: {calls} syncs");
    }
}
