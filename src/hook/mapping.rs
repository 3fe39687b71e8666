//! A mapped tool's input as Portcullis requests (`agents.toml`'s `[AGENT.tools]`).
//!
//! An agent's shell tool is a command, its fetch tool a URL argument (decided as every tool-carried fetch is), its
//! patch and file tools path reads and writes, its MCP envelope a tool call
//! — each decided by the analyzer that knows that kind, so a command hidden
//! in a file tool's argument or a URL in a fetch prompt meets the same rules
//! as a typed one. Every field a mapping names must be there with the right
//! type, or the payload is refused: an input the table does not expect is
//! blocked, never waved through. Cost: one pass over the mapped field.

use serde_json::{json, Value};

use super::table::{Mapping, MappingKind};
use super::{shell_quote, HookError};
use crate::request::{Action, Request, ToolCall};

/// The requests `input`, the input of `tool`, makes by mapping `m`.
pub(super) fn requests(m: &Mapping, tool: &str, input: &Value) -> Result<Vec<Request>, HookError> {
    let missing =
        |what: &str| HookError::Missing(format!("{what} at `tool_input{}` for `{tool}`", m.field));
    let at = input.pointer(&m.field).ok_or_else(|| missing("a value"))?;
    let text = || at.as_str().ok_or_else(|| missing("a string"));
    Ok(match m.kind {
        MappingKind::Command => {
            vec![Request::command(command_line(at).ok_or_else(|| {
                missing("a command (a string or an array of strings)")
            })?)]
        }
        MappingKind::Commands => {
            let lines = command_lines(at)
                .ok_or_else(|| missing("commands (a string or an array of strings)"))?;
            if lines.is_empty() {
                return Err(missing("at least one command"));
            }
            lines.into_iter().map(Request::command).collect()
        }
        // An agent's fetch, whatever tool carries it, is decided as a URL
        // in a tool call's arguments: the egress rules, then the default
        // for requests made on the agent's behalf (`command_egress`), as an
        // MCP fetch tool's URL is.
        MappingKind::Http => vec![Request::tool(tool, json!({ "url": text()? }))],
        MappingKind::Urls => {
            let scanned = match at {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let urls: Vec<Request> = urls_in(&scanned)
                .map(|u| Request::tool(tool, json!({ "url": u })))
                .collect();
            if urls.is_empty() {
                // No URL to check: the call itself is what is decided.
                vec![Request::tool(tool, input.clone())]
            } else {
                urls
            }
        }
        MappingKind::Patch => {
            let files = patch_files(text()?);
            if files.is_empty() {
                vec![Request::tool(tool, input.clone())]
            } else {
                files
                    .into_iter()
                    .map(|(verb, path)| {
                        Request::tool(format!("{verb}_file"), json!({ "path": path }))
                    })
                    .collect()
            }
        }
        MappingKind::Path => {
            let access = m
                .access
                .ok_or_else(|| missing("an `access` in agents.toml"))?;
            let paths =
                paths_in(at).ok_or_else(|| missing("a path (a string, or a list of paths)"))?;
            if paths.is_empty() {
                return Err(missing("at least one path"));
            }
            // A write that carries the file's content hands it on: a session
            // analyzes the content of a file it may later run.
            let content = m
                .content
                .as_deref()
                .and_then(|c| input.pointer(c))
                .and_then(Value::as_str)
                .filter(|_| paths.len() == 1);
            paths
                .into_iter()
                .map(|p| match content {
                    Some(text) => {
                        Request::tool(access.tool(), json!({ "path": p, "content": text }))
                    }
                    None => Request::tool(access.tool(), json!({ "path": p })),
                })
                .collect()
        }
        MappingKind::Mcp => {
            let field = |pointer: &Option<String>| {
                pointer
                    .as_deref()
                    .and_then(|p| input.pointer(p))
                    .and_then(Value::as_str)
            };
            let name = field(&m.name).ok_or_else(|| missing("an MCP tool name"))?;
            let arguments = match at {
                Value::String(s) => {
                    serde_json::from_str(s).unwrap_or_else(|_| json!({ "input": s }))
                }
                other => other.clone(),
            };
            let mut call = ToolCall::new(name, arguments);
            if let Some(server) = field(&m.server) {
                call = call.with_server(server);
            }
            vec![Request::from_action(Action::Tool(call))]
        }
    })
}

/// A command as one line: a string as is, an argv array quoted back.
fn command_line(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(words) => {
            let words: Option<Vec<&str>> = words.iter().map(Value::as_str).collect();
            Some(
                words?
                    .iter()
                    .map(|w| shell_quote(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        _ => None,
    }
}

/// Command lines: a string (a JSON array in a string is read as one), or an
/// array of strings, each a whole line.
fn command_lines(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v @ Value::Array(_)) => command_lines(&v),
            _ => Some(vec![s.clone()]),
        },
        Value::Array(lines) => lines
            .iter()
            .map(|l| l.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// Paths: a string, or an array of strings or of objects with `path`
/// (`file_path`, `filePath`); a JSON array in a string is read as one.
fn paths_in(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) if s.trim_start().starts_with('[') => {
            paths_in(&serde_json::from_str::<Value>(s).ok()?)
        }
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => ["path", "file_path", "filePath"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str))
                    .map(str::to_owned),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// Every `http://` or `https://` URL in `text`.
fn urls_in(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '(' | ')' | '\\')
    })
    .filter(|w| {
        let lower = w.get(..8).unwrap_or(w).to_ascii_lowercase();
        lower.starts_with("http://") || lower.starts_with("https://")
    })
    .map(|w| w.trim_end_matches(['.', ',', ';', ':', '!', '?']))
}

