//! Reading a PatchOp message ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2))
//! straight from its bytes: the envelope and the operations' `op` and `path` are read without
//! building a JSON tree (member names matched case-insensitively, strings borrowed from the
//! body where they have no escapes), `schemas` is checked as it is read, and each operation is
//! decoded as soon as it is read; only each operation's `value` becomes a
//! [`serde_json::Value`]. [`PatchRequest::from_value`](super::PatchRequest::from_value) runs the
//! same decoder over a tree (a `Value` is a serde `Deserializer` too): there is one decoder.

use super::op::PatchOperation;
use super::request::{PATCH_OP_SCHEMA, PatchLimits, decode_op};
use crate::compat::Compat;
use crate::error::Error;
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
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

/// One operation as read: its members, not yet checked.
#[derive(Debug, Default)]
pub(crate) struct RawOp<'a> {
    pub op: Option<Field<'a>>,
    pub path: Option<Field<'a>>,
    pub value: Option<Value>,
}

/// What the message's `schemas` member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Schemas {
    /// No `schemas` member.
    #[default]
    Absent,
    /// An array that lists the PatchOp URN (case-insensitively).
    PatchOp,
    /// Anything else.
    Other,
}

/// The operations decoded so far: decoding stops at the first failing operation or at the
/// operation limit, while the count goes on (the checks on the whole list come first).
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    /// The operations decoded, in order.
    pub ops: Vec<PatchOperation>,
    /// How many operations the message holds.
    pub count: usize,
    /// The first operation that failed to decode.
    pub error: Option<Error>,
}

impl Decoded {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Decoded {
            ops: Vec::with_capacity(n),
            count: 0,
            error: None,
        }
    }

    /// Decodes the next operation (unless an earlier one failed or the limit is passed).
    pub(crate) fn push(&mut self, op: RawOp<'_>, compat: &Compat, limits: &PatchLimits) {
        let i = self.count;
        self.count += 1;
        if self.error.is_some() || i >= limits.max_operations {
            return;
        }
        if let Err(e) = decode_op(i, op, compat, limits, &mut self.ops) {
            self.error = Some(e);
        }
    }
}

/// How many operations the list starts with room for: a typical request (Entra sends a
/// handful of operations) fits without regrowing, and the block stays under 1 KiB, where
/// allocators keep their fast per-size caches (glibc's tcache ends at 1 032 bytes; a larger
/// request takes the slow path, which sweeps the fast bins).
const FIRST_CAPACITY: usize = {
    let n = 1000 / std::mem::size_of::<PatchOperation>();
    if n == 0 { 1 } else { n }
};

/// The message as read.
#[derive(Debug, Default)]
pub(crate) struct RawBody {
    /// `schemas`.
    pub schemas: Schemas,
    /// `Operations`, when present as an array.
    pub operations: Option<Decoded>,
    /// Whether `Operations` was present but not an array.
    pub operations_invalid: bool,
}

/// Reads a PatchOp message (see [`RawBody`]) under these settings.
pub(crate) struct BodySeed<'c> {
    pub compat: &'c Compat,
    pub limits: &'c PatchLimits,
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
enum Ops {
    List(Decoded),
    Invalid,
}

/// Reads `Operations`, decoding each operation as it is read.
struct OpsSeed<'c> {
    compat: &'c Compat,
    limits: &'c PatchLimits,
}

impl<'de> DeserializeSeed<'de> for OpsSeed<'_> {
    type Value = Ops;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Ops, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for OpsSeed<'_> {
    type Value = Ops;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of PATCH operations")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut ops = Decoded::with_capacity(seq.size_hint().unwrap_or(FIRST_CAPACITY).min(64));
        while let Some(op) = seq.next_element::<RawOp<'de>>()? {
            ops.push(op, self.compat, self.limits);
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

/// `schemas`, checked as it is read (no copies of the URNs). Anything but a string is read in
/// full as a JSON tree would be, so exactly the same bodies are rejected (nesting and number
/// range limits included).
struct SchemasCheck(Schemas);

/// One element of `schemas`: a string (borrowed when it has no escapes), or `None`.
struct Elem<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Elem<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Elem<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Elem(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Elem(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Elem(Some(Cow::Owned(v))))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Elem(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Elem(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Elem(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Elem(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Elem(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Elem(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Elem(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for SchemasCheck {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SchemasCheck;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut found = Schemas::Other;
                while let Some(Elem(u)) = seq.next_element::<Elem<'de>>()? {
                    if u.is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP_SCHEMA)) {
                        found = Schemas::PatchOp;
                    }
                }
                Ok(SchemasCheck(found))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(SchemasCheck(Schemas::Other))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(SchemasCheck(Schemas::Other))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(SchemasCheck(Schemas::Other))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(SchemasCheck(Schemas::Other))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(SchemasCheck(Schemas::Other))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(SchemasCheck(Schemas::Other))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(SchemasCheck(Schemas::Other))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> DeserializeSeed<'de> for BodySeed<'_> {
    type Value = RawBody;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawBody, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BodySeed<'_> {
    type Value = RawBody;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a PatchOp message object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut body = RawBody::default();
        while let Some(Text(k)) = map.next_key::<Text<'de>>()? {
            if k.eq_ignore_ascii_case("schemas") {
                body.schemas = map.next_value::<SchemasCheck>()?.0;
            } else if k.eq_ignore_ascii_case("Operations") {
                let seed = OpsSeed {
                    compat: self.compat,
                    limits: self.limits,
                };
                match map.next_value_seed(seed)? {
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
