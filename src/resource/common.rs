//! What every resource has: `id`, `externalId` and `meta`
//! ([RFC 7643 §3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1)), and the stamping a
//! backend does on create and update.

use super::{Group, Meta, User, Version};
use crate::schema::{GROUP_SCHEMA, USER_SCHEMA};
use crate::{Compat, Error};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A typed SCIM resource with the common attributes of
/// [RFC 7643 §3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1), implemented by [`User`]
/// and [`Group`]. Lets backends and the server handle both with one generic function.
///
/// ```
/// use chrono::Utc;
/// use scimitar::resource::{Resource, User, Version};
/// let now = Utc::now();
/// let mut u = User::new("bjensen");
/// u.stamp_created("2819c223".into(), now, Version::from_u64(1));
/// assert_eq!(u.meta.as_ref().unwrap().resource_type.as_deref(), Some("User"));
///
/// // A PUT body replaces the user: the id and `created` stay, the version moves on.
/// let mut replacement = User::new("bjensen");
/// replacement.stamp_updated(&u, now, Version::from_u64(2));
/// assert_eq!(replacement.id.as_deref(), Some("2819c223"));
/// assert_eq!(replacement.version(), Some(&Version::from_u64(2)));
/// ```
pub trait Resource: Clone + Send + Sync + 'static {
    /// The resource type name, `meta.resourceType` (`User`, `Group`; RFC 7643 §6).
    const RESOURCE_TYPE: &'static str;
    /// The endpoint relative to the base URL (`/Users`, `/Groups`; RFC 7644 §3.2).
    const ENDPOINT: &'static str;
    /// The core schema URN.
    const SCHEMA: &'static str;

    /// The service provider's `id`.
    fn id(&self) -> Option<&str>;
    /// Sets `id`.
    fn set_id(&mut self, id: String);
    /// The client's `externalId`.
    fn external_id(&self) -> Option<&str>;
    /// `meta`.
    fn meta(&self) -> Option<&Meta>;
    /// `meta`, for changing it.
    fn meta_mut(&mut self) -> &mut Option<Meta>;
    /// Reads client JSON (case-insensitive names, SCIM errors, every client quirk accepted).
    fn from_json(value: Value) -> Result<Self, Error>;
    /// Reads client JSON accepting only the client quirks `compat` switches on (the typed
    /// layer meets `boolean_strings` and `complex_as_bare_value`, both in User bodies).
    fn from_json_with(value: Value, compat: &Compat) -> Result<Self, Error>;
    /// The JSON a response carries.
    fn to_json(&self) -> Value;

    /// `meta.version`.
    fn version(&self) -> Option<&Version> {
        self.meta().and_then(|m| m.version.as_ref())
    }

    /// Stamps a resource being created: sets `id` and replaces whatever `meta` a client sent
    /// with `{resourceType, created: now, lastModified: now, version}`.
    fn stamp_created(&mut self, id: String, now: DateTime<Utc>, version: Version) {
        self.set_id(id);
        *self.meta_mut() = Some(Meta::new(Self::RESOURCE_TYPE, now).with_version(version));
    }

    /// Stamps the new state of an existing resource (after a PUT or PATCH): `id`, `created` and
    /// `location` come from `previous` (a client cannot change them, they are `readOnly`),
    /// `lastModified` becomes `now` and the version `version`.
    fn stamp_updated(&mut self, previous: &Self, now: DateTime<Utc>, version: Version) {
        if let Some(id) = previous.id() {
            self.set_id(id.to_owned());
        }
        let mut meta = previous
            .meta()
            .cloned()
            .unwrap_or_else(|| Meta::new(Self::RESOURCE_TYPE, now));
        meta.resource_type = Some(Self::RESOURCE_TYPE.to_owned());
        meta.touch(now, Some(version));
        *self.meta_mut() = Some(meta);
    }
}

/// The accessors that are the same for every typed resource.
macro_rules! common_methods {
    ($ty:ty) => {
        fn id(&self) -> Option<&str> {
            self.id.as_deref()
        }
        fn set_id(&mut self, id: String) {
            self.id = Some(id);
        }
        fn external_id(&self) -> Option<&str> {
            self.external_id.as_deref()
        }
        fn meta(&self) -> Option<&Meta> {
            self.meta.as_ref()
        }
        fn meta_mut(&mut self) -> &mut Option<Meta> {
            &mut self.meta
        }
        fn from_json(value: Value) -> Result<Self, Error> {
            <$ty>::from_json(value)
        }
        fn to_json(&self) -> Value {
            <$ty>::to_json(self)
        }
    };
}

impl Resource for User {
    const RESOURCE_TYPE: &'static str = "User";
    const ENDPOINT: &'static str = "/Users";
    const SCHEMA: &'static str = USER_SCHEMA;
    common_methods!(User);
    fn from_json_with(value: Value, compat: &Compat) -> Result<Self, Error> {
        User::from_json_with(value, compat)
    }
}

impl Resource for Group {
    const RESOURCE_TYPE: &'static str = "Group";
    const ENDPOINT: &'static str = "/Groups";
    const SCHEMA: &'static str = GROUP_SCHEMA;
    common_methods!(Group);
    /// A Group body has no quirk the typed layer meets (its member quirks are PATCH-level),
    /// so `compat` changes nothing here.
    fn from_json_with(value: Value, _compat: &Compat) -> Result<Self, Error> {
        Group::from_json(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::lenient::parse_date_time;

    fn generic_round_trip<R: Resource + PartialEq + std::fmt::Debug>(r: R) {
        let back = R::from_json(r.to_json()).unwrap();
        assert_eq!(back, r);
        assert_eq!(
            back.to_json()["meta"]["resourceType"],
            Value::from(R::RESOURCE_TYPE)
        );
        assert_eq!(back.to_json()["schemas"][0], Value::from(R::SCHEMA));
    }

    #[test]
    fn stamping_works_for_both_types() {
        let t0 = parse_date_time("2026-01-01T00:00:00Z").unwrap();
        let t1 = parse_date_time("2026-01-02T00:00:00Z").unwrap();
        let mut g = Group::new("g");
        g.meta = Some(Meta::new("Bogus", t1)); // client-sent meta is replaced
        g.stamp_created("g1".into(), t0, Version::from_u64(1));
        assert_eq!(g.meta().unwrap().resource_type.as_deref(), Some("Group"));
        assert_eq!(g.meta().unwrap().created, Some(t0));
        let mut g2 = Group::new("renamed");
        g2.id = Some("client-tried".into());
        g2.stamp_updated(&g, t1, Version::from_u64(2));
        assert_eq!(g2.id(), Some("g1"));
        assert_eq!(g2.meta().unwrap().created, Some(t0));
        assert_eq!(g2.meta().unwrap().last_modified, Some(t1));
        assert_eq!(g2.version(), Some(&Version::from_u64(2)));
        generic_round_trip(g2);

        let mut u = User::new("u");
        u.stamp_created("u1".into(), t0, Version::from_u64(9));
        assert_eq!(<User as Resource>::ENDPOINT, "/Users");
        generic_round_trip(u);
    }
}
