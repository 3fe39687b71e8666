//! `portcullis audit verify` and the `--audit FILE` option of `eval` and `hook`.
//!
//! `verify` reads a trail (rotated files first) and prints either
//! `ok: N records; head <hash>` or the first broken line as
//! `FILE:LINE: what is wrong`; exit status 0 intact, 2 broken, 1 when a file
//! cannot be read.

use std::path::{Path, PathBuf};

use portcullis::audit::{self, AuditLog, VerifyError};

/// Exit status of a broken trail.
const EXIT_BROKEN: u8 = 2;

/// Opens the trail at `path` for appending (rotated at the default size).
pub fn open(path: &Path) -> Result<AuditLog, String> {
    AuditLog::to_file(path, Some(audit::DEFAULT_MAX_BYTES))
        .map_err(|e| format!("audit trail {}: {e}", path.display()))
}

/// Verifies `files` (with `rotated`, the rotated siblings of the one file first).
pub fn verify(files: &[PathBuf], rotated: bool, continued: bool) -> Result<u8, String> {
    let files = match (rotated, files) {
        (true, [one]) => audit::trail_files(one).map_err(|e| format!("{}: {e}", one.display()))?,
        (true, _) => return Err("--rotated takes exactly one FILE".into()),
        (false, _) => files.to_vec(),
    };
    let anchor = match files.last() {
        Some(live) => audit::chain::read_anchor(live).map_err(|e| e.to_string())?,
        None => None,
    };
    match audit::verify_files(&files, anchor, continued) {
        Ok(v) => {
            let head = v.head.map_or_else(|| "(none)".into(), |h| h.hash_hex());
            let zeros = "0".repeat(64);
            let from = match v.continues_from {
                Some(prev) if prev != zeros => format!("; continues a chain from {prev}"),
                _ => String::new(),
            };
            let anchored = if anchor.is_some() {
                "; anchor matches"
            } else {
                ""
            };
            println!("ok: {} records; head {head}{from}{anchored}", v.records);
            Ok(0)
        }
        Err(VerifyError::Broken(at)) => {
            println!("broken: {at}");
            Ok(EXIT_BROKEN)
        }
        Err(e @ VerifyError::Io(..)) => Err(e.to_string()),
    }
}
