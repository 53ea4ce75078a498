//! A custom resource type the example servers serve beside Users and Groups: `Device` at
//! `/Devices` ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6)), registered at
//! run time with its core schema ([§7](https://www.rfc-editor.org/rfc/rfc7643#section-7)). It
//! is listed in `/ResourceTypes` and `/Schemas`, answers GET, POST, PUT, PATCH, DELETE and
//! `/.search` like `/Users`, and is stored in the same store (SQLite, PostgreSQL or memory).
//!
//! ```sh
//! curl -s -X POST -H "Authorization: Bearer $SCIM_KEY" -H 'Content-Type: application/scim+json' \
//!      -d '{"schemas":["urn:example:params:scim:schemas:core:2.0:Device"],"serialNumber":"SN-1"}' \
//!      http://127.0.0.1:8080/scim/v2/Devices
//! ```

use scimitar::schema::{Attribute, AttributeType, ResourceType, Schema, Uniqueness};
use scimitar::server::ServerBuilder;

/// The Device core schema URN.
pub const DEVICE_SCHEMA: &str = "urn:example:params:scim:schemas:core:2.0:Device";

/// Registers the `Device` type: a required `serialNumber` unique per tenant, a display name, a
/// model and tags.
pub fn register(builder: ServerBuilder) -> ServerBuilder {
    let schema = Schema::new(
        DEVICE_SCHEMA,
        "Device",
        "A device managed for a user",
        vec![
            Attribute::new("serialNumber", AttributeType::String)
                .required(true)
                .uniqueness(Uniqueness::Server)
                .description("The manufacturer's serial number"),
            Attribute::new("displayName", AttributeType::String),
            Attribute::new("model", AttributeType::String),
            Attribute::new("tags", AttributeType::String).multi_valued(true),
        ],
    );
    builder.resource_type(
        schema,
        ResourceType::new("Device", "/Devices", "Managed devices", DEVICE_SCHEMA),
    )
}
