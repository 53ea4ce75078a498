//! Positioned parse errors of the path and filter grammar
//! ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2),
//! [§3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10),
//! [§3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).

use crate::error::{Error, ScimType};
use std::borrow::Cow;
use std::ops::Range;

/// What was being parsed when a [`ParseError`] happened, which decides its `scimType`
/// ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A `filter` query parameter: answered as `invalidFilter`.
    Filter,
    /// A PATCH `path`, a `sortBy` or an `attributes`/`excludedAttributes` list: answered as
    /// `invalidPath`.
    Path,
}

impl ParseErrorKind {
    /// The `scimType` keyword of RFC 7644 §3.12 that reports this error.
    pub const fn scim_type(self) -> ScimType {
        match self {
            ParseErrorKind::Filter => ScimType::InvalidFilter,
            ParseErrorKind::Path => ScimType::InvalidPath,
        }
    }

    /// What was parsed, for messages: `filter` or `path`.
    const fn noun(self) -> &'static str {
        match self {
            ParseErrorKind::Filter => "filter",
            ParseErrorKind::Path => "path",
        }
    }
}

/// A syntax error in a filter or path: where it is (a byte range of the input) and what was
/// expected there ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2),
/// [§3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10)).
///
/// Displays as `invalid filter at 17..19: expected a comparison operator (eq, ne, …)`.
/// Converts into a 400 [`Error`] with `scimType` `invalidFilter` or `invalidPath`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(transparent)]
pub struct ParseError {
    // Boxed: keeps every `Result` of the parser small, so the happy path moves less.
    inner: Box<Inner>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {} at {}..{}: {message}", kind.noun(), span.start, span.end)]
struct Inner {
    kind: ParseErrorKind,
    span: Range<usize>,
    message: Cow<'static, str>,
}

impl ParseError {
    pub(crate) fn new(
        kind: ParseErrorKind,
        span: Range<usize>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        ParseError {
            inner: Box::new(Inner {
                kind,
                span,
                message: message.into(),
            }),
        }
    }

    /// Whether the input was a filter or a path (decides the `scimType`).
    pub fn kind(&self) -> ParseErrorKind {
        self.inner.kind
    }

    /// The byte range of the input where the error is (empty at the end of the input).
    pub fn span(&self) -> Range<usize> {
        self.inner.span.clone()
    }

    /// What was wrong, usually `expected …`.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The `scimType` that reports this error (RFC 7644 §3.12).
    pub fn scim_type(&self) -> ScimType {
        self.inner.kind.scim_type()
    }
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Error::new(e.scim_type(), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_to_scim_error_with_matching_scim_type() {
        let e = ParseError::new(ParseErrorKind::Filter, 17..19, "expected a value");
        assert_eq!(e.to_string(), "invalid filter at 17..19: expected a value");
        let err: Error = e.into();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidFilter));
        assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
        let p: Error = ParseError::new(ParseErrorKind::Path, 0..0, "x").into();
        assert_eq!(p.scim_type(), Some(ScimType::InvalidPath));
        assert!(p.detail().starts_with("invalid path at 0..0"));
    }
}
