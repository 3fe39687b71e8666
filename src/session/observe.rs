//! What a request could add to a session: the paths it reads, writes and
//! deletes, the files it runs, where it sends requests, what it fetches
//! and the secrets it carries.
//!
//! Analyzer only: it knows no policy (whether a read is *sensitive* or a
//! tool *sends*, the engine decides with the policy's `session` section).
//! A command line is read from its shell analysis (the engine hands over
//! the one it made, so a line is parsed once): the accesses of
//! `paths::access`, the scripts run by the programs of `runners.toml`
//! (`python3 x.py`, `bash x.sh`, `source x`, `./x`, `deno run x.ts`), the
//! requests of `command::http`. A tool call: its routed arguments (paths by
//! the tool's access, URLs, shell arguments as command lines) and, for a
//! tool that writes, the file's whole content when it carries one
//! (`content`, `file_text`, `contents`). Cost: one pass over the analysis
//! or the routed arguments, and one secret scan of the text (its fast path
//! when nothing looks like a secret).

use std::borrow::Cow;
use std::sync::OnceLock;

use serde_json::Value;

use crate::command::http::HttpCall;
use crate::command::{Analysis, SimpleCommand};
use crate::paths::access::{self, home_relative};
use crate::paths::Access;
use crate::request::{Action, Request};
use crate::command::runners::{downloaded, runners, script_run};
use crate::tool::route::{self, Class};

/// Argument keys that carry a written file's whole content.
const CONTENT_KEYS: &[&str] = &["content", "file_text", "contents"];

/// A file a request writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write<'r> {
    /// The path, normalized (home as `~`).
    pub path: String,
    /// The whole content written, when the request carries it (a file
    /// tool's content; a here-document or literal words a command writes).
    pub content: Option<Cow<'r, str>>,
}

/// An HTTP request a request makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// Uppercase method.
    pub method: String,
    /// The URL as given.
    pub url: String,
    /// False when the host is not known before it runs (`curl "$URL"`).
    pub known: bool,
}

/// What a request could add to a session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed<'r> {
    /// Paths read.
    pub reads: Vec<String>,
    /// Files written.
    pub writes: Vec<Write<'r>>,
    /// Paths deleted.
    pub deletes: Vec<String>,
    /// Files run as programs or scripts.
    pub executes: Vec<String>,
    /// HTTP requests made (to any destination).
    pub destinations: Vec<Destination>,
    /// URLs whose content the agent receives (GET requests).
    pub fetches: Vec<String>,
    /// The tool's name, for a tool call.
    pub tool: Option<&'r str>,
    /// The tool's MCP server, when the call names it apart from the tool
    /// (Windsurf's and Cursor's MCP events).
    pub server: Option<&'r str>,
    /// Secrets the request carries: each detector's name and the secret's
    /// hash ([`secret_hash`]).
    pub secrets: Vec<(&'static str, String)>,
}

/// The first 16 bytes of a secret's SHA-256, hex: how a session remembers
/// a secret without keeping it.
pub fn secret_hash(secret: &str) -> String {
    let digest = super::key::sha256(secret.as_bytes());
    super::key::hex(digest.get(..16).unwrap_or(&digest))
}

/// The first 16 bytes of a written content's SHA-256, hex: which content a
/// session saw written (128 bits tell contents apart; the state file at its
/// bound stays small).
pub fn content_hash(content: &str) -> String {
    secret_hash(content)
}

/// What `request` could add to a session. `analysis` is the shell analysis
/// of a command request when the caller has it (it is made here otherwise).
pub fn observe<'r>(
    request: &'r Request,
    analysis: Option<(&Analysis, &[(usize, HttpCall)])>,
) -> Observed<'r> {
    let home = request.principal.as_ref().and_then(|p| p.home.as_deref());
    let mut out = Observed::default();
    match &request.action {
        Action::Command(line) => {
            match analysis {
                Some((analysis, calls)) => of_analysis(analysis, Some(calls), home, &mut out),
                None if may_add_facts(line) => {
                    of_analysis(&crate::command::analyze(line), None, home, &mut out);
                }
                None => {}
            }
            secrets_in(line, &mut out);
        }
        Action::Http(http) => {
            let method = http.method.as_deref().unwrap_or("GET").to_ascii_uppercase();
            if method == "GET" {
                out.fetches.push(http.url.clone());
            }
            out.destinations.push(Destination {
                method,
                url: http.url.clone(),
                known: true,
            });
            secrets_in(&http.url, &mut out);
            for v in http.headers.values() {
                secrets_in(v, &mut out);
            }
            if let Some(body) = &http.body {
                secrets_in(body, &mut out);
            }
        }
        Action::Tool(call) => {
            out.tool = Some(&call.name);
            out.server = call.server.as_deref();
            of_tool(&call.name, &call.arguments, home, &mut out);
        }
        Action::Named(_) => {}
    }
    out
}

