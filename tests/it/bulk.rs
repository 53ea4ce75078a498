//! `POST /Bulk` (RFC 7644 §3.7): the RFC's own examples (§3.7.1 circular references, §3.7.2
//! bulkId references, §3.7.3 responses and errors, §3.7.4 limits), a bulk of 1 000 users and a
//! group referencing them all, ordering, failOnErrors, tenant isolation and malformed input.

use super::server_support::*;
use scimitar::server::Limits;
use serde_json::{Value, json};

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn bulk(ops: Value) -> Value {
    json!({"schemas": [BULK_REQUEST], "Operations": ops})
}

/// Sends a bulk request; asserts 200 and the BulkResponse envelope; returns the operations.
async fn send(server: &scimitar::server::ScimServer, body: Value) -> Vec<Value> {
    let a = Call::post("/Bulk", body).send(server).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["schemas"], json!([BULK_RESPONSE]));
    a.body["Operations"].as_array().unwrap().clone()
}

/// The id at the end of an operation's `location`.
fn id_of(op: &Value) -> String {
    let loc = op["location"].as_str().unwrap();
    loc.rsplit('/').next().unwrap().to_owned()
}

async fn get(server: &scimitar::server::ScimServer, path: &str) -> Value {
    let a = Call::get(path).send(server).await;
    assert_eq!(a.status, 200, "{path}: {:?}", a.body);
    a.body
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test]
async fn rfc_3_7_2_a_new_group_with_a_new_user_by_bulk_id() {
    let s = server().await;
    let ops = send(
        &s,
        bulk(json!([
            {"method": "POST", "path": "/Users", "bulkId": "qwerty",
             "data": {"schemas": [USER], "userName": "Alice"}},
            {"method": "POST", "path": "/Groups", "bulkId": "ytrewq",
             "data": {"schemas": [GROUP], "displayName": "Tour Guides",
                      "members": [{"type": "User", "value": "bulkId:qwerty"}]}}
        ])),
    )
    .await;
    assert_eq!(ops.len(), 2);
    for (op, (bulk_id, endpoint)) in ops.iter().zip([("qwerty", "Users"), ("ytrewq", "Groups")]) {
        assert_eq!(op["method"], "POST");
        assert_eq!(op["bulkId"], bulk_id);
        assert_eq!(op["status"], "201");
        assert!(op["version"].as_str().unwrap().starts_with("W/\""), "{op}");
        let loc = op["location"].as_str().unwrap();
        assert!(loc.starts_with(&format!("{BASE}/{endpoint}/")), "{loc}");
        assert!(op.get("response").is_none(), "{op}");
    }
    let user_id = id_of(&ops[0]);
    let group = get(&s, &format!("/Groups/{}", id_of(&ops[1]))).await;
    assert_eq!(member_ids(&group), vec![user_id]);
}

#[tokio::test]
async fn rfc_3_7_2_the_enterprise_manager_by_bulk_id() {
    let s = server().await;
    let ops = send(
        &s,
        bulk(json!([
            {"method": "POST", "path": "/Users", "bulkId": "qwerty",
             "data": {"schemas": [USER], "userName": "Alice"}},
            {"method": "POST", "path": "/Users", "bulkId": "ytrewq",
             "data": {"schemas": [USER, ENTERPRISE], "userName": "Bob",
                      ENTERPRISE: {"employeeNumber": "11250",
                                   "manager": {"value": "bulkId:qwerty"}}}}
        ])),
    )
    .await;
    assert_eq!(
        (ops[0]["status"].as_str(), ops[1]["status"].as_str()),
        (Some("201"), Some("201"))
    );
    let bob = get(&s, &format!("/Users/{}", id_of(&ops[1]))).await;
    assert_eq!(bob[ENTERPRISE]["manager"]["value"], id_of(&ops[0]));
}

