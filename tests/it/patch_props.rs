//! Properties of the PATCH engine (RFC 7644 §3.5.2): all or nothing, results valid under the
//! schema, add-then-remove returns the original, adding an existing value changes nothing.

use super::patch_common::*;
use proptest::prelude::*;
use proptest::sample::select;
use scimitar::Compat;
use scimitar::patch::{PatchLimits, PatchRequest};
use scimitar::query::validate::{ValidateOptions, check};
use serde_json::{Value, json};

const PATHS: &[&str] = &[
    "displayName",
    "nickName",
    "userName",
    "active",
    "title",
    "name",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.value",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[type eq \"home\"].primary",
    "emails[value ew \"example.com\"]",
    "phoneNumbers[type eq \"fax\"].value",
    "addresses[type eq \"work\"].locality",
    "addresses",
    "x509Certificates",
    "members",
    "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]",
    "members[value eq \"nobody\"]",
    "members[type eq \"User\"]",
    "externalId",
    "id",
    "meta",
    "meta.version",
    "groups",
    "schemas",
    "password",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "nope",
    "name.nope",
    "emails[type eq",
];

fn values() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(null)),
        Just(json!("")),
        any::<bool>().prop_map(Value::Bool),
        Just(json!("False")),
        Just(json!("True")),
        (-3i64..3).prop_map(|n| json!(n)),
        Just(json!(1.5)),
        "[a-z@.]{1,8}".prop_map(Value::String),
        Just(json!("aGVsbG8=")),
        Just(json!({"value": "v1"})),
        Just(json!({"givenName": "G", "familyName": "F"})),
        Just(json!({"value": "a@example.com", "type": "work", "primary": true})),
        Just(json!([{"value": "a@example.com", "type": "home"}, {"value": "b@example.com"}])),
        Just(json!([{"value": "2819c223-7f76-453a-919d-413861904646"}, {"value": "new-member"}])),
        Just(json!([{"$ref": null, "value": "m1"}])),
        Just(json!([{"value": "aGVsbG8="}])),
        Just(json!({"employeeNumber": "7", "manager": {"value": "m"}})),
        Just(json!({"active": false, "name.givenName": "Z", "displayName": "D"})),
        Just(json!({"id": "x", "nickName": "N"})),
        Just(json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "R"})),
        Just(json!({"bogus": 1})),
        Just(json!([1, 2])),
    ]
}

fn operation() -> impl Strategy<Value = Value> {
    (
        select(vec![
            "add", "remove", "replace", "Replace", "Add", "Remove", "move",
        ]),
        proptest::option::weighted(0.85, select(PATHS.to_vec())),
        proptest::option::weighted(0.8, values()),
    )
        .prop_map(|(op, path, value)| {
            let mut m = serde_json::Map::new();
            m.insert("op".into(), json!(op));
            if let Some(p) = path {
                m.insert("path".into(), json!(p));
            }
            if let Some(v) = value {
                m.insert("value".into(), v);
            }
            Value::Object(m)
        })
}