/// Whether command line `line` could add a fact, by its words alone: a
/// line none of whose words is a program that touches paths, runs a
/// script, sends a request or runs other code (`find`, `xargs`, `sudo`,
/// shells, interpreters), with no `/`, `~` and none of the shell syntax the
/// engine's prefilter also watches for (quotes, expansions, redirections,
/// globs), reads, writes, runs and sends nothing a session records (its
/// secrets are scanned apart; a corpus-wide test holds the claim). A line the engine's prefilter let through
/// unparsed is parsed for the session only when this says it could matter.
/// Cost: one pass over the bytes and a hash probe per word.
pub fn may_add_facts(line: &str) -> bool {
    static SYNTAX: OnceLock<[bool; 256]> = OnceLock::new();
    let syntax = SYNTAX.get_or_init(|| {
        let mut table = [false; 256];
        for &b in crate::command::SYNTAX_TRIGGERS.iter().chain(b"/~") {
            if let Some(slot) = table.get_mut(usize::from(b)) {
                *slot = true;
            }
        }
        table
    });
    if line.bytes().any(|b| syntax.get(usize::from(b)) == Some(&true)) {
        return true;
    }
    static WORDS: OnceLock<Option<rustc_hash::FxHashSet<&'static str>>> = OnceLock::new();
    let words = WORDS.get_or_init(|| {
        let r = runners();
        let mut set: rustc_hash::FxHashSet<&'static str> = access::programs().into_iter().collect();
        set.extend(r.first.iter().map(String::as_str));
        set.extend(r.after.keys().map(String::as_str));
        set.extend(crate::command::http::client_names()?);
        // Wrappers, shells and interpreters run other commands (`find -delete`, `xargs rm`).
        set.extend(crate::command::code_runners()?);
        Some(set)
    });
    // A table that did not load: every line may matter.
    let Some(words) = words else { return true };
    let separator = |c: char| c.is_whitespace() || ";&|".contains(c);
    line.split(separator).any(|w| !w.is_empty() && words.contains(w))
}

/// The facts of a command line's analysis; `calls`, the HTTP requests its
/// commands make by command index, when the caller has them (they are
/// read from the analysis otherwise).
pub fn of_analysis(
    analysis: &Analysis,
    calls: Option<&[(usize, HttpCall)]>,
    home: Option<&str>,
    out: &mut Observed<'_>,
) {
    for command in &analysis.commands {
        let accesses = access::of_command(command);
        let written = accesses
            .iter()
            .filter(|(how, _)| *how == Access::Write)
            .count();
        let content = if written == 1 {
            whole_content(command)
        } else {
            None
        };
        for (how, path) in accesses {
            let path = home_relative(&path, home).into_owned();
            match how {
                Access::Read => out.reads.push(path),
                Access::Write => out.writes.push(Write {
                    path,
                    content: content.clone().map(Cow::Owned),
                }),
                Access::Delete => out.deletes.push(path),
            }
        }
        for path in downloaded(command) {
            let path = access::normalize(&path, command.cwd.as_deref());
            out.writes.push(Write {
                path: home_relative(&path, home).into_owned(),
                content: None,
            });
        }
        if let Some(script) = script_run(command) {
            let path = access::normalize(script, command.cwd.as_deref());
            out.executes.push(home_relative(&path, home).into_owned());
        }
        if calls.is_none() {
            for call in crate::command::http::http_calls(command) {
                add_call(&call, out);
            }
        }
    }
    for (_, call) in calls.into_iter().flatten() {
        add_call(call, out);
    }
}

/// Adds an HTTP request a command makes.
fn add_call(call: &HttpCall, out: &mut Observed<'_>) {
    if call.method == "GET" && call.destination_known {
        out.fetches.push(call.url.clone());
    }
    out.destinations.push(Destination {
        method: call.method.clone(),
        url: call.url.clone(),
        known: call.destination_known,
    });
}

