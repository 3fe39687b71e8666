//! `portcullis check`: one decision, told in the exit status.

use clap::{Args, Subcommand};
use portcullis::{Decision, Effect, Engine, HttpRequest, ToolCall};

/// Arguments of `check`.
#[derive(Args)]
pub struct CheckArgs {
    /// Print the decision as JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// A shell command: the words after `--`, joined by spaces, or one quoted string.
    Command {
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "COMMAND"
        )]
        words: Vec<String>,
    },
    /// A URL, as an HTTP request: absolute, `host:port` with `-X CONNECT`,
    /// or a path with a `Host` header.
    Url {
        /// The HTTP method.
        #[arg(long, short = 'X', default_value = "GET")]
        method: String,
        /// A header, `Name: value` (repeatable).
        #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
        headers: Vec<String>,
        /// The request body.
        #[arg(long, short = 'd')]
        data: Option<String>,
        /// The TLS server name the client sent.
        #[arg(long)]
        sni: Option<String>,
        /// The URL.
        url: String,
    },
    /// A tool call, as JSON: '{"name": "Bash", "arguments": {"command": "ls"}}'.
    Tool {
        /// The tool call JSON.
        call: String,
    },
}

/// The exit status for an effect.
pub fn exit_code(effect: Effect) -> u8 {
    match effect {
        Effect::Allow => 0,
        Effect::Deny => 2,
        Effect::Ask => 3,
    }
}

/// Decides and prints; the exit status carries the effect.
pub fn run(engine: &Engine, args: CheckArgs) -> Result<u8, String> {
    let decision = match args.what {
        What::Command { words } => engine.check_command(&words.join(" ")),
        What::Url {
            method,
            headers,
            data,
            sni,
            url,
        } => {
            let mut map = std::collections::BTreeMap::new();
            for header in headers {
                let Some((name, value)) = header.split_once(':') else {
                    return Err(format!("invalid header `{header}`: expected `Name: value`"));
                };
                map.insert(name.trim().to_owned(), value.trim().to_owned());
            }
            let mut request = HttpRequest::new(url).with_method(method);
            request.headers = map;
            request.body = data;
            request.sni = sni;
            engine.check_http_request(&request)
        }
        What::Tool { call } => {
            let call: ToolCall =
                serde_json::from_str(&call).map_err(|e| format!("invalid tool call JSON: {e}"))?;
            engine.check_tool_call(&call)
        }
    };
    if args.json {
        println!("{}", decision.to_json());
    } else {
        print!("{}", human(&decision));
    }
    Ok(exit_code(decision.effect))
}

fn human(decision: &Decision) -> String {
    let mut out = format!("{}: {}\n", decision.effect, decision.reason);
    match &decision.rule {
        Some(rule) => out.push_str(&format!("  rule: {rule}\n")),
        None => out.push_str("  rule: (none; default or refused input)\n"),
    }
    if !decision.matched.is_empty() {
        let matched: Vec<String> = decision
            .matched
            .iter()
            .map(|m| {
                let shadow = if m.shadow { ", shadow" } else { "" };
                format!("{} ({}{shadow})", m.rule, m.effect)
            })
            .collect();
        out.push_str(&format!("  matched: {}\n", matched.join(", ")));
    }
    if let Some(c) = &decision.canonical {
        let at = match (&c.host, &c.ip) {
            (Some(host), _) => host.to_string(),
            (None, Some(ip)) if ip.contains(':') => format!("[{ip}]"),
            (None, Some(ip)) => ip.to_string(),
            (None, None) => String::new(),
        };
        out.push_str(&format!(
            "  canonical: {} {}://{at}:{}{}\n",
            c.method, c.scheme, c.port, c.path
        ));
    }
    out
}
