//! Properties of validation over generated bodies: nothing panics; what `for_create` accepts,
//! `check` accepts too; normalising twice changes nothing; projection of an accepted body
//! never fails.

use proptest::prelude::*;
use scimitar::query::projection::Projection;
use scimitar::query::validate::{self, ValidateOptions};
use scimitar::schema::{ENTERPRISE_USER_SCHEMA, ResourceSchema};
use serde_json::{Map, Value, json};
use std::sync::Arc;

const KEYS: &[&str] = &[
    "schemas",
    "id",
    "externalId",
    "userName",
    "USERNAME",
    "name",
    "displayName",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "groups",
    "x509Certificates",
    "meta",
    "manager",
    "unknownThing",
    ENTERPRISE_USER_SCHEMA,
];

const SUB_KEYS: &[&str] = &[
    "value",
    "VALUE",
    "type",
    "primary",
    "display",
    "givenName",
    "familyName",
    "employeeNumber",
    "manager",
    "$ref",
    "created",
    "odd",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        prop_oneof![
            Just("".to_owned()),
            Just("True".to_owned()),
            Just("work".to_owned()),
            Just("2008-01-23T04:56:22Z".to_owned()),
            Just("aGVsbG8=".to_owned()),
            Just("urn:ietf:params:scim:schemas:core:2.0:User".to_owned()),
            "[a-z@.]{0,12}",
        ]
        .prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(SUB_KEYS), inner), 0..4).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn body() -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(KEYS), value()), 0..8).prop_map(|kv| {
        let mut m: Map<String, Value> = kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        // most bodies carry a user name, so that acceptance is common
        m.entry("userName").or_insert_with(|| json!("bjensen"));
        Value::Object(m)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn accepted_bodies_check_and_are_stable(body in body(), strict in any::<bool>()) {
        let users = ResourceSchema::user();
        let options = if strict { ValidateOptions::strict() } else { ValidateOptions::default() };
        let mut once = body.clone();
        let _ = validate::check(&body, &users, &options);
        if validate::for_create(&mut once, &users, &options).is_ok() {
            validate::check(&once, &users, &options).unwrap();
            let mut twice = once.clone();
            validate::for_create(&mut twice, &users, &options).unwrap();
            prop_assert_eq!(&twice, &once);
            // readOnly values never survive create
            for key in ["id", "meta", "groups"] {
                prop_assert!(once.get(key).is_none());
            }
            let mut replaced = body.clone();
            validate::for_replace(&mut replaced, &once, &users, &options).unwrap();
            let projected = Projection::all(Arc::new(ResourceSchema::user())).project(&once);
            prop_assert!(projected.get("password").is_none());
        }
    }
}
