//! The one request model shared by Rust, the command line and the bindings.
//!
//! A request is exactly one action — a shell command, an HTTP request, a
//! tool call, or a named action for the permissions — plus who asks (an optional [`Principal`]) and an optional id
//! that the decision echoes. Its JSON form is the wire format of `eval`, of
//! the C ABI and of the bindings:
//!
//! ```json
//! {"id": 7, "principal": {"id": "agent-7", "roles": ["ci"]}, "command": "rm -rf /"}
//! {"http": {"method": "GET", "url": "https://example.com/x", "headers": {"host": "example.com"}}}
//! {"tool": {"name": "Bash", "arguments": {"command": "ls"}}}
//! ```
//!
//! Unknown fields are refused, and so is a request with no action or with
//! more than one: a request that could be read two ways is not decided.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest request JSON accepted by [`Request::from_json`], in bytes (1 MiB).
pub const MAX_REQUEST_BYTES: usize = 1 << 20;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Principal {
    /// The principal's id, such as `agent-7`.
    pub id: String,
    /// Roles the caller claims.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// The environment the caller says it works in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The agent session, for the audit trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The principal's home directory (`/home/agent`): paths under it are
    /// matched as `~/…` by path rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
}

/// An HTTP request (from a proxy or gateway). `url` is an absolute URL, an
/// authority `host:port` for `CONNECT`, or an origin-form path (`/x?y`) with
/// a `Host` header.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The method; `GET` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The absolute URL.
    pub url: String,
    /// Header names and values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The TLS server name (SNI) the client sent, when the proxy knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
}

/// An agent's tool call.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ToolCall {
    /// The tool's name, such as `Bash` or `mcp__github__create_issue`.
    pub name: String,
    /// The call's arguments, any JSON.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub arguments: Value,
    /// The MCP server the tool belongs to, when the caller knows it (else it
    /// is read from an `mcp__server__tool` or `server/tool` name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The MCP tool annotations, as the server declared them. Hints, not
    /// guarantees: `readOnlyHint` never makes a call allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<ToolAnnotations>,
}

/// MCP tool annotations (`annotations` in an MCP tool definition).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolAnnotations {
    /// A human title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The tool does not modify its environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// The tool may perform destructive updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Calling it again with the same arguments has no further effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// The tool reaches an open world of external entities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

impl Principal {
    /// A principal with `id` and nothing else claimed.
    pub fn new(id: impl Into<String>) -> Self {
        Principal {
            id: id.into(),
            ..Principal::default()
        }
    }

    /// The same principal, claiming `roles`.
    pub fn with_roles<S: Into<String>>(mut self, roles: impl IntoIterator<Item = S>) -> Self {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// The same principal, claiming to work in `environment`.
    pub fn with_environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    /// The same principal, in agent session `session`.
    pub fn with_session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(session.into());
        self
    }

    /// The same principal, with home directory `home`.
    pub fn with_home(mut self, home: impl Into<String>) -> Self {
        self.home = Some(home.into());
        self
    }
}

impl HttpRequest {
    /// A `GET` of `url` (absolute, `host:port` for `CONNECT`, or a path
    /// with a `Host` header), with no headers and no body.
    pub fn new(url: impl Into<String>) -> Self {
        HttpRequest {
            url: url.into(),
            ..HttpRequest::default()
        }
    }

    /// The same request with `method`.
    pub fn with_method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// The same request with header `name: value` (replacing one of that name).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// The same request with `body`.
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The same request, sent with TLS server name `sni`.
    pub fn with_sni(mut self, sni: impl Into<String>) -> Self {
        self.sni = Some(sni.into());
        self
    }
}

impl ToolAnnotations {
    /// The value of the hint named as in MCP (`destructiveHint`).
    pub fn hint(&self, name: &str) -> Option<bool> {
        match name {
            "readOnlyHint" => self.read_only_hint,
            "destructiveHint" => self.destructive_hint,
            "idempotentHint" => self.idempotent_hint,
            "openWorldHint" => self.open_world_hint,
            _ => None,
        }
    }
}

impl ToolCall {
    /// A call of tool `name` with `arguments`.
    pub fn new(name: impl Into<String>, arguments: Value) -> Self {
        ToolCall {
            name: name.into(),
            arguments,
            ..ToolCall::default()
        }
    }

