//! `portcullis init <agent>…`: wires the hook into each agent's settings.
//!
//! For each agent, at `--scope user` (the default: `~/…`) or `project`
//! (the current directory), it writes the entry `wiring.toml` gives with
//! the absolute path of this binary (and the absolute `--policy` and
//! `--audit` paths, when given) into the agent's settings file, keeping
//! every other setting and hook; a second run changes nothing. Before it
//! changes a file that exists, it copies it to `FILE.portcullis-backup`.
//! `--dry-run` prints what it would write; `--uninstall` removes exactly
//! the entries (or the script or plugin file) it added. A settings file
//! that is not valid JSON is refused with its file, line and column and
//! left as it is. Exit status 0 when every agent is wired (or was), 1
//! when one could not be.

use std::path::{Path, PathBuf};

use clap::Args;

use portcullis::hook::shell_quote;

use super::hook::AgentArg;
use super::wiring::{self, Edit, Scope, Style};

#[derive(Args)]
pub struct InitArgs {
    /// The agents to wire (`claude`, `codex`, `gemini`, `copilot`, `cursor`, `cline`, `windsurf`, `opencode`).
    #[arg(value_enum, required = true)]
    agents: Vec<AgentArg>,
    /// Wire it for the user (in the home directory) or for the project (the current directory).
    #[arg(long, value_enum, default_value = "user")]
    scope: Scope,
    /// Record every decision in this audit trail (`--audit` of the hook).
    #[arg(long, value_name = "FILE")]
    audit: Option<PathBuf>,
    /// Print what would change, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Remove what `init` added.
    #[arg(long)]
    uninstall: bool,
}

/// Where `init` and `doctor` work: the home and project directories.
pub struct Places {
    pub home: PathBuf,
    pub project: PathBuf,
}

impl Places {
    pub fn here() -> Result<Places, String> {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .ok_or("HOME is not set: cannot find the agents' user settings")?;
        let project = std::env::current_dir().map_err(|e| format!("the current directory: {e}"))?;
        Ok(Places { home, project })
    }
}

fn absolute(path: &Path) -> Result<String, String> {
    std::path::absolute(path)
        .map(|p| p.display().to_string())
        .map_err(|e| format!("{}: {e}", path.display()))
}

pub fn run(policy: Option<&Path>, args: InitArgs) -> Result<u8, String> {
    let table = wiring::table()?;
    let places = Places::here()?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let mut failed = false;
    for agent in &args.agents {
        let name = agent.agent().as_str();
        let Some(w) = table.get(name) else {
            eprintln!("portcullis: {name}: no row in wiring.toml");
            failed = true;
            continue;
        };
        let mut argv = vec![exe.display().to_string()];
        if let Some(p) = policy {
            argv.extend(["--policy".to_owned(), absolute(p)?]);
        }
        argv.extend(["hook".to_owned(), name.to_owned()]);
        if let Some(a) = &args.audit {
            argv.extend(["--audit".to_owned(), absolute(a)?]);
        }
        let command = argv
            .iter()
            .map(|w| shell_quote(w))
            .collect::<Vec<_>>()
            .join(" ");
        let path = w.path(args.scope, &places.home, &places.project);
        match wire(w, name, &path, &argv, &command, &args) {
            Ok(said) => {
                say(&format!(
                    "{name} ({}, {}): {said}",
                    args.scope.as_str(),
                    path.display()
                ));
                if let (Some(note), false) = (&w.note, args.uninstall) {
                    say(&format!("  note: {note}"));
                }
            }
            Err(why) => {
                eprintln!("portcullis: {name}: {why}");
                failed = true;
            }
        }
    }
    Ok(u8::from(failed))
}

/// Makes (or prints) one agent's edit; says what it did.
fn wire(
    w: &wiring::Wiring,
    name: &str,
    path: &Path,
    argv: &[String],
    command: &str,
    args: &InitArgs,
) -> Result<String, String> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let edit = match (w.style, args.uninstall, &existing) {
        (Style::Json, false, _) => {
            wiring::install_json(w, name, path, existing.as_deref(), command)?
        }
        (Style::Json, true, None) => Edit::Unchanged,
        (Style::Json, true, Some(text)) => wiring::uninstall_json(name, path, text)?,
        (_, false, existing) => {
            let text = wiring::file_text(w.style, argv, command);
            match existing {
                Some(old) if *old == text => Edit::Unchanged,
                Some(old) if !wiring::file_is_ours(old) => {
                    return Err(format!(
                        "{} exists and is not Portcullis's; merge the hook into it by hand (run: {command})",
                        path.display()
                    ))
                }
                _ => Edit::Write(text),
            }
        }
        (_, true, None) => Edit::Unchanged,
        (_, true, Some(old)) if wiring::file_is_ours(old) => Edit::Remove,
        (_, true, Some(_)) => {
            return Err(format!(
                "{} is not Portcullis's; it is left as it is",
                path.display()
            ))
        }
    };
    match edit {
        Edit::Unchanged => Ok(if args.uninstall {
            "not wired; nothing to remove".into()
        } else {
            "already wired; unchanged".into()
        }),
        Edit::Write(text) if args.dry_run => Ok(format!("would write:\n{text}")),
        Edit::Remove if args.dry_run => Ok("would remove the file (it only held the hook)".into()),
        Edit::Write(text) => {
            backup(path, existing.is_some())?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            write_file(path, &text, w.style == Style::Script)?;
            Ok(if args.uninstall {
                "hook removed"
            } else {
                "hook wired"
            }
            .into())
        }
        // No backup: the file held nothing but the hook init wrote.
        Edit::Remove => {
            std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok("hook removed (the file only held it)".into())
        }
    }
}

/// One line on stdout; a closed pipe (`| head`) is not an error worth a panic.
pub fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn backup(path: &Path, exists: bool) -> Result<(), String> {
    if !exists {
        return Ok(());
    }
    let mut name = path.as_os_str().to_owned();
    name.push(".portcullis-backup");
    std::fs::copy(path, PathBuf::from(&name))
        .map(drop)
        .map_err(|e| format!("backing up {}: {e}", path.display()))
}

/// Writes `text` to `path` through a temporary file and a rename, so a
/// crash leaves the old file or the new one, never half of one.
fn write_file(path: &Path, text: &str, executable: bool) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".portcullis-tmp");
    let tmp = PathBuf::from(tmp);
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    std::fs::write(&tmp, text).map_err(fail)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&tmp, meta.permissions()).map_err(fail)?;
    }
    #[cfg(unix)]
    if executable {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).map_err(fail)?;
    }
    #[cfg(not(unix))]
    let _ = executable;
    std::fs::rename(&tmp, path).map_err(fail)
}
