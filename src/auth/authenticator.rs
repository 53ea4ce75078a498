//! Authenticating a request: the [`Authenticator`] trait, its error, and the bearer-key
//! authenticators ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2),
//! [RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1)).

use super::keys::ApiKeyStore;
use super::secret::KeyHash;
use super::{Context, Principal, TenantId};
use crate::error::Error;
use async_trait::async_trait;
use http::{HeaderValue, StatusCode, header};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Why a request was not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// No credentials (no or empty `Authorization` header, or another scheme): 401.
    Missing,
    /// Credentials that are malformed, unknown or revoked: 401 `invalid_token`.
    Invalid,
    /// The credential store could not be reached: 503.
    Unavailable,
    /// Valid credentials without the privilege the request needs (e.g. a token without the
    /// required role): 403 `insufficient_scope`
    /// ([RFC 6750 §3.1](https://www.rfc-editor.org/rfc/rfc6750#section-3.1)).
    Forbidden,
}

/// A failed authentication, with what the server must answer: the status and the
/// `WWW-Authenticate` challenge ([RFC 6750 §3](https://www.rfc-editor.org/rfc/rfc6750#section-3),
/// [RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)).
///
/// The detail never says whether a key id exists. Its `Display` is the SCIM error it becomes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.to_error())]
pub struct AuthError {
    kind: AuthErrorKind,
    retry_after: Option<Duration>,
}

impl AuthError {
    /// No credentials.
    pub fn missing() -> Self {
        AuthError {
            kind: AuthErrorKind::Missing,
            retry_after: None,
        }
    }

    /// Bad credentials.
    pub fn invalid() -> Self {
        AuthError {
            kind: AuthErrorKind::Invalid,
            retry_after: None,
        }
    }

    /// Valid credentials lacking a required privilege (403).
    pub fn forbidden() -> Self {
        AuthError {
            kind: AuthErrorKind::Forbidden,
            retry_after: None,
        }
    }

    /// The credential store is unavailable; retry after `retry_after` if given.
    pub fn unavailable(retry_after: Option<Duration>) -> Self {
        AuthError {
            kind: AuthErrorKind::Unavailable,
            retry_after,
        }
    }

    /// The kind.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// 401, 403 for missing privileges, or 503 when the store is unavailable.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            AuthErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AuthErrorKind::Forbidden => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The `WWW-Authenticate` header value a 401 must carry
    /// ([RFC 6750 §3](https://www.rfc-editor.org/rfc/rfc6750#section-3)):
    /// `Bearer realm="scim"`, plus `error="invalid_token"` for bad credentials and
    /// `error="insufficient_scope"` for a 403. `None` for a 503.
    pub fn www_authenticate(&self) -> Option<HeaderValue> {
        match self.kind {
            AuthErrorKind::Missing => Some(HeaderValue::from_static("Bearer realm=\"scim\"")),
            AuthErrorKind::Invalid => Some(HeaderValue::from_static(
                "Bearer realm=\"scim\", error=\"invalid_token\"",
            )),
            AuthErrorKind::Forbidden => Some(HeaderValue::from_static(
                "Bearer realm=\"scim\", error=\"insufficient_scope\"",
            )),
            AuthErrorKind::Unavailable => None,
        }
    }

    /// For a 503: how long to wait before retrying, if known.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The SCIM error body to send ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).
    pub fn to_error(&self) -> Error {
        let detail = match self.kind {
            AuthErrorKind::Missing => "authentication required: send Authorization: Bearer <key>",
            AuthErrorKind::Invalid => "invalid or revoked credentials",
            AuthErrorKind::Unavailable => "authentication temporarily unavailable",
            AuthErrorKind::Forbidden => "these credentials lack the privilege this request needs",
        };
        Error::with_status(self.status(), None, detail)
    }
}

impl From<AuthError> for Error {
    fn from(e: AuthError) -> Self {
        e.to_error()
    }
}

/// Turns a request's headers into a [`Context`] (tenant and principal), or refuses it
/// ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)).
///
/// Implement it for OAuth 2.0 / JWT, mTLS or anything else; [`BearerKeyAuthenticator`] checks
/// SCIM API keys and [`StaticTokenAuthenticator`] one configured token.
#[async_trait]
pub trait Authenticator: Send + Sync {
    /// Authenticates the request whose head is `parts` (the body is not needed and not read).
    async fn authenticate(&self, parts: &http::request::Parts) -> Result<Context, AuthError>;
}

#[async_trait]
impl<A: Authenticator + ?Sized> Authenticator for Arc<A> {
    async fn authenticate(&self, parts: &http::request::Parts) -> Result<Context, AuthError> {
        (**self).authenticate(parts).await
    }
}

