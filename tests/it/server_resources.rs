//! ScimServer resource endpoints through `handle`: create, get, replace, patch, delete, list,
//! search and ETags (RFC 7644 §3.3–§3.6, §3.14); tenant isolation through the server is the
//! conformance kit's `check_isolation_by_key` (`testkit_memory.rs`).

use super::server_support::*;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn create_is_201_with_location_etag_and_meta() {
    let s = server().await;
    let a = Call::post(
        "/Users",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "bjensen@example.com",
            "password": "t1meMa$heen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}]
        }),
    )
    .send(&s)
    .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let uid = id(&a.body);
    let location = format!("{BASE}/Users/{uid}");
    assert_eq!(a.header("location"), Some(location.as_str()));
    assert_eq!(a.body["meta"]["location"], location);
    assert_eq!(a.body["meta"]["resourceType"], "User");
    assert!(
        a.body.get("password").is_none(),
        "password is never returned"
    );
    let etag = a.header("etag").expect("ETag on create");
    assert_eq!(a.body["meta"]["version"], etag);
}

#[tokio::test]
async fn duplicate_user_name_is_409_uniqueness_case_insensitively() {
    let s = server().await;
    create_user(&s, "adele@contoso.com").await;
    Call::post("/Users", json!({"userName": "ADELE@contoso.com"}))
        .send(&s)
        .await
        .assert_error(409, Some("uniqueness"));
}

#[tokio::test]
async fn get_and_delete_then_404() {
    let s = server().await;
    let uid = id(&create_user(&s, "del").await);
    let a = Call::get(&format!("/Users/{uid}")).send(&s).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["userName"], "del");
    assert!(a.header("etag").is_some());
    let d = Call::delete(&format!("/Users/{uid}")).send(&s).await;
    assert_eq!(d.status, 204);
    assert!(d.raw.is_empty());
    Call::get(&format!("/Users/{uid}"))
        .send(&s)
        .await
        .assert_error(404, None);
    Call::delete(&format!("/Users/{uid}"))
        .send(&s)
        .await
        .assert_error(404, None);
    Call::get("/Groups/nope")
        .send(&s)
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn put_replaces_and_honours_if_match() {
    let s = server().await;
    let created = create_user(&s, "putme").await;
    let uid = id(&created);
    let path = format!("/Users/{uid}");
    let v1 = created["meta"]["version"].as_str().unwrap().to_owned();
    let a = Call::put(&path, json!({"userName": "putme", "displayName": "Put Me"}))
        .header("if-match", &v1)
        .send(&s)
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["displayName"], "Put Me");
    assert_eq!(a.body["id"], uid.as_str());
    let v2 = a.header("etag").unwrap().to_owned();
    assert_ne!(v1, v2);
    // The old version no longer matches.
    Call::put(&path, json!({"userName": "putme"}))
        .header("if-match", &v1)
        .send(&s)
        .await
        .assert_error(412, None);
    Call::delete(&path)
        .header("if-match", &v1)
        .send(&s)
        .await
        .assert_error(412, None);
    let ok = Call::delete(&path).header("if-match", "*").send(&s).await;
    assert_eq!(ok.status, 204);
}

#[tokio::test]
async fn if_none_match_gives_304() {
    let s = server().await;
    let created = create_user(&s, "cached").await;
    let path = format!("/Users/{}", id(&created));
    let etag = created["meta"]["version"].as_str().unwrap().to_owned();
    let a = Call::get(&path)
        .header("if-none-match", &etag)
        .send(&s)
        .await;
    assert_eq!(a.status, 304);
    assert!(a.raw.is_empty());
    assert_eq!(a.header("etag"), Some(etag.as_str()));
    let b = Call::get(&path)
        .header("if-none-match", "W/\"something-else\"")
        .send(&s)
        .await;
    assert_eq!(b.status, 200);
    Call::get(&path)
        .header("if-none-match", "W/\"unterminated")
        .send(&s)
        .await
        .assert_error(400, Some("invalidSyntax"));
}

