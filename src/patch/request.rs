//! The PatchOp request message: decoding with [`Compat`] and [`PatchLimits`], and applying it
//! all-or-nothing ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).

use super::PatchPath;
use super::apply::Engine;
use super::decode::{BodySeed, Field, RawBody, RawOp, Schemas};
use super::op::{OpKind, PatchOperation};
use super::tx::Tx;
use crate::compat::Compat;
use crate::error::Error;
use crate::schema::ResourceSchema;
use serde::de::DeserializeSeed;
use serde_json::Value;
use std::borrow::Cow;

/// The URN of the PATCH request message schema
/// ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Bounds on one PATCH request, checked while decoding (`tooMany` when exceeded;
/// [RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatchLimits {
    /// The most operations one request may carry (default 1 000).
    pub max_operations: usize,
    /// The most values one operation may carry: the elements of an array value, or of the
    /// arrays inside a path-less object value (default 10 000).
    pub max_values_per_operation: usize,
}

impl Default for PatchLimits {
    fn default() -> Self {
        PatchLimits {
            max_operations: 1_000,
            max_values_per_operation: 10_000,
        }
    }
}

impl PatchLimits {
    /// Limits with the given bounds.
    pub const fn new(max_operations: usize, max_values_per_operation: usize) -> Self {
        PatchLimits {
            max_operations,
            max_values_per_operation,
        }
    }
}

/// What applying a PATCH did ([RFC 7644 §3.5.2.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.1):
/// a request that changes nothing must not change the resource's `meta.lastModified`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatchOutcome {
    /// Whether the resource changed (a server bumps `meta.version`/`lastModified` only then).
    pub changed: bool,
}

/// A decoded PATCH request: its operations and the [`Compat`] settings they are read under
/// ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    operations: Vec<PatchOperation>,
    compat: Compat,
}

impl PatchRequest {
    /// A request from operations built in code.
    pub fn new(operations: Vec<PatchOperation>, compat: Compat) -> Self {
        PatchRequest { operations, compat }
    }

    /// Decodes a PatchOp message from its JSON bytes. Malformed JSON or structure is
    /// `invalidSyntax`, an unparsable `path` is `invalidPath`, a missing `value` is
    /// `invalidValue`, a request over `limits` is `tooMany`. Values are checked against the
    /// schema later, by [`apply`](Self::apply) or [`group_delta`](Self::group_delta).
    pub fn from_slice(body: &[u8], compat: &Compat, limits: &PatchLimits) -> Result<Self, Error> {
        let seed = BodySeed { compat, limits };
        // A body that is valid UTF-8 as a whole (any well-formed one) is checked in one pass
        // and read as text, instead of each string being checked as it is read; any other
        // is read as bytes exactly as before (same errors, same acceptance).
        let raw = match std::str::from_utf8(body) {
            Ok(text) => read_body(serde_json::Deserializer::from_str(text), seed),
            Err(_) => read_body(serde_json::Deserializer::from_slice(body), seed),
        }
        .map_err(|e| {
            Error::invalid_syntax(format!(
                "the PATCH body is not a valid PatchOp message: {e}"
            ))
        })?;
        Self::from_raw(raw, compat, limits)
    }

    /// Decodes a PatchOp message already parsed as JSON (see [`from_slice`](Self::from_slice)):
    /// the tree is read by the same decoder as the bytes (one decoder, the one the benches
    /// measure), so both accept and refuse exactly the same messages.
    pub fn from_value(body: Value, compat: &Compat, limits: &PatchLimits) -> Result<Self, Error> {
        let raw = BodySeed { compat, limits }.deserialize(body).map_err(|e| {
            Error::invalid_syntax(format!(
                "the PATCH body is not a valid PatchOp message: {e}"
            ))
        })?;
        Self::from_raw(raw, compat, limits)
    }

    fn from_raw(raw: RawBody, compat: &Compat, limits: &PatchLimits) -> Result<Self, Error> {
        check_schemas(raw.schemas, compat)?;
        let ops = match raw.operations {
            Some(ops) if !raw.operations_invalid => ops,
            _ => {
                return Err(Error::invalid_syntax(
                    "a PATCH body needs an \"Operations\" array (RFC 7644 §3.5.2)",
                ));
            }
        };
        if ops.count == 0 {
            return Err(Error::invalid_syntax(
                "\"Operations\" must hold at least one operation (RFC 7644 §3.5.2)",
            ));
        }
        if ops.count > limits.max_operations {
            return Err(Error::too_many(format!(
                "the PATCH request has {} operations; the limit is {}",
                ops.count, limits.max_operations
            )));
        }
        if let Some(e) = ops.error {
            return Err(e);
        }
        Ok(PatchRequest {
            operations: ops.ops,
            compat: *compat,
        })
    }

