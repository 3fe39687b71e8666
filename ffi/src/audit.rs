//! Audit trails from C: a file trail or a callback, and audited decisions.
//!
//! A [`portcullis_audit`] is a tamper-evident audit log (see the core
//! crate's `audit` module): [`portcullis_audit_new_file`] appends to a file
//! rotated by size, [`portcullis_audit_new_file_keyed`] seals it with an
//! HMAC key, [`portcullis_audit_new_callback`] hands each sealed JSON line
//! to a C function. Decide with
//! [`portcullis_decide_json_audited`](crate::buffer::portcullis_decide_json_audited):
//! it returns once the record is as durable as the engine's policy asks
//! (`audit_durability`: written to the file or handed to the callback by
//! default).
//! The log is shared by any number of threads and engines; it is freed —
//! after everything queued is written and flushed — with
//! [`portcullis_audit_free`].

use std::ffi::{c_char, c_void};

use portcullis_core::audit::{AuditLog, CallbackSink, FileOptions, Key, Options};

use crate::guard::{bytes, guard, text};
use crate::status::{
    portcullis_error, portcullis_status, PORTCULLIS_STATUS_AUDIT, PORTCULLIS_STATUS_NULL_POINTER,
    PORTCULLIS_STATUS_OK,
};

/// An audit log; opaque to C.
pub struct portcullis_audit {
    pub(crate) log: AuditLog,
}

/// Called with each record: `line` points to `len` bytes of JSON followed by
/// a NUL, valid only during the call. Runs one record at a time, in chain
/// order: on the deciding thread, before the decision returns, at the
/// `written` and `synced` levels (the record is as durable as the callback
/// makes it when it returns), on the library's audit thread at `buffered`.
/// It must not call back into the library with the same audit log, and
/// must return (not unwind or jump out).
pub type portcullis_audit_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, line: *const c_char, len: usize)>;

/// The callback and its data, moved to the audit thread.
struct Callback {
    function: unsafe extern "C" fn(*mut c_void, *const c_char, usize),
    user_data: *mut c_void,
}

// SAFETY: the caller of `portcullis_audit_new_callback` promises that
// `user_data` may be used from another thread (documented there).
unsafe impl Send for Callback {}

impl Callback {
    fn call(&self, line: &str) {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(0);
        // SAFETY: `function` is the caller's callback; `bytes` holds `len`
        // bytes and a NUL and lives through the call.
        unsafe { (self.function)(self.user_data, bytes.as_ptr().cast(), line.len()) };
    }
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

/// The constructors' shared body: checks `out` and sets it to NULL, then
/// stores the log `make` builds, or hands out why it could not.
///
/// # Safety
/// `out` is NULL or writable; `error` is NULL or writable.
unsafe fn construct(
    out: *mut *mut portcullis_audit,
    error: *mut *mut portcullis_error,
    make: impl FnOnce() -> Result<std::io::Result<AuditLog>, (portcullis_status, &'static str)>,
) -> portcullis_status {
    // SAFETY: the caller promises `out` is NULL or writable.
    let Some(out) = (unsafe { out.as_mut() }) else {
        // SAFETY: `error` is NULL or writable.
        return unsafe { refuse(error, PORTCULLIS_STATUS_NULL_POINTER, "`out` is NULL") };
    };
    *out = std::ptr::null_mut();
    match make() {
        Ok(Ok(log)) => {
            *out = Box::into_raw(Box::new(portcullis_audit { log }));
            PORTCULLIS_STATUS_OK
        }
        // SAFETY: `error` is NULL or writable.
        Ok(Err(e)) => unsafe { refuse(error, PORTCULLIS_STATUS_AUDIT, &e.to_string()) },
        // SAFETY: `error` is NULL or writable.
        Err((status, message)) => unsafe { refuse(error, status, message) },
    }
}

/// Opens the audit trail at the path of `path_len` bytes at `path` for
/// appending (resuming its chain), rotated past `max_bytes` (0: never).
/// Stores the new log in `*out` (owned by the caller: free it with
/// [`portcullis_audit_free`]). A trail whose last record is broken is
/// refused (`PORTCULLIS_STATUS_AUDIT`, the error says which file). Waits
/// while another writer holds the trail.
///
/// # Safety
/// `path` points to `path_len` readable bytes; `out` is writable; `error`
/// is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_audit_new_file(
    path: *const c_char,
    path_len: usize,
    max_bytes: u64,
    out: *mut *mut portcullis_audit,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises on `out` and `error` are `construct`'s.
    guard(|| unsafe {
        construct(out, error, || {
            // SAFETY: the caller promises `path` points to `path_len` readable bytes.
            let path = text(path, path_len).map_err(|r| (r.status, r.message))?;
            Ok(AuditLog::to_file(
                path,
                (max_bytes > 0).then_some(max_bytes),
            ))
        })
    })
}

/// As [`portcullis_audit_new_file`], with every record sealed by an
/// HMAC-SHA-256 under the `key_len` bytes at `key` (at least 16; surrounding
/// whitespace is trimmed), so a rewrite of the trail and its anchor by
/// someone without the key is caught by `portcullis audit verify --key`.
/// A keyed trail opened without its key, or a plain one with a key, is
/// refused (`PORTCULLIS_STATUS_AUDIT`, the error says why).
///
/// # Safety
/// `path` points to `path_len` readable bytes, `key` to `key_len`; `out` is
/// writable; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_audit_new_file_keyed(
    path: *const c_char,
    path_len: usize,
    max_bytes: u64,
    key: *const c_char,
    key_len: usize,
    out: *mut *mut portcullis_audit,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises on `out` and `error` are `construct`'s.
    guard(|| unsafe {
        construct(out, error, || {
            // SAFETY: the caller promises `path` points to `path_len` readable bytes.
            let path = text(path, path_len).map_err(|r| (r.status, r.message))?;
            // SAFETY: the caller promises `key` points to `key_len` readable bytes.
            let bytes = bytes(key, key_len).map_err(|r| (r.status, r.message))?;
            let key = match Key::new(bytes, "(given)") {
                Ok(key) => key,
                Err(e) => return Ok(Err(std::io::Error::other(e.to_string()))),
            };
            let file = FileOptions {
                max_bytes: (max_bytes > 0).then_some(max_bytes),
                key: Some(key),
                anchor_copy: None,
            };
            Ok(AuditLog::open(path, file, Options::default()))
        })
    })
}