#[tokio::test]
async fn a_reference_runs_after_its_definer_whatever_the_order() {
    let s = server().await;
    // the group comes first in the request; the user it names is created before it
    let ops = send(
        &s,
        bulk(json!([
            {"method": "POST", "path": "/Groups", "bulkId": "g",
             "data": {"schemas": [GROUP], "displayName": "Early",
                      "members": [{"type": "User", "value": "bulkId:u"}]}},
            {"method": "PATCH", "path": "/Users/bulkId:u",
             "data": {"schemas": [PATCH_OP],
                      "Operations": [{"op": "replace", "path": "displayName", "value": "Late"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "u",
             "data": {"schemas": [USER], "userName": "late"}}
        ])),
    )
    .await;
    // results come back in request order
    let methods: Vec<&str> = ops.iter().map(|o| o["method"].as_str().unwrap()).collect();
    assert_eq!(methods, ["POST", "PATCH", "POST"]);
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "200", "201"], "{ops:?}");
    let user_id = id_of(&ops[2]);
    assert_eq!(ops[1]["location"], format!("{BASE}/Users/{user_id}"));
    let group = get(&s, &format!("/Groups/{}", id_of(&ops[0]))).await;
    assert_eq!(member_ids(&group), vec![user_id.clone()]);
    let user = get(&s, &format!("/Users/{user_id}")).await;
    assert_eq!(user["displayName"], "Late");
}

#[tokio::test]
async fn a_patch_value_and_a_path_may_name_a_bulk_id() {
    let s = server().await;
    let existing = create_group(&s, "Existing", &[]).await;
    let gid = existing["id"].as_str().unwrap();
    let ops = send(
        &s,
        bulk(json!([
            {"method": "POST", "path": "/Users", "bulkId": "u1",
             "data": {"schemas": [USER], "userName": "u1"}},
            {"method": "PATCH", "path": format!("/Groups/{gid}"),
             "data": {"schemas": [PATCH_OP],
                      "Operations": [{"op": "add", "path": "members",
                                      "value": [{"value": "bulkId:u1"}]}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "g2",
             "data": {"schemas": [GROUP], "displayName": "New"}},
            {"method": "PATCH", "path": "/Groups/bulkId:g2",
             "data": {"schemas": [PATCH_OP],
                      "Operations": [{"op": "add", "path": "members",
                                      "value": [{"value": "bulkId:u1"}]}]}},
            {"method": "DELETE", "path": "/Groups/bulkId:g2"}
        ])),
    )
    .await;
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "204", "201", "204", "204"], "{ops:?}");
    let uid = id_of(&ops[0]);
    assert_eq!(
        member_ids(&get(&s, &format!("/Groups/{gid}")).await),
        vec![uid]
    );
    let g2 = id_of(&ops[2]);
    assert_eq!(ops[4]["location"], format!("{BASE}/Groups/{g2}"));
    Call::get(&format!("/Groups/{g2}"))
        .send(&s)
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn rfc_3_7_1_circular_references_are_resolved() {
    let s = server().await;
    let ops = send(
        &s,
        bulk(json!([
            {"method": "POST", "path": "/Groups", "bulkId": "qwerty",
             "data": {"schemas": [GROUP], "displayName": "Group A",
                      "members": [{"type": "Group", "value": "bulkId:ytrewq"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "ytrewq",
             "data": {"schemas": [GROUP], "displayName": "Group B",
                      "members": [{"type": "Group", "value": "bulkId:qwerty"}]}}
        ])),
    )
    .await;
    assert_eq!(ops.len(), 2);
    for op in &ops {
        assert_eq!(op["status"], "201", "{op}");
        assert!(op["version"].is_string(), "{op}");
    }
    let (a, b) = (id_of(&ops[0]), id_of(&ops[1]));
    let ga = get(&s, &format!("/Groups/{a}")).await;
    let gb = get(&s, &format!("/Groups/{b}")).await;
    assert_eq!(member_ids(&ga), vec![b.clone()]);
    assert_eq!(member_ids(&gb), vec![a.clone()]);
    // the version each operation reports is the one after its references were added
    assert_eq!(ops[0]["version"], ga["meta"]["version"]);
    assert_eq!(ops[1]["version"], gb["meta"]["version"]);
    // as the RFC's follow-up query shows
    let list = get(&s, "/Groups?filter=displayName+sw+%22Group%22").await;
    assert_eq!(list["totalResults"], 2);
}

#[tokio::test]
async fn a_cycle_member_that_fails_leaves_the_other_409() {
    let s = server().await;
    let ops = send(
        &s,
        bulk(json!([
            {"method": "POST", "path": "/Groups", "bulkId": "a",
             "data": {"schemas": [GROUP], "displayName": "A",
                      "members": [{"type": "Group", "value": "bulkId:b"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "b",
             "data": {"schemas": [GROUP], "displayName": 17,
                      "members": [{"type": "Group", "value": "bulkId:a"}]}}
        ])),
    )
    .await;
    assert_eq!(ops[1]["status"], "400", "{ops:?}");
    assert_eq!(ops[0]["status"], "409", "{ops:?}");
    assert_eq!(ops[0]["response"]["scimType"], "invalidValue");
    assert_eq!(ops[0]["response"]["status"], "409");
    // group A exists (its location is given) without the member that could not be made
    let ga = get(&s, &format!("/Groups/{}", id_of(&ops[0]))).await;
    assert!(member_ids(&ga).is_empty());
}

#[tokio::test]
async fn rfc_3_7_3_post_put_patch_delete() {
    let s = server().await;
    let b7 = create_user(&s, "b7").await;
    let d5 = create_user(&s, "d5").await;
    let e9 = create_user(&s, "e9").await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let ver = |v: &Value| v["meta"]["version"].as_str().unwrap().to_owned();
    let ops = send(
        &s,
        bulk(json!([
            {"method": "POST", "path": "/Users", "bulkId": "qwerty",
             "data": {"schemas": [USER], "userName": "Alice"}},
            {"method": "PUT", "path": format!("/Users/{}", id(&b7)), "version": ver(&b7),
             "data": {"schemas": [USER], "id": id(&b7), "userName": "Bob"}},
            {"method": "PATCH", "path": format!("/Users/{}", id(&d5)), "version": ver(&d5),
             "data": {"schemas": [PATCH_OP], "Operations": [
                 {"op": "remove", "path": "nickName"},
                 {"op": "replace", "path": "userName", "value": "Dave"}]}},
            {"method": "DELETE", "path": format!("/Users/{}", id(&e9)), "version": ver(&e9)}
        ])),
    )
    .await;
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "200", "200", "204"], "{ops:?}");
    assert_eq!(ops[0]["bulkId"], "qwerty");
    for (op, user) in ops[1..].iter().zip([&b7, &d5, &e9]) {
        assert_eq!(op["location"], format!("{BASE}/Users/{}", id(user)));
        assert!(op.get("bulkId").is_none());
    }
    // PUT and PATCH report the new version
    assert_ne!(ops[1]["version"], ver(&b7));
    assert_eq!(
        get(&s, &format!("/Users/{}", id(&d5))).await["userName"],
        "Dave"
    );
}

/// The §3.7.3 error example: a POST that violates the schema, a PUT and a PATCH whose
/// version is stale, a DELETE of a user that does not exist.
fn failing_ops(b7: &Value, d5: &Value) -> Value {
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    json!([
        {"method": "POST", "path": "/Users", "bulkId": "qwerty",
         "data": {"schemas": [USER], "userName": ["not", "a", "string"]}},
        {"method": "PUT", "path": format!("/Users/{}", id(b7)), "version": "W/\"stale\"",
         "data": {"schemas": [USER], "userName": "Bob"}},
        {"method": "PATCH", "path": format!("/Users/{}", id(d5)), "version": "W/\"stale\"",
         "data": {"schemas": [PATCH_OP], "Operations": [
             {"op": "replace", "path": "userName", "value": "Dave"}]}},
        {"method": "DELETE", "path": "/Users/e9025315d0c", "version": "W/\"0ee8add0a938e1a\""}
    ])
}

#[tokio::test]
async fn rfc_3_7_3_errors_without_fail_on_errors_run_everything() {
    let s = server().await;
    let b7 = create_user(&s, "b7").await;
    let d5 = create_user(&s, "d5").await;
    let ops = send(&s, bulk(failing_ops(&b7, &d5))).await;
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["400", "412", "412", "404"], "{ops:?}");
    for op in &ops {
        let r = &op["response"];
        assert_eq!(
            r["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        );
        assert_eq!(r["status"], op["status"]);
        assert!(r["detail"].is_string());
    }
    assert_eq!(ops[0]["bulkId"], "qwerty");
    assert!(ops[0].get("location").is_none());
    assert_eq!(ops[3]["location"], format!("{BASE}/Users/e9025315d0c"));
    // nothing changed
    assert_eq!(
        get(&s, &format!("/Users/{}", b7["id"].as_str().unwrap())).await["userName"],
        "b7"
    );
}

#[tokio::test]
async fn rfc_3_7_3_fail_on_errors_stops_after_n_errors() {
    let s = server().await;
    let b7 = create_user(&s, "b7").await;
    let d5 = create_user(&s, "d5").await;
    let mut body = bulk(failing_ops(&b7, &d5));
    body["failOnErrors"] = json!(1);
    let ops = send(&s, body.clone()).await;
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert_eq!(ops[0]["status"], "400");
    assert_eq!(ops[0]["response"]["status"], "400");
    body["failOnErrors"] = json!(2);
    assert_eq!(send(&s, body.clone()).await.len(), 2);
    body["failOnErrors"] = json!(10);
    assert_eq!(send(&s, body).await.len(), 4);
}

#[tokio::test]
async fn fail_on_errors_lets_successes_through() {
    let s = server().await;
    let ops = send(
        &s,
        json!({"schemas": [BULK_REQUEST], "failOnErrors": 1, "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "a"}},
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": {"userName": "a"}},
            {"method": "POST", "path": "/Users", "bulkId": "c", "data": {"userName": "c"}}
        ]}),
    )
    .await;
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "409"], "{ops:?}");
    assert_eq!(ops[1]["response"]["scimType"], "uniqueness");
    let list = get(&s, "/Users?filter=userName+eq+%22c%22").await;
    assert_eq!(list["totalResults"], 0, "c never ran");
}

#[tokio::test]
async fn unknown_and_failed_bulk_ids_are_errors_of_their_operation() {
    let s = server().await;
    let ops = send(
        &s,
        bulk(json!([
            {"method": "POST", "path": "/Groups", "bulkId": "g",
             "data": {"displayName": "G", "members": [{"value": "bulkId:nobody"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "bad", "data": {"userName": 3}},
            {"method": "POST", "path": "/Groups", "bulkId": "h",
             "data": {"displayName": "H", "members": [{"value": "bulkId:bad"}]}},
            {"method": "DELETE", "path": "/Users/bulkId:nobody"},
            {"method": "POST", "path": "/Users", "bulkId": "ok", "data": {"userName": "ok"}}
        ])),
    )
    .await;
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["400", "400", "409", "400", "201"], "{ops:?}");
    for i in [0, 3] {
        assert_eq!(ops[i]["response"]["scimType"], "invalidValue");
        assert!(
            ops[i]["response"]["detail"]
                .as_str()
                .unwrap()
                .contains("bulkId:nobody"),
            "{ops:?}"
        );
    }
    assert_eq!(ops[2]["response"]["scimType"], "invalidValue");
    assert_eq!(get(&s, "/Groups").await["totalResults"], 0);
}

#[tokio::test]
async fn a_thousand_users_and_a_group_of_them_all() {
    // 1 001 operations: one more than the default maxOperations
    let s = server_with(Limits::default().with_max_bulk_operations(1001)).await;
    let mut ops: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"),
                   "data": {"schemas": [USER], "userName": format!("user{i:04}@example.com"),
                            "active": true}})
        })
        .collect();
    let members: Vec<Value> = (0..1000)
        .map(|i| json!({"type": "User", "value": format!("bulkId:u{i}")}))
        .collect();
    // the group is first: it runs last
    ops.insert(
        0,
        json!({"method": "POST", "path": "/Groups", "bulkId": "all",
               "data": {"schemas": [GROUP], "displayName": "Everyone", "members": members}}),
    );
    let results = send(&s, bulk(Value::Array(ops))).await;
    assert_eq!(results.len(), 1001);
    assert!(
        results.iter().all(|o| o["status"] == "201"),
        "{:?}",
        &results[..3]
    );
    let mut user_ids: Vec<String> = results[1..].iter().map(id_of).collect();
    user_ids.sort();
    user_ids.dedup();
    assert_eq!(user_ids.len(), 1000);
    let group = get(&s, &format!("/Groups/{}", id_of(&results[0]))).await;
    assert_eq!(member_ids(&group), user_ids);
    assert_eq!(get(&s, "/Users?count=0").await["totalResults"], 1000);
}

#[tokio::test]
async fn rfc_3_7_4_limits_are_413_and_advertised() {
    let limits = Limits::default()
        .with_max_bulk_operations(2)
        .with_max_bulk_payload_bytes(400);
    let s = server_with(limits).await;
    let spc = get(&s, "/ServiceProviderConfig").await;
    assert_eq!(
        spc["bulk"],
        json!({"supported": true, "maxOperations": 2, "maxPayloadSize": 400})
    );
    let op = json!({"method": "DELETE", "path": "/Users/x"});
    let a = Call::post("/Bulk", bulk(json!([op, op, op])))
        .send(&s)
        .await;
    a.assert_error(413, None);
    assert!(
        a.body["detail"]
            .as_str()
            .unwrap()
            .contains("maxOperations (2)")
    );
    let big = json!({"method": "POST", "path": "/Users", "bulkId": "x",
                     "data": {"userName": "x".repeat(500)}});
    let a = Call::post("/Bulk", bulk(json!([big]))).send(&s).await;
    a.assert_error(413, None);
    assert!(
        a.body["detail"]
            .as_str()
            .unwrap()
            .contains("maxPayloadSize (400)")
    );
    // within both limits it runs
    let ops = send(&s, bulk(json!([op, op]))).await;
    assert_eq!(ops.len(), 2);
}

#[tokio::test]
async fn the_bulk_payload_bound_is_its_own() {
    // a bulk body may be larger than any single request's, but each operation is not
    let limits = Limits::default()
        .with_max_body_bytes(300)
        .with_max_bulk_payload_bytes(10_000);
    let s = server_with(limits).await;
    let ops = send(
        &s,
        bulk(json!([
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "a".repeat(100)}},
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": {"userName": "b".repeat(400)}},
            {"method": "POST", "path": "/Users", "bulkId": "c", "data": {"userName": "c".repeat(100)}}
        ])),
    )
    .await;
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "413", "201"], "{ops:?}");
    // and other endpoints keep theirs
    Call::post("/Users", json!({"userName": "d".repeat(400)}))
        .send(&s)
        .await
        .assert_error(413, None);
}

