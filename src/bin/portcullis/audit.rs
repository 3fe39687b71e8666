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

/// Prints the records of `files`, one line each (`seq ts effect rule:
/// reason`); with `session`, only that session's, ordered by step, each
/// followed by the session facts it consulted. A line that is not a record
/// is reported with its place and skipped (`verify` says whether the
/// trail is intact).
pub fn show(files: &[PathBuf], session: Option<&str>) -> Result<u8, String> {
    let mut rows: Vec<(u64, serde_json::Value)> = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
                eprintln!("{}:{}: not a record", file.display(), n + 1);
                continue;
            };
            let of_session = record
                .pointer("/session/id")
                .and_then(|v| v.as_str())
                .or_else(|| {
                    record
                        .pointer("/request/principal/session")
                        .and_then(|v| v.as_str())
                });
            if session.is_some_and(|id| of_session != Some(id)) {
                continue;
            }
            let step = record
                .pointer("/session/step")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0);
            rows.push((step, record));
        }
    }
    if session.is_some() {
        // A stable sort: records of one step (one tool call's requests) keep their order.
        rows.sort_by_key(|(step, _)| *step);
    }
    for (step, record) in &rows {
        // Reasons quote what agents sent: control characters are shown
        // escaped, never sent to the terminal.
        let text = |p: &str| printable(record.pointer(p).and_then(|v| v.as_str()).unwrap_or(""));
        let rule = match text("/rule") {
            r if r.is_empty() => "(default)".to_owned(),
            r => r,
        };
        let hook = match text("/hook") {
            h if h.is_empty() => String::new(),
            h => format!(" [hook: {h}]"),
        };
        let at = if session.is_some() {
            format!("step {step}")
        } else {
            format!(
                "#{}",
                record
                    .pointer("/seq")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0)
            )
        };
        println!(
            "{at}  {}  {}{hook}  {rule}: {}",
            text("/ts"),
            text("/effect"),
            text("/reason")
        );
        let facts = record.pointer("/session/facts").and_then(|v| v.as_array());
        for fact in facts.into_iter().flatten() {
            println!("    because {}", printable(fact.as_str().unwrap_or("")));
        }
    }
    if session.is_some_and(|_| rows.is_empty()) {
        return Err(format!(
            "no record of session {} in the trail",
            session.unwrap_or_default()
        ));
    }
    Ok(0)
}

/// `text` with control characters escaped (`\u{1b}`).
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}
