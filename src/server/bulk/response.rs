//! The `BulkResponse` ([RFC 7644 §3.7.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.3)):
//! for each operation that ran, its `method`, `bulkId`, `location`, `version`, `status` (the
//! HTTP status as a string) and, for a failure, the SCIM Error as `response`.

use super::request::{BulkMethod, Operation};
use crate::Error;
use http::StatusCode;
use serde_json::{Map, Value};

/// The `BulkResponse` message URN.
pub(super) const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// The outcome of one operation.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct OpResult {
    pub(super) method: BulkMethod,
    pub(super) bulk_id: Option<String>,
    /// The URL of the resource (for a POST, of the one created).
    pub(super) location: Option<String>,
    /// The resource's version after the operation (its `ETag`).
    pub(super) version: Option<String>,
    pub(super) status: StatusCode,
    /// The SCIM Error of a failed operation.
    pub(super) response: Option<Value>,
    /// The id of the resource a POST created.
    pub(super) created_id: Option<String>,
}

impl OpResult {
    /// An operation that failed before it reached a resource endpoint.
    pub(super) fn failed(op: &Operation, e: &Error) -> Self {
        let mut r = Self::failed_as(op.method, e);
        r.bulk_id.clone_from(&op.bulk_id);
        r
    }

    /// A failure of an operation with this method.
    pub(super) fn failed_as(method: BulkMethod, e: &Error) -> Self {
        OpResult {
            method,
            bulk_id: None,
            location: None,
            version: None,
            status: e.status(),
            response: Some(e.to_json()),
            created_id: None,
        }
    }

    /// Whether the operation failed (4xx or 5xx).
    pub(super) fn is_error(&self) -> bool {
        self.status.is_client_error() || self.status.is_server_error()
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("method".into(), self.method.as_str().into());
        if let Some(id) = &self.bulk_id {
            m.insert("bulkId".into(), id.clone().into());
        }
        if let Some(v) = &self.version {
            m.insert("version".into(), v.clone().into());
        }
        if let Some(l) = &self.location {
            m.insert("location".into(), l.clone().into());
        }
        m.insert("status".into(), self.status.as_u16().to_string().into());
        if let Some(r) = &self.response {
            m.insert("response".into(), r.clone());
        }
        Value::Object(m)
    }
}

/// The response body for these results.
pub(super) fn bulk_response(results: &[OpResult]) -> Value {
    let mut m = Map::new();
    m.insert(
        "schemas".into(),
        Value::Array(vec![Value::String(BULK_RESPONSE.into())]),
    );
    m.insert(
        "Operations".into(),
        Value::Array(results.iter().map(OpResult::to_json).collect()),
    );
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shape_of_a_success_and_a_failure() {
        let ok = OpResult {
            method: BulkMethod::Post,
            bulk_id: Some("qwerty".into()),
            location: Some("https://example.com/v2/Users/92b725cd9465".into()),
            version: Some("W/\"oY4m4wn58tkVjJxK\"".into()),
            status: StatusCode::CREATED,
            response: None,
            created_id: Some("92b725cd9465".into()),
        };
        let bad = OpResult::failed_as(BulkMethod::Delete, &Error::not_found("no such user"));
        let v = bulk_response(&[ok, bad]);
        assert_eq!(
            v,
            json!({
                "schemas": [BULK_RESPONSE],
                "Operations": [
                    {
                        "method": "POST",
                        "bulkId": "qwerty",
                        "version": "W/\"oY4m4wn58tkVjJxK\"",
                        "location": "https://example.com/v2/Users/92b725cd9465",
                        "status": "201"
                    },
                    {
                        "method": "DELETE",
                        "status": "404",
                        "response": {
                            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                            "status": "404",
                            "detail": "no such user"
                        }
                    }
                ]
            })
        );
    }
}
