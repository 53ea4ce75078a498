//! The example SCIM server on axum, over the store `SCIM_DATABASE_URL` names (SQLite file
//! `scimitar.db` by default, PostgreSQL, or `memory:`; see `examples/support/store.rs`).
//!
//! ```sh
//! cargo run --example axum --features examples
//! ```
//!
//! Serves SCIM 2.0 under `/scim/v2` (Entra ID's Tenant URL is `http://<addr>/scim/v2`), key
//! management under `/admin` when `SCIM_ADMIN_TOKEN` is set, and `/healthz`. Configuration is
//! read from the environment (`SCIM_ADDR`, `SCIM_BASE_URL`, `SCIM_DATABASE_URL`, `SCIM_KEY`,
//! `SCIM_TENANT`, `SCIM_ADMIN_TOKEN`, `SCIM_SNAPSHOT`; see `examples/support/mod.rs` and the
//! README). Ctrl-C or SIGTERM stops it (and writes the snapshot of a `memory:` store, if one is
//! configured).

mod support;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::{any, get};
use scimitar::auth::{KeyAdmin, MAX_ADMIN_BODY};
use scimitar::server::{ScimServer, error_response};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::logging::init();
    let app = match support::App::from_env().await {
        Ok(app) => app,
        Err(e) => {
            // A clear one-line message naming the setting (e.g. a SCIM_KEY that is too short).
            eprintln!("configuration error: {e}");
            std::process::exit(2);
        }
    };
    let router = router(app.scim.clone(), app.admin.clone());
    let listener = tokio::net::TcpListener::bind(app.addr).await?;
    app.announce("axum");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    app.shutdown()
}

/// SCIM under [`support::SCIM_PATH`], key management under `/admin` (when enabled), `/healthz`.
fn router(scim: ScimServer, admin: Option<KeyAdmin>) -> Router {
    // The SCIM server is a `tower::Service`: one line mounts it.
    let mut router = Router::new()
        .nest_service(support::SCIM_PATH, scim)
        .route("/healthz", get(|| async { "ok" }));
    if let Some(admin) = admin {
        let admin_routes = Router::new()
            .route("/admin/{*path}", any(key_admin))
            .with_state(admin);
        router = router.merge(admin_routes);
    }
    // Any other path (outside the SCIM mount, or `/admin` itself) is a SCIM 404 too, so every
    // answer of this service is a SCIM error body (RFC 7644 §3.12).
    router.fallback(not_found)
}

/// The answer for a path this service does not serve.
async fn not_found() -> Response {
    error_response(&scimitar::Error::not_found("no such endpoint")).map(Body::from)
}

/// The key-admin handler speaks `http::Request<Bytes>`: read the (small, bounded) body first;
/// a larger one is a 413 SCIM error.
async fn key_admin(State(admin): State<KeyAdmin>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let response = match axum::body::to_bytes(body, MAX_ADMIN_BODY).await {
        Ok(bytes) => admin.handle(http::Request::from_parts(parts, bytes)).await,
        Err(_) => error_response(&scimitar::Error::with_status(
            http::StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!("the request body is larger than {MAX_ADMIN_BODY} bytes"),
        )),
    };
    response.map(Body::from)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    //! The router's own answers are SCIM errors: `/admin` 405 (with `Allow`) and 413, the SCIM
    //! server's 413.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use scimitar::auth::{Context, MemoryKeyStore, Principal, Secret, StaticTokenAuthenticator};
    use scimitar::backend::MemoryBackend;
    use std::sync::Arc;
    use tower::ServiceExt;

    const TOKEN: &str = "example-test-admin-token-0123456789abcdef";

    fn app() -> Router {
        let auth = StaticTokenAuthenticator::new(
            &Secret::new(TOKEN),
            Context::new("t", Principal::new("p")),
        );
        let scim = ScimServer::builder()
            .backend(Arc::new(MemoryBackend::new()))
            .authenticator(Arc::new(auth))
            .base_url("http://127.0.0.1/scim/v2")
            .build()
            .unwrap();
        let admin = KeyAdmin::new(
            Arc::new(MemoryKeyStore::new()),
            Arc::new(StaticTokenAuthenticator::admin(&Secret::new(TOKEN))),
        )
        .with_prefix(support::ADMIN_PATH);
        router(scim, Some(admin))
    }

    async fn send(
        method: &str,
        path: &str,
        body: Vec<u8>,
    ) -> (u16, http::HeaderMap, serde_json::Value) {
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/scim+json")
            .body(Body::from(body))
            .unwrap();
        let res = app().oneshot(req).await.unwrap();
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (parts.status.as_u16(), parts.headers, json)
    }

    #[tokio::test]
    async fn admin_405_and_413_are_scim_errors() {
        let (status, headers, body) = send("PUT", "/admin/tenants/org1/keys", vec![]).await;
        assert_eq!(status, 405);
        assert_eq!(headers["allow"], "GET, POST");
        assert_eq!(body["status"], "405");
        let big = vec![b' '; MAX_ADMIN_BODY + 1];
        let (status, headers, body) = send("POST", "/admin/tenants/org1/keys", big).await;
        assert_eq!(status, 413);
        assert_eq!(headers["content-type"], "application/scim+json");
        assert_eq!(body["status"], "413");
    }

    #[tokio::test]
    async fn unknown_paths_are_scim_404s() {
        for path in ["/nope", "/admin", "/scim/v2/Nope", "/healthz/x"] {
            let (status, headers, body) = send("GET", path, vec![]).await;
            assert_eq!(status, 404, "{path}");
            assert_eq!(headers["content-type"], "application/scim+json", "{path}");
            assert_eq!(body["status"], "404", "{path}");
        }
        let (status, _, body) = send("GET", "/scim/v2/Users/%ff%fe", vec![]).await;
        assert_eq!(
            (status, body["scimType"].as_str()),
            (400, Some("invalidValue"))
        );
    }

    #[tokio::test]
    async fn scim_413_is_a_scim_error() {
        let big = vec![b' '; scimitar::server::Limits::default().max_body_bytes + 1];
        let (status, headers, body) = send("POST", "/scim/v2/Users", big).await;
        assert_eq!(status, 413);
        assert_eq!(headers["content-type"], "application/scim+json");
        assert_eq!(
            body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
    }
}
