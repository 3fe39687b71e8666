//! `portcullis hook <agent>`: the pre- and post-tool hook of a coding agent.
//!
//! Reads the agent's hook payload on stdin, decides every request the tool
//! call makes, settles the decisions into what the hook does (see
//! `portcullis::hook`: pass through, grant, ask or deny; the most severe
//! answers) and prints the answer in the agent's protocol. When the payload
//! names the agent's session, the decisions are made in that session (see
//! `portcullis::session`): its state file under the user's state directory
//! (or `--state-dir`) is locked, read, and written back before the answer is
//! given, so parallel tool calls take turns. A post-tool event decides
//! nothing: it tells the session what ran (an `ask` followed by its call
//! was approved; the output is scanned for secrets) and answers nothing. With `--audit`,
//! every decision is recorded, marked with what the hook made of it, before
//! the answer is given — on this thread, without the audit log's writer
//! thread: one process, one record. Anything that goes wrong — unreadable
//! payload, policy that does not load, audit trail that cannot be written —
//! blocks the tool call: exit status 2 with the reason on stderr, which
//! every agent here treats as a block.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use clap::{Args, ValueEnum};
use portcullis::audit::{self, Entry};
use portcullis::hook::{self, Agent, Settings, BLOCK_STATUS, MAX_PAYLOAD_BYTES};
use portcullis::session::store::{Locked, Store};
use portcullis::{Format, HookAnswer};

/// The agents, by command-line name.
#[derive(Clone, Copy, ValueEnum)]
pub enum AgentArg {
    /// Claude Code (`PreToolUse`).
    Claude,
    /// OpenAI Codex CLI (`PreToolUse`).
    Codex,
    /// Gemini CLI (`BeforeTool`).
    Gemini,
    /// GitHub Copilot CLI (`preToolUse`).
    Copilot,
    /// Cursor (`beforeShellExecution`, `beforeMCPExecution`, `beforeReadFile`, `preToolUse`).
    Cursor,
    /// Cline (a `PreToolUse` hook script).
    Cline,
    /// Windsurf's Cascade (`pre_run_command`, `pre_read_code`, `pre_write_code`, `pre_mcp_tool_use`).
    Windsurf,
    /// OpenCode (the plugin `portcullis init opencode` installs).
    Opencode,
}

impl AgentArg {
    /// The library's agent.
    pub fn agent(self) -> Agent {
        match self {
            AgentArg::Claude => Agent::Claude,
            AgentArg::Codex => Agent::Codex,
            AgentArg::Gemini => Agent::Gemini,
            AgentArg::Copilot => Agent::Copilot,
            AgentArg::Cursor => Agent::Cursor,
            AgentArg::Cline => Agent::Cline,
            AgentArg::Windsurf => Agent::Windsurf,
            AgentArg::Opencode => Agent::OpenCode,
        }
    }
}

#[derive(Args)]
pub struct HookArgs {
    /// The agent whose hook protocol to speak.
    #[arg(value_enum)]
    agent: AgentArg,
    #[command(flatten)]
    trail: crate::audit::TrailArgs,
    /// Let an explicit allow rule grant the call, skipping the agent's own
    /// permission prompt (as the policy's `hooks.grant: true`). Without it an
    /// allow only passes the call through to the agent's permission flow.
    #[arg(long)]
    grant: bool,
    /// Nobody is there to answer: an `ask` is settled by the policy's
    /// `hooks.unattended_ask` (deny unless it says `pass`).
    #[arg(long)]
    unattended: bool,
    /// Keep sessions in this directory instead of the user's state
    /// directory (`$XDG_STATE_HOME/portcullis/sessions`).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Decide every call alone: no session state is read or written.
    #[arg(long)]
    no_session: bool,
    /// The event of a payload that names none (Copilot's camelCase payloads:
    /// `--event postToolUse` on its post-tool hook).
    #[arg(long, value_name = "NAME")]
    event: Option<String>,
}

