//! Validation of a resource against its schemas: for create (POST), replace (PUT), and for any
//! whole resource such as a PATCH result
//! ([RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2),
//! [§2.3](https://www.rfc-editor.org/rfc/rfc7643#section-2.3),
//! [§7](https://www.rfc-editor.org/rfc/rfc7643#section-7);
//! [RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3),
//! [§3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1)).
//!
//! Three entry points:
//!
//! - [`for_create`] normalises a POST body, then [`check`]s it;
//! - [`for_replace`] does the same for a PUT body and also enforces `immutable` against the
//!   existing resource;
//! - [`check`] only inspects a whole resource (types, shapes, required attributes, unknown
//!   attributes, `schemas`) and changes nothing: what the PATCH engine runs on its result.
//!
//! Normalisation (create and replace only): attribute names take their schema spelling
//! (`USERNAME` → `userName`, extension URNs too); `readOnly` values the client sent (`id`,
//! `meta`, `groups`, `manager.displayName`, …) are removed, not rejected (RFC 7644 §3.3,
//! §3.5.1); `null` values are removed (RFC 7643 §2.5: null is unassigned); and, unless switched
//! off in [`ValidateOptions`], a lone value for a multi-valued attribute becomes a one-element
//! array, `"True"`/`"False"` strings for booleans become booleans, and `schemas` gains the core
//! URN and the URNs of the extensions present.
//!
//! Errors are `invalidValue` (wrong type, missing required value, bad `schemas`),
//! `invalidSyntax` (not an object, an attribute given twice, an unknown attribute in strict
//! mode) or `mutability` (an immutable value changed); the detail names the attribute path.

use crate::error::Error;
use crate::path::AttrPath;
use crate::schema::{Attribute, AttributeType, Mutability, ResourceSchema, Schema, TopLevel};
use base64::Engine as _;
use serde_json::{Map, Value};
use std::fmt;

/// What to do with attributes no schema of the resource type defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnknownAttributes {
    /// Keep them as they are (the default: clients send vendor attributes, and dropping data
    /// silently is worse than storing it).
    #[default]
    Keep,
    /// Reject the resource with `invalidSyntax`.
    Reject,
}

/// Whether `canonicalValues` are binding. RFC 7643 §2.2 says canonical values MAY be used and
/// §4.1.2 calls `work`/`home`/`other` examples, so they are not enforced by default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CanonicalValues {
    /// Accept any string (the default).
    #[default]
    Ignore,
    /// Every attribute that lists canonical values accepts only those.
    EnforceAll,
    /// Only the attributes at these paths (e.g. `emails.type`) accept only their canonical
    /// values.
    Enforce(Vec<AttrPath>),
}

/// Validation settings. [`ValidateOptions::default`] is lenient where the RFC allows it;
/// [`ValidateOptions::strict`] rejects everything the RFC does not require a server to accept.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidateOptions {
    /// Attributes no schema defines.
    pub unknown_attributes: UnknownAttributes,
    /// Whether canonical values are binding.
    pub canonical_values: CanonicalValues,
    /// Wrap a lone value given for a multi-valued attribute in an array (create/replace).
    pub wrap_single_values: bool,
    /// Accept the strings `"true"`/`"false"` (any case) for booleans (create/replace).
    pub boolean_strings: bool,
    /// Add the core schema URN and the URNs of the extensions present to `schemas` when the
    /// client left them out (create/replace); otherwise that is `invalidValue`.
    pub fix_schemas: bool,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            unknown_attributes: UnknownAttributes::Keep,
            canonical_values: CanonicalValues::Ignore,
            wrap_single_values: true,
            boolean_strings: true,
            fix_schemas: true,
        }
    }
}

impl ValidateOptions {
    /// Rejects unknown attributes, lone values for multi-valued attributes, booleans as
    /// strings and incomplete `schemas`; canonical values stay non-binding.
    pub fn strict() -> Self {
        ValidateOptions {
            unknown_attributes: UnknownAttributes::Reject,
            canonical_values: CanonicalValues::Ignore,
            wrap_single_values: false,
            boolean_strings: false,
            fix_schemas: false,
        }
    }
}

