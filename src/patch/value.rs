//! Checking and coercing PATCH values by the attribute's schema type
//! ([RFC 7643 §2.3](https://www.rfc-editor.org/rfc/rfc7643#section-2.3)), with the client
//! deviations of [`Compat`].

use crate::compat::Compat;
use crate::error::Error;
use crate::schema::{Attribute, AttributeType, Mutability};
use base64::Engine as _;
use serde_json::{Map, Value};

/// Whether `v` means "clear the attribute" under `compat` (`null` or `""`).
pub(crate) fn is_clear(v: &Value, compat: &Compat) -> bool {
    compat.null_or_empty_clears && (v.is_null() || v.as_str().is_some_and(str::is_empty))
}

/// Checks and coerces the values of a multi-valued attribute: an array (or, as RFC 7644
/// §3.5.2.1 allows "a new value", a single value). `null` elements are dropped.
pub(crate) fn coerce_many(
    attr: &Attribute,
    v: &Value,
    compat: &Compat,
    label: &str,
) -> Result<Vec<Value>, Error> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter(|x| !x.is_null())
            .map(|x| coerce_one(attr, x, compat, label))
            .collect(),
        other => Ok(vec![coerce_one(attr, other, compat, label)?]),
    }
}

/// Checks and coerces one value of `attr` (the whole value of a singular attribute, or one
/// element of a multi-valued one). Complex values come back as objects keyed by the schema's
/// sub-attribute names, without `null` members and without `readOnly` sub-attributes (which a
/// client cannot set, RFC 7643 §2.2).
pub(crate) fn coerce_one(
    attr: &Attribute,
    v: &Value,
    compat: &Compat,
    label: &str,
) -> Result<Value, Error> {
    if attr.kind != AttributeType::Complex {
        return coerce_scalar(attr, v, compat, label);
    }
    match v {
        Value::Object(obj) => coerce_object(attr, obj, compat, label).map(Value::Object),
        Value::String(s)
            if compat.complex_as_bare_value
                && !attr.multi_valued
                && attr.sub_attribute("value").is_some() =>
        {
            let mut m = Map::new();
            m.insert("value".to_owned(), Value::String(s.clone()));
            Ok(Value::Object(m))
        }
        _ => Err(type_error(label, AttributeType::Complex.expected(), v)),
    }
}

/// Whether `v` is a bare string that [`coerce_one`] turns into `{"value": v}`.
pub(crate) fn is_bare_complex(attr: &Attribute, v: &Value, compat: &Compat) -> bool {
    attr.kind == AttributeType::Complex
        && v.is_string()
        && compat.complex_as_bare_value
        && !attr.multi_valued
        && attr.sub_attribute("value").is_some()
}

fn coerce_object(
    attr: &Attribute,
    obj: &Map<String, Value>,
    compat: &Compat,
    label: &str,
) -> Result<Map<String, Value>, Error> {
    let mut out = Map::new();
    for (k, x) in obj {
        if x.is_null() {
            continue;
        }
        let Some(sub) = attr.sub_attribute(k) else {
            return Err(Error::invalid_value(format!(
                "invalid value for \"{label}\": \"{k}\" is not a sub-attribute of \"{}\"",
                attr.name
            )));
        };
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let v = if sub.multi_valued {
            Value::Array(coerce_many(sub, x, compat, label)?)
        } else {
            coerce_scalar(sub, x, compat, label)?
        };
        out.insert(sub.name.clone(), v);
    }
    Ok(out)
}

