//! Decoding a `BulkRequest` ([RFC 7644 §3.7](https://www.rfc-editor.org/rfc/rfc7644#section-3.7)):
//! the envelope (`schemas`, `failOnErrors`, `Operations`) and the shape of each operation
//! (`method`, `bulkId`, `version`, `path`, `data`). What an operation's `data` means is left to
//! the resource endpoint that runs it.
//!
//! A malformed envelope or operation fails the whole request with 400 before anything runs
//! (`invalidSyntax` for a missing or mistyped member, `invalidValue` for a bad value); more
//! operations than [`Limits::max_bulk_operations`] is 413 (RFC 7644 §3.7.4).
//!
//! Member names are matched case-insensitively (`operations` is read as `Operations`), and a
//! POST without `bulkId` is accepted (the RFC requires one, but nothing is lost without it:
//! no other operation can refer to that resource, and its result is still reported in
//! request order).

use crate::Error;
use crate::schema::names::{get_ci, remove_ci};
use crate::server::Limits;
use http::Method;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The `BulkRequest` message URN.
pub(super) const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// The longest `bulkId` accepted, in bytes.
pub(super) const MAX_BULK_ID_LEN: usize = 256;

/// The method of one bulk operation: POST, PUT, PATCH or DELETE (RFC 7644 §3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BulkMethod {
    Post,
    Put,
    Patch,
    Delete,
}

impl BulkMethod {
    fn parse(s: &str) -> Option<Self> {
        [
            ("POST", BulkMethod::Post),
            ("PUT", BulkMethod::Put),
            ("PATCH", BulkMethod::Patch),
            ("DELETE", BulkMethod::Delete),
        ]
        .into_iter()
        .find(|(name, _)| s.eq_ignore_ascii_case(name))
        .map(|(_, m)| m)
    }

    /// The wire name, as the response echoes it.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            BulkMethod::Post => "POST",
            BulkMethod::Put => "PUT",
            BulkMethod::Patch => "PATCH",
            BulkMethod::Delete => "DELETE",
        }
    }

    /// The HTTP method the operation is run as.
    pub(super) fn http(self) -> Method {
        match self {
            BulkMethod::Post => Method::POST,
            BulkMethod::Put => Method::PUT,
            BulkMethod::Patch => Method::PATCH,
            BulkMethod::Delete => Method::DELETE,
        }
    }
}

/// One operation of a bulk request.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Operation {
    pub(super) method: BulkMethod,
    /// The client's transient id of the resource a POST creates.
    pub(super) bulk_id: Option<String>,
    /// `If-Match` for PUT, PATCH and DELETE.
    pub(super) version: Option<String>,
    /// `/Users` for a POST, `/Users/{id}` (or `/Users/bulkId:{bulkId}`) otherwise.
    pub(super) path: String,
    /// The body of a POST, PUT or PATCH.
    pub(super) data: Option<Value>,
}

/// A decoded bulk request.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct BulkRequest {
    /// Stop after this many failed operations (`None`: run them all).
    pub(super) fail_on_errors: Option<usize>,
    pub(super) operations: Vec<Operation>,
}

impl BulkRequest {
    /// Decodes a parsed request body.
    pub(super) fn decode(body: Value, limits: &Limits) -> Result<Self, Error> {
        let Value::Object(mut map) = body else {
            return Err(Error::invalid_syntax(
                "a bulk request is a JSON object with `schemas` and `Operations`",
            ));
        };
        check_schemas(&map)?;
        let fail_on_errors = match remove_ci(&mut map, "failOnErrors") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .filter(|n| *n >= 1)
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        Error::invalid_value("failOnErrors must be an integer of at least 1")
                    })?,
            ),
        };
        let ops = match remove_ci(&mut map, "Operations") {
            Some(Value::Array(ops)) => ops,
            Some(_) => return Err(Error::invalid_syntax("`Operations` must be an array")),
            None => {
                return Err(Error::invalid_syntax(
                    "a bulk request needs an `Operations` array",
                ));
            }
        };
        limits.check_bulk_operations(ops.len())?;
        let operations = ops
            .into_iter()
            .enumerate()
            .map(|(i, op)| Operation::decode(i, op))
            .collect::<Result<Vec<_>, _>>()?;
        check_unique_bulk_ids(&operations)?;
        Ok(BulkRequest {
            fail_on_errors,
            operations,
        })
    }
}

impl Operation {
    fn decode(i: usize, op: Value) -> Result<Self, Error> {
        let Value::Object(mut map) = op else {
            return Err(Error::invalid_syntax(format!(
                "Operations[{i}] is not an object"
            )));
        };
        let method = match string(&mut map, i, "method")? {
            Some(m) => BulkMethod::parse(&m).ok_or_else(|| {
                Error::invalid_value(format!(
                    "Operations[{i}].method {:?} is not POST, PUT, PATCH or DELETE",
                    shown(&m)
                ))
            })?,
            None => {
                return Err(Error::invalid_syntax(format!(
                    "Operations[{i}] has no `method`"
                )));
            }
        };
        let path = string(&mut map, i, "path")?
            .ok_or_else(|| Error::invalid_syntax(format!("Operations[{i}] has no `path`")))?;
        let bulk_id = string(&mut map, i, "bulkId")?;
        if let Some(id) = &bulk_id
            && (id.is_empty() || id.len() > MAX_BULK_ID_LEN || id.chars().any(char::is_control))
        {
            return Err(Error::invalid_value(format!(
                "Operations[{i}].bulkId must be 1 to {MAX_BULK_ID_LEN} bytes without \
                     control characters"
            )));
        }
        let version = string(&mut map, i, "version")?;
        let data = match remove_ci(&mut map, "data") {
            None | Some(Value::Null) => None,
            Some(d) => Some(d),
        };
        if data.is_none() && method != BulkMethod::Delete {
            return Err(Error::invalid_syntax(format!(
                "Operations[{i}] ({}) has no `data`",
                method.as_str()
            )));
        }
        Ok(Operation {
            method,
            bulk_id,
            version,
            path,
            data,
        })
    }
}

