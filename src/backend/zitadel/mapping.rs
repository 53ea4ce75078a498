//! SCIM User ⇄ Zitadel human user: what Zitadel holds natively (username, profile, email,
//! phone, state) and what goes into user metadata under the keys of Zitadel's own SCIM server
//! (`urn:zitadel:scim:*`), so users written by either are read the same way by both
//! ([RFC 7643 §4.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1)).
//!
//! Metadata keys (values are UTF-8; `JSON` ones hold the SCIM JSON of the attribute):
//!
//! | SCIM | key |
//! |---|---|
//! | `externalId` | `urn:zitadel:scim:externalId`, or `urn:zitadel:scim:<provisioningDomain>:externalId` |
//! | `name.middleName`, `name.honorificPrefix`, `name.honorificSuffix` | `urn:zitadel:scim:name.<sub>` |
//! | `profileUrl`, `title`, `locale`, `timezone` | `urn:zitadel:scim:<attr>` |
//! | `ims`, `photos`, `addresses`, `entitlements`, `roles`, `emails` | `urn:zitadel:scim:<attr>` (JSON) |
//! | `name.formatted`, `userType` (scimitar) | `urn:zitadel:scim:<attr>` |
//! | `phoneNumbers`, `x509Certificates` (scimitar) | `urn:zitadel:scim:<attr>` (JSON) |
//! | enterprise extension, other extensions and attributes (scimitar) | `urn:zitadel:scim:attr:<name or schema URN>` (JSON) |
//! | which profile fields scimitar derived because Zitadel requires them (scimitar) | `urn:zitadel:scim:derived` |

use super::wire::ZUser;
use crate::backend::BackendError;
use crate::resource::User;
use crate::schema::USER_SCHEMA;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The prefix of every metadata key the backend reads and writes.
pub(crate) const PREFIX: &str = "urn:zitadel:scim:";
const ATTR: &str = "urn:zitadel:scim:attr:";
const DERIVED: &str = "urn:zitadel:scim:derived";
/// `preferredLanguage` values Zitadel's profile cannot hold (more than 10 characters, or not a
/// language tag) are kept here instead.
const LANGUAGE: &str = "urn:zitadel:scim:preferredLanguage";
/// String attributes kept as raw text (`name.*` under `name`).
const RAW: &[&str] = &["profileUrl", "title", "locale", "timezone", "userType"];
const RAW_NAME: &[&str] = &[
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "formatted",
];
/// Multi-valued attributes kept as JSON.
const JSON_ATTRS: &[&str] = &[
    "ims",
    "photos",
    "addresses",
    "entitlements",
    "roles",
    "emails",
    "phoneNumbers",
    "x509Certificates",
];
/// Top-level attributes that are never stored in metadata.
const NOT_STORED: &[&str] = &[
    "schemas",
    "id",
    "meta",
    "groups",
    "password",
    "active",
    "userName",
    "externalId",
    "name",
    "displayName",
    "nickName",
    "preferredLanguage",
];

/// Metadata key → UTF-8 value.
pub(crate) type Metadata = BTreeMap<String, String>;

/// What Zitadel holds natively for a human user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Native {
    pub username: String,
    pub given_name: String,
    pub family_name: String,
    pub display_name: Option<String>,
    pub nick_name: Option<String>,
    pub preferred_language: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The metadata key of `externalId` for a provisioning domain.
pub(crate) fn external_id_key(domain: Option<&str>) -> String {
    match domain {
        Some(d) => format!("{PREFIX}{d}:externalId"),
        None => format!("{PREFIX}externalId"),
    }
}

/// Whether the backend manages `key` (so may delete it when the attribute goes away).
pub(crate) fn managed(key: &str, ext_key: &str) -> bool {
    key == ext_key
        || key == DERIVED
        || key == LANGUAGE
        || key.starts_with(ATTR)
        || key.strip_prefix(PREFIX).is_some_and(|k| {
            RAW.contains(&k)
                || JSON_ATTRS.contains(&k)
                || k.strip_prefix("name.")
                    .is_some_and(|n| RAW_NAME.contains(&n))
        })
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The value of the primary element of a multi-valued attribute, else of the first.
fn primary_value(list: Option<&Value>) -> Option<String> {
    let items = list?.as_array()?;
    let chosen = items
        .iter()
        .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| items.first())?;
    text(chosen.get("value"))
}

