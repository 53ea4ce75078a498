//! The attribute-path grammar of RFC 7644, shared by filters, PATCH paths, `sortBy` and
//! `attributes`/`excludedAttributes` ([RFC 7644 §3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10),
//! [§3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2),
//! [§3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).

mod ast;

pub use ast::{AttrPath, PatchPath};
