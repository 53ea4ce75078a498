//! Create/replace normalisation: schema spelling of names, readOnly values and nulls removed,
//! lenient wrapping and boolean strings, `schemas` completed
//! ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3),
//! [§3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1)).

use super::ValidateOptions;
use crate::error::Error;
use crate::schema::spelling::{Spelling, respell};
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
    respell(map, |key, value| {
        if value.is_null() {
            return Ok(Spelling::Drop);
        }
        Ok(match schema.top_level(key) {
            Some(TopLevel::Schemas) => {
                if options.wrap_single_values && value.is_string() {
                    *value = Value::Array(vec![std::mem::take(value)]);
                }
                Spelling::Known("schemas")
            }
            Some(TopLevel::Attribute(a)) => attribute(a, value, options)?,
            Some(TopLevel::Extension(ext)) => {
                if let Value::Object(obj) = value {
                    let was_empty = obj.is_empty();
                    normalise_object(obj, |k| ext.attribute(k), options)?;
                    if obj.is_empty() && !was_empty {
                        return Ok(Spelling::Drop);
                    }
                }
                Spelling::Known(&ext.id)
            }
            None => Spelling::Unknown,
        })
    })?;
    if options.fix_schemas {
        fix_schemas(map, schema);
    }
    Ok(())
}

/// Renames the keys of an object to their schema spelling, drops nulls and readOnly values,
/// and normalises each value.
fn normalise_object<'s>(
    obj: &mut Map<String, Value>,
    lookup: impl Fn(&str) -> Option<&'s Attribute>,
    options: &ValidateOptions,
) -> Result<(), Error> {
    respell(obj, |key, value| {
        if value.is_null() {
            return Ok(Spelling::Drop);
        }
        match lookup(key) {
            Some(a) => attribute(a, value, options),
            None => Ok(Spelling::Unknown),
        }
    })
}

/// A member naming the attribute `a`: dropped when readOnly or when nothing is left of its
/// value, else spelt as the schema spells it.
fn attribute<'s>(
    a: &'s Attribute,
    value: &mut Value,
    options: &ValidateOptions,
) -> Result<Spelling<'s>, Error> {
    if a.mutability == Mutability::ReadOnly || !normalise_value(a, value, options)? {
        return Ok(Spelling::Drop);
    }
    Ok(Spelling::Known(&a.name))
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
