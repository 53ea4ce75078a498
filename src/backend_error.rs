//! Errors a backend or key store returns, and how each maps to a SCIM error
//! ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)). Public as
//! [`crate::backend::BackendError`]; a module of its own so that [`crate::auth`] (whose
//! [`ApiKeyStore`](crate::auth::ApiKeyStore) returns it) does not depend on [`crate::backend`].

use crate::error::{Error, ScimType};
use http::StatusCode;
use std::fmt;
use std::time::Duration;

/// What went wrong in a backend, as far as the protocol cares
/// ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackendErrorKind {
    /// The resource does not exist (in this tenant): 404.
    NotFound,
    /// A unique value (e.g. `userName`) is already taken: 409 `uniqueness`.
    Uniqueness,
    /// The resource's version is not the one the client's `If-Match` named: 412.
    PreconditionFailed,
    /// The request is invalid for this resource: 400 with a `scimType`
    /// (e.g. `invalidValue`, `mutability`, `noTarget`).
    Invalid,
    /// The store is temporarily unavailable: 503, with an optional `Retry-After`.
    Unavailable,
    /// Anything else: 500. The detail is for logs only; the client sees "internal error".
    Internal,
}

/// A backend error: a [`BackendErrorKind`], a detail, and for internal errors the source
/// (kept for logs, never sent to the client). Converts into [`crate::Error`]
/// ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).
///
/// Its `Display` is the full detail, including the source of an internal error: for logs.
#[derive(thiserror::Error)]
#[error("{} {}{}", self.status().as_u16(), .detail, source_suffix(.source.as_deref()))]
pub struct BackendError {
    kind: BackendErrorKind,
    scim: Option<Error>,
    detail: String,
    retry_after: Option<Duration>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// `": source"`, or nothing.
fn source_suffix(source: Option<&(dyn std::error::Error + Send + Sync + 'static)>) -> String {
    source.map(|s| format!(": {s}")).unwrap_or_default()
}

impl BackendError {
    fn of(kind: BackendErrorKind, detail: impl Into<String>) -> Self {
        BackendError {
            kind,
            scim: None,
            detail: detail.into(),
            retry_after: None,
            source: None,
        }
    }

    /// 404: no such resource in this tenant.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::of(BackendErrorKind::NotFound, detail)
    }

    /// 409 `uniqueness`: a unique attribute's value is taken.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::of(BackendErrorKind::Uniqueness, detail)
    }

    /// 412: the resource changed since the version the client named in `If-Match`
    /// ([RFC 7644 §3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::of(BackendErrorKind::PreconditionFailed, detail)
    }

    /// 400 with the given `scimType` (e.g. [`ScimType::InvalidValue`]).
    pub fn invalid(scim_type: ScimType, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        BackendError {
            scim: Some(Error::with_status(
                StatusCode::BAD_REQUEST,
                Some(scim_type),
                detail.clone(),
            )),
            ..Self::of(BackendErrorKind::Invalid, detail)
        }
    }

    /// 400 `invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::invalid(ScimType::InvalidValue, detail)
    }

    /// 503: try again later, optionally after `retry_after` (sent as `Retry-After`).
    pub fn unavailable(detail: impl Into<String>, retry_after: Option<Duration>) -> Self {
        BackendError {
            retry_after,
            ..Self::of(BackendErrorKind::Unavailable, detail)
        }
    }

    /// 500: keeps `source` for logs; the client sees only "internal error".
    pub fn internal<E>(source: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        BackendError {
            source: Some(Box::new(source)),
            ..Self::of(BackendErrorKind::Internal, "internal error")
        }
    }

    /// 500 with a message for logs only (the client sees only "internal error").
    pub fn internal_msg(detail: impl Into<String>) -> Self {
        Self::of(BackendErrorKind::Internal, detail)
    }

    /// The kind.
    pub fn kind(&self) -> BackendErrorKind {
        self.kind
    }

    /// The detail, for logs (for [`BackendErrorKind::Internal`] this is not what the client sees).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// How long the client should wait before retrying (503 `Retry-After`), if known.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// Whether this is a 500 whose detail must be logged, not sent.
    pub fn is_internal(&self) -> bool {
        self.kind == BackendErrorKind::Internal
    }

    /// The HTTP status this error maps to.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            BackendErrorKind::NotFound => StatusCode::NOT_FOUND,
            BackendErrorKind::Uniqueness => StatusCode::CONFLICT,
            BackendErrorKind::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            BackendErrorKind::Invalid => self
                .scim
                .as_ref()
                .map_or(StatusCode::BAD_REQUEST, Error::status),
            BackendErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            BackendErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The SCIM error the client sees (same as `Error::from(self)`, without consuming it).
    pub fn to_error(&self) -> Error {
        match self.kind {
            BackendErrorKind::NotFound => Error::not_found(self.detail.clone()),
            BackendErrorKind::Uniqueness => Error::uniqueness(self.detail.clone()),
            BackendErrorKind::PreconditionFailed => {
                Error::with_status(StatusCode::PRECONDITION_FAILED, None, self.detail.clone())
            }
            BackendErrorKind::Invalid => self
                .scim
                .clone()
                .unwrap_or_else(|| Error::invalid_value(self.detail.clone())),
            BackendErrorKind::Unavailable => {
                Error::with_status(StatusCode::SERVICE_UNAVAILABLE, None, self.detail.clone())
            }
            BackendErrorKind::Internal => {
                Error::with_status(StatusCode::INTERNAL_SERVER_ERROR, None, "internal error")
            }
        }
    }
}

