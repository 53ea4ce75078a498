//! SCIM keys and bearer authentication through the public API.

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
async fn tenant_b_cannot_list_or_revoke_tenant_a_keys() {
    let (store, _) = setup();
    let a = TenantId::new("a");
    let b = TenantId::new("b");
    let (ka, _) = store.mint(&a, None).await.unwrap();
    store.mint(&b, None).await.unwrap();
    let lb = store.list(&b).await.unwrap();
    assert_eq!(lb.len(), 1);
    assert!(lb.iter().all(|k| k.tenant == b));
    assert!(!store.revoke(&b, &ka.id).await.unwrap());
    assert_eq!(store.list(&a).await.unwrap().len(), 1);
}

#[tokio::test]
async fn listing_never_shows_secrets() {
    let (store, _) = setup();
    let t = TenantId::new("a");
    let (_, secret) = store.mint(&t, Some("x")).await.unwrap();
    let json = serde_json::to_string(&store.list(&t).await.unwrap()).unwrap();
    let body = secret.expose().split_once('.').unwrap().1;
    assert!(!json.contains(body));
    assert!(!format!("{secret:?}").contains(body));
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

#[tokio::test]
async fn a_key_of_tenant_a_never_reaches_tenant_b_data() {
    use scimitar::backend::{IdentityBackend, MemoryBackend};
    use scimitar::query::{ListQuery, Selection};
    use scimitar::resource::User;
    let (store, auth) = setup();
    let (_, key_a) = store.mint(&TenantId::new("a"), None).await.unwrap();
    let (_, key_b) = store.mint(&TenantId::new("b"), None).await.unwrap();
    let backend = MemoryBackend::new();
    let ctx_a = auth
        .authenticate(&parts(Some(&format!("Bearer {}", key_a.expose()))))
        .await
        .unwrap();
    let ctx_b = auth
        .authenticate(&parts(Some(&format!("Bearer {}", key_b.expose()))))
        .await
        .unwrap();
    let id = backend
        .create_user(&ctx_b, User::new("secret-user"))
        .await
        .unwrap()
        .id
        .unwrap();
    assert_eq!(
        backend
            .get_user(&ctx_a, &id, &Selection::all())
            .await
            .unwrap_err()
            .status(),
        404
    );
    assert!(backend.delete_user(&ctx_a, &id, None).await.is_err());
    assert_eq!(
        backend
            .list_users(&ctx_a, &ListQuery::new())
            .await
            .unwrap()
            .total_results,
        0
    );
    assert!(
        backend
            .get_user(&ctx_b, &id, &Selection::all())
            .await
            .is_ok()
    );
}
