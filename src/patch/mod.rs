//! The PATCH engine ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)):
//! decoding a PatchOp message leniently ([`Compat`](crate::Compat)), applying it to a resource
//! all-or-nothing under the resource type's schema, and turning a Group PATCH into a member
//! delta a backend can apply without reading the member list.
//!
//! - [`PatchRequest::from_slice`] decodes and bounds the request ([`PatchLimits`]).
//! - [`PatchRequest::apply`] applies it to a resource's JSON: path-less values (with Entra's
//!   dotted and URN keys), attribute, sub-attribute and extension-URN paths, value-filter paths
//!   (creating the element a filter describes when Entra expects it), multi-valued adds without
//!   duplicates, `primary` kept unique, mutability and types enforced by the schema. Runs of
//!   member adds/removes cost O(members + changes).
//!
//! ```
//! use scimitar::patch::{PatchLimits, PatchRequest};
//! use scimitar::schema::ResourceSchema;
//! use scimitar::Compat;
//! use serde_json::json;
//!
//! // What Microsoft Entra ID sends to update a user
//! let body = br#"{
//!   "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!   "Operations": [
//!     {"op": "Replace", "path": "active", "value": "False"},
//!     {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "adele@contoso.com"},
//!     {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
//!      "value": "26118915-6090-4610-87e4-49d8ca9f808d"}
//!   ]
//! }"#;
//! let patch = PatchRequest::from_slice(body, &Compat::default(), &PatchLimits::default())?;
//! let mut user = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "id": "2819c223", "userName": "adele@contoso.com", "active": true
//! });
//! let outcome = patch.apply(&mut user, &ResourceSchema::user())?;
//! assert!(outcome.changed);
//! assert_eq!(user["active"], json!(false));
//! assert_eq!(user["emails"], json!([{"type": "work", "value": "adele@contoso.com"}]));
//! let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
//! assert_eq!(user[enterprise]["manager"]["value"], "26118915-6090-4610-87e4-49d8ca9f808d");
//! assert_eq!(user["schemas"][1], enterprise);
//!
//! // All or nothing: a failing operation leaves the resource untouched.
//! let bad = PatchRequest::from_slice(
//!     br#"{"Operations": [{"op": "replace", "path": "displayName", "value": "X"},
//!                          {"op": "replace", "path": "id", "value": "other"}]}"#,
//!     &Compat::default(),
//!     &PatchLimits::default(),
//! )?;
//! let before = user.clone();
//! let err = bad.apply(&mut user, &ResourceSchema::user()).unwrap_err();
//! assert_eq!(err.scim_type(), Some(scimitar::ScimType::Mutability));
//! assert_eq!(user, before);
//! # Ok::<(), scimitar::Error>(())
//! ```

mod apply;
mod complex;
mod decode;
mod extension;
mod filtered;
mod members;
mod multi;
mod op;
mod path;
mod pathless;
mod request;
mod select;
mod target;
mod tx;
mod value;

pub use members::{GroupPatch, MemberChange, MemberRef};
pub use op::{OpKind, PatchOperation};
pub use path::PatchPath;
pub use request::{PATCH_OP_SCHEMA, PatchLimits, PatchOutcome, PatchRequest};