/// Normalises and validates the body of a create request (POST,
/// [RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)): see the
/// [module documentation](self).
pub fn for_create(
    resource: &mut Value,
    schema: &ResourceSchema,
    options: &ValidateOptions,
) -> Result<(), Error> {
    normalise(resource, schema, options)?;
    check(resource, schema, options)
}

/// Normalises and validates the body of a replace request (PUT,
/// [RFC 7644 §3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1)) against the
/// `existing` resource: as [`for_create`], and an `immutable` attribute that has a value in
/// `existing` must keep it (`mutability` error otherwise); when the body omits it, the
/// existing value is carried over. Immutable sub-attributes of multi-valued attributes (the
/// `value` of a Group's `members`) are not compared: each element is a new value, and adding
/// or removing members is allowed.
pub fn for_replace(
    resource: &mut Value,
    existing: &Value,
    schema: &ResourceSchema,
    options: &ValidateOptions,
) -> Result<(), Error> {
    normalise(resource, schema, options)?;
    if let (Value::Object(new), Value::Object(old)) = (&mut *resource, existing) {
        keep_immutable(new, old, schema)?;
    }
    check(resource, schema, options)
}

/// Checks a whole resource without changing it
/// ([RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2),
/// [§2.3](https://www.rfc-editor.org/rfc/rfc7643#section-2.3)): it is an object; every
/// attribute has its schema type and plurality (`dateTime` per RFC 3339, `binary` as base64);
/// required attributes have a non-empty value (`readOnly` ones excepted: the server sets them);
/// a required extension is present; unknown attributes per `options`; `schemas` is a list of
/// strings naming the core schema and every extension present. `readOnly` values are allowed
/// (a stored resource has `id` and `meta`). Used on PATCH results.
pub fn check(
    resource: &Value,
    schema: &ResourceSchema,
    options: &ValidateOptions,
) -> Result<(), Error> {
    let Value::Object(map) = resource else {
        return Err(Error::invalid_syntax("a resource must be a JSON object"));
    };
    let checker = Checker::new(schema, options);
    let mut seen: Vec<&str> = Vec::with_capacity(map.len());
    for (key, value) in map {
        match schema.top_level(key) {
            Some(TopLevel::Schemas) => check_schemas_shape(value)?,
            Some(TopLevel::Attribute(a)) => {
                once(&mut seen, &a.name)?;
                checker.value(a, value, &Loc::root(&a.name))?;
            }
            Some(TopLevel::Extension(ext)) => {
                once(&mut seen, &ext.id)?;
                checker.extension(ext, value)?;
            }
            None => checker.unknown(&Loc::root(key))?,
        }
    }
    for a in &schema.core().attributes {
        if a.required && a.mutability != Mutability::ReadOnly && !present(get(map, &a.name)) {
            return Err(missing(&Loc::root(&a.name)));
        }
    }
    for ext in schema.extensions() {
        let declared_required = schema
            .resource_type()
            .extension(&ext.id)
            .is_some_and(|e| e.required);
        match get(map, &ext.id) {
            Some(Value::Object(obj)) => {
                for a in &ext.attributes {
                    if a.required
                        && a.mutability != Mutability::ReadOnly
                        && !present(get(obj, &a.name))
                    {
                        return Err(missing(&Loc::ext(&ext.id).child(&a.name)));
                    }
                }
            }
            _ if declared_required => {
                return Err(Error::invalid_value(format!(
                    "the required extension {} is missing",
                    ext.id
                )));
            }
            _ => {}
        }
    }
    check_schemas_list(map, schema)
}

/// Type checks with the settings resolved once per call.
struct Checker<'a> {
    options: &'a ValidateOptions,
    enforced: Vec<&'a Attribute>,
}

