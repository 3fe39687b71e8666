//! The HTTP requests a shell command sends: `curl`, `wget`, HTTPie, `gh
//! api`, PowerShell's `Invoke-WebRequest`, and the remotes of `git clone`.
//!
//! A guard that only looks at program names sees `curl -X POST
//! https://api.example/graphql -d '{"query":"mutation { volumeDelete … }"}'`
//! as "curl", which is exactly the call that deleted a production volume.
//! This analyzer reads each client's arguments into the request it would
//! send: method (from `-X`, or implied by a body, `-I`, `-T`, `-G`), URL (a
//! scheme added where the client adds one), headers, body, and what of it
//! is not known before the command runs (a `$VAR` in the URL or body, a body
//! read from `@file`, curl's URL globbing). Options that send the request
//! somewhere other than its URL (`--resolve`, `--proxy`, `--unix-socket`,
//! a config file) are reported so that the URL alone never decides. How
//! each client's options read is data, in `http_clients.toml`; this file
//! holds only the reading conventions. It knows nothing of policies: the
//! engine decides the requests with the egress rules, as if a proxy had
//! seen them. Cost: one pass over the argv of commands whose program is an
//! HTTP client; nothing for any other command.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::simple::SimpleCommand;
use super::word::Word;

/// Most requests taken from one command; more make one request of unknown destination.
pub const MAX_CALLS: usize = 32;

/// An HTTP request a command would send.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpCall {
    /// The client program (`curl`).
    pub client: String,
    /// Uppercase method.
    pub method: String,
    /// The URL, with a scheme.
    pub url: String,
    /// Headers given on the command line.
    pub headers: Vec<(String, String)>,
    /// The body, when given as text.
    pub body: Option<String>,
    /// False when the host or port is not known before the command runs.
    pub destination_known: bool,
    /// False when the path or query is not known before the command runs.
    pub path_known: bool,
    /// False when the body comes from a file or a run-time value.
    pub body_known: bool,
    /// The option that sends the request elsewhere than its URL (`--resolve`).
    pub rerouted: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Style {
    Options,
    Httpie,
    Gh,
    Powershell,
    Git,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Client {
    style: Style,
    programs: Vec<String>,
    default_scheme: String,
    #[serde(default)]
    https_programs: Vec<String>,
    #[serde(default)]
    method: Vec<String>,
    #[serde(default)]
    header: Vec<String>,
    #[serde(default)]
    data: Vec<String>,
    #[serde(default)]
    json: Vec<String>,
    #[serde(default)]
    upload: Vec<String>,
    #[serde(default)]
    post: Vec<String>,
    #[serde(default)]
    head: Vec<String>,
    #[serde(default)]
    get: Vec<String>,
    #[serde(default)]
    url: Vec<String>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    host: Vec<String>,
    #[serde(default)]
    reroute: Vec<String>,
    #[serde(default)]
    values: Vec<String>,
}

impl Client {
    fn takes_value(&self, option: &str) -> bool {
        [
            &self.method,
            &self.header,
            &self.data,
            &self.json,
            &self.upload,
            &self.url,
            &self.fields,
            &self.host,
            &self.values,
        ]
        .iter()
        .any(|list| has(list, option))
            || has(&self.reroute, option)
    }
}

fn has(list: &[String], option: &str) -> bool {
    list.iter().any(|o| o == option)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    clients: BTreeMap<String, Client>,
}

pub(crate) struct Clients {
    list: Vec<Client>,
    by_program: FxHashMap<String, usize>,
}

/// Reads `http_clients.toml` (through [`crate::data`]).
pub(crate) fn load() -> Result<Clients, String> {
    let spec: Spec = crate::data::toml("http_clients.toml", include_str!("http_clients.toml"))?;
    let list: Vec<Client> = spec.clients.into_values().collect();
    let mut by_program = FxHashMap::default();
    for (i, client) in list.iter().enumerate() {
        for program in &client.programs {
            by_program.insert(program.clone(), i);
        }
    }
    Ok(Clients { list, by_program })
}

fn clients() -> Result<&'static Clients, String> {
    static CLIENTS: OnceLock<Result<Clients, String>> = OnceLock::new();
    CLIENTS.get_or_init(load).as_ref().map_err(Clone::clone)
}

