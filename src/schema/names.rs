//! Members of a JSON object looked up by attribute name, which is case-insensitive
//! ([RFC 7643 §2.1](https://www.rfc-editor.org/rfc/rfc7643#section-2.1)): the exact spelling
//! first (one hash or tree lookup, the common case), then any spelling.

use serde_json::{Map, Value};
use std::borrow::Cow;

/// `obj[name]`, the name matched case-insensitively.
pub(crate) fn get_ci<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// `obj[name]` for writing, the name matched case-insensitively.
pub(crate) fn get_ci_mut<'v>(obj: &'v mut Map<String, Value>, name: &str) -> Option<&'v mut Value> {
    let key = key_ci(obj, name)?.into_owned();
    obj.get_mut(&key)
}

/// The key under which `name` is stored in `obj` (case-insensitive), if present: `name`
/// itself (borrowed, no allocation) when the spelling matches, else a copy of the stored key.
pub(crate) fn key_ci<'n>(obj: &Map<String, Value>, name: &'n str) -> Option<Cow<'n, str>> {
    if obj.contains_key(name) {
        return Some(Cow::Borrowed(name));
    }
    obj.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .map(|k| Cow::Owned(k.clone()))
}

/// `obj[name]` with the key it is stored under (see [`key_ci`]), in one search when the
/// spelling matches.
pub(crate) fn entry_ci<'n, 'v>(
    obj: &'v Map<String, Value>,
    name: &'n str,
) -> Option<(Cow<'n, str>, &'v Value)> {
    if let Some(v) = obj.get(name) {
        return Some((Cow::Borrowed(name), v));
    }
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(k, v)| (Cow::Owned(k.clone()), v))
}

/// Removes `obj[name]`, the name matched case-insensitively.
pub(crate) fn remove_ci(obj: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = key_ci(obj, name)?.into_owned();
    obj.remove(&key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exact_spelling_first_then_any() {
        let Value::Object(mut m) = json!({"userName": 1, "USERNAME": 2, "displayName": 3}) else {
            unreachable!()
        };
        assert_eq!(get_ci(&m, "USERNAME"), Some(&json!(2)));
        assert_eq!(
            get_ci(&m, "username")
                .and_then(Value::as_i64)
                .map(|n| n > 0),
            Some(true)
        );
        assert_eq!(get_ci(&m, "DISPLAYNAME"), Some(&json!(3)));
        assert_eq!(key_ci(&m, "displayname").as_deref(), Some("displayName"));
        assert!(matches!(key_ci(&m, "userName"), Some(Cow::Borrowed(_))));
        assert_eq!(
            entry_ci(&m, "DisplayName")
                .map(|(k, _)| k.into_owned())
                .as_deref(),
            Some("displayName")
        );
        assert!(get_ci(&m, "emails").is_none());
        if let Some(v) = get_ci_mut(&mut m, "displayname") {
            *v = json!(4);
        }
        assert_eq!(remove_ci(&mut m, "DISPLAYNAME"), Some(json!(4)));
        assert!(key_ci(&m, "displayName").is_none());
    }
}
