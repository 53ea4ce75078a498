//! Issue 10: every `Compat` switch that bears on a resource body applies the same way to POST,
//! PUT and PATCH — on, all three accept the deviation; off, all three refuse it.

use crate::server_support::{Answer, Call, builder};
use scimitar::Compat;
use scimitar::server::ScimServer;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async fn server(compat: Compat) -> ScimServer {
    builder().await.compat(compat).build().unwrap()
}

/// A user created the RFC way, to PUT and PATCH.
async fn plain_user(s: &ScimServer, name: &str) -> String {
    let a = Call::post("/Users", json!({"schemas": [USER], "userName": name}))
        .send(s)
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.body["id"].as_str().unwrap().to_owned()
}

/// The same deviation sent by POST, PUT and PATCH: (attribute, value, what is stored).
async fn three_ways(s: &ScimServer, extra: (&str, Value), patch_path: &str) -> [Answer; 3] {
    let (key, value) = extra;
    let mut body = json!({"schemas": [USER, ENTERPRISE], "userName": "post@example.com"});
    body[key] = value.clone();
    if key == ENTERPRISE {
        body[ENTERPRISE] = json!({"manager": value.clone()});
    }
    let post = Call::post("/Users", body.clone()).send(s).await;
    let id = plain_user(s, "put@example.com").await;
    body["userName"] = json!("put@example.com");
    let put = Call::put(&format!("/Users/{id}"), body).send(s).await;
    let id = plain_user(s, "patch@example.com").await;
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                     "Operations": [{"op": "add", "path": patch_path, "value": value}]});
    let patch = Call::patch(&format!("/Users/{id}"), ops).send(s).await;
    [post, put, patch]
}

#[tokio::test]
async fn boolean_strings_on_post_put_patch() {
    let on = server(Compat::default()).await;
    for (a, method) in three_ways(&on, ("active", json!("False")), "active")
        .await
        .iter()
        .zip(["POST", "PUT", "PATCH"])
    {
        assert!(a.status.is_success(), "{method}: {:?}", a.body);
        assert_eq!(a.body["active"], json!(false), "{method}");
    }
    let mut c = Compat::default();
    c.boolean_strings = false;
    let off = server(c).await;
    for (a, method) in three_ways(&off, ("active", json!("False")), "active")
        .await
        .iter()
        .zip(["POST", "PUT", "PATCH"])
    {
        assert_eq!(a.status, 400, "{method}: {:?}", a.body);
    }
}

#[tokio::test]
async fn complex_as_bare_value_on_post_put_patch() {
    let manager = format!("{ENTERPRISE}:manager");
    let on = server(Compat::default()).await;
    for (a, method) in three_ways(&on, (ENTERPRISE, json!("mgr-1")), &manager)
        .await
        .iter()
        .zip(["POST", "PUT", "PATCH"])
    {
        assert!(a.status.is_success(), "{method}: {:?}", a.body);
        assert_eq!(a.body[ENTERPRISE]["manager"]["value"], "mgr-1", "{method}");
    }
    let mut c = Compat::default();
    c.complex_as_bare_value = false;
    let off = server(c).await;
    for (a, method) in three_ways(&off, (ENTERPRISE, json!("mgr-1")), &manager)
        .await
        .iter()
        .zip(["POST", "PUT", "PATCH"])
    {
        assert_eq!(a.status, 400, "{method}: {:?}", a.body);
    }
}

/// A request whose body is typed `application/json`.
fn as_json(method: http::Method, path: &str, body: Value) -> Call {
    Call::new(method, path)
        .header("content-type", "application/json")
        .raw_body(serde_json::to_vec(&body).unwrap())
}

#[tokio::test]
async fn json_content_type_on_post_put_patch() {
    for switch in [true, false] {
        let mut c = Compat::default();
        c.json_content_type = switch;
        let s = server(c).await;
        let id = plain_user(&s, "ct@example.com").await;
        let post = as_json(
            http::Method::POST,
            "/Users",
            json!({"schemas": [USER], "userName": "ct-post@example.com"}),
        );
        let put = as_json(
            http::Method::PUT,
            &format!("/Users/{id}"),
            json!({"schemas": [USER], "userName": "ct-put@example.com"}),
        );
        let ops = json!({"Operations": [{"op": "replace", "path": "displayName", "value": "x"}]});
        let patch = as_json(http::Method::PATCH, &format!("/Users/{id}"), ops);
        for (call, method) in [(post, "POST"), (put, "PUT"), (patch, "PATCH")] {
            let a = call.send(&s).await;
            if switch {
                assert!(a.status.is_success(), "{method}: {:?}", a.body);
            } else {
                assert_eq!(a.status, 415, "{method}: {:?}", a.body);
            }
        }
    }
}

#[tokio::test]
async fn null_or_empty_clears_on_post_put_patch() {
    let manager = format!("{ENTERPRISE}:manager");
    // On: an empty manager is no manager, whichever way it is sent.
    let on = server(Compat::default()).await;
    for (a, method) in three_ways(&on, (ENTERPRISE, json!("")), &manager)
        .await
        .iter()
        .zip(["POST", "PUT", "PATCH"])
    {
        assert!(a.status.is_success(), "{method}: {:?}", a.body);
        assert!(
            a.body[ENTERPRISE]["manager"].is_null(),
            "{method}: {:?}",
            a.body
        );
    }
    // Off: "" is an ordinary value, the same one by every method.
    let mut c = Compat::default();
    c.null_or_empty_clears = false;
    let off = server(c).await;
    let answers = three_ways(&off, (ENTERPRISE, json!("")), &manager).await;
    let seen: Vec<(bool, Value)> = answers
        .iter()
        .map(|a| (a.status.is_success(), a.body[ENTERPRISE]["manager"].clone()))
        .collect();
    assert!(seen.iter().all(|s| s == &seen[0]), "{seen:?}");
    assert_eq!(seen[0], (true, json!({"value": ""})));
}
