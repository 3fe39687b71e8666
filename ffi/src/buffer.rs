//! Decisions as JSON, in buffers the caller frees.
//!
//! [`portcullis_decide_json`] takes a request in the JSON wire format (the
//! same as `portcullis eval` and the Rust `Request::from_json`) and hands
//! back the decision JSON, byte for byte what the Rust API produces, in a
//! [`portcullis_buffer`] the caller frees with [`portcullis_buffer_free`].
//! When the request cannot be read, the buffer still holds a deny decision
//! (`{"effect":"deny","error":…}`), so a caller that ignores the status
//! fails closed. The decisions made in a session
//! ([`portcullis_decide_in_json`](crate::session::portcullis_decide_in_json))
//! share this skeleton ([`decide_with`]).

use std::ffi::c_char;

use portcullis_core::{Decision, Engine, Request};

use crate::audit::portcullis_audit;
use crate::engine::portcullis_engine;
use crate::guard::{guard, text};
use crate::status::{
    portcullis_error, portcullis_status, PORTCULLIS_STATUS_INVALID_REQUEST,
    PORTCULLIS_STATUS_NULL_POINTER, PORTCULLIS_STATUS_OK, PORTCULLIS_STATUS_PANIC,
};

/// Bytes owned by the library, NUL-terminated; `len` excludes the NUL.
#[repr(C)]
pub struct portcullis_buffer {
    /// The bytes (UTF-8 JSON), or NULL when empty or freed.
    pub data: *mut c_char,
    /// Bytes before the NUL.
    pub len: usize,
}

impl portcullis_buffer {
    /// Fills an empty buffer with a copy of `text` and a NUL.
    pub(crate) fn set(&mut self, text: &str) {
        let mut bytes = Vec::with_capacity(text.len() + 1);
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(0);
        let boxed = bytes.into_boxed_slice();
        self.len = boxed.len() - 1;
        self.data = Box::into_raw(boxed).cast();
    }
}

fn deny_json(message: &str) -> String {
    serde_json::json!({"effect": "deny", "error": message}).to_string()
}

/// Refuses a decision before it starts: `*out` (when `out` is not NULL)
/// holds a deny with `message`, `*error` (when `error` is not NULL) the
/// error; returns `status`.
///
/// # Safety
/// `out` is NULL or writable; `error` is NULL or writable.
pub(crate) unsafe fn refuse_json(
    out: *mut portcullis_buffer,
    error: *mut *mut portcullis_error,
    status: portcullis_status,
    message: &str,
) -> portcullis_status {
    let _ = guard(|| {
        // SAFETY: the caller promises `out` is NULL or writable.
        if let Some(out) = unsafe { out.as_mut() } {
            out.data = std::ptr::null_mut();
            out.len = 0;
            out.set(&deny_json(message));
        }
        // SAFETY: the caller promises `error` is NULL or writable.
        unsafe { portcullis_error::hand_out(error, status, message) };
        PORTCULLIS_STATUS_OK
    });
    status
}

/// Decides the request JSON of `len` bytes at `request`. Stores the decision
/// JSON in `*out` (owned by the caller: free it with
/// [`portcullis_buffer_free`]); on a request that cannot be read, `*out`
/// holds a deny with the error, the status says why, and `*error` (when
/// `error` is not NULL) holds the message.
///
/// # Safety
/// `engine` is a live engine; `request` points to `len` readable bytes;
/// `out` is writable; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_decide_json(
    engine: *const portcullis_engine,
    request: *const c_char,
    len: usize,
    out: *mut portcullis_buffer,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises are this function's.
    unsafe { decide_with(engine, request, len, out, error, Engine::decide) }
}

