//! Sessions from C: decisions that remember what the agent did earlier.
//!
//! A decision alone cannot see a sequence — `.env` read at one step and
//! sent to an unknown host at the next. A [`portcullis_session`] wraps the
//! core crate's `Session` (the bounded record of the facts later decisions
//! depend on) so a C host — a proxy, a gateway, an agent runtime — can keep
//! one per agent session and decide in it:
//! [`portcullis_decide_in_json`] is [`portcullis_decide_json`] made stricter
//! by the session and recorded in it; [`portcullis_session_ran_json`] tells
//! the session a call ran (approving a pending `ask` of the same action and
//! scanning its output for secrets); [`portcullis_session_approve`] approves
//! an `ask` by its code. A session outlives the process only as JSON:
//! [`portcullis_session_to_json`] and [`portcullis_session_from_json`].
//!
//! Clock: the plain functions read the system clock; the `_at` variants
//! take `now`, Unix seconds, for tests and for hosts with their own clock.
//!
//! Ownership and threads: a session is created by
//! [`portcullis_session_new`] or [`portcullis_session_from_json`], owned by
//! the caller and freed with [`portcullis_session_free`]. It holds no
//! reference to any engine (any engine may decide in it, and the engine may
//! be swapped or freed while the session lives). It may be used from
//! several threads: every call on it takes its lock, so calls on one
//! session are serialized (decisions in one session are a sequence anyway);
//! freeing it needs that no other thread uses it any more. The id returned
//! by [`portcullis_session_id`] is borrowed from the session, valid until
//! it is freed; everything else comes in a [`portcullis_buffer`] the caller
//! frees.
//!
//! Failing closed: a decision with a NULL or unreadable session, engine or
//! request is a deny, as for [`portcullis_decide_json`]; a request that
//! cannot be read is not recorded. A panic while the session is locked
//! leaves the lock usable (the session keeps what was recorded before it).
//!
//! Cost: one uncontended lock per call on top of the core crate's session
//! work (a scan of the session's few facts per decision), and, for
//! [`portcullis_session_to_json`], the JSON of every fact.

use std::ffi::c_char;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use portcullis_core::session::Session;
use portcullis_core::Request;

use crate::buffer::{decide_with, portcullis_buffer, refuse_json};
#[cfg(doc)]
use crate::buffer::{portcullis_buffer_free, portcullis_decide_json};
use crate::engine::portcullis_engine;
use crate::guard::{bytes, guard, text};
use crate::status::{
    portcullis_error, portcullis_status, PORTCULLIS_STATUS_INVALID_REQUEST,
    PORTCULLIS_STATUS_INVALID_SESSION, PORTCULLIS_STATUS_NULL_POINTER, PORTCULLIS_STATUS_OK,
};

/// An agent session: what it did so far, for the decisions made in it;
/// opaque to C. Create it with [`portcullis_session_new`] or
/// [`portcullis_session_from_json`], free it with [`portcullis_session_free`].
pub struct portcullis_session {
    state: Mutex<Session>,
    /// The session's id and a NUL (it never changes), lent by
    /// [`portcullis_session_id`].
    id: Box<[u8]>,
}

impl portcullis_session {
    fn raw(session: Session) -> *mut portcullis_session {
        let mut id = Vec::with_capacity(session.id().len() + 1);
        id.extend_from_slice(session.id().as_bytes());
        id.push(0);
        Box::into_raw(Box::new(portcullis_session {
            state: Mutex::new(session),
            id: id.into_boxed_slice(),
        }))
    }