/// The program names of every HTTP client (for the command prefilter);
/// `None` when the client table failed to load.
pub fn client_names() -> Option<Vec<&'static str>> {
    Some(
        clients()
            .ok()?
            .by_program
            .keys()
            .map(String::as_str)
            .collect(),
    )
}

/// The HTTP requests `command` would send: a client's from its arguments,
/// an interpreter's from the literal calls in its code (none for other programs). A
/// client table that failed to load yields one request of unknown
/// destination, so that the command is not judged as if it sent nothing.
pub fn http_calls(command: &SimpleCommand) -> Vec<HttpCall> {
    let Some(program) = command.program.as_deref() else {
        return Vec::new();
    };
    let clients = match clients() {
        Ok(clients) => clients,
        Err(_) => return vec![unknown_call(program)],
    };
    let Some(client) = clients
        .by_program
        .get(program)
        .and_then(|&i| clients.list.get(i))
    else {
        // Interpreters send requests from their code (`code_http.rs`).
        return super::code_http::code_calls(command);
    };
    let args = command.argv.get(1..).unwrap_or_default();
    let mut calls = match client.style {
        Style::Options => options_style(client, program, args),
        Style::Httpie => httpie_style(client, program, args),
        Style::Gh => gh_style(client, args),
        Style::Powershell => powershell_style(client, program, args),
        Style::Git => git_style(command),
    };
    if calls.len() > MAX_CALLS {
        calls.truncate(MAX_CALLS);
        calls.push(unknown_call(program));
    }
    calls
}

fn unknown_call(program: &str) -> HttpCall {
    HttpCall {
        client: program.to_owned(),
        method: "GET".into(),
        ..HttpCall::default()
    }
}

/// How much of a URL word is known: (destination, path). An unknown part
/// (`$X`, `$(…)`) after the authority leaves the destination known.
fn url_knowledge(word: &Word) -> (bool, bool) {
    if word.is_known() {
        return (true, true);
    }
    let text = word.text.as_str();
    let unknown_at = text.find(['$', '`']).unwrap_or(text.len());
    let prefix = text.get(..unknown_at).unwrap_or_default();
    let destination = prefix
        .find("://")
        .and_then(|i| prefix.get(i + 3..))
        .is_some_and(|authority| authority.contains(['/', '?', '#']));
    (destination, false)
}

/// `url` with the client's scheme when it has none.
fn with_scheme(url: &str, scheme: &str) -> String {
    if url.contains("://") {
        url.to_owned()
    } else {
        format!("{scheme}://{url}")
    }
}

/// Splits "Name: value" (a header as curl and wget take it).
fn header(value: &str) -> Option<(String, String)> {
    let (name, value) = value.split_once(':')?;
    let name = name.trim();
    (!name.is_empty() && !name.starts_with('@')).then(|| (name.to_owned(), value.trim().to_owned()))
}

/// An option and its value as they appear in `args` (curl/wget conventions):
/// `--long value`, `--long=value`, `-Xvalue`, `-X value`, clusters `-sSX value`.
struct OptionWalk<'a> {
    args: &'a [Word],
    i: usize,
    after_dashes: bool,
}