/// `schemas`, when given, must name the BulkRequest message.
fn check_schemas(map: &Map<String, Value>) -> Result<(), Error> {
    let Some(schemas) = get_ci(map, "schemas") else {
        return Ok(());
    };
    let ok = schemas.as_array().is_some_and(|a| {
        a.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(BULK_REQUEST))
        })
    });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_value(format!(
            "`schemas` must hold {BULK_REQUEST}"
        )))
    }
}

/// Each POST `bulkId` names one operation (RFC 7644 §3.7: "unique within a bulk request").
fn check_unique_bulk_ids(ops: &[Operation]) -> Result<(), Error> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        if let Some(id) = &op.bulk_id
            && let Some(first) = seen.insert(id.as_str(), i)
        {
            return Err(Error::invalid_value(format!(
                "bulkId {:?} is used by Operations[{first}] and Operations[{i}]; a bulkId \
                     must be unique within a bulk request",
                shown(id)
            )));
        }
    }
    Ok(())
}

/// A string member of operation `i` (absent or null: `None`; another type: 400).
fn string(map: &mut Map<String, Value>, i: usize, name: &str) -> Result<Option<String>, Error> {
    match remove_ci(map, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::invalid_syntax(format!(
            "Operations[{i}].{name} must be a string"
        ))),
    }
}

/// A bounded prefix of client text for an error detail.
pub(super) fn shown(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScimType;
    use serde_json::json;

    fn decode(v: Value) -> Result<BulkRequest, Error> {
        BulkRequest::decode(v, &Limits::default())
    }

    #[test]
    fn decodes_the_rfc_shape() {
        let r = decode(json!({
            "schemas": [BULK_REQUEST],
            "failOnErrors": 1,
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "qwerty", "data": {"userName": "Alice"}},
                {"method": "delete", "path": "/Users/1", "version": "W/\"1\""}
            ]
        }))
        .unwrap();
        assert_eq!(r.fail_on_errors, Some(1));
        assert_eq!(r.operations.len(), 2);
        let op = r.operations.first().unwrap();
        assert_eq!(
            (op.method, op.bulk_id.as_deref()),
            (BulkMethod::Post, Some("qwerty"))
        );
        let op = r.operations.get(1).unwrap();
        assert_eq!(op.method, BulkMethod::Delete);
        assert_eq!(op.version.as_deref(), Some("W/\"1\""));
        assert!(op.data.is_none());
    }

    #[test]
    fn malformed_requests_are_400() {
        let cases = [
            (json!([]), ScimType::InvalidSyntax),
            (json!({"schemas": [BULK_REQUEST]}), ScimType::InvalidSyntax),
            (json!({"Operations": {}}), ScimType::InvalidSyntax),
            (
                json!({"schemas": ["urn:x"], "Operations": []}),
                ScimType::InvalidValue,
            ),
            (
                json!({"failOnErrors": 0, "Operations": []}),
                ScimType::InvalidValue,
            ),
            (
                json!({"failOnErrors": "1", "Operations": []}),
                ScimType::InvalidValue,
            ),
            (json!({"Operations": [1]}), ScimType::InvalidSyntax),
            (
                json!({"Operations": [{"path": "/Users", "data": {}}]}),
                ScimType::InvalidSyntax,
            ),
            (
                json!({"Operations": [{"method": "POST", "data": {}}]}),
                ScimType::InvalidSyntax,
            ),
            (
                json!({"Operations": [{"method": "GET", "path": "/Users"}]}),
                ScimType::InvalidValue,
            ),
            (
                json!({"Operations": [{"method": 1, "path": "/Users"}]}),
                ScimType::InvalidSyntax,
            ),
            (
                json!({"Operations": [{"method": "POST", "path": "/Users"}]}),
                ScimType::InvalidSyntax,
            ),
            (
                json!({"Operations": [{"method": "POST", "path": "/Users", "bulkId": 7, "data": {}}]}),
                ScimType::InvalidSyntax,
            ),
            (
                json!({"Operations": [{"method": "POST", "path": "/Users", "bulkId": "", "data": {}}]}),
                ScimType::InvalidValue,
            ),
            (
                json!({"Operations": [
                    {"method": "POST", "path": "/Users", "bulkId": "a", "data": {}},
                    {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {}}
                ]}),
                ScimType::InvalidValue,
            ),
        ];
        for (body, want) in cases {
            let e = decode(body.clone()).unwrap_err();
            assert_eq!(
                (e.status().as_u16(), e.scim_type()),
                (400, Some(want)),
                "{body}"
            );
        }
    }

    #[test]
    fn too_many_operations_is_413() {
        let ops: Vec<Value> = (0..3)
            .map(|_| json!({"method": "DELETE", "path": "/Users/x"}))
            .collect();
        let limits = Limits::default().with_max_bulk_operations(2);
        let e = BulkRequest::decode(json!({"Operations": ops}), &limits).unwrap_err();
        assert_eq!(e.status(), 413);
        assert!(e.detail().contains("maxOperations (2)"));
    }
}
