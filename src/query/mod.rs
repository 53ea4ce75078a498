//! List queries, projection, sorting and paging
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).

pub mod projection;
pub mod validate;