enum Arg<'a> {
    Option(String, Option<&'a Word>, Option<String>),
    Flag(String),
    Positional(&'a Word),
}

impl<'a> OptionWalk<'a> {
    fn next(&mut self, takes_value: impl Fn(&str) -> bool) -> Option<Vec<Arg<'a>>> {
        let word = self.args.get(self.i)?;
        self.i += 1;
        let text = word.text.as_str();
        if self.after_dashes || word.dynamic || !text.starts_with('-') || text == "-" {
            return Some(vec![Arg::Positional(word)]);
        }
        if text == "--" {
            self.after_dashes = true;
            return Some(Vec::new());
        }
        if let Some(long) = text.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) if takes_value(&format!("--{n}")) => (format!("--{n}"), Some(v)),
                _ => (text.to_owned(), None),
            };
            if !takes_value(&name) {
                return Some(vec![Arg::Flag(name)]);
            }
            return Some(vec![match inline {
                Some(v) => Arg::Option(name, None, Some(v.to_owned())),
                None => {
                    let value = self.args.get(self.i);
                    self.i += 1;
                    Arg::Option(name, value, None)
                }
            }]);
        }
        let mut out = Vec::new();
        for (at, c) in text.char_indices().skip(1) {
            let name = format!("-{c}");
            if takes_value(&name) {
                let rest = text.get(at + c.len_utf8()..).unwrap_or_default();
                if rest.is_empty() {
                    let value = self.args.get(self.i);
                    self.i += 1;
                    out.push(Arg::Option(name, value, None));
                } else {
                    out.push(Arg::Option(name, None, Some(rest.to_owned())));
                }
                return Some(out);
            }
            out.push(Arg::Flag(name));
        }
        Some(out)
    }
}

/// The text and known-ness of an option value.
fn value_of(word: Option<&Word>, inline: Option<String>) -> (String, bool) {
    match (word, inline) {
        (_, Some(text)) => (text, true),
        (Some(w), None) => (w.text.to_string(), w.is_known()),
        (None, None) => (String::new(), true),
    }
}

/// curl and wget: options, every other word a URL.
fn options_style(client: &Client, program: &str, args: &[Word]) -> Vec<HttpCall> {
    let mut walk = OptionWalk {
        args,
        i: 0,
        after_dashes: false,
    };
    let mut urls: Vec<(String, (bool, bool))> = Vec::new();
    let (mut method, mut head, mut get, mut upload, mut post, mut json, mut globoff) =
        (None, false, false, false, false, false, false);
    let mut headers = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    let mut body_known = true;
    let mut rerouted = None;
    while let Some(step) = walk.next(|o| client.takes_value(o)) {
        for arg in step {
            match arg {
                Arg::Positional(word) => urls.push((word.text.to_string(), url_knowledge(word))),
                Arg::Flag(name) => {
                    head |= has(&client.head, &name);
                    get |= has(&client.get, &name);
                    globoff |= name == "-g" || name == "--globoff";
                    if has(&client.reroute, &name) {
                        rerouted = Some(name);
                    }
                }
                Arg::Option(name, word, inline) => {
                    let (value, known) = value_of(word, inline);
                    if has(&client.method, &name) {
                        method = Some(value.to_ascii_uppercase());
                    } else if has(&client.header, &name) {
                        headers.extend(header(&value));
                    } else if has(&client.json, &name) || has(&client.data, &name) {
                        json |= has(&client.json, &name);
                        body_known &= known && !value.starts_with('@');
                        parts.push(value);
                    } else if has(&client.upload, &name) {
                        upload = true;
                        body_known = false;
                    } else if has(&client.url, &name) {
                        let knowledge = word.map_or((true, true), url_knowledge);
                        urls.push((value, knowledge));
                    } else if has(&client.reroute, &name) {
                        rerouted = Some(name.clone());
                    }
                    post |= has(&client.post, &name);
                }
            }
        }
    }
    let data = !parts.is_empty();
    let method = method.unwrap_or_else(|| {
        match () {
            _ if head => "HEAD",
            _ if get => "GET",
            _ if upload && program.starts_with("curl") => "PUT",
            _ if data || post || upload => "POST",
            _ => "GET",
        }
        .to_owned()
    });
    if json {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    let body = (data && !get).then(|| parts.join(if json { "" } else { "&" }));
    urls.into_iter()
        .map(|(url, (destination_known, path_known))| {
            let globbed = !globoff && program == "curl" && curl_globs(&url);
            let mut url = with_scheme(&url, &client.default_scheme);
            if get && data {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&parts.join("&"));
            }
            HttpCall {
                client: program.to_owned(),
                method: method.clone(),
                url,
                headers: headers.clone(),
                body: body.clone(),
                destination_known: destination_known && !globbed,
                path_known,
                body_known,
                rerouted: rerouted.clone(),
            }
        })
        .collect()
}

