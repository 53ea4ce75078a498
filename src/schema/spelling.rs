//! Attribute names take their canonical (schema) spelling: attribute names are case-insensitive
//! ([RFC 7643 §2.1](https://www.rfc-editor.org/rfc/rfc7643#section-2.1)), so `USERNAME` and
//! `userName` are one attribute, and two keys of one object that name the same attribute are an
//! `invalidSyntax` error.
//!
//! One walk for both callers: the typed resources (static name tables, no schema walk, before
//! serde sees the JSON) and schema validation (which also drops nulls and readOnly values).
//! Each decides per key through a `visit` closure; [`respell`] does the renaming and the
//! duplicate check.

use crate::error::Error;
use serde_json::{Map, Value};

/// What [`respell`] does with one key, as the `visit` closure decides.
pub(crate) enum Spelling<'s> {
    /// An attribute the caller does not know: the key stays as the client spelt it.
    Unknown,
    /// The key names the attribute spelt `canonical`; the key takes that spelling.
    Known(&'s str),
    /// The member is removed (a null, a readOnly value, nothing left of a complex value).
    Drop,
}

/// Renames, in place, each key of `map` to the spelling `visit` gives it, and removes the keys
/// `visit` drops. `visit` sees each member once, with its value to normalise (and recurse into)
/// as it needs. Keys already spelt canonically cost no allocation; the common case (nothing to
/// change) allocates nothing.
///
/// Dropped members are removed first, so a dropped `userName: null` does not clash with a
/// `USERNAME` of the same object; two remaining keys that name one attribute are a 400
/// `invalidSyntax` ([`given_twice`]).
pub(crate) fn respell<'s>(
    map: &mut Map<String, Value>,
    mut visit: impl FnMut(&str, &mut Value) -> Result<Spelling<'s>, Error>,
) -> Result<(), Error> {
    // (client key, canonical spelling or None to drop); empty, and unallocated, when every key
    // is canonical and kept.
    let mut changes: Vec<(String, Option<&'s str>)> = Vec::new();
    for (key, value) in map.iter_mut() {
        match visit(key, value)? {
            Spelling::Unknown => {}
            Spelling::Known(canonical) if key == canonical => {}
            Spelling::Known(canonical) => changes.push((key.clone(), Some(canonical))),
            Spelling::Drop => changes.push((key.clone(), None)),
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    for (key, _) in changes.iter().filter(|(_, to)| to.is_none()) {
        map.remove(key);
    }
    for (key, canonical) in changes {
        let Some(canonical) = canonical else { continue };
        if map.contains_key(canonical) {
            return Err(given_twice(canonical));
        }
        if let Some(value) = map.remove(&key) {
            map.insert(canonical.to_owned(), value);
        }
    }
    Ok(())
}

/// The error for two keys that name one attribute: 400 `invalidSyntax` (RFC 7644 §3.12).
pub(crate) fn given_twice(name: &str) -> Error {
    Error::invalid_syntax(format!(
        "attribute \"{name}\" is given twice (names are case-insensitive)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// `userName` and `emails` known, `id` dropped, nulls dropped.
    fn visit(key: &str, value: &mut Value) -> Result<Spelling<'static>, Error> {
        if value.is_null() || key.eq_ignore_ascii_case("id") {
            return Ok(Spelling::Drop);
        }
        Ok(["userName", "emails"]
            .into_iter()
            .find(|n| n.eq_ignore_ascii_case(key))
            .map_or(Spelling::Unknown, Spelling::Known))
    }

    #[test]
    fn keys_renamed_dropped_or_kept() {
        let mut m = object(json!({"USERNAME": "a", "Emails": [], "ID": "1", "x": null, "Odd": 1}));
        respell(&mut m, visit).unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"userName": "a", "emails": [], "Odd": 1})
        );
    }

    #[test]
    fn one_attribute_twice_is_invalid_syntax() {
        for twice in [
            json!({"userName": "a", "USERNAME": "b"}),
            json!({"username": "a", "USERNAME": "b"}),
        ] {
            let e = respell(&mut object(twice), visit).unwrap_err();
            assert_eq!(e.scim_type(), Some(crate::ScimType::InvalidSyntax));
            assert!(e.detail().contains("\"userName\" is given twice"), "{e:?}");
        }
        // a dropped null does not clash with the other spelling
        let mut m = object(json!({"userName": null, "USERNAME": "b", "id": 1, "ID": 2}));
        respell(&mut m, visit).unwrap();
        assert_eq!(Value::Object(m), json!({"userName": "b"}));
    }

    #[test]
    fn visit_errors_pass_through() {
        let e = respell(&mut object(json!({"a": 1})), |_, _| {
            Err(Error::invalid_value("no"))
        })
        .unwrap_err();
        assert_eq!(e.detail(), "no");
    }
}
