//! Sorting list results ([RFC 7644 §3.4.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.3)):
//! `sortBy`/`sortOrder`, sort keys taken from a resource's JSON by its schema (case-exactness,
//! date-times, the primary value of a multi-valued attribute), missing values last when
//! ascending and first when descending.

use crate::error::Error;
use crate::path::AttrPath;
use crate::schema::ResourceSchema;
use crate::schema::names::get_ci;
use serde_json::Value;
use std::cmp::Ordering;

/// `sortBy` with `sortOrder` ([RFC 7644 §3.4.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.3)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// The attribute to sort by (`name.givenName`, `emails`, `meta.lastModified`, …).
    pub by: AttrPath,
    /// The order.
    pub order: SortOrder,
}

/// `sortOrder` ([RFC 7644 §3.4.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.3));
/// `ascending` when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// `ascending`.
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}

impl SortOrder {
    /// Parses `ascending` / `descending` (case-insensitively, as clients vary); anything else is
    /// 400 `invalidValue`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.eq_ignore_ascii_case("ascending") {
            Ok(SortOrder::Ascending)
        } else if s.eq_ignore_ascii_case("descending") {
            Ok(SortOrder::Descending)
        } else {
            Err(Error::invalid_value(format!(
                "sortOrder must be \"ascending\" or \"descending\", not {s:?}"
            )))
        }
    }
}

/// A comparable sort key taken from a resource's JSON
/// ([RFC 7644 §3.4.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.3)): strings of
/// `caseExact: false` attributes are compared lower-cased, date-times as instants, numbers as
/// numbers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SortKey {
    /// A boolean (`false` < `true`).
    Bool(bool),
    /// A number.
    Number(f64),
    /// A date-time, as nanoseconds since the epoch (or a string that did not parse).
    Instant(i64),
    /// A string, lower-cased when the attribute is not case-exact.
    String(String),
}

impl SortKey {
    fn rank(&self) -> u8 {
        match self {
            SortKey::Bool(_) => 0,
            SortKey::Number(_) => 1,
            SortKey::Instant(_) => 2,
            SortKey::String(_) => 3,
        }
    }

