//! SCIM filters ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)):
//! the syntax tree, the parser, canonical `Display` and schema-guided evaluation.

mod ast;
mod display;
pub(crate) mod parse;

pub use crate::path::{ParseError, ParseErrorKind};
pub use ast::{CompValue, CompareOp, Filter};
pub use parse::ParseLimits;
#[cfg(test)]
mod parse_tests;
