//! ScimServer through `handle`: authentication, routing, content types, discovery
//! (RFC 7644 §3.1, §3.2, §3.12, §4).

use super::server_support::*;
use http::Method;
use serde_json::json;

#[tokio::test]
async fn missing_or_bad_key_is_401_with_bearer_challenge_before_parsing() {
    let s = server().await;
    for call in [
        Call::get("/Users").anonymous(),
        Call::get("/Users").key("not-a-key"),
        // 401 wins over 404, 405, 415 and a malformed body: nothing is parsed before auth.
        Call::get("/Nowhere").anonymous(),
        Call::new(Method::DELETE, "/Users").anonymous(),
        Call::post("/Users", json!({}))
            .header("content-type", "text/plain")
            .raw_body("{{{")
            .anonymous(),
    ] {
        let a = call.send(&s).await;
        a.assert_error(401, None);
        assert!(
            a.header("www-authenticate")
                .is_some_and(|v| v.starts_with("Bearer")),
            "{:?}",
            a.headers
        );
    }
}

#[tokio::test]
async fn entra_test_connection_exactly_as_sent() {
    let s = server().await;
    // GET /Users?filter=userName+eq+"<random guid>", no Accept header.
    let req = http::Request::get(
        "/scim/v2/Users?filter=userName+eq+%2259a7e8b4-3c1d-4f6e-9a2b-7d8c9e0f1a2b%22",
    )
    .header("authorization", format!("Bearer {KEY_A}"))
    .body(bytes::Bytes::new())
    .unwrap();
    let a = answer(s.handle(req).await);
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("application/scim+json"));
    assert_eq!(
        a.body,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 0,
            "startIndex": 1,
            "itemsPerPage": 0,
            "Resources": []
        })
    );
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_with_allow() {
    let s = server().await;
    Call::get("/Nope").send(&s).await.assert_error(404, None);
    Call::get("/Users/a/b")
        .send(&s)
        .await
        .assert_error(404, None);
    let a = Call::new(Method::DELETE, "/Users").send(&s).await;
    a.assert_error(405, None);
    assert_eq!(a.header("allow"), Some("GET, POST"));
    let a = Call::get("/.search").send(&s).await;
    a.assert_error(405, None);
    assert_eq!(a.header("allow"), Some("POST"));
    let a = Call::post("/ServiceProviderConfig", json!({}))
        .send(&s)
        .await;
    a.assert_error(405, None);
    assert_eq!(a.header("allow"), Some("GET"));
    let a = Call::post("/Users/abc", json!({})).send(&s).await;
    a.assert_error(405, None);
    assert_eq!(a.header("allow"), Some("GET, PUT, PATCH, DELETE"));
}

#[tokio::test]
async fn empty_bulk_is_200_and_unmapped_me_is_501() {
    let s = server().await;
    let a = Call::post(
        "/Bulk",
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": []}),
    )
    .send(&s)
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["Operations"], json!([]));
    Call::get("/Me").send(&s).await.assert_error(501, None);
}

#[tokio::test]
async fn mounted_with_or_without_the_prefix() {
    let s = server().await;
    let stripped = http::Request::get("/Users")
        .header("authorization", format!("Bearer {KEY_A}"))
        .body(bytes::Bytes::new())
        .unwrap();
    assert_eq!(s.handle(stripped).await.status(), 200);
    let other = builder()
        .await
        .base_url("https://x.example/")
        .build()
        .unwrap();
    let root = http::Request::get("/Users")
        .header("authorization", format!("Bearer {KEY_A}"))
        .body(bytes::Bytes::new())
        .unwrap();
    assert_eq!(other.handle(root).await.status(), 200);
}

#[tokio::test]
async fn content_types_in_and_out() {
    let s = server().await;
    let body = json!({"userName": "ct1"});
    for ct in [
        "application/scim+json",
        "application/scim+json; charset=utf-8",
        "application/json",
        "application/json;charset=UTF-8",
    ] {
        let user = format!("user-{}", ct.len());
        let a = Call::post("/Users", json!({"userName": user}))
            .header("content-type", ct)
            .send(&s)
            .await;
        assert_eq!(a.status, 201, "{ct}: {:?}", a.body);
        assert_eq!(a.header("content-type"), Some("application/scim+json"));
    }
    let a = Call::new(Method::POST, "/Users")
        .header("content-type", "text/xml")
        .raw_body(serde_json::to_vec(&body).unwrap())
        .send(&s)
        .await;
    a.assert_error(415, None);
    // Strict compatibility refuses application/json.
    let strict = builder()
        .await
        .compat(scimitar::Compat::strict())
        .build()
        .unwrap();
    Call::new(Method::POST, "/Users")
        .header("content-type", "application/json")
        .raw_body(serde_json::to_vec(&body).unwrap())
        .send(&strict)
        .await
        .assert_error(415, None);
}