/// An operation that fits the schema (it may still fail on the resource: noTarget, mutability).
fn typed_operation() -> impl Strategy<Value = Value> {
    let text = "[a-z]{1,6}";
    let kind = select(vec!["add", "replace", "remove"]);
    (kind, 0usize..14, text, any::<bool>()).prop_map(|(kind, which, t, b)| {
        let (path, value) = match which {
            0 => (Some("displayName"), json!(t)),
            1 => (Some("nickName"), json!(t)),
            2 => (Some("active"), if b { json!(b) } else { json!("False") }),
            3 => (Some("name.givenName"), json!(t)),
            4 => (Some("emails"), json!([{"value": format!("{t}@x.org"), "type": "work", "primary": b}])),
            5 => (Some("emails[type eq \"work\"].value"), json!(format!("{t}@y.org"))),
            6 => (Some("members"), json!([{"value": t}])),
            7 => (Some("members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"), json!(null)),
            8 => (Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"), json!(t)),
            9 => (Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"), json!(t)),
            10 => (None, json!({"displayName": t, "name.familyName": t})),
            11 => (None, json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": t}})),
            12 => (Some("addresses[type eq \"home\"].locality"), json!(t)),
            _ => (Some("phoneNumbers"), json!([{"value": t, "type": "mobile"}])),
        };
        let mut m = serde_json::Map::new();
        m.insert("op".into(), json!(kind));
        if let Some(p) = path {
            m.insert("path".into(), json!(p));
        }
        if kind != "remove" || (path.is_some() && which == 6) {
            m.insert("value".into(), value);
        }
        Value::Object(m)
    })
}

fn resource() -> impl Strategy<Value = Value> {
    select(vec![0usize, 1, 2, 3]).prop_map(|i| match i {
        0 => full_user(),
        1 => minimal_user(),
        2 => enterprise_user(),
        _ => group(),
    })
}

fn decode(body: &Value, compat: &Compat) -> Option<PatchRequest> {
    PatchRequest::from_value(body.clone(), compat, &PatchLimits::default()).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// A request that fails leaves the resource byte-identical; one that succeeds leaves it
    /// valid under its schema (unknown attributes rejected, types and required values checked).
    #[test]
    fn all_or_nothing_and_results_validate(
        mut r in resource(),
        operations in proptest::collection::vec(
            prop_oneof![3 => typed_operation(), 1 => operation()], 1..5),
        strict in any::<bool>(),
    ) {
        let compat = if strict { Compat::strict() } else { Compat::default() };
        let Some(req) = decode(&ops(Value::Array(operations)), &compat) else { return Ok(()) };
        let schema = schema_of(&r);
        let before = serde_json::to_string(&r).unwrap();
        match req.apply(&mut r, &schema) {
            Err(_) => prop_assert_eq!(serde_json::to_string(&r).unwrap(), before),
            Ok(out) => {
                check(&r, &schema, &ValidateOptions::strict())
                    .map_err(|e| TestCaseError::fail(format!("{e}: {r}")))?;
                if !out.changed {
                    prop_assert_eq!(serde_json::to_string(&r).unwrap(), before);
                }
            }
        }
    }

    /// Decoding from bytes (serde visitors, no JSON tree) and from a parsed tree agree.
    #[test]
    fn from_slice_and_from_value_agree(
        operations in proptest::collection::vec(
            prop_oneof![typed_operation(), operation()], 0..4),
        with_schemas in any::<bool>(),
        strict in any::<bool>(),
    ) {
        let compat = if strict { Compat::strict() } else { Compat::default() };
        let body = if with_schemas {
            ops(Value::Array(operations))
        } else {
            json!({"Operations": operations})
        };
        let bytes = serde_json::to_vec(&body).unwrap();
        let a = PatchRequest::from_slice(&bytes, &compat, &PatchLimits::default());
        let b = PatchRequest::from_value(body, &compat, &PatchLimits::default());
        match (a, b) {
            (Ok(x), Ok(y)) => prop_assert_eq!(x, y),
            (Err(x), Err(y)) => prop_assert_eq!(x.scim_type(), y.scim_type()),
            (x, y) => prop_assert!(false, "from_slice {:?} but from_value {:?}", x, y),
        }
    }

    /// Adding a value to an attribute that has none, then removing it, gives back the original.
    #[test]
    fn add_then_remove_is_the_identity(
        which in 0usize..6,
        text in "[a-z]{1,10}",
    ) {
        let (mut r, add, remove) = match which {
            0 => (minimal_user(), json!({"op": "add", "path": "nickName", "value": text}),
                  json!({"op": "remove", "path": "nickName"})),
            1 => (minimal_user(), json!({"op": "add", "path": "name.givenName", "value": text}),
                  json!({"op": "remove", "path": "name.givenName"})),
            2 => (minimal_user(),
                  json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": format!("{text}@x.org")}),
                  json!({"op": "remove", "path": "emails[type eq \"work\"]"})),
            3 => (full_user(),
                  json!({"op": "add", "path": format!("{ENTERPRISE}:costCenter"), "value": text}),
                  json!({"op": "remove", "path": format!("{ENTERPRISE}:costCenter")})),
            4 => (group(),
                  json!({"op": "add", "path": "members", "value": [{"value": format!("new-{text}")}]}),
                  json!({"op": "remove", "path": format!("members[value eq \"new-{text}\"]")})),
            _ => (full_user(),
                  json!({"op": "add", "path": "emails", "value": [{"value": format!("{text}@x.org"), "type": "other"}]}),
                  json!({"op": "remove", "path": format!("emails[value eq \"{text}@x.org\"]")})),
        };
        let original = r.clone();
        apply(&mut r, &ops(json!([add]))).unwrap();
        prop_assert_ne!(&r, &original);
        apply(&mut r, &ops(json!([remove]))).unwrap();
        prop_assert_eq!(serde_json::to_string(&r).unwrap(), serde_json::to_string(&original).unwrap());
    }

    /// Adding values that are already there changes nothing, and adding twice is adding once.
    #[test]
    fn add_is_idempotent(
        which in 0usize..3,
        text in "[a-z]{1,10}",
    ) {
        let (r, value_op) = match which {
            0 => (group(), json!({"op": "add", "path": "members", "value": [{"value": format!("m-{text}")}]})),
            1 => (full_user(), json!({"op": "add", "path": "emails", "value": [{"value": format!("{text}@x.org"), "type": "work"}]})),
            _ => (full_user(), json!({"op": "add", "path": "nickName", "value": text})),
        };
        let mut once = r.clone();
        apply(&mut once, &ops(json!([value_op.clone()]))).unwrap();
        let mut twice = once.clone();
        let out = apply(&mut twice, &ops(json!([value_op.clone()]))).unwrap();
        prop_assert!(!out.changed);
        prop_assert_eq!(&twice, &once);
        let mut same_request = r.clone();
        apply(&mut same_request, &ops(json!([value_op.clone(), value_op]))).unwrap();
        prop_assert_eq!(&same_request, &once);
    }
}

#[test]
fn existing_rfc_values_added_again_change_nothing() {
    let mut u = full_user();
    let emails = u["emails"].clone();
    let before = u.clone();
    let out = apply(
        &mut u,
        &ops(json!([{"op": "add", "path": "emails", "value": emails}])),
    )
    .unwrap();
    assert!(!out.changed);
    assert_eq!(u, before);
    let mut g = group();
    let members = g["members"].clone();
    let before = g.clone();
    assert!(
        !apply(
            &mut g,
            &ops(json!([{"op": "add", "path": "members", "value": members}]))
        )
        .unwrap()
        .changed
    );
    assert_eq!(g, before);
}
