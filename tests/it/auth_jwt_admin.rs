//! JWTs beside static keys, and self-service key minting with Zitadel-shaped access tokens:
//! an org admin's own token manages that org's keys only; the admin token manages all.

use crate::auth_jwt::{AUD, ISS, JwksServer, Signer, auth, claims, ec_signer};
use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use scimitar::auth::jwt::{
    JwtAuthenticator, JwtConfig, JwtOrKeyAuthenticator, ZITADEL_ORG_CLAIM, ZITADEL_ROLES_CLAIM,
};
use scimitar::auth::{
    ApiKeyStore, AuthErrorKind, BearerKeyAuthenticator, KeyAdmin, MemoryKeyStore, Secret,
    StaticTokenAuthenticator, TenantId,
};
use serde_json::{Value, json};
use std::sync::Arc;

const ADMIN: &str = "global-admin-token-0123";

#[tokio::test]
async fn jwts_and_scim_keys_side_by_side() {
    use crate::server_support::{BASE, Call};
    let ec = ec_signer("k1");
    let idp = JwksServer::start(vec![ec.jwk.clone()]).await;
    let keys = Arc::new(MemoryKeyStore::new());
    let (_, key) = keys.mint(&TenantId::new("org-k"), None).await.unwrap();
    let either = JwtOrKeyAuthenticator::new(
        Arc::new(JwtAuthenticator::with_jwks(
            JwtConfig::new(ISS, AUD),
            idp.cache(),
        )),
        Arc::new(BearerKeyAuthenticator::new(keys)),
    );
    let ctx = auth(&either, key.expose()).await.unwrap();
    assert_eq!(ctx.tenant.as_str(), "org-k");
    let ctx = auth(&either, &ec.sign(&claims("org-j", json!({}))))
        .await
        .unwrap();
    assert_eq!(ctx.tenant.as_str(), "org-j");
    // a JWT-shaped token that fails is refused by the JWT checks, without a key lookup
    let expired = ec.sign(&claims("org-j", json!({"exp": 1})));
    assert_eq!(
        auth(&either, &expired).await.unwrap_err(),
        AuthErrorKind::Invalid
    );
    assert_eq!(
        auth(&either, "scimk_nope.nope").await.unwrap_err(),
        AuthErrorKind::Invalid
    );

    // through the server: both reach their tenant, a bad token gets the RFC 6750 challenge
    let server = scimitar::server::ScimServer::builder()
        .backend(Arc::new(scimitar::backend::MemoryBackend::new()))
        .authenticator(Arc::new(either))
        .base_url(BASE)
        .build()
        .unwrap();
    let jwt = ec.sign(&claims("org-j", json!({})));
    let created = Call::post("/Users", json!({"userName": "ann"}))
        .key(&jwt)
        .send(&server)
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let mine = Call::get("/Users").key(&jwt).send(&server).await;
    assert_eq!(mine.body["totalResults"], 1);
    let theirs = Call::get("/Users").key(key.expose()).send(&server).await;
    assert_eq!(theirs.body["totalResults"], 0);
    let bad = Call::get("/Users").key(&expired).send(&server).await;
    bad.assert_error(401, None);
    assert!(
        bad.header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
}

/// Claims of a Zitadel access token for a user of `org` holding `roles` (role → granting orgs).
fn zitadel_claims(org: &str, roles: Value) -> Value {
    let mut c = claims(org, json!({"tid": null}));
    let o = c.as_object_mut().unwrap();
    o.insert(ZITADEL_ORG_CLAIM.into(), org.into());
    o.insert(
        "urn:zitadel:iam:user:resourceowner:name".into(),
        "ACME".into(),
    );
    if !roles.is_null() {
        o.insert(ZITADEL_ROLES_CLAIM.into(), roles);
    }
    c
}

struct Admin {
    handler: KeyAdmin,
    keys: Arc<MemoryKeyStore>,
    idp: Signer,
    _jwks: JwksServer,
}

async fn admin() -> Admin {
    let idp = ec_signer("z1");
    let jwks = JwksServer::start(vec![idp.jwk.clone()]).await;
    let keys = Arc::new(MemoryKeyStore::new());
    let jwt = JwtAuthenticator::with_jwks(
        JwtConfig::zitadel(ISS, AUD).require_zitadel_role("scim-admin"),
        jwks.cache(),
    );
    let auth = JwtOrKeyAuthenticator::new(
        Arc::new(jwt),
        Arc::new(StaticTokenAuthenticator::admin(&Secret::new(ADMIN))),
    );
    let handler = KeyAdmin::new(keys.clone(), Arc::new(auth)).with_prefix("/admin");
    Admin {
        handler,
        keys,
        idp,
        _jwks: jwks,
    }
}

impl Admin {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
    ) -> (StatusCode, Value, http::HeaderMap) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Bytes::new())
            .unwrap();
        let r = self.handler.handle(req).await;
        let body = serde_json::from_slice(r.body()).unwrap_or(Value::Null);
        (r.status(), body, r.headers().clone())
    }
}

