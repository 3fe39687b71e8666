//! The library version and the ABI version.
//!
//! `PORTCULLIS_VERSION_*` are the crate version (a test checks them against
//! `Cargo.toml`); `PORTCULLIS_ABI_VERSION` changes whenever a type or a
//! function signature of the header changes incompatibly.

use std::ffi::c_char;

/// The major version of the library.
pub const PORTCULLIS_VERSION_MAJOR: u32 = 0;
/// The minor version of the library.
pub const PORTCULLIS_VERSION_MINOR: u32 = 1;
/// The patch version of the library.
pub const PORTCULLIS_VERSION_PATCH: u32 = 0;
/// The version of this ABI (types and signatures of the header).
pub const PORTCULLIS_ABI_VERSION: u32 = 1;

/// The library version (`"0.1.0"`), static and NUL-terminated.
#[no_mangle]
pub extern "C" fn portcullis_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
