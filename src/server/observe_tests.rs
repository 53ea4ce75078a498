//! What the `tracing` feature records of a request, read back through a capturing subscriber:
//! the span's fields, no secret and no body text, and the cause chain of every 5xx.

use super::ScimServer;
use super::tests::{Auth, failing, server};
use crate::auth::{Context, Principal, Secret, StaticTokenAuthenticator};
use crate::backend::{BackendError, MemoryBackend};
use bytes::Bytes;
use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tracing_subscriber::fmt::format::FmtSpan;

const KEY: &str = "k3y-MARKER-never-logged-0123456789abcdef";
const MARKER: &str = "BODY-MARKER-never-logged";

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Runs `f` with a JSON subscriber (every span closing, every event) writing to the capture.
async fn capture<F: std::future::Future<Output = ()>>(f: F) -> String {
    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_current_span(true)
        .with_span_list(true)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    f.await;
    out.text()
}

fn memory_server() -> ScimServer {
    ScimServer::builder()
        .backend(Arc::new(MemoryBackend::new()))
        .authenticator(Arc::new(StaticTokenAuthenticator::new(
            &Secret::new(KEY),
            Context::new("acme", Principal::new("entra")),
        )))
        .base_url("https://example.com/scim/v2")
        .build()
        .unwrap()
}