/// curl expands `{a,b}` and `[1-9]` in URLs (except an IPv6 literal's brackets).
fn curl_globs(url: &str) -> bool {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let rest = url.get(after_scheme..).unwrap_or_default();
    let host_bracket = rest.starts_with('[')
        || rest
            .split_once('@')
            .is_some_and(|(_, h)| h.starts_with('['));
    rest.contains('{') || (rest.contains('[') && !host_bracket) || rest.matches('[').count() > 1
}

/// HTTPie and xh: `http [METHOD] URL [items]`.
fn httpie_style(client: &Client, program: &str, args: &[Word]) -> Vec<HttpCall> {
    let mut walk = OptionWalk {
        args,
        i: 0,
        after_dashes: false,
    };
    let mut positionals: Vec<&Word> = Vec::new();
    let mut raw = None;
    let mut rerouted = None;
    while let Some(step) = walk.next(|o| client.takes_value(o)) {
        for arg in step {
            match arg {
                Arg::Positional(word) => positionals.push(word),
                Arg::Option(name, word, inline) => {
                    if has(&client.data, &name) {
                        raw = Some(value_of(word, inline));
                    } else if has(&client.reroute, &name) {
                        rerouted = Some(name);
                    }
                }
                Arg::Flag(_) => {}
            }
        }
    }
    let mut rest = positionals.into_iter();
    let Some(first) = rest.next() else {
        return Vec::new();
    };
    let items: Vec<&Word> = rest.collect();
    let is_method =
        !first.dynamic && !items.is_empty() && first.text.chars().all(|c| c.is_ascii_alphabetic());
    let (method, url_word, items) = match (is_method, items.split_first()) {
        (true, Some((url, items))) => (
            Some(first.text.to_ascii_uppercase().to_string()),
            *url,
            items,
        ),
        _ => (None, first, items.as_slice()),
    };
    let scheme = if has(&client.https_programs, program) {
        "https"
    } else {
        client.default_scheme.as_str()
    };
    let mut url = url_word.text.to_string();
    if let Some(local) = url.strip_prefix(':') {
        url = format!(
            "localhost{}{local}",
            if local.starts_with('/') { "" } else { ":" }
        );
    }
    let mut url = with_scheme(&url, scheme);
    let (destination_known, mut path_known) = url_knowledge(url_word);
    let mut headers = Vec::new();
    let mut fields = Map::new();
    let mut body_known = true;
    for item in items {
        let text = item.text.as_str();
        let Some(at) = text.find([':', '=', '@']) else {
            continue;
        };
        let (key, rest) = text.split_at(at);
        let seps = [":=@", "=@", ":=", "==", "@", "=", ":"];
        let Some(sep) = seps.iter().find(|s| rest.starts_with(**s)) else {
            continue;
        };
        let value = rest.get(sep.len()..).unwrap_or_default();
        match *sep {
            ":" => headers.push((key.to_owned(), value.to_owned())),
            "==" => {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&format!("{key}={value}"));
                path_known &= item.is_known();
            }
            "=" => {
                body_known &= item.is_known();
                fields.insert(key.to_owned(), Value::String(value.to_owned()));
            }
            ":=" => {
                body_known &= item.is_known();
                let parsed = serde_json::from_str(value).unwrap_or(Value::String(value.into()));
                fields.insert(key.to_owned(), parsed);
            }
            _ => body_known = false,
        }
    }
    let body = match raw {
        Some((text, known)) => {
            body_known &= known;
            Some(text)
        }
        None if !fields.is_empty() => {
            headers.push(("Content-Type".into(), "application/json".into()));
            Some(Value::Object(fields).to_string())
        }
        None => None,
    };
    let method = method.unwrap_or_else(|| {
        if body.is_some() || !body_known {
            "POST"
        } else {
            "GET"
        }
        .to_owned()
    });
    vec![HttpCall {
        client: program.to_owned(),
        method,
        url,
        headers,
        body,
        destination_known,
        path_known,
        body_known,
        rerouted,
    }]
}