/// As [`portcullis_decide_json`], and records the decision in `audit`
/// (`portcullis_audit_new_*`). Recording can turn the decision into a deny
/// (rule `audit-overflow` or `audit-failed`; see the README); the status
/// stays `PORTCULLIS_STATUS_OK`, since the decision JSON says so.
///
/// # Safety
/// As [`portcullis_decide_json`]; `audit` is a live audit log.
#[no_mangle]
pub unsafe extern "C" fn portcullis_decide_json_audited(
    engine: *const portcullis_engine,
    audit: *const portcullis_audit,
    request: *const c_char,
    len: usize,
    out: *mut portcullis_buffer,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller promises `audit` is NULL or live.
    let Some(audit) = (unsafe { audit.as_ref() }) else {
        // SAFETY: `out` and `error` are NULL or writable.
        return unsafe {
            refuse_json(
                out,
                error,
                PORTCULLIS_STATUS_NULL_POINTER,
                "the audit log is NULL",
            )
        };
    };
    // SAFETY: the caller's promises are this function's.
    unsafe {
        decide_with(engine, request, len, out, error, |engine, request| {
            engine.decide_audited(request, &audit.log)
        })
    }
}

/// The body of every JSON decision: checks `out` and empties it, reads the
/// request, and stores the JSON of the decision `decide` makes with the
/// installed policy, or a deny naming why there is none (a NULL engine, an
/// unreadable request, a panic).
///
/// # Safety
/// As [`portcullis_decide_json`].
pub(crate) unsafe fn decide_with(
    engine: *const portcullis_engine,
    request: *const c_char,
    len: usize,
    out: *mut portcullis_buffer,
    error: *mut *mut portcullis_error,
    decide: impl FnOnce(&Engine, &Request) -> Decision,
) -> portcullis_status {
    // SAFETY: the caller promises `out` is NULL or writable.
    let Some(out) = (unsafe { out.as_mut() }) else {
        // SAFETY: `error` is NULL or writable.
        unsafe {
            portcullis_error::hand_out(error, PORTCULLIS_STATUS_NULL_POINTER, "`out` is NULL")
        };
        return PORTCULLIS_STATUS_NULL_POINTER;
    };
    out.data = std::ptr::null_mut();
    out.len = 0;
    let status = guard(|| {
        let fail = |out: &mut portcullis_buffer, status, message: &str| {
            out.set(&deny_json(message));
            // SAFETY: `error` is NULL or writable.
            unsafe { portcullis_error::hand_out(error, status, message) };
            status
        };
        // SAFETY: the caller promises `engine` is NULL or live.
        let Some(engine) = (unsafe { engine.as_ref() }) else {
            return fail(out, PORTCULLIS_STATUS_NULL_POINTER, "the engine is NULL");
        };
        // SAFETY: the caller promises `request` points to `len` readable bytes.
        let raw = match unsafe { text(request, len) } {
            Ok(raw) => raw,
            Err(refused) => return fail(out, refused.status, refused.message),
        };
        match Request::from_json(raw) {
            Ok(request) => {
                let installed = engine.load();
                out.set(&decide(&installed.engine, &request).to_json());
                PORTCULLIS_STATUS_OK
            }
            Err(e) => fail(out, PORTCULLIS_STATUS_INVALID_REQUEST, &e.to_string()),
        }
    });
    if status == PORTCULLIS_STATUS_PANIC && out.data.is_null() {
        let _ = guard(|| {
            out.set(&deny_json("internal error (panic)"));
            PORTCULLIS_STATUS_OK
        });
    }
    status
}

/// Frees the bytes of `buffer` and sets it to empty; NULL and empty buffers
/// are ignored, so freeing twice is harmless.
///
/// # Safety
/// `buffer` is NULL or points to a buffer filled by this library (or empty).
#[no_mangle]
pub unsafe extern "C" fn portcullis_buffer_free(buffer: *mut portcullis_buffer) {
    let _ = guard(|| {
        // SAFETY: the caller promises `buffer` is NULL or valid.
        if let Some(buffer) = unsafe { buffer.as_mut() } {
            if !buffer.data.is_null() {
                let slice =
                    std::ptr::slice_from_raw_parts_mut(buffer.data.cast::<u8>(), buffer.len + 1);
                // SAFETY: `data` and `len + 1` are exactly the boxed slice
                // made by `set`, not freed before (it is reset below).
                drop(unsafe { Box::from_raw(slice) });
                buffer.data = std::ptr::null_mut();
                buffer.len = 0;
            }
        }
        PORTCULLIS_STATUS_OK
    });
}
