//! Property: whatever bulk body a client sends (any mix of methods, paths, bulkIds,
//! references, cycles, junk), `/Bulk` answers a SCIM response and never a 500, and no
//! operation inside it is a 500 either (DESIGN §5).

use super::server_support::*;
use proptest::prelude::*;
use serde_json::{Value, json};

fn method() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => Just(json!("POST")),
        2 => Just(json!("PATCH")),
        1 => Just(json!("put")),
        1 => Just(json!("DELETE")),
        1 => Just(json!("GET")),
        1 => Just(json!(7)),
    ]
}

fn bulk_id() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        1 => Just(None),
        4 => "[abc]".prop_map(|s| Some(json!(s))),
        1 => Just(Some(json!(""))),
        1 => Just(Some(json!(["a"]))),
    ]
}

fn path() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => Just(json!("/Users")),
        3 => Just(json!("/Groups")),
        2 => "/(Users|Groups)/bulkId:[abcd]".prop_map(|s| json!(s)),
        1 => Just(json!("/Bulk")),
        1 => Just(json!("/Me")),
        1 => "[a-zA-Z/:% ?]{0,16}".prop_map(|s| json!(s)),
        1 => Just(json!(null)),
    ]
}

fn members() -> impl Strategy<Value = Vec<Value>> {
    proptest::collection::vec(reference(), 0..4)
}

fn reference() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => "bulkId:[abcd]".prop_map(|s| json!({"value": s})),
        1 => "[a-z]{0,4}".prop_map(|s| json!({"value": s})),
        1 => Just(json!({"value": 3})),
    ]
}

fn data() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        1 => Just(None),
        3 => ("[a-z]{1,6}", members()).prop_map(|(n, m)| {
            Some(json!({"userName": n, "displayName": n, "members": m}))
        }),
        2 => members().prop_map(|m| Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": m}]
        }))),
        1 => reference().prop_map(|r| Some(json!({
            "userName": "m",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": r}
        }))),
        1 => "[\\[\\]{}\":,a-z0-9 ]{0,20}".prop_map(|s| Some(json!(s))),
    ]
}

fn operation() -> impl Strategy<Value = Value> {
    (method(), bulk_id(), path(), data()).prop_map(|(m, b, p, d)| {
        let mut op = serde_json::Map::new();
        op.insert("method".into(), m);
        op.insert("path".into(), p);
        if let Some(b) = b {
            op.insert("bulkId".into(), b);
        }
        if let Some(d) = d {
            op.insert("data".into(), d);
        }
        Value::Object(op)
    })
}

fn body() -> impl Strategy<Value = Value> {
    let ops = proptest::collection::vec(operation(), 0..8);
    prop_oneof![
        6 => (ops, proptest::option::of(0i64..4)).prop_map(|(ops, fail)| {
            let mut b = json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                "Operations": ops
            });
            if let Some(f) = fail {
                b["failOnErrors"] = json!(f);
            }
            b
        }),
        1 => "[\\[\\]{}\":,a-zA-Z0-9 ]{0,30}".prop_map(|s| json!(s)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_bulk_body_gets_a_scim_answer_never_500(body in body()) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let a = rt.block_on(async {
            let s = server().await;
            Call::post("/Bulk", body.clone()).send(&s).await
        });
        prop_assert!(!a.status.is_server_error(), "{body} → {} {:?}", a.status, a.body);
        if a.status.is_client_error() {
            prop_assert_eq!(&a.body["status"], a.status.as_str());
        } else {
            prop_assert_eq!(a.status, 200);
            let ops = a.body["Operations"].as_array().unwrap();
            let sent = body["Operations"].as_array().map_or(0, Vec::len);
            prop_assert!(ops.len() <= sent);
            for op in ops {
                let status: u16 = op["status"].as_str().unwrap().parse().unwrap();
                prop_assert!(status < 500, "{body} → {op}");
                if status >= 400 {
                    prop_assert_eq!(&op["response"]["status"], &op["status"]);
                }
            }
        }
    }
}
