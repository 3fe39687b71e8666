//! Sessions kept in files, for hooks: one process per tool call, so a
//! session outlives every process that decides in it.
//!
//! One state file per agent and session id, under the user's state
//! directory (`$XDG_STATE_HOME/portcullis/sessions`, else
//! `~/.local/state/portcullis/sessions`), named by the hash of the id (an id
//! is the agent's, and not a safe file name). A state file is read and
//! written under an exclusive lock on its `.lock` companion, so parallel
//! tool calls of one session take turns (waiting at most [`LOCK_WAIT`]; a
//! lock not had in time is an error, which blocks the call). It is
//! rewritten in place under that lock (see [`Locked::save`]). A state file that is
//! unreadable (torn by a crash: it is not synced, since a torn state fails
//! closed anyway), not a session's, larger than [`MAX_STATE_BYTES`], for another
//! session or from a newer version is moved aside (`….unreadable-<time>`,
//! kept for whoever investigates) and the session goes on *unreadable*:
//! tainted, saying why in every reason it makes stricter — never a silent
//! reset. Cost: one small file read and one write per hook call.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::Session;

/// Largest state file read (4 MiB); a larger one is unreadable.
pub const MAX_STATE_BYTES: u64 = 4 << 20;

/// Longest wait for a session's lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// A directory of session state files.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// A session read from its state file and locked until dropped.
#[derive(Debug)]
pub struct Locked {
    _lock: File,
    path: PathBuf,
    /// The session.
    pub session: Session,
}

impl Store {
    /// The store in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The user's store: `$XDG_STATE_HOME/portcullis/sessions`, else
    /// `$HOME/.local/state/portcullis/sessions`; `None` when neither
    /// variable is set to an absolute path.
    pub fn user() -> Option<Store> {
        let absolute = |v: String| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
        let base = std::env::var("XDG_STATE_HOME")
            .ok()
            .and_then(absolute)
            .or_else(|| {
                std::env::var("HOME")
                    .ok()
                    .and_then(absolute)
                    .map(|h| h.join(".local").join("state"))
            })?;
        Some(Store::at(base.join("portcullis").join("sessions")))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The state file of session `id` of `scope` (an agent's name).
    pub fn path(&self, scope: &str, id: &str) -> PathBuf {
        let hash = super::key::hex(&super::key::sha256(id.as_bytes()));
        let scope: String = scope
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(32)
            .collect();
        self.dir
            .join(format!("{scope}-{}.json", hash.get(..32).unwrap_or(&hash)))
    }

    /// Session `id` of `scope`, locked: read from its state file (a new
    /// session when there is none; an unreadable one when it cannot be
    /// read, the file moved aside).
    pub fn open(&self, scope: &str, id: &str) -> io::Result<Locked> {
        create_private_dir(&self.dir)?;
        let path = self.path(scope, id);
        let lock = lock(&path.with_extension("lock"))?;
        let session = match read(&path, id) {
            Ok(Some(session)) => session,
            Ok(None) => Session::new(id),
            Err(why) => {
                let aside = path.with_extension(format!("json.unreadable-{}", now_secs()));
                let moved = match fs::rename(&path, &aside) {
                    Ok(()) => format!("; kept as {}", aside.display()),
                    Err(_) => String::new(),
                };
                Session::unreadable(id, format!("{}: {why}{moved}", path.display()))
            }
        };
        Ok(Locked {
            _lock: lock,
            path,
            session,
        })
    }

    /// Every state file in the store.
    pub fn files(&self) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
        out.sort();
        Ok(out)
    }

    /// The session in state file `path` (one of [`Store::files`]), locked.
    /// `Ok(None)` when the file cannot be read as a session (left as it is).
    pub fn open_file(&self, path: &Path) -> io::Result<Option<Locked>> {
        let lock = lock(&path.with_extension("lock"))?;
        let Ok(text) = read_bounded(path) else {
            return Ok(None);
        };
        Ok(Session::from_json(&text).ok().map(|session| Locked {
            _lock: lock,
            path: path.to_owned(),
            session,
        }))
    }
}

impl Locked {
    /// Writes the session back in place, still locked: every reader and
    /// writer of the file holds its lock, so none sees it half written. Not
    /// synced and not renamed into place: a state torn by a crash reads as
    /// unreadable, which taints the session (fail closed), so the fsync or
    /// the journaled rename per tool call — each near a millisecond on a
    /// busy disk — would buy nothing safer.
    pub fn save(&self) -> io::Result<()> {
        let text = self.session.to_json();
        let mut file = private_file_keep(&self.path)?;
        file.write_all(text.as_bytes())?;
        // Only shrinking needs a truncate (a state mostly grows).
        if file.metadata()?.len() > text.len() as u64 {
            file.set_len(text.len() as u64)?;
        }
        Ok(())
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The session in `path`: `None` when there is no file, `Err` (why) when
/// it cannot be read as session `id`.
fn read(path: &Path, id: &str) -> Result<Option<Session>, String> {
    let text = match read_bounded(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let session = Session::from_json(&text).map_err(|e| e.to_string())?;
    if session.id() != super::Session::new(id).id() {
        return Err(format!(
            "it is the state of another session (`{}`)",
            session.id()
        ));
    }
    Ok(Some(session))
}

fn read_bounded(path: &Path) -> io::Result<String> {
    let file = File::open(path)?;
    let mut text = String::new();
    file.take(MAX_STATE_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_STATE_BYTES {
        return Err(io::Error::other(format!(
            "it is larger than {MAX_STATE_BYTES} bytes"
        )));
    }
    Ok(text)
}

/// An exclusive lock on `path` (created), waiting at most [`LOCK_WAIT`].
fn lock(path: &Path) -> io::Result<File> {
    let file = private_file_keep(path)?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(io::Error::other(format!(
                    "the session lock {} was not released within {} s",
                    path.display(),
                    LOCK_WAIT.as_secs()
                )))
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// `path` opened for writing without truncating, created owner-only.
fn private_file_keep(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    owner_only(&mut options);
    options.open(path)
}

fn owner_only(options: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = options;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> Store {
        let dir =
            std::env::temp_dir().join(format!("portcullis-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Store::at(dir)
    }

    #[test]
    fn a_session_survives_its_process_and_a_corrupt_file_taints_it() {
        let store = scratch("roundtrip");
        let mut locked = store.open("claude", "abc").unwrap();
        assert_eq!(locked.session.step(), 0);
        locked.session.begin(10, 100, 10);
        locked.save().unwrap();
        let path = locked.path().to_owned();
        drop(locked);
        assert_eq!(store.open("claude", "abc").unwrap().session.step(), 1);
        fs::write(&path, "{\"version\":1,\"id\":\"abc\",\"st").unwrap();
        let locked = store.open("claude", "abc").unwrap();
        let why = locked.session.taint().unwrap();
        assert!(why.contains("could not be read"), "{why}");
        assert!(!path.exists(), "moved aside");
        assert_eq!(store.files().unwrap().len(), 0);
        drop(locked);
        let _ = fs::remove_dir_all(store.dir());
    }

    #[test]
    fn another_sessions_state_is_unreadable() {
        let store = scratch("other");
        let locked = store.open("claude", "a").unwrap();
        let path = locked.path().to_owned();
        drop(locked);
        fs::create_dir_all(store.dir()).unwrap();
        fs::write(&path, Session::new("b").to_json()).unwrap();
        let locked = store.open("claude", "a").unwrap();
        assert!(locked.session.taint().unwrap().contains("another session"));
        drop(locked);
        let _ = fs::remove_dir_all(store.dir());
    }
}
