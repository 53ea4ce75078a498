//! Case-insensitive attribute names for the typed resources: before serde (which matches names
//! exactly) sees a client's JSON, the names of known attributes are rewritten to their canonical
//! spelling ([RFC 7643 §2.1](https://www.rfc-editor.org/rfc/rfc7643#section-2.1): attribute names
//! are case-insensitive), and serde errors become SCIM errors naming the attribute path.
//!
//! The tables are the attributes of RFC 7643 §4.1–§4.3 and §3.1, exactly the fields of the typed
//! resources; a test checks them against the serialised types.

use crate::Error;
use crate::schema::ENTERPRISE_USER_SCHEMA;
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

/// Rewrites the keys of `map` that name a known attribute (or a known extension URN) to their
/// canonical spelling, recursing into complex and multi-valued complex attributes. Unknown keys
/// are kept as they are. Two keys that name the same attribute are an `invalidSyntax` error.
pub(crate) fn normalize(
    map: Map<String, Value>,
    attrs: &[Attr],
    extensions: &[(&'static str, &'static [Attr])],
) -> Result<Map<String, Value>, Error> {
    let mut out = Map::new();
    for (key, value) in map {
        let (key, value) = if let Some(attr) = find(attrs, &key) {
            (attr.name.to_owned(), normalize_value(value, attr.subs)?)
        } else if let Some((urn, subs)) = extensions
            .iter()
            .find(|(urn, _)| urn.eq_ignore_ascii_case(&key))
        {
            ((*urn).to_owned(), normalize_value(value, subs)?)
        } else {
            (key, value)
        };
        if out.contains_key(&key) {
            return Err(Error::invalid_syntax(format!(
                "attribute \"{key}\" is given more than once (attribute names are case-insensitive)"
            )));
        }
        out.insert(key, value);
    }
    Ok(out)
}

fn normalize_value(value: Value, subs: &[Attr]) -> Result<Value, Error> {
    if subs.is_empty() {
        return Ok(value);
    }
    Ok(match value {
        Value::Object(m) => Value::Object(normalize(m, subs, &[])?),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| match item {
                    Value::Object(m) => normalize(m, subs, &[]).map(Value::Object),
                    other => Ok(other),
                })
                .collect::<Result<_, _>>()?,
        ),
        other => other,
    })
}

/// Deserialises `value` into `T`; a failure is a 400 `invalidValue` naming the attribute path
/// (`User.emails[0].primary: invalid value: string "yes", expected a boolean (true or false)`).
pub(crate) fn decode<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            Error::invalid_value(format!("{what}: {inner}"))
        } else {
            Error::invalid_value(format!("{what}.{path}: {inner}"))
        }
    })
}

/// The body must be a JSON object; else a 400 `invalidSyntax`.
pub(crate) fn object(value: Value, what: &str) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(m) => Ok(m),
        other => Err(Error::invalid_syntax(format!(
            "a {what} must be a JSON object, not {}",
            kind_of(&other)
        ))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Puts `schemas` in order: `core` first (in its canonical spelling), each listed URN once
/// (case-insensitively), then every URN in `required` that is missing.
pub(crate) fn fix_schemas<'a>(
    schemas: &mut Vec<String>,
    core: &str,
    required: impl IntoIterator<Item = &'a str>,
) {
    let mut out: Vec<String> = Vec::with_capacity(schemas.len() + 1);
    out.push(core.to_owned());
    for s in schemas.drain(..) {
        let canonical = if s.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) {
            ENTERPRISE_USER_SCHEMA.to_owned()
        } else {
            s
        };
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&canonical)) {
            out.push(canonical);
        }
    }
    for r in required {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(r)) {
            out.push(r.to_owned());
        }
    }
    *schemas = out;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn norm(v: Value) -> Result<Value, Error> {
        let Value::Object(m) = v else { unreachable!() };
        normalize(m, USER, USER_EXTENSIONS).map(Value::Object)
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