/// A BCP 47-shaped tag Zitadel's profile holds (at most 10 characters).
fn language_tag(l: &str) -> bool {
    l.len() <= 10
        && l.split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `local@domain.tld` without spaces.
fn email_like(s: &str) -> bool {
    s.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !s.contains(char::is_whitespace)
    })
}

/// A phone number Zitadel accepts as is: `+` and digits, with the usual separators.
fn e164_like(p: &str) -> bool {
    let mut digits = 0;
    p.starts_with('+')
        && p.chars().skip(1).all(|c| {
            if c.is_ascii_digit() {
                digits += 1;
                true
            } else {
                matches!(c, ' ' | '-' | '(' | ')' | '.')
            }
        })
        && (7..=15).contains(&digits)
}

/// Splits a SCIM user into what Zitadel holds natively and its metadata.
pub(crate) fn split(user: &User, ext_key: &str) -> Result<(Native, Metadata), BackendError> {
    let json = user.to_json();
    let Value::Object(obj) = json else {
        return Err(BackendError::internal_msg("a user is not a JSON object"));
    };
    let name = obj.get("name");
    let given = text(name.and_then(|n| n.get("givenName")));
    let family = text(name.and_then(|n| n.get("familyName")));
    let display = text(obj.get("displayName"));
    let formatted = text(name.and_then(|n| n.get("formatted")));
    let mut derived = Vec::new();
    let label = display
        .clone()
        .or_else(|| formatted.clone())
        .unwrap_or_else(|| user.user_name.clone());
    let given_name = given.unwrap_or_else(|| {
        derived.push("givenName");
        label.clone()
    });
    let family_name = family.unwrap_or_else(|| {
        derived.push("familyName");
        label.clone()
    });
    let display_name = match display {
        Some(d) => Some(d),
        None => {
            derived.push("displayName");
            Some(formatted.unwrap_or_else(|| format!("{given_name} {family_name}")))
        }
    };
    let phone = primary_value(obj.get("phoneNumbers")).filter(|p| e164_like(p));
    let language = text(obj.get("preferredLanguage"));
    // Zitadel requires an email: without one, the userName if it is an address, else a
    // stand-in under the reserved `.invalid` domain (RFC 2606); never read back.
    let email = primary_value(obj.get("emails")).or_else(|| {
        derived.push("email");
        let name = user.user_name.trim();
        Some(if email_like(name) {
            name.to_owned()
        } else {
            let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.to_lowercase().as_bytes());
            format!("{}@scim.invalid", id.simple())
        })
    });
    let native = Native {
        username: user.user_name.clone(),
        given_name,
        family_name,
        display_name,
        nick_name: text(obj.get("nickName")),
        preferred_language: language.clone().filter(|l| language_tag(l)),
        email,
        phone,
    };
    let mut meta = Metadata::new();
    if let Some(x) = user.external_id.as_deref().filter(|x| !x.is_empty()) {
        meta.insert(ext_key.to_owned(), x.to_owned());
    }
    if let Some(Value::Object(n)) = name {
        for sub in RAW_NAME {
            if let Some(v) = text(n.get(*sub)) {
                meta.insert(format!("{PREFIX}name.{sub}"), v);
            }
        }
    }
    for (k, v) in &obj {
        if NOT_STORED.contains(&k.as_str()) || v.is_null() {
            continue;
        }
        if RAW.contains(&k.as_str()) {
            if let Some(s) = text(Some(v)) {
                meta.insert(format!("{PREFIX}{k}"), s);
            }
        } else if JSON_ATTRS.contains(&k.as_str()) {
            if v.as_array().is_some_and(|a| !a.is_empty()) {
                meta.insert(format!("{PREFIX}{k}"), v.to_string());
            }
        } else {
            meta.insert(format!("{ATTR}{k}"), v.to_string());
        }
    }
    if user.active.is_none() {
        // No `active` given: the user stays as Zitadel has it, and an active user reads back
        // without the attribute.
        derived.push("active");
    }
    if let Some(l) = language.filter(|l| !language_tag(l)) {
        meta.insert(LANGUAGE.to_owned(), l);
    }
    if !derived.is_empty() {
        meta.insert(DERIVED.to_owned(), derived.join(","));
    }
    Ok((native, meta))
}

