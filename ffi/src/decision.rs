//! Fast-path decisions into a plain struct the caller owns.
//!
//! [`portcullis_check_command`], [`portcullis_check_http`] and
//! [`portcullis_check_tool`] fill a caller-provided [`portcullis_decision`]
//! and hand nothing to free: the rule id, and the reason when it is one of
//! the policy's own texts, are pointers borrowed from the engine (valid
//! while the engine lives, across swaps); a reason built for one decision
//! ("refused URL: …") is copied instead, NUL-terminated and cut at a
//! character boundary if needed, into the struct's `reason_text`.
//! [`portcullis_decision_reason`] returns whichever holds it. The struct is
//! set to deny before anything else happens, so a NULL engine, bad UTF-8,
//! or a panic leaves a deny.

use std::ffi::c_char;

use portcullis_core::{Decision, Effect, Engine};

use crate::engine::{portcullis_engine, Installed};
use crate::guard::{guard, text};
use crate::status::{
    portcullis_status, PORTCULLIS_STATUS_NULL_POINTER, PORTCULLIS_STATUS_OK,
    PORTCULLIS_STATUS_PANIC,
};

/// What to do: a `uint32_t` whose zero value denies.
pub type portcullis_effect = u32;
/// Refuse. Zeroed memory denies.
pub const PORTCULLIS_EFFECT_DENY: portcullis_effect = 0;
/// Ask a human.
pub const PORTCULLIS_EFFECT_ASK: portcullis_effect = 1;
/// Go ahead.
pub const PORTCULLIS_EFFECT_ALLOW: portcullis_effect = 2;

/// Bytes of `reason_text`, NUL included.
pub const PORTCULLIS_REASON_TEXT_CAPACITY: usize = 256;

/// A decision, filled by the `portcullis_check_*` functions.
#[repr(C)]
pub struct portcullis_decision {
    /// `PORTCULLIS_EFFECT_DENY`, `_ASK` or `_ALLOW`.
    pub effect: portcullis_effect,
    /// How many rules matched (shadow rules included).
    pub matched: u32,
    /// The deciding rule's id, borrowed from the engine (valid while it
    /// lives), not NUL-terminated; NULL when a default or a refusal decided.
    pub rule: *const c_char,
    /// Bytes of `rule`.
    pub rule_len: usize,
    /// The reason when the engine owns it (borrowed, valid while the engine
    /// lives, not NUL-terminated); NULL when the reason was built for this
    /// decision: then `reason_text` holds it.
    pub reason: *const c_char,
    /// Bytes of `reason`.
    pub reason_len: usize,
    /// When `reason` is NULL: the reason, NUL-terminated, cut at a character
    /// boundary to fit; otherwise empty.
    pub reason_text: [c_char; PORTCULLIS_REASON_TEXT_CAPACITY],
    /// Bytes of `reason_text` before its NUL.
    pub reason_text_len: usize,
}

/// Sets `out` to a deny with `reason` (before any other work, and on errors).
fn deny(out: &mut portcullis_decision, reason: &str) {
    out.effect = PORTCULLIS_EFFECT_DENY;
    out.matched = 0;
    out.rule = std::ptr::null();
    out.rule_len = 0;
    out.reason = std::ptr::null();
    out.reason_len = 0;
    copy_text(out, reason);
}

/// Sets `out` to a deny with no reason yet: cheaper than [`deny`], for the
/// start of every call.
fn blank(out: &mut portcullis_decision) {
    deny(out, "");
}

fn copy_text(out: &mut portcullis_decision, reason: &str) {
    let mut end = reason.len().min(PORTCULLIS_REASON_TEXT_CAPACITY - 1);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    for (slot, byte) in out
        .reason_text
        .iter_mut()
        .zip(reason.as_bytes().iter().take(end))
    {
        *slot = *byte as c_char;
    }
    if let Some(nul) = out.reason_text.get_mut(end) {
        *nul = 0;
    }
    out.reason_text_len = end;
}

