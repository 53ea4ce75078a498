//! The framework-agnostic SCIM HTTP handler
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
