//! The key-admin HTTP surface (`KeyAdmin`): mint, list, revoke; its own admin token.

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use scimitar::auth::{
    Authenticator, BearerKeyAuthenticator, Context, KeyAdmin, MemoryKeyStore, Principal, Secret,
    StaticTokenAuthenticator,
};
use serde_json::{Value, json};
use std::sync::Arc;

const ADMIN: &str = "admin-token-123";

fn setup() -> (KeyAdmin, BearerKeyAuthenticator) {
    let store = Arc::new(MemoryKeyStore::new());
    let admin = KeyAdmin::new(
        store.clone(),
        Arc::new(StaticTokenAuthenticator::admin(&Secret::new(ADMIN))),
    )
    .with_prefix("/admin");
    (admin, BearerKeyAuthenticator::new(store))
}

fn req(method: Method, path: &str, token: Option<&str>, body: &str) -> Request<Bytes> {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Bytes::from(body.to_owned())).unwrap()
}

fn json_of(r: &Response<Bytes>) -> Value {
    serde_json::from_slice(r.body()).unwrap()
}

#[tokio::test]
async fn mint_list_revoke_over_http() {
    let (admin, auth) = setup();
    let r = admin
        .handle(req(
            Method::POST,
            "/admin/tenants/org1/keys",
            Some(ADMIN),
            r#"{"label":"Entra prod"}"#,
        ))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
    let minted = json_of(&r);
    assert_eq!(minted["tenant"], "org1");
    assert_eq!(minted["label"], "Entra prod");
    let secret = minted["secret"].as_str().unwrap().to_owned();
    let id = minted["id"].as_str().unwrap().to_owned();
    assert!(minted["created"].is_string());

    // the minted key authenticates SCIM requests of org1
    let parts = Request::builder()
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(())
        .unwrap()
        .into_parts()
        .0;
    assert_eq!(
        auth.authenticate(&parts).await.unwrap().tenant.as_str(),
        "org1"
    );

    // without a body: no label
    let r = admin
        .handle(req(
            Method::POST,
            "/admin/tenants/org1/keys/",
            Some(ADMIN),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(json_of(&r).get("label").is_none());

    let r = admin
        .handle(req(
            Method::GET,
            "/admin/tenants/org1/keys",
            Some(ADMIN),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let listed = json_of(&r);
    let keys = listed["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.get("secret").is_none()));
    assert!(!String::from_utf8_lossy(r.body()).contains(&secret));

    let path = format!("/admin/tenants/org1/keys/{id}");
    let r = admin
        .handle(req(Method::DELETE, &path, Some(ADMIN), ""))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(auth.authenticate(&parts).await.is_err());
    let r = admin
        .handle(req(Method::DELETE, &path, Some(ADMIN), ""))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_of(&r)["status"], "404");
}

#[tokio::test]
async fn admin_token_is_required() {
    let (admin, _) = setup();
    for token in [None, Some("wrong"), Some("scimk_AAAAAAAAAAAAAAAA.x")] {
        let r = admin
            .handle(req(Method::POST, "/admin/tenants/org1/keys", token, ""))
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(
            r.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        assert_eq!(json_of(&r)["status"], "401");
    }
}

#[tokio::test]
async fn a_tenant_key_is_not_an_admin_key() {
    let (admin, _) = setup();
    let r = admin
        .handle(req(
            Method::POST,
            "/admin/tenants/org1/keys",
            Some(ADMIN),
            "",
        ))
        .await;
    let secret = json_of(&r)["secret"].as_str().unwrap().to_owned();
    let r = admin
        .handle(req(
            Method::GET,
            "/admin/tenants/org1/keys",
            Some(&secret),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn scoped_admin_manages_only_its_tenant() {
    let store = Arc::new(MemoryKeyStore::new());
    let scoped: Arc<dyn Authenticator> = Arc::new(StaticTokenAuthenticator::new(
        &Secret::new("org1-admin"),
        Context::new("org1", Principal::new("org1-admin")),
    ));
    let admin = KeyAdmin::new(store, scoped);
    let r = admin
        .handle(req(
            Method::POST,
            "/tenants/org1/keys",
            Some("org1-admin"),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = admin
        .handle(req(
            Method::POST,
            "/tenants/org2/keys",
            Some("org1-admin"),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_requests_get_json_errors() {
    let (admin, _) = setup();
    let cases = [
        (Method::GET, "/admin/nope", "", StatusCode::NOT_FOUND),
        (
            Method::GET,
            "/other/tenants/a/keys",
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/admin/tenants/a%2Fb/keys",
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PUT,
            "/admin/tenants/a/keys",
            "",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::GET,
            "/admin/tenants/a/keys/x",
            "",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::GET,
            "/admin/tenants/a/keys/x/y",
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/admin/tenants/a/keys",
            "{",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/admin/tenants/a/keys",
            r#"{"lable":"x"}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/admin/tenants/a/keys",
            r#"{"label":7}"#,
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (m, path, body, status) in cases {
        let r = admin.handle(req(m.clone(), path, Some(ADMIN), body)).await;
        assert_eq!(r.status(), status, "{m} {path} {body}");
        assert_eq!(json_of(&r)["status"], json!(status.as_u16().to_string()));
    }
    let big = format!(r#"{{"label":"{}"}}"#, "x".repeat(5000));
    let r = admin
        .handle(req(
            Method::POST,
            "/admin/tenants/a/keys",
            Some(ADMIN),
            &big,
        ))
        .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let long = format!(r#"{{"label":"{}"}}"#, "x".repeat(300));
    let r = admin
        .handle(req(
            Method::POST,
            "/admin/tenants/a/keys",
            Some(ADMIN),
            &long,
        ))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}
