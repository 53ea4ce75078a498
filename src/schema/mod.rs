//! The SCIM schema model ([RFC 7643](https://www.rfc-editor.org/rfc/rfc7643)): attribute
//! definitions and characteristics, schemas, resource types, and the RFC 7643 §8.7 schemas as data.
//!
//! - [`Attribute`] and [`Schema`]: definitions with every §2.2 characteristic, serialised as
//!   `/Schemas` serves them ([`Schema::to_json`] adds `schemas` and `meta`).
//! - [`user_schema`], [`group_schema`], [`enterprise_user_schema`] and the §8.7.2 discovery
//!   schemas: the RFC's own definitions, parsed once from embedded JSON (the few places where
//!   the RFC's §8.7 text contradicts its normative text are listed in the `rfc` module
//!   source); [`common_attributes`]: `id`, `externalId`, `meta` (§3.1).
//! - [`ResourceType`] (§6) and [`ResourceSchema`], a resource type with its schemas, which
//!   resolves attribute paths case-insensitively, with or without a schema URN (extension URNs
//!   with dots included), and classifies a resource's top-level keys ([`TopLevel`]).
//! - [`SchemaRegistry`]: what a service provider serves; the RFC User (+ Enterprise) and Group
//!   types by default, custom schemas, extensions and resource types added at run time.

mod attribute;
pub(crate) mod binary;
mod definition;
pub(crate) mod names;
mod registry;
mod resolve;
mod resource_type;
mod rfc;
pub(crate) mod spelling;

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