#[tokio::test]
async fn bulk_turned_off_is_501_and_not_advertised() {
    let s = server_with(Limits::default().with_max_bulk_operations(0)).await;
    Call::post("/Bulk", bulk(json!([])))
        .send(&s)
        .await
        .assert_error(501, None);
    assert_eq!(
        get(&s, "/ServiceProviderConfig").await["bulk"]["supported"],
        false
    );
}

#[tokio::test]
async fn tenant_isolation_holds_inside_a_bulk() {
    let s = server().await;
    let theirs = Call::post("/Users", json!({"userName": "b-user"}))
        .key(KEY_B)
        .send(&s)
        .await;
    assert_eq!(theirs.status, 201);
    let bid = theirs.body["id"].as_str().unwrap().to_owned();
    let their_group = Call::post("/Groups", json!({"displayName": "b-group"}))
        .key(KEY_B)
        .send(&s)
        .await;
    let bgid = their_group.body["id"].as_str().unwrap().to_owned();
    let ops = send(
        &s,
        bulk(json!([
            {"method": "PUT", "path": format!("/Users/{bid}"), "data": {"userName": "stolen"}},
            {"method": "PATCH", "path": format!("/Users/{bid}"),
             "data": {"schemas": [PATCH_OP],
                      "Operations": [{"op": "replace", "path": "active", "value": false}]}},
            {"method": "POST", "path": "/Users", "bulkId": "mine", "data": {"userName": "a-user"}},
            {"method": "PATCH", "path": format!("/Groups/{bgid}"),
             "data": {"schemas": [PATCH_OP],
                      "Operations": [{"op": "add", "path": "members",
                                      "value": [{"value": "bulkId:mine"}]}]}},
            {"method": "DELETE", "path": format!("/Users/{bid}")},
            {"method": "DELETE", "path": format!("/Groups/{bgid}")}
        ])),
    )
    .await;
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        ["404", "404", "201", "404", "404", "404"],
        "{ops:?}"
    );
    // tenant B's resources are untouched
    let b_user = Call::get(&format!("/Users/{bid}"))
        .key(KEY_B)
        .send(&s)
        .await;
    assert_eq!(b_user.status, 200);
    assert_eq!(b_user.body["userName"], "b-user");
    let b_group = Call::get(&format!("/Groups/{bgid}"))
        .key(KEY_B)
        .send(&s)
        .await;
    assert_eq!(b_group.status, 200);
    assert!(member_ids(&b_group.body).is_empty());
    // and the user tenant A created is A's only
    let mine = id_of(&ops[2]);
    Call::get(&format!("/Users/{mine}"))
        .key(KEY_B)
        .send(&s)
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn malformed_requests_are_400_with_the_right_scim_type() {
    let s = server().await;
    let cases = [
        (json!([]), "invalidSyntax"),
        (json!("Operations"), "invalidSyntax"),
        (json!({"schemas": [BULK_REQUEST]}), "invalidSyntax"),
        (bulk(json!({})), "invalidSyntax"),
        (bulk(json!([7])), "invalidSyntax"),
        (
            bulk(json!([{"path": "/Users", "bulkId": "a", "data": {}}])),
            "invalidSyntax",
        ),
        (
            bulk(json!([{"method": "POST", "bulkId": "a", "data": {}}])),
            "invalidSyntax",
        ),
        (
            bulk(json!([{"method": "POST", "path": "/Users", "bulkId": "a"}])),
            "invalidSyntax",
        ),
        (
            bulk(json!([{"method": "GET", "path": "/Users"}])),
            "invalidValue",
        ),
        (
            bulk(json!([{"method": "POST", "path": "/Users", "bulkId": 1, "data": {}}])),
            "invalidSyntax",
        ),
        (
            bulk(json!([{"method": "POST", "path": "/Users", "bulkId": "", "data": {}}])),
            "invalidValue",
        ),
        (
            bulk(json!([
                {"method": "POST", "path": "/Users", "bulkId": "dup", "data": {"userName": "x"}},
                {"method": "POST", "path": "/Users", "bulkId": "dup", "data": {"userName": "y"}}
            ])),
            "invalidValue",
        ),
        (
            json!({"schemas": ["urn:nope"], "Operations": []}),
            "invalidValue",
        ),
        (
            json!({"failOnErrors": -1, "Operations": []}),
            "invalidValue",
        ),
    ];
    for (body, scim_type) in cases {
        let a = Call::post("/Bulk", body.clone()).send(&s).await;
        assert_eq!(a.status, 400, "{body}: {:?}", a.body);
        a.assert_error(400, Some(scim_type));
    }
    // nothing of a rejected request ran
    assert_eq!(get(&s, "/Users").await["totalResults"], 0);
    Call::post("/Bulk", json!({}))
        .raw_body("{not json")
        .send(&s)
        .await
        .assert_error(400, Some("invalidSyntax"));
    Call::new(http::Method::GET, "/Bulk")
        .send(&s)
        .await
        .assert_error(405, None);
}

