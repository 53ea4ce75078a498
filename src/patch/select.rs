//! Helpers for PATCH value filters (`emails[type eq "work"]`,
//! [RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)): the element a
//! filter describes when it matches nothing, the `value eq "…"` key of member removals, and
//! case-insensitive member access ([RFC 7643 §2.1](https://www.rfc-editor.org/rfc/rfc7643#section-2.1)).
//! Matching elements is [`CompiledFilter::for_elements`](crate::filter::CompiledFilter::for_elements).

use crate::error::Error;
use crate::filter::{CompValue, CompareOp, CompiledFilter, Filter};
use crate::path::AttrPath;
use crate::schema::names::get_ci;
use crate::schema::{Attribute, AttributeType};
use serde_json::Value;
use std::borrow::Cow;

/// How a value filter selects the elements of a multi-valued complex attribute. The filter
/// Entra sends on nearly every user PATCH, `sub eq "text"` on a string sub-attribute
/// (`emails[type eq "work"]`), is tested directly, with the comparison
/// [`CompiledFilter`] makes (RFC 7644 §3.4.2.2: case-insensitive unless `caseExact`; a
/// multi-valued sub-attribute matches when any of its values does); any other filter is
/// compiled by [`CompiledFilter::for_elements`].
pub(crate) enum Selector<'a, 'f> {
    /// `key eq "lit"`, `key` a string or reference sub-attribute as the schema spells it.
    StrEq {
        key: &'a str,
        lit: &'f str,
        case_exact: bool,
    },
    /// Any other filter.
    Compiled(CompiledFilter),
}

impl<'a, 'f> Selector<'a, 'f> {
    /// The selector of `filter` over the elements of `attr` (errors as
    /// [`CompiledFilter::for_elements`] reports them; the direct case cannot fail there).
    pub(crate) fn new(filter: &'f Filter, attr: &'a Attribute) -> Result<Self, Error> {
        if let Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(lit),
        } = filter
        {
            let sub = (attr.kind == AttributeType::Complex
                && path.urn.is_none()
                && path.sub_attr.is_none())
            .then(|| attr.sub_attribute(&path.name))
            .flatten();
            if let Some(sub) = sub
                && matches!(sub.kind, AttributeType::String | AttributeType::Reference)
            {
                return Ok(Selector::StrEq {
                    key: &sub.name,
                    lit,
                    case_exact: sub.case_exact,
                });
            }
        }
        CompiledFilter::for_elements(filter, attr).map(Selector::Compiled)
    }

    /// Whether the element `e` is selected.
    pub(crate) fn matches(&self, e: &Value) -> bool {
        match self {
            Selector::Compiled(c) => c.matches(e),
            Selector::StrEq {
                key,
                lit,
                case_exact,
            } => {
                let Some(v) = e.as_object().and_then(|o| get_ci(o, key)) else {
                    return false;
                };
                let eq = |x: &Value| x.as_str().is_some_and(|x| str_eq(x, lit, *case_exact));
                match v {
                    Value::Array(items) => items.iter().any(eq),
                    other => eq(other),
                }
            }
        }
    }
}

/// String equality under the attribute's `caseExact` (RFC 7643 §2.2): otherwise both sides
/// lower-cased (ASCII case folding when both are ASCII, no allocation).
fn str_eq(v: &str, lit: &str, case_exact: bool) -> bool {
    if case_exact {
        v == lit
    } else if v.is_ascii() && lit.is_ascii() {
        v.eq_ignore_ascii_case(lit)
    } else {
        v.to_lowercase() == lit.to_lowercase()
    }
}

/// Lower-cases `s` unless the attribute is `caseExact`.
pub(crate) fn norm(s: &str, case_exact: bool) -> Cow<'_, str> {
    let lower = if s.is_ascii() {
        !s.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        !s.chars().any(char::is_uppercase)
    };
    if case_exact || lower {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// The sub-attribute a filter path inside `attr[...]` names: `type` or `emails.type`; for a
/// multi-valued attribute of simple values, `value` names the element itself (`None`).
fn sub_of<'a>(attr: &'a Attribute, p: &AttrPath) -> Result<Option<&'a Attribute>, ()> {
    let name = match &p.sub_attr {
        Some(sub) if p.name.eq_ignore_ascii_case(&attr.name) => sub,
        Some(_) => return Err(()),
        None => &p.name,
    };
    if attr.kind != AttributeType::Complex {
        return if name.eq_ignore_ascii_case("value") {
            Ok(None)
        } else {
            Err(())
        };
    }
    attr.sub_attribute(name).map(Some).ok_or(())
}

/// The `attr eq literal` terms of a filter that is one `eq` comparison or an `and` of them:
/// what an element created for an unmatched filter must contain. `None` for any other filter.
pub(crate) fn eq_terms<'f, 'a>(
    filter: &'f Filter,
    attr: &'a Attribute,
) -> Option<Vec<(&'a Attribute, &'f CompValue)>> {
    let mut out = Vec::new();
    collect_eq(filter, attr, &mut out)?;
    Some(out)
}

fn collect_eq<'f, 'a>(
    filter: &'f Filter,
    attr: &'a Attribute,
    out: &mut Vec<(&'a Attribute, &'f CompValue)>,
) -> Option<()> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if !matches!(value, CompValue::Null) => {
            out.push((sub_of(attr, path).ok()??, value));
            Some(())
        }
        Filter::And(fs) => fs.iter().try_for_each(|f| collect_eq(f, attr, out)),
        _ => None,
    }
}