    /// A total order: within a kind by value, across kinds by kind.
    pub fn total_cmp(&self, other: &SortKey) -> Ordering {
        match (self, other) {
            (SortKey::Bool(a), SortKey::Bool(b)) => a.cmp(b),
            (SortKey::Number(a), SortKey::Number(b)) => a.total_cmp(b),
            (SortKey::Instant(a), SortKey::Instant(b)) => a.cmp(b),
            (SortKey::String(a), SortKey::String(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// Compares two optional sort keys in `order`; resources without a value come last when
/// ascending and first when descending (RFC 7644 §3.4.2.3).
pub fn compare_keys(a: Option<&SortKey>, b: Option<&SortKey>, order: SortOrder) -> Ordering {
    let asc = match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    match order {
        SortOrder::Ascending => asc,
        SortOrder::Descending => asc.reverse(),
    }
}

/// The sort key of one resource (its JSON representation) for `by`
/// ([RFC 7644 §3.4.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.3)): the
/// attribute's value; for a multi-valued attribute the `primary` value, else the first; for a
/// complex value without a sub-attribute in the path, its `value` sub-attribute. `Ok(None)`
/// when the resource has no value. 400 `invalidPath` when `by` names no attribute of the schema.
pub fn sort_key(
    resource: &Value,
    by: &AttrPath,
    schema: &ResourceSchema,
) -> Result<Option<SortKey>, Error> {
    let attr = schema.resolve_attr(by).ok_or_else(|| {
        Error::invalid_path(format!(
            "sortBy: no attribute {:?} in this resource type",
            by.name
        ))
    })?;
    let Some(obj) = resource.as_object() else {
        return Ok(None);
    };
    let holder = if attr.in_extension {
        match get_ci(obj, &attr.schema.id).and_then(Value::as_object) {
            Some(o) => o,
            None => return Ok(None),
        }
    } else {
        obj
    };
    let Some(mut v) = get_ci(holder, &attr.attribute.name) else {
        return Ok(None);
    };
    if let Value::Array(items) = v {
        let primary = items.iter().find(|i| {
            i.as_object()
                .and_then(|o| get_ci(o, "primary"))
                .and_then(Value::as_bool)
                == Some(true)
        });
        match primary.or_else(|| items.first()) {
            Some(p) => v = p,
            None => return Ok(None),
        }
    }
    let leaf = attr.leaf();
    if let Value::Object(o) = v {
        let sub = attr.sub_attribute.map_or("value", |s| s.name.as_str());
        match get_ci(o, sub) {
            Some(x) => v = x,
            None => return Ok(None),
        }
    }
    let case_exact = if attr.sub_attribute.is_none() && leaf.kind == crate::AttributeType::Complex {
        attr.attribute
            .sub_attribute("value")
            .is_some_and(|s| s.case_exact)
    } else {
        leaf.case_exact
    };
    Ok(match v {
        Value::Bool(b) => Some(SortKey::Bool(*b)),
        Value::Number(n) => n.as_f64().map(SortKey::Number),
        Value::String(s) if leaf.kind == crate::AttributeType::DateTime => {
            match chrono::DateTime::parse_from_rfc3339(s) {
                Ok(t) => t.timestamp_nanos_opt().map(SortKey::Instant),
                Err(_) => Some(SortKey::String(s.clone())),
            }
        }
        Value::String(s) if case_exact => Some(SortKey::String(s.clone())),
        Value::String(s) => Some(SortKey::String(s.to_lowercase())),
        _ => None,
    })
}

/// Sorts resources by `sort` using their JSON representations (a stable sort; keys are
/// computed once per resource). `json` gives the representation of one item.
pub fn sort_by_json<T>(
    items: &mut Vec<T>,
    sort: &Sort,
    schema: &ResourceSchema,
    json: impl Fn(&T) -> Value,
) -> Result<(), Error> {
    let mut keyed: Vec<(Option<SortKey>, T)> = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        let key = sort_key(&json(&item), &sort.by, schema)?;
        keyed.push((key, item));
    }
    keyed.sort_by(|(a, _), (b, _)| compare_keys(a.as_ref(), b.as_ref(), sort.order));
    items.extend(keyed.into_iter().map(|(_, t)| t));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_order_parse() {
        assert_eq!(
            SortOrder::parse("Descending").unwrap(),
            SortOrder::Descending
        );
        assert_eq!(SortOrder::parse("ascending").unwrap(), SortOrder::Ascending);
        assert!(SortOrder::parse("up").is_err());
    }

    #[test]
    fn missing_values_last_ascending_first_descending() {
        let k = SortKey::String("a".into());
        assert_eq!(
            compare_keys(Some(&k), None, SortOrder::Ascending),
            Ordering::Less
        );
        assert_eq!(
            compare_keys(Some(&k), None, SortOrder::Descending),
            Ordering::Greater
        );
    }

    #[test]
    fn sort_by_json_uses_schema_case_exactness_primary_and_dates() {
        let schema = ResourceSchema::user();
        let mut users = vec![
            serde_json::json!({"userName": "bob", "emails": [{"value": "z@x"}, {"value": "a@x", "primary": true}],
                "meta": {"lastModified": "2024-01-02T00:00:00Z"}}),
            serde_json::json!({"userName": "Alice", "emails": [{"value": "m@x"}],
                "meta": {"lastModified": "2023-12-31T23:00:00-02:00"}}),
            serde_json::json!({"id": "no-name"}),
        ];
        let by = |p: &str| Sort {
            by: crate::path::AttrPath::parse(p).unwrap(),
            order: SortOrder::Ascending,
        };
        let names = |v: &Vec<Value>| {
            v.iter()
                .map(|u| u["userName"].as_str().unwrap_or("-").to_owned())
                .collect::<Vec<_>>()
        };
        sort_by_json(&mut users, &by("userName"), &schema, Value::clone).unwrap();
        assert_eq!(names(&users), ["Alice", "bob", "-"]);
        let mut desc = by("USERNAME");
        desc.order = SortOrder::Descending;
        sort_by_json(&mut users, &desc, &schema, Value::clone).unwrap();
        assert_eq!(names(&users), ["-", "bob", "Alice"]);
        // the primary email of bob (a@x) sorts before Alice's only email (m@x)
        sort_by_json(&mut users, &by("emails"), &schema, Value::clone).unwrap();
        assert_eq!(names(&users), ["bob", "Alice", "-"]);
        // 2023-12-31T23:00-02:00 is 2024-01-01T01:00Z, before bob's
        sort_by_json(&mut users, &by("meta.lastModified"), &schema, Value::clone).unwrap();
        assert_eq!(names(&users), ["Alice", "bob", "-"]);
        let err = sort_by_json(&mut users, &by("nope"), &schema, Value::clone).unwrap_err();
        assert_eq!(err.scim_type(), Some(crate::ScimType::InvalidPath));
    }
}