    /// The operations, in order.
    pub fn operations(&self) -> &[PatchOperation] {
        &self.operations
    }

    /// The compatibility settings the request was decoded under (and is applied under).
    pub fn compat(&self) -> &Compat {
        &self.compat
    }

    /// Applies the operations in order to `resource`, a resource of the type `schema`
    /// describes ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).
    ///
    /// All or nothing: when an operation fails the error is returned and `resource` is left
    /// exactly as it was (the changes already made are undone from a log of what they
    /// displaced; the resource is never copied). Values are type-checked and coerced by the
    /// schema (`invalidValue` naming the path), paths reach only schema-declared attributes
    /// (`invalidPath`), and mutability is enforced (`mutability`).
    pub fn apply(
        &self,
        resource: &mut Value,
        schema: &ResourceSchema,
    ) -> Result<PatchOutcome, Error> {
        let Some(root) = resource.as_object_mut() else {
            return Err(Error::invalid_value(
                "the resource to patch is not a JSON object",
            ));
        };
        let tx = Tx::with_capacity(root, self.operations.len().min(64));
        let mut engine = Engine::new(tx, schema, &self.compat);
        match engine.run(&self.operations) {
            Ok(()) => Ok(PatchOutcome {
                changed: engine.tx.changed(),
            }),
            Err(e) => {
                engine.into_tx().rollback();
                Err(e)
            }
        }
    }
}

/// What `serde_json::from_slice` does, with the settings passed down so that each operation
/// is decoded as soon as it is read.
fn read_body<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    seed: BodySeed<'_>,
) -> Result<RawBody, serde_json::Error> {
    let raw = seed.deserialize(&mut de)?;
    de.end()?;
    Ok(raw)
}

fn check_schemas(schemas: Schemas, compat: &Compat) -> Result<(), Error> {
    match schemas {
        Schemas::Absent if compat.missing_patch_schema => Ok(()),
        Schemas::PatchOp => Ok(()),
        _ => Err(Error::invalid_syntax(format!(
            "a PATCH body's \"schemas\" must be [\"{PATCH_OP_SCHEMA}\"]"
        ))),
    }
}

/// Decodes operation `i` of a message (`op`, `path`, `value` and the value bound) onto `out`.
pub(crate) fn decode_op(
    i: usize,
    op: RawOp<'_>,
    compat: &Compat,
    limits: &PatchLimits,
    out: &mut Vec<PatchOperation>,
) -> Result<(), Error> {
    let kind = match &op.op {
        Some(Field::Str(s)) => op_kind(s, compat).ok_or_else(|| {
            Error::invalid_syntax(format!(
                "Operations[{i}].op \"{s}\" is not add, remove or replace"
            ))
        })?,
        _ => {
            return Err(Error::invalid_syntax(format!(
                "Operations[{i}] needs an \"op\" string"
            )));
        }
    };
    // (matched, not `map_err(..)?`: each wrapping of the 144-byte path is a copy)
    let mut path_text = None;
    let path = match op.path {
        None | Some(Field::Null) => None,
        Some(Field::Str(s)) => match PatchPath::parse(&s) {
            Ok(p) => {
                // the one copy of the text: straight from the body into the operation
                path_text = Some(match s {
                    Cow::Borrowed(b) => Box::<str>::from(b),
                    Cow::Owned(o) => o.into_boxed_str(),
                });
                Some(p)
            }
            Err(e) => {
                return Err(Error::invalid_path(format!(
                    "Operations[{i}].path \"{s}\": {e}"
                )));
            }
        },
        Some(Field::Other) => {
            return Err(Error::invalid_path(format!(
                "Operations[{i}].path must be a string"
            )));
        }
    };
    let value = op.value;
    if let Some(v) = &value {
        let n = count_values(v);
        if n > limits.max_values_per_operation {
            return Err(Error::too_many(format!(
                "Operations[{i}] carries {n} values; the limit is {}",
                limits.max_values_per_operation
            )));
        }
    }
    if kind != OpKind::Remove && value.is_none() {
        return Err(Error::invalid_value(format!(
            "Operations[{i}] ({kind}) needs a \"value\" (RFC 7644 §3.5.2.1, §3.5.2.3)"
        )));
    }
    // built straight into the list (returning it would be one more copy of 200 bytes)
    out.push(PatchOperation::from_parts(kind, path, path_text, value));
    Ok(())
}

