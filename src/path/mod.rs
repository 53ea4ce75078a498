//! The attribute-path grammar of RFC 7644, shared by filters, PATCH paths, `sortBy` and
//! `attributes`/`excludedAttributes` ([RFC 7644 §3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10),
//! [§3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2),
//! [§3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).
//!
//! One byte-level lexer serves every grammar; [`AttrPath::parse`], [`PatchPath::parse`](crate::patch::PatchPath::parse),
//! [`parse_attribute_list`] and [`Filter::parse`](crate::Filter::parse) all report a
//! positioned [`ParseError`].

mod ast;
mod display;
pub(crate) mod error;
pub(crate) mod lexer;
pub(crate) mod limits;
mod literal;
pub(crate) mod parser;

pub use ast::AttrPath;
pub use error::{ParseError, ParseErrorKind};
pub use parser::parse_attribute_list;
