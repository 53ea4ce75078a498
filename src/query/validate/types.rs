//! Type, shape and canonical-value checks of attribute values, and the attribute locations
//! that error details print ([RFC 7643 §2.3](https://www.rfc-editor.org/rfc/rfc7643#section-2.3)).

use super::{CanonicalValues, UnknownAttributes, ValidateOptions, get, once, present};
use crate::error::Error;
use crate::schema::binary::is_base64;
use crate::schema::{Attribute, AttributeType, Mutability, ResourceSchema, Schema};
use serde_json::Value;
use std::fmt;

/// Type checks with the settings resolved once per call.
pub(super) struct Checker<'a> {
    options: &'a ValidateOptions,
    enforced: Vec<&'a Attribute>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(schema: &'a ResourceSchema, options: &'a ValidateOptions) -> Self {
        let enforced = match &options.canonical_values {
            CanonicalValues::Enforce(paths) => paths
                .iter()
                .filter_map(|p| schema.resolve_attr(p).map(|r| r.leaf()))
                .collect(),
            _ => Vec::new(),
        };
        Checker { options, enforced }
    }

    pub(super) fn unknown(&self, loc: &Loc<'_>) -> Result<(), Error> {
        match self.options.unknown_attributes {
            UnknownAttributes::Keep => Ok(()),
            UnknownAttributes::Reject => Err(Error::invalid_syntax(format!(
                "attribute \"{loc}\" is not defined by the resource's schemas"
            ))),
        }
    }

    pub(super) fn extension(&self, ext: &Schema, value: &Value) -> Result<(), Error> {
        let loc = Loc::ext(&ext.id);
        let obj = match value {
            Value::Null => return Ok(()),
            Value::Object(obj) => obj,
            other => return Err(wrong_type(&loc, "an object", other)),
        };
        let mut seen: Vec<&str> = Vec::with_capacity(obj.len());
        for (key, value) in obj {
            match ext.attribute(key) {
                Some(a) => {
                    once(&mut seen, &a.name)?;
                    self.value(a, value, &loc.child(&a.name))?;
                }
                None => self.unknown(&loc.child(key))?,
            }
        }
        Ok(())
    }

    pub(super) fn value(
        &self,
        attr: &Attribute,
        value: &Value,
        loc: &Loc<'_>,
    ) -> Result<(), Error> {
        match value {
            Value::Null => Ok(()),
            Value::Array(items) if attr.multi_valued => {
                for (i, item) in items.iter().enumerate() {
                    if !item.is_null() {
                        self.single(attr, item, &loc.index(i))?;
                    }
                }
                Ok(())
            }
            Value::Array(_) => Err(wrong_type(loc, "a single value", value)),
            _ if attr.multi_valued => Err(wrong_type(loc, "an array", value)),
            _ => self.single(attr, value, loc),
        }
    }

    fn single(&self, attr: &Attribute, value: &Value, loc: &Loc<'_>) -> Result<(), Error> {
        let ok = match attr.kind {
            AttributeType::Complex => return self.complex(attr, value, loc),
            AttributeType::String => {
                if let Value::String(s) = value {
                    return self.canonical(attr, s, loc);
                }
                false
            }
            AttributeType::Reference => value.is_string(),
            AttributeType::Boolean => value.is_boolean(),
            AttributeType::Decimal => value.is_number(),
            AttributeType::Integer => value.is_i64() || value.is_u64(),
            AttributeType::DateTime => value.as_str().is_some_and(is_date_time),
            AttributeType::Binary => value.as_str().is_some_and(is_base64),
        };
        if ok {
            Ok(())
        } else {
            Err(wrong_type(loc, attr.kind.expected(), value))
        }
    }

    fn complex(&self, attr: &Attribute, value: &Value, loc: &Loc<'_>) -> Result<(), Error> {
        let Value::Object(obj) = value else {
            return Err(wrong_type(loc, "an object", value));
        };
        let mut seen: Vec<&str> = Vec::with_capacity(obj.len());
        for (key, value) in obj {
            match attr.sub_attribute(key) {
                Some(sub) => {
                    once(&mut seen, &sub.name)?;
                    self.value(sub, value, &loc.child(&sub.name))?;
                }
                None => self.unknown(&loc.child(key))?,
            }
        }
        for sub in &attr.sub_attributes {
            if sub.required
                && sub.mutability != Mutability::ReadOnly
                && !present(get(obj, &sub.name))
            {
                return Err(missing(&loc.child(&sub.name)));
            }
        }
        Ok(())
    }

    fn canonical(&self, attr: &Attribute, s: &str, loc: &Loc<'_>) -> Result<(), Error> {
        let enforce = match self.options.canonical_values {
            CanonicalValues::Ignore => false,
            CanonicalValues::EnforceAll => true,
            CanonicalValues::Enforce(_) => self.enforced.iter().any(|a| std::ptr::eq(*a, attr)),
        };
        if !enforce || attr.canonical_values.is_empty() {
            return Ok(());
        }
        let matches = |c: &String| {
            if attr.case_exact {
                c == s
            } else {
                c.eq_ignore_ascii_case(s)
            }
        };
        if attr.canonical_values.iter().any(matches) {
            Ok(())
        } else {
            Err(Error::invalid_value(format!(
                "attribute \"{loc}\": \"{s}\" is not one of {}",
                attr.canonical_values.join(", ")
            )))
        }
    }
}

