//! Reading a PatchOp message ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2))
//! straight from its bytes: the envelope and the operations' `op` and `path` are read without
//! building a JSON tree (member names matched case-insensitively, strings borrowed from the
//! body where they have no escapes); only each operation's `value` becomes a
//! [`serde_json::Value`]. [`PatchRequest::from_value`](super::PatchRequest::from_value) reads the
//! same shape from a tree; both end in the same checks.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// An `op` or `path` member: a string, `null`, or anything else (an error later).
#[derive(Debug)]
pub(crate) enum Field<'a> {
    /// A JSON string.
    Str(Cow<'a, str>),
    /// `null`.
    Null,
    /// Any other JSON value.
    Other,
}

impl<'a> Field<'a> {
    /// The field of a JSON tree.
    pub(crate) fn from_value(v: Value) -> Field<'a> {
        match v {
            Value::String(s) => Field::Str(Cow::Owned(s)),
            Value::Null => Field::Null,
            _ => Field::Other,
        }
    }
}

/// One operation as read: its members, not yet checked.
#[derive(Debug, Default)]
pub(crate) struct RawOp<'a> {
    pub op: Option<Field<'a>>,
    pub path: Option<Field<'a>>,
    pub value: Option<Value>,
}

/// The message as read.
#[derive(Debug, Default)]
pub(crate) struct RawBody<'a> {
    /// `schemas`, when present.
    pub schemas: Option<Value>,
    /// `Operations`, when present as an array.
    pub operations: Option<Vec<RawOp<'a>>>,
    /// Whether `Operations` was present but not an array.
    pub operations_invalid: bool,
}

/// A member name or string, borrowed from the input when it can be.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Field<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Field::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Field::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Field::Str(Cow::Owned(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Field::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Field::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Field::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Field::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Field::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Field::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Field::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Field::Other)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawOp<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawOp<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a PATCH operation object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut op = RawOp::default();
                while let Some(Text(k)) = map.next_key::<Text<'de>>()? {
                    if k.eq_ignore_ascii_case("op") {
                        op.op = Some(map.next_value()?);
                    } else if k.eq_ignore_ascii_case("path") {
                        op.path = Some(map.next_value()?);
                    } else if k.eq_ignore_ascii_case("value") {
                        op.value = Some(map.next_value()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(op)
            }
        }
        d.deserialize_map(V)
    }
}

/// `Operations`: an array of operation objects, or anything else (recorded as invalid).
enum Ops<'a> {
    List(Vec<RawOp<'a>>),
    Invalid,
}

impl<'de> Deserialize<'de> for Ops<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ops<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of PATCH operations")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut ops = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(op) = seq.next_element::<RawOp<'de>>()? {
                    ops.push(op);
                }
                Ok(Ops::List(ops))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Ops::Invalid)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Ops::Invalid)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Ops::Invalid)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Ops::Invalid)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Ops::Invalid)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Ops::Invalid)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Ops::Invalid)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawBody<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawBody<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a PatchOp message object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut body = RawBody::default();
                while let Some(Text(k)) = map.next_key::<Text<'de>>()? {
                    if k.eq_ignore_ascii_case("schemas") {
                        body.schemas = Some(map.next_value()?);
                    } else if k.eq_ignore_ascii_case("Operations") {
                        match map.next_value::<Ops<'de>>()? {
                            Ops::List(l) => {
                                body.operations = Some(l);
                                body.operations_invalid = false;
                            }
                            Ops::Invalid => {
                                body.operations = None;
                                body.operations_invalid = true;
                            }
                        }
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(body)
            }
        }
        d.deserialize_map(V)
    }
}
