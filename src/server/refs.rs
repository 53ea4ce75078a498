//! `$ref` URIs of references inside a resource: a Group's `members`, a User's `groups` and the
//! enterprise `manager` ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2),
//! [§4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2),
//! [§4.3](https://www.rfc-editor.org/rfc/rfc7643#section-4.3)): "the URI of the corresponding
//! resource". Only the server knows its base URL, so it fills them in where the backend left
//! them out (a `$ref` already present is kept).

use crate::schema::ENTERPRISE_USER_SCHEMA;
use crate::schema::names::{get_ci, get_ci_mut};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Map, Value};

/// Characters escaped in an id placed in a URL path segment (RFC 3986 §3.3).
pub(crate) const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// `{base}/{endpoint}/{id}` with the id escaped for a path segment.
pub(crate) fn resource_url(base: &str, endpoint: &str, id: &str) -> String {
    // built by pushes: every response carries a few of these, `format!` costs more than the copy
    let id: std::borrow::Cow<'_, str> = utf8_percent_encode(id, SEGMENT).into();
    let mut url = String::with_capacity(base.len() + endpoint.len() + id.len() + 2);
    url.push_str(base);
    url.push('/');
    url.push_str(endpoint);
    url.push('/');
    url.push_str(&id);
    url
}

/// Fills the missing `$ref` of `members` (by their `type`: `User` or `Group`; a member without
/// a type is left alone), of `groups` (always Groups) and of the enterprise `manager` (a User).
pub(crate) fn fill(resource: &mut Map<String, Value>, base: &str) {
    for (key, value) in resource.iter_mut() {
        if key.eq_ignore_ascii_case("members") {
            for_each_object(value, |m| {
                let endpoint = match string(m, "type") {
                    Some(t) if t.eq_ignore_ascii_case("User") => "Users",
                    Some(t) if t.eq_ignore_ascii_case("Group") => "Groups",
                    _ => return,
                };
                set_ref(m, base, endpoint);
            });
        } else if key.eq_ignore_ascii_case("groups") {
            for_each_object(value, |g| set_ref(g, base, "Groups"));
        } else if key.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA)
            && let Some(Value::Object(manager)) = value
                .as_object_mut()
                .and_then(|ext| get_ci_mut(ext, "manager"))
        {
            set_ref(manager, base, "Users");
        }
    }
}

fn for_each_object(value: &mut Value, mut f: impl FnMut(&mut Map<String, Value>)) {
    if let Value::Array(items) = value {
        for item in items {
            if let Value::Object(obj) = item {
                f(obj);
            }
        }
    }
}

fn string<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    get_ci(obj, key).and_then(Value::as_str)
}

fn set_ref(obj: &mut Map<String, Value>, base: &str, endpoint: &str) {
    let has_ref = obj
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("$ref") && !v.is_null());
    if has_ref {
        return;
    }
    let Some(id) = string(obj, "value").filter(|v| !v.is_empty()) else {
        return;
    };
    let url = resource_url(base, endpoint, id);
    obj.retain(|k, _| !k.eq_ignore_ascii_case("$ref"));
    obj.insert("$ref".into(), Value::String(url));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BASE: &str = "https://x.example/scim/v2";

    fn filled(v: Value) -> Value {
        let Value::Object(mut m) = v else { panic!() };
        fill(&mut m, BASE);
        Value::Object(m)
    }

    #[test]
    fn members_by_type_groups_and_manager() {
        let g = filled(json!({
            "members": [
                {"value": "u1", "type": "User"},
                {"value": "g 2", "type": "Group", "$ref": null},
                {"value": "x"},
                {"value": "u3", "type": "User", "$ref": "https://elsewhere/Users/u3"}
            ]
        }));
        assert_eq!(g["members"][0]["$ref"], format!("{BASE}/Users/u1"));
        assert_eq!(g["members"][1]["$ref"], format!("{BASE}/Groups/g%202"));
        assert!(g["members"][2].get("$ref").is_none());
        assert_eq!(g["members"][3]["$ref"], "https://elsewhere/Users/u3");
        let u = filled(json!({
            "groups": [{"value": "g1", "display": "Sales"}],
            ENTERPRISE_USER_SCHEMA: {"manager": {"value": "m/1"}}
        }));
        assert_eq!(u["groups"][0]["$ref"], format!("{BASE}/Groups/g1"));
        assert_eq!(
            u[ENTERPRISE_USER_SCHEMA]["manager"]["$ref"],
            format!("{BASE}/Users/m%2F1")
        );
    }

    #[test]
    fn urls_escape_the_id_segment() {
        let base = "https://x.example/scim/v2";
        assert_eq!(
            resource_url(base, "Users", "2819c223"),
            "https://x.example/scim/v2/Users/2819c223"
        );
        assert_eq!(
            resource_url(base, "Groups", "a b/c?d#%"),
            "https://x.example/scim/v2/Groups/a%20b%2Fc%3Fd%23%25"
        );
        assert_eq!(
            resource_url(base, "Users", "é"),
            format!("{base}/Users/%C3%A9")
        );
    }

    #[test]
    fn odd_shapes_are_left_alone() {
        let v =
            json!({"members": "x", "groups": [1, null], ENTERPRISE_USER_SCHEMA: {"manager": ""}});
        assert_eq!(filled(v.clone()), v);
    }
}