fn request(method: &str, path: &str, body: String) -> http::Request<Bytes> {
    http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/scim+json")
        .body(Bytes::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_request_span_has_method_route_tenant_status_latency() {
    let s = memory_server();
    let log = capture(async {
        let body = format!(r#"{{"userName": "{MARKER}@example.com"}}"#);
        let res = s.handle(request("POST", "/scim/v2/Users", body)).await;
        assert_eq!(res.status(), 201);
    })
    .await;
    let line = log
        .lines()
        .find(|l| l.contains("request answered"))
        .unwrap_or_else(|| panic!("no request event in {log}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let span = &v["span"];
    assert_eq!(span["name"], "scim_request");
    assert_eq!(span["method"], "POST");
    assert_eq!(span["route"], "/Users");
    assert_eq!(span["tenant"], "acme");
    assert_eq!(v["fields"]["status"], 201);
    assert!(v["fields"]["latency_us"].is_u64(), "{line}");
    assert_eq!(v["level"], "INFO");
}

#[tokio::test]
async fn no_secret_body_or_query_text_is_logged() {
    let s = memory_server();
    let log = capture(async {
        let body = format!(r#"{{"userName": "{MARKER}", "password": "{MARKER}"}}"#);
        let res = s.handle(request("POST", "/Users", body)).await;
        assert_eq!(res.status(), 201);
        let v: serde_json::Value = serde_json::from_slice(res.body()).unwrap();
        let id = v["id"].as_str().unwrap().to_owned();
        let patch = format!(
            r#"{{"Operations": [{{"op": "replace", "path": "displayName", "value": "{MARKER}"}}]}}"#
        );
        let path = format!("/Users/{id}");
        assert_eq!(s.handle(request("PATCH", &path, patch)).await.status(), 200);
        let q = format!("/Users?filter=userName+eq+%22{MARKER}%22");
        assert_eq!(
            s.handle(request("GET", &q, String::new())).await.status(),
            200
        );
        // A refused key and a bad body are not logged either.
        let mut bad = request("POST", "/Users", format!("{{{MARKER}"));
        assert_eq!(s.handle(bad).await.status(), 400);
        bad = request("GET", "/Users", String::new());
        bad.headers_mut().insert(
            "authorization",
            http::HeaderValue::from_str(&format!("Bearer {MARKER}")).unwrap(),
        );
        assert_eq!(s.handle(bad).await.status(), 401);
    })
    .await;
    assert!(log.contains("/Users/{id}"), "{log}");
    assert!(!log.contains(MARKER), "{log}");
    assert!(!log.contains(KEY), "{log}");
    assert!(!log.contains("k3y"), "{log}");
}

#[derive(Debug)]
struct QueryFailed(std::io::Error);

impl fmt::Display for QueryFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT on users failed")
    }
}

impl std::error::Error for QueryFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[tokio::test]
async fn every_5xx_is_logged_at_error_level_with_its_cause_chain() {
    let s = server(
        failing(|| {
            BackendError::internal(QueryFailed(std::io::Error::other(
                "connection reset by peer",
            )))
        }),
        Auth(None),
    );
    let log = capture(async {
        let req = http::Request::get("/Users/abc").body(Bytes::new()).unwrap();
        let res = s.handle(req).await;
        assert_eq!(res.status(), 500);
        // The client sees nothing of the cause; middleware sees all of it.
        assert!(!String::from_utf8_lossy(res.body()).contains("SELECT"));
        let report = res.extensions().get::<super::ErrorReport>().unwrap();
        assert_eq!(report.chain().count(), 3);
    })
    .await;
    let line = log
        .lines()
        .find(|l| l.contains("request failed"))
        .unwrap_or_else(|| panic!("no error event in {log}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["level"], "ERROR");
    assert_eq!(v["fields"]["status"], 500);
    assert_eq!(v["span"]["route"], "/Users/{id}");
    assert_eq!(v["span"]["tenant"], "t");
    let error = v["fields"]["error"].as_str().unwrap();
    assert!(error.contains("SELECT on users failed"), "{error}");
    assert!(error.contains("connection reset by peer"), "{error}");
}

#[tokio::test]
async fn a_503_is_logged_as_an_error_too() {
    let s = server(
        failing(|| BackendError::unavailable("pool exhausted", None)),
        Auth(None),
    );
    let log = capture(async {
        let req = http::Request::get("/Groups").body(Bytes::new()).unwrap();
        assert_eq!(s.handle(req).await.status(), 503);
    })
    .await;
    assert!(
        log.lines()
            .any(|l| l.contains("\"ERROR\"") && l.contains("pool exhausted")),
        "{log}"
    );
}

#[cfg(feature = "tower")]
#[tokio::test]
async fn a_streamed_request_is_logged_the_same_way() {
    let s = memory_server();
    let log = capture(async {
        let req = request("GET", "/scim/v2/Groups", String::new()).map(http_body_util::Full::new);
        assert_eq!(s.handle_body(req).await.status(), 200);
    })
    .await;
    let line = log
        .lines()
        .find(|l| l.contains("request answered"))
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["span"]["route"], "/Groups");
    assert_eq!(v["span"]["tenant"], "acme");
    assert_eq!(v["fields"]["status"], 200);
}

/// A key store that cannot be reached.
struct DownStore;

fn store_down() -> BackendError {
    BackendError::internal(QueryFailed(std::io::Error::other("no route to key db")))
}

#[async_trait::async_trait]
impl crate::auth::ApiKeyStore for DownStore {
    async fn mint(
        &self,
        _: &crate::auth::TenantId,
        _: Option<&str>,
    ) -> Result<(crate::auth::KeyInfo, Secret), BackendError> {
        Err(store_down())
    }
    async fn insert_known(
        &self,
        _: &crate::auth::TenantId,
        _: Option<&str>,
        _: &Secret,
    ) -> Result<crate::auth::KeyInfo, BackendError> {
        Err(store_down())
    }
    async fn verify(&self, _: &str) -> Result<Option<crate::auth::KeyInfo>, BackendError> {
        Err(store_down())
    }
    async fn list(
        &self,
        _: &crate::auth::TenantId,
    ) -> Result<Vec<crate::auth::KeyInfo>, BackendError> {
        Err(store_down())
    }
    async fn revoke(&self, _: &crate::auth::TenantId, _: &str) -> Result<bool, BackendError> {
        Err(store_down())
    }
}

#[tokio::test]
async fn a_key_store_failure_is_logged_with_its_chain_but_not_the_key() {
    let s = ScimServer::builder()
        .backend(Arc::new(MemoryBackend::new()))
        .authenticator(Arc::new(crate::auth::BearerKeyAuthenticator::new(
            Arc::new(DownStore),
        )))
        .base_url("https://example.com/scim/v2")
        .build()
        .unwrap();
    let log = capture(async {
        let res = s.handle(request("GET", "/Users", String::new())).await;
        assert_eq!(res.status(), 503);
    })
    .await;
    assert!(
        log.lines().any(|l| l.contains("\"ERROR\"")
            && l.contains("SELECT on users failed")
            && l.contains("no route to key db")),
        "{log}"
    );
    assert!(!log.contains(KEY), "{log}");
}