#[tokio::test]
async fn entra_patch_sequence() {
    let s = server().await;
    let manager = id(&create_user(&s, "boss@contoso.com").await);
    let uid = id(&create_user(&s, "adele@contoso.com").await);
    let path = format!("/Users/{uid}");
    let ops = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "displayName", "value": "Adele V."},
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@contoso.com"},
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Retail"},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": manager}
        ]
    });
    let a = Call::patch(&path, ops).send(&s).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let u = &a.body;
    assert_eq!(u["displayName"], "Adele V.");
    assert_eq!(u["nickName"], "Babs");
    assert_eq!(u["active"], false);
    assert_eq!(u["emails"][0]["value"], "new@contoso.com");
    assert_eq!(u["emails"][0]["type"], "work");
    let ent = &u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    assert_eq!(ent["department"], "Retail");
    assert_eq!(ent["manager"]["value"], manager.as_str());
    assert!(a.header("etag").is_some());
}

#[tokio::test]
async fn group_member_patch_and_excluded_members() {
    let s = server().await;
    let a = id(&create_user(&s, "m-a").await);
    let b = id(&create_user(&s, "m-b").await);
    let gid = id(&create_group(&s, "Sales", &[]).await);
    let path = format!("/Groups/{gid}");
    let add = Call::patch(
        &path,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "Add", "path": "members",
                               "value": [{"$ref": null, "value": a}, {"$ref": null, "value": b}]}]}),
    )
    .send(&s)
    .await;
    // Entra's form asks for no attributes: 204 with the new version, no member list sent back.
    assert_eq!(add.status, 204, "{:?}", add.body);
    assert!(add.raw.is_empty());
    let etag = add.header("etag").expect("ETag on 204").to_owned();
    let now = Call::get(&path).send(&s).await;
    assert_eq!(now.body["members"].as_array().unwrap().len(), 2);
    assert_eq!(now.header("etag"), Some(etag.as_str()));
    // With `attributes` the RFC wants 200 and the resource.
    let remove = Call::patch(
        &format!("{path}?attributes=members"),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": a}]}]}),
    )
    .send(&s)
    .await;
    assert_eq!(remove.status, 200, "{:?}", remove.body);
    let members = remove.body["members"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["value"], b.as_str());
    // Entra's group lookup.
    let found = Call::get("/Groups?filter=displayName+eq+%22Sales%22&excludedAttributes=members")
        .send(&s)
        .await;
    assert_eq!(found.status, 200);
    assert_eq!(found.body["totalResults"], 1);
    let g = &found.body["Resources"][0];
    assert_eq!(g["id"], gid.as_str());
    assert!(g.get("members").is_none());
    assert_eq!(g["meta"]["location"], format!("{BASE}/Groups/{gid}"));
}

#[tokio::test]
async fn projection_on_get_and_writes() {
    let s = server().await;
    let uid = id(&create_user(&s, "proj").await);
    let a = Call::get(&format!("/Users/{uid}?attributes=userName"))
        .send(&s)
        .await;
    assert_eq!(a.status, 200);
    let keys: Vec<&String> = a.body.as_object().unwrap().keys().collect();
    assert!(keys.iter().any(|k| *k == "id"), "id is always returned");
    assert!(keys.iter().any(|k| *k == "userName"));
    assert!(!keys.iter().any(|k| *k == "active"), "{keys:?}");
    let b = Call::patch(
        &format!("/Users/{uid}?excludedAttributes=active"),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "path": "displayName", "value": "P"}]}),
    )
    .send(&s)
    .await;
    assert_eq!(b.status, 200);
    assert!(b.body.get("active").is_none());
    assert_eq!(b.body["displayName"], "P");
    Call::get(&format!("/Users/{uid}?attributes=a[b"))
        .send(&s)
        .await
        .assert_error(400, Some("invalidPath"));
}