impl<'a> Checker<'a> {
    fn new(schema: &'a ResourceSchema, options: &'a ValidateOptions) -> Self {
        let enforced = match &options.canonical_values {
            CanonicalValues::Enforce(paths) => paths
                .iter()
                .filter_map(|p| schema.resolve_attr(p).map(|r| r.leaf()))
                .collect(),
            _ => Vec::new(),
        };
        Checker { options, enforced }
    }

    fn unknown(&self, loc: &Loc<'_>) -> Result<(), Error> {
        match self.options.unknown_attributes {
            UnknownAttributes::Keep => Ok(()),
            UnknownAttributes::Reject => Err(Error::invalid_syntax(format!(
                "attribute \"{loc}\" is not defined by the resource's schemas"
            ))),
        }
    }

    fn extension(&self, ext: &Schema, value: &Value) -> Result<(), Error> {
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

    fn value(&self, attr: &Attribute, value: &Value, loc: &Loc<'_>) -> Result<(), Error> {
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
            Err(wrong_type(loc, expected(attr.kind), value))
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

/// Create/replace normalisation (see the module documentation).
fn normalise(
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

fn check_schemas_shape(value: &Value) -> Result<(), Error> {
    match value {
        Value::Array(items) if items.iter().all(Value::is_string) => Ok(()),
        _ => Err(Error::invalid_value(
            "\"schemas\" must be a list of schema URIs",
        )),
    }
}

/// `schemas` names the core schema and every extension whose object is present (RFC 7643 §3).
fn check_schemas_list(map: &Map<String, Value>, schema: &ResourceSchema) -> Result<(), Error> {
    let listed = match get(map, "schemas") {
        Some(Value::Array(items)) => items.as_slice(),
        _ => &[],
    };
    let lists = |uri: &str| {
        listed
            .iter()
            .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(uri)))
    };
    if !lists(&schema.core().id) {
        return Err(Error::invalid_value(format!(
            "\"schemas\" must list {}",
            schema.core().id
        )));
    }
    for ext in schema.extensions() {
        if present(get(map, &ext.id)) && !lists(&ext.id) {
            return Err(Error::invalid_value(format!(
                "the resource has {} attributes but \"schemas\" does not list it",
                ext.id
            )));
        }
    }
    Ok(())
}

/// RFC 7644 §3.5.1 `immutable`: a value already set must not change; an omitted one is kept.
fn keep_immutable(
    new: &mut Map<String, Value>,
    old: &Map<String, Value>,
    schema: &ResourceSchema,
) -> Result<(), Error> {
    keep_immutable_in(new, old, &schema.core().attributes, None)?;
    for ext in schema.extensions() {
        let Some(Value::Object(old_ext)) = get(old, &ext.id) else {
            continue;
        };
        if !ext
            .attributes
            .iter()
            .any(|a| a.mutability == Mutability::Immutable || has_immutable_sub(a))
        {
            continue;
        }
        let created = !new.contains_key(&ext.id);
        let entry = new
            .entry(ext.id.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(new_ext) = entry {
            keep_immutable_in(new_ext, old_ext, &ext.attributes, Some(&ext.id))?;
            if new_ext.is_empty() {
                new.remove(&ext.id);
            } else if created {
                // the carried-over values bring their extension: list it (RFC 7643 §3)
                if let Some(Value::Array(list)) = new.get_mut("schemas") {
                    list.push(Value::String(ext.id.clone()));
                }
            }
        }
    }
    Ok(())
}

fn has_immutable_sub(a: &Attribute) -> bool {
    !a.multi_valued
        && a.sub_attributes
            .iter()
            .any(|s| s.mutability == Mutability::Immutable)
}

fn keep_immutable_in(
    new: &mut Map<String, Value>,
    old: &Map<String, Value>,
    attributes: &[Attribute],
    ext: Option<&str>,
) -> Result<(), Error> {
    let ext_loc = ext.map(Loc::ext);
    for a in attributes {
        let loc = match &ext_loc {
            Some(e) => e.child(&a.name),
            None => Loc::root(&a.name),
        };
        if a.mutability == Mutability::Immutable {
            let Some(before) = get(old, &a.name).filter(|v| present(Some(v))) else {
                continue;
            };
            match new.get(&a.name) {
                None => {
                    new.insert(a.name.clone(), before.clone());
                }
                Some(after) if !same(a, before, after) => {
                    return Err(Error::mutability(format!(
                        "attribute \"{loc}\" is immutable and already set"
                    )));
                }
                Some(_) => {}
            }
        } else if has_immutable_sub(a) {
            let Some(Value::Object(before)) = get(old, &a.name) else {
                continue;
            };
            let created = !new.contains_key(&a.name);
            let entry = new
                .entry(a.name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(after) = entry {
                for sub in a
                    .sub_attributes
                    .iter()
                    .filter(|s| s.mutability == Mutability::Immutable)
                {
                    let Some(b) = get(before, &sub.name).filter(|v| present(Some(v))) else {
                        continue;
                    };
                    match after.get(&sub.name) {
                        None => {
                            after.insert(sub.name.clone(), b.clone());
                        }
                        Some(x) if !same(sub, b, x) => {
                            return Err(Error::mutability(format!(
                                "attribute \"{}\" is immutable and already set",
                                loc.child(&sub.name)
                            )));
                        }
                        Some(_) => {}
                    }
                }
                if created && after.is_empty() {
                    new.remove(&a.name);
                }
            }
        }
    }
    Ok(())
}

/// Equality under the attribute's `caseExact` (RFC 7643 §2.2).
fn same(attr: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if !attr.case_exact => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

/// The value of `name` in `map`: exact spelling first, then case-insensitively.
fn get<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Assigned in the sense of RFC 7643 §2.5: not null, not an empty string, array or object.
fn present(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => a.iter().any(|v| present(Some(v))),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    }
}

fn once<'n>(seen: &mut Vec<&'n str>, name: &'n str) -> Result<(), Error> {
    if seen.contains(&name) {
        return Err(given_twice(name));
    }
    seen.push(name);
    Ok(())
}

fn given_twice(name: &str) -> Error {
    Error::invalid_syntax(format!(
        "attribute \"{name}\" is given twice (names are case-insensitive)"
    ))
}

fn missing(loc: &Loc<'_>) -> Error {
    Error::invalid_value(format!("attribute \"{loc}\" is required"))
}

fn wrong_type(loc: &Loc<'_>, expected: &str, got: &Value) -> Error {
    let got = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    Error::invalid_value(format!(
        "attribute \"{loc}\": expected {expected}, got {got}"
    ))
}

fn expected(kind: AttributeType) -> &'static str {
    match kind {
        AttributeType::String => "a string",
        AttributeType::Boolean => "a boolean",
        AttributeType::Decimal => "a number",
        AttributeType::Integer => "an integer",
        AttributeType::DateTime => "a dateTime string (e.g. 2008-01-23T04:56:22Z)",
        AttributeType::Binary => "a base64 string",
        AttributeType::Reference => "a URI string",
        AttributeType::Complex => "an object",
    }
}

/// An `xsd:dateTime` (RFC 7643 §2.3.5): RFC 3339 with an offset, or without one.
fn is_date_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

/// Base64 as RFC 7643 §2.3.6 requires (RFC 4648 §4 alphabet; padding optional).
fn is_base64(s: &str) -> bool {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    ENGINE.decode(s).is_ok()
}

/// Where in the resource an attribute is, for error details: `emails[1].value`,
/// `urn:…:enterprise:2.0:User:manager.value`.
struct Loc<'a> {
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
    fn root(name: &'a str) -> Self {
        Loc {
            parent: None,
            seg: Seg::Name(name),
        }
    }
    fn ext(urn: &'a str) -> Self {
        Loc {
            parent: None,
            seg: Seg::Ext(urn),
        }
    }
    fn child(&'a self, name: &'a str) -> Loc<'a> {
        Loc {
            parent: Some(self),
            seg: Seg::Name(name),
        }
    }
    fn index(&'a self, i: usize) -> Loc<'a> {
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
