//! JSON literals of filters ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)
//! `compValue`, [RFC 8259 §6–7](https://www.rfc-editor.org/rfc/rfc8259#section-6)): strings with
//! every escape (surrogate pairs included) and numbers by the JSON grammar.

use super::error::ParseError;
use super::lexer::{Lexer, is_path_byte};

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

impl Lexer<'_> {
    /// Reads a JSON string (the cursor is on its opening quote) and unescapes it.
    pub(crate) fn string(&mut self) -> Result<Box<str>, ParseError> {
        let open = self.pos;
        let bytes = self.src().as_bytes();
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
        let digits = self.src().as_bytes().get(at..at + 4)?;
        let mut v = 0u32;
        for d in digits {
            v = v * 16 + (*d as char).to_digit(16)?;
        }
        Some(v)
    }

    /// `\uXXXX` at `esc` (the backslash), with a following low surrogate when it is a high one.
    fn unicode_escape(&self, esc: usize) -> Result<(char, usize), ParseError> {
        let bad = |s: &Self, len: usize, msg| Err(s.err(esc..(esc + len).min(s.src().len()), msg));
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
        let bytes = self.src().as_bytes();
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
        let bytes = self.src().as_bytes();
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