#[tokio::test]
async fn list_pages_with_start_index_and_count() {
    let s = server().await;
    for i in 0..5 {
        create_user(&s, &format!("page{i}")).await;
    }
    let a = Call::get("/Users?startIndex=2&count=2&sortBy=userName")
        .send(&s)
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["totalResults"], 5);
    assert_eq!(a.body["startIndex"], 2);
    assert_eq!(a.body["itemsPerPage"], 2);
    let names: Vec<&str> = a.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["page1", "page2"]);
    // count=0: only the total; startIndex<1 means 1; count<0 means 0.
    let z = Call::get("/Users?count=0").send(&s).await;
    assert_eq!(
        (
            z.body["totalResults"].clone(),
            z.body["itemsPerPage"].clone()
        ),
        (json!(5), json!(0))
    );
    let n = Call::get("/Users?startIndex=-4&count=-1").send(&s).await;
    assert_eq!(n.status, 200);
    assert_eq!(n.body["startIndex"], 1);
    assert_eq!(n.body["itemsPerPage"], 0);
    let d = Call::get("/Users?sortBy=userName&sortOrder=descending&count=1")
        .send(&s)
        .await;
    assert_eq!(d.body["Resources"][0]["userName"], "page4");
}

#[tokio::test]
async fn filters_by_user_name_and_external_id() {
    let s = server().await;
    let created = Call::post(
        "/Users",
        json!({"userName": "Adele@Contoso.com", "externalId": "00aa-object-id"}),
    )
    .send(&s)
    .await;
    assert_eq!(created.status, 201);
    for q in [
        "filter=userName+eq+%22adele%40contoso.com%22",
        "filter=externalId%20eq%20%2200aa-object-id%22",
        "filter=USERNAME+EQ+%22ADELE%40CONTOSO.COM%22",
    ] {
        let a = Call::get(&format!("/Users?{q}")).send(&s).await;
        assert_eq!(a.body["totalResults"], 1, "{q}: {:?}", a.body);
    }
    let a = Call::get("/Users?filter=externalId+eq+%2200AA-OBJECT-ID%22")
        .send(&s)
        .await;
    assert_eq!(a.body["totalResults"], 0, "externalId is caseExact");
    Call::get("/Users?filter=userName+eq")
        .send(&s)
        .await
        .assert_error(400, Some("invalidFilter"));
}

#[tokio::test]
async fn search_on_type_and_root() {
    let s = server().await;
    create_user(&s, "searcher").await;
    create_group(&s, "Searchers", &[]).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName sw \"search\"",
        "attributes": ["userName"],
        "startIndex": 1,
        "count": 10
    });
    let a = Call::post("/Users/.search", body).send(&s).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["totalResults"], 1);
    assert!(a.body["Resources"][0].get("active").is_none());
    let root = Call::post(
        "/.search",
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": 10}),
    )
    .send(&s)
    .await;
    assert_eq!(root.status, 200, "{:?}", root.body);
    assert_eq!(root.body["totalResults"], 2);
    let types: Vec<&str> = root.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["User", "Group"]);
    // The second page of one item is the group.
    let second = Call::post("/.search", json!({"startIndex": 2, "count": 1}))
        .send(&s)
        .await;
    assert_eq!(second.body["Resources"][0]["displayName"], "Searchers");
    assert_eq!(second.body["startIndex"], 2);
    // GET on the root is the same query over every type (RFC 7644 §3.4.2.1).
    let root_get = Call::get("?filter=meta.resourceType+pr&count=10")
        .send(&s)
        .await;
    assert_eq!(root_get.status, 200, "{:?}", root_get.body);
    assert_eq!(root_get.body["totalResults"], 2);
    let a = Call::new(http::Method::POST, "")
        .json(json!({}))
        .send(&s)
        .await;
    a.assert_error(405, None);
    Call::post("/Groups/.search", json!({"filter": "displayName eq"}))
        .send(&s)
        .await
        .assert_error(400, Some("invalidFilter"));
}

#[tokio::test]
async fn okta_deactivation_and_put_group_members() {
    let s = server().await;
    let uid = id(&create_user(&s, "okta-user").await);
    let a = Call::patch(
        &format!("/Users/{uid}"),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "value": {"active": false}}]}),
    )
    .send(&s)
    .await;
    assert_eq!((a.status.as_u16(), &a.body["active"]), (200, &json!(false)));
    let gid = id(&create_group(&s, "Okta Group", &[]).await);
    let put = Call::put(
        &format!("/Groups/{gid}"),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
               "id": gid, "displayName": "Okta Group", "members": [{"value": uid}]}),
    )
    .send(&s)
    .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.body["members"][0]["value"], uid.as_str());
}

