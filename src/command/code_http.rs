//! HTTP requests inside interpreter code: `python3 -c "requests.post('https://…/graphql', json={'query': 'mutation { volumeDelete … }'})"`.
//!
//! The incident's call was a GraphQL mutation, and a guard that decides
//! `curl` by its request but `python3 -c` by its name lets the same call
//! through in another language. This file reads calls of the common HTTP
//! APIs — Python `requests`/`httpx`/`urllib` (`get`, `post`, `request`,
//! `urlopen`, `Request`), Node `fetch`/`axios`, Ruby `Net::HTTP`,
//! `HTTParty`, `Faraday`, PHP `file_get_contents` — whose URL is a string
//! literal (also inside `URI(…)`, `URI.parse(…)`, `new URL(…)`), and hands
//! the engine each as the [`HttpCall`] a proxy would have seen: method from
//! the call's name or a literal `method` argument, the body from a literal
//! `data`/`json`/`body`/`content` argument or the call's second literal. A
//! literal that is a GraphQL document (`mutation …`, `query …`, `{ … }`)
//! becomes the body `{"query": …}` that a GraphQL client would post. A call
//! with a body that is not a literal is a request of unknown body; a URL
//! that is not a literal is not guessed (as in `inline.rs`). Like the
//! shell-out scanner this is a scanner over bytes, not a parser of each
//! language, and deliberately over-eager: any `post(` with a literal URL
//! counts. Cost: one pass over the code of interpreter commands, nothing for
//! other commands.

use super::http::{HttpCall, MAX_CALLS};
use super::inline::{code_of, Scanner};
use super::simple::SimpleCommand;

/// Call names and the method they send (`None`: GET unless told otherwise).
const CALLS: &[(&str, Option<&str>)] = &[
    ("get", Some("GET")),
    ("post", Some("POST")),
    ("put", Some("PUT")),
    ("patch", Some("PATCH")),
    ("delete", Some("DELETE")),
    ("head", Some("HEAD")),
    ("request", None),
    ("urlopen", None),
    ("Request", None),
    ("fetch", None),
    ("axios", None),
    ("post_form", Some("POST")),
    ("file_get_contents", None),
    ("get_response", Some("GET")),
];

/// Argument names (Python keywords, JavaScript object keys) whose value is the body.
const BODY_KEYS: &[&str] = &["data", "json", "body", "content", "payload"];

/// Languages whose code is scanned.
const LANGUAGES: &[&str] = &["python", "javascript", "ruby", "php", "perl"];

/// The HTTP requests `command`'s inline code would send with literal URLs.
pub fn code_calls(command: &SimpleCommand) -> Vec<HttpCall> {
    let Some(language) = command.language.as_deref() else {
        return Vec::new();
    };
    if !LANGUAGES.contains(&language) {
        return Vec::new();
    }
    let program = command.program.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    for code in code_of(command, language) {
        scan(code, program, &mut out);
        if out.len() >= MAX_CALLS {
            out.truncate(MAX_CALLS);
            break;
        }
    }
    out
}

fn scan(code: &str, program: &str, out: &mut Vec<HttpCall>) {
    let bytes = code.as_bytes();
    let mut at = 0;
    while at < bytes.len() && out.len() < MAX_CALLS {
        let Some(&(name, method)) = CALLS.iter().find(|(name, _)| call_at(code, at, name)) else {
            at += 1;
            continue;
        };
        let after = code.get(at + name.len()..).unwrap_or_default();
        let open = at + name.len() + (after.len() - after.trim_start().len());
        at = open + 1;
        if let Some(call) = read_call(code, open + 1, program, method) {
            out.push(call);
        }
    }
}

/// True when `name(` starts at `at`, as a whole identifier.
fn call_at(code: &str, at: usize, name: &str) -> bool {
    let bytes = code.as_bytes();
    let before_ok = at == 0
        || !bytes
            .get(at - 1)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    before_ok
        && code.get(at..).is_some_and(|rest| rest.starts_with(name))
        && code
            .get(at + name.len()..)
            .is_some_and(|rest| rest.trim_start().starts_with('('))
}

/// The arguments of a call whose `(` is just before `start`.
fn read_call(code: &str, start: usize, program: &str, method: Option<&str>) -> Option<HttpCall> {
    let end = closing(code, start)?;
    let args = code.get(start..end)?;
    let mut scanner = Scanner::new(args);
    scanner.skip_spaces();
    for wrapper in ["URI.parse(", "URI(", "new URL(", "URL("] {
        if scanner.rest().starts_with(wrapper) {
            scanner.advance(wrapper.len());
            scanner.skip_spaces();
        }
    }
    let url = scanner.literal()?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    let rest = scanner.rest();
    let mut call = HttpCall {
        client: format!("{program} code"),
        method: method.unwrap_or("GET").to_owned(),
        url,
        headers: Vec::new(),
        body: None,
        destination_known: true,
        path_known: true,
        body_known: true,
        rerouted: None,
    };
    if method.is_none() {
        if let Some(m) = keyed_literal(rest, &["method"]) {
            call.method = m.to_ascii_uppercase();
        }
    }
    let body = match keyed_value(rest, BODY_KEYS) {
        Some(value) => Some(value),
        // `requests.post(url, '…')`, `axios.post(url, {…})`, `Net::HTTP.post(uri, '…')`.
        None if call.method != "GET" && call.method != "HEAD" => rest
            .trim_start()
            .strip_prefix(',')
            .map(str::trim_start)
            .filter(|second| !second.is_empty())
            .map(str::to_owned),
        None => None,
    };
    if let Some(body) = body {
        if call.method == "GET" && method.is_none() {
            // `urlopen(url, data=…)` and `fetch(url, {body})` post.
            call.method = "POST".to_owned();
        }
        match body_text(&body) {
            Some(text) => call.body = Some(text),
            None => call.body_known = false,
        }
    }
    Some(call)
}

