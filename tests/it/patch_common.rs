//! Shared helpers of the PATCH tests: the RFC 7643 §8 example resources and one-call
//! decode-and-apply.

use scimitar::patch::{PatchLimits, PatchOutcome, PatchRequest};
use scimitar::schema::ResourceSchema;
use scimitar::{Compat, Error};
use serde_json::Value;

pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// One of tests/data/rfc7643/*.json.
pub fn rfc_example(name: &str) -> Value {
    let path = format!(
        "{}/tests/data/rfc7643/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

pub fn full_user() -> Value {
    rfc_example("full_user")
}
pub fn minimal_user() -> Value {
    rfc_example("minimal_user")
}
pub fn enterprise_user() -> Value {
    rfc_example("enterprise_user")
}
pub fn group() -> Value {
    rfc_example("group")
}

/// The resource type a resource's `schemas` names.
pub fn schema_of(resource: &Value) -> ResourceSchema {
    let is_group = resource["schemas"].as_array().is_some_and(|a| {
        a.iter()
            .any(|s| s.as_str().unwrap_or("").ends_with(":Group"))
    });
    if is_group {
        ResourceSchema::group()
    } else {
        ResourceSchema::user()
    }
}

/// Decodes `body` (bytes of a PatchOp message) under `compat` and applies it; on error the
/// resource must be unchanged, which this checks.
pub fn apply_with(
    resource: &mut Value,
    body: &Value,
    compat: &Compat,
) -> Result<PatchOutcome, Error> {
    let bytes = serde_json::to_vec(body).unwrap();
    let req = PatchRequest::from_slice(&bytes, compat, &PatchLimits::default())?;
    let schema = schema_of(resource);
    let before = serde_json::to_string(resource).unwrap();
    let r = req.apply(resource, &schema);
    if r.is_err() {
        assert_eq!(
            serde_json::to_string(resource).unwrap(),
            before,
            "failed PATCH changed the resource"
        );
    }
    r
}

/// [`apply_with`] under the default (lenient) [`Compat`].
pub fn apply(resource: &mut Value, body: &Value) -> Result<PatchOutcome, Error> {
    apply_with(resource, body, &Compat::default())
}

/// A PatchOp message with these operations.
pub fn ops(operations: Value) -> Value {
    serde_json::json!({"schemas": [PATCH_OP], "Operations": operations})
}