/// The token of an `Authorization: Bearer <token>` header
/// ([RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1); the scheme name is
/// case-insensitive per [RFC 9110 §11.1](https://www.rfc-editor.org/rfc/rfc9110#section-11.1)).
pub fn bearer_token(headers: &http::HeaderMap) -> Result<&str, AuthError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(AuthError::missing)?;
    let value = value.to_str().map_err(|_| AuthError::invalid())?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or_else(AuthError::missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::missing());
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::missing());
    }
    Ok(token)
}

/// Authenticates `Authorization: Bearer <key>` against an [`ApiKeyStore`]; the context is the
/// key's tenant, the principal `key:<key id>`
/// ([RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1)).
#[derive(Clone)]
pub struct BearerKeyAuthenticator {
    store: Arc<dyn ApiKeyStore>,
}

impl BearerKeyAuthenticator {
    /// An authenticator over `store`.
    pub fn new(store: Arc<dyn ApiKeyStore>) -> Self {
        BearerKeyAuthenticator { store }
    }

    /// The store it checks against.
    pub fn store(&self) -> &Arc<dyn ApiKeyStore> {
        &self.store
    }
}

impl fmt::Debug for BearerKeyAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerKeyAuthenticator")
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Authenticator for BearerKeyAuthenticator {
    async fn authenticate(&self, parts: &http::request::Parts) -> Result<Context, AuthError> {
        let token = bearer_token(&parts.headers)?;
        match self.store.verify(token).await {
            Ok(Some(info)) => Ok(Context::new(info.tenant, Principal::api_key(&info.id))),
            Ok(None) => Err(AuthError::invalid()),
            Err(e) => {
                // The client gets a bare 503; the operator gets the cause.
                #[cfg(feature = "tracing")]
                tracing::error!(
                    error = %crate::backend_error::error_chain(&e),
                    "the key store failed to verify a key"
                );
                Err(AuthError::unavailable(e.retry_after()))
            }
        }
    }
}

/// Accepts one configured bearer token (e.g. an admin token from `SCIM_ADMIN_TOKEN`),
/// compared in constant time through its SHA-256 hash; the context is a fixed tenant and
/// principal ([RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1)).
#[derive(Clone)]
pub struct StaticTokenAuthenticator {
    hash: KeyHash,
    context: Context,
}

impl StaticTokenAuthenticator {
    /// Accepts `token`, yielding `context`.
    pub fn new(token: &super::Secret, context: Context) -> Self {
        StaticTokenAuthenticator {
            hash: token.hash(),
            context,
        }
    }

    /// Accepts `token` as the admin of the key-admin surface: tenant `*`, principal `admin`.
    pub fn admin(token: &super::Secret) -> Self {
        Self::new(
            token,
            Context::new(TenantId::new("*"), Principal::new("admin")),
        )
    }
}

impl fmt::Debug for StaticTokenAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticTokenAuthenticator")
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Authenticator for StaticTokenAuthenticator {
    async fn authenticate(&self, parts: &http::request::Parts) -> Result<Context, AuthError> {
        let token = bearer_token(&parts.headers)?;
        if KeyHash::of(token).ct_eq(&self.hash) {
            Ok(self.context.clone())
        } else {
            Err(AuthError::invalid())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: Option<&str>) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        if let Some(a) = auth {
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    #[test]
    fn bearer_token_parsing() {
        assert_eq!(bearer_token(&headers(Some("Bearer abc"))).unwrap(), "abc");
        assert_eq!(bearer_token(&headers(Some("bearer  abc "))).unwrap(), "abc");
        assert_eq!(bearer_token(&headers(Some("BEARER abc"))).unwrap(), "abc");
        for bad in [None, Some("Basic abc"), Some("Bearer"), Some("Bearer   ")] {
            assert_eq!(
                bearer_token(&headers(bad)).unwrap_err().kind(),
                AuthErrorKind::Missing
            );
        }
    }

    #[test]
    fn errors_carry_the_challenge() {
        let m = AuthError::missing();
        assert_eq!(m.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(m.www_authenticate().unwrap(), "Bearer realm=\"scim\"");
        let i = AuthError::invalid();
        assert!(
            i.www_authenticate()
                .unwrap()
                .to_str()
                .unwrap()
                .contains("invalid_token")
        );
        assert_eq!(Error::from(i).status(), StatusCode::UNAUTHORIZED);
        let u = AuthError::unavailable(Some(Duration::from_secs(3)));
        assert_eq!(u.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(u.www_authenticate().is_none());
        assert_eq!(u.retry_after(), Some(Duration::from_secs(3)));
        let f = AuthError::forbidden();
        assert_eq!(f.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            f.www_authenticate().unwrap(),
            "Bearer realm=\"scim\", error=\"insufficient_scope\""
        );
        assert_eq!(Error::from(f).status(), StatusCode::FORBIDDEN);
    }
}