#[tokio::test]
async fn an_org_admin_token_manages_its_own_org_only() {
    let a = admin().await;
    let token = a.idp.sign(&zitadel_claims(
        "111",
        json!({"scim-admin": {"111": "acme.example"}, "viewer": {"111": "acme.example"}}),
    ));
    let (s, minted, _) = a
        .call(Method::POST, "/admin/tenants/111/keys", &token)
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(minted["tenant"], "111");
    let secret = minted["secret"].as_str().unwrap();
    // the minted key works for SCIM in org 111
    let info = a.keys.verify(secret).await.unwrap().unwrap();
    assert_eq!(info.tenant.as_str(), "111");
    let (s, list, _) = a.call(Method::GET, "/admin/tenants/111/keys", &token).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["keys"].as_array().unwrap().len(), 1);

    // another org's keys: 403, whatever the method, and nothing minted there
    let (_, other, _) = a.call(Method::POST, "/admin/tenants/222/keys", ADMIN).await;
    let other_id = other["id"].as_str().unwrap().to_owned();
    for (m, p) in [
        (Method::POST, "/admin/tenants/222/keys".to_owned()),
        (Method::GET, "/admin/tenants/222/keys".to_owned()),
        (
            Method::DELETE,
            format!("/admin/tenants/222/keys/{other_id}"),
        ),
    ] {
        let (s, body, _) = a.call(m, &p, &token).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
        assert_eq!(body["status"], "403");
    }
    assert_eq!(a.keys.list(&TenantId::new("222")).await.unwrap().len(), 1);
    // revoking its own key of another org's id is a 404, not a cross-org revoke
    let (s, _, _) = a
        .call(
            Method::DELETE,
            &format!("/admin/tenants/111/keys/{other_id}"),
            &token,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let id = minted["id"].as_str().unwrap();
    let (s, _, _) = a
        .call(
            Method::DELETE,
            &format!("/admin/tenants/111/keys/{id}"),
            &token,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(a.keys.verify(secret).await.unwrap().is_none());
}

#[tokio::test]
async fn without_the_role_in_that_org_it_is_403() {
    let a = admin().await;
    for roles in [
        Value::Null,
        json!({"viewer": {"111": "acme.example"}}),
        // the role, but granted by another organization
        json!({"scim-admin": {"222": "other.example"}}),
        json!(["scim-admin-not"]),
    ] {
        let token = a.idp.sign(&zitadel_claims("111", roles.clone()));
        let (s, _, h) = a
            .call(Method::POST, "/admin/tenants/111/keys", &token)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{roles}");
        assert!(
            h[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .contains("insufficient_scope")
        );
    }
    assert!(a.keys.list(&TenantId::new("111")).await.unwrap().is_empty());
    // a token of another issuer or without the org claim: 401
    let foreign = ec_signer("z1").sign(&zitadel_claims("111", json!({"scim-admin": {"111": "x"}})));
    let no_org = a.idp.sign(&claims(
        "111",
        json!({ZITADEL_ROLES_CLAIM: {"scim-admin": {"111": "x"}}}),
    ));
    for t in [foreign, no_org, "wrong-admin-token".to_owned()] {
        let (s, _, h) = a.call(Method::GET, "/admin/tenants/111/keys", &t).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(
            h[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .contains("invalid_token")
        );
    }
}

#[tokio::test]
async fn the_global_admin_token_still_manages_every_org() {
    let a = admin().await;
    for org in ["111", "222"] {
        let (s, body, _) = a
            .call(Method::POST, &format!("/admin/tenants/{org}/keys"), ADMIN)
            .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(body["tenant"], org);
    }
}

#[tokio::test]
async fn an_unreachable_idp_is_503_with_retry_after_on_the_admin_surface() {
    let url = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/jwks", l.local_addr().unwrap())
    };
    let jwt = JwtAuthenticator::with_jwks(
        JwtConfig::zitadel(ISS, AUD),
        scimitar::auth::jwt::JwksCache::new(&url).unwrap(),
    );
    let handler = KeyAdmin::new(Arc::new(MemoryKeyStore::new()), Arc::new(jwt));
    let token = ec_signer("z1").sign(&zitadel_claims("111", Value::Null));
    let req = Request::builder()
        .method(Method::GET)
        .uri("/tenants/111/keys")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Bytes::new())
        .unwrap();
    let r = handler.handle(req).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key(header::RETRY_AFTER));
}