    /// The same call, of a tool of MCP server `server`.
    pub fn with_server(mut self, server: impl Into<String>) -> Self {
        self.server = Some(server.into());
        self
    }

    /// The same call, with the tool's MCP annotations.
    pub fn with_annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.annotations = Some(annotations);
        self
    }

    /// The server and the bare tool name: the request's `server`, else the
    /// one an `mcp__server__tool` or `server/tool` name carries.
    pub fn server_and_tool(&self) -> (Option<&str>, &str) {
        split_tool_name(&self.name, self.server.as_deref())
    }
}

/// The server and bare tool name of a tool called `name`: `server` when
/// given, else the one an `mcp__server__tool` or `server/tool` name carries.
pub fn split_tool_name<'a>(name: &'a str, server: Option<&'a str>) -> (Option<&'a str>, &'a str) {
    if let Some(rest) = name.strip_prefix("mcp__") {
        if let Some((s, tool)) = rest.split_once("__") {
            if !s.is_empty() && !tool.is_empty() {
                return (Some(server.unwrap_or(s)), tool);
            }
        }
    }
    if let Some((s, tool)) = name.split_once('/') {
        if !s.is_empty() && !tool.is_empty() {
            return (Some(server.unwrap_or(s)), tool);
        }
    }
    (server, name)
}

/// The one thing a request asks to do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// A shell command line.
    Command(String),
    /// An HTTP request.
    Http(HttpRequest),
    /// A tool call.
    Tool(ToolCall),
    /// A named action (`db.read`), decided by the policy's permissions.
    Named(String),
}

/// A request for a decision.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Request {
    /// Echoed in the decision; any JSON value.
    pub id: Option<Value>,
    /// Who asks.
    pub principal: Option<Principal>,
    /// What is asked.
    pub action: Action,
    /// The working directory the request was made in (a hook's `cwd`): the
    /// project. A command's relative paths, `cd` chains and `..` resolve
    /// against it, and paths strictly inside it are project paths even under
    /// a protected tree (`/srv/app/build`); the root itself, its parents and
    /// its `.git` stay protected. Absolute (ignored otherwise); a directory
    /// that is no project (`/`, a home directory itself, a system
    /// directory) still resolves relative paths, with no project exemption.
    pub cwd: Option<String>,
}

/// A request that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not JSON, or not of the request's shape.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// None of `command`, `http`, `tool`, `action`.
    #[error("invalid request: expected one of `command`, `http`, `tool` or `action`")]
    NoAction,
    /// More than one of `command`, `http`, `tool`, `action`.
    #[error("invalid request: `command`, `http`, `tool` and `action` are exclusive; found {0}")]
    ManyActions(String),
    /// Larger than [`MAX_REQUEST_BYTES`].
    #[error("invalid request: {0} bytes; the maximum is {MAX_REQUEST_BYTES}")]
    TooLarge(usize),
}

/// The JSON shape, before the one-action rule is checked.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    principal: Option<Principal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http: Option<HttpRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tool: Option<ToolCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cwd: Option<String>,
}

impl Request {
    /// A request to run a shell command.
    pub fn command(command: impl Into<String>) -> Self {
        Request::from_action(Action::Command(command.into()))
    }

    /// A request to send an HTTP request.
    pub fn http(method: impl Into<String>, url: impl Into<String>) -> Self {
        Request::from_action(Action::Http(HttpRequest {
            method: Some(method.into()),
            url: url.into(),
            ..HttpRequest::default()
        }))
    }

    /// A request to do a named action (`db.read`), decided by permissions.
    pub fn action(action: impl Into<String>) -> Self {
        Request::from_action(Action::Named(action.into()))
    }

    /// A request to call a tool.
    pub fn tool(name: impl Into<String>, arguments: Value) -> Self {
        Request::from_action(Action::Tool(ToolCall {
            name: name.into(),
            arguments,
            ..ToolCall::default()
        }))
    }

    /// A request for `action`.
    pub(crate) fn from_action(action: Action) -> Self {
        Request {
            id: None,
            principal: None,
            action,
            cwd: None,
        }
    }

