//! Case-insensitive attribute names for the typed resources: before serde (which matches names
//! exactly) sees a client's JSON, the names of known attributes are rewritten to their canonical
//! spelling ([RFC 7643 §2.1](https://www.rfc-editor.org/rfc/rfc7643#section-2.1): attribute names
//! are case-insensitive), and serde errors become SCIM errors naming the attribute path.
//!
//! The tables are the attributes of RFC 7643 §4.1–§4.3 and §3.1: static, so a lookup costs no
//! schema walk. Tests check them both ways against the typed resources' serde fields and against
//! the RFC 7643 §8.7 schemas of [`crate::schema`], so the three cannot drift apart.

use crate::Error;
use crate::schema::ENTERPRISE_USER_SCHEMA;
use crate::schema::spelling::{Spelling, respell};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// An attribute name and, for complex attributes, its sub-attributes.
pub(crate) struct Attr {
    pub(crate) name: &'static str,
    pub(crate) subs: &'static [Attr],
}

const fn leaf(name: &'static str) -> Attr {
    Attr { name, subs: &[] }
}

const fn complex(name: &'static str, subs: &'static [Attr]) -> Attr {
    Attr { name, subs }
}

const MULTI: &[Attr] = &[
    leaf("value"),
    leaf("display"),
    leaf("type"),
    leaf("primary"),
];
const REF: &[Attr] = &[leaf("value"), leaf("$ref"), leaf("display"), leaf("type")];
const NAME: &[Attr] = &[
    leaf("formatted"),
    leaf("familyName"),
    leaf("givenName"),
    leaf("middleName"),
    leaf("honorificPrefix"),
    leaf("honorificSuffix"),
];
const ADDRESS: &[Attr] = &[
    leaf("formatted"),
    leaf("streetAddress"),
    leaf("locality"),
    leaf("region"),
    leaf("postalCode"),
    leaf("country"),
    leaf("type"),
    leaf("primary"),
];
const META: &[Attr] = &[
    leaf("resourceType"),
    leaf("created"),
    leaf("lastModified"),
    leaf("location"),
    leaf("version"),
];

/// The User attributes of RFC 7643 §4.1 and the common attributes of §3.1.
pub(crate) const USER: &[Attr] = &[
    leaf("schemas"),
    leaf("id"),
    leaf("externalId"),
    leaf("userName"),
    complex("name", NAME),
    leaf("displayName"),
    leaf("nickName"),
    leaf("profileUrl"),
    leaf("title"),
    leaf("userType"),
    leaf("preferredLanguage"),
    leaf("locale"),
    leaf("timezone"),
    leaf("active"),
    leaf("password"),
    complex("emails", MULTI),
    complex("phoneNumbers", MULTI),
    complex("ims", MULTI),
    complex("photos", MULTI),
    complex("addresses", ADDRESS),
    complex("groups", REF),
    complex("entitlements", MULTI),
    complex("roles", MULTI),
    complex("x509Certificates", MULTI),
    complex("meta", META),
];

/// The Enterprise User attributes of RFC 7643 §4.3.
pub(crate) const ENTERPRISE: &[Attr] = &[
    leaf("employeeNumber"),
    leaf("costCenter"),
    leaf("organization"),
    leaf("division"),
    leaf("department"),
    complex(
        "manager",
        &[leaf("value"), leaf("$ref"), leaf("displayName")],
    ),
];

/// The User's known extensions: URN and attributes.
pub(crate) const USER_EXTENSIONS: &[(&str, &[Attr])] = &[(ENTERPRISE_USER_SCHEMA, ENTERPRISE)];

/// The Group attributes of RFC 7643 §4.2 and the common attributes of §3.1.
pub(crate) const GROUP: &[Attr] = &[
    leaf("schemas"),
    leaf("id"),
    leaf("externalId"),
    leaf("displayName"),
    complex("members", REF),
    complex("meta", META),
];

fn find<'a>(attrs: &'a [Attr], key: &str) -> Option<&'a Attr> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(key))
}

/// Rewrites, in place, the keys of `map` that name a known attribute (or a known extension URN)
/// to their canonical spelling, recursing into complex and multi-valued complex attributes.
/// Unknown keys are kept as they are; keys already canonical are not touched (the common case
/// costs one case-insensitive lookup per key). Two keys that name the same attribute are an
/// `invalidSyntax` error. The walk is the schemas' one ([`respell`]); only the lookup is here.
pub(crate) fn normalize(
    map: &mut Map<String, Value>,
    attrs: &[Attr],
    extensions: &[(&'static str, &'static [Attr])],
) -> Result<(), Error> {
    respell(map, |key, value| {
        let found = find(attrs, key).map(|a| (a.name, a.subs)).or_else(|| {
            extensions
                .iter()
                .find(|(urn, _)| urn.eq_ignore_ascii_case(key))
                .map(|(urn, subs)| (*urn, *subs))
        });
        let Some((canonical, subs)) = found else {
            return Ok(Spelling::Unknown);
        };
        normalize_value(value, subs)?;
        Ok(Spelling::Known(canonical))
    })
}