#[tokio::test]
async fn service_provider_config_reflects_backend_and_limits() {
    let s = server_with(scimitar::server::Limits::default().with_max_count(50)).await;
    let a = Call::get("/ServiceProviderConfig").send(&s).await;
    assert_eq!(a.status, 200);
    let v = &a.body;
    assert_eq!(
        v["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(v["patch"]["supported"], true);
    assert_eq!(
        v["bulk"],
        json!({"supported": true, "maxOperations": 1000, "maxPayloadSize": 1_048_576})
    );
    assert_eq!(v["filter"]["supported"], true);
    assert!(v["filter"]["maxResults"].as_u64().unwrap() <= 50);
    assert_eq!(v["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        v["meta"]["location"],
        format!("{BASE}/ServiceProviderConfig")
    );
}

#[tokio::test]
async fn schemas_are_discoverable_with_every_entra_attribute() {
    let s = server().await;
    let a = Call::get("/Schemas").send(&s).await;
    assert_eq!(a.status, 200);
    let all = a.body["Resources"].as_array().unwrap();
    let find = |id: &str| {
        all.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing from /Schemas"))
    };
    let user = find("urn:ietf:params:scim:schemas:core:2.0:User");
    let group = find("urn:ietf:params:scim:schemas:core:2.0:Group");
    let ent = find("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    let names = |s: &serde_json::Value| -> Vec<String> {
        s["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for attr in [
        "userName",
        "active",
        "displayName",
        "title",
        "emails",
        "preferredLanguage",
        "name",
        "addresses",
        "phoneNumbers",
    ] {
        assert!(names(user).iter().any(|n| n == attr), "User.{attr}");
    }
    for attr in [
        "employeeNumber",
        "department",
        "costCenter",
        "organization",
        "division",
        "manager",
    ] {
        assert!(names(ent).iter().any(|n| n == attr), "Enterprise.{attr}");
    }
    for attr in ["displayName", "members"] {
        assert!(names(group).iter().any(|n| n == attr), "Group.{attr}");
    }
    assert_eq!(
        user["meta"]["location"],
        format!("{BASE}/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
    );

    let one = Call::get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group")
        .send(&s)
        .await;
    assert_eq!(
        (one.status.as_u16(), &one.body["name"]),
        (200, &json!("Group"))
    );
    Call::get("/Schemas/urn:nope")
        .send(&s)
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn resource_types_list_and_by_name() {
    let s = server().await;
    let a = Call::get("/ResourceTypes").send(&s).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["totalResults"], 2);
    let user = Call::get("/ResourceTypes/User").send(&s).await;
    assert_eq!(user.status, 200);
    assert_eq!(user.body["endpoint"], "/Users");
    assert_eq!(
        user.body["schemaExtensions"][0]["schema"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
    assert_eq!(
        user.body["meta"]["location"],
        format!("{BASE}/ResourceTypes/User")
    );
    Call::get("/ResourceTypes/Device")
        .send(&s)
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn discovery_refuses_filters_and_ignores_other_parameters() {
    let s = server().await;
    Call::get("/Schemas?filter=id+eq+%22x%22")
        .send(&s)
        .await
        .assert_error(403, None);
    Call::get("/ResourceTypes?filter=name+pr")
        .send(&s)
        .await
        .assert_error(403, None);
    let a = Call::get("/ResourceTypes?startIndex=2&count=1&sortBy=name")
        .send(&s)
        .await;
    assert_eq!(
        (a.status.as_u16(), &a.body["totalResults"]),
        (200, &json!(2))
    );
}

#[tokio::test]
async fn builder_refuses_incomplete_configuration() {
    let no_backend = scimitar::server::ScimServer::builder()
        .base_url(BASE)
        .build();
    assert!(no_backend.is_err());
    assert!(builder().await.base_url("not a url").build().is_err());
    assert!(builder().await.base_url("ftp://x/scim").build().is_err());
}
