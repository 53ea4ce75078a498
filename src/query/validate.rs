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
//! array, `"True"`/`"False"` strings for booleans become booleans, a bare id for a complex
//! attribute with a `value` sub-attribute becomes `{"value": id}` (Entra's `manager`), and
//! `schemas` gains the core URN and the URNs of the extensions present.
//!
//! Errors are `invalidValue` (wrong type, missing required value, bad `schemas`),
//! `invalidSyntax` (not an object, an attribute given twice, an unknown attribute in strict
//! mode) or `mutability` (an immutable value changed); the detail names the attribute path.

mod immutable;
mod normalise;
mod types;

use crate::error::Error;
use crate::path::AttrPath;
use crate::schema::names::get_ci as get;
use crate::schema::spelling::given_twice;
use crate::schema::{Mutability, ResourceSchema, TopLevel};
use immutable::keep_immutable;
use normalise::normalise;
use serde_json::{Map, Value};
use types::{Checker, Loc, missing};

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
    /// A bare value (string, number, boolean) given for a complex attribute that has a
    /// `value` sub-attribute becomes `{"value": …}` (Entra ID sends the enterprise `manager`
    /// as an id string) (create/replace).
    pub bare_values: bool,
    /// An empty string (`""`) given for a complex attribute counts as unassigned
    /// (create/replace), as [`Compat::null_or_empty_clears`](crate::Compat::null_or_empty_clears)
    /// makes it clear the attribute in a PATCH.
    pub empty_clears: bool,
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
            bare_values: true,
            empty_clears: true,
            fix_schemas: true,
        }
    }
}

impl ValidateOptions {
    /// Rejects unknown attributes, lone values for multi-valued attributes, booleans as
    /// strings, bare values for complex attributes and incomplete `schemas`; canonical values
    /// stay non-binding.
    pub fn strict() -> Self {
        ValidateOptions {
            unknown_attributes: UnknownAttributes::Reject,
            canonical_values: CanonicalValues::Ignore,
            wrap_single_values: false,
            boolean_strings: false,
            bare_values: false,
            empty_clears: false,
            fix_schemas: false,
        }
    }
}

/// Normalises and validates the body of a create request (POST,
/// [RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)): see the
/// [module documentation](self).
///
/// ```
/// use scimitar::query::validate::{self, ValidateOptions};
/// use scimitar::schema::ResourceSchema;
/// use serde_json::json;
///
/// let users = ResourceSchema::user();
/// let mut body = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "client-chosen",            // readOnly: ignored
///     "USERNAME": "bjensen",            // names are case-insensitive
///     "active": "True",                 // boolean as a string (lenient default)
///     "emails": {"value": "bjensen@example.com", "type": "work"}  // lone value: wrapped
/// });
/// validate::for_create(&mut body, &users, &ValidateOptions::default())?;
/// assert_eq!(body, json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "bjensen",
///     "active": true,
///     "emails": [{"value": "bjensen@example.com", "type": "work"}]
/// }));
///
/// let mut bad = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///                      "userName": "bjensen", "emails": [{"value": 42}]});
/// let err = validate::for_create(&mut bad, &users, &ValidateOptions::default()).unwrap_err();
/// assert_eq!(err.detail(), "attribute \"emails[0].value\": expected a string, got a number");
/// # Ok::<(), scimitar::Error>(())
/// ```
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
            Some(TopLevel::Schemas) => {
                once(&mut seen, "schemas")?;
                check_schemas_shape(value)?;
            }
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

/// Assigned in the sense of RFC 7643 §2.5: not null, not an empty string, array or object.
pub(super) fn present(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => a.iter().any(|v| present(Some(v))),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    }
}

pub(super) fn once<'n>(seen: &mut Vec<&'n str>, name: &'n str) -> Result<(), Error> {
    if seen.contains(&name) {
        return Err(given_twice(name));
    }
    seen.push(name);
    Ok(())
}