fn op_kind(s: &str, compat: &Compat) -> Option<OpKind> {
    let exact = match s {
        "add" => Some(OpKind::Add),
        "remove" => Some(OpKind::Remove),
        "replace" => Some(OpKind::Replace),
        _ => None,
    };
    if exact.is_some() || !compat.capitalized_op_names {
        return exact;
    }
    [OpKind::Add, OpKind::Remove, OpKind::Replace]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(s))
}

/// How many values an operation carries: an array's elements, or the elements of the arrays
/// in a path-less object (one per non-array member).
fn count_values(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.len(),
        Value::Object(o) => o
            .values()
            .map(|x| match x {
                Value::Array(a) => a.len(),
                Value::Object(inner) => inner
                    .values()
                    .map(|y| y.as_array().map_or(1, Vec::len))
                    .sum(),
                _ => 1,
            })
            .sum(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ScimType;
    use serde_json::json;

    fn decode(v: Value, c: &Compat) -> Result<PatchRequest, Error> {
        PatchRequest::from_value(v, c, &PatchLimits::default())
    }

    #[test]
    fn decodes_ops_paths_and_values() {
        let r = decode(
            json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "x"},
                {"op": "remove", "path": "nickName"}
            ]}),
            &Compat::default(),
        )
        .unwrap();
        assert_eq!(r.operations().len(), 2);
        assert_eq!(r.operations()[0].kind(), OpKind::Replace);
        assert_eq!(
            r.operations()[0].path_text(),
            Some("emails[type eq \"work\"].value")
        );
        assert!(r.operations()[0].path().unwrap().filter.is_some());
    }

    #[test]
    fn structural_errors() {
        let c = Compat::default();
        let kind = |v: Value| decode(v, &c).unwrap_err().scim_type();
        assert_eq!(kind(json!([])), Some(ScimType::InvalidSyntax));
        assert_eq!(
            kind(json!({"Operations": []})),
            Some(ScimType::InvalidSyntax)
        );
        assert_eq!(
            kind(json!({"Operations": [{"op": "frob", "path": "x"}]})),
            Some(ScimType::InvalidSyntax)
        );
        assert_eq!(
            kind(json!({"Operations": [{"op": "add", "path": "emails[type eq"}]})),
            Some(ScimType::InvalidPath)
        );
        assert_eq!(
            kind(json!({"Operations": [{"op": "add", "path": "nickName"}]})),
            Some(ScimType::InvalidValue)
        );
        assert_eq!(
            kind(json!({"schemas": ["urn:x"], "Operations": [{"op": "remove", "path": "x"}]})),
            Some(ScimType::InvalidSyntax)
        );
        let e = PatchRequest::from_slice(b"{\"Operations\":[", &c, &PatchLimits::default());
        assert_eq!(e.unwrap_err().scim_type(), Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn bodies_that_are_not_utf8_read_as_before() {
        let c = Compat::default();
        let l = PatchLimits::default();
        let body = |skipped: &[u8], path: &[u8]| {
            let mut b =
                br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"x":""#.to_vec();
            b.extend_from_slice(skipped);
            b.extend_from_slice(br#"","Operations":[{"op":"remove","path":""#);
            b.extend_from_slice(path);
            b.extend_from_slice(br#""}]}"#);
            b
        };
        // valid UTF-8 (read as text)
        let ok = PatchRequest::from_slice(&body("é".as_bytes(), b"nickName"), &c, &l).unwrap();
        assert_eq!(ok.operations()[0].path_text(), Some("nickName"));
        // not UTF-8 in a member that is skipped: read as bytes, accepted as it always was
        let skipped = PatchRequest::from_slice(&body(b"\xff", b"nickName"), &c, &l).unwrap();
        assert_eq!(skipped, ok);
        // not UTF-8 in a string that is read: invalidSyntax
        let e = PatchRequest::from_slice(&body(b"a", b"nick\xffName"), &c, &l).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn limits_are_too_many() {
        let c = Compat::default();
        let limits = PatchLimits::new(2, 3);
        let op = json!({"op": "remove", "path": "nickName"});
        let e = PatchRequest::from_value(json!({"Operations": [op, op, op]}), &c, &limits);
        assert_eq!(e.unwrap_err().scim_type(), Some(ScimType::TooMany));
        let big = json!({"Operations": [{"op": "add", "path": "members", "value": [1, 2, 3, 4]}]});
        let e = PatchRequest::from_value(big, &c, &limits);
        assert_eq!(e.unwrap_err().scim_type(), Some(ScimType::TooMany));
        let pathless =
            json!({"Operations": [{"op": "add", "value": {"members": [1, 2], "emails": [1, 2]}}]});
        let e = PatchRequest::from_value(pathless, &c, &limits);
        assert_eq!(e.unwrap_err().scim_type(), Some(ScimType::TooMany));
    }
}
