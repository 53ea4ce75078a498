//! The write-only `password` attribute
//! ([RFC 7643 §4.1.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1)).

use serde::Deserialize;
use std::fmt;
use subtle::ConstantTimeEq;

/// A User's cleartext password as a client sent it
/// ([RFC 7643 §4.1.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1): `mutability:
/// writeOnly`, `returned: never`).
///
/// Write-only by construction: it implements `Deserialize` but **not** `Serialize`, and the
/// `User` field that holds it is skipped when serialising, so no response can carry it. `Debug`
/// prints `[redacted]`. A backend reads it once with [`Password::expose`] (to hash it or hand it
/// to an identity provider) and should not store it.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    /// Wraps a cleartext password.
    pub fn new(cleartext: impl Into<String>) -> Self {
        Password(cleartext.into())
    }

    /// The cleartext.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// Compares in constant time for equal lengths (RFC 7644 §7.8 asks to protect passwords).
impl PartialEq for Password {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Password {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let p: Password = serde_json::from_str("\"t1meMa$heen\"").unwrap();
        assert_eq!(p.expose(), "t1meMa$heen");
        assert_eq!(format!("{p:?}"), "Password([redacted])");
        assert!(!format!("{p:?}").contains("t1me"));
        assert_eq!(p, Password::new("t1meMa$heen"));
        assert_ne!(p, Password::new("other"));
    }
}
