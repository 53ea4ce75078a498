//! The filter grammar of [RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)
//! (Figure 1): an operator-precedence parser with an explicit stack, so no input can drive
//! recursion, and the time is linear in the length of the input.

use super::ParseLimits;
use super::ast::{CompValue, CompareOp, Filter};
use crate::path::AttrPath;
use crate::path::error::{ParseError, ParseErrorKind};
use crate::path::lexer::{Lexer, is_path_byte};
use crate::path::limits::check_length;

impl Filter {
    /// Parses a filter ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2))
    /// with the default [`ParseLimits`].
    ///
    /// Operators, `and`/`or`/`not`, `true`/`false`/`null` and attribute names are
    /// case-insensitive; whitespace between tokens may be any run of spaces, tabs or line
    /// breaks. `and` binds tighter than `or`; a chain at one level becomes one n-ary node.
    /// One form outside the RFC grammar is accepted because Microsoft Entra ID sends it and
    /// it has a single meaning: `emails[type eq "work"].value eq "x"` parses as
    /// `emails[type eq "work" and value eq "x"]`.
    ///
    /// ```
    /// use scimitar::filter::{CompValue, CompareOp, Filter};
    /// use scimitar::AttrPath;
    ///
    /// let f = Filter::parse(r#"userName Eq "bjensen""#)?;
    /// assert_eq!(
    ///     f,
    ///     Filter::Compare {
    ///         path: AttrPath::new("userName"),
    ///         op: CompareOp::Eq,
    ///         value: CompValue::String("bjensen".into()),
    ///     }
    /// );
    /// assert_eq!(f.to_string(), r#"userName eq "bjensen""#);
    ///
    /// let err = Filter::parse("userName equals \"x\"").unwrap_err();
    /// assert_eq!(err.span(), 9..15);
    /// # Ok::<(), scimitar::path::ParseError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Filter, ParseError> {
        Self::parse_with(input, &ParseLimits::DEFAULT)
    }

    /// Parses a filter with explicit limits on length and nesting depth.
    pub fn parse_with(input: &str, limits: &ParseLimits) -> Result<Filter, ParseError> {
        let mut lx = Lexer::new(input, ParseErrorKind::Filter);
        check_length(&lx, limits)?;
        parse_filter(&mut lx, limits, End::Eof, 0)
    }
}

/// Where the filter being parsed ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// At the end of the input (a `filter` parameter).
    Eof,
    /// At a `]` (the value filter of a PATCH path); the `]` is consumed.
    Bracket,
}

/// A chain of `and`/`or` terms at one nesting level, collected flat.
#[derive(Default)]
struct Chain {
    or: Vec<Filter>,
    and: Vec<Filter>,
}

impl Chain {
    #[inline]
    fn push_and(&mut self, f: Filter) {
        self.and.push(f);
    }

    #[inline]
    fn push_or(&mut self, f: Filter) {
        let term = self.close_and(f);
        self.or.push(term);
    }

    #[inline]
    fn close_and(&mut self, last: Filter) -> Filter {
        if self.and.is_empty() {
            last
        } else {
            self.and.push(last);
            Filter::And(std::mem::take(&mut self.and))
        }
    }

    #[inline]
    fn finish(mut self, last: Filter) -> Filter {
        let term = self.close_and(last);
        if self.or.is_empty() {
            term
        } else {
            self.or.push(term);
            Filter::Or(self.or)
        }
    }
}

enum Opener {
    Group,
    Not,
    ValuePath(AttrPath),
}

struct Frame {
    opener: Opener,
    parent: Chain,
}

const EXPECT_OPERAND: &str = "expected an attribute path, 'not (' or '('";
const EXPECT_OP: &str = "expected a comparison operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr)";
const EXPECT_VALUE: &str = "expected a value (a JSON string, number, true, false or null)";