    /// This request, made in the working directory `cwd` (the project).
    pub fn with_cwd(mut self, cwd: impl Into<String>) -> Self {
        self.cwd = Some(cwd.into());
        self
    }

    /// This request, asked by `principal`.
    pub fn with_principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// This request, with an id the decision echoes.
    pub fn with_id(mut self, id: Value) -> Self {
        self.id = Some(id);
        self
    }

    /// Reads a request from its JSON form.
    pub fn from_json(text: &str) -> Result<Request, RequestError> {
        if text.len() > MAX_REQUEST_BYTES {
            return Err(RequestError::TooLarge(text.len()));
        }
        let wire: Wire =
            serde_json::from_str(text).map_err(|e| RequestError::Invalid(e.to_string()))?;
        Request::from_wire(wire)
    }

    /// Reads a request from a JSON value.
    pub fn from_value(value: Value) -> Result<Request, RequestError> {
        let wire: Wire =
            serde_json::from_value(value).map_err(|e| RequestError::Invalid(e.to_string()))?;
        Request::from_wire(wire)
    }

    fn from_wire(wire: Wire) -> Result<Request, RequestError> {
        let present: Vec<&str> = [
            wire.command.as_ref().map(|_| "`command`"),
            wire.http.as_ref().map(|_| "`http`"),
            wire.tool.as_ref().map(|_| "`tool`"),
            wire.action.as_ref().map(|_| "`action`"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if present.len() > 1 {
            return Err(RequestError::ManyActions(present.join(", ")));
        }
        let action = match (wire.command, wire.http, wire.tool, wire.action) {
            (Some(command), _, _, _) => Action::Command(command),
            (_, Some(http), _, _) => Action::Http(http),
            (_, _, Some(tool), _) => Action::Tool(tool),
            (_, _, _, Some(action)) => Action::Named(action),
            _ => return Err(RequestError::NoAction),
        };
        Ok(Request {
            id: wire.id,
            principal: wire.principal,
            action,
            cwd: wire.cwd,
        })
    }

    /// The JSON form of this request.
    pub fn to_value(&self) -> Value {
        let (mut command, mut http, mut tool, mut action) = (None, None, None, None);
        match &self.action {
            Action::Command(c) => command = Some(c.clone()),
            Action::Http(h) => http = Some(h.clone()),
            Action::Tool(t) => tool = Some(t.clone()),
            Action::Named(a) => action = Some(a.clone()),
        }
        let wire = Wire {
            id: self.id.clone(),
            principal: self.principal.clone(),
            command,
            http,
            tool,
            action,
            cwd: self.cwd.clone(),
        };
        serde_json::to_value(wire).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_reads_from_json() {
        let r = Request::from_json(r#"{"id": 3, "command": "ls"}"#).unwrap();
        assert_eq!(r.action, Action::Command("ls".into()));
        assert_eq!(r.id, Some(Value::from(3)));
        let r = Request::from_json(r#"{"http": {"url": "https://a.example"}}"#).unwrap();
        assert!(matches!(r.action, Action::Http(ref h) if h.method.is_none()));
        let r = Request::from_json(r#"{"tool": {"name": "Bash", "arguments": {"command": "ls"}}, "principal": {"id": "agent-7", "roles": ["ci"], "environment": "staging", "session": "s-42"}}"#).unwrap();
        assert_eq!(r.principal.unwrap().roles, vec!["ci".to_owned()]);
    }

    #[test]
    fn ambiguous_or_unknown_requests_are_refused() {
        assert_eq!(Request::from_json("{}"), Err(RequestError::NoAction));
        assert!(matches!(
            Request::from_json(r#"{"command": "ls", "tool": {"name": "x"}}"#),
            Err(RequestError::ManyActions(_))
        ));
        assert!(matches!(
            Request::from_json(r#"{"command": "ls", "comand": "rm"}"#),
            Err(RequestError::Invalid(m)) if m.contains("comand")
        ));
    }

    #[test]
    fn requests_round_trip_through_json() {
        let text = r#"{"id":"x","http":{"method":"POST","url":"https://a.example/","body":"{}"}}"#;
        let r = Request::from_json(text).unwrap();
        assert_eq!(Request::from_value(r.to_value()).unwrap(), r);
    }
}
