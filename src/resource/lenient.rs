//! Lenient decoding of the attribute values that real clients send in a shape the RFC does not
//! allow, where the intent is unambiguous (see `CLIENTS.md`; DESIGN §6).
//!
//! Each helper is a serde `deserialize_with` function used by the typed resources, plus a
//! value-level twin for code that works on JSON (the PATCH engine):
//!
//! | quirk | sent by | accepted as |
//! |---|---|---|
//! | a boolean as a string, `"True"` / `"False"` (any ASCII case) | Entra ID | `true` / `false` |
//! | `manager` as a bare id string (`"manager": "26118915-…"`) | Entra ID | `{"value": "26118915-…"}` |
//! | `manager` as `""` | Entra ID (clearing) | no manager |
//! | `null` for a multi-valued attribute | several | no values |
//! | `meta` that does not parse (it is `readOnly`, RFC 7644 §3.5.1 says ignore it) | clients echoing a GET | no `meta` |
//! | a `dateTime` without a time zone (`xsd:dateTime` allows it) | several | UTC |
//!
//! All are accepted by default; [`User::from_json_with`](super::User::from_json_with) refuses the
//! first two when [`Compat::boolean_strings`] or [`Compat::complex_as_bare_value`] is off.
//!
//! Booleans given as strings are RFC-incorrect ([RFC 7643 §2.3.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.3.2)
//! says `true` or `false` literals) but no RFC-correct client can be misread by accepting them.

use super::Manager;
use super::Meta;
use crate::{Compat, Error};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// The User's multi-valued attributes whose values have a `primary` boolean.
const WITH_PRIMARY: &[&str] = &[
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "entitlements",
    "roles",
    "x509Certificates",
];

/// Refuses, in a User body whose attribute names are already canonical, the quirks that
/// `compat` switches off: `"True"`/`"False"` strings for `active` and `primary` unless
/// [`Compat::boolean_strings`], a bare-string `manager` unless [`Compat::complex_as_bare_value`];
/// and always an `x509Certificates` value that is not base64.
/// The serde helpers of this module accept them; this check runs before them.
pub(crate) fn check_user(map: &Map<String, Value>, compat: &Compat) -> Result<(), Error> {
    if !compat.boolean_strings {
        let refuse = |path: String| {
            Error::invalid_value(format!(
                "User.{path}: expected a boolean (true or false), not a string"
            ))
        };
        if map.get("active").is_some_and(Value::is_string) {
            return Err(refuse("active".into()));
        }
        for attr in WITH_PRIMARY {
            let Some(Value::Array(items)) = map.get(*attr) else {
                continue;
            };
            if let Some(i) = items
                .iter()
                .position(|it| it.get("primary").is_some_and(Value::is_string))
            {
                return Err(refuse(format!("{attr}[{i}].primary")));
            }
        }
    }
    if let Some(Value::Array(certs)) = map.get("x509Certificates") {
        // `binary` (RFC 7643 §2.3.6), whatever `compat` says: the validator refuses the same.
        let bad = certs.iter().position(|c| {
            c.get("value")
                .and_then(Value::as_str)
                .is_some_and(|v| !crate::schema::binary::is_base64(v))
        });
        if let Some(i) = bad {
            return Err(Error::invalid_value(format!(
                "User.x509Certificates[{i}].value: expected base64 (RFC 7643 §2.3.6)"
            )));
        }
    }
    if !compat.complex_as_bare_value {
        let manager = map
            .get(crate::schema::ENTERPRISE_USER_SCHEMA)
            .and_then(|e| e.get("manager"));
        if manager.is_some_and(Value::is_string) {
            return Err(Error::invalid_value(format!(
                "User.{}.manager: expected an object {{value, $ref, displayName}}, not a string",
                crate::schema::ENTERPRISE_USER_SCHEMA
            )));
        }
    }
    Ok(())
}