/// The text a body argument sends: a string literal as it is, a GraphQL
/// document anywhere in it as `{"query": …}`, or `None` when not known.
fn body_text(value: &str) -> Option<String> {
    let mut scanner = Scanner::new(value);
    scanner.skip_spaces();
    let mut literals = Vec::new();
    while !scanner.done() {
        match scanner.literal() {
            Some(l) => literals.push(l),
            None => scanner.advance(1),
        }
    }
    if let Some(document) = literals.iter().find(|l| is_graphql(l)) {
        return Some(serde_json::json!({ "query": document }).to_string());
    }
    let mut whole = Scanner::new(value.trim());
    let literal = whole.literal()?;
    whole.skip_spaces();
    (whole.done() || whole.rest().starts_with([',', ')'])).then_some(literal)
}

/// `mutation …{…}`, `query …{…}`, `subscription …{…}` or a bare `{ … }` selection.
fn is_graphql(text: &str) -> bool {
    let t = text.trim();
    let operation = ["mutation", "query", "subscription"].iter().any(|k| {
        t.strip_prefix(k)
            .is_some_and(|rest| rest.starts_with([' ', '\n', '\t', '{', '(']) && rest.contains('{'))
    });
    operation || (t.starts_with('{') && t.ends_with('}'))
}

/// The first string literal following `key` and `=` or `:`.
fn keyed_literal(args: &str, keys: &[&str]) -> Option<String> {
    let value = keyed_value(args, keys)?;
    Scanner::new(value.trim_start()).literal()
}

/// The text of the argument following `key=` or `key:` (quoted keys too), to
/// the next top-level `,` or the end.
fn keyed_value(args: &str, keys: &[&str]) -> Option<String> {
    for key in keys {
        let mut from = 0;
        while let Some(found) = args.get(from..)?.find(key) {
            let at = from + found;
            from = at + key.len();
            let before = args.get(..at)?.trim_end_matches(['\'', '"']);
            if before
                .as_bytes()
                .last()
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
            {
                continue;
            }
            let after = args.get(from..)?.trim_start_matches(['\'', '"']).trim_start();
            let Some(value) = after
                .strip_prefix('=')
                .filter(|v| !v.starts_with('='))
                .or_else(|| after.strip_prefix(':'))
            else {
                continue;
            };
            let end = top_level_comma(value).unwrap_or(value.len());
            return value.get(..end).map(|v| v.trim().to_owned());
        }
    }
    None
}

/// Index of the `)` that closes the call whose arguments start at `start`.
fn closing(code: &str, start: usize) -> Option<usize> {
    let mut scanner = Scanner::new(code.get(start..)?);
    loop {
        match scanner.skip_to_separator()? {
            b',' => scanner.advance(1),
            b')' => return Some(start + scanner.pos()),
            _ => return None,
        }
    }
}

/// Index of the first `,` outside brackets and strings (a stray closing
/// bracket is stepped over).
fn top_level_comma(text: &str) -> Option<usize> {
    let mut scanner = Scanner::new(text);
    loop {
        match scanner.skip_to_separator()? {
            b',' => return Some(scanner.pos()),
            _ => scanner.advance(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(code: &str) -> Vec<HttpCall> {
        let mut out = Vec::new();
        scan(code, "python3", &mut out);
        out
    }

    #[test]
    fn a_graphql_mutation_from_python_is_a_post_with_its_document() {
        let got = calls(
            "import requests; requests.post('https://backboard.railway.app/graphql/v2', \
             json={'query': 'mutation { volumeDelete(volumeId: \"v\") }'}, headers=h)",
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].method, "POST");
        assert_eq!(got[0].url, "https://backboard.railway.app/graphql/v2");
        let body: serde_json::Value = serde_json::from_str(got[0].body.as_deref().unwrap()).unwrap();
        assert_eq!(body["query"], "mutation { volumeDelete(volumeId: \"v\") }");
    }

    #[test]
    fn methods_come_from_names_and_method_arguments() {
        let got = calls("fetch('https://api.example.com/x', {method: 'DELETE'})");
        assert_eq!((got[0].method.as_str(), got[0].body.as_deref()), ("DELETE", None));
        let got = calls("urllib.request.urlopen(\"https://example.com/a\")");
        assert_eq!(got[0].method, "GET");
        let got = calls("Net::HTTP.get(URI('https://example.com/p'))");
        assert_eq!(got[0].url, "https://example.com/p");
        let got = calls("require('axios').delete('https://api.example.com/v1/things/1')");
        assert_eq!(got[0].method, "DELETE");
    }

    #[test]
    fn bodies_that_are_not_literals_are_unknown() {
        let got = calls("requests.post('https://example.com/u', data=open('x').read())");
        assert_eq!(got[0].method, "POST");
        assert!(!got[0].body_known);
        let got = calls("requests.post('https://example.com/u', data='a=1')");
        assert_eq!(got[0].body.as_deref(), Some("a=1"));
    }

    #[test]
    fn urls_that_are_not_literals_are_not_guessed() {
        assert!(calls("requests.get(url)").is_empty());
        assert!(calls("requests.get(f'https://{host}/x')").is_empty());
        assert!(calls("d.get('key')").is_empty());
        assert!(calls("print('requests.post(')").is_empty());
    }
}