fn normalize_value(value: &mut Value, subs: &'static [Attr]) -> Result<(), Error> {
    if subs.is_empty() {
        return Ok(());
    }
    match value {
        Value::Object(m) => normalize(m, subs, &[]),
        Value::Array(items) => items.iter_mut().try_for_each(|item| match item {
            Value::Object(m) => normalize(m, subs, &[]),
            _ => Ok(()),
        }),
        _ => Ok(()),
    }
}

/// Deserialises `value` into `T`; a failure is a 400 `invalidValue` naming the attribute path
/// (`User.emails[0].primary: invalid value: string "yes", expected a boolean (true or false)`).
///
/// The path is only tracked when the fast pass has failed (tracking costs about 3× the
/// decoding), by decoding again.
pub(crate) fn decode<T: DeserializeOwned>(value: &Value, what: &str) -> Result<T, Error> {
    if let Ok(t) = T::deserialize(value) {
        return Ok(t);
    }
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(t) => Ok(t),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            Err(if path == "." || path.is_empty() {
                Error::invalid_value(format!("{what}: {inner}"))
            } else {
                Error::invalid_value(format!("{what}.{path}: {inner}"))
            })
        }
    }
}

/// The body must be a JSON object; else a 400 `invalidSyntax`.
pub(crate) fn object(value: Value, what: &str) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(m) => Ok(m),
        other => Err(Error::invalid_syntax(format!(
            "a {what} must be a JSON object, not {}",
            crate::error::json_kind(&other)
        ))),
    }
}

