//! The action vocabulary: the categories the analyzers produce, which
//! permissions grant, ask for or deny.
//!
//! | action | produced for |
//! |---|---|
//! | `command:run` | every shell command |
//! | `command:network` | a command that sends HTTP requests (`curl`, `wget`, git remotes) |
//! | `command:destructive` | a command matched by a destructive rule (the `filesystem`, `git`, `databases`, `containers`, `infrastructure`, `cloud`, `system` packs) |
//! | `command:git-history-rewrite` | force pushes, history rewrites, reflog expiry |
//! | `command:remote-code` | piping downloaded code into a shell |
//! | `command:publish` | publishing packages and releases |
//! | `http:read` | an HTTP request with `GET`, `HEAD`, `OPTIONS` or `TRACE` (also made by a command) |
//! | `http:write` | an HTTP request with any other method |
//! | `http:delete` | an HTTP `DELETE` (in addition to `http:write`) |
//! | `http:destructive` | a request matched by a destructive API rule (the `control-plane` pack) |
//! | `secret:read` | reading credentials (the `credentials` pack) |
//! | `secret:exfiltrate` | sending credentials to a remote host |
//! | `guard:tamper` | writing or deleting what the guard runs on: agents' hook settings, the `portcullis` binary, its policy and audit trail (the `self-protection` pack) |
//! | `guard:bypass` | starting an agent with its permission checks or hooks turned off (the `self-protection` pack) |
//! | `tool:call` | every tool call |
//! | `tool:delete` | a tool whose name has a destructive verb (`delete_volume`, `volumeDelete`) |
//!
//! Rules name the categories a match of theirs means in their `actions`
//! field (the built-in packs do); any other name (`db.read`) is an action a
//! caller names itself in an `action` request. Cost: none; these are names.

/// Every shell command.
pub const COMMAND_RUN: &str = "command:run";
/// A command that sends HTTP requests.
pub const COMMAND_NETWORK: &str = "command:network";
/// An HTTP read.
pub const HTTP_READ: &str = "http:read";
/// An HTTP write.
pub const HTTP_WRITE: &str = "http:write";
/// An HTTP `DELETE`.
pub const HTTP_DELETE: &str = "http:delete";
/// Every tool call.
pub const TOOL_CALL: &str = "tool:call";
/// A tool whose name says it destroys.
pub const TOOL_DELETE: &str = "tool:delete";

/// The built-in categories of an HTTP request with `method` (uppercase).
pub fn of_method(method: &str) -> &'static [&'static str] {
    match method {
        "GET" | "HEAD" | "OPTIONS" | "TRACE" => &[HTTP_READ],
        "DELETE" => &[HTTP_WRITE, HTTP_DELETE],
        _ => &[HTTP_WRITE],
    }
}