#[tokio::test]
async fn paths_that_are_not_resources_fail_their_operation() {
    let s = server().await;
    let ops = send(
        &s,
        bulk(json!([
            {"method": "POST", "path": "/Bulk", "bulkId": "a", "data": {"Operations": []}},
            {"method": "POST", "path": "/Users/123", "bulkId": "b", "data": {"userName": "b"}},
            {"method": "PUT", "path": "/Users", "data": {"userName": "c"}},
            {"method": "DELETE", "path": "/ServiceProviderConfig"},
            {"method": "DELETE", "path": "/Nope/1"},
            {"method": "DELETE", "path": "/Users/a b"},
            {"method": "POST", "path": "Users", "bulkId": "rel", "data": {"userName": "rel"}}
        ])),
    )
    .await;
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        ["400", "400", "400", "400", "404", "400", "201"],
        "{ops:?}"
    );
    for op in &ops[..4] {
        assert_eq!(op["response"]["scimType"], "invalidValue", "{op}");
    }
}

#[cfg(feature = "tower")]
#[tokio::test]
async fn a_streamed_bulk_body_is_held_to_the_bulk_bound() {
    use http_body_util::Full;
    let limits = Limits::default()
        .with_max_body_bytes(300)
        .with_max_bulk_payload_bytes(2_000);
    let s = server_with(limits).await;
    let post = |path: &str, body: &Value| {
        http::Request::post(format!("/scim/v2{path}"))
            .header("authorization", format!("Bearer {KEY_A}"))
            .header("content-type", "application/scim+json")
            .body(Full::new(bytes::Bytes::from(body.to_string())))
            .unwrap()
    };
    let ops: Vec<Value> = (0..8)
        .map(|i| {
            json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"),
                        "data": {"userName": format!("streamed-{i}")}})
        })
        .collect();
    let body = bulk(Value::Array(ops));
    assert!(body.to_string().len() > 300);
    let a = answer(s.handle_body(post("/Bulk", &body)).await);
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["Operations"].as_array().unwrap().len(), 8);
    let too_big = bulk(json!([{"method": "POST", "path": "/Users", "bulkId": "x",
                               "data": {"userName": "x".repeat(2_100)}}]));
    let a = answer(s.handle_body(post("/Bulk", &too_big)).await);
    a.assert_error(413, None);
    assert!(
        a.body["detail"]
            .as_str()
            .unwrap()
            .contains("maxPayloadSize (2000)")
    );
    // the single-resource bound is unchanged for other endpoints
    let a = answer(
        s.handle_body(post("/Users", &json!({"userName": "y".repeat(400)})))
            .await,
    );
    a.assert_error(413, None);
}
