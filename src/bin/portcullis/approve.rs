//! `portcullis approve <code>`: approving an `ask` out of band.
//!
//! Every `ask` made in a session carries a short approval code in its
//! reason (`(approve: portcullis approve k3f9qzmb)`). An agent that cannot
//! ask its user (Codex, Gemini, Cline, …) blocks the call instead; the user
//! who agrees runs this, and the same action — exactly that action — is
//! allowed when the agent tries again: once with `--once`, else until the
//! policy's `session.approval_ttl_seconds` ends. The code is looked up in
//! every session state file of the store (each locked in turn).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use portcullis::session::store::Store;
use portcullis::Engine;

/// Approves `code` in the sessions of `store` that asked with it.
pub fn run(
    engine: &Engine,
    code: &str,
    once: bool,
    state_dir: Option<&Path>,
) -> Result<u8, String> {
    let store = match state_dir {
        Some(dir) => Store::at(dir),
        None => Store::user()
            .ok_or("no state directory: set XDG_STATE_HOME or HOME, or pass --state-dir")?,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let files = store
        .files()
        .map_err(|e| format!("{}: {e}", store.dir().display()))?;
    let mut approved = 0;
    for file in files {
        let Some(mut locked) = store
            .open_file(&file)
            .map_err(|e| format!("{}: {e}", file.display()))?
        else {
            continue;
        };
        if engine.approve_in(&mut locked.session, code, once, now) {
            locked
                .save()
                .map_err(|e| format!("{}: {e}", file.display()))?;
            let how = if once { "once" } else { "for this session" };
            println!("approved {code} {how} in session {}", locked.session.id());
            approved += 1;
        }
    }
    if approved == 0 {
        return Err(format!(
            "no session in {} has an ask with code {code}",
            store.dir().display()
        ));
    }
    Ok(0)
}