/// Runs the hook; its errors are answered here (status 2), never returned.
pub fn run(policy: Option<&Path>, format: Option<Format>, args: HookArgs) -> Result<u8, String> {
    match answer(policy, format, &args) {
        Ok(answer) => {
            if let Some(out) = answer.stdout {
                println!("{out}");
            }
            if let Some(err) = answer.stderr {
                eprintln!("{err}");
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
    policy: Option<&Path>,
    format: Option<Format>,
    args: &HookArgs,
) -> Result<hook::Answer, String> {
    let agent = args.agent.agent();
    let mut text = String::new();
    std::io::stdin()
        .take(MAX_PAYLOAD_BYTES as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("reading the hook payload: {e}"))?;
    let home = std::env::var("HOME").ok();
    let payload = hook::requests_for(agent, &text, home.as_deref(), args.event.as_deref())
        .map_err(|e| e.to_string())?;
    if payload.requests.is_empty() {
        // Neither a pre- nor a post-tool event: nothing to decide.
        return Ok(hook::Answer::silent());
    }
    let engine = super::load::engine(policy, format)?;
    let mut session = open_session(agent, &payload, args)?;
    let now = SystemTime::now();
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if payload.ran {
        if let Some(locked) = &mut session {
            let output = payload.output.as_deref();
            if payload.failed {
                // A failed call approves nothing; its output still counts.
                engine.output_in(&mut locked.session, output, secs);
            } else {
                for request in &payload.requests {
                    engine.ran_in(&mut locked.session, request, output, secs);
                }
            }
            save(locked)?;
        }
        return Ok(hook::answer(agent, &payload.event, &hook::ran_decision()));
    }
    let mut settings = Settings::of(engine.hooks());
    settings.grant |= args.grant;
    settings.unattended |= args.unattended;
    let mut decisions: Vec<_> = payload
        .requests
        .iter()
        .map(|r| match &mut session {
            Some(locked) => engine.decide_in_at(&mut locked.session, r, secs),
            None => engine.decide(r),
        })
        .collect();
    let at = hook::settle(agent, &payload.event, &mut decisions, settings).ok_or("no decision")?;
    if let Some(locked) = &mut session {
        // An `ask` the hook blocked or passed through asked nobody: the call
        // running later is no one's approval (`portcullis approve` still is).
        for d in &decisions {
            let code = d.session.as_ref().and_then(|s| s.code.as_deref());
            if let (Some(code), false) = (code, d.hook == Some(HookAnswer::Ask)) {
                locked.session.not_prompted(code);
            }
        }
    }
    if let Some(path) = &args.trail.audit {
        let options = args.trail.file_options()?;
        let entries: Vec<Entry> = payload
            .requests
            .iter()
            .zip(&decisions)
            .map(|(request, decision)| Entry {
                at: now,
                engine: engine.clone(),
                request: request.clone(),
                decision: decision.clone(),
            })
            .collect();
        audit::append(path, &options, &entries)
            .map_err(|e| format!("audit trail {}: {e}", path.display()))?;
    }
    if let Some(locked) = &session {
        save(locked)?;
    }
    let decision = decisions.get(at).ok_or("no decision")?;
    Ok(hook::answer(agent, &payload.event, decision))
}

/// The payload's session, locked, unless sessions are off or the payload
/// names none. A store that cannot be opened blocks the call.
fn open_session(
    agent: Agent,
    payload: &hook::Payload,
    args: &HookArgs,
) -> Result<Option<Locked>, String> {
    if args.no_session {
        return Ok(None);
    }
    let id = payload
        .requests
        .iter()
        .find_map(|r| r.principal.as_ref()?.session.clone());
    let Some(id) = id else { return Ok(None) };
    let store = match &args.state_dir {
        Some(dir) => Store::at(dir),
        None => Store::user().ok_or(
            "no state directory for sessions: set XDG_STATE_HOME or HOME, or pass --state-dir or --no-session",
        )?,
    };
    store
        .open(agent.as_str(), &id)
        .map(Some)
        .map_err(|e| format!("session state in {}: {e}", store.dir().display()))
}

fn save(locked: &Locked) -> Result<(), String> {
    locked
        .save()
        .map_err(|e| format!("session state {}: {e}", locked.path().display()))
}
