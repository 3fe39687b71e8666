//! Writes the default-policy snapshot, `src/defaults/snapshot.bin`.
//!
//! The snapshot (see `src/data/snapshot.rs`) holds what a process would
//! otherwise compute at start from the embedded default policy: the
//! composed model, the tables as JSON, the literal gates of the regex sets.
//! `build.rs` refuses to build with a snapshot whose recorded input hash is
//! not that of the sources, so after any change to `src/defaults/`, to the
//! embedded tables or to the policy reader, run
//!
//! ```text
//! make snapshot
//! ```
//!
//! which runs this example with `PORTCULLIS_SNAPSHOT_REGENERATE=1` (so the
//! crate itself builds without the stale snapshot) and writes the file;
//! commit it with the change. Cost: a few seconds (the default policy is
//! compiled eagerly, every example checked).

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("src/defaults/snapshot.bin");
    match portcullis::Engine::make_snapshot(root) {
        Ok(bytes) => match std::fs::write(&out, &bytes) {
            Ok(()) => {
                println!("wrote {} ({} bytes)", out.display(), bytes.len());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {}: {e}", out.display());
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