fn fill(out: &mut portcullis_decision, installed: &Installed, decision: &Decision) {
    out.effect = match decision.effect {
        Effect::Deny => PORTCULLIS_EFFECT_DENY,
        Effect::Ask => PORTCULLIS_EFFECT_ASK,
        Effect::Allow => PORTCULLIS_EFFECT_ALLOW,
    };
    out.matched = u32::try_from(decision.matched.len()).unwrap_or(u32::MAX);
    match decision.rule.as_deref().and_then(|r| installed.stored(r)) {
        Some(rule) => {
            out.rule = rule.as_ptr().cast();
            out.rule_len = rule.len();
        }
        None => {
            out.rule = std::ptr::null();
            out.rule_len = 0;
        }
    }
    match installed.stored(&decision.reason) {
        Some(reason) => {
            out.reason = reason.as_ptr().cast();
            out.reason_len = reason.len();
            copy_text(out, "");
        }
        None => {
            out.reason = std::ptr::null();
            out.reason_len = 0;
            copy_text(out, &decision.reason);
        }
    }
}

/// Runs `decide` on `engine` into `out`, with the checks every fast path shares.
///
/// # Safety
/// `engine` is NULL or live; `out` is NULL or writable.
unsafe fn check(
    engine: *const portcullis_engine,
    out: *mut portcullis_decision,
    decide: impl FnOnce(&Engine) -> Result<Decision, (portcullis_status, &'static str)>,
) -> portcullis_status {
    // SAFETY: the caller promises `out` is NULL or writable.
    let Some(out) = (unsafe { out.as_mut() }) else {
        return PORTCULLIS_STATUS_NULL_POINTER;
    };
    blank(out);
    let status = guard(|| {
        // SAFETY: the caller promises `engine` is NULL or live.
        let Some(engine) = (unsafe { engine.as_ref() }) else {
            deny(out, "the engine is NULL");
            return PORTCULLIS_STATUS_NULL_POINTER;
        };
        let installed = engine.load();
        match decide(&installed.engine) {
            Ok(decision) => {
                fill(out, &installed, &decision);
                PORTCULLIS_STATUS_OK
            }
            Err((status, message)) => {
                deny(out, message);
                status
            }
        }
    });
    if status == PORTCULLIS_STATUS_PANIC {
        deny(out, "internal error (panic); denied");
    }
    status
}

/// Decides a shell command line of `len` bytes at `command` into `*out`.
/// Nothing is handed to the caller to free.
///
/// # Safety
/// `engine` is a live engine (or NULL: an error); `command` points to `len`
/// readable bytes (or is NULL: an error); `out` is writable (or NULL: an error).
#[no_mangle]
pub unsafe extern "C" fn portcullis_check_command(
    engine: *const portcullis_engine,
    command: *const c_char,
    len: usize,
    out: *mut portcullis_decision,
) -> portcullis_status {
    // SAFETY: the caller's promises cover `check` and `text`.
    unsafe {
        check(engine, out, |engine| {
            let command = text(command, len).map_err(|r| (r.status, r.message))?;
            Ok(engine.check_command(command))
        })
    }
}

/// Decides a shell command line of `len` bytes at `command`, run in the
/// working directory of `cwd_len` bytes at `cwd` (the project: relative
/// paths resolve against it, and its own files are project files even under
/// a protected tree), into `*out`. Nothing is handed to the caller to free.
///
/// # Safety
/// As [`portcullis_check_command`]; `cwd` points to `cwd_len` readable bytes
/// (or is NULL: an error).
#[no_mangle]
pub unsafe extern "C" fn portcullis_check_command_in(
    engine: *const portcullis_engine,
    command: *const c_char,
    len: usize,
    cwd: *const c_char,
    cwd_len: usize,
    out: *mut portcullis_decision,
) -> portcullis_status {
    // SAFETY: the caller's promises cover `check` and `text`.
    unsafe {
        check(engine, out, |engine| {
            let command = text(command, len).map_err(|r| (r.status, r.message))?;
            let cwd = text(cwd, cwd_len).map_err(|r| (r.status, r.message))?;
            Ok(engine.check_command_in(command, cwd))
        })
    }
}

/// Decides an HTTP request (`method`, `url`: absolute, or `host:port` for
/// `CONNECT`) into `*out`.
///
/// # Safety
/// `engine` is a live engine; `method` and `url` point to their lengths in
/// readable bytes; `out` is writable. NULL anywhere is an error.
#[no_mangle]
pub unsafe extern "C" fn portcullis_check_http(
    engine: *const portcullis_engine,
    method: *const c_char,
    method_len: usize,
    url: *const c_char,
    url_len: usize,
    out: *mut portcullis_decision,
) -> portcullis_status {
    // SAFETY: the caller's promises cover `check` and `text`.
    unsafe {
        check(engine, out, |engine| {
            let method = text(method, method_len).map_err(|r| (r.status, r.message))?;
            let url = text(url, url_len).map_err(|r| (r.status, r.message))?;
            Ok(engine.check_http(method, url))
        })
    }
}

/// Decides a tool call named `name` with `arguments` (JSON text; NULL with
/// length 0 for none) into `*out`. Arguments that are not JSON are an
/// invalid request: the decision is deny.
///
/// # Safety
/// `engine` is a live engine; `name` points to `name_len` readable bytes;
/// `arguments` is NULL or points to `arguments_len` readable bytes; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_check_tool(
    engine: *const portcullis_engine,
    name: *const c_char,
    name_len: usize,
    arguments: *const c_char,
    arguments_len: usize,
    out: *mut portcullis_decision,
) -> portcullis_status {
    // SAFETY: the caller's promises cover `check` and `text`.
    unsafe {
        check(engine, out, |engine| {
            let name = text(name, name_len).map_err(|r| (r.status, r.message))?;
            let arguments = if arguments.is_null() && arguments_len == 0 {
                serde_json::Value::Null
            } else {
                let raw = text(arguments, arguments_len).map_err(|r| (r.status, r.message))?;
                serde_json::from_str(raw).map_err(|_| {
                    (
                        crate::status::PORTCULLIS_STATUS_INVALID_REQUEST,
                        "the tool arguments are not valid JSON",
                    )
                })?
            };
            Ok(engine.check_tool(name, &arguments))
        })
    }
}

