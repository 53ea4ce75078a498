//! Resource metadata, the `meta` attribute
//! ([RFC 7643 §3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1)).

use super::{Version, json_text, lenient, timestamp};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The `meta` complex attribute of every resource
/// ([RFC 7643 §3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1)). All its
/// sub-attributes are `readOnly`: the service provider sets them, and what a client sends in
/// `meta` is ignored (a `meta` that does not even parse is dropped, see
/// [`lenient::opt_meta`](super::lenient::opt_meta)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The name of the resource type, e.g. `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// When the resource was added to the service provider.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "timestamp::serialize_opt",
        deserialize_with = "lenient::opt_date_time"
    )]
    pub created: Option<DateTime<Utc>>,
    /// When the resource was last changed; equal to `created` for a new resource.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "timestamp::serialize_opt",
        deserialize_with = "lenient::opt_date_time"
    )]
    pub last_modified: Option<DateTime<Utc>>,
    /// The URI of the resource, the same as the `Content-Location` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The version of the resource, the same as the `ETag` header
    /// ([RFC 7644 §3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Version>,
}

impl Meta {
    /// The `meta` of a resource created at `now`: `resourceType`, `created` and `lastModified`
    /// set (`location` and `version` are for the server and backend to add).
    pub fn new(resource_type: impl Into<String>, now: DateTime<Utc>) -> Self {
        Meta {
            resource_type: Some(resource_type.into()),
            created: Some(now),
            last_modified: Some(now),
            location: None,
            version: None,
        }
    }

    /// Records a change at `now`: sets `lastModified` (never earlier than `created`) and the new
    /// version.
    pub fn touch(&mut self, now: DateTime<Utc>, version: Option<Version>) {
        let created = *self.created.get_or_insert(now);
        self.last_modified = Some(now.max(created));
        self.version = version;
    }

    /// Sets `location` (builder style).
    pub fn with_location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Sets `version` (builder style).
    pub fn with_version(mut self, version: Version) -> Self {
        self.version = Some(version);
        self
    }

    /// Appends the JSON that `Serialize` writes (same members, same order), without serde's
    /// per-field machinery: every response that is written straight from stored text carries
    /// one `meta`.
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        let mut first = true;
        let mut key = |out: &mut Vec<u8>, name: &str| {
            out.extend_from_slice(if first { b"{\"" } else { b",\"" });
            first = false;
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
        };
        if let Some(t) = &self.resource_type {
            key(out, "resourceType");
            json_text::write_str(out, t);
        }
        if let Some(t) = &self.created {
            key(out, "created");
            timestamp::write_json(out, t);
        }
        if let Some(t) = &self.last_modified {
            key(out, "lastModified");
            timestamp::write_json(out, t);
        }
        if let Some(l) = &self.location {
            key(out, "location");
            json_text::write_str(out, l);
        }
        if let Some(v) = &self.version {
            key(out, "version");
            json_text::write_str(out, &v.header());
        }
        if first {
            out.push(b'{');
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc_8_1_meta_round_trips() {
        let v = json!({
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"3694e05e9dff590\"",
            "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
        });
        let m: Meta = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(m.version.as_ref().unwrap().tag(), "3694e05e9dff590");
        assert_eq!(serde_json::to_value(&m).unwrap(), v);
    }

    #[test]
    fn new_and_touch() {
        let t0 = lenient::parse_date_time("2020-01-01T00:00:00Z").unwrap();
        let t1 = lenient::parse_date_time("2020-01-02T00:00:00Z").unwrap();
        let mut m = Meta::new("Group", t0).with_version(Version::from_u64(1));
        assert_eq!(m.created, m.last_modified);
        m.touch(t1, Some(Version::from_u64(2)));
        assert_eq!(m.created, Some(t0));
        assert_eq!(m.last_modified, Some(t1));
        assert_eq!(m.version, Some(Version::from_u64(2)));
        // A clock going backwards never puts lastModified before created.
        let mut m2 = Meta::new("User", t1);
        m2.touch(t0, None);
        assert_eq!(m2.last_modified, Some(t1));
    }

    proptest::proptest! {
        #[test]
        fn written_json_is_what_serde_writes(
            resource_type in proptest::option::of(".{0,12}"),
            created in proptest::option::of(-62_000_000_000i64..300_000_000_000),
            modified in proptest::option::of((0i64..4_000_000_000, 0u32..1_000_000_000)),
            location in proptest::option::of("[ -~é\"\\\u{1}\n]{0,40}"),
            version in proptest::option::of((proptest::bool::ANY, "[!#-~]{0,10}")),
        ) {
            let m = Meta {
                resource_type,
                created: created.and_then(|s| DateTime::from_timestamp(s, 0)),
                last_modified: modified.and_then(|(s, n)| DateTime::from_timestamp(s, n)),
                location,
                version: version.map(|(weak, tag)| {
                    if weak { Version::weak(tag) } else { Version::strong(tag) }.unwrap()
                }),
            };
            let mut out = Vec::new();
            m.write_json(&mut out);
            proptest::prop_assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&m).unwrap()
            );
        }
    }

    #[test]
    fn sub_second_precision_kept() {
        let v = json!({"created": "2024-05-06T07:08:09.123Z"});
        let m: Meta = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&m).unwrap(), v);
    }
}
