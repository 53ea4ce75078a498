//! The canonical text of a filter ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)):
//! lower-case operators, JSON-escaped strings and parentheses exactly where the grammar needs
//! them, so that [`Filter::parse`] reads it back to an equal AST.

use super::ast::{CompValue, CompareOp, Filter};
use std::fmt::{self, Write};

impl CompareOp {
    /// The operator's keyword in lower case (`eq`, `ne`, …; RFC 7644 §3.4.2.2, Table 3).
    pub const fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Lt => "lt",
            CompareOp::Ge => "ge",
            CompareOp::Le => "le",
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for CompValue {
    /// The JSON literal: `null`, `true`, `false`, a number, or a JSON string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(true) => f.write_str("true"),
            CompValue::Bool(false) => f.write_str("false"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => write_json_string(f, s),
        }
    }
}

/// Writes `s` as a JSON string: `"` and `\` escaped, control characters as `\n`-style or
/// `\u00XX` escapes, everything else as is.
pub(crate) fn write_json_string(f: &mut impl Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        f.write_str(s.get(from..i).unwrap_or_default())?;
        if esc.is_empty() {
            write!(f, "\\u{b:04x}")?;
        } else {
            f.write_str(esc)?;
        }
        from = i + 1;
    }
    f.write_str(s.get(from..).unwrap_or_default())?;
    f.write_char('"')
}

impl fmt::Display for Filter {
    /// The canonical form. An `and` term that is itself an `and` or an `or`, and an `or` term
    /// that is an `or`, are parenthesised; `not` prints as `not (…)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::And(terms) => write_chain(f, terms, " and ", |t| {
                matches!(t, Filter::And(_) | Filter::Or(_))
            }),
            Filter::Or(terms) => write_chain(f, terms, " or ", |t| matches!(t, Filter::Or(_))),
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}

fn write_chain(
    f: &mut fmt::Formatter<'_>,
    terms: &[Filter],
    sep: &str,
    needs_parens: impl Fn(&Filter) -> bool,
) -> fmt::Result {
    for (i, t) in terms.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        if needs_parens(t) {
            write!(f, "({t})")?;
        } else {
            write!(f, "{t}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        Filter::parse(s).unwrap().to_string()
    }

    #[test]
    fn prints_canonical_forms() {
        assert_eq!(
            canon(r#"userName EQ "bjensen""#),
            r#"userName eq "bjensen""#
        );
        assert_eq!(canon("a pr OR (b pr Or c pr)"), "a pr or (b pr or c pr)");
        assert_eq!(canon("(a pr and b pr) or c pr"), "a pr and b pr or c pr");
        assert_eq!(canon("a pr and (b pr or c pr)"), "a pr and (b pr or c pr)");
        assert_eq!(
            canon("a pr and (b pr and c pr)"),
            "a pr and (b pr and c pr)"
        );
        assert_eq!(canon("NOT(a pr)"), "not (a pr)");
        assert_eq!(canon("((a pr))"), "a pr");
        assert_eq!(
            canon("a eq 1.5e3 or b eq -0 or c eq TRUE"),
            "a eq 1500.0 or b eq 0 or c eq true"
        );
        assert_eq!(
            canon(r#"a eq "q\"b\\s\/\u0001\n\ud83d\ude00""#),
            "a eq \"q\\\"b\\\\s/\\u0001\\n\u{1F600}\""
        );
    }
}