/// `gh api ENDPOINT`: GitHub's API, fields as a JSON body.
fn gh_style(client: &Client, args: &[Word]) -> Vec<HttpCall> {
    let Some((verb, args)) = args.split_first() else {
        return Vec::new();
    };
    if verb.text != "api" {
        return Vec::new();
    }
    let mut walk = OptionWalk {
        args,
        i: 0,
        after_dashes: false,
    };
    let (mut endpoint, mut method, mut host) = (None, None, None);
    let mut headers = Vec::new();
    let mut fields = Map::new();
    let mut body_known = true;
    let mut input = false;
    while let Some(step) = walk.next(|o| client.takes_value(o)) {
        for arg in step {
            match arg {
                Arg::Positional(word) if endpoint.is_none() => endpoint = Some(word),
                Arg::Option(name, word, inline) => {
                    let (value, known) = value_of(word, inline);
                    if has(&client.method, &name) {
                        method = Some(value.to_ascii_uppercase());
                    } else if has(&client.header, &name) {
                        headers.extend(header(&value));
                    } else if has(&client.host, &name) {
                        host = Some(value);
                    } else if has(&client.upload, &name) {
                        input = true;
                        body_known = false;
                    } else if has(&client.fields, &name) {
                        let (key, v) = value.split_once('=').unwrap_or((value.as_str(), ""));
                        let typed = name == "-F" || name == "--field";
                        body_known &= known && !(typed && v.starts_with('@'));
                        let v = match v {
                            "true" if typed => Value::Bool(true),
                            "false" if typed => Value::Bool(false),
                            _ => Value::String(v.to_owned()),
                        };
                        fields.insert(key.to_owned(), v);
                    }
                }
                _ => {}
            }
        }
    }
    let Some(endpoint) = endpoint else {
        return Vec::new();
    };
    let host = host.unwrap_or_else(|| "github.com".into());
    let path = endpoint.text.trim_start_matches('/');
    let url = if endpoint.text.contains("://") {
        endpoint.text.to_string()
    } else if host == "github.com" {
        format!("https://api.github.com/{path}")
    } else if path == "graphql" {
        format!("https://{host}/api/graphql")
    } else {
        format!("https://{host}/api/v3/{path}")
    };
    let (destination_known, path_known) = url_knowledge(endpoint);
    let has_body = !fields.is_empty();
    let method =
        method.unwrap_or_else(|| if has_body || input { "POST" } else { "GET" }.to_owned());
    let body = has_body.then(|| Value::Object(fields).to_string());
    vec![HttpCall {
        client: "gh".into(),
        method,
        url,
        headers,
        body,
        destination_known,
        path_known: path_known && !path.contains('{'),
        body_known,
        rerouted: None,
    }]
}

