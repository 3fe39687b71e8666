//! Engines: compile, share between threads, replace atomically, free.
//!
//! A [`portcullis_engine`] holds the installed policy in an `ArcSwap`: a
//! decision loads it without a lock (an atomic load and a hazard-pointer
//! style guard), and [`portcullis_engine_swap`] replaces it atomically, so a
//! reader sees the old policy or the new one, never a torn or freed one.
//!
//! Fast-path decisions hand out rule ids and reasons as pointers borrowed
//! from the engine, valid while the engine lives, even across swaps. To keep
//! that promise without letting memory grow with every reload, the engine
//! keeps one store of every such text it ever installed, deduplicated by
//! content: reloading the same policy a thousand times adds nothing, and
//! each installed policy maps its texts to the stored copies. The store is
//! touched only when an engine is created or swapped, under a mutex; the
//! decision path only reads the installed policy's own map.

use std::ffi::c_char;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use portcullis_core::{Engine, Format};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::guard::{guard, text};
use crate::status::{
    portcullis_error, portcullis_status, PORTCULLIS_STATUS_INVALID_POLICY,
    PORTCULLIS_STATUS_NULL_POINTER, PORTCULLIS_STATUS_OK,
};

/// A compiled policy with its texts mapped to the engine's stored copies.
pub(crate) struct Installed {
    pub(crate) engine: Engine,
    /// Each static text of `engine`, keyed by the address of its bytes in
    /// the compiled policy, mapped to the engine's stored copy. A decision's
    /// rule id and reason share those bytes (they are reference-counted
    /// clones), so finding the stored copy hashes one address, not the text;
    /// a reason built for one decision lives elsewhere and is not found.
    texts: FxHashMap<usize, Arc<str>>,
}

impl Installed {
    /// The stored copy of `text`, when `text` is one of the policy's static texts.
    pub(crate) fn stored(&self, text: &str) -> Option<&Arc<str>> {
        self.texts.get(&(text.as_ptr() as usize))
    }
}

/// A compiled policy that decides requests; opaque to C. Create it with
/// `portcullis_engine_new_*`, share it between threads freely, free it with
/// [`portcullis_engine_free`] once no thread uses it.
pub struct portcullis_engine {
    current: ArcSwap<Installed>,
    /// Every static text ever installed, by content. Only grows.
    store: Mutex<FxHashSet<Arc<str>>>,
}

impl portcullis_engine {
    fn new(engine: Engine) -> Self {
        let store = Mutex::new(FxHashSet::default());
        let installed = install(&store, engine);
        portcullis_engine {
            current: ArcSwap::from_pointee(installed),
            store,
        }
    }

    /// The installed policy, loaded without a lock.
    pub(crate) fn load(&self) -> arc_swap::Guard<Arc<Installed>> {
        self.current.load()
    }
}

fn install(store: &Mutex<FxHashSet<Arc<str>>>, engine: Engine) -> Installed {
    // A panic while holding the lock leaves the set intact (inserts are atomic).
    let mut store = store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let texts = engine
        .static_texts()
        .map(|text| {
            let stored = match store.get(text) {
                Some(stored) => Arc::clone(stored),
                None => {
                    let stored: Arc<str> = Arc::from(text);
                    store.insert(Arc::clone(&stored));
                    stored
                }
            };
            (text.as_ptr() as usize, stored)
        })
        .collect();
    Installed { engine, texts }
}

/// Hands out the engine `compile` makes from the UTF-8 text at `ptr`.
///
/// # Safety
/// As for the public constructors: `ptr` points to `len` readable bytes,
/// `out` is writable, `error` is NULL or writable.
unsafe fn new_from_text(
    ptr: *const c_char,
    len: usize,
    out: *mut *mut portcullis_engine,
    error: *mut *mut portcullis_error,
    compile: impl FnOnce(&str) -> Result<Engine, portcullis_core::PolicyError>,
) -> portcullis_status {
    guard(|| {
        if out.is_null() {
            // SAFETY: `error` is NULL or writable, as the caller promises.
            unsafe {
                portcullis_error::hand_out(error, PORTCULLIS_STATUS_NULL_POINTER, "`out` is NULL")
            };
            return PORTCULLIS_STATUS_NULL_POINTER;
        }
        // SAFETY: `out` is not NULL and writable; start from "no engine".
        unsafe { *out = std::ptr::null_mut() };
        // SAFETY: the caller promises `ptr` points to `len` readable bytes.
        let input = match unsafe { text(ptr, len) } {
            Ok(input) => input,
            Err(refused) => {
                // SAFETY: `error` is NULL or writable.
                unsafe { portcullis_error::hand_out(error, refused.status, refused.message) };
                return refused.status;
            }
        };
        // SAFETY: `out` is writable; `error` is NULL or writable.
        unsafe { hand_out_engine(compile(input), out, error) }
    })
}

