//! SCIM filters ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)):
//! the syntax tree, the parser, canonical `Display` and schema-guided evaluation.
//!
//! ```
//! use scimitar::Filter;
//! use scimitar::schema::ResourceSchema;
//!
//! // parse (operators and attribute names are case-insensitive) and print canonically
//! let f = Filter::parse(r#"userName EQ "bjensen" and emails[type eq "work"]"#)?;
//! assert_eq!(f.to_string(), r#"userName eq "bjensen" and emails[type eq "work"]"#);
//!
//! // compile once against the schema, then test many resources
//! let users = ResourceSchema::user();
//! let compiled = f.compile(&users)?;
//! let alice = serde_json::json!({"userName": "BJensen", "emails": [{"type": "work", "value": "b@x.org"}]});
//! assert!(compiled.matches(&alice));
//! # Ok::<(), scimitar::Error>(())
//! ```

mod ast;
mod compare;
mod display;
mod eval;
pub(crate) mod parse;

pub use crate::path::limits::ParseLimits;
pub use crate::path::{ParseError, ParseErrorKind};
pub use ast::{CompValue, CompareOp, Filter};
pub use eval::CompiledFilter;

#[cfg(test)]
mod eval_tests;
#[cfg(test)]
mod parse_tests;