/// `Invoke-WebRequest -Uri U -Method M -Body B`: parameters in any case.
fn powershell_style(client: &Client, program: &str, args: &[Word]) -> Vec<HttpCall> {
    let is = |list: &[String], name: &str| list.iter().any(|o| o.eq_ignore_ascii_case(name));
    let takes_value = |name: &str| {
        [
            &client.method,
            &client.data,
            &client.upload,
            &client.url,
            &client.reroute,
            &client.values,
        ]
        .iter()
        .any(|list| is(list, name))
    };
    let mut url = None;
    let mut method = None;
    let mut body = None;
    let mut body_known = true;
    let mut rerouted = None;
    let mut i = 0;
    while let Some(word) = args.get(i) {
        i += 1;
        let text = word.text.as_str();
        if !text.starts_with('-') || word.dynamic {
            if url.is_none() {
                url = Some(word);
            }
            continue;
        }
        let value = if takes_value(text) {
            i += 1;
            args.get(i - 1)
        } else {
            None
        };
        if is(&client.url, text) {
            url = value;
        } else if is(&client.method, text) {
            method = value.map(|v| v.text.to_ascii_uppercase().to_string());
        } else if is(&client.data, text) {
            body_known &= value.is_some_and(Word::is_known);
            body = value.map(|v| v.text.to_string());
        } else if is(&client.upload, text) {
            body_known = false;
        } else if is(&client.reroute, text) {
            rerouted = Some(text.to_owned());
        }
    }
    let Some(url_word) = url else {
        return Vec::new();
    };
    let (destination_known, path_known) = url_knowledge(url_word);
    vec![HttpCall {
        client: program.to_owned(),
        method: method.unwrap_or_else(|| "GET".into()),
        url: with_scheme(&url_word.text, &client.default_scheme),
        headers: Vec::new(),
        body,
        destination_known,
        path_known,
        body_known,
        rerouted,
    }]
}

/// `git clone|fetch|pull|push|ls-remote|submodule add` with a remote URL
/// (`https://…`, `ssh://…`, or scp-like `git@host:org/repo`).
fn git_style(command: &SimpleCommand) -> Vec<HttpCall> {
    let mut words = command.subcommand();
    let Some(verb) = words.next() else {
        return Vec::new();
    };
    let verb = if verb == "submodule" {
        match words.next() {
            Some("add") => "submodule add",
            _ => return Vec::new(),
        }
    } else {
        verb
    };
    if ![
        "clone",
        "fetch",
        "pull",
        "push",
        "ls-remote",
        "submodule add",
    ]
    .contains(&verb)
    {
        return Vec::new();
    }
    let method = if verb == "push" { "POST" } else { "GET" };
    // Only the first word names a repository: after it come refspecs
    // (`push origin a:b`, where `a:b` is no scp-style host) or a directory.
    let mut calls: Vec<HttpCall> = words
        .take(1)
        .filter_map(remote_url)
        .map(|url| HttpCall {
            client: "git".into(),
            method: method.into(),
            url,
            destination_known: true,
            path_known: true,
            body_known: true,
            ..HttpCall::default()
        })
        .collect();
    // `git clone "$REPO"`: where it goes is not known.
    if verb == "clone" && calls.is_empty() {
        let first_dynamic = command
            .positionals
            .iter()
            .skip(1)
            .find(|w| w.dynamic && !w.text.starts_with('-'));
        if let Some(word) = first_dynamic {
            let (destination_known, _) = url_knowledge(word);
            if !destination_known {
                calls.push(HttpCall {
                    client: "git".into(),
                    method: method.into(),
                    url: word.text.to_string(),
                    ..HttpCall::default()
                });
            }
        }
    }
    calls
}

