//! Comparing one attribute value with a filter's literal, by the attribute's type
//! ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2), Table 3;
//! [RFC 7643 §2.3](https://www.rfc-editor.org/rfc/rfc7643#section-2.3)).
//!
//! The literal is checked against the attribute's type once, when a filter is compiled
//! ([`Operand::new`]); evaluation then only looks at the resource's JSON.

use super::ast::{CompValue, CompareOp};
use crate::error::Error;
use crate::schema::{Attribute, AttributeType};
use chrono::{DateTime, FixedOffset};
use serde_json::{Number, Value};
use std::cmp::Ordering;

/// A filter literal prepared for one attribute type.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    /// `null`: `eq` matches an absent value, `ne` a present one (RFC 7643 §2.5).
    Null,
    Bool(bool),
    Number(Number),
    /// A string; lower-cased when the attribute is not `caseExact`.
    Str {
        text: Box<str>,
        case_exact: bool,
        ascii: bool,
    },
    DateTime(DateTime<FixedOffset>),
}

impl Operand {
    /// Checks that `op value` makes sense for `leaf` (named `shown` in errors) and prepares the
    /// literal: strings lower-cased for a case-insensitive attribute, dateTimes parsed.
    pub(crate) fn new(
        leaf: &Attribute,
        shown: &str,
        op: CompareOp,
        value: &CompValue,
    ) -> Result<Operand, Error> {
        let kind = leaf.kind;
        let bad = |what: &str| {
            Error::invalid_filter(format!(
                "'{shown} {op} {value}': {what} (attribute {shown} is of type {})",
                kind.name()
            ))
        };
        if let CompValue::Null = value {
            return match op {
                CompareOp::Eq | CompareOp::Ne => Ok(Operand::Null),
                _ => Err(bad("null can only be compared with eq or ne")),
            };
        }
        let ordering = matches!(
            op,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        );
        let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
        match (kind, value) {
            (AttributeType::String | AttributeType::Reference, CompValue::String(s)) => {
                Ok(Operand::string(s, leaf.case_exact))
            }
            (AttributeType::Binary, CompValue::String(s)) if !ordering && !substring => {
                Ok(Operand::string(s, true))
            }
            (AttributeType::Binary, _) => {
                Err(bad("binary values can only be compared with eq or ne"))
            }
            (AttributeType::Boolean, CompValue::Bool(b)) if !ordering && !substring => {
                Ok(Operand::Bool(*b))
            }
            (AttributeType::Boolean, CompValue::Bool(_)) => {
                Err(bad("booleans can only be compared with eq or ne"))
            }
            (AttributeType::Integer | AttributeType::Decimal, CompValue::Number(n))
                if !substring =>
            {
                Ok(Operand::Number(n.clone()))
            }
            (AttributeType::DateTime, CompValue::String(s)) if !substring => {
                DateTime::parse_from_rfc3339(s)
                    .map(Operand::DateTime)
                    .map_err(|_| {
                        bad("expected an RFC 3339 dateTime such as \"2011-05-13T04:42:34Z\"")
                    })
            }
            (_, _) if substring => Err(bad("co, sw and ew apply only to strings")),
            (AttributeType::Complex, _) => Err(bad("a complex attribute needs a sub-attribute")),
            (_, _) => Err(bad("the value does not have the attribute's type")),
        }
    }

    fn string(s: &str, case_exact: bool) -> Operand {
        let text: Box<str> = if case_exact {
            s.into()
        } else {
            s.to_lowercase().into()
        };
        let ascii = text.is_ascii();
        Operand::Str {
            text,
            case_exact,
            ascii,
        }
    }

    /// Whether one value of the attribute (`None` when absent or null) satisfies `op self`.
    #[inline]
    pub(crate) fn test(&self, op: CompareOp, value: Option<&Value>) -> bool {
        let value = match value {
            None | Some(Value::Null) => {
                // An absent value equals null and differs from everything else.
                return match op {
                    CompareOp::Eq => matches!(self, Operand::Null),
                    CompareOp::Ne => !matches!(self, Operand::Null),
                    _ => false,
                };
            }
            Some(v) => v,
        };
        let ord = match (self, value) {
            (Operand::Null, _) => None,
            (
                Operand::Str {
                    text,
                    case_exact,
                    ascii,
                },
                Value::String(s),
            ) => {
                return str_test(op, s, text, *case_exact, *ascii);
            }
            (Operand::Bool(b), Value::Bool(v)) => Some(v.cmp(b)),
            (Operand::Number(n), Value::Number(v)) => num_cmp(v, n),
            (Operand::DateTime(d), Value::String(s)) => {
                DateTime::parse_from_rfc3339(s).ok().map(|v| v.cmp(d))
            }
            _ => None,
        };
        from_ordering(op, ord)
    }
}