/// Parses a filter from the cursor to `end`. `depth` is the nesting already entered (1 for a
/// PATCH path's `[ … ]`).
pub(crate) fn parse_filter(
    lx: &mut Lexer<'_>,
    limits: &ParseLimits,
    end: End,
    depth: usize,
) -> Result<Filter, ParseError> {
    let max_depth = limits.depth();
    let mut stack: Vec<Frame> = Vec::new();
    let mut chain = Chain::default();
    // How many frames of the stack are value paths (plus one if the whole filter is one).
    let mut value_depth = usize::from(end == End::Bracket);
    loop {
        // Operand position: open groups until an attribute expression is read.
        let mut cur = loop {
            lx.skip_ws();
            let start = lx.pos;
            let opener = match lx.peek() {
                Some(b'(') => {
                    lx.pos += 1;
                    Opener::Group
                }
                Some(c) if is_path_byte(c) => {
                    let run = lx.path_run();
                    if run.text.eq_ignore_ascii_case("not") {
                        let after = lx.pos;
                        lx.skip_ws();
                        if lx.peek() == Some(b'(') {
                            lx.pos += 1;
                            push(
                                &mut stack,
                                &mut chain,
                                Opener::Not,
                                start,
                                depth,
                                max_depth,
                                lx,
                            )?;
                            continue;
                        }
                        lx.pos = after;
                    }
                    let path = lx.attr_path_from(&run)?;
                    lx.skip_ws();
                    if lx.peek() == Some(b'[') {
                        if value_depth > 0 {
                            return Err(
                                lx.err(lx.pos..lx.pos + 1, "expected no '[' inside a value filter")
                            );
                        }
                        if path.sub_attr.is_some() {
                            return Err(lx.err(
                                run.start..lx.pos,
                                "expected a multi-valued attribute without a sub-attribute before '['",
                            ));
                        }
                        lx.pos += 1;
                        value_depth += 1;
                        Opener::ValuePath(path)
                    } else {
                        match attr_exp(lx, path) {
                            Ok(f) => break f,
                            Err(_) if run.text.eq_ignore_ascii_case("not") => {
                                lx.pos = run.start + 3;
                                lx.skip_ws();
                                return Err(lx.err_here("expected '(' after 'not': not (filter)"));
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
                _ => return Err(lx.err_here(EXPECT_OPERAND)),
            };
            push(&mut stack, &mut chain, opener, start, depth, max_depth, lx)?;
        };
        // Operator position: close groups, then read `and`/`or` or finish.
        loop {
            lx.skip_ws();
            match lx.peek() {
                None if stack.is_empty() && end == End::Eof => return Ok(chain.finish(cur)),
                None => {
                    let msg = match stack.last().map(|f| &f.opener) {
                        Some(Opener::ValuePath(_)) | None => "expected 'and', 'or' or ']'",
                        Some(_) => "expected 'and', 'or' or ')'",
                    };
                    return Err(lx.err_here(msg));
                }
                Some(b')') => {
                    if !matches!(
                        stack.last(),
                        Some(Frame {
                            opener: Opener::Group | Opener::Not,
                            ..
                        })
                    ) {
                        return Err(lx.err_here(unexpected_close(&stack, end)));
                    }
                    if let Some(Frame { opener, parent }) = stack.pop() {
                        lx.pos += 1;
                        let inner = std::mem::replace(&mut chain, parent).finish(cur);
                        cur = match opener {
                            Opener::Not => Filter::Not(Box::new(inner)),
                            _ => inner,
                        };
                    }
                }
                Some(b']') => {
                    if stack.is_empty() && end == End::Bracket {
                        lx.pos += 1;
                        return Ok(chain.finish(cur));
                    }
                    if !matches!(
                        stack.last(),
                        Some(Frame {
                            opener: Opener::ValuePath(_),
                            ..
                        })
                    ) {
                        return Err(lx.err_here(unexpected_close(&stack, end)));
                    }
                    if let Some(Frame {
                        opener: Opener::ValuePath(path),
                        parent,
                    }) = stack.pop()
                    {
                        lx.pos += 1;
                        value_depth -= 1;
                        let mut inner = std::mem::replace(&mut chain, parent).finish(cur);
                        if lx.peek() == Some(b'.') {
                            inner = entra_sub_attr_exp(lx, inner)?;
                        }
                        cur = Filter::ValuePath {
                            path,
                            filter: Box::new(inner),
                        };
                    }
                }
                Some(c) if c.is_ascii_alphabetic() => {
                    let (start, w) = lx.word();
                    if w.eq_ignore_ascii_case("and") {
                        chain.push_and(cur);
                        break;
                    } else if w.eq_ignore_ascii_case("or") {
                        chain.push_or(cur);
                        break;
                    }
                    lx.pos = start;
                    return Err(lx.err_here(unexpected_close(&stack, end)));
                }
                Some(_) => return Err(lx.err_here(unexpected_close(&stack, end))),
            }
        }
    }
}

/// Microsoft Entra ID matches users on `emails[type eq "work"].value eq "x"`, which is not in
/// the RFC 7644 grammar but has one meaning: `emails[type eq "work" and value eq "x"]`. The
/// cursor is on the `.` after `]`; `inner` is the value filter.
fn entra_sub_attr_exp(lx: &mut Lexer<'_>, inner: Filter) -> Result<Filter, ParseError> {
    lx.pos += 1;
    let sub = lx.sub_attr_name()?;
    lx.skip_ws();
    let exp = attr_exp(lx, AttrPath::new(sub))?;
    Ok(match inner {
        Filter::And(mut terms) => {
            terms.push(exp);
            Filter::And(terms)
        }
        other => Filter::And(vec![other, exp]),
    })
}

fn unexpected_close(stack: &[Frame], end: End) -> &'static str {
    match (stack.last().map(|f| &f.opener), end) {
        (Some(Opener::ValuePath(_)), _) | (None, End::Bracket) => "expected 'and', 'or' or ']'",
        (Some(_), _) => "expected 'and', 'or' or ')'",
        (None, End::Eof) => "expected 'and', 'or' or the end of the filter",
    }
}

#[inline]
fn push(
    stack: &mut Vec<Frame>,
    chain: &mut Chain,
    opener: Opener,
    at: usize,
    depth: usize,
    max_depth: usize,
    lx: &Lexer<'_>,
) -> Result<(), ParseError> {
    if depth + stack.len() >= max_depth {
        return Err(ParseError::new(
            lx.kind,
            at..lx.pos,
            format!("expected at most {max_depth} nested parentheses or brackets"),
        ));
    }
    stack.push(Frame {
        opener,
        parent: std::mem::take(chain),
    });
    Ok(())
}

/// `attrPath SP "pr"` or `attrPath SP compareOp SP compValue`, the path already read.
#[inline(always)]
fn attr_exp(lx: &mut Lexer<'_>, path: AttrPath) -> Result<Filter, ParseError> {
    let (start, w) = lx.word();
    let op = match w.as_bytes() {
        [a, b] => match [a.to_ascii_lowercase(), b.to_ascii_lowercase()] {
            [b'p', b'r'] => return Ok(Filter::Present(path)),
            [b'e', b'q'] => CompareOp::Eq,
            [b'n', b'e'] => CompareOp::Ne,
            [b'c', b'o'] => CompareOp::Co,
            [b's', b'w'] => CompareOp::Sw,
            [b'e', b'w'] => CompareOp::Ew,
            [b'g', b't'] => CompareOp::Gt,
            [b'l', b't'] => CompareOp::Lt,
            [b'g', b'e'] => CompareOp::Ge,
            [b'l', b'e'] => CompareOp::Le,
            _ => return Err(bad_op(lx, start)),
        },
        _ => return Err(bad_op(lx, start)),
    };
    lx.skip_ws();
    let value = comp_value(lx)?;
    Ok(Filter::Compare { path, op, value })
}

fn bad_op(lx: &mut Lexer<'_>, start: usize) -> ParseError {
    lx.pos = start;
    lx.err_here(EXPECT_OP)
}

/// `compValue = false / null / true / number / string`.
#[inline(always)]
fn comp_value(lx: &mut Lexer<'_>) -> Result<CompValue, ParseError> {
    match lx.peek() {
        Some(b'"') => lx.string().map(CompValue::String),
        Some(b'-' | b'0'..=b'9') => lx.number().map(CompValue::Number),
        Some(c) if c.is_ascii_alphabetic() => {
            let (start, w) = lx.word();
            let v = if w.eq_ignore_ascii_case("true") {
                CompValue::Bool(true)
            } else if w.eq_ignore_ascii_case("false") {
                CompValue::Bool(false)
            } else if w.eq_ignore_ascii_case("null") {
                CompValue::Null
            } else {
                lx.pos = start;
                return Err(lx.err_here(EXPECT_VALUE));
            };
            if lx.peek().is_some_and(is_path_byte) {
                lx.pos = start;
                return Err(lx.err_here(EXPECT_VALUE));
            }
            Ok(v)
        }
        _ => Err(lx.err_here(EXPECT_VALUE)),
    }
}
