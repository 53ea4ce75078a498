//! The bearer-JWT [`Authenticator`]
//! ([RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1),
//! [RFC 9068 §4](https://www.rfc-editor.org/rfc/rfc9068#section-4)).

use super::claims::{self, VerifiedToken};
use super::config::JwtConfig;
use super::jwks::{JwksCache, Lookup};
use super::keyset::KeySet;
use super::verify;
use crate::auth::{AuthError, Authenticator, Context, bearer_token};
use async_trait::async_trait;
use std::fmt;

#[derive(Debug)]
enum Keys {
    Static(KeySet),
    Jwks(Box<JwksCache>),
}

/// Authenticates `Authorization: Bearer <JWT>` access tokens: signature (RS256/ES256 only, with
/// the key the header's `kid` names), `iss`, `aud`, `exp`/`nbf` with leeway, the tenant claim and
/// an optional required role ([RFC 9068 §4](https://www.rfc-editor.org/rfc/rfc9068#section-4)).
///
/// A bad token is 401 `invalid_token`, a token without the required role 403
/// `insufficient_scope` ([RFC 6750 §3.1](https://www.rfc-editor.org/rfc/rfc6750#section-3.1)),
/// an unreachable JWKS 503 with `Retry-After`. The context is the tenant claim's tenant and
/// principal `jwt:<sub>`.
#[derive(Debug)]
pub struct JwtAuthenticator {
    config: JwtConfig,
    keys: Keys,
}

impl JwtAuthenticator {
    /// Verifies with keys fetched (and cached) from a JWKS URL.
    pub fn with_jwks(config: JwtConfig, jwks: JwksCache) -> Self {
        JwtAuthenticator {
            config,
            keys: Keys::Jwks(Box::new(jwks)),
        }
    }

    /// Verifies with configured keys only (PEM or a JWK Set document).
    pub fn with_keys(config: JwtConfig, keys: KeySet) -> Self {
        JwtAuthenticator {
            config,
            keys: Keys::Static(keys),
        }
    }

    /// The rules tokens are checked against.
    pub fn config(&self) -> &JwtConfig {
        &self.config
    }

    /// Verifies `token` and maps its claims to the caller.
    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, AuthError> {
        let header = verify::header(token, &self.config)?;
        let kid = header.kid.as_deref();
        let claims = match &self.keys {
            Keys::Static(set) => {
                let key = set.find(kid, header.alg).ok_or_else(AuthError::invalid)?;
                verify::claims(token, key, header.alg, &self.config)?
            }
            Keys::Jwks(cache) => match cache.key(kid, header.alg).await {
                Lookup::Found(key) => verify::claims(token, &key, header.alg, &self.config)?,
                Lookup::Unknown => return Err(AuthError::invalid()),
                Lookup::Unavailable(after) => return Err(AuthError::unavailable(Some(after))),
            },
        };
        claims::caller(&claims, &self.config)
    }
}

#[async_trait]
impl Authenticator for JwtAuthenticator {
    async fn authenticate(&self, parts: &http::request::Parts) -> Result<Context, AuthError> {
        let token = bearer_token(&parts.headers)?;
        Ok(self.verify(token).await?.context())
    }
}

/// Whether a bearer token has the shape of a compact JWS
/// ([RFC 7515 §7.1](https://www.rfc-editor.org/rfc/rfc7515#section-7.1)): three non-empty
/// base64url segments, the first one starting like a JSON object (`eyJ`, i.e. `{"`). SCIM keys
/// minted here (`scimk_<id>.<secret>`) never have that shape.
pub fn looks_like_jwt(token: &str) -> bool {
    let b64url = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => {
            h.starts_with("eyJ") && b64url(h) && b64url(p) && b64url(s)
        }
        _ => false,
    }
}

/// Accepts JWTs and other bearer tokens (SCIM keys, an admin token) side by side, deciding by
/// the token's shape ([`looks_like_jwt`]): a JWT-shaped token is checked by `jwt` only, any
/// other by `other` only, so a token that fails one is never retried against the other
/// ([RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1)).
pub struct JwtOrKeyAuthenticator {
    jwt: std::sync::Arc<dyn Authenticator>,
    other: std::sync::Arc<dyn Authenticator>,
}

impl JwtOrKeyAuthenticator {
    /// JWTs go to `jwt` (e.g. a [`JwtAuthenticator`]), everything else to `other` (e.g. a
    /// [`BearerKeyAuthenticator`](crate::auth::BearerKeyAuthenticator) or a
    /// [`StaticTokenAuthenticator`](crate::auth::StaticTokenAuthenticator)).
    pub fn new(
        jwt: std::sync::Arc<dyn Authenticator>,
        other: std::sync::Arc<dyn Authenticator>,
    ) -> Self {
        JwtOrKeyAuthenticator { jwt, other }
    }
}

impl fmt::Debug for JwtOrKeyAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtOrKeyAuthenticator")
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Authenticator for JwtOrKeyAuthenticator {
    async fn authenticate(&self, parts: &http::request::Parts) -> Result<Context, AuthError> {
        let token = bearer_token(&parts.headers)?;
        if looks_like_jwt(token) {
            self.jwt.authenticate(parts).await
        } else {
            self.other.authenticate(parts).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_shape() {
        assert!(looks_like_jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"));
        for not in [
            "scimk_AAAAAAAAAAAAAAAA.BBBB",
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0",
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln.x",
            "eyJhbGciOiJSUzI1NiJ9..c2ln",
            "abc.def.ghi",
            "eyJ+.a.b",
            "",
        ] {
            assert!(!looks_like_jwt(not), "{not}");
        }
    }
}
