//! `portcullis hook <agent>`: the pre-tool hook of a coding agent.
//!
//! Reads the agent's hook payload on stdin, decides every request the tool
//! call makes (the most severe decision answers) and prints the answer in
//! the agent's protocol (see `portcullis::hook`). Anything that goes wrong —
//! unreadable payload, policy that does not load, audit trail that cannot be
//! written — blocks the tool call: exit status 2 with the reason on stderr,
//! which all three agents treat as a block.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use portcullis::hook::{self, Agent, BLOCK_STATUS, MAX_PAYLOAD_BYTES};
use portcullis::Format;

#[derive(Clone, Copy, ValueEnum)]
pub enum AgentArg {
    /// Claude Code (`PreToolUse`).
    Claude,
    /// OpenAI Codex CLI (`PreToolUse`).
    Codex,
    /// Gemini CLI (`BeforeTool`).
    Gemini,
}

#[derive(Args)]
pub struct HookArgs {
    /// The agent whose hook protocol to speak.
    #[arg(value_enum)]
    agent: AgentArg,
    /// Also record the decision in this tamper-evident audit trail.
    #[arg(long, value_name = "FILE")]
    audit: Option<PathBuf>,
}

/// Runs the hook; its errors are answered here (status 2), never returned.
pub fn run(policy: Option<&Path>, format: Option<Format>, args: HookArgs) -> Result<u8, String> {
    let agent = match args.agent {
        AgentArg::Claude => Agent::Claude,
        AgentArg::Codex => Agent::Codex,
        AgentArg::Gemini => Agent::Gemini,
    };
    match answer(agent, policy, format, args.audit.as_deref()) {
        Ok(answer) => {
            if let Some(out) = answer.stdout {
                println!("{out}");
            }
            Ok(answer.status)
        }
        Err(why) => {
            eprintln!("portcullis: {why}");
            Ok(BLOCK_STATUS)
        }
    }
}

fn answer(
    agent: Agent,
    policy: Option<&Path>,
    format: Option<Format>,
    audit: Option<&Path>,
) -> Result<hook::Answer, String> {
    let mut text = String::new();
    std::io::stdin()
        .take(MAX_PAYLOAD_BYTES as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("reading the hook payload: {e}"))?;
    let home = std::env::var("HOME").ok();
    let payload = hook::requests(agent, &text, home.as_deref()).map_err(|e| e.to_string())?;
    if payload.requests.is_empty() {
        // Not a tool event: nothing to decide.
        return Ok(hook::Answer {
            stdout: None,
            status: 0,
        });
    }
    let engine = super::load::engine(policy, format)?;
    let log = audit.map(super::audit::open).transpose()?;
    let decisions = payload
        .requests
        .iter()
        .map(|r| match &log {
            Some(log) => engine.decide_audited(r, log),
            None => engine.decide(r),
        })
        .collect();
    if let Some(log) = log {
        log.close().map_err(|e| e.to_string())?;
    }
    let decision = hook::most_severe(decisions).ok_or("no decision")?;
    Ok(hook::answer(agent, &decision))
}