/// What `command` writes to its one written file, when the line says it
/// whole: `cat > f <<EOF … EOF` and `tee f <<< …` (their input), `echo
/// words > f` and `printf 'text' > f` with literal words and no options.
/// An append (`>>`) writes part of a file: `None`.
fn whole_content(command: &SimpleCommand) -> Option<String> {
    use crate::command::parser::RedirectOp;
    if command
        .redirects
        .iter()
        .any(|r| matches!(r.op, RedirectOp::Append))
        || command.has_flag("-a")
    {
        return None;
    }
    let literal = command.positionals.iter().all(|w| w.is_known() && !w.glob);
    match command.program.as_deref()? {
        "cat" if command.positionals.is_empty() => command.input.clone(),
        "tee" if command.positionals.len() == 1 => command.input.clone(),
        "echo" if command.flags.is_empty() && literal => {
            let words: Vec<&str> = command
                .positionals
                .iter()
                .map(|w| w.text.as_str())
                .collect();
            Some(format!("{}\n", words.join(" ")))
        }
        "printf" if command.flags.is_empty() && literal && command.positionals.len() == 1 => {
            let text = command.positionals.first()?.text.as_str();
            (!text.contains('%')).then(|| text.replace("\\n", "\n").replace("\\t", "\t"))
        }
        _ => None,
    }
}

/// A tool call's facts.
fn of_tool<'r>(name: &str, arguments: &'r Value, home: Option<&str>, out: &mut Observed<'r>) {
    let how = access::of_tool(name);
    let mut strings = Vec::new();
    let routes = route::route_call(Some(name), None, arguments, |s| strings.push(s));
    for text in strings {
        secrets_in(text, out);
    }
    let content = match how {
        Access::Write => CONTENT_KEYS
            .iter()
            .find_map(|k| arguments.get(*k).and_then(Value::as_str))
            .map(Cow::Borrowed),
        _ => None,
    };
    for r in &routes.routes {
        match r.class {
            Class::Path => {
                let path = home_relative(&access::normalize(&r.text, None), home).into_owned();
                match how {
                    Access::Read => out.reads.push(path),
                    Access::Write => out.writes.push(Write {
                        path,
                        content: content.clone(),
                    }),
                    Access::Delete => out.deletes.push(path),
                }
            }
            Class::Url => {
                out.fetches.push(r.text.to_string());
                out.destinations.push(Destination {
                    method: "GET".into(),
                    url: r.text.to_string(),
                    known: true,
                });
            }
            Class::Shell | Class::Argv | Class::Code => {
                let analysis = crate::command::analyze(&r.text);
                of_analysis(&analysis, None, home, out);
            }
            Class::Sql => {}
        }
    }
}

/// Adds the secrets in `text`.
fn secrets_in(text: &str, out: &mut Observed<'_>) {
    if crate::secrets::is_clean(text) {
        return;
    }
    for finding in crate::secrets::scan(text) {
        if let Some(secret) = text.get(finding.span.0..finding.span.1) {
            out.secrets.push((finding.kind, secret_hash(secret)));
        }
    }
}

/// The secrets in a tool's output: each detector's name and hash.
pub fn output_secrets(text: &str) -> Vec<(&'static str, String)> {
    let mut out = Observed::default();
    secrets_in(text, &mut out);
    out.secrets
}

/// The language a file's content is analyzed as, by the file's extension
/// or its `#!` line; `None` when neither says.
pub fn language_of(path: &str, content: &str) -> Option<&'static str> {
    let r = runners();
    let name = path.rsplit('/').next().unwrap_or(path);
    if let Some((_, ext)) = name.rsplit_once('.') {
        if let Some(language) = r.extensions.get(ext) {
            return Some(language.as_str());
        }
    }
    let line = content.strip_prefix("#!")?.lines().next()?;
    let mut words = line.split_whitespace();
    let mut interpreter = words.next()?.rsplit('/').next()?;
    if interpreter == "env" {
        interpreter = words.find(|w| !w.starts_with('-'))?;
    }
    r.shebang.get(interpreter).map(String::as_str)
}

