//! `bulkId` references ([RFC 7644 §3.7.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.2)):
//! `bulkId:<id>` names the resource another operation of the same request creates. It may
//! stand for an id in a `value` anywhere in an operation's `data` (a group's `members`, the
//! enterprise `manager`, a PATCH operation's `value`) and as a segment of its `path`
//! (`/Groups/bulkId:ytrewq`).
//!
//! Only strings whose nearest member name is `value` are references, so a `displayName` that
//! happens to start with `bulkId:` is left alone. Walks are iterative: no client document can
//! exhaust the stack.

use serde_json::{Map, Value};
use std::collections::HashSet;

/// The prefix of a reference (matched case-insensitively).
const PREFIX: &str = "bulkId:";

/// The bulkId a string refers to, if it is a reference.
pub(super) fn reference(s: &str) -> Option<&str> {
    let head = s.get(..PREFIX.len())?;
    if head.eq_ignore_ascii_case(PREFIX) {
        s.get(PREFIX.len()..)
    } else {
        None
    }
}

/// Every bulkId referenced in `data` (in document order, repeats included).
pub(super) fn references(data: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    let mut stack: Vec<(&Value, bool)> = vec![(data, false)];
    while let Some((v, under_value)) = stack.pop() {
        match v {
            Value::Object(map) => stack.extend(
                map.iter()
                    .map(|(k, child)| (child, k.eq_ignore_ascii_case("value"))),
            ),
            Value::Array(items) => stack.extend(items.iter().map(|c| (c, under_value))),
            Value::String(s) if under_value => out.extend(reference(s)),
            _ => {}
        }
    }
    out
}

/// The bulkIds referenced by segments of a path (`/Groups/bulkId:ytrewq`).
pub(super) fn path_references(path: &str) -> impl Iterator<Item = &str> {
    let path_part = path.split_once('?').map_or(path, |(p, _)| p);
    path_part.split('/').filter_map(reference)
}

