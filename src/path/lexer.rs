//! The byte-level lexer shared by every grammar of RFC 7644 that names attributes: attribute
//! paths, JSON literals and keywords
//! ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2),
//! [§3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10)).
//!
//! It works on bytes (every token boundary is ASCII, so slices stay valid UTF-8), never
//! backtracks more than one token, and allocates only for the names and strings it returns.

use super::error::{ParseError, ParseErrorKind};
use crate::path::AttrPath;
use std::ops::Range;

/// A run of path bytes: where it starts, its text, the offset of its last `:` and of the first
/// `.` after that.
#[derive(Clone, Copy)]
pub(crate) struct Run<'a> {
    pub(crate) start: usize,
    pub(crate) text: &'a str,
    colon: Option<usize>,
    dot: Option<usize>,
}

/// A cursor over the input.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    /// The byte offset of the next unread byte.
    pub(crate) pos: usize,
    /// What is being parsed (decides the error kind).
    pub(crate) kind: ParseErrorKind,
}

const PATH: u8 = 1;
const WS: u8 = 2;

/// Byte classes, one lookup per byte.
// Evaluated at compile time: an index out of bounds would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b':' | b'$' | b'/' | b'~' | b'%')
        {
            t[i] = PATH;
        }
        if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            t[i] = WS;
        }
        i += 1;
    }
    t
};

#[inline(always)]
pub(super) fn class(b: u8) -> u8 {
    CLASS.get(usize::from(b)).copied().unwrap_or(0)
}

/// Bytes that may appear in an attribute path run: `ATTRNAME` characters, `.`, `$` (for `$ref`)
/// and the URI characters of a schema prefix.
#[inline(always)]
pub(crate) fn is_path_byte(b: u8) -> bool {
    class(b) & PATH != 0
}

#[inline]
fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    match b.split_first() {
        Some((first, rest)) if first.is_ascii_alphabetic() => rest
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_'),
        _ => s.eq_ignore_ascii_case("$ref"),
    }
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str, kind: ParseErrorKind) -> Self {
        Lexer { src, pos: 0, kind }
    }

    /// The whole input.
    pub(crate) fn src(&self) -> &'a str {
        self.src
    }

    /// An error at `span`.
    pub(crate) fn err(&self, span: Range<usize>, msg: &'static str) -> ParseError {
        ParseError::new(self.kind, self.clamp(span), msg)
    }

    /// `span` kept inside the input and widened to character boundaries, so that
    /// `&input[span]` is always valid.
    pub(crate) fn clamp(&self, span: Range<usize>) -> Range<usize> {
        let len = self.src.len();
        let mut end = span.end.min(len);
        while !self.src.is_char_boundary(end) {
            end += 1;
        }
        let mut start = span.start.min(end);
        while !self.src.is_char_boundary(start) {
            start -= 1;
        }
        start..end
    }

    /// An error at the next token (or the end of the input).
    pub(crate) fn err_here(&self, msg: &'static str) -> ParseError {
        let end = self.token_end(self.pos);
        self.err(self.pos..end, msg)
    }

    /// The end of the token starting at `start`: a run of path bytes, or one character.
    pub(super) fn token_end(&self, start: usize) -> usize {
        let bytes = self.src.as_bytes();
        let mut end = start;
        while bytes.get(end).copied().is_some_and(is_path_byte) {
            end += 1;
        }
        if end == start && start < bytes.len() {
            end += 1;
            while end < bytes.len() && !self.src.is_char_boundary(end) {
                end += 1;
            }
        }
        end
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    #[inline]
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// Skips spaces, tabs and line breaks (RFC 7644 asks for one SP; clients vary).
    #[inline]
    pub(crate) fn skip_ws(&mut self) {
        let bytes = self.src.as_bytes();
        while bytes.get(self.pos).is_some_and(|b| class(*b) == WS) {
            self.pos += 1;
        }
    }

    #[inline]
    pub(super) fn slice(&self, r: Range<usize>) -> &'a str {
        self.src.get(r).unwrap_or_default()
    }

    /// Reads a run of path bytes (possibly empty), noting its last `:` and the first `.`
    /// after it in the same pass.
    #[inline]
    pub(crate) fn path_run(&mut self) -> Run<'a> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut end = start;
        let (mut colon, mut dot) = (None, None);
        while let Some(&b) = bytes.get(end) {
            if !is_path_byte(b) {
                break;
            }
            if b == b':' {
                colon = Some(end - start);
                dot = None;
            } else if b == b'.' && dot.is_none() {
                dot = Some(end - start);
            }
            end += 1;
        }
        self.pos = end;
        Run {
            start,
            text: self.slice(start..end),
            colon,
            dot,
        }
    }

    /// Reads a run of ASCII letters (a keyword candidate).
    #[inline]
    pub(crate) fn word(&mut self) -> (usize, &'a str) {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut end = start;
        while bytes.get(end).is_some_and(u8::is_ascii_alphabetic) {
            end += 1;
        }
        self.pos = end;
        (start, self.slice(start..end))
    }

    /// Reads `ATTRNAME` after a `.` (the `subAttr` of a value path, `].value`).
    pub(crate) fn sub_attr_name(&mut self) -> Result<Box<str>, ParseError> {
        let run = self.path_run();
        if is_name(run.text) {
            Ok(run.text.into())
        } else {
            Err(self.err(
                run.start..run.start + run.text.len().max(1),
                "expected a sub-attribute name",
            ))
        }
    }

    /// Reads an `attrPath` (`[URI ":"] ATTRNAME ["." subAttr]`) at the cursor.
    pub(crate) fn attr_path(&mut self) -> Result<AttrPath, ParseError> {
        let run = self.path_run();
        self.attr_path_from(&run)
    }

    /// Builds an `attrPath` from a run already read at `start`. The URI prefix ends at the last
    /// `:`, so URNs whose version contains a dot (`…:enterprise:2.0:User:manager`) split right.
    #[inline(always)]
    pub(crate) fn attr_path_from(&self, run: &Run<'a>) -> Result<AttrPath, ParseError> {
        let Run {
            start,
            text: run,
            colon,
            dot,
        } = *run;
        if run.is_empty() {
            return Err(self.err_here("expected an attribute path"));
        }
        let (urn, rest, rest_start) = match colon {
            Some(i) => {
                let urn = run.get(..i).unwrap_or_default();
                let ok = urn.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
                    && urn.contains(':');
                if !ok {
                    return Err(self.err(
                        start..start + i + 1,
                        "expected a schema URI (e.g. urn:ietf:params:scim:schemas:core:2.0:User) before ':'",
                    ));
                }
                (
                    Some(urn),
                    run.get(i + 1..).unwrap_or_default(),
                    start + i + 1,
                )
            }
            None => (None, run, start),
        };
        let (name, sub) = match dot.map(|d| d - (rest_start - start)) {
            Some(i) => (
                rest.get(..i).unwrap_or_default(),
                Some((rest.get(i + 1..).unwrap_or_default(), rest_start + i + 1)),
            ),
            None => (rest, None),
        };
        if !is_name(name) {
            return Err(self.err(
                rest_start..rest_start + name.len(),
                "expected an attribute name (a letter followed by letters, digits, '-' or '_')",
            ));
        }
        let sub_attr = match sub {
            None => None,
            Some((s, s_start)) => {
                if !is_name(s) {
                    return Err(self.err(
                        s_start..s_start + s.len(),
                        "expected a sub-attribute name after '.'",
                    ));
                }
                Some(Box::from(s))
            }
        };
        Ok(AttrPath {
            urn: urn.map(Box::from),
            name: name.into(),
            sub_attr,
        })
    }
}
