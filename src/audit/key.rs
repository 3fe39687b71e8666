//! The key of a keyed audit chain: HMAC-SHA-256 seals.
//!
//! A plain chain ([`super::chain`]) shows any edit to a trail, but someone
//! who can rewrite the trail can rewrite all of it, recompute every hash
//! and replace the anchor: a tail cut that way is invisible. With a key,
//! each record's `hash` is an HMAC-SHA-256 over the same bytes, so only a
//! holder of the key can seal a record; `portcullis audit verify --key`
//! finds a re-sealed rewrite that the plain check accepts. The key never
//! sits in a policy (policies are shared and committed): it comes from a
//! file or an environment variable the embedder names, and each keyed
//! record carries only the key's id, the first 8 bytes of its SHA-256 in
//! hex, so a verifier holding the wrong key says so instead of calling
//! every record edited. Cost: an HMAC instead of a hash, two SHA-256
//! compressions more per record.

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Keys shorter than this are refused: a guessable key is no key.
pub const MIN_KEY_BYTES: usize = 16;

/// An audit key (its bytes are never printed).
#[derive(Clone)]
pub struct Key {
    bytes: Vec<u8>,
    id: String,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("id", &self.id).finish()
    }
}

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read.
    #[error("audit key {0}: {1}")]
    Unreadable(String, String),
    /// The key is shorter than [`MIN_KEY_BYTES`].
    #[error("audit key {0}: {1} bytes, at least {MIN_KEY_BYTES} are needed (e.g. `openssl rand -hex 32 > FILE`)")]
    Short(String, usize),
}

impl Key {
    /// A key from its bytes (surrounding ASCII whitespace removed, so a
    /// file written by `openssl rand -hex 32` works); `origin` names it in errors.
    pub fn new(bytes: &[u8], origin: &str) -> Result<Key, KeyError> {
        let bytes = bytes.trim_ascii();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(KeyError::Short(origin.to_owned(), bytes.len()));
        }
        let digest = Sha256::digest(bytes);
        Ok(Key {
            bytes: bytes.to_vec(),
            id: super::chain::hex(digest.get(..8).unwrap_or_default()),
        })
    }

    /// The key in the file at `path`.
    pub fn from_file(path: &Path) -> Result<Key, KeyError> {
        let origin = path.display().to_string();
        let bytes =
            std::fs::read(path).map_err(|e| KeyError::Unreadable(origin.clone(), e.to_string()))?;
        Key::new(&bytes, &origin)
    }

    /// The key's id as records carry it (16 hex digits).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The seal of `bytes` under this key.
    pub(crate) fn seal(&self, bytes: &[u8]) -> [u8; 32] {
        // An HMAC takes a key of any length.
        match Hmac::<Sha256>::new_from_slice(&self.bytes) {
            Ok(mut mac) => {
                mac.update(bytes);
                mac.finalize().into_bytes().into()
            }
            Err(_) => [0; 32],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_trimmed_bounded_and_known_by_id_only() {
        let key = Key::new(b"  0123456789abcdef0123\n", "test").unwrap();
        assert_eq!(key.id().len(), 16);
        assert_eq!(
            key.id(),
            Key::new(b"0123456789abcdef0123", "x").unwrap().id()
        );
        assert!(!format!("{key:?}").contains("0123456789"));
        assert_eq!(
            Key::new(b"short\n", "k").unwrap_err(),
            KeyError::Short("k".into(), 5)
        );
        // RFC 4231 test case 2 needs a short key; a long key checks the MAC itself.
        let long = Key::new(&[0xaa; 131], "t").unwrap();
        assert_eq!(
            super::super::chain::hex(
                &long.seal(b"Test Using Larger Than Block-Size Key - Hash Key First")
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