/// Replaces every reference in `data` by `resolve(bulkId)`; the first bulkId it cannot
/// resolve is the error.
pub(super) fn resolve_value<E>(
    data: &mut Value,
    resolve: &impl Fn(&str) -> Result<String, E>,
) -> Result<(), E> {
    let mut stack: Vec<(&mut Value, bool)> = vec![(data, false)];
    while let Some((v, under_value)) = stack.pop() {
        match v {
            Value::Object(map) => stack.extend(
                map.iter_mut()
                    .map(|(k, child)| (child, k.eq_ignore_ascii_case("value"))),
            ),
            Value::Array(items) => stack.extend(items.iter_mut().map(|c| (c, under_value))),
            Value::String(s) if under_value => {
                if let Some(id) = reference(s) {
                    *s = resolve(id)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The path with each `bulkId:<id>` segment replaced by `resolve(id)` (which must return it
/// escaped for a path segment).
pub(super) fn resolve_path<E>(
    path: &str,
    resolve: &impl Fn(&str) -> Result<String, E>,
) -> Result<String, E> {
    let (path_part, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut out = String::with_capacity(path.len() + 32);
    for (i, seg) in path_part.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        match reference(seg) {
            Some(id) => out.push_str(&resolve(id)?),
            None => out.push_str(seg),
        }
    }
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

/// A part of a POST's data set aside because it refers to a resource created in the same
/// reference cycle: added by a PATCH once every resource of the cycle exists
/// ([RFC 7644 §3.7.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.1)).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Deferred {
    /// The PATCH path: `members`, or `urn:…:User:manager` for an extension attribute.
    pub(super) path: String,
    /// The value to add (references still unresolved).
    pub(super) value: Value,
}

/// Takes out of a POST's `data` every attribute value (or, for a multi-valued attribute,
/// every element) that refers to one of `cyclic`, so the resource can be created without
/// them; returns what was taken as PATCH `add` operations. Attributes of extension schemas
/// (members whose name starts with `urn:`) are handled one level down.
pub(super) fn defer_cyclic(data: &mut Value, cyclic: &HashSet<&str>) -> Vec<Deferred> {
    let mut out = Vec::new();
    let Value::Object(map) = data else {
        return out;
    };
    let refers = |v: &Value| references(v).iter().any(|r| cyclic.contains(r));
    for (key, value) in map.iter_mut() {
        if key.len() > 4
            && key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
            && let Value::Object(ext) = value
        {
            take_referring(ext, &refers, &format!("{key}:"), &mut out);
        }
    }
    take_referring(map, &refers, "", &mut out);
    out
}

/// [`defer_cyclic`] on one level of attributes, `prefix` naming their schema in the path.
fn take_referring(
    map: &mut Map<String, Value>,
    refers: &impl Fn(&Value) -> bool,
    prefix: &str,
    out: &mut Vec<Deferred>,
) {
    let mut whole = Vec::new();
    for (key, value) in map.iter_mut() {
        if prefix.is_empty() && key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
            continue;
        }
        match value {
            Value::Array(items) if items.iter().any(refers) => {
                let (taken, kept): (Vec<Value>, Vec<Value>) =
                    std::mem::take(items).into_iter().partition(refers);
                *items = kept;
                out.push(Deferred {
                    path: format!("{prefix}{key}"),
                    value: Value::Array(taken),
                });
            }
            Value::Array(_) => {}
            v if refers(v) => whole.push(key.clone()),
            _ => {}
        }
    }
    for key in whole {
        if let Some(value) = map.remove(&key) {
            out.push(Deferred {
                path: format!("{prefix}{key}"),
                value,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_values_only() {
        let data = json!({
            "displayName": "bulkId:not-a-ref",
            "members": [{"type": "User", "value": "bulkId:qwerty"}, {"value": "plain"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "manager": {"value": "BULKID:boss"}
            },
            "Operations": [{"op": "add", "path": "members", "value": "bulkId:x"}]
        });
        let mut refs = references(&data);
        refs.sort_unstable();
        assert_eq!(refs, vec!["boss", "qwerty", "x"]);
    }

    #[test]
    fn resolves_values_and_paths() {
        let mut data = json!({"members": [{"value": "bulkId:a"}, {"value": "bulkId:b"}]});
        let ok = |id: &str| -> Result<String, String> { Ok(format!("id-{id}")) };
        resolve_value(&mut data, &ok).unwrap();
        assert_eq!(
            data,
            json!({"members": [{"value": "id-a"}, {"value": "id-b"}]})
        );
        let fail = |id: &str| -> Result<String, String> { Err(id.to_owned()) };
        let mut data = json!({"manager": {"value": "bulkId:nope"}});
        assert_eq!(resolve_value(&mut data, &fail).unwrap_err(), "nope");
        assert_eq!(
            resolve_path("/Groups/bulkId:g?attributes=x", &ok).unwrap(),
            "/Groups/id-g?attributes=x"
        );
        assert_eq!(resolve_path("/Users/plain", &fail).unwrap(), "/Users/plain");
        assert_eq!(
            path_references("/Groups/bulkId:g").collect::<Vec<_>>(),
            vec!["g"]
        );
    }

    #[test]
    fn cyclic_parts_are_deferred() {
        let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let mut data = json!({
            "displayName": "A",
            "members": [{"value": "bulkId:b"}, {"value": "bulkId:outside"}, {"value": "x"}],
            ext: {"manager": {"value": "bulkId:b"}, "department": "HR"}
        });
        let cyclic: HashSet<&str> = ["b"].into_iter().collect();
        let deferred = defer_cyclic(&mut data, &cyclic);
        assert_eq!(
            data,
            json!({
                "displayName": "A",
                "members": [{"value": "bulkId:outside"}, {"value": "x"}],
                ext: {"department": "HR"}
            })
        );
        assert_eq!(deferred.len(), 2);
        assert!(deferred.contains(&Deferred {
            path: "members".into(),
            value: json!([{"value": "bulkId:b"}])
        }));
        assert!(deferred.contains(&Deferred {
            path: format!("{ext}:manager"),
            value: json!({"value": "bulkId:b"})
        }));
    }
}
