//! `portcullis check`: one decision, told in the exit status.

use clap::{Args, Subcommand};
use portcullis::{Decision, Effect, Engine, ToolCall};

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
    /// A URL, as an HTTP request.
    Url {
        /// The HTTP method.
        #[arg(long, short = 'X', default_value = "GET")]
        method: String,
        /// The absolute URL.
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
        What::Url { method, url } => engine.check_http(&method, &url),
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
    out
}
