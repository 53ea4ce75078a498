//! The SCIM schema model ([RFC 7643](https://www.rfc-editor.org/rfc/rfc7643)): attribute
//! definitions and characteristics, schemas, resource types, and the RFC 7643 §8.7 schemas as data.

mod attribute;
mod definition;
mod registry;
mod resolve;
mod resource_type;
mod rfc;

pub use attribute::{Attribute, AttributeType, Mutability, Returned, Uniqueness};
pub use definition::{SCHEMA_SCHEMA, Schema};
pub use registry::SchemaRegistry;
pub use resolve::{Resolved, ResolvedAttr, ResourceSchema, TopLevel};
pub use resource_type::{RESOURCE_TYPE_SCHEMA, ResourceType, SchemaExtension};
pub use rfc::{
    common_attribute, common_attributes, enterprise_user_schema, group_schema,
    resource_type_schema, rfc_schemas, schema_schema, service_provider_config_schema, user_schema,
};

/// The User core schema URN (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The Group core schema URN (RFC 7643 §4.2).
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The Enterprise User extension schema URN (RFC 7643 §4.3).
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
