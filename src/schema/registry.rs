//! The registry of schemas and resource types a service provider serves
//! ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6),
//! [§7](https://www.rfc-editor.org/rfc/rfc7643#section-7);
//! [RFC 7644 §4](https://www.rfc-editor.org/rfc/rfc7644#section-4)).

use super::rfc::rfc_schemas;
use super::{ResourceSchema, ResourceType, Schema};
use crate::Error;
use std::sync::Arc;

/// The schemas and resource types of one service provider: what `/Schemas` and
/// `/ResourceTypes` list, and, per resource type, the [`ResourceSchema`] that resolves paths
/// in its resources ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6),
/// [§7](https://www.rfc-editor.org/rfc/rfc7643#section-7)).
///
/// [`SchemaRegistry::default`] (the same as [`SchemaRegistry::rfc`]) holds the User resource
/// type (with the Enterprise User extension, not required) and the Group resource type of
/// RFC 7643 §8.6. Custom schemas, extensions and resource types are added at run time; every
/// lookup (schema id, resource type name, endpoint) is case-insensitive. The per-type
/// [`ResourceSchema`] is built when the registry changes and handed out as an `Arc`, so a
/// request pays for one reference count, not for a resolution table. The registration methods
/// take `&mut self`: register at start-up, or change a clone and swap it in (the registry is
/// cheap to clone: schemas and resolvers are shared).
///
/// ```
/// use scimitar::AttrPath;
/// use scimitar::schema::{Attribute, AttributeType, Schema, SchemaRegistry};
///
/// let badge = "urn:example:scim:schemas:extension:badge:1.0:User";
/// let mut registry = SchemaRegistry::default();
/// registry.register_schema(Schema::new(badge, "Badge", "Door badges",
///     vec![Attribute::new("number", AttributeType::Integer).required(true)]));
/// registry.add_extension("User", badge, false)?;
///
/// let users = registry.by_endpoint("/Users").expect("registered");
/// let path = AttrPath::parse("urn:example:scim:schemas:extension:badge:1.0:User:NUMBER")?;
/// let number = users.resolve_attr(&path).expect("resolves");
/// assert!(number.in_extension && number.leaf().required);
/// # Ok::<(), scimitar::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SchemaRegistry {
    schemas: Vec<Arc<Schema>>,
    types: Vec<Arc<ResourceSchema>>,
}

impl Default for SchemaRegistry {
    fn default() -> Self {
        Self::rfc()
    }
}

impl SchemaRegistry {
    /// A registry with no schemas and no resource types.
    pub fn empty() -> Self {
        SchemaRegistry {
            schemas: Vec::new(),
            types: Vec::new(),
        }
    }

    /// The RFC 7643 registry: the User, Group and Enterprise User schemas (§8.7.1), the
    /// schemas of the discovery resources ServiceProviderConfig, ResourceType and Schema
    /// (§8.7.2, so that `/Schemas` describes everything the server returns), and the `User`
    /// (`/Users`, Enterprise extension optional) and `Group` (`/Groups`) resource types
    /// ([RFC 7643 §8.6](https://www.rfc-editor.org/rfc/rfc7643#section-8.6),
    /// [§8.7](https://www.rfc-editor.org/rfc/rfc7643#section-8.7)).
    pub fn rfc() -> Self {
        SchemaRegistry {
            schemas: rfc_schemas().into_iter().map(Arc::clone).collect(),
            types: vec![
                Arc::new(ResourceSchema::user()),
                Arc::new(ResourceSchema::group()),
            ],
        }
    }

    /// Adds a schema (a resource type's core schema or an extension). A schema with the same
    /// id (case-insensitive) is replaced, and every resource type using it sees the new one.
    pub fn register_schema(&mut self, schema: impl Into<Arc<Schema>>) -> &mut Self {
        let schema = schema.into();
        match self
            .schemas
            .iter_mut()
            .find(|s| s.id.eq_ignore_ascii_case(&schema.id))
        {
            Some(slot) => *slot = schema,
            None => self.schemas.push(schema),
        }
        self.rebuild();
        self
    }

    /// Adds a resource type ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6)).
    /// Its core schema and every extension it lists must be registered first; its endpoint
    /// must be one path segment (`/Devices`) that is not an endpoint of RFC 7644 §3.2
    /// (`/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`, `/Bulk`, `/Me`, `/.search`);
    /// and its name and endpoint must not be taken by another type (case-insensitive);
    /// otherwise an `invalidValue` error says which. A [`ScimServer`](crate::server::ScimServer)
    /// built with the registry serves the type at its endpoint, stored by the backend's
    /// `*_resource` methods.
    pub fn register_resource_type(&mut self, resource_type: ResourceType) -> Result<(), Error> {
        check_endpoint(&resource_type.endpoint)?;
        if let Some(other) = self.types.iter().find(|t| {
            let t = t.resource_type();
            t.name.eq_ignore_ascii_case(&resource_type.name)
                || same_endpoint(&t.endpoint, &resource_type.endpoint)
        }) {
            return Err(Error::invalid_value(format!(
                "resource type {} ({}) clashes with the registered {} ({})",
                resource_type.name,
                resource_type.endpoint,
                other.resource_type().name,
                other.resource_type().endpoint
            )));
        }
        let built = self.build(resource_type)?;
        self.types.push(Arc::new(built));
        Ok(())
    }