/// A log that calls `callback(user_data, line, len)` with each sealed record
/// (see [`portcullis_audit_callback`]). Stores it in `*out` (owned by the
/// caller: free it with [`portcullis_audit_free`]).
///
/// # Safety
/// `callback` is a function safe to call from another thread with
/// `user_data` until [`portcullis_audit_free`] returns; `out` is writable;
/// `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_audit_new_callback(
    callback: portcullis_audit_callback,
    user_data: *mut c_void,
    out: *mut *mut portcullis_audit,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises on `out` and `error` are `construct`'s.
    guard(|| unsafe {
        construct(out, error, || {
            let function =
                callback.ok_or((PORTCULLIS_STATUS_NULL_POINTER, "the callback is NULL"))?;
            let callback = Callback {
                function,
                user_data,
            };
            Ok(AuditLog::new(
                CallbackSink::new(move |line: &str| callback.call(line)),
                Options::default(),
            ))
        })
    })
}

/// Waits until every decision recorded so far is written and flushed.
/// `PORTCULLIS_STATUS_AUDIT` (with the error) when the trail has failed.
///
/// # Safety
/// `audit` is NULL or live; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_audit_flush(
    audit: *const portcullis_audit,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    guard(|| {
        // SAFETY: the caller promises `audit` is NULL or live.
        let Some(audit) = (unsafe { audit.as_ref() }) else {
            // SAFETY: `error` is NULL or writable.
            return unsafe {
                refuse(
                    error,
                    PORTCULLIS_STATUS_NULL_POINTER,
                    "the audit log is NULL",
                )
            };
        };
        match audit.log.flush() {
            Ok(()) => PORTCULLIS_STATUS_OK,
            // SAFETY: `error` is NULL or writable.
            Err(e) => unsafe { refuse(error, PORTCULLIS_STATUS_AUDIT, &e.to_string()) },
        }
    })
}

/// Writes everything queued, flushes, stops the audit thread and frees
/// `audit`. NULL is ignored. No decision may use `audit` during or after.
///
/// # Safety
/// `audit` is NULL or a live log from this library, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn portcullis_audit_free(audit: *mut portcullis_audit) {
    let _ = guard(|| {
        if !audit.is_null() {
            // SAFETY: `audit` came from `Box::into_raw` above and the caller
            // promises it is not used again.
            drop(unsafe { Box::from_raw(audit) });
        }
        PORTCULLIS_STATUS_OK
    });
}
