//! Refuses to build with a stale default-policy snapshot.
//!
//! `src/defaults/snapshot.bin` holds the composed default policy, its
//! tables and prebuilt automata (`src/data/snapshot.rs`), made from the
//! inputs listed in `src/data/snapshot_inputs.rs`: the default policy's
//! parts, the tables, and the code that reads them into the model. It
//! records the SHA-256 of those inputs. This script hashes them again:
//!
//! - equal: the snapshot is embedded (`--cfg portcullis_snapshot`);
//! - different, or no snapshot: the build FAILS, naming the inputs' hash
//!   and the command that remakes the snapshot (`make snapshot`), so a
//!   binary never embeds a snapshot that is not what its sources say;
//! - different, with `PORTCULLIS_SNAPSHOT_REGENERATE=1` in the environment
//!   (what `make snapshot` sets, to build the generator itself): the crate
//!   is built without the snapshot (every start reads the JSON parts:
//!   slower, the same decisions) and a warning says so.
//!
//! Cost: hashing well under a megabyte, when an input changed.

use std::path::Path;

#[path = "src/data/snapshot_inputs.rs"]
#[allow(dead_code)]
mod snapshot_inputs;

const REGENERATE_ENV: &str = "PORTCULLIS_SNAPSHOT_REGENERATE";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(portcullis_snapshot)");
    println!("cargo:rerun-if-env-changed={REGENERATE_ENV}");
    println!("cargo:rerun-if-changed=build.rs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in snapshot_inputs::INPUT_DIRS {
        println!("cargo:rerun-if-changed={dir}");
    }
    for file in snapshot_inputs::INPUT_FILES {
        println!("cargo:rerun-if-changed={file}");
    }
    for (_, file) in snapshot_inputs::TABLES {
        println!("cargo:rerun-if-changed={file}");
    }
    println!("cargo:rerun-if-changed={}", snapshot_inputs::SNAPSHOT);

    let expected = match snapshot_inputs::inputs_hash(root) {
        Ok(hash) => hash,
        Err(e) => fail(&format!("cannot read the snapshot's inputs: {e}")),
    };
    let recorded = std::fs::read(root.join(snapshot_inputs::SNAPSHOT))
        .ok()
        .and_then(|bytes| recorded_hash(&bytes));
    if recorded == Some(expected) {
        println!("cargo:rustc-cfg=portcullis_snapshot");
        return;
    }
    let what = match recorded {
        None => format!("{} is missing or unreadable", snapshot_inputs::SNAPSHOT),
        Some(old) => format!(
            "{} is stale: it was made from inputs hashing to {}, the sources hash to {}",
            snapshot_inputs::SNAPSHOT,
            snapshot_inputs::hex(&old),
            snapshot_inputs::hex(&expected)
        ),
    };
    if std::env::var_os(REGENERATE_ENV).is_some_and(|v| v == "1") {
        println!("cargo:warning={what}; building without it ({REGENERATE_ENV}=1)");
        return;
    }
    fail(&format!(
        "{what}.\n\
         The default policy, its tables or the code that reads them changed since the \
         snapshot was made. Run `{}` and commit {}.",
        snapshot_inputs::REGENERATE,
        snapshot_inputs::SNAPSHOT
    ));
}

/// The inputs hash a snapshot file records (magic `PCLSNAP1`, format 1,
/// then the hash at bytes 16..48; `src/data/snapshot.rs`).
fn recorded_hash(bytes: &[u8]) -> Option<[u8; 32]> {
    if bytes.get(..8)? != b"PCLSNAP1" || bytes.get(8..12)? != 1u32.to_le_bytes() {
        return None;
    }
    bytes.get(16..48)?.try_into().ok()
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    for line in message.lines() {
        println!("cargo:warning={line}");
    }
    std::process::exit(1);
}