    /// Adds (or updates the `required` flag of) an extension of a registered resource type
    /// ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6), `schemaExtensions`).
    /// The extension schema must be registered.
    pub fn add_extension(
        &mut self,
        resource_type: &str,
        schema_uri: &str,
        required: bool,
    ) -> Result<(), Error> {
        let index = self
            .types
            .iter()
            .position(|t| t.resource_type().name.eq_ignore_ascii_case(resource_type))
            .ok_or_else(|| {
                Error::invalid_value(format!("no resource type named {resource_type}"))
            })?;
        let schema = self.schema(schema_uri).ok_or_else(|| {
            Error::invalid_value(format!("schema {schema_uri} is not registered"))
        })?;
        let schema_id = schema.id.clone();
        let Some(current) = self.types.get(index) else {
            return Err(Error::invalid_value(format!(
                "no resource type named {resource_type}"
            )));
        };
        let mut rt = current.resource_type().clone();
        match rt
            .schema_extensions
            .iter_mut()
            .find(|e| e.schema.eq_ignore_ascii_case(&schema_id))
        {
            Some(ext) => ext.required = required,
            None => rt = rt.with_extension(schema_id, required),
        }
        let built = self.build(rt)?;
        if let Some(slot) = self.types.get_mut(index) {
            *slot = Arc::new(built);
        }
        Ok(())
    }