#[tokio::test]
async fn entra_create_user_with_default_mapping_and_group_with_microsoft_urn() {
    let s = server().await;
    let manager = id(&create_user(&s, "boss2@contoso.com").await);
    let a = Call::post(
        "/Users",
        json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "externalId": "adele",
            "userName": "AdeleV@contoso.com",
            "active": true,
            "displayName": "Adele Vance",
            "title": "Retail Manager",
            "preferredLanguage": "en-US",
            "name": {"formatted": "Adele Vance", "familyName": "Vance", "givenName": "Adele"},
            "emails": [{"primary": true, "type": "work", "value": "AdeleV@contoso.com"}],
            "phoneNumbers": [{"type": "work", "value": "+1 425 555 0109"},
                             {"type": "mobile", "value": "+1 425 555 0110"}],
            "addresses": [{"type": "work", "formatted": "18/2111", "streetAddress": "1 Main St",
                           "locality": "Bellevue", "region": "WA", "postalCode": "98004",
                           "country": "US", "primary": false}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984", "department": "Retail", "costCenter": "4130",
                "organization": "Contoso", "division": "Sales",
                "manager": {"value": manager}
            },
            "meta": {"resourceType": "User"}
        }),
    )
    .send(&s)
    .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let u = &a.body;
    assert_eq!(u["externalId"], "adele");
    assert_eq!(u["addresses"][0]["locality"], "Bellevue");
    assert_eq!(u["phoneNumbers"].as_array().unwrap().len(), 2);
    let ent = &u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    assert_eq!(ent["employeeNumber"], "701984");
    assert_eq!(ent["manager"]["value"], manager.as_str());
    // Entra's matching lookup before a create finds it.
    let found = Call::get("/Users?filter=externalId+eq+%22adele%22")
        .send(&s)
        .await;
    assert_eq!(found.body["totalResults"], 1);

    let g = Call::post(
        "/Groups",
        json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:Group",
                "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"
            ],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Group1DisplayName",
            "members": []
        }),
    )
    .send(&s)
    .await;
    assert_eq!(g.status, 201, "{:?}", g.body);
    assert_eq!(g.body["displayName"], "Group1DisplayName");
}

#[tokio::test]
async fn patch_and_put_on_unknown_ids_are_404() {
    let s = server().await;
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                     "Operations": [{"op": "add", "path": "members", "value": [{"value": "x"}]}]});
    Call::patch("/Groups/nope", ops)
        .send(&s)
        .await
        .assert_error(404, None);
    Call::put("/Users/nope", json!({"userName": "x"}))
        .send(&s)
        .await
        .assert_error(404, None);
    let bad_op = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                        "Operations": [{"op": "replace", "path": "id", "value": "mine"}]});
    let uid = id(&create_user(&s, "immutable-id").await);
    Call::patch(&format!("/Users/{uid}"), bad_op)
        .send(&s)
        .await
        .assert_error(400, Some("mutability"));
}

#[tokio::test]
async fn references_carry_ref_urls_from_the_base_url() {
    let s = server().await;
    let uid = id(&create_user(&s, "ref-user").await);
    let gid = id(&create_group(&s, "Refs", &[]).await);
    let a = Call::patch(
        &format!("/Groups/{gid}?excludedAttributes=displayName"),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "add", "path": "members", "value": [{"value": uid, "type": "User"}]}]}),
    )
    .send(&s)
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["members"][0]["$ref"], format!("{BASE}/Users/{uid}"));
    let u = Call::get(&format!("/Users/{uid}")).send(&s).await;
    if let Some(groups) = u.body["groups"].as_array() {
        assert_eq!(groups[0]["$ref"], format!("{BASE}/Groups/{gid}"));
    }
}