/// The reason of `decision`: the borrowed full text when there is one, else
/// `reason_text`. Its length (without any NUL) goes to `*len` when `len` is
/// not NULL. NULL `decision` gives an empty string.
///
/// # Safety
/// `decision` is NULL or a decision filled by this library (and still the
/// engine's, for a borrowed reason); `len` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_decision_reason(
    decision: *const portcullis_decision,
    len: *mut usize,
) -> *const c_char {
    // SAFETY: the caller promises `decision` is NULL or valid.
    let (ptr, n) = match unsafe { decision.as_ref() } {
        None => (c"".as_ptr(), 0),
        Some(d) if !d.reason.is_null() => (d.reason, d.reason_len),
        Some(d) => (
            d.reason_text.as_ptr(),
            d.reason_text_len.min(PORTCULLIS_REASON_TEXT_CAPACITY - 1),
        ),
    };
    if !len.is_null() {
        // SAFETY: `len` is not NULL and the caller promises it is writable.
        unsafe { *len = n };
    }
    ptr
}

/// A static NUL-terminated name for `effect` (`"deny"`, `"ask"`, `"allow"`);
/// unknown values give `"deny"`.
#[no_mangle]
pub extern "C" fn portcullis_effect_str(effect: portcullis_effect) -> *const c_char {
    let text: &'static std::ffi::CStr = match effect {
        PORTCULLIS_EFFECT_ASK => c"ask",
        PORTCULLIS_EFFECT_ALLOW => c"allow",
        _ => c"deny",
    };
    text.as_ptr()
}
