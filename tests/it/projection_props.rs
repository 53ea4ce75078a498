//! Properties of projection over the RFC 7643 §8 examples, for any `attributes` or
//! `excludedAttributes` list drawn from real, unknown, URN-qualified and odd-cased names.

use proptest::prelude::*;
use scimitar::AttrPath;
use scimitar::query::projection::Projection;
use scimitar::schema::{ENTERPRISE_USER_SCHEMA, ResourceSchema};
use serde_json::{Map, Value};
use std::sync::Arc;

const NAMES: &[&str] = &[
    "id",
    "userName",
    "USERNAME",
    "name",
    "name.givenName",
    "name.FAMILYNAME",
    "emails",
    "emails.value",
    "emails.type",
    "password",
    "meta",
    "meta.created",
    "groups.display",
    "x509Certificates.value",
    "employeeNumber",
    "manager.value",
    "nope",
    "name.nope",
];

fn path(text: &str, with_urn: bool) -> AttrPath {
    let mut p = match text.split_once('.') {
        Some((a, b)) => AttrPath::new(a).with_sub_attr(b),
        None => AttrPath::new(text),
    };
    if with_urn {
        let ext = ["employeeNumber", "manager"]
            .iter()
            .any(|n| p.name.eq_ignore_ascii_case(n));
        p = p.with_urn(if ext {
            ENTERPRISE_USER_SCHEMA
        } else {
            "urn:ietf:params:scim:schemas:core:2.0:User"
        });
    }
    p
}

fn whole_extension() -> AttrPath {
    AttrPath::new("User").with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0")
}

fn paths() -> impl Strategy<Value = Vec<AttrPath>> {
    prop::collection::vec(
        (0..NAMES.len() + 1, any::<bool>()).prop_map(|(i, urn)| match NAMES.get(i) {
            Some(n) => path(n, urn),
            None => whole_extension(),
        }),
        0..6,
    )
}

fn examples() -> Vec<Value> {
    [
        include_str!("../data/rfc7643/minimal_user.json"),
        include_str!("../data/rfc7643/full_user.json"),
        include_str!("../data/rfc7643/enterprise_user.json"),
    ]
    .iter()
    .map(|t| serde_json::from_str(t).unwrap())
    .collect()
}

/// `out` is `input` with keys (and nested keys, and array elements) removed, nothing added.
fn is_pruned_copy(out: &Value, input: &Value) -> bool {
    match (out, input) {
        (Value::Object(o), Value::Object(i)) => o
            .iter()
            .all(|(k, v)| i.get(k).is_some_and(|iv| is_pruned_copy(v, iv))),
        (Value::Array(o), Value::Array(i)) => {
            o.len() <= i.len() && o.iter().all(|v| i.iter().any(|iv| is_pruned_copy(v, iv)))
        }
        _ => out == input,
    }
}

fn top(out: &Value) -> &Map<String, Value> {
    out.as_object().unwrap()
}

proptest! {
    #[test]
    fn projection_invariants(include in paths(), exclude in paths()) {
        let rs = Arc::new(ResourceSchema::user());
        let p = Projection::new(Arc::clone(&rs), &include, &exclude);
        for input in examples() {
            let out = p.project(&input);
            let mut in_place = input.clone();
            p.apply(&mut in_place);
            prop_assert_eq!(&out, &in_place);
            prop_assert!(is_pruned_copy(&out, &input));
            let o = top(&out);
            prop_assert!(o.contains_key("id"));
            prop_assert!(o.contains_key("schemas"));
            prop_assert!(!o.contains_key("password"));
            for key in o.keys() {
                prop_assert!(p.returns(key), "{key} returned but returns() says no");
            }
            if include.is_empty() && exclude.is_empty() {
                prop_assert_eq!(o.len(), top(&input).len() - usize::from(input.get("password").is_some()));
            }
            // projecting again changes nothing
            prop_assert_eq!(p.project(&out), out);
        }
    }
}