    /// The schema with this id (case-insensitive).
    pub fn schema(&self, id: &str) -> Option<&Arc<Schema>> {
        self.schemas.iter().find(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// Every registered schema, in registration order (what `/Schemas` lists).
    pub fn schemas(&self) -> impl ExactSizeIterator<Item = &Arc<Schema>> {
        self.schemas.iter()
    }

    /// Every resource type's resolver, in registration order (what `/ResourceTypes` lists).
    pub fn resource_types(&self) -> impl ExactSizeIterator<Item = &Arc<ResourceSchema>> {
        self.types.iter()
    }

    /// The resource type called `name` (case-insensitive, e.g. `User`).
    pub fn resource_type(&self, name: &str) -> Option<&Arc<ResourceSchema>> {
        self.types
            .iter()
            .find(|t| t.resource_type().name.eq_ignore_ascii_case(name))
    }

    /// The resource type served at `endpoint` (case-insensitive; with or without leading and
    /// trailing `/`, e.g. `/Users`, `users` or `/Users/`).
    pub fn by_endpoint(&self, endpoint: &str) -> Option<&Arc<ResourceSchema>> {
        self.types
            .iter()
            .find(|t| same_endpoint(&t.resource_type().endpoint, endpoint))
    }

    /// The resource type whose core schema is `schema_id` (case-insensitive).
    pub fn by_core_schema(&self, schema_id: &str) -> Option<&Arc<ResourceSchema>> {
        self.types
            .iter()
            .find(|t| t.core().id.eq_ignore_ascii_case(schema_id))
    }

    fn build(&self, resource_type: ResourceType) -> Result<ResourceSchema, Error> {
        let core = self
            .schema(&resource_type.schema)
            .ok_or_else(|| {
                Error::invalid_value(format!(
                    "resource type {}: schema {} is not registered",
                    resource_type.name, resource_type.schema
                ))
            })
            .map(Arc::clone)?;
        let mut extensions = Vec::with_capacity(resource_type.schema_extensions.len());
        for ext in &resource_type.schema_extensions {
            let schema = self.schema(&ext.schema).ok_or_else(|| {
                Error::invalid_value(format!(
                    "resource type {}: extension schema {} is not registered",
                    resource_type.name, ext.schema
                ))
            })?;
            extensions.push(Arc::clone(schema));
        }
        Ok(ResourceSchema::new(resource_type, core, extensions))
    }

    /// Rebuilds every resolver after a schema changed; a type whose schema vanished keeps its
    /// previous resolver (schemas are only added or replaced, never removed).
    fn rebuild(&mut self) {
        let rebuilt: Vec<Arc<ResourceSchema>> = self
            .types
            .iter()
            .map(|t| match self.build(t.resource_type().clone()) {
                Ok(built) => Arc::new(built),
                Err(_) => Arc::clone(t),
            })
            .collect();
        self.types = rebuilt;
    }
}

/// The endpoints RFC 7644 §3.2 reserves, which no resource type may take.
const RESERVED: &[&str] = &[
    "ServiceProviderConfig",
    "ResourceTypes",
    "Schemas",
    "Bulk",
    "Me",
    ".search",
];

fn check_endpoint(endpoint: &str) -> Result<(), Error> {
    let seg = endpoint.trim_matches('/');
    let plain = !seg.is_empty()
        && !seg.contains('/')
        && seg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'));
    if !plain {
        return Err(Error::invalid_value(format!(
            "resource type endpoint {endpoint:?} must be one path segment such as \"/Devices\""
        )));
    }
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(seg)) {
        return Err(Error::invalid_value(format!(
            "resource type endpoint {endpoint:?} is reserved by RFC 7644 §3.2"
        )));
    }
    Ok(())
}

fn same_endpoint(a: &str, b: &str) -> bool {
    a.trim_matches('/')
        .eq_ignore_ascii_case(b.trim_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::AttrPath;
    use crate::schema::{Attribute, AttributeType, GROUP_SCHEMA, Resolved, USER_SCHEMA};

    const BADGE: &str = "urn:example:params:scim:schemas:extension:badge:1.0:User";

    fn badge_schema() -> Schema {
        Schema::new(
            BADGE,
            "Badge",
            "Door badges",
            vec![Attribute::new("badgeNumber", AttributeType::Integer)],
        )
    }

    #[test]
    fn rfc_registry_has_users_and_groups() {
        let reg = SchemaRegistry::default();
        assert_eq!(reg.schemas().len(), 6);
        assert!(
            reg.schema("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig")
                .is_some()
        );
        assert!(
            reg.by_core_schema("urn:ietf:params:scim:schemas:core:2.0:Schema")
                .is_none()
        );
        assert_eq!(reg.resource_types().len(), 2);
        assert_eq!(reg.by_endpoint("users").unwrap().core().id, USER_SCHEMA);
        assert_eq!(reg.by_endpoint("/GROUPS/").unwrap().core().id, GROUP_SCHEMA);
        assert_eq!(
            reg.resource_type("user").unwrap().resource_type().endpoint,
            "/Users"
        );
        assert!(reg.by_core_schema(&GROUP_SCHEMA.to_uppercase()).is_some());
        assert!(reg.by_endpoint("/Devices").is_none());
    }

    #[test]
    fn extension_registered_at_run_time_resolves() {
        let mut reg = SchemaRegistry::rfc();
        assert!(reg.add_extension("User", BADGE, false).is_err());
        reg.register_schema(badge_schema());
        reg.add_extension("user", &BADGE.to_uppercase(), true)
            .unwrap();
        let users = reg.resource_type("User").unwrap();
        assert!(users.resource_type().extension(BADGE).unwrap().required);
        let p = AttrPath::new("BADGENUMBER").with_urn(BADGE.to_ascii_lowercase());
        let a = users.resolve_attr(&p).unwrap();
        assert!(a.in_extension);
        assert_eq!(a.schema.id, BADGE);
        // the extension URN alone names the whole extension object
        let (urn, name) = BADGE.rsplit_once(':').unwrap();
        let whole = AttrPath::new(name).with_urn(urn);
        assert!(matches!(users.resolve(&whole), Some(Resolved::Extension(s)) if s.id == BADGE));
        // the enterprise extension is still there
        assert_eq!(users.extensions().count(), 2);
        // updating `required` does not duplicate the extension
        reg.add_extension("User", BADGE, false).unwrap();
        let users = reg.resource_type("User").unwrap();
        assert_eq!(users.extensions().count(), 2);
        assert!(!users.resource_type().extension(BADGE).unwrap().required);
    }

    #[test]
    fn custom_resource_type_needs_its_schemas_and_a_free_endpoint() {
        let mut reg = SchemaRegistry::rfc();
        let device_schema = "urn:example:scim:schemas:core:1.0:Device";
        let rt = ResourceType::new("Device", "/Devices", "Devices", device_schema);
        assert!(reg.register_resource_type(rt.clone()).is_err());
        reg.register_schema(Schema::new(
            device_schema,
            "Device",
            "",
            vec![Attribute::new("serial", AttributeType::String).required(true)],
        ));
        reg.register_resource_type(rt).unwrap();
        let devices = reg.by_endpoint("devices").unwrap();
        assert!(devices.resolve_attr(&AttrPath::new("SERIAL")).is_some());
        // common attributes resolve in custom types too
        assert!(devices.resolve_attr(&AttrPath::new("id")).is_some());
        let clash = ResourceType::new("Gadget", "/devices", "", device_schema);
        assert!(reg.register_resource_type(clash).is_err());
        let clash = ResourceType::new("user", "/People", "", device_schema);
        assert!(reg.register_resource_type(clash).is_err());
        for bad in ["/Schemas", "/bulk", "/.search", "", "/a/b", "/a b"] {
            let rt = ResourceType::new("Other", bad, "", device_schema);
            assert!(reg.register_resource_type(rt).is_err(), "{bad}");
        }
    }

    #[test]
    fn replacing_a_schema_updates_the_types_that_use_it() {
        let mut reg = SchemaRegistry::rfc();
        reg.register_schema(badge_schema());
        reg.add_extension("User", BADGE, false).unwrap();
        let mut v2 = badge_schema();
        v2.attributes
            .push(Attribute::new("site", AttributeType::String));
        reg.register_schema(v2);
        assert_eq!(reg.schemas().len(), 7);
        let users = reg.resource_type("User").unwrap();
        let p = AttrPath::new("site").with_urn(BADGE);
        assert!(users.resolve_attr(&p).is_some());
    }
}
