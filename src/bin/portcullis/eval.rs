//! `portcullis eval`: JSON lines in, one decision per line out, in order, streaming.
//!
//! Each input line is decided as soon as it is read and its decision written
//! before the next line is awaited (stdout is flushed whenever no more input
//! is buffered), so `eval` works as a co-process. Lines are bounded at
//! [`MAX_REQUEST_BYTES`]: a longer line is skipped without being held in
//! memory. A line that is not a valid request gets
//! `{"line": N, "effect": "deny", "error": "…"}` and processing goes on.
//! With `--audit FILE`, every decision is also recorded in the audit trail
//! at FILE (the trail is flushed and closed at end of input).

use std::io::{self, BufRead, BufReader, Write};

use portcullis::audit::AuditLog;
use portcullis::{Engine, Request, MAX_REQUEST_BYTES};

/// Runs the loop until end of input.
pub fn run(engine: &Engine, audit: Option<AuditLog>) -> Result<u8, String> {
    let served = serve(engine, audit.as_ref());
    if let Some(log) = audit {
        log.close().map_err(|e| format!("eval: {e}"))?;
    }
    match served {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(format!("eval: {e}")),
    }
}

fn serve(engine: &Engine, audit: Option<&AuditLog>) -> io::Result<()> {
    let mut input = BufReader::with_capacity(64 << 10, io::stdin().lock());
    let mut output = io::stdout().lock();
    let mut line = Vec::new();
    let mut number: u64 = 0;
    loop {
        line.clear();
        let Some(overflow) = read_line(&mut input, &mut line, MAX_REQUEST_BYTES)? else {
            break;
        };
        number += 1;
        let answer = if overflow {
            error_line(number, &format!("line exceeds {MAX_REQUEST_BYTES} bytes"))
        } else {
            decide_line(engine, audit, number, &line)
        };
        output.write_all(answer.as_bytes())?;
        output.write_all(b"\n")?;
        if input.buffer().is_empty() {
            output.flush()?;
        }
    }
    output.flush()
}

fn decide_line(engine: &Engine, audit: Option<&AuditLog>, number: u64, line: &[u8]) -> String {
    let text = match std::str::from_utf8(line) {
        Ok(text) => text.trim_end_matches('\r'),
        Err(e) => return error_line(number, &format!("line is not UTF-8: {e}")),
    };
    if text.trim().is_empty() {
        return error_line(number, "empty line");
    }
    match Request::from_json(text) {
        Ok(request) => match audit {
            Some(log) => engine.decide_audited(&request, log).to_json(),
            None => engine.decide(&request).to_json(),
        },
        Err(e) => error_line(number, &e.to_string()),
    }
}

fn error_line(number: u64, error: &str) -> String {
    // Written by hand to keep the documented key order: line, effect, error.
    let error = serde_json::Value::from(error);
    format!(r#"{{"line":{number},"effect":"deny","error":{error}}}"#)
}

/// Reads one line (without its `\n`) into `line`, keeping at most `limit`
/// bytes. `None` at end of input; `Some(true)` when the line was longer than
/// `limit` (the rest of it is consumed and dropped).
fn read_line(
    input: &mut impl BufRead,
    line: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Option<bool>> {
    let mut read_any = false;
    let mut overflow = false;
    loop {
        let available = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(read_any.then_some(overflow));
        }
        read_any = true;
        let (chunk, used, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (available.get(..i).unwrap_or_default(), i + 1, true),
            None => (available, available.len(), false),
        };
        if !overflow {
            if line.len() + chunk.len() > limit {
                overflow = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        input.consume(used);
        if done {
            return Ok(Some(overflow));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &str, limit: usize) -> Vec<(String, bool)> {
        let mut reader = BufReader::with_capacity(4, input.as_bytes());
        let mut out = Vec::new();
        let mut line = Vec::new();
        while let Some(overflow) = read_line(&mut reader, &mut line, limit).unwrap() {
            out.push((String::from_utf8(line.clone()).unwrap(), overflow));
            line.clear();
        }
        out
    }

    #[test]
    fn lines_are_split_and_bounded() {
        assert_eq!(
            lines("ab\n\ncdefgh\nij", 5),
            vec![
                ("ab".into(), false),
                ("".into(), false),
                ("".into(), true),
                ("ij".into(), false)
            ]
        );
    }
}
