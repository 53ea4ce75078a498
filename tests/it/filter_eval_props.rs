//! Properties of evaluation: boolean structure is respected (`not`, `and`, `or` behave as
//! logic), and no resource JSON, however odd, panics a compiled filter.

use crate::filter_rfc::resource;
use proptest::prelude::*;
use scimitar::AttrPath;
use scimitar::filter::{CompValue, CompareOp, Filter};
use scimitar::schema::ResourceSchema;
use serde_json::Value;

fn s(v: &str) -> CompValue {
    CompValue::String(v.into())
}

/// Comparisons that make sense for the User schema.
fn leaf() -> impl Strategy<Value = Filter> {
    let string_paths = prop::sample::select(vec![
        "userName",
        "name.familyName",
        "emails",
        "emails.type",
        "title",
        "userType",
        "externalId",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ]);
    let words = prop::sample::select(vec![
        "bjensen@example.com",
        "Jensen",
        "work",
        "EXAMPLE",
        "Tour",
        "",
        "701984",
        "Employee",
    ]);
    let ops = prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Le,
    ]);
    prop_oneof![
        (string_paths.clone(), ops, words).prop_map(|(p, op, w)| Filter::Compare {
            path: AttrPath::parse(p).unwrap(),
            op,
            value: s(w),
        }),
        string_paths.prop_map(|p| Filter::Present(AttrPath::parse(p).unwrap())),
        any::<bool>().prop_map(|b| Filter::Compare {
            path: AttrPath::new("active"),
            op: CompareOp::Eq,
            value: CompValue::Bool(b),
        }),
        prop::sample::select(vec!["2011-05-13T04:42:34Z", "2020-01-01T00:00:00+02:00"]).prop_map(
            |d| Filter::Compare {
                path: AttrPath::parse("meta.lastModified").unwrap(),
                op: CompareOp::Ge,
                value: s(d),
            }
        ),
        Just(Filter::ValuePath {
            path: AttrPath::new("emails"),
            filter: Box::new(Filter::Compare {
                path: AttrPath::new("type"),
                op: CompareOp::Eq,
                value: s("work"),
            }),
        }),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    leaf().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::Or),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    })
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9@. :-]{0,12}".prop_map(Value::from),
    ];
    let keys = prop::sample::select(vec![
        "userName",
        "USERNAME",
        "name",
        "familyName",
        "emails",
        "type",
        "value",
        "title",
        "active",
        "meta",
        "lastModified",
        "externalId",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "department",
        "x",
    ]);
    leaf.prop_recursive(4, 40, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..5).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn logic_holds_over_the_rfc_users(f in filter(), g in filter()) {
        let schema = ResourceSchema::user();
        for name in ["minimal_user", "full_user", "enterprise_user"] {
            let user = resource(name);
            let m = |x: &Filter| x.matches(&user, &schema).unwrap();
            let (a, b) = (m(&f), m(&g));
            prop_assert_eq!(m(&Filter::Not(Box::new(f.clone()))), !a);
            prop_assert_eq!(m(&Filter::And(vec![f.clone(), g.clone()])), a && b);
            prop_assert_eq!(m(&Filter::Or(vec![f.clone(), g.clone()])), a || b);
            // the canonical text means the same thing
            prop_assert_eq!(m(&Filter::parse(&f.to_string()).unwrap()), a);
        }
    }

    #[test]
    fn no_resource_json_panics_evaluation(f in filter(), resource in json()) {
        let compiled = f.compile(&ResourceSchema::user()).unwrap();
        let _ = compiled.matches(&resource);
    }
}