/// Stores the engine in `*out`, or the error in `*error`.
///
/// # Safety
/// `out` is writable; `error` is NULL or writable.
unsafe fn hand_out_engine(
    compiled: Result<Engine, portcullis_core::PolicyError>,
    out: *mut *mut portcullis_engine,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    match compiled {
        Ok(engine) => {
            let handle = Box::into_raw(Box::new(portcullis_engine::new(engine)));
            // SAFETY: the caller promises `out` is writable.
            unsafe { *out = handle };
            PORTCULLIS_STATUS_OK
        }
        Err(e) => {
            // SAFETY: the caller promises `out` is writable and `error` NULL or writable.
            unsafe {
                *out = std::ptr::null_mut();
                portcullis_error::hand_out(error, PORTCULLIS_STATUS_INVALID_POLICY, &e.to_string());
            }
            PORTCULLIS_STATUS_INVALID_POLICY
        }
    }
}

/// Compiles a JSON policy of `len` bytes at `policy`. On success stores a
/// new engine in `*out` (owned by the caller: free it with
/// [`portcullis_engine_free`]); on failure stores NULL in `*out` and, when
/// `error` is not NULL, an error in `*error` (owned by the caller) whose
/// message lists every problem with its rule, field, line and column.
///
/// # Safety
/// `policy` points to `len` readable bytes (or is NULL: an error); `out` is
/// writable; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_engine_new_json(
    policy: *const c_char,
    len: usize,
    out: *mut *mut portcullis_engine,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises are exactly `new_from_text`'s.
    unsafe {
        new_from_text(policy, len, out, error, |t| {
            Engine::builder().text(t, Format::Json).build()
        })
    }
}

/// Compiles a TOML policy; as [`portcullis_engine_new_json`].
///
/// # Safety
/// As for [`portcullis_engine_new_json`].
#[no_mangle]
pub unsafe extern "C" fn portcullis_engine_new_toml(
    policy: *const c_char,
    len: usize,
    out: *mut *mut portcullis_engine,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises are exactly `new_from_text`'s.
    unsafe {
        new_from_text(policy, len, out, error, |t| {
            Engine::builder().text(t, Format::Toml).build()
        })
    }
}

/// Compiles the policy file at `path` (`len` bytes of UTF-8; JSON or TOML
/// by its extension), resolving relative `extends` from its directory.
/// Ownership and errors as for [`portcullis_engine_new_json`]. The
/// `_new_json` and `_new_toml` constructors resolve built-in bases
/// (`default`, `packs/git`) without touching the file system, and refuse
/// relative ones.
///
/// # Safety
/// `path` points to `len` readable bytes; `out` is writable; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_engine_new_file(
    path: *const c_char,
    len: usize,
    out: *mut *mut portcullis_engine,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    // SAFETY: the caller's promises are exactly `new_from_text`'s.
    unsafe {
        new_from_text(path, len, out, error, |p| {
            Engine::from_file(std::path::Path::new(p))
        })
    }
}

/// An engine with the embedded default policy, stored in `*out` (owned by
/// the caller). Fails only for a library built from a broken tree.
///
/// # Safety
/// `out` is writable; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn portcullis_engine_new_default(
    out: *mut *mut portcullis_engine,
    error: *mut *mut portcullis_error,
) -> portcullis_status {
    guard(|| {
        if out.is_null() {
            // SAFETY: `error` is NULL or writable.
            unsafe {
                portcullis_error::hand_out(error, PORTCULLIS_STATUS_NULL_POINTER, "`out` is NULL")
            };
            return PORTCULLIS_STATUS_NULL_POINTER;
        }
        // SAFETY: `out` is not NULL and writable; `error` is NULL or writable.
        unsafe { hand_out_engine(Engine::default_policy(), out, error) }
    })
}

/// Atomically replaces the policy of `engine` with the policy of
/// `replacement`, and frees `replacement` (ownership passes to this call,
/// whatever the status). Threads deciding on `engine` at the same time see
/// the old policy or the new one, never a mix; pointers handed out by
/// earlier decisions stay valid while `engine` lives.
///
/// # Safety
/// `engine` is a live engine (other threads may use it concurrently);
/// `replacement` is NULL or a live engine no other thread uses, not used
/// after this call.
#[no_mangle]
pub unsafe extern "C" fn portcullis_engine_swap(
    engine: *const portcullis_engine,
    replacement: *mut portcullis_engine,
) -> portcullis_status {
    guard(|| {
        if replacement.is_null() {
            return PORTCULLIS_STATUS_NULL_POINTER;
        }
        // SAFETY: `replacement` came from `Box::into_raw` in a constructor and
        // the caller hands its ownership to this call.
        let replacement = unsafe { Box::from_raw(replacement) };
        // SAFETY: the caller promises `engine` is NULL or live.
        let Some(engine) = (unsafe { engine.as_ref() }) else {
            return PORTCULLIS_STATUS_NULL_POINTER;
        };
        let policy = replacement.load().engine.clone();
        let installed = install(&engine.store, policy);
        engine.current.store(Arc::new(installed));
        PORTCULLIS_STATUS_OK
    })
}

/// Frees `engine`. NULL is ignored. Borrowed pointers from its decisions
/// become invalid.
///
/// # Safety
/// `engine` is NULL or a live engine that no other thread uses any more and
/// that is not used after this call.
#[no_mangle]
pub unsafe extern "C" fn portcullis_engine_free(engine: *mut portcullis_engine) {
    let _ = guard(|| {
        if !engine.is_null() {
            // SAFETY: `engine` came from `Box::into_raw` in a constructor and
            // the caller promises it is not used again.
            drop(unsafe { Box::from_raw(engine) });
        }
        PORTCULLIS_STATUS_OK
    });
}
