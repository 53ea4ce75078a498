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
fn class(b: u8) -> u8 {
    CLASS.get(usize::from(b)).copied().unwrap_or(0)
}

/// Bytes that may appear in an attribute path run: `ATTRNAME` characters, `.`, `$` (for `$ref`)
/// and the URI characters of a schema prefix.
#[inline(always)]
pub(crate) fn is_path_byte(b: u8) -> bool {
    class(b) & PATH != 0
}

/// The index of the first byte at or after `i` that is `"`, `\` or a control character, or
/// the length: eight bytes at a time.
#[inline]
fn string_stop(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        let quote = v ^ (ONES * u64::from(b'"'));
        let slash = v ^ (ONES * u64::from(b'\\'));
        let found = (quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash)
            | (v.wrapping_sub(ONES * 0x20) & !v);
        if found & HIGHS != 0 {
            break;
        }
        i += 8;
    }
    while bytes
        .get(i)
        .is_some_and(|c| *c >= 0x20 && *c != b'"' && *c != b'\\')
    {
        i += 1;
    }
    i
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
        ParseError::new(self.kind, span, msg)
    }

    /// An error at the next token (or the end of the input).
    pub(crate) fn err_here(&self, msg: &'static str) -> ParseError {
        let end = self.token_end(self.pos);
        self.err(self.pos..end, msg)
    }

    /// The end of the token starting at `start`: a run of path bytes, or one character.
    fn token_end(&self, start: usize) -> usize {
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
    fn slice(&self, r: Range<usize>) -> &'a str {
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

    /// Reads a JSON string (the cursor is on its opening quote) and unescapes it.
    pub(crate) fn string(&mut self) -> Result<Box<str>, ParseError> {
        let open = self.pos;
        let bytes = self.src.as_bytes();
        let mut i = string_stop(bytes, open + 1);
        if bytes.get(i) == Some(&b'"') {
            self.pos = i + 1;
            return Ok(self.slice(open + 1..i).into());
        }
        let mut out = String::with_capacity(i - open + 8);
        out.push_str(self.slice(open + 1..i));
        loop {
            match bytes.get(i) {
                None => return Err(self.err(open..i, "expected a closing '\"' of the string")),
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(out.into_boxed_str());
                }
                Some(b'\\') => {
                    let esc = i;
                    i += 1;
                    let c = match bytes.get(i) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let (c, next) = self.unicode_escape(esc)?;
                            out.push(c);
                            i = next;
                            continue;
                        }
                        _ => {
                            return Err(self.err(
                                esc..(i + 1).min(bytes.len()),
                                "expected a JSON escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                            ));
                        }
                    };
                    out.push(c);
                    i += 1;
                }
                Some(c) if *c < 0x20 => {
                    return Err(self.err(i..i + 1, "expected an escaped control character"));
                }
                Some(_) => {
                    let run_start = i;
                    while bytes
                        .get(i)
                        .is_some_and(|c| *c >= 0x20 && *c != b'"' && *c != b'\\')
                    {
                        i += 1;
                    }
                    out.push_str(self.slice(run_start..i));
                }
            }
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.src.as_bytes().get(at..at + 4)?;
        let mut v = 0u32;
        for d in digits {
            v = v * 16 + (*d as char).to_digit(16)?;
        }
        Some(v)
    }

    /// `\uXXXX` at `esc` (the backslash), with a following low surrogate when it is a high one.
    fn unicode_escape(&self, esc: usize) -> Result<(char, usize), ParseError> {
        let bad = |s: &Self, len: usize, msg| Err(s.err(esc..(esc + len).min(s.src.len()), msg));
        let Some(hi) = self.hex4(esc + 2) else {
            return bad(self, 6, "expected four hex digits after \\u");
        };
        if (0xDC00..0xE000).contains(&hi) {
            return bad(self, 6, "expected a high surrogate before a low surrogate");
        }
        if !(0xD800..0xDC00).contains(&hi) {
            return match char::from_u32(hi) {
                Some(c) => Ok((c, esc + 6)),
                None => bad(self, 6, "expected a Unicode scalar value"),
            };
        }
        let bytes = self.src.as_bytes();
        let lo = match (bytes.get(esc + 6), bytes.get(esc + 7)) {
            (Some(b'\\'), Some(b'u')) => self.hex4(esc + 8),
            _ => None,
        };
        match lo {
            Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                match char::from_u32(c) {
                    Some(c) => Ok((c, esc + 12)),
                    None => bad(self, 12, "expected a Unicode scalar value"),
                }
            }
            _ => bad(
                self,
                6,
                "expected a low surrogate \\uDC00-\\uDFFF after a high surrogate",
            ),
        }
    }

    /// Reads a JSON number (`-? int frac? exp?`) at the cursor.
    pub(crate) fn number(&mut self) -> Result<serde_json::Number, ParseError> {
        let bytes = self.src.as_bytes();
        let start = self.pos;
        let mut i = start;
        let neg = bytes.get(i) == Some(&b'-');
        if neg {
            i += 1;
        }
        let digits = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let int_start = i;
        match bytes.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i),
            _ => return Err(self.err(start..i + 1, "expected a digit")),
        }
        let int_end = i;
        let mut simple = true;
        if bytes.get(i) == Some(&b'.') {
            simple = false;
            let f = digits(i + 1);
            if f == i + 1 {
                return Err(self.err(start..f + 1, "expected a digit after '.'"));
            }
            i = f;
        }
        if let Some(b'e' | b'E') = bytes.get(i) {
            simple = false;
            i += 1;
            if let Some(b'+' | b'-') = bytes.get(i) {
                i += 1;
            }
            let e = digits(i);
            if e == i {
                return Err(self.err(start..e + 1, "expected a digit in the exponent"));
            }
            i = e;
        }
        if bytes.get(i).copied().is_some_and(is_path_byte) {
            return Err(self.err(start..self.token_end(i), "expected a JSON number"));
        }
        self.pos = i;
        let text = self.slice(start..i);
        if simple {
            if int_end - int_start <= 18 {
                let mut v: i64 = 0;
                for d in bytes.get(int_start..int_end).unwrap_or_default() {
                    v = v * 10 + i64::from(d - b'0');
                }
                return Ok(if neg { (-v).into() } else { v.into() });
            }
            let int = if neg {
                text.parse::<i64>().ok().map(serde_json::Number::from)
            } else {
                text.parse::<u64>().ok().map(serde_json::Number::from)
            };
            if let Some(n) = int {
                return Ok(n);
            }
        }
        // Rust's float parsing rounds correctly, so printing and re-parsing is exact.
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .ok_or(())
            .map_err(|_| self.err(start..i, "expected a JSON number in range"))
    }
}