/// A filter literal as a JSON value.
pub(crate) fn literal(v: &CompValue) -> Value {
    match v {
        CompValue::Null => Value::Null,
        CompValue::Bool(b) => Value::Bool(*b),
        CompValue::Number(n) => Value::Number(n.clone()),
        CompValue::String(s) => Value::String(s.to_string()),
    }
}

/// For `value eq "x"` over an attribute whose elements are keyed by `value`: the key of the
/// elements it selects (see [`super::multi::string_key`]).
pub(crate) fn value_eq_key(filter: &Filter, attr: &Attribute) -> Option<String> {
    let Filter::Compare {
        path,
        op: CompareOp::Eq,
        value: CompValue::String(s),
    } = filter
    else {
        return None;
    };
    let case_exact = match sub_of(attr, path).ok()? {
        None => attr.case_exact,
        Some(sub) if sub.name == "value" && sub.kind != AttributeType::DateTime => sub.case_exact,
        Some(_) => return None,
    };
    Some(super::multi::string_key(s, case_exact))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emails() -> Attribute {
        Attribute::new("emails", AttributeType::Complex)
            .multi_valued(true)
            .sub_attributes(vec![
                Attribute::new("value", AttributeType::String),
                Attribute::new("type", AttributeType::String),
                Attribute::new("primary", AttributeType::Boolean),
            ])
    }

    fn cmp(name: &str, op: CompareOp, v: CompValue) -> Filter {
        Filter::Compare {
            path: AttrPath::new(name),
            op,
            value: v,
        }
    }

    #[test]
    fn string_eq_selects_exactly_like_the_compiled_filter() {
        use serde_json::json;
        let attr = Attribute::new("things", AttributeType::Complex)
            .multi_valued(true)
            .sub_attributes(vec![
                Attribute::new("type", AttributeType::String),
                Attribute::new("code", AttributeType::String).case_exact(true),
                Attribute::new("tags", AttributeType::String).multi_valued(true),
                Attribute::new("$ref", AttributeType::Reference),
            ]);
        let elements = [
            json!({"type": "work"}),
            json!({"type": "Work"}),
            json!({"TYPE": "WORK"}),
            json!({"type": "worker"}),
            json!({"type": "ÉCOLE"}),
            json!({"type": "école"}),
            json!({"type": "k"}),
            json!({"type": "K"}),
            json!({"type": null}),
            json!({"type": 1}),
            json!({"type": ["x", "Work"]}),
            json!({"type": []}),
            json!({"code": "AbC"}),
            json!({"code": "abc"}),
            json!({"tags": ["a", "B"]}),
            json!({"tags": "b"}),
            json!({"$ref": "https://x/Users/1"}),
            json!({"$REF": "HTTPS://X/Users/1"}),
            json!("work"),
            json!(null),
            json!({}),
        ];
        let literals = [
            "work",
            "WORK",
            "Work",
            "école",
            "ÉCOLE",
            "\u{212a}",
            "k",
            "AbC",
            "abc",
            "b",
            "",
            "https://x/Users/1",
        ];
        let mut direct = 0;
        for name in ["type", "Type", "code", "tags", "$ref", "value", "nope"] {
            for lit in literals {
                let f = cmp(name, CompareOp::Eq, CompValue::String(lit.into()));
                let compiled = CompiledFilter::for_elements(&f, &attr);
                let selector = Selector::new(&f, &attr);
                assert_eq!(compiled.is_ok(), selector.is_ok(), "{name} eq {lit}");
                let (Ok(c), Ok(s)) = (compiled, selector) else {
                    continue;
                };
                direct += usize::from(matches!(s, Selector::StrEq { .. }));
                for e in &elements {
                    assert_eq!(c.matches(e), s.matches(e), "{name} eq {lit:?} on {e}");
                }
            }
        }
        assert!(direct >= 4 * literals.len(), "the direct path was taken");
        // anything else is compiled
        let f = cmp("type", CompareOp::Co, CompValue::String("w".into()));
        assert!(matches!(
            Selector::new(&f, &attr),
            Ok(Selector::Compiled(_))
        ));
    }

    #[test]
    fn eq_terms_describe_the_element_to_create() {
        let a = emails();
        let f = Filter::And(vec![
            cmp("type", CompareOp::Eq, CompValue::String("work".into())),
            cmp("primary", CompareOp::Eq, CompValue::Bool(true)),
        ]);
        let t = eq_terms(&f, &a).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].0.name, "type");
        assert!(eq_terms(&cmp("type", CompareOp::Co, CompValue::Bool(true)), &a).is_none());
        assert!(eq_terms(&cmp("nope", CompareOp::Eq, CompValue::Bool(true)), &a).is_none());
    }

    #[test]
    fn value_eq_keys() {
        let a = emails();
        let f = cmp("value", CompareOp::Eq, CompValue::String("A@B".into()));
        assert_eq!(
            value_eq_key(&f, &a).unwrap(),
            super::super::multi::string_key("a@b", false)
        );
        let t = cmp("type", CompareOp::Eq, CompValue::String("work".into()));
        assert!(value_eq_key(&t, &a).is_none());
    }
}