pub(super) fn missing(loc: &Loc<'_>) -> Error {
    Error::invalid_value(format!("attribute \"{loc}\" is required"))
}

fn wrong_type(loc: &Loc<'_>, expected: &str, got: &Value) -> Error {
    let got = crate::error::json_kind(got);
    Error::invalid_value(format!(
        "attribute \"{loc}\": expected {expected}, got {got}"
    ))
}

/// An `xsd:dateTime` (RFC 7643 §2.3.5): RFC 3339 with an offset, or without one.
fn is_date_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

/// Where in the resource an attribute is, for error details: `emails[1].value`,
/// `urn:…:enterprise:2.0:User:manager.value`.
pub(super) struct Loc<'a> {
    parent: Option<&'a Loc<'a>>,
    seg: Seg<'a>,
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Ext(&'a str),
    Name(&'a str),
    Index(usize),
}

impl<'a> Loc<'a> {
    pub(super) fn root(name: &'a str) -> Self {
        Loc {
            parent: None,
            seg: Seg::Name(name),
        }
    }
    pub(super) fn ext(urn: &'a str) -> Self {
        Loc {
            parent: None,
            seg: Seg::Ext(urn),
        }
    }
    pub(super) fn child(&'a self, name: &'a str) -> Loc<'a> {
        Loc {
            parent: Some(self),
            seg: Seg::Name(name),
        }
    }
    pub(super) fn index(&'a self, i: usize) -> Loc<'a> {
        Loc {
            parent: Some(self),
            seg: Seg::Index(i),
        }
    }
}

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
            match (parent.seg, self.seg) {
                (_, Seg::Index(i)) => return write!(f, "[{i}]"),
                (Seg::Ext(_), Seg::Name(n)) => return write!(f, ":{n}"),
                (_, Seg::Name(n)) | (_, Seg::Ext(n)) => return write!(f, ".{n}"),
            }
        }
        match self.seg {
            Seg::Ext(n) | Seg::Name(n) => f.write_str(n),
            Seg::Index(i) => write!(f, "[{i}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn locations_print_as_scim_paths() {
        let root = Loc::root("emails");
        let i = root.index(1);
        assert_eq!(i.child("value").to_string(), "emails[1].value");
        let ext = Loc::ext("urn:x:2.0:User");
        let manager = ext.child("manager");
        assert_eq!(manager.to_string(), "urn:x:2.0:User:manager");
        assert_eq!(
            manager.child("value").to_string(),
            "urn:x:2.0:User:manager.value"
        );
    }

    #[test]
    fn scalar_formats() {
        assert!(is_date_time("2008-01-23T04:56:22Z"));
        assert!(is_date_time("2008-01-23T04:56:22.123+02:00"));
        assert!(is_date_time("2008-01-23T04:56:22"));
        assert!(!is_date_time("2008-01-23"));
        assert!(!is_date_time("yesterday"));
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64("aGVsbG8"));
        assert!(!is_base64("not base64!"));
    }

    #[test]
    fn present_follows_rfc7643_2_5() {
        assert!(!present(Some(&json!(null))));
        assert!(!present(Some(&json!(""))));
        assert!(!present(Some(&json!([]))));
        assert!(!present(Some(&json!([null]))));
        assert!(present(Some(&json!(false))));
        assert!(present(Some(&json!(0))));
    }
}