    /// The session, locked. A panic during an earlier call does not make it
    /// unusable: what it recorded stays, and the lock is taken anyway.
    fn lock(&self) -> MutexGuard<'_, Session> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Seconds since the Unix epoch, now (0 for a clock before 1970).
fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Hands `message` out through `error` and returns `status`.
///
/// # Safety
/// `error` is NULL or writable.
unsafe fn refuse(
    error: *mut *mut portcullis_error,
    status: portcullis_status,
    message: &str,
) -> portcullis_status {
    // SAFETY: the caller promises `error` is NULL or writable.
    unsafe { portcullis_error::hand_out(error, status, message) };
    status
}

/// The constructors' shared body: checks `out` and sets it to NULL, reads
/// the text at `ptr`, and stores the session `make` builds from it, or
/// hands out why it could not.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes; `out` is NULL or
/// writable; `error` is NULL or writable.
unsafe fn construct(
    ptr: *const c_char,
    len: usize,
    out: *mut *mut portcullis_session,
    error: *mut *mut portcullis_error,
    make: impl FnOnce(&str) -> Result<Session, String>,
) -> portcullis_status {
    guard(|| {
        // SAFETY: the caller promises `out` is NULL or writable.
        let Some(out) = (unsafe { out.as_mut() }) else {
            // SAFETY: `error` is NULL or writable.
            return unsafe { refuse(error, PORTCULLIS_STATUS_NULL_POINTER, "`out` is NULL") };
        };
        *out = std::ptr::null_mut();
        // SAFETY: the caller promises `ptr` points to `len` readable bytes.
        let input = match unsafe { text(ptr, len) } {
            Ok(input) => input,
            // SAFETY: `error` is NULL or writable.
            Err(refused) => return unsafe { refuse(error, refused.status, refused.message) },
        };
        match make(input) {
            Ok(session) => {
                *out = portcullis_session::raw(session);
                PORTCULLIS_STATUS_OK
            }
            // SAFETY: `error` is NULL or writable.
            Err(message) => unsafe { refuse(error, PORTCULLIS_STATUS_INVALID_SESSION, &message) },
        }
    })
}

/// A new, empty session with the id of `len` bytes at `id` (UTF-8; an id
/// longer than 256 bytes is kept as its hash), stored in `*out` (owned by
/// the caller: free it with [`portcullis_session_free`]). On failure `*out`
/// is NULL and `*error` (when `error` is not NULL) says why.
///
/// # Safety
/// `id` points to `len` readable bytes (or is NULL: an error); `out` is
/// writable; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_session_new(
    id: *const c_char,
    len: usize,
    out: *mut *mut portcullis_session,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises are exactly `construct`'s.
    unsafe { construct(id, len, out, error, |id| Ok(Session::new(id))) }
}

/// Reads a session's state, as [`portcullis_session_to_json`] wrote it, from
/// the `len` bytes at `json`; stores the session in `*out` (owned by the
/// caller: free it with [`portcullis_session_free`]). A state that is not a
/// session's, or was written by a newer version, is
/// `PORTCULLIS_STATUS_INVALID_SESSION`: `*out` is NULL and `*error` (when
/// `error` is not NULL) says why. (A host that must go on deciding for that
/// agent should not start a fresh session silently: decide in a new one and
/// treat the agent as suspect, or refuse.)
///
/// # Safety
/// `json` points to `len` readable bytes (or is NULL: an error); `out` is
/// writable; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_session_from_json(
    json: *const c_char,
    len: usize,
    out: *mut *mut portcullis_session,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises are exactly `construct`'s.
    unsafe {
        construct(json, len, out, error, |text| {
            Session::from_json(text).map_err(|e| e.to_string())
        })
    }
}

/// Stores the session's state as JSON in `*out` (owned by the caller: free
/// it with [`portcullis_buffer_free`]); `*out` is empty on failure.
///
/// # Safety
/// `session` is NULL or a live session; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_session_to_json(
    session: *const portcullis_session,
    out: *mut portcullis_buffer,
) -> portcullis_status {
    guard(|| {
        // SAFETY: the caller promises `out` is NULL or writable.
        let Some(out) = (unsafe { out.as_mut() }) else {
            return PORTCULLIS_STATUS_NULL_POINTER;
        };
        out.data = std::ptr::null_mut();
        out.len = 0;
        // SAFETY: the caller promises `session` is NULL or live.
        let Some(session) = (unsafe { session.as_ref() }) else {
            return PORTCULLIS_STATUS_NULL_POINTER;
        };
        let json = session.lock().to_json();
        out.set(&json);
        PORTCULLIS_STATUS_OK
    })
}