/// A SCIM error raised while serving a backend call (e.g. by the PATCH engine inside a default
/// `patch_*` method) passes through unchanged: 404 stays 404, 409 stays 409, 4xx keeps its
/// `scimType`; a 5xx becomes [`BackendErrorKind::Internal`].
impl From<Error> for BackendError {
    fn from(e: Error) -> Self {
        let status = e.status();
        let kind = match status {
            StatusCode::NOT_FOUND => BackendErrorKind::NotFound,
            StatusCode::CONFLICT => BackendErrorKind::Uniqueness,
            StatusCode::PRECONDITION_FAILED => BackendErrorKind::PreconditionFailed,
            StatusCode::SERVICE_UNAVAILABLE => BackendErrorKind::Unavailable,
            s if s.is_client_error() => BackendErrorKind::Invalid,
            _ => BackendErrorKind::Internal,
        };
        let detail = e.detail().to_owned();
        BackendError {
            scim: (kind == BackendErrorKind::Invalid).then_some(e),
            ..Self::of(kind, detail)
        }
    }
}

impl From<BackendError> for Error {
    fn from(e: BackendError) -> Self {
        e.to_error()
    }
}

impl fmt::Debug for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("BackendError");
        d.field("kind", &self.kind).field("detail", &self.detail);
        if let Some(s) = &self.scim {
            d.field("scim_type", &s.scim_type());
        }
        if let Some(r) = self.retry_after {
            d.field("retry_after", &r);
        }
        if let Some(s) = &self.source {
            d.field("source", s);
        }
        d.finish()
    }
}

/// An error and each of its causes, `: `-separated, for logs (a [`BackendError`]'s own
/// `Display` already shows its direct source, which is not repeated).
pub(crate) fn error_chain(e: &BackendError) -> String {
    let mut out = format!("{} {}", e.status().as_u16(), e.detail());
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_rfc7644_statuses() {
        let cases = [
            (BackendError::not_found("x"), 404, None),
            (
                BackendError::uniqueness("x"),
                409,
                Some(ScimType::Uniqueness),
            ),
            (BackendError::precondition_failed("x"), 412, None),
            (
                BackendError::invalid(ScimType::Mutability, "x"),
                400,
                Some(ScimType::Mutability),
            ),
            (
                BackendError::invalid_value("x"),
                400,
                Some(ScimType::InvalidValue),
            ),
            (BackendError::unavailable("x", None), 503, None),
        ];
        for (b, status, t) in cases {
            assert_eq!(b.status().as_u16(), status);
            let e = Error::from(b);
            assert_eq!(e.status().as_u16(), status);
            assert_eq!(e.scim_type(), t);
            assert_eq!(e.detail(), "x");
        }
    }

    #[test]
    fn internal_detail_is_logged_not_leaked() {
        let io = std::io::Error::other("db password wrong at 10.0.0.7");
        let b = BackendError::internal(io);
        assert!(b.is_internal());
        assert!(b.to_string().contains("10.0.0.7"));
        assert!(std::error::Error::source(&b).is_some());
        let e = Error::from(b);
        assert_eq!(e.status().as_u16(), 500);
        assert_eq!(e.detail(), "internal error");
        let m = BackendError::internal_msg("secret detail");
        assert_eq!(Error::from(m).detail(), "internal error");
    }

    #[test]
    fn the_chain_names_every_cause_once() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("lookup failed")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let b = BackendError::internal(Outer(std::io::Error::other("timed out")));
        assert_eq!(
            error_chain(&b),
            "500 internal error: lookup failed: timed out"
        );
    }

    #[test]
    fn retry_after_is_kept() {
        let b = BackendError::unavailable("busy", Some(Duration::from_secs(7)));
        assert_eq!(b.retry_after(), Some(Duration::from_secs(7)));
    }

    #[test]
    fn scim_errors_pass_through() {
        let b = BackendError::from(Error::no_target("nothing matched"));
        assert_eq!(b.kind(), BackendErrorKind::Invalid);
        let e = Error::from(b);
        assert_eq!(e.scim_type(), Some(ScimType::NoTarget));
        assert_eq!(e.detail(), "nothing matched");
        let b = BackendError::from(Error::uniqueness("taken"));
        assert_eq!(b.kind(), BackendErrorKind::Uniqueness);
        let b = BackendError::from(Error::with_status(StatusCode::BAD_GATEWAY, None, "up"));
        assert!(b.is_internal());
    }
}
