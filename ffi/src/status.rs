//! Status codes and owned errors.
//!
//! A status is a `uint32_t` with named values that are never reused, so a
//! value C code passes back (to [`portcullis_status_str`]) can never be an
//! invalid Rust enum. A [`portcullis_error`] carries a status and the full
//! message — for a policy, the same text as the Rust `PolicyError`, naming
//! the rule, the field, the line and the column — and is freed with
//! [`portcullis_error_free`].

use std::ffi::c_char;

/// The outcome of a call: `PORTCULLIS_STATUS_OK` or why it failed.
pub type portcullis_status = u32;

/// The call succeeded.
pub const PORTCULLIS_STATUS_OK: portcullis_status = 0;
/// A required pointer argument was NULL.
pub const PORTCULLIS_STATUS_NULL_POINTER: portcullis_status = 1;
/// A string argument was not valid UTF-8.
pub const PORTCULLIS_STATUS_INVALID_UTF8: portcullis_status = 2;
/// The policy text is not a valid policy (the error says which rule, field, line).
pub const PORTCULLIS_STATUS_INVALID_POLICY: portcullis_status = 3;
/// The request JSON is not a valid request.
pub const PORTCULLIS_STATUS_INVALID_REQUEST: portcullis_status = 4;
/// An argument is larger than the library accepts.
pub const PORTCULLIS_STATUS_TOO_LARGE: portcullis_status = 5;
/// The library panicked; the call had no effect and decisions are deny.
pub const PORTCULLIS_STATUS_PANIC: portcullis_status = 6;
/// The audit trail cannot be opened, written or flushed (the error says why).
pub const PORTCULLIS_STATUS_AUDIT: portcullis_status = 7;
/// The session state is not a session's, or was written by a newer version.
pub const PORTCULLIS_STATUS_INVALID_SESSION: portcullis_status = 8;

/// A static, NUL-terminated description of `status`; never NULL. Unknown
/// values give "unknown status".
#[no_mangle]
pub extern "C" fn portcullis_status_str(status: portcullis_status) -> *const c_char {
    let text: &'static std::ffi::CStr = match status {
        PORTCULLIS_STATUS_OK => c"ok",
        PORTCULLIS_STATUS_NULL_POINTER => c"a required pointer argument is NULL",
        PORTCULLIS_STATUS_INVALID_UTF8 => c"a string argument is not valid UTF-8",
        PORTCULLIS_STATUS_INVALID_POLICY => c"the policy is not valid",
        PORTCULLIS_STATUS_INVALID_REQUEST => c"the request is not valid",
        PORTCULLIS_STATUS_TOO_LARGE => c"an argument is too large",
        PORTCULLIS_STATUS_AUDIT => c"the audit trail cannot be opened or written",
        PORTCULLIS_STATUS_INVALID_SESSION => c"the session state is not valid",
        PORTCULLIS_STATUS_PANIC => c"internal error (panic); nothing was changed",
        _ => c"unknown status",
    };
    text.as_ptr()
}

/// An error: a status and a message. Owned by the caller once handed out;
/// free it with [`portcullis_error_free`].
pub struct portcullis_error {
    status: portcullis_status,
    /// The message followed by one NUL byte.
    message: Box<[u8]>,
}

impl portcullis_error {
    /// A new error, as a raw pointer for C.
    pub(crate) fn raw(status: portcullis_status, message: &str) -> *mut portcullis_error {
        let mut bytes = Vec::with_capacity(message.len() + 1);
        bytes.extend_from_slice(message.as_bytes());
        bytes.push(0);
        Box::into_raw(Box::new(portcullis_error {
            status,
            message: bytes.into_boxed_slice(),
        }))
    }

    /// Stores a new error in `*out` when `out` is not NULL.
    ///
    /// # Safety
    /// `out` is NULL or points to writable storage for one pointer.
    pub(crate) unsafe fn hand_out(
        out: *mut *mut portcullis_error,
        status: portcullis_status,
        message: &str,
    ) {
        if !out.is_null() {
            // SAFETY: `out` is not NULL and the caller promises it is writable.
            unsafe { *out = portcullis_error::raw(status, message) };
        }
    }
}

/// The status of `error`; `PORTCULLIS_STATUS_NULL_POINTER` when `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error from this library.
#[no_mangle]
pub unsafe extern "C" fn portcullis_error_status(
    error: *const portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller promises `error` is NULL or live.
    match unsafe { error.as_ref() } {
        Some(e) => e.status,
        None => PORTCULLIS_STATUS_NULL_POINTER,
    }
}

/// The message of `error`, NUL-terminated, with its length in bytes (without
/// the NUL) stored in `*len` when `len` is not NULL. Borrowed from `error`:
/// valid until it is freed. Returns an empty string when `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error from this library; `len` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_error_message(
    error: *const portcullis_error,
    len: *mut usize,
) -> *const c_char {
    // SAFETY: the caller promises `error` is NULL or live.
    let message: &[u8] = match unsafe { error.as_ref() } {
        Some(e) => &e.message,
        None => c"".to_bytes_with_nul(),
    };
    if !len.is_null() {
        // SAFETY: `len` is not NULL and the caller promises it is writable.
        unsafe { *len = message.len().saturating_sub(1) };
    }
    message.as_ptr().cast()
}

/// Frees `error`. NULL is ignored.
///
/// # Safety
/// `error` is NULL or a live error from this library, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn portcullis_error_free(error: *mut portcullis_error) {
    if !error.is_null() {
        // SAFETY: `error` came from `Box::into_raw` in `portcullis_error::raw`
        // and the caller promises it is not used again.
        drop(unsafe { Box::from_raw(error) });
    }
}