/// Reads a metadata list (values base64) into a map, keeping only the backend's keys.
pub(crate) fn decode_metadata(entries: &[super::wire::MetadataEntry]) -> Metadata {
    entries
        .iter()
        .filter(|e| e.key.starts_with(PREFIX))
        .filter_map(|e| {
            let bytes = STANDARD.decode(e.value.as_bytes()).ok()?;
            Some((e.key.clone(), String::from_utf8(bytes).ok()?))
        })
        .collect()
}

/// A metadata entry as Zitadel takes it: `{key, value: base64}`.
pub(crate) fn entry(key: &str, value: &str) -> Value {
    json!({"key": key, "value": STANDARD.encode(value.as_bytes())})
}

fn parse_time(t: Option<&str>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Joins a Zitadel user and its metadata (`None` when not read) into a SCIM user.
pub(crate) fn join(
    z: &ZUser,
    meta: Option<&Metadata>,
    ext_key: &str,
) -> Result<User, BackendError> {
    let empty = Metadata::new();
    let meta = meta.unwrap_or(&empty);
    let derived: Vec<&str> = meta
        .get(DERIVED)
        .map_or_else(Vec::new, |d| d.split(',').collect());
    let profile = z
        .human
        .as_ref()
        .map(|h| h.profile.clone())
        .unwrap_or_default();
    let mut obj = Map::new();
    let mut schemas = vec![Value::from(USER_SCHEMA)];
    obj.insert("id".into(), z.user_id.clone().into());
    obj.insert("userName".into(), z.username.clone().into());
    if let Some(x) = meta.get(ext_key) {
        obj.insert("externalId".into(), x.clone().into());
    }
    let mut name = Map::new();
    let put = |m: &mut Map<String, Value>, k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            m.insert(k.to_owned(), v.into());
        }
    };
    if !derived.contains(&"givenName") {
        put(&mut name, "givenName", profile.given_name.clone());
    }
    if !derived.contains(&"familyName") {
        put(&mut name, "familyName", profile.family_name.clone());
    }
    for sub in RAW_NAME {
        put(
            &mut name,
            sub,
            meta.get(&format!("{PREFIX}name.{sub}")).cloned(),
        );
    }
    if !name.is_empty() {
        obj.insert("name".into(), Value::Object(name));
    }
    if !derived.contains(&"displayName") {
        put(&mut obj, "displayName", profile.display_name.clone());
    }
    put(&mut obj, "nickName", profile.nick_name.clone());
    put(
        &mut obj,
        "preferredLanguage",
        meta.get(LANGUAGE).cloned().or_else(|| profile.language()),
    );
    for k in RAW {
        put(&mut obj, k, meta.get(&format!("{PREFIX}{k}")).cloned());
    }
    for k in JSON_ATTRS {
        if let Some(v) = meta
            .get(&format!("{PREFIX}{k}"))
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            && v.is_array()
        {
            obj.insert((*k).to_owned(), v);
        }
    }
    let human = z.human.as_ref();
    if !obj.contains_key("emails")
        && !derived.contains(&"email")
        && let Some(e) = human
            .and_then(|h| h.email.as_ref())
            .and_then(|e| e.email.clone())
    {
        obj.insert("emails".into(), json!([{"value": e, "primary": true}]));
    }
    if !obj.contains_key("phoneNumbers")
        && let Some(p) = human
            .and_then(|h| h.phone.as_ref())
            .and_then(|p| p.phone.clone())
            .filter(|p| !p.is_empty())
    {
        obj.insert(
            "phoneNumbers".into(),
            json!([{"value": p, "primary": true}]),
        );
    }
    for (k, v) in meta.range(ATTR.to_owned()..) {
        let Some(attr) = k.strip_prefix(ATTR) else {
            break;
        };
        if let Ok(value) = serde_json::from_str::<Value>(v) {
            if attr.contains(':') && value.is_object() {
                schemas.push(attr.into());
            }
            obj.insert(attr.to_owned(), value);
        }
    }
    if !(z.active() && derived.contains(&"active")) {
        obj.insert("active".into(), z.active().into());
    }
    obj.insert("schemas".into(), Value::Array(schemas));
    let mut user = User::from_json(Value::Object(obj)).map_err(|e| {
        BackendError::internal_msg(format!("user {} does not map to SCIM: {e}", z.user_id))
    })?;
    let created = parse_time(z.details.creation_date.as_deref());
    user.meta = Some(crate::resource::Meta {
        resource_type: Some("User".into()),
        created,
        last_modified: parse_time(z.details.change_date.as_deref()).or(created),
        ..Default::default()
    });
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Email, Name};

    fn zuser_of(native: &Native) -> ZUser {
        serde_json::from_value(json!({
            "userId": "u1", "username": native.username, "state": "USER_STATE_ACTIVE",
            "details": {"resourceOwner": "org", "creationDate": "2026-05-01T10:00:00Z"},
            "human": {"profile": {"givenName": native.given_name, "familyName": native.family_name,
                "displayName": native.display_name, "nickName": native.nick_name},
                "email": {"email": native.email, "isVerified": true}}
        }))
        .unwrap()
    }

    #[test]
    fn round_trip_keeps_every_attribute() {
        let mut user = User::from_json(json!({
            "userName": "adele@contoso.com", "externalId": "6f1c-obj",
            "name": {"givenName": "Adele", "familyName": "Vance", "middleName": "M", "formatted": "Adele M Vance"},
            "displayName": "Adele V.", "title": "Engineer", "locale": "en-US", "timezone": "Europe/Zurich",
            "emails": [{"value": "adele@contoso.com", "type": "work", "primary": true}, {"value": "a@home.example", "type": "home"}],
            "phoneNumbers": [{"value": "555-0100", "type": "work"}],
            "addresses": [{"type": "work", "locality": "Redmond"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour", "manager": {"value": "m1"}},
            "urn:example:ext:1.0": {"badge": 7}
        }))
        .unwrap();
        user.active = Some(true);
        let key = external_id_key(Some("contoso"));
        let (native, meta) = split(&user, &key).unwrap();
        assert_eq!(native.email.as_deref(), Some("adele@contoso.com"));
        assert_eq!(native.phone, None, "not E.164: kept in metadata only");
        assert_eq!(
            meta.get("urn:zitadel:scim:contoso:externalId")
                .map(String::as_str),
            Some("6f1c-obj")
        );
        assert_eq!(
            meta.get("urn:zitadel:scim:title").map(String::as_str),
            Some("Engineer")
        );
        assert!(meta.contains_key("urn:zitadel:scim:emails"));
        assert!(meta.keys().all(|k| managed(k, &key)));
        let back = join(&zuser_of(&native), Some(&meta), &key).unwrap();
        let mut expected = user.to_json();
        let mut got = back.to_json();
        for v in [&mut expected, &mut got] {
            let o = v.as_object_mut().unwrap();
            o.remove("id");
            o.remove("meta");
            if let Some(Value::Array(s)) = o.get_mut("schemas") {
                s.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn derived_names_are_not_read_back() {
        let user = User::new("bob@contoso.com").with_email(Email::new("bob@contoso.com"));
        let key = external_id_key(None);
        let (native, meta) = split(&user, &key).unwrap();
        assert_eq!(native.given_name, "bob@contoso.com");
        let back = join(&zuser_of(&native), Some(&meta), &key).unwrap();
        assert!(back.name.is_none() && back.display_name.is_none());
        let named = User::new("c").with_name(Name::default());
        assert!(split(&named, &key).is_ok());
    }

    #[test]
    fn languages_zitadel_cannot_hold_go_to_metadata() {
        let key = external_id_key(None);
        let mut user = User::new("l@contoso.com");
        user.preferred_language = Some("not a language tag".into());
        let (native, meta) = split(&user, &key).unwrap();
        assert_eq!(native.preferred_language, None);
        let back = join(&zuser_of(&native), Some(&meta), &key).unwrap();
        assert_eq!(
            back.preferred_language.as_deref(),
            Some("not a language tag")
        );
        user.preferred_language = Some("de-CH".into());
        let (native, meta) = split(&user, &key).unwrap();
        assert_eq!(native.preferred_language.as_deref(), Some("de-CH"));
        assert!(!meta.contains_key(LANGUAGE));
    }

    #[test]
    fn phone_numbers_zitadel_accepts() {
        assert!(e164_like("+41 79 123 45 67"));
        assert!(!e164_like("555-0100"));
        assert!(!e164_like("+1"));
    }
}
