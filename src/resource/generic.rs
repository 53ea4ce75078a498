//! A resource of a type registered at run time: its JSON object, with the common attributes
//! `id` and `meta` held apart ([RFC 7643 §3](https://www.rfc-editor.org/rfc/rfc7643#section-3),
//! [§3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1), [§6](https://www.rfc-editor.org/rfc/rfc7643#section-6)).

use super::{Meta, Version};
use crate::Error;
use crate::schema::names::{get_ci, remove_ci};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// A resource of a custom resource type (e.g. a `Device`), as a backend stores it: `id`,
/// `meta` and the rest of the JSON object (`schemas`, `externalId`, the core and extension
/// attributes), which the server has validated against the type's schemas before a backend
/// sees it ([RFC 7643 §3](https://www.rfc-editor.org/rfc/rfc7643#section-3),
/// [§6](https://www.rfc-editor.org/rfc/rfc7643#section-6)).
///
/// ```
/// use chrono::Utc;
/// use scimitar::resource::{GenericResource, Version};
/// use serde_json::json;
///
/// let mut device = GenericResource::from_json(json!({
///     "schemas": ["urn:example:scim:schemas:core:1.0:Device"],
///     "id": "client-sent, ignored",
///     "serialNumber": "SN-1"
/// }))?;
/// assert_eq!(device.id(), None); // `id` is readOnly: what a client sends is dropped
/// device.stamp_created("Device", "d1".into(), Utc::now(), Version::from_u64(1));
/// let json = device.to_json();
/// assert_eq!(json["id"], "d1");
/// assert_eq!(json["meta"]["resourceType"], "Device");
/// assert_eq!(json["serialNumber"], "SN-1");
/// # Ok::<(), scimitar::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GenericResource {
    id: Option<String>,
    meta: Option<Meta>,
    body: Map<String, Value>,
}

impl GenericResource {
    /// Reads a client's JSON object: `id` and `meta` (both `readOnly`, RFC 7643 §3.1) are
    /// dropped, everything else is kept as sent. 400 `invalidSyntax` when it is not an object.
    pub fn from_json(value: Value) -> Result<Self, Error> {
        let Value::Object(mut body) = value else {
            return Err(Error::invalid_syntax("a resource must be a JSON object"));
        };
        remove_key(&mut body, "id");
        remove_key(&mut body, "meta");
        Ok(GenericResource {
            id: None,
            meta: None,
            body,
        })
    }

    /// Rebuilds a stored resource from its parts (what a backend kept): `id`, `meta` and the
    /// body without them.
    pub fn from_parts(id: String, meta: Meta, body: Map<String, Value>) -> Self {
        let mut r = GenericResource {
            id: Some(id),
            meta: Some(meta),
            body,
        };
        remove_key(&mut r.body, "id");
        remove_key(&mut r.body, "meta");
        r
    }

    /// Reads a resource as [`GenericResource::to_json`] wrote it, `id` and `meta` included
    /// (for backends that keep the whole JSON). A `meta` that does not parse is dropped.
    pub fn from_stored(value: Value) -> Result<Self, Error> {
        let Value::Object(mut body) = value else {
            return Err(Error::invalid_syntax("a resource must be a JSON object"));
        };
        let id = take_key(&mut body, "id").and_then(|v| v.as_str().map(str::to_owned));
        let meta = take_key(&mut body, "meta").and_then(|v| serde_json::from_value(v).ok());
        Ok(GenericResource { id, meta, body })
    }

    /// The service provider's `id`.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// `meta`.
    pub fn meta(&self) -> Option<&Meta> {
        self.meta.as_ref()
    }

    /// `meta.version`.
    pub fn version(&self) -> Option<&Version> {
        self.meta.as_ref().and_then(|m| m.version.as_ref())
    }

    /// `externalId`, when it is a string (RFC 7643 §3.1).
    pub fn external_id(&self) -> Option<&str> {
        get_ci(&self.body, "externalId").and_then(Value::as_str)
    }

    /// Everything but `id` and `meta`.
    pub fn body(&self) -> &Map<String, Value> {
        &self.body
    }

    /// Everything but `id` and `meta`, to change.
    pub fn body_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.body
    }

    /// Stamps a resource being created: `id`, and a new `meta` (`resourceType`, `created` =
    /// `lastModified` = `now`, `version`).
    pub fn stamp_created(
        &mut self,
        resource_type: &str,
        id: String,
        now: DateTime<Utc>,
        version: Version,
    ) {
        self.id = Some(id);
        self.meta = Some(Meta::new(resource_type, now).with_version(version));
    }

    /// Stamps the new state of an existing resource: `id` and `created` from `previous`,
    /// `lastModified` = `now`, the new `version`.
    pub fn stamp_updated(
        &mut self,
        resource_type: &str,
        previous: &GenericResource,
        now: DateTime<Utc>,
        version: Version,
    ) {
        self.id.clone_from(&previous.id);
        let mut meta = previous
            .meta
            .clone()
            .unwrap_or_else(|| Meta::new(resource_type, now));
        meta.resource_type = Some(resource_type.to_owned());
        meta.location = None;
        meta.touch(now, Some(version));
        self.meta = Some(meta);
    }

    /// The JSON object a response carries (before `meta.location` and projection): `id` and
    /// `meta` first, then the body.
    pub fn to_json(&self) -> Value {
        let mut map = Map::with_capacity(self.body.len() + 2);
        if let Some(schemas) = self.body.get("schemas") {
            map.insert("schemas".into(), schemas.clone());
        }
        if let Some(id) = &self.id {
            map.insert("id".into(), Value::String(id.clone()));
        }
        for (k, v) in &self.body {
            if k != "schemas" {
                map.insert(k.clone(), v.clone());
            }
        }
        if let Some(meta) = &self.meta
            && let Ok(m) = serde_json::to_value(meta)
        {
            map.insert("meta".into(), m);
        }
        Value::Object(map)
    }

    /// The body as compact JSON text (what the SQL backend stores).
    pub fn body_text(&self) -> String {
        // Serialising a map of `Value`s cannot fail (string keys only).
        serde_json::to_string(&self.body).unwrap_or_else(|_| "{}".to_owned())
    }
}

fn remove_key(map: &mut Map<String, Value>, name: &str) {
    map.retain(|k, _| !k.eq_ignore_ascii_case(name));
}

fn take_key(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    remove_ci(map, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_round_trip_and_updates_keep_created() {
        let t0 = crate::resource::lenient::parse_date_time("2026-01-01T00:00:00Z").unwrap();
        let t1 = crate::resource::lenient::parse_date_time("2026-01-02T00:00:00Z").unwrap();
        let mut d = GenericResource::from_json(json!({"ID": "x", "Meta": {}, "a": 1})).unwrap();
        assert_eq!(d.body().len(), 1);
        d.stamp_created("Device", "d1".into(), t0, Version::from_u64(1));
        let back = GenericResource::from_stored(d.to_json()).unwrap();
        assert_eq!(back, d);
        let mut next = GenericResource::from_json(json!({"a": 2})).unwrap();
        next.stamp_updated("Device", &d, t1, Version::from_u64(2));
        assert_eq!(next.id(), Some("d1"));
        assert_eq!(next.meta().unwrap().created, Some(t0));
        assert_eq!(next.meta().unwrap().last_modified, Some(t1));
        assert_eq!(next.version(), Some(&Version::from_u64(2)));
        assert!(GenericResource::from_json(json!([1])).is_err());
    }
}
