//! Resource types ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6)).

use super::definition::location;
use super::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
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

    /// The `User` resource type of [RFC 7643 §8.6](https://www.rfc-editor.org/rfc/rfc7643#section-8.6):
    /// endpoint `/Users`, schema User, with the Enterprise User extension (not required).
    pub fn user() -> Self {
        ResourceType::new("User", "/Users", "User Account", USER_SCHEMA)
            .with_extension(ENTERPRISE_USER_SCHEMA, false)
    }

    /// The `Group` resource type of [RFC 7643 §8.6](https://www.rfc-editor.org/rfc/rfc7643#section-8.6):
    /// endpoint `/Groups`, schema Group, no extensions.
    pub fn group() -> Self {
        ResourceType::new("Group", "/Groups", "Group", GROUP_SCHEMA)
    }

    /// The extension with this schema URI (case-insensitive), if the type declares it.
    pub fn extension(&self, schema: &str) -> Option<&SchemaExtension> {
        self.schema_extensions
            .iter()
            .find(|e| e.schema.eq_ignore_ascii_case(schema))
    }

    /// The resource type as `/ResourceTypes` serves it
    /// ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6),
    /// [§8.6](https://www.rfc-editor.org/rfc/rfc7643#section-8.6)): the definition plus
    /// `schemas: [urn:ietf:params:scim:schemas:core:2.0:ResourceType]` and
    /// `meta: {resourceType: "ResourceType", location}`; `location` is
    /// `{base_url}/ResourceTypes/{id}`, or relative without a base URL.
    pub fn to_json(&self, base_url: Option<&str>) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("schemas".into(), serde_json::json!([RESOURCE_TYPE_SCHEMA]));
            map.insert(
                "meta".into(),
                serde_json::json!({
                    "resourceType": "ResourceType",
                    "location": location(base_url, "ResourceTypes", &self.id),
                }),
            );
        }
        value
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_resource_type_serialises_as_rfc7643_8_6() {
        let json = ResourceType::user().to_json(Some("https://example.com/v2/"));
        assert_eq!(
            json,
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": "User",
                "name": "User",
                "endpoint": "/Users",
                "description": "User Account",
                "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
                "schemaExtensions": [{
                    "schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                    "required": false
                }],
                "meta": {
                    "location": "https://example.com/v2/ResourceTypes/User",
                    "resourceType": "ResourceType"
                }
            })
        );
    }

    #[test]
    fn group_resource_type_has_no_extensions() {
        let json = ResourceType::group().to_json(None);
        assert_eq!(json["endpoint"], "/Groups");
        assert!(json.get("schemaExtensions").is_none());
        assert_eq!(json["meta"]["location"], "/ResourceTypes/Group");
        assert!(
            ResourceType::user()
                .extension(&ENTERPRISE_USER_SCHEMA.to_uppercase())
                .is_some()
        );
    }
}