/// The session's id, NUL-terminated, with its length in bytes (without the
/// NUL) stored in `*len` when `len` is not NULL. Borrowed from `session`:
/// valid until it is freed. An empty string when `session` is NULL.
///
/// # Safety
/// `session` is NULL or a live session; `len` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_session_id(
    session: *const portcullis_session,
    len: *mut usize,
) -> *const c_char {
    // SAFETY: the caller promises `session` is NULL or live.
    let id: &[u8] = match unsafe { session.as_ref() } {
        Some(s) => &s.id,
        None => c"".to_bytes_with_nul(),
    };
    if !len.is_null() {
        // SAFETY: `len` is not NULL and the caller promises it is writable.
        unsafe { *len = id.len().saturating_sub(1) };
    }
    id.as_ptr().cast()
}

/// Decisions made in the session so far (0 for NULL).
///
/// # Safety
/// `session` is NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn portcullis_session_step(session: *const portcullis_session) -> u64 {
    let mut step = 0;
    let _ = guard(|| {
        // SAFETY: the caller promises `session` is NULL or live.
        if let Some(session) = unsafe { session.as_ref() } {
            step = session.lock().step();
        }
        PORTCULLIS_STATUS_OK
    });
    step
}

/// Why the session is tainted (the first sensitive read or secret, facts
/// dropped at its bound, an unreadable earlier state), stored in `*out`
/// (owned by the caller: free it with [`portcullis_buffer_free`]); `*out`
/// is empty (`data` NULL) when it is not tainted, or on failure.
///
/// # Safety
/// `session` is NULL or a live session; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_session_taint(
    session: *const portcullis_session,
    out: *mut portcullis_buffer,
) -> portcullis_status {
    guard(|| {
        // SAFETY: the caller promises `out` is NULL or writable.
        let Some(out) = (unsafe { out.as_mut() }) else {
            return PORTCULLIS_STATUS_NULL_POINTER;
        };
        out.data = std::ptr::null_mut();
        out.len = 0;
        // SAFETY: the caller promises `session` is NULL or live.
        let Some(session) = (unsafe { session.as_ref() }) else {
            return PORTCULLIS_STATUS_NULL_POINTER;
        };
        let taint = session.lock().taint();
        if let Some(why) = taint {
            out.set(&why);
        }
        PORTCULLIS_STATUS_OK
    })
}

/// Frees `session`. NULL is ignored.
///
/// # Safety
/// `session` is NULL or a live session that no other thread uses any more
/// and that is not used after this call.
#[no_mangle]
pub unsafe extern "C" fn portcullis_session_free(session: *mut portcullis_session) {
    let _ = guard(|| {
        if !session.is_null() {
            // SAFETY: `session` came from `Box::into_raw` in
            // `portcullis_session::raw` and the caller promises it is not
            // used again.
            drop(unsafe { Box::from_raw(session) });
        }
        PORTCULLIS_STATUS_OK
    });
}

/// Decides the request JSON of `len` bytes at `request` in `session`, now
/// (the system clock): as [`portcullis_decide_json`], made stricter by what
/// the session did earlier, allowed where this exact action was approved,
/// and recorded in the session. The decision JSON (in `*out`, owned by the
/// caller: free it with [`portcullis_buffer_free`]) carries
/// `"session": {"id", "step", "facts", "code", "approved"}`: the facts that
/// made it stricter and, for an `ask`, its approval code. On a NULL engine
/// or session or a request that cannot be read, `*out` holds a deny with
/// the error, the status says why, `*error` (when `error` is not NULL)
/// holds the message, and the session is unchanged.
///
/// # Safety
/// `engine` is a live engine; `session` is a live session; `request`
/// points to `len` readable bytes; `out` is writable; `error` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_decide_in_json(
    engine: *const portcullis_engine,
    session: *mut portcullis_session,
    request: *const c_char,
    len: usize,
    out: *mut portcullis_buffer,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises are this function's.
    unsafe { portcullis_decide_in_json_at(engine, session, request, len, now_secs(), out, error) }
}