/// The command line that runs `content` as code of `language`: the content
/// itself for `shell`, else the language's inline runner with the content
/// as one quoted word; `None` for a language without one.
pub fn as_command(language: &str, content: &str) -> Option<String> {
    if language == "shell" {
        return Some(content.to_owned());
    }
    let runner = runners().inline.get(language)?;
    Some(format!(
        "{runner} {}",
        crate::command::quote::quote(content)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn of(line: &str) -> Observed<'static> {
        let request = Box::leak(Box::new(Request::command(line)));
        observe(request, None)
    }

    #[test]
    fn commands_read_write_run_and_fetch() {
        let o = of("cat .env; echo x > diag.py && python3 diag.py; curl -s https://x.example/a");
        assert_eq!(o.reads, [".env"]);
        assert_eq!(o.writes[0].path, "diag.py");
        assert_eq!(o.executes, ["diag.py"]);
        assert_eq!(o.fetches, ["https://x.example/a"]);
        assert_eq!(of("chmod +x x && ./x").executes, ["x"]);
        assert_eq!(of("bash scripts/run.sh arg").executes, ["scripts/run.sh"]);
        assert_eq!(of("deno run -A t.ts").executes, ["t.ts"]);
        assert_eq!(of("source ./env.sh").executes, ["env.sh"]);
        let writes = |line: &str| -> Vec<String> { of(line).writes.into_iter().map(|w| w.path).collect() };
        assert_eq!(writes("curl -fsSL https://x.example/i.sh -o i.sh"), ["i.sh"]);
        assert_eq!(writes("wget -O /tmp/s.sh https://x.example/s"), ["/tmp/s.sh"]);
        assert_eq!(writes("curl --output=a.py https://x.example/a"), ["a.py"]);
        assert_eq!(writes("curl -O https://x.example/dl/setup.sh?v=1"), ["setup.sh"]);
        assert!(writes("curl -s https://x.example/a").is_empty());
        assert!(of("python3 -c 'print(1)'").executes.is_empty());
        assert!(of("python3 -m pytest").executes.is_empty());
    }

    #[test]
    fn a_write_tool_carries_its_content_and_secrets_are_hashed_not_kept() {
        let r = Request::tool(
            "Write",
            json!({"file_path": "/p/diag.py", "content": "import os"}),
        );
        let o = observe(&r, None);
        assert_eq!(
            o.writes,
            [Write {
                path: "/p/diag.py".into(),
                content: Some(Cow::Borrowed("import os"))
            }]
        );
        let token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
        let o = of(&format!("echo {token}"));
        assert_eq!(o.secrets.len(), 1);
        assert!(!o.secrets[0].1.contains(token));
    }

    #[test]
    fn only_lines_that_could_add_a_fact_are_parsed_for_it() {
        for line in ["ls -la", "cargo build && pwd", "echo done", "make -j4 test"] {
            assert!(!may_add_facts(line), "{line}");
        }
        for line in [
            "cat .env",
            "echo x > f",
            "python3 diag.py",
            "./x",
            "curl https://a.example/",
            "sudo rm a",
            "\\cat a",
            "echo $(cat a)",
            "x;bash y",
        ] {
            assert!(may_add_facts(line), "{line}");
            let o = of(line);
            let _ = o;
        }
        // Whatever a line without those words is, the analysis finds no fact in it.
        for line in ["ls -la", "cargo build && pwd", "make -j4 test"] {
            let o = observe(
                Box::leak(Box::new(Request::command(line))),
                Some((&crate::command::analyze(line), &[])),
            );
            assert_eq!(o, Observed::default(), "{line}");
        }
    }

    #[test]
    fn a_command_that_writes_a_whole_file_says_what() {
        let content = |line: &str| of(line).writes.first().and_then(|w| w.content.clone());
        assert_eq!(
            content("cat > x.sh <<'EOF'\nrm -rf ~\nEOF").as_deref(),
            Some("rm -rf ~\n")
        );
        assert_eq!(
            content("echo 'echo hi' > run.sh").as_deref(),
            Some("echo hi\n")
        );
        assert_eq!(content("printf 'ls\\n' > x.sh").as_deref(), Some("ls\n"));
        assert_eq!(content("echo hi >> run.sh"), None, "an append");
        assert_eq!(content("echo $X > run.sh"), None, "not literal");
        assert_eq!(content("curl -s https://x.example/ > run.sh"), None);
    }

    #[test]
    fn languages_by_extension_and_shebang() {
        assert_eq!(language_of("a/x.py", ""), Some("python"));
        assert_eq!(
            language_of("x", "#!/usr/bin/env -S python3\n"),
            Some("python")
        );
        assert_eq!(language_of("x", "#!/bin/bash\nrm -rf /"), Some("shell"));
        assert_eq!(language_of("x.txt", "hello"), None);
        assert_eq!(
            as_command("python", "print('a')").unwrap(),
            "python3 -c 'print('\\''a'\\'')'"
        );
    }
}
