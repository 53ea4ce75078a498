//! SCIM errors: an HTTP status, an optional `scimType` and a human-readable detail
//! ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).

use http::StatusCode;
use std::fmt;

/// The URN of the SCIM error message schema (RFC 7644 §3.12).
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The `scimType` detail error keywords of
/// [RFC 7644 §3.12, Table 9](https://www.rfc-editor.org/rfc/rfc7644#section-3.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScimType {
    /// The filter syntax is invalid or the filter cannot be served (400).
    InvalidFilter,
    /// The filter yields too many results for the server to process (400).
    TooMany,
    /// One or more attribute values are already in use or reserved (409).
    Uniqueness,
    /// The modification is incompatible with an attribute's mutability (400).
    Mutability,
    /// The request body structure was invalid (400).
    InvalidSyntax,
    /// The path attribute was invalid or malformed (400).
    InvalidPath,
    /// The path did not yield an attribute or value that could be operated on (400).
    NoTarget,
    /// A required value was missing or a value was not compatible (400).
    InvalidValue,
    /// The specified SCIM protocol version is not supported (400).
    InvalidVers,
    /// The request cannot be completed because of sensitive information in the URI (403).
    Sensitive,
    /// The `cursor` is not one this service provider issued for this query (400;
    /// [RFC 9865 §2.1](https://www.rfc-editor.org/rfc/rfc9865#section-2.1)).
    InvalidCursor,
    /// The `cursor` was valid but is older than `cursorTimeout` (400;
    /// [RFC 9865 §2.1](https://www.rfc-editor.org/rfc/rfc9865#section-2.1)).
    ExpiredCursor,
    /// The `count` of a cursor request differs from the one of the walk's first request (400;
    /// [RFC 9865 §2.1](https://www.rfc-editor.org/rfc/rfc9865#section-2.1)).
    InvalidCount,
}

impl ScimType {
    /// The wire name, as in RFC 7644 §3.12 (`invalidFilter`, `uniqueness`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
            ScimType::InvalidCursor => "invalidCursor",
            ScimType::ExpiredCursor => "expiredCursor",
            ScimType::InvalidCount => "invalidCount",
        }
    }

    /// The HTTP status RFC 7644 §3.12 pairs with this keyword.
    pub const fn status(self) -> StatusCode {
        match self {
            ScimType::Uniqueness => StatusCode::CONFLICT,
            ScimType::Sensitive => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// Parses a wire name (exact match, as the RFC spells it).
    pub fn from_wire(s: &str) -> Option<Self> {
        Some(match s {
            "invalidFilter" => ScimType::InvalidFilter,
            "tooMany" => ScimType::TooMany,
            "uniqueness" => ScimType::Uniqueness,
            "mutability" => ScimType::Mutability,
            "invalidSyntax" => ScimType::InvalidSyntax,
            "invalidPath" => ScimType::InvalidPath,
            "noTarget" => ScimType::NoTarget,
            "invalidValue" => ScimType::InvalidValue,
            "invalidVers" => ScimType::InvalidVers,
            "sensitive" => ScimType::Sensitive,
            "invalidCursor" => ScimType::InvalidCursor,
            "expiredCursor" => ScimType::ExpiredCursor,
            "invalidCount" => ScimType::InvalidCount,
            _ => return None,
        })
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SCIM error: what the server answers as an Error message
/// ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).
///
/// Opaque; read it through [`Error::status`], [`Error::scim_type`] and [`Error::detail`].
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error(transparent)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {}", status.as_u16(), scim_type.map(|t| format!(" {t}")).unwrap_or_default(), detail)]
struct Inner {
    status: StatusCode,
    scim_type: Option<ScimType>,
    detail: String,
}

impl Error {
    /// An error with a `scimType`; the status is the one RFC 7644 §3.12 pairs with it.
    pub fn new(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::with_status(scim_type.status(), Some(scim_type), detail)
    }

    /// An error with an explicit status and optional `scimType`.
    pub fn with_status(
        status: StatusCode,
        scim_type: Option<ScimType>,
        detail: impl Into<String>,
    ) -> Self {
        Error {
            inner: Box::new(Inner {
                status,
                scim_type,
                detail: detail.into(),
            }),
        }
    }

    /// 400 `invalidFilter`.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(ScimType::InvalidFilter, detail)
    }
    /// 400 `invalidPath`.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::new(ScimType::InvalidPath, detail)
    }
    /// 400 `invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(ScimType::InvalidValue, detail)
    }
    /// 400 `invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(ScimType::InvalidSyntax, detail)
    }
    /// 400 `noTarget`.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::new(ScimType::NoTarget, detail)
    }
    /// 400 `mutability`.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::new(ScimType::Mutability, detail)
    }
    /// 400 `tooMany`.
    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::new(ScimType::TooMany, detail)
    }
    /// 409 `uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(ScimType::Uniqueness, detail)
    }
    /// 404 without a `scimType`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::with_status(StatusCode::NOT_FOUND, None, detail)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }
    /// The `scimType` keyword, if any.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.inner.scim_type
    }
    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        &self.inner.detail
    }

    /// The SCIM Error message body (RFC 7644 §3.12): `schemas`, `status` as a string,
    /// `scimType` where there is one, and `detail`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("schemas".into(), serde_json::json!([ERROR_SCHEMA]));
        m.insert(
            "status".into(),
            serde_json::Value::String(self.inner.status.as_u16().to_string()),
        );
        if let Some(t) = self.inner.scim_type {
            m.insert("scimType".into(), t.as_str().into());
        }
        m.insert("detail".into(), self.inner.detail.clone().into());
        serde_json::Value::Object(m)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("status", &self.inner.status.as_u16())
            .field("scim_type", &self.inner.scim_type)
            .field("detail", &self.inner.detail)
            .finish()
    }
}

/// What a JSON value is, for error details (`expected a string, got a number`).
pub(crate) fn json_kind(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_matches_rfc7644_3_12() {
        let e = Error::uniqueness("userName bjensen is taken");
        assert_eq!(e.status(), StatusCode::CONFLICT);
        assert_eq!(
            e.to_json(),
            serde_json::json!({
                "schemas": [ERROR_SCHEMA],
                "status": "409",
                "scimType": "uniqueness",
                "detail": "userName bjensen is taken"
            })
        );
        let nf = Error::not_found("no such user");
        assert!(nf.to_json().get("scimType").is_none());
    }

    #[test]
    fn wire_names_round_trip() {
        for t in [
            ScimType::InvalidFilter,
            ScimType::TooMany,
            ScimType::Uniqueness,
            ScimType::Mutability,
            ScimType::InvalidSyntax,
            ScimType::InvalidPath,
            ScimType::NoTarget,
            ScimType::InvalidValue,
            ScimType::InvalidVers,
            ScimType::Sensitive,
            ScimType::InvalidCursor,
            ScimType::ExpiredCursor,
            ScimType::InvalidCount,
        ] {
            assert_eq!(ScimType::from_wire(t.as_str()), Some(t));
        }
    }
}