/// [`portcullis_decide_in_json`] at `now` (Unix seconds) instead of the
/// system clock.
///
/// # Safety
/// As [`portcullis_decide_in_json`].
#[no_mangle]
pub unsafe extern "C" fn portcullis_decide_in_json_at(
    engine: *const portcullis_engine,
    session: *mut portcullis_session,
    request: *const c_char,
    len: usize,
    now: u64,
    out: *mut portcullis_buffer,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller promises `session` is NULL or live.
    let Some(session) = (unsafe { session.cast_const().as_ref() }) else {
        // SAFETY: `out` and `error` are NULL or writable.
        return unsafe {
            refuse_json(
                out,
                error,
                PORTCULLIS_STATUS_NULL_POINTER,
                "the session is NULL",
            )
        };
    };
    // SAFETY: the caller's promises on `engine`, `request`, `out` and
    // `error` are `decide_with`'s.
    unsafe {
        decide_with(engine, request, len, out, error, |engine, request| {
            engine.decide_in_at(&mut session.lock(), request, now)
        })
    }
}

/// Tells `session` that the call in the request JSON of `request_len` bytes
/// at `request` ran (the agent's host ran it), now (the system clock): a
/// pending `ask` of the same action is thereby approved (the user answered
/// yes), for the policy's approval TTL, and `output` — what the call gave
/// the agent, `output_len` bytes, or NULL for none — is scanned for
/// secrets, which taint the session (only their kind and a hash are kept;
/// output that is not UTF-8 is scanned with its invalid bytes replaced).
/// When `code` is not NULL it receives the approval code of the `ask` this
/// approved (owned by the caller: free it with [`portcullis_buffer_free`]),
/// or stays empty (`data` NULL) when none was pending. A request that
/// cannot be read records nothing (`PORTCULLIS_STATUS_INVALID_REQUEST`, and
/// `*error` when `error` is not NULL).
///
/// # Safety
/// `engine` is a live engine; `session` is a live session; `request`
/// points to `request_len` readable bytes; `output` is NULL or points to
/// `output_len` readable bytes; `code` is NULL or writable; `error` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_session_ran_json(
    engine: *const portcullis_engine,
    session: *mut portcullis_session,
    request: *const c_char,
    request_len: usize,
    output: *const c_char,
    output_len: usize,
    code: *mut portcullis_buffer,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises are this function's.
    unsafe {
        portcullis_session_ran_json_at(
            engine,
            session,
            request,
            request_len,
            output,
            output_len,
            now_secs(),
            code,
            error,
        )
    }
}