/// A git remote as a URL: itself when it has a network scheme, scp-like
/// syntax as `ssh://`, local paths and `file://` as nothing.
fn remote_url(word: &str) -> Option<String> {
    if let Some((scheme, _)) = word.split_once("://") {
        return (scheme != "file").then(|| word.to_owned());
    }
    if word.starts_with(['/', '.', '~']) {
        return None;
    }
    let (authority, path) = word.split_once(':')?;
    if authority.is_empty() || authority.contains('/') {
        return None;
    }
    Some(format!(
        "ssh://{authority}/{}",
        path.trim_start_matches('/')
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::analyze;

    fn calls(line: &str) -> Vec<HttpCall> {
        analyze(line).commands.iter().flat_map(http_calls).collect()
    }

    #[test]
    fn curl_method_headers_and_body() {
        let c = calls(
            r#"curl -sS -X POST https://api.example/graphql -H 'Content-Type: application/json' -d '{"query":"mutation { volumeDelete(id: 1) }"}'"#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].method, "POST");
        assert_eq!(c[0].url, "https://api.example/graphql");
        assert_eq!(
            c[0].headers,
            vec![("Content-Type".into(), "application/json".into())]
        );
        assert!(c[0].body.as_deref().unwrap().contains("volumeDelete"));
        assert!(c[0].destination_known && c[0].body_known);
        assert_eq!(calls("curl -d x=1 example.com")[0].method, "POST");
        assert_eq!(
            calls("curl -d x=1 example.com")[0].url,
            "http://example.com"
        );
        assert_eq!(
            calls("curl -XDELETE https://a.example/x")[0].method,
            "DELETE"
        );
        assert_eq!(calls("curl -I https://a.example/")[0].method, "HEAD");
        assert_eq!(calls("curl -o out.html https://a.example/").len(), 1);
        assert!(!calls("curl -d @payload.json https://a.example/")[0].body_known);
        assert!(
            calls("curl --resolve a.example:443:10.0.0.1 https://a.example/")[0]
                .rerouted
                .is_some()
        );
    }

    #[test]
    fn unknown_parts_are_marked() {
        let c = calls("curl \"$URL\"");
        assert!(!c[0].destination_known);
        let c = calls("curl \"https://api.example/items/$ID\"");
        assert!(c[0].destination_known && !c[0].path_known);
        assert!(!calls("curl 'https://x{a,b}.example/'")[0].destination_known);
    }

    #[test]
    fn wget_httpie_gh_powershell_and_git() {
        let c = calls("wget --post-data 'a=1' https://a.example/x");
        assert_eq!(
            (c[0].method.as_str(), c[0].body.as_deref()),
            ("POST", Some("a=1"))
        );
        assert_eq!(
            calls("wget --method=DELETE https://a.example/x")[0].method,
            "DELETE"
        );
        let c = calls("http DELETE api.example/items/1 Authorization:'Bearer x'");
        assert_eq!(
            (c[0].method.as_str(), c[0].url.as_str()),
            ("DELETE", "http://api.example/items/1")
        );
        assert_eq!(c[0].headers[0].0, "Authorization");
        let c = calls("https api.example/items name=x count:=3");
        assert_eq!(c[0].method, "POST");
        let body: serde_json::Value = serde_json::from_str(c[0].body.as_deref().unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"name": "x", "count": 3}));
        let c = calls("gh api -X DELETE repos/o/r");
        assert_eq!(
            (c[0].method.as_str(), c[0].url.as_str()),
            ("DELETE", "https://api.github.com/repos/o/r")
        );
        let c = calls("gh api graphql -f query='mutation { deleteRepository }'");
        assert_eq!(c[0].url, "https://api.github.com/graphql");
        assert!(c[0].body.as_deref().unwrap().contains("deleteRepository"));
        let c = calls("Invoke-WebRequest -Uri https://a.example/x -Method Delete");
        assert_eq!(
            (c[0].method.as_str(), c[0].url.as_str()),
            ("DELETE", "https://a.example/x")
        );
        assert_eq!(
            calls("git clone git@github.com:org/repo.git")[0].url,
            "ssh://git@github.com/org/repo.git"
        );
        assert_eq!(
            calls("git clone https://github.com/o/r")[0].url,
            "https://github.com/o/r"
        );
        assert!(calls("git clone ./local copy").is_empty());
        assert!(calls("git status").is_empty());
    }
}
