//! The C ABI of Portcullis.
//!
//! Proxies and gateways written in C, C++, Go and Python link this library
//! (`libportcullis.a` / `libportcullis.so`) through `include/portcullis.h`,
//! which cbindgen generates from this crate and which is committed; a test
//! fails when regenerating it would change it. The rules every entry point
//! follows, in the spirit of `rustls-ffi`:
//! - every symbol and type starts with `portcullis_`;
//! - every fallible call returns a [`portcullis_status`](status::portcullis_status)
//!   and may hand back a [`portcullis_error`](status::portcullis_error) that the
//!   caller frees; there is no thread-local "last error";
//! - every pointer is checked for NULL, every string comes as pointer and
//!   length and is checked to be UTF-8;
//! - every entry point runs inside one guard ([`guard`]) that catches panics,
//!   so a panic never crosses the boundary and never aborts the host;
//! - decisions fail closed: the effect `PORTCULLIS_EFFECT_DENY` is 0, a
//!   decision struct is set to deny before anything else happens, and any
//!   error or panic leaves it so;
//! - ownership is written in each function's documentation.
//!
//! `unsafe` lives only in this crate, each block with a `// SAFETY:` comment.
//! The workspace lints (root `Cargo.toml`) deny `unsafe_code` and
//! `unsafe_op_in_unsafe_fn`, warn on `missing_docs` and require the
//! `SAFETY` comments (`clippy::undocumented_unsafe_blocks`); this crate
//! alone allows `unsafe_code`, here at its root.

#![allow(unsafe_code)]
#![allow(non_camel_case_types)]

pub mod audit;
pub mod buffer;
pub mod decision;
pub mod engine;
mod guard;
pub mod session;
pub mod status;
pub mod version;

#[cfg(test)]
mod header_tests {
    //! The committed header is exactly what cbindgen generates from these
    //! sources, and its version macros are the crate's version.

    use std::path::Path;

    fn generated() -> String {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
        let mut out = Vec::new();
        cbindgen::Builder::new()
            .with_crate(dir)
            .with_config(config)
            .generate()
            .expect("cbindgen generates the header")
            .write(&mut out);
        String::from_utf8(out).expect("UTF-8 header")
    }

    #[test]
    fn header_is_up_to_date() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/portcullis.h");
        let fresh = generated();
        if std::env::var_os("PORTCULLIS_BLESS").is_some() {
            std::fs::write(&path, &fresh).expect("write header");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ffi/include/portcullis.h is out of date; regenerate it with \
             `PORTCULLIS_BLESS=1 cargo test -p portcullis-ffi header` and commit it"
        );
    }

    #[test]
    fn version_macros_match_cargo_toml() {
        let header = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("include/portcullis.h"),
        )
        .expect("header");
        for (name, value) in [
            ("PORTCULLIS_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
            ("PORTCULLIS_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
            ("PORTCULLIS_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
        ] {
            assert!(
                header.contains(&format!("#define {name} {value}")),
                "{name} is not {value} in the header"
            );
        }
        // SAFETY: the version is a static NUL-terminated string.
        let version = unsafe { std::ffi::CStr::from_ptr(crate::version::portcullis_version()) };
        assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(env!("CARGO_PKG_VERSION"), env!("CARGO_PKG_VERSION").trim());
    }
}
