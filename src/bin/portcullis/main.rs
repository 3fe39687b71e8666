//! `portcullis`: decisions from the command line.
//!
//! `check` decides one command, URL or tool call and says so in its exit
//! status; `eval` streams JSON-lines requests to JSON-lines decisions; `lint`
//! validates a policy and lists every problem; `policy show` prints a policy
//! (resolved: with where each rule came from); `export cedar` writes the
//! RBAC part as Cedar; `packs` lists the built-in parts; `hook` answers a
//! coding agent's pre-tool hook, `init` wires it into agents' settings and
//! `doctor` checks the wiring. Every subcommand takes
//! `--policy FILE` and otherwise uses the embedded default policy.
//!
//! Exit status: 0 allow (or a clean lint), 2 deny, 3 ask, 1 usage or input error.

mod approve;
mod audit;
mod check;
mod doctor;
mod eval;
mod hook;
mod init;
mod lint;
mod load;
mod policy;
mod wiring;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit status for usage and input errors.
const EXIT_ERROR: u8 = 1;

/// Portcullis: allow / ask / deny for AI agents' commands, HTTP requests and tool calls.
#[derive(Parser)]
#[command(name = "portcullis", version, about, long_about = None)]
struct Cli {
    /// Policy file, JSON or TOML by its extension; the embedded default policy when absent.
    #[arg(long, global = true, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Policy format, when the file name does not say it.
    #[arg(long, global = true, value_enum)]
    format: Option<FormatArg>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Json,
    Toml,
}

#[derive(Subcommand)]
enum Command {
    /// Decide one command, URL or tool call. Exit status: 0 allow, 2 deny, 3 ask, 1 error.
    Check(check::CheckArgs),
    /// Read JSON-lines requests on stdin, write one decision per line on stdout, in order.
    Eval {
        #[command(flatten)]
        trail: audit::TrailArgs,
        /// Also export every record of the trail to OpenTelemetry logs at
        /// this OTLP/HTTP endpoint (`http://127.0.0.1:4318`).
        #[arg(long, value_name = "URL", requires = "audit")]
        audit_otlp: Option<String>,
    },
    /// Answer a coding agent's pre-tool hook: its JSON on stdin, its protocol's answer on stdout.
    Hook(hook::HookArgs),
    /// Wire the hook into coding agents' settings (or remove it with --uninstall).
    Init(init::InitArgs),
    /// Check each wired agent: settings readable, binary there, policy loads, a probe is blocked.
    Doctor,
    /// Approve an `ask` out of band, by the code its reason carried: the same
    /// action is then allowed in its session (until the approval's TTL ends).
    Approve {
        /// The approval code (`portcullis approve k3f9qzmb`).
        code: String,
        /// Approve one more run only.
        #[arg(long)]
        once: bool,
        /// The sessions' directory (default: `$XDG_STATE_HOME/portcullis/sessions`).
        #[arg(long, value_name = "DIR")]
        state_dir: Option<PathBuf>,
    },
    /// Work with audit trails.
    Audit {
        #[command(subcommand)]
        what: AuditCommand,
    },
    /// Validate a policy and print every error; exit 0 when clean.
    Lint {
        /// The policy to lint (or use --policy); the embedded default when neither is given.
        file: Option<PathBuf>,
    },
    /// Inspect a policy.
    Policy {
        #[command(subcommand)]
        what: PolicyCommand,
    },
    /// List the built-in parts `extends` can name, with versions and rule counts.
    Packs,
    /// Translate a policy for another engine.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check that a trail is intact: every record sealed, every link in
    /// place. Give rotated files oldest first and the live file last, or
    /// the live file alone with --rotated. Exit status: 0 intact, 2 broken, 1 error.
    Verify {
        /// The trail's files, in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also read FILE.1, FILE.2, … before the (single) FILE given.
        #[arg(long)]
        rotated: bool,
        /// The first record may continue an earlier chain (older files were removed).
        #[arg(long)]
        continued: bool,
        /// The trail is keyed: check every seal with the key in FILE
        /// (default: $PORTCULLIS_AUDIT_KEY_FILE).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// Also check the trail against this copy of its anchor (kept elsewhere).
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
    },
    /// Print a trail's decisions, one per line; with --session, one agent
    /// session's steps in order, with the session facts each consulted.
    Show {
        /// The trail's files, in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only this session's decisions, by step.
        #[arg(long, value_name = "ID")]
        session: Option<String>,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Print the RBAC part (roles, bindings, permissions) as an equivalent
    /// Cedar policy set; Cedar then allows an action exactly when Portcullis does.
    Cedar {
        /// The policy (or use --policy); the embedded default when neither is given.
        file: Option<PathBuf>,
        /// Also write the Cedar entities (roles, bound principals) as JSON to this file.
        #[arg(long, value_name = "FILE")]
        entities: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Print a policy as JSON; with --resolved, after `extends` and `disable`,
    /// every rule with the base or part it came from, and the policy hash.
    Show {
        /// Resolve `extends` and `disable`.
        #[arg(long)]
        resolved: bool,
        /// The policy (or use --policy); the embedded default when neither is given.
        file: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_ERROR)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let format = cli.format.map(|f| match f {
        FormatArg::Json => portcullis::Format::Json,
        FormatArg::Toml => portcullis::Format::Toml,
    });
    let result = match cli.command {
        Command::Lint { file } => lint::run(file.or(cli.policy).as_deref(), format),
        Command::Policy {
            what: PolicyCommand::Show { resolved, file },
        } => policy::show(file.or(cli.policy).as_deref(), format, resolved),
        Command::Packs => policy::packs(),
        Command::Export {
            what: ExportCommand::Cedar { file, entities },
        } => policy::export_cedar(file.or(cli.policy).as_deref(), format, entities.as_deref()),
        Command::Check(args) => {
            load::engine(cli.policy.as_deref(), format).and_then(|engine| check::run(&engine, args))
        }
        Command::Eval { trail, audit_otlp } => load::engine(cli.policy.as_deref(), format)
            .and_then(|engine| {
                let export = audit_otlp.as_deref().map(audit::export).transpose()?;
                let log = trail.open(export.clone())?;
                let code = eval::run(&engine, log)?;
                match export {
                    Some(export) => export
                        .shutdown()
                        .map(|()| code)
                        .map_err(|e| format!("eval: {e}")),
                    None => Ok(code),
                }
            }),
        Command::Hook(args) => hook::run(cli.policy.as_deref(), format, args),
        Command::Init(args) => init::run(cli.policy.as_deref(), args),
        Command::Doctor => doctor::run(),
        Command::Approve {
            code,
            once,
            state_dir,
        } => load::engine(cli.policy.as_deref(), format)
            .and_then(|engine| approve::run(&engine, &code, once, state_dir.as_deref())),
        Command::Audit {
            what:
                AuditCommand::Verify {
                    files,
                    rotated,
                    continued,
                    key,
                    anchor,
                },
        } => audit::verify(&files, rotated, continued, key, anchor.as_deref()),
        Command::Audit {
            what: AuditCommand::Show { files, session },
        } => audit::show(&files, session.as_deref()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("portcullis: {message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