/// Puts `schemas` in order: `core` first (in its canonical spelling), each listed URN once
/// (case-insensitively), then every URN in `required` that is missing.
pub(crate) fn fix_schemas<'a>(
    schemas: &mut Vec<String>,
    core: &str,
    required: impl IntoIterator<Item = &'a str>,
) {
    // The enterprise URN takes its canonical spelling wherever it comes from (a listed URN or
    // an extension key), so a second read of the output changes nothing.
    let canonical = |s: String| {
        if s.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) {
            ENTERPRISE_USER_SCHEMA.to_owned()
        } else {
            s
        }
    };
    let mut out: Vec<String> = Vec::with_capacity(schemas.len() + 1);
    out.push(core.to_owned());
    let listed = schemas.drain(..);
    let required = required.into_iter().map(str::to_owned);
    for s in listed.chain(required).map(canonical) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&s)) {
            out.push(s);
        }
    }
    *schemas = out;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn norm(v: Value) -> Result<Value, Error> {
        let Value::Object(mut m) = v else {
            unreachable!()
        };
        normalize(&mut m, USER, USER_EXTENSIONS).map(|()| Value::Object(m))
    }

    #[test]
    fn keys_become_canonical() {
        let v = norm(json!({
            "USERNAME": "a",
            "Name": {"GivenName": "B", "custom": 1},
            "emails": [{"Value": "x", "PRIMARY": "True"}, "odd"],
            "urn:IETF:params:scim:schemas:extension:enterprise:2.0:user": {"Manager": {"VALUE": "m"}},
            "Unknown": true
        }))
        .unwrap();
        assert_eq!(
            v,
            json!({
                "userName": "a",
                "name": {"givenName": "B", "custom": 1},
                "emails": [{"value": "x", "primary": "True"}, "odd"],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m"}},
                "Unknown": true
            })
        );
    }

    #[test]
    fn duplicate_names_rejected() {
        let e = norm(json!({"userName": "a", "username": "b"})).unwrap_err();
        assert_eq!(e.scim_type(), Some(crate::ScimType::InvalidSyntax));
        assert!(e.detail().contains("userName"));
    }

    /// A value of the right type for the attribute `name` of the tables.
    fn sample(attr: &Attr) -> Value {
        let leaf = |name: &str| match name {
            "active" | "primary" => json!(true),
            "created" | "lastModified" => json!("2020-01-01T00:00:00Z"),
            "version" => json!("W/\"1\""),
            "schemas" => json!([]),
            // base64, as x509Certificates.value must be (RFC 7643 §2.3.6); any string elsewhere
            "value" => json!("c2FtcGxl"),
            _ => json!("s"),
        };
        if attr.subs.is_empty() {
            return leaf(attr.name);
        }
        let obj: Map<String, Value> = attr
            .subs
            .iter()
            .map(|s| (s.name.to_uppercase(), leaf(s.name)))
            .collect();
        match attr.name {
            "name" | "meta" | "manager" => Value::Object(obj),
            _ => Value::Array(vec![Value::Object(obj)]),
        }
    }

    fn table_object(attrs: &[Attr]) -> Map<String, Value> {
        attrs
            .iter()
            .map(|a| (a.name.to_uppercase(), sample(a)))
            .collect()
    }

    /// Every table entry is a typed field (nothing lands in `extra`), and every field the types
    /// write is in the table, with the same spelling.
    fn assert_same_names(written: &Value, attrs: &[Attr], skip: &[&str]) {
        let obj = written.as_object().unwrap();
        let expected: Vec<&str> = attrs
            .iter()
            .map(|a| a.name)
            .filter(|n| !skip.contains(n))
            .collect();
        let mut got: Vec<&str> = obj.keys().map(String::as_str).collect();
        let mut want = expected.clone();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
        for a in attrs.iter().filter(|a| !a.subs.is_empty()) {
            let v = &obj[a.name];
            let inner = v.as_array().map_or(v, |items| &items[0]);
            assert_same_names(inner, a.subs, &[]);
        }
    }

    #[test]
    fn tables_match_the_typed_resources() {
        let mut user = table_object(USER);
        user.insert(
            ENTERPRISE_USER_SCHEMA.to_lowercase(),
            Value::Object(table_object(ENTERPRISE)),
        );
        let u = crate::resource::User::from_json(Value::Object(user)).unwrap();
        assert!(u.extra().is_empty(), "{:?}", u.extra());
        let mut written = u.to_json();
        let ext = written
            .as_object_mut()
            .unwrap()
            .remove(ENTERPRISE_USER_SCHEMA)
            .unwrap();
        assert_same_names(&written, USER, &["password"]);
        assert_same_names(&ext, ENTERPRISE, &[]);

        let g = crate::resource::Group::from_json(Value::Object(table_object(GROUP))).unwrap();
        assert!(g.extra().is_empty());
        assert_same_names(&g.to_json(), GROUP, &[]);
    }

    /// The tables name exactly the attributes of the RFC 7643 §8.7.1 schemas (plus the common
    /// attributes of §3.1 and `schemas`), with the same spelling and sub-attributes.
    #[test]
    fn tables_match_the_rfc_schemas() {
        use crate::schema::{
            Attribute, common_attributes, enterprise_user_schema, group_schema, user_schema,
        };
        fn names(attrs: &[Attr]) -> Vec<(String, Vec<&str>)> {
            let mut v: Vec<_> = attrs
                .iter()
                .map(|a| {
                    let mut subs: Vec<&str> = a.subs.iter().map(|s| s.name).collect();
                    subs.sort_unstable();
                    (a.name.to_owned(), subs)
                })
                .collect();
            v.sort();
            v
        }
        fn schema_names<'a>(
            attrs: impl Iterator<Item = &'a Attribute>,
            with_common: bool,
        ) -> Vec<(String, Vec<&'a str>)> {
            let common = common_attributes().iter().filter(|_| with_common);
            let mut v: Vec<_> = attrs
                .chain(common)
                .map(|a| {
                    let mut subs: Vec<&str> =
                        a.sub_attributes.iter().map(|s| s.name.as_str()).collect();
                    subs.sort_unstable();
                    (a.name.clone(), subs)
                })
                .collect();
            if with_common {
                v.push(("schemas".to_owned(), Vec::new()));
            }
            v.sort();
            v
        }
        assert_eq!(
            names(USER),
            schema_names(user_schema().attributes.iter(), true)
        );
        assert_eq!(
            names(GROUP),
            schema_names(group_schema().attributes.iter(), true)
        );
        assert_eq!(
            names(ENTERPRISE),
            schema_names(enterprise_user_schema().attributes.iter(), false)
        );
        assert_eq!(USER_EXTENSIONS[0].0, enterprise_user_schema().id);
    }

    #[test]
    fn schemas_fixed() {
        let mut s = vec![
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user".to_owned(),
            "x".to_owned(),
            "X".to_owned(),
        ];
        fix_schemas(&mut s, "core", [ENTERPRISE_USER_SCHEMA, "y"]);
        assert_eq!(s, vec!["core", ENTERPRISE_USER_SCHEMA, "x", "y"]);
    }
}
