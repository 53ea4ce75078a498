//! Create/replace normalisation: schema spelling of names, readOnly values and nulls removed,
//! lenient wrapping and boolean strings, `schemas` completed
//! ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3),
//! [§3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1)).

use super::{ValidateOptions, given_twice};
use crate::error::Error;
use crate::schema::{Attribute, AttributeType, Mutability, ResourceSchema, TopLevel};
use serde_json::{Map, Value};

/// Create/replace normalisation (see the module documentation).
pub(super) fn normalise(
    resource: &mut Value,
    schema: &ResourceSchema,
    options: &ValidateOptions,
) -> Result<(), Error> {
    let Value::Object(map) = resource else {
        return Err(Error::invalid_syntax("a resource must be a JSON object"));
    };
    let mut out = Map::new();
    for (key, mut value) in std::mem::take(map) {
        if value.is_null() {
            continue;
        }
        let (name, value) = match schema.top_level(&key) {
            Some(TopLevel::Schemas) => {
                if options.wrap_single_values && value.is_string() {
                    value = Value::Array(vec![value]);
                }
                (spelled(key, "schemas"), value)
            }
            Some(TopLevel::Attribute(a)) => {
                if a.mutability == Mutability::ReadOnly || !normalise_value(a, &mut value, options)?
                {
                    continue;
                }
                (spelled(key, &a.name), value)
            }
            Some(TopLevel::Extension(ext)) => {
                if let Value::Object(obj) = &mut value {
                    let was_empty = obj.is_empty();
                    normalise_object(obj, |k| ext.attribute(k), options)?;
                    if obj.is_empty() && !was_empty {
                        continue;
                    }
                }
                (spelled(key, &ext.id), value)
            }
            None => (key, value),
        };
        if out.insert(name.clone(), value).is_some() {
            return Err(given_twice(&name));
        }
    }
    if options.fix_schemas {
        fix_schemas(&mut out, schema);
    }
    *map = out;
    Ok(())
}

/// Renames the keys of an object to their schema spelling, drops nulls and readOnly values,
/// and normalises each value.
fn normalise_object<'s>(
    obj: &mut Map<String, Value>,
    lookup: impl Fn(&str) -> Option<&'s Attribute>,
    options: &ValidateOptions,
) -> Result<(), Error> {
    let mut out = Map::new();
    for (key, mut value) in std::mem::take(obj) {
        if value.is_null() {
            continue;
        }
        let name = match lookup(&key) {
            Some(a) if a.mutability == Mutability::ReadOnly => continue,
            Some(a) => {
                if !normalise_value(a, &mut value, options)? {
                    continue;
                }
                spelled(key, &a.name)
            }
            None => key,
        };
        if out.insert(name.clone(), value).is_some() {
            return Err(given_twice(&name));
        }
    }
    *obj = out;
    Ok(())
}

/// Normalises one attribute's value; `false` when nothing is left of it (a complex value
/// whose sub-attributes were all readOnly or null: RFC 7643 §2.5 unassigned).
fn normalise_value(
    attr: &Attribute,
    value: &mut Value,
    options: &ValidateOptions,
) -> Result<bool, Error> {
    if attr.multi_valued && options.wrap_single_values && !value.is_array() {
        *value = Value::Array(vec![std::mem::take(value)]);
    }
    match value {
        Value::Array(items) if attr.multi_valued => {
            items.retain(|v| !v.is_null());
            let before = items.len();
            let mut kept = Vec::with_capacity(before);
            for mut item in std::mem::take(items) {
                if normalise_single(attr, &mut item, options)? {
                    kept.push(item);
                }
            }
            let emptied = before > 0 && kept.is_empty();
            *items = kept;
            Ok(!emptied)
        }
        _ => normalise_single(attr, value, options),
    }
}

fn normalise_single(
    attr: &Attribute,
    value: &mut Value,
    options: &ValidateOptions,
) -> Result<bool, Error> {
    match (attr.kind, &mut *value) {
        (AttributeType::Complex, Value::Object(obj)) => {
            let was_empty = obj.is_empty();
            normalise_object(obj, |k| attr.sub_attribute(k), options)?;
            return Ok(was_empty || !obj.is_empty());
        }
        (AttributeType::Complex, Value::String(s)) if options.empty_clears && s.is_empty() => {
            return Ok(false);
        }
        (AttributeType::Complex, Value::String(_) | Value::Number(_) | Value::Bool(_))
            if options.bare_values && attr.sub_attribute("value").is_some() =>
        {
            let mut obj = Map::new();
            obj.insert("value".to_owned(), std::mem::take(value));
            *value = Value::Object(obj);
        }
        (AttributeType::Boolean, Value::String(s)) if options.boolean_strings => {
            if s.eq_ignore_ascii_case("true") {
                *value = Value::Bool(true);
            } else if s.eq_ignore_ascii_case("false") {
                *value = Value::Bool(false);
            }
        }
        _ => {}
    }
    Ok(true)
}

/// The schema spelling of a key, reusing the client's string when it already has it.
fn spelled(key: String, canonical: &str) -> String {
    if key == canonical {
        key
    } else {
        canonical.to_owned()
    }
}

/// Adds the core URN and the URNs of present extensions to `schemas` (RFC 7643 §3).
fn fix_schemas(map: &mut Map<String, Value>, schema: &ResourceSchema) {
    let present: Vec<String> = schema
        .extensions()
        .filter(|e| map.contains_key(&e.id))
        .map(|e| e.id.clone())
        .collect();
    let list = map
        .entry("schemas")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(list) = list else { return };
    let has = |list: &[Value], uri: &str| {
        list.iter()
            .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(uri)))
    };
    if !has(list, &schema.core().id) {
        list.insert(0, Value::String(schema.core().id.clone()));
    }
    for uri in present {
        if !has(list, &uri) {
            list.push(Value::String(uri));
        }
    }
}
