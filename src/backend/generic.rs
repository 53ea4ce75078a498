//! What every backend shares for resources of types registered at run time: the default PATCH
//! (get → apply → replace), the values a type declares unique, and the answer of a backend that
//! stores no such resources ([RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2)
//! `uniqueness`, [§6](https://www.rfc-editor.org/rfc/rfc7643#section-6);
//! [RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).

use super::defaults::{check_if_match, read_version, retry};
use super::{BackendError, IdentityBackend};
use crate::auth::Context;
use crate::patch::PatchRequest;
use crate::resource::{GenericResource, VersionCondition};
use crate::schema::names::get_ci as get;
use crate::schema::{Attribute, AttributeType, ResourceSchema, Uniqueness};
use serde_json::{Map, Value};

/// One value a resource type declares unique (`uniqueness: server` or `global`): the attribute
/// (lower-cased, `urn:…:name` for an extension attribute) and the value as compared (lower-cased
/// unless the attribute is `caseExact`).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct UniqueValue {
    /// The attribute, lower-cased; extension attributes as `urn:…:name`.
    pub attribute: String,
    /// The value as compared.
    pub value: String,
}

/// The unique values of `resource`: the singular, non-complex attributes of the core schema and
/// of each extension whose `uniqueness` is `server` or `global`
/// ([RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2)). Both are kept unique
/// per tenant and resource type (each tenant is a service provider of its own, so `global`
/// cannot reach further without telling one tenant about another's data). Absent and `null`
/// values are not unique values.
pub fn unique_values(schema: &ResourceSchema, resource: &GenericResource) -> Vec<UniqueValue> {
    let mut out = Vec::new();
    collect(&schema.core().attributes, resource.body(), None, &mut out);
    for ext in schema.extensions() {
        if let Some(Value::Object(obj)) = get(resource.body(), &ext.id) {
            collect(&ext.attributes, obj, Some(&ext.id), &mut out);
        }
    }
    out
}

fn collect(
    attrs: &[Attribute],
    obj: &Map<String, Value>,
    urn: Option<&str>,
    out: &mut Vec<UniqueValue>,
) {
    for a in attrs {
        if a.uniqueness == Uniqueness::None || a.multi_valued || a.kind == AttributeType::Complex {
            continue;
        }
        let value = match get(obj, &a.name) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) if !a.case_exact => s.to_lowercase(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let name = a.name.to_ascii_lowercase();
        let attribute = match urn {
            Some(u) => format!("{}:{name}", u.to_ascii_lowercase()),
            None => name,
        };
        out.push(UniqueValue { attribute, value });
    }
}

/// The 409 of a unique value taken by another resource of the type.
pub(crate) fn taken(schema: &ResourceSchema, u: &UniqueValue) -> BackendError {
    BackendError::uniqueness(format!(
        "{} {:?} is already taken by another {}",
        u.attribute,
        u.value,
        schema.resource_type().name
    ))
}

/// The 501 of a backend that stores no resources of types registered at run time.
pub(crate) fn not_stored(schema: &ResourceSchema) -> BackendError {
    BackendError::not_implemented(format!(
        "this service provider's store keeps no {} resources",
        schema.resource_type().name
    ))
}

/// The 404 of a resource of a custom type.
pub(crate) fn not_found(schema: &ResourceSchema, id: &str) -> BackendError {
    let shown: String = id.chars().take(100).collect();
    BackendError::not_found(format!(
        "no {} with id {shown:?}",
        schema.resource_type().name
    ))
}

/// The default [`IdentityBackend::patch_resource`]: get → apply → replace, retried when another
/// writer came between (a 412 when the client's own `If-Match` does not match).
pub(crate) async fn patch_resource<B: IdentityBackend + ?Sized>(
    backend: &B,
    ctx: &Context,
    schema: &ResourceSchema,
    id: &str,
    patch: &PatchRequest,
    if_match: Option<&VersionCondition>,
) -> Result<GenericResource, BackendError> {
    let mut attempt = 0;
    loop {
        let current = backend.get_resource(ctx, schema, id).await?;
        let version = current.version().cloned();
        check_if_match(if_match, version.as_ref())?;
        let mut json = current.to_json();
        if !patch.apply(&mut json, schema)?.changed {
            return Ok(current);
        }
        let patched = GenericResource::from_json(json)?;
        let cond = read_version(version.as_ref());
        match backend
            .replace_resource(ctx, schema, id, patched, cond.as_ref())
            .await
        {
            Err(e) if retry(&e, if_match, attempt) => attempt += 1,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Schema, SchemaRegistry};
    use serde_json::json;

    #[test]
    fn unique_values_fold_unless_case_exact() {
        let core = "urn:example:scim:schemas:core:1.0:Device";
        let ext = "urn:example:scim:schemas:extension:asset:1.0:Device";
        let mut reg = SchemaRegistry::rfc();
        reg.register_schema(Schema::new(
            core,
            "Device",
            "",
            vec![
                Attribute::new("serial", AttributeType::String).uniqueness(Uniqueness::Server),
                Attribute::new("mac", AttributeType::String)
                    .case_exact(true)
                    .uniqueness(Uniqueness::Global),
                Attribute::new("label", AttributeType::String),
            ],
        ));
        reg.register_schema(Schema::new(
            ext,
            "Asset",
            "",
            vec![Attribute::new("tag", AttributeType::Integer).uniqueness(Uniqueness::Server)],
        ));
        reg.register_resource_type(
            crate::schema::ResourceType::new("Device", "/Devices", "", core)
                .with_extension(ext, false),
        )
        .unwrap();
        let schema = reg.resource_type("Device").unwrap();
        let r = GenericResource::from_json(json!({
            "SERIAL": "Ab", "mac": "Ab", "label": "x", ext: {"tag": 7}
        }))
        .unwrap();
        let got = unique_values(schema, &r);
        let pairs: Vec<(&str, &str)> = got
            .iter()
            .map(|u| (u.attribute.as_str(), u.value.as_str()))
            .collect();
        let ext_tag = format!("{}:tag", ext.to_ascii_lowercase());
        assert_eq!(
            pairs,
            [("serial", "ab"), ("mac", "Ab"), (ext_tag.as_str(), "7")]
        );
        let none = GenericResource::from_json(json!({"serial": null})).unwrap();
        assert!(unique_values(schema, &none).is_empty());
    }
}