/// Checks and coerces a value of a non-complex attribute by its type.
pub(crate) fn coerce_scalar(
    attr: &Attribute,
    v: &Value,
    compat: &Compat,
    label: &str,
) -> Result<Value, Error> {
    let ok = match (attr.kind, v) {
        (AttributeType::String | AttributeType::Reference, Value::String(_)) => true,
        (AttributeType::Boolean, Value::Bool(_)) => true,
        (AttributeType::Boolean, Value::String(s)) if compat.boolean_strings => {
            if s.eq_ignore_ascii_case("true") {
                return Ok(Value::Bool(true));
            }
            if s.eq_ignore_ascii_case("false") {
                return Ok(Value::Bool(false));
            }
            false
        }
        (AttributeType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (AttributeType::Decimal, Value::Number(_)) => true,
        (AttributeType::DateTime, Value::String(s)) => {
            chrono::DateTime::parse_from_rfc3339(s).is_ok()
        }
        (AttributeType::Binary, Value::String(s)) => {
            base64::engine::general_purpose::STANDARD.decode(s).is_ok()
        }
        _ => false,
    };
    if ok {
        Ok(v.clone())
    } else {
        Err(type_error(label, attr.kind.expected(), v))
    }
}

fn type_error(label: &str, expected: &str, got: &Value) -> Error {
    let got = crate::error::json_kind(got);
    Error::invalid_value(format!(
        "invalid value for \"{label}\": expected {expected}, got {got}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ScimType;
    use serde_json::json;

    fn lenient() -> Compat {
        Compat::default()
    }

    #[test]
    fn booleans_from_strings_only_under_compat() {
        let a = Attribute::new("active", AttributeType::Boolean);
        assert_eq!(
            coerce_scalar(&a, &json!("False"), &lenient(), "active").unwrap(),
            json!(false)
        );
        assert_eq!(
            coerce_scalar(&a, &json!("TRUE"), &lenient(), "active").unwrap(),
            json!(true)
        );
        let e = coerce_scalar(&a, &json!("False"), &Compat::strict(), "active").unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
        assert!(e.detail().contains("\"active\""), "{}", e.detail());
        assert!(coerce_scalar(&a, &json!("yes"), &lenient(), "active").is_err());
    }

    #[test]
    fn numbers_dates_binary_references() {
        let c = lenient();
        let int = Attribute::new("n", AttributeType::Integer);
        assert!(coerce_scalar(&int, &json!(7), &c, "n").is_ok());
        assert!(coerce_scalar(&int, &json!(7.5), &c, "n").is_err());
        assert!(coerce_scalar(&int, &json!("7"), &c, "n").is_err());
        let dec = Attribute::new("d", AttributeType::Decimal);
        assert!(coerce_scalar(&dec, &json!(7.5), &c, "d").is_ok());
        let dt = Attribute::new("t", AttributeType::DateTime);
        assert!(coerce_scalar(&dt, &json!("2011-05-13T04:42:34Z"), &c, "t").is_ok());
        assert!(coerce_scalar(&dt, &json!("yesterday"), &c, "t").is_err());
        let bin = Attribute::new("b", AttributeType::Binary);
        assert!(coerce_scalar(&bin, &json!("aGVsbG8="), &c, "b").is_ok());
        assert!(coerce_scalar(&bin, &json!("not base64!"), &c, "b").is_err());
        let r = Attribute::new("r", AttributeType::Reference);
        assert!(coerce_scalar(&r, &json!("../Users/1"), &c, "r").is_ok());
        assert!(coerce_scalar(&r, &json!(1), &c, "r").is_err());
    }

    #[test]
    fn complex_values_are_checked_and_normalised() {
        let manager = Attribute::new("manager", AttributeType::Complex).sub_attributes(vec![
            Attribute::new("value", AttributeType::String),
            Attribute::new("displayName", AttributeType::String).mutability(Mutability::ReadOnly),
        ]);
        // null members (Entra's `"$ref": null`) are dropped before the sub-attribute check
        let got = coerce_one(
            &manager,
            &json!({"VALUE": "42", "displayName": "ignored", "$ref": null}),
            &lenient(),
            "manager",
        )
        .unwrap();
        assert_eq!(got, json!({"value": "42"}));
        assert_eq!(
            coerce_one(&manager, &json!("42"), &lenient(), "manager").unwrap(),
            json!({"value": "42"})
        );
        assert!(coerce_one(&manager, &json!("42"), &Compat::strict(), "manager").is_err());
        assert!(coerce_one(&manager, &json!({"nope": 1}), &lenient(), "manager").is_err());
    }

    #[test]
    fn clear_values() {
        assert!(is_clear(&json!(null), &lenient()));
        assert!(is_clear(&json!(""), &lenient()));
        assert!(!is_clear(&json!(" "), &lenient()));
        assert!(!is_clear(&json!(null), &Compat::strict()));
    }
}
