//! SCIM keys and bearer authentication through the public API. The key store's own rules
//! (tenants, revocation, no secrets shown) are proven by the conformance kit
//! (`testkit_memory.rs`).

use http::{HeaderValue, Request, header};
use scimitar::auth::{
    ApiKeyStore, AuthErrorKind, Authenticator, BearerKeyAuthenticator, MemoryKeyStore, Secret,
    TenantId,
};
use std::sync::Arc;

fn parts(auth: Option<&str>) -> http::request::Parts {
    let mut b = Request::builder().uri("/Users");
    if let Some(a) = auth {
        b = b.header(header::AUTHORIZATION, HeaderValue::from_str(a).unwrap());
    }
    b.body(()).unwrap().into_parts().0
}

fn setup() -> (Arc<MemoryKeyStore>, BearerKeyAuthenticator) {
    let store = Arc::new(MemoryKeyStore::new());
    let auth = BearerKeyAuthenticator::new(store.clone());
    (store, auth)
}

#[tokio::test]
async fn minted_key_authenticates_as_its_tenant() {
    let (store, auth) = setup();
    let a = TenantId::new("org-a");
    let (info, secret) = store.mint(&a, Some("entra")).await.unwrap();
    let ctx = auth
        .authenticate(&parts(Some(&format!("Bearer {}", secret.expose()))))
        .await
        .unwrap();
    assert_eq!(ctx.tenant, a);
    assert_eq!(ctx.principal.as_str(), format!("key:{}", info.id));
}

#[tokio::test]
async fn missing_and_bad_keys_are_refused_with_a_challenge() {
    let (store, auth) = setup();
    store.mint(&TenantId::new("a"), None).await.unwrap();
    let e = auth.authenticate(&parts(None)).await.unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::Missing);
    assert_eq!(e.status().as_u16(), 401);
    assert!(
        e.www_authenticate()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let e = auth
        .authenticate(&parts(Some("Bearer scimk_AAAAAAAAAAAAAAAA.wrong")))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::Invalid);
    let body = scimitar::Error::from(e).to_json();
    assert_eq!(body["status"], "401");
}

#[tokio::test]
async fn revoked_key_fails_and_other_keys_keep_working() {
    let (store, auth) = setup();
    let t = TenantId::new("a");
    let (k1, s1) = store.mint(&t, Some("old")).await.unwrap();
    let (_k2, s2) = store.mint(&t, Some("new")).await.unwrap();
    assert_eq!(store.list(&t).await.unwrap().len(), 2);
    assert!(store.revoke(&t, &k1.id).await.unwrap());
    let bearer = |s: &Secret| format!("Bearer {}", s.expose());
    assert_eq!(
        auth.authenticate(&parts(Some(&bearer(&s1))))
            .await
            .unwrap_err()
            .kind(),
        AuthErrorKind::Invalid
    );
    assert!(auth.authenticate(&parts(Some(&bearer(&s2)))).await.is_ok());
    let listed = store.list(&t).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].label.as_deref(), Some("new"));
}

#[tokio::test]
async fn configured_key_is_accepted() {
    let (store, auth) = setup();
    let t = TenantId::new("default");
    store
        .insert_known(&t, Some("SCIM_KEY"), &Secret::new("s3cr3t-from-env"))
        .await
        .unwrap();
    let ctx = auth
        .authenticate(&parts(Some("Bearer s3cr3t-from-env")))
        .await
        .unwrap();
    assert_eq!(ctx.tenant, t);
    assert!(
        auth.authenticate(&parts(Some("Bearer s3cr3t-from-enV")))
            .await
            .is_err()
    );
}
