//! Resource types ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6)).

use serde::{Deserialize, Serialize};

/// The URN of the schema that describes resource types (RFC 7643 §6).
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// A schema extension of a resource type, with whether it is required (RFC 7643 §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaExtension {
    /// The extension schema URI.
    pub schema: String,
    /// Whether resources of this type must carry the extension.
    #[serde(default)]
    pub required: bool,
}

/// A resource type: its name, endpoint, core schema and extensions
/// ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceType {
    /// The resource type's id (usually the same as `name`).
    pub id: String,
    /// The name, e.g. `User`.
    pub name: String,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The core schema URI.
    pub schema: String,
    /// The extension schemas.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_extensions: Vec<SchemaExtension>,
}

impl ResourceType {
    /// A resource type with no extensions; `id` is the same as `name`.
    pub fn new(
        name: impl Into<String>,
        endpoint: impl Into<String>,
        description: impl Into<String>,
        schema: impl Into<String>,
    ) -> Self {
        let name = name.into();
        ResourceType {
            id: name.clone(),
            name,
            endpoint: endpoint.into(),
            description: description.into(),
            schema: schema.into(),
            schema_extensions: Vec::new(),
        }
    }

    /// Adds a schema extension.
    pub fn with_extension(mut self, schema: impl Into<String>, required: bool) -> Self {
        self.schema_extensions.push(SchemaExtension {
            schema: schema.into(),
            required,
        });
        self
    }
}
