//! Bearer JWTs (RFC 9068 / RFC 7519): keys generated here (RSA, P-256), a JWKS served on
//! loopback, rotation, the re-fetch bound, time claims with leeway, issuer/audience,
//! algorithm confusion, the tenant claim, and an unreachable JWKS.

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use scimitar::auth::jwt::{JwksCache, JwtAlgorithm, JwtAuthenticator, JwtConfig, KeySet};
use scimitar::auth::{AuthErrorKind, Authenticator};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const ISS: &str = "https://idp.example.com";
pub const AUD: &str = "scim-api";

/// A signing key of the test identity provider, with its public JWK.
#[derive(Clone)]
pub struct Signer {
    pub kid: String,
    pub alg: Algorithm,
    pub enc: EncodingKey,
    pub jwk: Jwk,
    pub public_pem: String,
}

impl Signer {
    /// A token over `claims` with this key and its `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, claims)
    }

    /// A token over `claims` with this key but another `kid` in the header.
    pub fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut h = Header::new(self.alg);
        h.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&h, claims, &self.enc).unwrap()
    }
}

/// The RSA key (generated once per test run: RSA key generation is slow).
fn rsa_pems() -> &'static (String, String) {
    static PEMS: OnceLock<(String, String)> = OnceLock::new();
    PEMS.get_or_init(|| {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let private = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let public = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        (private, public)
    })
}

pub fn rsa_signer(kid: &str) -> Signer {
    let (private, public) = rsa_pems();
    let enc = EncodingKey::from_rsa_pem(private.as_bytes()).unwrap();
    signer(kid, Algorithm::RS256, enc, public.clone())
}

/// A fresh P-256 key.
pub fn ec_signer(kid: &str) -> Signer {
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let private = key.to_pkcs8_pem(LineEnding::LF).unwrap();
    let public = key.public_key().to_public_key_pem(LineEnding::LF).unwrap();
    let enc = EncodingKey::from_ec_pem(private.as_bytes()).unwrap();
    signer(kid, Algorithm::ES256, enc, public)
}

fn signer(kid: &str, alg: Algorithm, enc: EncodingKey, public_pem: String) -> Signer {
    let mut jwk = Jwk::from_encoding_key(&enc, alg).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    Signer {
        kid: kid.to_owned(),
        alg,
        enc,
        jwk,
        public_pem,
    }
}

pub fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// Valid claims for tenant `tenant`, plus `extra`.
pub fn claims(tenant: &str, extra: Value) -> Value {
    let mut c = json!({
        "iss": ISS, "aud": AUD, "sub": "user-1", "tid": tenant,
        "iat": now(), "exp": now() + 300,
    });
    if let (Some(o), Some(e)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            if v.is_null() {
                o.remove(k);
            } else {
                o.insert(k.clone(), v.clone());
            }
        }
    }
    c
}