/// `op` applied to the ordering of the resource's value against the literal (`None` when they
/// cannot be compared: only `ne` holds then).
#[inline]
fn from_ordering(op: CompareOp, ord: Option<Ordering>) -> bool {
    match op {
        CompareOp::Eq => ord == Some(Ordering::Equal),
        CompareOp::Ne => ord != Some(Ordering::Equal),
        CompareOp::Gt => ord == Some(Ordering::Greater),
        CompareOp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        CompareOp::Lt => ord == Some(Ordering::Less),
        CompareOp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn num_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// A string test; `lit` is already lower-cased when the attribute is case-insensitive.
#[inline]
fn str_test(op: CompareOp, value: &str, lit: &str, case_exact: bool, ascii: bool) -> bool {
    if case_exact {
        return str_op(op, value, lit, false);
    }
    if ascii && value.is_ascii() {
        return str_op(op, value, lit, true);
    }
    let lower = value.to_lowercase();
    str_op(op, &lower, lit, false)
}

/// String operators (`fold`: compare ASCII letters case-insensitively; `lit` is lower case
/// then). Every operator is linear in the lengths (`co` uses the standard library's
/// two-way substring search).
#[inline]
fn str_op(op: CompareOp, v: &str, lit: &str, fold: bool) -> bool {
    let (vb, lb) = (v.as_bytes(), lit.as_bytes());
    let eq = |a: &[u8], b: &[u8]| {
        if fold {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match op {
        CompareOp::Eq => eq(vb, lb),
        CompareOp::Ne => !eq(vb, lb),
        CompareOp::Sw => vb.get(..lb.len()).is_some_and(|p| eq(p, lb)),
        CompareOp::Ew => vb
            .len()
            .checked_sub(lb.len())
            .and_then(|i| vb.get(i..))
            .is_some_and(|p| eq(p, lb)),
        CompareOp::Co if fold && v.bytes().any(|b| b.is_ascii_uppercase()) => {
            v.to_ascii_lowercase().contains(lit)
        }
        CompareOp::Co => v.contains(lit),
        _ => {
            let ord = if fold {
                vb.iter()
                    .map(u8::to_ascii_lowercase)
                    .cmp(lb.iter().copied())
            } else {
                vb.cmp(lb)
            };
            from_ordering(op, Some(ord))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attr(kind: AttributeType, case_exact: bool) -> Attribute {
        Attribute::new("x", kind).case_exact(case_exact)
    }
    fn t(a: &Attribute, op: CompareOp, lit: CompValue, v: Value) -> bool {
        Operand::new(a, "x", op, &lit).unwrap().test(op, Some(&v))
    }
    fn s(v: &str) -> CompValue {
        CompValue::String(v.into())
    }

    #[test]
    fn strings_follow_case_exact() {
        let ci = attr(AttributeType::String, false);
        let ce = attr(AttributeType::String, true);
        assert!(t(&ci, CompareOp::Eq, s("BJensen"), json!("bjensen")));
        assert!(!t(&ce, CompareOp::Eq, s("BJensen"), json!("bjensen")));
        assert!(t(&ci, CompareOp::Sw, s("BJ"), json!("bjensen")));
        assert!(t(&ci, CompareOp::Ew, s("SEN"), json!("bjensen")));
        assert!(t(&ci, CompareOp::Co, s("ENS"), json!("bjensen")));
        assert!(t(&ci, CompareOp::Co, s(""), json!("x")));
        assert!(!t(&ci, CompareOp::Sw, s("bjensenx"), json!("bjensen")));
        assert!(t(&ci, CompareOp::Eq, s("ÉLODIE"), json!("élodie")));
        assert!(t(&ci, CompareOp::Gt, s("A"), json!("b")));
        assert!(t(&ce, CompareOp::Lt, s("a"), json!("B")));
        assert!(t(&ci, CompareOp::Ne, s("a"), json!(1)));
    }

    #[test]
    fn numbers_dates_booleans() {
        let int = attr(AttributeType::Integer, false);
        assert!(t(
            &int,
            CompareOp::Gt,
            CompValue::Number(5.into()),
            json!(7)
        ));
        assert!(t(
            &int,
            CompareOp::Le,
            CompValue::Number(7.into()),
            json!(7.0)
        ));
        let dt = attr(AttributeType::DateTime, false);
        let lit = s("2011-05-13T04:42:34Z");
        assert!(t(
            &dt,
            CompareOp::Eq,
            lit.clone(),
            json!("2011-05-13T06:42:34+02:00")
        ));
        assert!(t(
            &dt,
            CompareOp::Gt,
            lit.clone(),
            json!("2011-05-13T04:42:35Z")
        ));
        assert!(!t(&dt, CompareOp::Eq, lit, json!("garbage")));
        let b = attr(AttributeType::Boolean, false);
        assert!(t(&b, CompareOp::Eq, CompValue::Bool(true), json!(true)));
        assert!(t(&b, CompareOp::Ne, CompValue::Bool(true), json!(false)));
    }

    #[test]
    fn null_and_absent() {
        let a = attr(AttributeType::String, false);
        let eq_null = Operand::new(&a, "x", CompareOp::Eq, &CompValue::Null).unwrap();
        assert!(eq_null.test(CompareOp::Eq, None));
        assert!(!eq_null.test(CompareOp::Eq, Some(&json!("v"))));
        let lit = Operand::new(&a, "x", CompareOp::Ne, &s("v")).unwrap();
        assert!(lit.test(CompareOp::Ne, None));
        assert!(!lit.test(CompareOp::Eq, None));
    }

    #[test]
    fn nonsense_is_invalid_filter() {
        for (kind, op, lit) in [
            (AttributeType::Boolean, CompareOp::Gt, CompValue::Bool(true)),
            (AttributeType::Binary, CompareOp::Lt, s("AAAA")),
            (
                AttributeType::Integer,
                CompareOp::Co,
                CompValue::Number(1.into()),
            ),
            (AttributeType::DateTime, CompareOp::Sw, s("2011")),
            (AttributeType::DateTime, CompareOp::Eq, s("yesterday")),
            (
                AttributeType::String,
                CompareOp::Eq,
                CompValue::Number(1.into()),
            ),
            (AttributeType::Boolean, CompareOp::Eq, s("true")),
            (AttributeType::String, CompareOp::Gt, CompValue::Null),
        ] {
            let e = Operand::new(&attr(kind, false), "x", op, &lit).unwrap_err();
            assert_eq!(
                e.scim_type(),
                Some(crate::ScimType::InvalidFilter),
                "{kind:?} {op} {lit}"
            );
        }
    }
}
