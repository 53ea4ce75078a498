//! `/Me` (RFC 7644 §3.11): with an authenticator that maps the caller to a user, `/Me` is that
//! user's `/Users/{id}` (same answers, `Location` of the real resource); without one, 501.

use super::server_support::*;
use async_trait::async_trait;
use scimitar::auth::{AuthError, Authenticator, Context, Principal};
use scimitar::backend::{IdentityBackend, MemoryBackend};
use scimitar::resource::User;
use scimitar::server::ScimServer;
use serde_json::json;
use std::sync::Arc;

/// Every request is tenant `a`'s principal `alice`, mapped to `user_id`.
struct AsUser {
    user_id: String,
}

#[async_trait]
impl Authenticator for AsUser {
    async fn authenticate(&self, _: &http::request::Parts) -> Result<Context, AuthError> {
        Ok(Context::new(
            "a",
            Principal::new("oidc:alice").with_user_id(&self.user_id),
        ))
    }
}

/// A server whose caller is the user `alice` of tenant `a`, and that user's id; tenant `b`
/// holds a user too.
async fn me_server() -> (ScimServer, String, String) {
    me_server_mapping(false).await
}

/// As [`me_server`]; with `foreign`, the caller (of tenant `a`) is mapped to tenant `b`'s
/// user id.
async fn me_server_mapping(foreign: bool) -> (ScimServer, String, String) {
    let backend = Arc::new(MemoryBackend::new());
    let ctx_a = Context::new("a", Principal::new("setup"));
    let alice = backend
        .create_user(&ctx_a, User::new("alice").with_display_name("Alice"))
        .await
        .unwrap();
    let ctx_b = Context::new("b", Principal::new("setup"));
    let other = backend.create_user(&ctx_b, User::new("bob")).await.unwrap();
    let id = alice.id.unwrap();
    let other = other.id.unwrap();
    let server = ScimServer::builder()
        .backend(backend)
        .authenticator(Arc::new(AsUser {
            user_id: if foreign { other.clone() } else { id.clone() },
        }))
        .base_url(BASE)
        .build()
        .unwrap();
    (server, id, other)
}

#[tokio::test]
async fn get_me_is_the_mapped_user_with_its_location() {
    let (s, id, _) = me_server().await;
    let a = Call::get("/Me").send(&s).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["id"], id.as_str());
    assert_eq!(a.body["userName"], "alice");
    let location = format!("{BASE}/Users/{id}");
    assert_eq!(a.header("location"), Some(location.as_str()));
    assert_eq!(a.body["meta"]["location"], location);
    assert!(a.header("etag").is_some());
    // query parameters apply as on /Users/{id}
    let a = Call::get("/Me?attributes=displayName").send(&s).await;
    assert_eq!(a.body["displayName"], "Alice");
    assert!(a.body.get("userName").is_none());
}

#[tokio::test]
async fn put_patch_delete_me_act_on_the_mapped_user() {
    let (s, id, _) = me_server().await;
    let a = Call::put("/Me", json!({"userName": "alice", "nickName": "Al"}))
        .send(&s)
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["nickName"], "Al");
    assert_eq!(
        a.header("location"),
        Some(format!("{BASE}/Users/{id}").as_str())
    );
    let a = Call::patch(
        "/Me",
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "path": "title", "value": "Tour Guide"}]}),
    )
    .send(&s)
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let a = Call::get(&format!("/Users/{id}")).send(&s).await;
    assert_eq!(a.body["title"], "Tour Guide");
    assert_eq!(a.body["nickName"], "Al");
    // validation is the single-resource one
    Call::put("/Me", json!({"userName": 7}))
        .send(&s)
        .await
        .assert_error(400, Some("invalidValue"));
    // a stale If-Match is 412, as on /Users/{id}
    Call::delete("/Me")
        .header("if-match", "W/\"stale\"")
        .send(&s)
        .await
        .assert_error(412, None);
    assert_eq!(Call::delete("/Me").send(&s).await.status, 204);
    Call::get("/Me").send(&s).await.assert_error(404, None);
}

#[tokio::test]
async fn post_me_is_501_and_me_stays_in_the_callers_tenant() {
    let (s, _, _) = me_server().await;
    Call::post("/Me", json!({"userName": "x"}))
        .send(&s)
        .await
        .assert_error(501, None);
    // a caller of tenant a mapped to tenant b's user id cannot reach that user
    let (s, _, _) = me_server_mapping(true).await;
    Call::get("/Me").send(&s).await.assert_error(404, None);
    Call::delete("/Me").send(&s).await.assert_error(404, None);
    Call::new(http::Method::GET, "/Me/x")
        .send(&s)
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn me_without_a_mapped_user_is_501_saying_why() {
    let s = server().await;
    for call in [
        Call::get("/Me"),
        Call::put("/Me", json!({"userName": "x"})),
        Call::delete("/Me"),
    ] {
        let a = call.send(&s).await;
        a.assert_error(501, None);
        let detail = a.body["detail"].as_str().unwrap();
        assert!(detail.contains("with_user_id"), "{detail}");
    }
}
