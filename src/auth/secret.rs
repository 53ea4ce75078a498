//! API key secrets: generation, the key format, hashing and constant-time comparison
//! ([RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1): bearer tokens, which
//! RFC 7644 §2 names as a SCIM authentication scheme).
//!
//! A minted key reads `scimk_<key id>.<random>`: the key id (12 random bytes) lets a store find
//! the key with one map lookup, and the whole string is then checked against the stored SHA-256
//! hash in constant time. Both parts are base64 URL-safe without padding, so a key can be pasted
//! into a header, a URL or a shell without quoting.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// The prefix of minted keys (it helps secret scanners and people recognise them).
pub const KEY_PREFIX: &str = "scimk_";

const KEY_ID_BYTES: usize = 12;
const SECRET_BYTES: usize = 32;

/// A secret API key as the client sends it. Shown once when minted; `Debug` and `Display`
/// print `[redacted]` so it never lands in a log by accident
/// ([RFC 6750 §5.3](https://www.rfc-editor.org/rfc/rfc6750#section-5.3)).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret (e.g. a configured `SCIM_KEY`).
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for the one place that must show or send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 hash a store keeps instead of the secret.
    pub fn hash(&self) -> KeyHash {
        KeyHash::of(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

/// The SHA-256 hash of a secret: what a key store keeps. Compared in constant time.
#[derive(Clone, Copy)]
pub struct KeyHash([u8; 32]);

impl KeyHash {
    /// The hash of `secret`.
    pub fn of(secret: &str) -> Self {
        let digest = Sha256::digest(secret.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_slice());
        KeyHash(out)
    }

    /// A hash from its 32 bytes (e.g. read back from a database).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        KeyHash(bytes)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Constant-time equality ([`subtle`]), so timing tells nothing about how much matched.
    pub fn ct_eq(&self, other: &KeyHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyHash([redacted])")
    }
}

/// Mints a new key: a random key id and the secret that embeds it.
pub fn generate() -> (String, Secret) {
    let mut rng = rand::rng();
    let mut id = [0u8; KEY_ID_BYTES];
    rng.fill_bytes(&mut id);
    let mut body = [0u8; SECRET_BYTES];
    rng.fill_bytes(&mut body);
    let id = URL_SAFE_NO_PAD.encode(id);
    let secret = format!("{KEY_PREFIX}{id}.{}", URL_SAFE_NO_PAD.encode(body));
    (id, Secret(secret))
}

/// The key id a secret names: the id embedded in a minted key, or for any other string (a
/// configured key of another format) an id derived from its hash (`h` + 16 characters), so
/// every key is found by one map lookup.
pub fn key_id_of(secret: &str) -> String {
    if let Some(rest) = secret.strip_prefix(KEY_PREFIX)
        && let Some((id, body)) = rest.split_once('.')
        && id.len() == 16
        && !body.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return id.to_owned();
    }
    let hash = KeyHash::of(secret);
    format!(
        "h{}",
        URL_SAFE_NO_PAD.encode(hash.0.get(..12).unwrap_or(&[]))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_keys_embed_their_id_and_are_unique() {
        let (id, secret) = generate();
        assert_eq!(id.len(), 16);
        assert!(secret.expose().starts_with(KEY_PREFIX));
        assert_eq!(key_id_of(secret.expose()), id);
        let (id2, secret2) = generate();
        assert_ne!(id, id2);
        assert_ne!(secret, secret2);
        // 6 + 16 + 1 + 43 characters, URL-safe
        assert_eq!(secret.expose().len(), 66);
        assert!(
            secret
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
    }

    #[test]
    fn foreign_keys_get_a_stable_hash_derived_id() {
        let a = key_id_of("my-configured-key");
        assert_eq!(a, key_id_of("my-configured-key"));
        assert!(a.starts_with('h'));
        assert_ne!(a, key_id_of("my-configured-kez"));
        // a malformed key with the prefix is treated as foreign, not trusted for its id
        assert!(key_id_of("scimk_short.x").starts_with('h'));
    }

    #[test]
    fn secrets_are_redacted_and_hashes_compare() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "[redacted] [redacted]");
        assert!(s.hash().ct_eq(&KeyHash::of("hunter2")));
        assert!(!s.hash().ct_eq(&KeyHash::of("hunter3")));
        assert!(!format!("{:?}", s.hash()).contains("hunter"));
    }
}
