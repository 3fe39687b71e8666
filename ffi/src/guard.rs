//! The one guard around every entry point, and the checks on what C hands in.
//!
//! [`guard`] runs an entry point's body under `catch_unwind`: a panic becomes
//! `PORTCULLIS_STATUS_PANIC` and never unwinds into C. No process-wide panic
//! hook is installed or swapped (the standard hook still reports the panic
//! on stderr), and nothing is "poisoned": the next call works as usual.
//! [`text`] turns a pointer and a length into a `&str`, refusing NULL,
//! lengths no Rust slice may have, and invalid UTF-8 ([`bytes`] the same
//! without the UTF-8 check, for data read leniently). Cost: a few
//! instructions per call.

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::status::{
    portcullis_status, PORTCULLIS_STATUS_INVALID_UTF8, PORTCULLIS_STATUS_NULL_POINTER,
    PORTCULLIS_STATUS_PANIC, PORTCULLIS_STATUS_TOO_LARGE,
};

/// Runs `body`, turning a panic into `PORTCULLIS_STATUS_PANIC`.
pub(crate) fn guard(body: impl FnOnce() -> portcullis_status) -> portcullis_status {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(PORTCULLIS_STATUS_PANIC)
}

/// Why an input string was refused, with a message for the caller.
pub(crate) struct Refused {
    pub(crate) status: portcullis_status,
    pub(crate) message: &'static str,
}

/// The `len` bytes at `ptr`, refusing NULL and lengths no slice may have.
///
/// # Safety
/// When `ptr` is not NULL it must point to `len` readable bytes that stay
/// unchanged for `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const c_char, len: usize) -> Result<&'a [u8], Refused> {
    if ptr.is_null() {
        return Err(Refused {
            status: PORTCULLIS_STATUS_NULL_POINTER,
            message: "a string argument is NULL",
        });
    }
    if len > isize::MAX as usize {
        return Err(Refused {
            status: PORTCULLIS_STATUS_TOO_LARGE,
            message: "a string length is larger than any buffer can be",
        });
    }
    // SAFETY: `ptr` is not NULL and the caller promises `len` readable bytes
    // that do not change while borrowed; `len` fits an `isize`.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// The UTF-8 text at `ptr` with `len` bytes.
///
/// # Safety
/// When `ptr` is not NULL it must point to `len` readable bytes that stay
/// unchanged for `'a`.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, len: usize) -> Result<&'a str, Refused> {
    // SAFETY: the caller's promises are `bytes`'s.
    let bytes = unsafe { bytes(ptr, len) }?;
    std::str::from_utf8(bytes).map_err(|_| Refused {
        status: PORTCULLIS_STATUS_INVALID_UTF8,
        message: "a string argument is not valid UTF-8",
    })
}