/// [`portcullis_session_ran_json`] at `now` (Unix seconds) instead of the
/// system clock.
///
/// # Safety
/// As [`portcullis_session_ran_json`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn portcullis_session_ran_json_at(
    engine: *const portcullis_engine,
    session: *mut portcullis_session,
    request: *const c_char,
    request_len: usize,
    output: *const c_char,
    output_len: usize,
    now: u64,
    code: *mut portcullis_buffer,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    guard(|| {
        // SAFETY: the caller promises `code` is NULL or writable.
        let mut code = unsafe { code.as_mut() };
        if let Some(code) = code.as_deref_mut() {
            code.data = std::ptr::null_mut();
            code.len = 0;
        }
        // SAFETY: the caller promises `engine` is NULL or live.
        let engine = unsafe { engine.as_ref() };
        // SAFETY: the caller promises `session` is NULL or live.
        let session = unsafe { session.cast_const().as_ref() };
        let (Some(engine), Some(session)) = (engine, session) else {
            // SAFETY: `error` is NULL or writable.
            return unsafe {
                refuse(
                    error,
                    PORTCULLIS_STATUS_NULL_POINTER,
                    "the engine or the session is NULL",
                )
            };
        };
        // SAFETY: the caller promises `request` points to `request_len` readable bytes.
        let raw = match unsafe { text(request, request_len) } {
            Ok(raw) => raw,
            // SAFETY: `error` is NULL or writable.
            Err(refused) => return unsafe { refuse(error, refused.status, refused.message) },
        };
        let output = if output.is_null() {
            None
        } else {
            // SAFETY: `output` is not NULL and the caller promises it points
            // to `output_len` readable bytes.
            match unsafe { bytes(output, output_len) } {
                Ok(b) => Some(String::from_utf8_lossy(b)),
                // SAFETY: `error` is NULL or writable.
                Err(refused) => return unsafe { refuse(error, refused.status, refused.message) },
            }
        };
        let request = match Request::from_json(raw) {
            Ok(request) => request,
            Err(e) => {
                // SAFETY: `error` is NULL or writable.
                return unsafe { refuse(error, PORTCULLIS_STATUS_INVALID_REQUEST, &e.to_string()) };
            }
        };
        let installed = engine.load();
        let approved =
            installed
                .engine
                .ran_in(&mut session.lock(), &request, output.as_deref(), now);
        if let (Some(code), Some(approved)) = (code, approved) {
            code.set(&approved);
        }
        PORTCULLIS_STATUS_OK
    })
}

/// Approves the `ask` that carried approval code `code` (`code_len` bytes;
/// as the decision JSON's `session.code` gives it) in `session`, now (the
/// system clock): `once`, for the next decision of that action only, or
/// else until the policy's approval TTL ends. `*approved` (when `approved`
/// is not NULL) is set to false first, then to whether the session had an
/// `ask` with that code; an unknown code is not an error.
///
/// # Safety
/// `engine` is a live engine; `session` is a live session; `code` points to
/// `code_len` readable bytes; `approved` is NULL or writable; `error` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_session_approve(
    engine: *const portcullis_engine,
    session: *mut portcullis_session,
    code: *const c_char,
    code_len: usize,
    once: bool,
    approved: *mut bool,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises are this function's.
    unsafe {
        portcullis_session_approve_at(
            engine,
            session,
            code,
            code_len,
            once,
            now_secs(),
            approved,
            error,
        )
    }
}

/// [`portcullis_session_approve`] at `now` (Unix seconds) instead of the
/// system clock.
///
/// # Safety
/// As [`portcullis_session_approve`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn portcullis_session_approve_at(
    engine: *const portcullis_engine,
    session: *mut portcullis_session,
    code: *const c_char,
    code_len: usize,
    once: bool,
    now: u64,
    approved: *mut bool,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    guard(|| {
        // SAFETY: the caller promises `approved` is NULL or writable.
        let mut approved = unsafe { approved.as_mut() };
        if let Some(approved) = approved.as_deref_mut() {
            *approved = false;
        }
        // SAFETY: the caller promises `engine` is NULL or live.
        let engine = unsafe { engine.as_ref() };
        // SAFETY: the caller promises `session` is NULL or live.
        let session = unsafe { session.cast_const().as_ref() };
        let (Some(engine), Some(session)) = (engine, session) else {
            // SAFETY: `error` is NULL or writable.
            return unsafe {
                refuse(
                    error,
                    PORTCULLIS_STATUS_NULL_POINTER,
                    "the engine or the session is NULL",
                )
            };
        };
        // SAFETY: the caller promises `code` points to `code_len` readable bytes.
        let code = match unsafe { text(code, code_len) } {
            Ok(code) => code,
            // SAFETY: `error` is NULL or writable.
            Err(refused) => return unsafe { refuse(error, refused.status, refused.message) },
        };
        let installed = engine.load();
        let done = installed
            .engine
            .approve_in(&mut session.lock(), code, once, now);
        if let Some(approved) = approved {
            *approved = done;
        }
        PORTCULLIS_STATUS_OK
    })
}
