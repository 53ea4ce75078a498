//! List answers written from stored user bodies (`IdentityBackend::list_users_stored`, which
//! the memory backend implements) are the same resources as the typed path gives: each user of
//! `GET /Users?filter=…` equals `GET /Users/{id}` (RFC 7644 §3.4.1, §3.4.2).

use super::server_support::*;
use scimitar::server::ScimServer;
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// An RFC 7643 §8 example user under another `userName` (they all use bjensen's).
fn rfc_user(file: &str, user_name: &str) -> Value {
    let text = std::fs::read_to_string(format!("tests/data/rfc7643/{file}")).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    if let Some(o) = v.as_object_mut() {
        o.remove("id");
        o.remove("meta");
        o.remove("groups");
        o.insert("userName".into(), json!(user_name));
    }
    v
}

async fn create(s: &ScimServer, body: Value) -> String {
    let a = Call::post("/Users", body).send(s).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.body["id"].as_str().unwrap().to_owned()
}

/// Every user listed by `query` equals what `GET /Users/{id}` answers.
async fn listed_equal_fetched(s: &ScimServer, query: &str, want: usize) {
    listed_page_equal_fetched(s, query, want, want).await;
}

/// As [`listed_equal_fetched`], for a page of `want` out of `total`.
async fn listed_page_equal_fetched(s: &ScimServer, query: &str, want: usize, total: usize) {
    let list = Call::get(&format!("/Users{query}")).send(s).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let resources = list.body["Resources"].as_array().unwrap();
    assert_eq!(resources.len(), want, "{query}");
    assert_eq!(list.body["totalResults"], total);
    for r in resources {
        let id = r["id"].as_str().unwrap();
        let one = Call::get(&format!("/Users/{id}")).send(s).await;
        assert_eq!(one.status, 200);
        assert_eq!(r, &one.body, "{query}");
    }
}

#[tokio::test]
async fn listed_users_equal_fetched_users() {
    let s = server().await;
    let full = create(&s, rfc_user("full_user.json", "bjensen@example.com")).await;
    let enterprise = create(
        &s,
        rfc_user("enterprise_user.json", "enterprise@example.com"),
    )
    .await;
    create(&s, rfc_user("minimal_user.json", "minimal@example.com")).await;
    // text that needs escaping, an unknown attribute, a manager without `$ref` (filled by the
    // server, so this one takes the typed path), a manager cleared to an empty value
    let odd = create(
        &s,
        json!({
            "userName": "quote\"back\\slash\u{1}é😀@example.com",
            "displayName": "Line\nbreak\ttab",
            "nickName": "</script>",
            "x-custom": {"a": [1, 2.5, null, true]},
            ENTERPRISE: {"manager": "26118915", "department": "Sales"}
        }),
    )
    .await;
    create(
        &s,
        json!({"userName": "nomanager@example.com", ENTERPRISE: {"manager": {"value": ""}, "costCenter": "4130"}}),
    )
    .await;
    // an attribute named like one the server treats specially, an empty extension object:
    // both take the typed path
    create(
        &s,
        json!({"userName": "special@example.com", "MEMBERS": ["x"], ENTERPRISE: {}}),
    )
    .await;
    create_group(&s, "Tour Guides", &[&full, &odd]).await;
    create_group(&s, "Escape \"Artists\"", &[&full]).await;

    listed_equal_fetched(&s, "", 6).await;
    listed_equal_fetched(&s, "?filter=userName+ew+%22example.com%22", 6).await;
    listed_equal_fetched(&s, &format!("?filter=id+eq+%22{full}%22"), 1).await;
    listed_equal_fetched(&s, "?filter=userName+eq+%22bjensen%40example.com%22", 1).await;
    listed_equal_fetched(&s, "?filter=userName+sw+%22q%22", 1).await;
    listed_page_equal_fetched(&s, "?sortBy=userName&count=2&startIndex=2", 2, 6).await;

    // the stored body was copied (the spliced form leads with `id`), not re-encoded
    let raw = Call::get(&format!("/Users?filter=id+eq+%22{full}%22"))
        .send(&s)
        .await
        .raw;
    let lead = format!("{{\"Resources\":[{{\"id\":\"{full}\",\"meta\":");
    assert!(raw.starts_with(lead.as_bytes()), "{raw:?}");

    let odd_list = Call::get(&format!("/Users?filter=id+eq+%22{odd}%22"))
        .send(&s)
        .await;
    let r = &odd_list.body["Resources"][0];
    assert_eq!(r["userName"], "quote\"back\\slash\u{1}é😀@example.com");
    assert_eq!(r["groups"].as_array().unwrap().len(), 1);
    assert_eq!(
        r["groups"][0]["$ref"],
        format!(
            "{BASE}/Groups/{}",
            r["groups"][0]["value"].as_str().unwrap()
        )
    );
    assert_eq!(
        r[ENTERPRISE]["manager"]["$ref"],
        format!("{BASE}/Users/26118915")
    );
    assert_eq!(r["meta"]["location"], format!("{BASE}/Users/{odd}"));
    assert_eq!(r["meta"]["resourceType"], "User");
    assert_eq!(r["x-custom"], json!({"a": [1, 2.5, null, true]}));
    assert!(r.get("password").is_none());

    let ent = Call::get(&format!("/Users?filter=id+eq+%22{enterprise}%22"))
        .send(&s)
        .await;
    let r = &ent.body["Resources"][0];
    assert_eq!(
        r[ENTERPRISE]["manager"]["$ref"],
        "../Users/26118915-6090-4610-87e4-49d8ca9f808d"
    );
    assert!(r.get("password").is_none(), "the RFC example's password");
}

#[tokio::test]
async fn projections_still_take_the_typed_path() {
    let s = server().await;
    let id = create(&s, rfc_user("full_user.json", "bjensen@example.com")).await;
    let a = Call::get("/Users?attributes=userName").send(&s).await;
    assert_eq!(a.status, 200);
    let r = &a.body["Resources"][0];
    assert_eq!(r["id"], id.as_str());
    assert_eq!(r["userName"], "bjensen@example.com");
    assert!(r.get("name").is_none() && r.get("meta").is_none());
    let b = Call::get("/Users?excludedAttributes=name,meta")
        .send(&s)
        .await;
    let r = &b.body["Resources"][0];
    assert!(r.get("name").is_none() && r.get("meta").is_none());
    assert_eq!(r["displayName"], "Babs Jensen");
}
