//! Selecting the elements of a multi-valued attribute with a PATCH value filter
//! (`emails[type eq "work"]`, [RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)),
//! the comparison rules of [§3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)
//! applied to one element, and the element a filter describes when it matches nothing.

use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::AttrPath;
use crate::schema::{Attribute, AttributeType};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// `obj[name]`, with the name matched case-insensitively (RFC 7643 §2.1).
pub(crate) fn get_ci<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The key under which `name` is stored in `obj` (case-insensitive), if present.
pub(crate) fn key_ci(obj: &Map<String, Value>, name: &str) -> Option<String> {
    if obj.contains_key(name) {
        return Some(name.to_owned());
    }
    obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// Lower-cases `s` unless the attribute is `caseExact`.
pub(crate) fn norm(s: &str, case_exact: bool) -> Cow<'_, str> {
    if case_exact || !s.chars().any(char::is_uppercase) {
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

/// Whether `elem` (one element of the multi-valued `attr`) satisfies `filter`.
pub(crate) fn matches(filter: &Filter, elem: &Value, attr: &Attribute) -> bool {
    match filter {
        Filter::And(fs) => fs.iter().all(|f| matches(f, elem, attr)),
        Filter::Or(fs) => fs.iter().any(|f| matches(f, elem, attr)),
        Filter::Not(f) => !matches(f, elem, attr),
        Filter::ValuePath { .. } => false,
        Filter::Present(p) => match field(elem, attr, p) {
            Some((v, _)) => present(v),
            None => false,
        },
        Filter::Compare { path, op, value } => match field(elem, attr, path) {
            Some((v, def)) => compare_any(v, *op, value, def),
            None => matches!((op, value), (CompareOp::Eq, CompValue::Null)),
        },
    }
}

/// The value the filter path names in `elem` and the definition to compare it by.
fn field<'v, 'a>(
    elem: &'v Value,
    attr: &'a Attribute,
    p: &AttrPath,
) -> Option<(&'v Value, &'a Attribute)> {
    match sub_of(attr, p).ok()? {
        None => Some((elem, attr)),
        Some(sub) => {
            let v = get_ci(elem.as_object()?, &sub.name)?;
            Some((v, sub))
        }
    }
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(present),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn compare_any(v: &Value, op: CompareOp, lit: &CompValue, def: &Attribute) -> bool {
    match v {
        Value::Array(items) => items.iter().any(|x| compare(x, op, lit, def)),
        _ => compare(v, op, lit, def),
    }
}

fn compare(v: &Value, op: CompareOp, lit: &CompValue, def: &Attribute) -> bool {
    match (v, lit) {
        (_, CompValue::Null) => match op {
            CompareOp::Eq => v.is_null(),
            CompareOp::Ne => !v.is_null(),
            _ => false,
        },
        (Value::Bool(a), CompValue::Bool(b)) => match op {
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            _ => false,
        },
        (Value::Number(a), CompValue::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => ordered(a.partial_cmp(&b), op),
            _ => false,
        },
        (Value::String(a), CompValue::String(b)) => compare_str(a, op, b, def),
        _ => matches!(op, CompareOp::Ne),
    }
}

fn compare_str(a: &str, op: CompareOp, b: &str, def: &Attribute) -> bool {
    if def.kind == AttributeType::DateTime {
        if let (Ok(x), Ok(y)) = (
            chrono::DateTime::parse_from_rfc3339(a),
            chrono::DateTime::parse_from_rfc3339(b),
        ) {
            return ordered(Some(x.cmp(&y)), op);
        }
    }
    let (a, b) = (norm(a, def.case_exact), norm(b, def.case_exact));
    match op {
        CompareOp::Co => a.contains(b.as_ref()),
        CompareOp::Sw => a.starts_with(b.as_ref()),
        CompareOp::Ew => a.ends_with(b.as_ref()),
        _ => ordered(Some(a.cmp(&b)), op),
    }
}

fn ordered(ord: Option<Ordering>, op: CompareOp) -> bool {
    let Some(ord) = ord else { return false };
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
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
/// elements it selects (see [`super::multi::element_key`]).
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
    use serde_json::json;

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
    fn element_comparisons_follow_case_exactness() {
        let a = emails();
        let e = json!({"value": "Bjensen@Example.com", "TYPE": "Work", "primary": true});
        assert!(matches(
            &cmp("type", CompareOp::Eq, CompValue::String("work".into())),
            &e,
            &a
        ));
        assert!(matches(
            &cmp(
                "value",
                CompareOp::Ew,
                CompValue::String("example.COM".into())
            ),
            &e,
            &a
        ));
        assert!(matches(
            &cmp("primary", CompareOp::Eq, CompValue::Bool(true)),
            &e,
            &a
        ));
        assert!(matches(&Filter::Present(AttrPath::new("value")), &e, &a));
        assert!(!matches(&Filter::Present(AttrPath::new("display")), &e, &a));
        let both = Filter::And(vec![
            cmp("type", CompareOp::Eq, CompValue::String("work".into())),
            Filter::Not(Box::new(cmp(
                "value",
                CompareOp::Sw,
                CompValue::String("x".into()),
            ))),
        ]);
        assert!(matches(&both, &e, &a));
        // qualified with the attribute's own name
        let q = Filter::Compare {
            path: AttrPath::new("emails").with_sub_attr("type"),
            op: CompareOp::Eq,
            value: CompValue::String("work".into()),
        };
        assert!(matches(&q, &e, &a));
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
