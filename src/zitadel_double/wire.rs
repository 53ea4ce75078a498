//! The Connect unary JSON wire of Zitadel v4: error bodies, status codes, protojson helpers.
//!
//! Errors follow Zitadel's `ZITADELToConnectError` (`internal/api/grpc/gerrors`): a Connect
//! error `{"code","message":"<text> (<ID>)","details":[{"type":"zitadel.v1.ErrorDetail",...}]}`
//! with the HTTP status of the Connect code (<https://connectrpc.com/docs/protocol#error-codes>).
//! Validation errors carry the raw validator text, no id and no details.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

/// A Connect error code (<https://connectrpc.com/docs/protocol#error-codes>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    InvalidArgument,
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    Unauthenticated,
    ResourceExhausted,
    Unimplemented,
}

impl Code {
    /// The wire name of the code.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Code::InvalidArgument => "invalid_argument",
            Code::NotFound => "not_found",
            Code::AlreadyExists => "already_exists",
            Code::FailedPrecondition => "failed_precondition",
            Code::Unauthenticated => "unauthenticated",
            Code::ResourceExhausted => "resource_exhausted",
            Code::Unimplemented => "unimplemented",
        }
    }

    /// The HTTP status Connect gives the code.
    pub(crate) fn status(self) -> u16 {
        match self {
            Code::InvalidArgument | Code::FailedPrecondition => 400,
            Code::Unauthenticated => 401,
            Code::NotFound | Code::Unimplemented => 404,
            Code::AlreadyExists => 409,
            Code::ResourceExhausted => 429,
        }
    }
}

/// An error as Zitadel answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectError {
    pub(crate) code: Code,
    /// Zitadel's error id (e.g. `V3-DKcYh`); `None` for validator and transport errors.
    pub(crate) id: Option<&'static str>,
    /// The (English) translated text.
    pub(crate) text: String,
}

impl ConnectError {
    /// A Zitadel error with its id: the message becomes `"<text> (<id>)"`.
    pub(crate) fn zitadel(code: Code, id: &'static str, text: &str) -> Self {
        ConnectError {
            code,
            id: Some(id),
            text: text.to_owned(),
        }
    }

    /// A protoc-gen-validate / protojson error: raw text, no id, no details.
    pub(crate) fn invalid(text: impl Into<String>) -> Self {
        ConnectError {
            code: Code::InvalidArgument,
            id: None,
            text: text.into(),
        }
    }

    /// A bare error without an id (auth, unimplemented procedures).
    pub(crate) fn bare(code: Code, text: &str) -> Self {
        ConnectError {
            code,
            id: None,
            text: text.to_owned(),
        }
    }

    /// The JSON body Connect sends.
    pub(crate) fn body(&self) -> Value {
        match self.id {
            None => json!({"code": self.code.name(), "message": self.text}),
            Some(id) => json!({
                "code": self.code.name(),
                "message": format!("{} ({id})", self.text),
                "details": [{
                    "type": "zitadel.v1.ErrorDetail",
                    "value": STANDARD_NO_PAD.encode(error_detail_proto(id, &self.text)),
                    "debug": {"id": id, "message": self.text},
                }],
            }),
        }
    }
}

/// `zitadel.v1.ErrorDetail{id = 1, message = 2}` in protobuf binary, as the `value` of a
/// Connect error detail. Both fields are length-delimited strings.
fn error_detail_proto(id: &str, message: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(id.len() + message.len() + 8);
    for (tag, text) in [(0x0a_u8, id), (0x12_u8, message)] {
        out.push(tag);
        let mut len = text.len();
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
        out.extend_from_slice(text.as_bytes());
    }
    out
}

/// Decodes a request body strictly, as protojson does: unknown fields and wrong types are
/// `invalid_argument`. (Field names are the lowerCamelCase JSON names.)
pub(crate) fn decode<T: DeserializeOwned>(message: &str, body: &[u8]) -> Result<T, ConnectError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        ConnectError::invalid(format!("proto: syntax error (decoding {message}): {e}"))
    })
}

/// Sets `target[path[0]][path[1]]…` to `value`, creating objects on the way (a non-object
/// on the way is replaced: the double only builds objects).
pub(crate) fn put(target: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        *target = value;
        return;
    };
    let mut node = target;
    for key in parents {
        if !node.is_object() {
            *node = Value::Object(serde_json::Map::new());
        }
        let Some(map) = node.as_object_mut() else {
            return;
        };
        node = map
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
    if !node.is_object() {
        *node = Value::Object(serde_json::Map::new());
    }
    if let Some(map) = node.as_object_mut() {
        map.insert((*last).to_owned(), value);
    }
}

/// RFC 3339 with `Z`, as protojson writes a `google.protobuf.Timestamp`.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// protojson bytes: standard or URL-safe base64, padded or not.
pub(crate) fn decode_bytes(field: &str, text: &str) -> Result<Vec<u8>, ConnectError> {
    [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .ok_or_else(|| {
            ConnectError::invalid(format!("proto: invalid value for bytes field {field}"))
        })
}

/// protojson bytes out: standard base64 with padding.
pub(crate) fn encode_bytes(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// A 64-bit integer field: protojson writes it as a string and reads a string or a number.
pub(crate) fn de_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flex {
        Number(u64),
        Text(String),
    }
    match Flex::deserialize(d)? {
        Flex::Number(n) => Ok(n),
        Flex::Text(t) => t.parse().map_err(serde::de::Error::custom),
    }
}

/// A length check as protoc-gen-validate words it.
pub(crate) fn check_len(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ConnectError> {
    let runes = value.chars().count();
    if runes < min || runes > max {
        return Err(ConnectError::invalid(format!(
            "invalid {field}: value length must be between {min} and {max} runes, inclusive"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zitadel_errors_carry_the_id_in_the_message_and_details() {
        let body =
            ConnectError::zitadel(Code::AlreadyExists, "V3-DKcYh", "User already exists").body();
        assert_eq!(body["code"], "already_exists");
        assert_eq!(body["message"], "User already exists (V3-DKcYh)");
        assert_eq!(body["details"][0]["type"], "zitadel.v1.ErrorDetail");
        let raw = STANDARD_NO_PAD
            .decode(body["details"][0]["value"].as_str().unwrap())
            .unwrap();
        assert_eq!(raw[0], 0x0a);
        assert_eq!(&raw[2..10], b"V3-DKcYh");
    }

    #[test]
    fn validator_errors_have_no_details() {
        let body = ConnectError::invalid("invalid X.Y: bad").body();
        assert_eq!(
            body,
            json!({"code":"invalid_argument","message":"invalid X.Y: bad"})
        );
    }

    #[test]
    fn bytes_accept_every_base64_flavour() {
        assert_eq!(decode_bytes("v", "YWI/").unwrap(), b"ab?");
        assert_eq!(decode_bytes("v", "YWI_").unwrap(), b"ab?");
        assert_eq!(decode_bytes("v", "YQ").unwrap(), b"a");
        assert!(decode_bytes("v", "!!").is_err());
    }

    #[test]
    fn statuses_follow_connect() {
        assert_eq!(Code::FailedPrecondition.status(), 400);
        assert_eq!(Code::Unimplemented.status(), 404);
        assert_eq!(Code::ResourceExhausted.status(), 429);
    }
}
