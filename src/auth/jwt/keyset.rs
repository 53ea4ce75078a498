//! Verification keys by key id: built from a JWK Set
//! ([RFC 7517 §5](https://www.rfc-editor.org/rfc/rfc7517#section-5)) or from PEM public keys,
//! each bound to one algorithm family so a key is only ever used with the algorithm it is for.

use super::config::JwtAlgorithm;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm, PublicKeyUse};
use std::fmt;

/// A key that cannot be used: not PEM, not a public RSA/P-256 key, or a JWK Set that does not
/// parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unusable JWT verification key: {0}")]
pub struct KeyError(String);

impl KeyError {
    pub(super) fn new(msg: impl Into<String>) -> Self {
        KeyError(msg.into())
    }
}

#[derive(Clone)]
struct Entry {
    kid: Option<String>,
    alg: JwtAlgorithm,
    key: DecodingKey,
}

/// Verification keys, each with its key id (`kid`) and the one algorithm it verifies
/// ([RFC 7515 §4.1.4](https://www.rfc-editor.org/rfc/rfc7515#section-4.1.4)).
///
/// Build it from PEM ([`KeySet::with_pem`]) or from a JWK Set ([`KeySet::from_jwks_json`]);
/// `oct` (shared-secret) keys, encryption keys and curves other than P-256 are skipped.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: Vec<Entry>,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|e| (e.kid.as_deref(), e.alg)))
            .finish()
    }
}

impl KeySet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a PEM public key (`-----BEGIN PUBLIC KEY-----`; RSA also as PKCS#1) for `alg`,
    /// named `kid` (a token without `kid` matches a key without one when it is the only
    /// candidate).
    pub fn with_pem(
        mut self,
        kid: Option<&str>,
        alg: JwtAlgorithm,
        pem: &[u8],
    ) -> Result<Self, KeyError> {
        let key = match alg {
            JwtAlgorithm::Rs256 => DecodingKey::from_rsa_pem(pem),
            JwtAlgorithm::Es256 => DecodingKey::from_ec_pem(pem),
        }
        .map_err(|e| KeyError::new(e.to_string()))?;
        self.keys.push(Entry {
            kid: kid.map(str::to_owned),
            alg,
            key,
        });
        Ok(self)
    }

    /// The usable keys of a JWK Set document (`{"keys": [...]}`); keys that are not RSA or
    /// P-256 signature keys are skipped.
    pub fn from_jwks_json(json: &[u8]) -> Result<Self, KeyError> {
        let set: JwkSet = serde_json::from_slice(json)
            .map_err(|e| KeyError::new(format!("not a JWK Set: {e}")))?;
        Ok(Self::from_jwk_set(&set))
    }

    pub(super) fn from_jwk_set(set: &JwkSet) -> Self {
        let mut keys = Vec::with_capacity(set.keys.len());
        for jwk in &set.keys {
            if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
                continue;
            }
            let alg = match &jwk.algorithm {
                AlgorithmParameters::RSA(_) => JwtAlgorithm::Rs256,
                AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
                    JwtAlgorithm::Es256
                }
                _ => continue,
            };
            // A key that declares an algorithm is used with that one only.
            let declared = jwk.common.key_algorithm;
            let matches_declared = match declared {
                None => true,
                Some(KeyAlgorithm::RS256) => alg == JwtAlgorithm::Rs256,
                Some(KeyAlgorithm::ES256) => alg == JwtAlgorithm::Es256,
                Some(_) => false,
            };
            if !matches_declared {
                continue;
            }
            if let Ok(key) = DecodingKey::from_jwk(jwk) {
                keys.push(Entry {
                    kid: jwk.common.key_id.clone(),
                    alg,
                    key,
                });
            }
        }
        KeySet { keys }
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key for a token whose header names `kid` and `alg`: the key with that id and that
    /// algorithm; without a `kid`, the only key for `alg` if there is exactly one.
    pub(super) fn find(&self, kid: Option<&str>, alg: JwtAlgorithm) -> Option<&DecodingKey> {
        match kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|e| e.alg == alg && e.kid.as_deref() == Some(kid))
                .map(|e| &e.key),
            None => {
                let mut it = self.keys.iter().filter(|e| e.alg == alg);
                match (it.next(), it.next()) {
                    (Some(only), None) => Some(&only.key),
                    _ => None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_JWK: &str = r#"{"kty":"RSA","kid":"r1","use":"sig","alg":"RS256","e":"AQAB",
        "n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw"}"#;

    #[test]
    fn jwk_set_keeps_signature_keys_only() {
        let ec = r#"{"kty":"EC","kid":"e1","crv":"P-256",
            "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
        let oct = r#"{"kty":"oct","kid":"h1","k":"c2VjcmV0"}"#;
        let enc = RSA_JWK.replace("\"sig\"", "\"enc\"").replace("r1", "r2");
        let wrong_alg = RSA_JWK.replace("RS256", "PS256").replace("r1", "r3");
        let json = format!(r#"{{"keys":[{RSA_JWK},{ec},{oct},{enc},{wrong_alg}]}}"#);
        let set = KeySet::from_jwks_json(json.as_bytes()).unwrap();
        assert_eq!(set.len(), 2);
        assert!(set.find(Some("r1"), JwtAlgorithm::Rs256).is_some());
        // a key is never used with another algorithm than its own
        assert!(set.find(Some("r1"), JwtAlgorithm::Es256).is_none());
        assert!(set.find(Some("e1"), JwtAlgorithm::Es256).is_some());
        assert!(set.find(Some("h1"), JwtAlgorithm::Rs256).is_none());
        assert!(set.find(Some("r2"), JwtAlgorithm::Rs256).is_none());
        // without kid: the single key of that algorithm
        assert!(set.find(None, JwtAlgorithm::Es256).is_some());
        assert!(KeySet::from_jwks_json(b"[]").is_err());
    }

    #[test]
    fn pem_must_be_a_key() {
        assert!(
            KeySet::new()
                .with_pem(None, JwtAlgorithm::Rs256, b"not a pem")
                .is_err()
        );
    }
}