/// The files an `apply_patch` body touches: (`write` | `delete`, path).
fn patch_files(patch: &str) -> Vec<(&'static str, &str)> {
    patch
        .lines()
        .filter_map(|line| {
            let line = line.trim_end();
            for (prefix, verb) in [
                ("*** Add File: ", "write"),
                ("*** Update File: ", "write"),
                ("*** Move to: ", "write"),
                ("*** Delete File: ", "delete"),
            ] {
                if let Some(path) = line.strip_prefix(prefix) {
                    return Some((verb, path.trim()));
                }
            }
            None
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_arrays_are_quoted_back_into_one_line() {
        let v = json!(["bash", "-lc", "rm -rf '/tmp/x'"]);
        assert_eq!(
            command_line(&v).unwrap(),
            r"bash -lc 'rm -rf '\''/tmp/x'\'''"
        );
    }

    #[test]
    fn command_lists_may_be_json_in_a_string() {
        assert_eq!(
            command_lines(&json!("[\"ls\", \"rm -rf ~\"]")).unwrap(),
            ["ls", "rm -rf ~"]
        );
        assert_eq!(command_lines(&json!("ls -la")).unwrap(), ["ls -la"]);
        assert_eq!(command_lines(&json!(["a", "b"])).unwrap(), ["a", "b"]);
        assert!(command_lines(&json!([1])).is_none());
    }

    #[test]
    fn paths_come_as_strings_lists_and_objects() {
        assert_eq!(paths_in(&json!("a.txt")).unwrap(), ["a.txt"]);
        assert_eq!(
            paths_in(&json!("[{\"path\": \"~/.ssh/id_rsa\", \"start_line\": 1}]")).unwrap(),
            ["~/.ssh/id_rsa"]
        );
        assert_eq!(
            paths_in(&json!([{"file_path": "x"}, "y"])).unwrap(),
            ["x", "y"]
        );
        assert!(paths_in(&json!([{"name": "x"}])).is_none());
    }

    #[test]
    fn patches_name_their_files() {
        let patch = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** Update File: .git/config\n*** Move to: b.txt\n*** Delete File: ~/.ssh/id_rsa\n*** End Patch";
        assert_eq!(
            patch_files(patch),
            [
                ("write", "a.txt"),
                ("write", ".git/config"),
                ("write", "b.txt"),
                ("delete", "~/.ssh/id_rsa")
            ]
        );
    }

    #[test]
    fn urls_are_found_in_prose_and_in_json() {
        let got: Vec<&str> =
            urls_in("Summarize https://a.example/x, and (http://169.254.169.254/latest).")
                .collect();
        assert_eq!(
            got,
            ["https://a.example/x", "http://169.254.169.254/latest"]
        );
        let json = json!([{"url": "http://10.0.0.1/admin", "prompt": "read"}]).to_string();
        assert_eq!(
            urls_in(&json).collect::<Vec<_>>(),
            ["http://10.0.0.1/admin"]
        );
    }
}
