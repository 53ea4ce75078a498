//! The example SCIM server on axum, over the store `SCIM_DATABASE_URL` names (SQLite file
//! `scimitar.db` by default, PostgreSQL, or `memory:`; see `examples/support/store.rs`).
//!
//! ```sh
//! cargo run --example axum --features tower,sqlite,postgres
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
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use scimitar::auth::{KeyAdmin, MAX_ADMIN_BODY};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = support::App::from_env().await?;
    // The SCIM server is a `tower::Service`: one line mounts it.
    let mut router = Router::new()
        .nest_service(support::SCIM_PATH, app.scim.clone())
        .route("/healthz", get(|| async { "ok" }));
    if let Some(admin) = app.admin.clone() {
        let admin_routes = Router::new()
            .route("/admin/{*path}", any(key_admin))
            .with_state(admin);
        router = router.merge(admin_routes);
    }
    let listener = tokio::net::TcpListener::bind(app.addr).await?;
    app.announce("axum");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    app.shutdown()
}

/// The key-admin handler speaks `http::Request<Bytes>`: read the (small, bounded) body first.
async fn key_admin(State(admin): State<KeyAdmin>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_ADMIN_BODY).await {
        Ok(bytes) => admin
            .handle(http::Request::from_parts(parts, bytes))
            .await
            .map(Body::from),
        Err(_) => (http::StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response(),
    }
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
