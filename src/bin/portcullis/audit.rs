//! `portcullis audit verify` and the `--audit FILE` options of `eval` and `hook`.
//!
//! `verify` reads a trail (rotated files first) and prints either
//! `ok: N records; head <hash>` (with what it checked: the anchor, a copy
//! of it, the key, torn lines sealed off, recoveries) or the first broken
//! line as `FILE:LINE: what is wrong`; exit status 0 intact, 2 broken, 1
//! when a file or the key cannot be read. A key comes from `--audit-key` /
//! `--key FILE` or the file `$PORTCULLIS_AUDIT_KEY_FILE` names, never from
//! the policy.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use portcullis::audit::otlp::OtlpExport;
use portcullis::audit::{self, AuditLog, FileOptions, Key, Options, RecordFn, VerifyError};

/// Exit status of a broken trail.
const EXIT_BROKEN: u8 = 2;

/// The environment variable naming the audit key's file.
const KEY_FILE_VARIABLE: &str = "PORTCULLIS_AUDIT_KEY_FILE";

/// The audit trail options of `eval` and `hook`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TrailArgs {
    /// Also record every decision in this tamper-evident audit trail (JSON lines, appended).
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// Seal the trail with the key in FILE (HMAC-SHA-256; default: the file
    /// $PORTCULLIS_AUDIT_KEY_FILE names).
    #[arg(long, value_name = "FILE", requires = "audit")]
    pub audit_key: Option<PathBuf>,
    /// Also write the trail's anchor to FILE, kept where the trail's writer
    /// cannot rewrite it (`audit verify --anchor FILE`).
    #[arg(long, value_name = "FILE", requires = "audit")]
    pub audit_anchor: Option<PathBuf>,
}

impl TrailArgs {
    /// How the trail is opened: rotated at the default size, keyed and
    /// with a second anchor when asked.
    pub fn file_options(&self) -> Result<FileOptions, String> {
        Ok(FileOptions {
            max_bytes: Some(audit::DEFAULT_MAX_BYTES),
            key: key(self.audit_key.clone())?,
            anchor_copy: self.audit_anchor.clone(),
        })
    }

    /// The audit log, when `--audit` was given, also handing each record
    /// to `export`.
    pub fn open(&self, export: Option<Arc<OtlpExport>>) -> Result<Option<AuditLog>, String> {
        let Some(path) = &self.audit else {
            return Ok(None);
        };
        let options = Options {
            on_record: export.map(|e| Arc::new(move |line: &str| e.export(line)) as RecordFn),
            ..Options::default()
        };
        AuditLog::open(path, self.file_options()?, options)
            .map(Some)
            .map_err(|e| format!("audit trail {}: {e}", path.display()))
    }
}

/// An export of the trail's records to the OTLP/HTTP endpoint `url`.
pub fn export(url: &str) -> Result<Arc<OtlpExport>, String> {
    OtlpExport::new(url, std::time::Duration::from_secs(5)).map(Arc::new)
}

/// The key in `given`, or in the file the environment names; none without either.
fn key(given: Option<PathBuf>) -> Result<Option<Key>, String> {
    let path = given.or_else(|| {
        std::env::var_os(KEY_FILE_VARIABLE)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    path.map(|p| Key::from_file(&p).map_err(|e| e.to_string()))
        .transpose()
}

/// Verifies `files` (with `rotated`, the rotated siblings of the one file
/// first), with `key` when the trail is keyed and against `anchor_copy`
/// besides the trail's own anchor.
pub fn verify(
    files: &[PathBuf],
    rotated: bool,
    continued: bool,
    key_file: Option<PathBuf>,
    anchor_copy: Option<&Path>,
) -> Result<u8, String> {
    let files = match (rotated, files) {
        (true, [one]) => audit::trail_files(one).map_err(|e| format!("{}: {e}", one.display()))?,
        (true, _) => return Err("--rotated takes exactly one FILE".into()),
        (false, _) => files.to_vec(),
    };
    let key = key(key_file)?;
    let anchor = match files.last() {
        Some(live) => audit::chain::read_anchor(live).map_err(|e| e.to_string())?,
        None => None,
    };
    let copy = match anchor_copy {
        Some(path) => Some(
            audit::chain::read_anchor_file(path)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("{}: no such anchor", path.display()))?,
        ),
        None => None,
    };
    let mut verified = None;
    for anchor in [anchor, copy] {
        if anchor.is_none() && verified.is_some() {
            continue;
        }
        match audit::verify_files(&files, anchor, continued, key.as_ref()) {
            Ok(v) => verified = Some(v),
            Err(VerifyError::Broken(at)) => {
                println!("broken: {at}");
                return Ok(EXIT_BROKEN);
            }
            Err(e @ VerifyError::Io(..)) => return Err(e.to_string()),
        }
    }
    let Some(v) = verified else {
        return Err("nothing to verify".into());
    };
    let head = v.head.map_or_else(|| "(none)".into(), |h| h.hash_hex());
    let zeros = "0".repeat(64);
    let mut said = format!("ok: {} records; head {head}", v.records);
    if let Some(prev) = v.continues_from.filter(|p| *p != zeros) {
        said.push_str(&format!("; continues a chain from {prev}"));
    }
    if anchor.is_some() {
        said.push_str("; anchor matches");
    }
    if copy.is_some() {
        said.push_str("; anchor copy matches");
    }
    if let Some(key) = &key {
        said.push_str(&format!("; sealed with key {}", key.id()));
    }
    if v.torn > 0 {
        said.push_str(&format!(
            "; {} torn line(s) sealed off by recovery records",
            v.torn
        ));
    }
    if v.recoveries > 0 {
        said.push_str(&format!(
            "; {} recovery record(s) (`audit show` gives their reasons)",
            v.recoveries
        ));
    }
    println!("{said}");
    Ok(0)
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