/// Reads a boolean that may be given as a JSON boolean or as the string `"true"`/`"false"` in
/// any ASCII case (Entra ID sends `"True"`/`"False"`). Other values give `None`.
pub fn bool_value(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => str_bool(s),
        _ => None,
    }
}

fn str_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Rewrites an Entra-style `manager` value to the RFC shape: a bare id string becomes
/// `{"value": id}`, an empty string becomes `null` (no manager); anything else is returned as is.
pub fn manager_value(value: Value) -> Value {
    match value {
        Value::String(s) if s.is_empty() => Value::Null,
        Value::String(s) => {
            let mut m = serde_json::Map::new();
            m.insert("value".into(), Value::String(s));
            Value::Object(m)
        }
        other => other,
    }
}

struct OptBool;

impl<'de> Visitor<'de> for OptBool {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean (true or false)")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        str_bool(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// `deserialize_with` for an optional boolean: `true`, `false`, `"True"`, `"false"`, … or `null`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(OptBool)
}

/// `deserialize_with` for a multi-valued attribute: `null` is the same as absent (no values).
pub fn vec_or_null<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

struct OptManager;

impl<'de> Visitor<'de> for OptManager {
    type Value = Option<Manager>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a manager object {value, $ref, displayName} or a manager id string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then(|| Manager::new(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Manager::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
}

/// `deserialize_with` for the enterprise `manager`: an object, a bare id string (Entra ID),
/// `""` or `null` (no manager).
pub fn opt_manager<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Manager>, D::Error> {
    d.deserialize_any(OptManager)
}

/// `deserialize_with` for `meta`: it is `readOnly` and a server ignores what a client sends in it
/// ([RFC 7644 §3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1)), so a `meta` that
/// does not parse is dropped instead of failing the whole resource.
pub fn opt_meta<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Meta>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    Ok(value.and_then(|v| Meta::deserialize(v).ok()))
}

/// Parses an `xsd:dateTime` ([RFC 7643 §2.3.5](https://www.rfc-editor.org/rfc/rfc7643#section-2.3.5)):
/// RFC 3339 with an offset, or without a time zone (then taken as UTC).
pub fn parse_date_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// `deserialize_with` for an optional `dateTime`; see [`parse_date_time`].
pub fn opt_date_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => parse_date_time(&s)
            .map(Some)
            .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&s), &"an xsd:dateTime")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct B {
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
    }

    fn b(v: Value) -> Result<Option<bool>, serde_json::Error> {
        serde_json::from_value::<B>(v).map(|x| x.b)
    }

    #[test]
    fn booleans_as_strings_entra() {
        assert_eq!(b(json!({"b": true})).unwrap(), Some(true));
        assert_eq!(b(json!({"b": "True"})).unwrap(), Some(true));
        assert_eq!(b(json!({"b": "FALSE"})).unwrap(), Some(false));
        assert_eq!(b(json!({"b": null})).unwrap(), None);
        assert_eq!(b(json!({})).unwrap(), None);
        assert!(b(json!({"b": "yes"})).is_err());
        assert!(b(json!({"b": 1})).is_err());
        assert_eq!(bool_value(&json!("false")), Some(false));
        assert_eq!(bool_value(&json!(0)), None);
    }

    #[test]
    fn manager_value_shapes() {
        assert_eq!(manager_value(json!("m1")), json!({"value": "m1"}));
        assert_eq!(manager_value(json!("")), Value::Null);
        assert_eq!(manager_value(json!({"value": "m"})), json!({"value": "m"}));
    }

    #[test]
    fn date_times() {
        let z = parse_date_time("2010-01-23T04:56:22Z").unwrap();
        assert_eq!(parse_date_time("2010-01-23T05:56:22+01:00"), Some(z));
        assert_eq!(parse_date_time("2010-01-23T04:56:22"), Some(z));
        assert_eq!(parse_date_time("yesterday"), None);
    }
}