/// A JWKS endpoint on 127.0.0.1 whose key list can change, counting its fetches.
pub struct JwksServer {
    pub url: String,
    pub keys: Arc<Mutex<Vec<Jwk>>>,
    pub fetches: Arc<AtomicUsize>,
    /// While set, the endpoint answers 500.
    pub failing: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl JwksServer {
    pub async fn start(keys: Vec<Jwk>) -> JwksServer {
        let keys = Arc::new(Mutex::new(keys));
        let fetches = Arc::new(AtomicUsize::new(0));
        let failing = Arc::new(AtomicBool::new(false));
        let (k, f, x) = (keys.clone(), fetches.clone(), failing.clone());
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                let (k, f, x) = (k.clone(), f.clone(), x.clone());
                async move {
                    f.fetch_add(1, Ordering::SeqCst);
                    if x.load(Ordering::SeqCst) {
                        return Err(http::StatusCode::INTERNAL_SERVER_ERROR);
                    }
                    let set = JwkSet {
                        keys: k.lock().unwrap().clone(),
                    };
                    Ok(axum::Json(set))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        JwksServer {
            url,
            keys,
            fetches,
            failing,
            task,
        }
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    pub fn cache(&self) -> JwksCache {
        JwksCache::new(&self.url).unwrap()
    }
}

pub fn parts(token: &str) -> http::request::Parts {
    http::Request::builder()
        .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(())
        .unwrap()
        .into_parts()
        .0
}

pub async fn auth(
    a: &dyn Authenticator,
    token: &str,
) -> Result<scimitar::auth::Context, AuthErrorKind> {
    a.authenticate(&parts(token)).await.map_err(|e| e.kind())
}

fn static_auth(config: JwtConfig, s: &Signer) -> JwtAuthenticator {
    let alg = if s.alg == Algorithm::RS256 {
        JwtAlgorithm::Rs256
    } else {
        JwtAlgorithm::Es256
    };
    let keys = KeySet::new()
        .with_pem(Some(&s.kid), alg, s.public_pem.as_bytes())
        .unwrap();
    JwtAuthenticator::with_keys(config, keys)
}

#[tokio::test]
async fn rs256_and_es256_from_a_jwks_map_the_tenant_claim() {
    let (rsa, ec) = (rsa_signer("r1"), ec_signer("e1"));
    let idp = JwksServer::start(vec![rsa.jwk.clone(), ec.jwk.clone()]).await;
    let a = JwtAuthenticator::with_jwks(JwtConfig::new(ISS, AUD), idp.cache());
    for s in [&rsa, &ec] {
        let ctx = auth(&a, &s.sign(&claims("org-1", json!({}))))
            .await
            .unwrap();
        assert_eq!(ctx.tenant.as_str(), "org-1");
        assert_eq!(ctx.principal.as_str(), "jwt:user-1");
    }
    // cached: one fetch for both tokens and a second use
    auth(&a, &rsa.sign(&claims("org-2", json!({}))))
        .await
        .unwrap();
    assert_eq!(idp.fetches(), 1);
}

#[tokio::test]
async fn configured_pem_keys() {
    let ec = ec_signer("e1");
    let a = static_auth(JwtConfig::new(ISS, AUD), &ec);
    let ctx = auth(&a, &ec.sign(&claims("t", json!({})))).await.unwrap();
    assert_eq!(ctx.tenant.as_str(), "t");
    // another P-256 key under the same kid: bad signature
    let other = ec_signer("e1");
    let e = auth(&a, &other.sign(&claims("t", json!({}))))
        .await
        .unwrap_err();
    assert_eq!(e, AuthErrorKind::Invalid);
    // a JWK Set document works too
    let doc = serde_json::to_vec(&JwkSet {
        keys: vec![ec.jwk.clone()],
    })
    .unwrap();
    let b = JwtAuthenticator::with_keys(
        JwtConfig::new(ISS, AUD),
        KeySet::from_jwks_json(&doc).unwrap(),
    );
    assert!(auth(&b, &ec.sign(&claims("t", json!({})))).await.is_ok());
}

#[tokio::test]
async fn expiry_not_before_and_leeway() {
    let ec = ec_signer("e1");
    let strict = static_auth(JwtConfig::new(ISS, AUD).leeway(Duration::ZERO), &ec);
    let lenient = static_auth(
        JwtConfig::new(ISS, AUD).leeway(Duration::from_secs(60)),
        &ec,
    );
    let t = now();
    let cases = [
        // (extra claims, accepted with leeway 0, accepted with leeway 60)
        (json!({"exp": t - 120}), false, false),
        (json!({"exp": t - 30}), false, true),
        (json!({"exp": null}), false, false),
        (json!({"exp": "soon"}), false, false),
        (json!({"nbf": t + 120}), false, false),
        (json!({"nbf": t + 30}), false, true),
        (json!({"nbf": t - 10}), true, true),
    ];
    for (extra, ok_strict, ok_lenient) in cases {
        let token = ec.sign(&claims("t", extra.clone()));
        assert_eq!(
            auth(&strict, &token).await.is_ok(),
            ok_strict,
            "strict {extra}"
        );
        assert_eq!(
            auth(&lenient, &token).await.is_ok(),
            ok_lenient,
            "lenient {extra}"
        );
    }
}

#[tokio::test]
async fn issuer_audience_subject_and_tenant_are_required() {
    let ec = ec_signer("e1");
    let a = static_auth(JwtConfig::new(ISS, AUD).audience("other-api"), &ec);
    assert!(
        auth(
            &a,
            &ec.sign(&claims("t", json!({"aud": ["x", "other-api"]})))
        )
        .await
        .is_ok()
    );
    for extra in [
        json!({"iss": "https://evil.example.com"}),
        json!({"iss": null}),
        json!({"aud": "someone-else"}),
        json!({"aud": null}),
        json!({"sub": null}),
        json!({"tid": null}),
        json!({"tid": "*"}),
        json!({"tid": "../b"}),
    ] {
        let e = auth(&a, &ec.sign(&claims("t", extra.clone())))
            .await
            .unwrap_err();
        assert_eq!(e, AuthErrorKind::Invalid, "{extra}");
    }
    // another tenant claim
    let z = static_auth(JwtConfig::new(ISS, AUD).tenant_claim("org"), &ec);
    let ctx = auth(&z, &ec.sign(&claims("t", json!({"org": "o9"}))))
        .await
        .unwrap();
    assert_eq!(ctx.tenant.as_str(), "o9");
}

#[tokio::test]
async fn algorithm_confusion_is_refused() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let rsa = rsa_signer("r1");
    let a = static_auth(JwtConfig::new(ISS, AUD), &rsa);
    let body = claims("t", json!({}));
    // alg none, unsigned
    let none = format!(
        "{}.{}.",
        B64.encode(r#"{"alg":"none","kid":"r1"}"#),
        B64.encode(body.to_string())
    );
    assert_eq!(auth(&a, &none).await.unwrap_err(), AuthErrorKind::Invalid);
    // HS256 with the RSA public key (PEM, as published) as the HMAC secret
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some("r1".into());
    for secret in [rsa.public_pem.as_bytes(), b"r1".as_slice()] {
        let hs = jsonwebtoken::encode(&h, &body, &EncodingKey::from_secret(secret)).unwrap();
        assert_eq!(auth(&a, &hs).await.unwrap_err(), AuthErrorKind::Invalid);
    }
    // an algorithm that is not configured
    let only_es = static_auth(
        JwtConfig::new(ISS, AUD).algorithms(&[JwtAlgorithm::Es256]),
        &rsa,
    );
    assert_eq!(
        auth(&only_es, &rsa.sign(&body)).await.unwrap_err(),
        AuthErrorKind::Invalid
    );
    // a P-256 token naming the RSA key's kid
    let ec = ec_signer("r1");
    assert_eq!(
        auth(&a, &ec.sign(&body)).await.unwrap_err(),
        AuthErrorKind::Invalid
    );
    // tampered payload
    let good = rsa.sign(&body);
    let mut segs: Vec<&str> = good.split('.').collect();
    let forged = B64.encode(claims("other", json!({})).to_string());
    segs[1] = &forged;
    assert_eq!(
        auth(&a, &segs.join(".")).await.unwrap_err(),
        AuthErrorKind::Invalid
    );
    // garbage
    for junk in ["a.b.c", "eyJ.eyJ.x", "not-a-jwt"] {
        assert_eq!(auth(&a, junk).await.unwrap_err(), AuthErrorKind::Invalid);
    }
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once() {
    let (old, new) = (ec_signer("k-old"), ec_signer("k-new"));
    let idp = JwksServer::start(vec![old.jwk.clone()]).await;
    let cache = idp.cache().min_refetch_interval(Duration::ZERO);
    let a = JwtAuthenticator::with_jwks(JwtConfig::new(ISS, AUD), cache);
    auth(&a, &old.sign(&claims("t", json!({})))).await.unwrap();
    assert_eq!(idp.fetches(), 1);
    // the issuer rotates: the new kid is unknown, so the set is fetched again, once
    idp.keys.lock().unwrap().push(new.jwk.clone());
    auth(&a, &new.sign(&claims("t", json!({})))).await.unwrap();
    assert_eq!(idp.fetches(), 2);
    auth(&a, &new.sign(&claims("t", json!({})))).await.unwrap();
    auth(&a, &old.sign(&claims("t", json!({})))).await.unwrap();
    assert_eq!(idp.fetches(), 2);
}

#[tokio::test]
async fn unknown_kids_cannot_hammer_the_idp() {
    let ec = ec_signer("k1");
    let idp = JwksServer::start(vec![ec.jwk.clone()]).await;
    let cache = idp.cache().min_refetch_interval(Duration::from_secs(3600));
    let a = Arc::new(JwtAuthenticator::with_jwks(JwtConfig::new(ISS, AUD), cache));
    auth(&*a, &ec.sign(&claims("t", json!({})))).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..64 {
        let (a, token) = (
            a.clone(),
            ec.sign_as(&format!("random-{i}"), &claims("t", json!({}))),
        );
        tasks.spawn(async move { auth(&*a, &token).await.map(|_| ()) });
    }
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.unwrap(), Err(AuthErrorKind::Invalid));
    }
    // the first fetch was less than the bound ago: no re-fetch at all
    assert_eq!(idp.fetches(), 1);
    // known keys keep working without a fetch
    auth(&*a, &ec.sign(&claims("t", json!({})))).await.unwrap();
    assert_eq!(idp.fetches(), 1);
}

#[tokio::test]
async fn known_keys_outlive_a_failing_jwks_and_the_ttl_refreshes() {
    let (k1, k2) = (ec_signer("k1"), ec_signer("k2"));
    let idp = JwksServer::start(vec![k1.jwk.clone()]).await;
    let cache = idp
        .cache()
        .ttl(Duration::ZERO)
        .min_refetch_interval(Duration::ZERO);
    let a = JwtAuthenticator::with_jwks(JwtConfig::new(ISS, AUD), cache);
    auth(&a, &k1.sign(&claims("t", json!({})))).await.unwrap();
    // TTL 0: every token re-reads the set
    auth(&a, &k1.sign(&claims("t", json!({})))).await.unwrap();
    assert_eq!(idp.fetches(), 2);
    // the IdP fails: the key already known keeps working, an unknown one is 503
    idp.failing.store(true, Ordering::SeqCst);
    idp.keys.lock().unwrap().push(k2.jwk.clone());
    auth(&a, &k1.sign(&claims("t", json!({})))).await.unwrap();
    let e = auth(&a, &k2.sign(&claims("t", json!({}))))
        .await
        .unwrap_err();
    assert_eq!(e, AuthErrorKind::Unavailable);
    assert_eq!(idp.fetches(), 4);
    // it recovers: the new key is fetched and accepted
    idp.failing.store(false, Ordering::SeqCst);
    auth(&a, &k2.sign(&claims("t", json!({})))).await.unwrap();
    // a key the IdP dropped stops working once the set is re-read
    idp.keys
        .lock()
        .unwrap()
        .retain(|j| j.common.key_id.as_deref() == Some("k2"));
    let e = auth(&a, &k1.sign(&claims("t", json!({}))))
        .await
        .unwrap_err();
    assert_eq!(e, AuthErrorKind::Invalid);
}

#[tokio::test]
async fn an_unreachable_jwks_is_503_with_retry_after() {
    use crate::server_support::{BASE, Call};
    // a port nothing listens on
    let url = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/jwks", l.local_addr().unwrap())
    };
    let cache = JwksCache::new(&url)
        .unwrap()
        .min_refetch_interval(Duration::from_secs(7));
    let a = JwtAuthenticator::with_jwks(JwtConfig::new(ISS, AUD), cache);
    let ec = ec_signer("k1");
    let token = ec.sign(&claims("t", json!({})));
    let server = scimitar::server::ScimServer::builder()
        .backend(Arc::new(scimitar::backend::MemoryBackend::new()))
        .authenticator(Arc::new(a))
        .base_url(BASE)
        .build()
        .unwrap();
    for _ in 0..2 {
        let r = Call::get("/Users").key(&token).send(&server).await;
        r.assert_error(503, None);
        let after: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=7).contains(&after), "{after}");
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn block<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever a client sends as a bearer token, it is refused (never a panic, never 5xx).
        #[test]
        fn arbitrary_tokens_are_refused(
            token in prop_oneof![
                "[A-Za-z0-9._~+/=-]{1,300}",
                "eyJ[A-Za-z0-9_-]{0,80}\\.[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,100}",
            ],
        ) {
            let ec = ec_signer("k1");
            let a = static_auth(JwtConfig::new(ISS, AUD), &ec);
            let e = block(auth(&a, &token)).unwrap_err();
            prop_assert!(matches!(e, AuthErrorKind::Invalid | AuthErrorKind::Missing), "{e:?}");
        }

        /// Changing one character of a signed token never yields a caller other than the
        /// signed one: the change is refused, or (a base64 spelling that decodes to the same
        /// bytes) it changes nothing.
        #[test]
        fn a_changed_token_never_forges_claims(
            at in any::<prop::sample::Index>(),
            c in "[A-Za-z0-9_.-]",
        ) {
            let ec = ec_signer("k1");
            let a = static_auth(JwtConfig::new(ISS, AUD), &ec);
            let token = ec.sign(&claims("t", json!({})));
            let i = at.index(token.len());
            let changed = format!("{}{}{}", &token[..i], c, &token[i + 1..]);
            match block(auth(&a, &changed)) {
                Err(e) => prop_assert_eq!(e, AuthErrorKind::Invalid),
                Ok(ctx) => {
                    prop_assert_eq!(ctx.tenant.as_str(), "t");
                    prop_assert_eq!(ctx.principal.as_str(), "jwt:user-1");
                }
            }
        }
    }
}
