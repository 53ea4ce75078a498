//! The example SCIM server on actix-web, over the store `SCIM_DATABASE_URL` names (SQLite by
//! default; see `examples/support/store.rs`).
//!
//! ```sh
//! cargo run --example actix --features examples
//! ```
//!
//! Same endpoints and environment as the axum example (`examples/axum.rs`). actix-web has its own
//! request and response types, so the two functions below convert them explicitly to and from
//! the `http::Request<Bytes>` / `http::Response<Bytes>` that the SCIM and key-admin handlers
//! speak.

mod support;

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use bytes::Bytes;
use scimitar::auth::{KeyAdmin, MAX_ADMIN_BODY};
use scimitar::server::{ScimServer, error_response};

#[actix_web::main]
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
    let scim = app.scim.clone();
    let admin = app.admin.clone();
    let server = HttpServer::new(move || {
        App::new().configure(|cfg| configure(cfg, scim.clone(), admin.clone()))
    })
    .bind(app.addr)?
    .run();
    app.announce("actix-web");
    server.await?; // stops on Ctrl-C / SIGTERM
    app.shutdown()
}

/// SCIM under [`support::SCIM_PATH`], key management under `/admin` (when enabled), `/healthz`.
fn configure(cfg: &mut web::ServiceConfig, scim: ScimServer, admin: Option<KeyAdmin>) {
    cfg.route("/healthz", web::get().to(|| async { "ok" }))
        .service(
            web::scope(support::SCIM_PATH)
                .app_data(web::Data::new(scim))
                .default_service(web::to(scim_handler)),
        );
    if let Some(admin) = admin {
        cfg.service(
            web::scope(support::ADMIN_PATH)
                .app_data(web::Data::new(admin))
                .default_service(web::to(admin_handler)),
        );
    }
    // Any other path is a SCIM 404 too, so every answer is a SCIM error body (RFC 7644 §3.12).
    cfg.default_service(web::to(not_found));
}

/// The answer for a path this service does not serve.
async fn not_found() -> HttpResponse {
    from_http(error_response(&scimitar::Error::not_found(
        "no such endpoint",
    )))
}

async fn scim_handler(
    req: HttpRequest,
    payload: web::Payload,
    scim: web::Data<ScimServer>,
) -> HttpResponse {
    // One byte over the server's limit, so the server itself answers an oversized body.
    let limit = scim.limits().max_body_bytes.saturating_add(1);
    match read(&req, payload, limit).await {
        Ok(request) => from_http(scim.handle(request).await),
        Err(e) => from_http(error_response(&e)),
    }
}

async fn admin_handler(
    req: HttpRequest,
    payload: web::Payload,
    admin: web::Data<KeyAdmin>,
) -> HttpResponse {
    match read(&req, payload, MAX_ADMIN_BODY).await {
        Ok(request) => from_http(admin.handle(request).await),
        Err(e) => from_http(error_response(&e)),
    }
}

/// Reads the body (at most `limit` bytes: a larger one is 413) and converts the request; every
/// failure is a SCIM error.
async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<http::Request<Bytes>, scimitar::Error> {
    let body = match payload.to_bytes_limited(limit).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => return Err(unreadable()),
        Err(_) => {
            return Err(scimitar::Error::with_status(
                http::StatusCode::PAYLOAD_TOO_LARGE,
                None,
                format!("the request body is larger than {limit} bytes"),
            ));
        }
    };
    to_http(req, body).map_err(|_| unreadable())
}

fn unreadable() -> scimitar::Error {
    scimitar::Error::invalid_syntax("the request could not be read")
}

/// actix request → `http::Request<Bytes>`: method, path and query, headers, body.
fn to_http(req: &HttpRequest, body: Bytes) -> Result<http::Request<Bytes>, http::Error> {
    let mut builder = http::Request::builder()
        .method(req.method().as_str())
        .uri(req.uri().to_string());
    for (name, value) in req.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    builder.body(body)
}

/// `http::Response<Bytes>` → actix response: status, headers, body.
fn from_http(response: http::Response<Bytes>) -> HttpResponse {
    let (parts, body) = response.into_parts();
    let status =
        StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        out.append_header((name.as_str(), value.as_bytes()));
    }
    out.body(body)
}

#[cfg(test)]
mod tests {
    //! The app's own answers are SCIM errors: `/admin` 405 (with `Allow`) and 413, the SCIM
    //! 413 for a body over the limit.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use actix_web::test;
    use scimitar::auth::{Context, MemoryKeyStore, Principal, Secret, StaticTokenAuthenticator};
    use scimitar::backend::MemoryBackend;
    use std::sync::Arc;

    const TOKEN: &str = "example-test-admin-token-0123456789abcdef";

    fn parts() -> (ScimServer, KeyAdmin) {
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
        (scim, admin)
    }

    async fn send(
        method: &str,
        path: &str,
        body: Vec<u8>,
    ) -> (u16, Option<String>, serde_json::Value) {
        let (scim, admin) = parts();
        let app = test::init_service(
            App::new().configure(|cfg| configure(cfg, scim.clone(), Some(admin.clone()))),
        )
        .await;
        let req = test::TestRequest::default()
            .method(actix_web::http::Method::from_bytes(method.as_bytes()).unwrap())
            .uri(path)
            .insert_header(("authorization", format!("Bearer {TOKEN}")))
            .insert_header(("content-type", "application/scim+json"))
            .set_payload(body)
            .to_request();
        let res = test::call_service(&app, req).await;
        let status = res.status().as_u16();
        let allow = res
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = test::read_body(res).await;
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, allow, json)
    }

    #[actix_web::test]
    async fn scim_413_is_a_scim_error_however_large() {
        let max = scimitar::server::Limits::default().max_body_bytes;
        for size in [max + 1, max * 3] {
            let (status, _, body) = send("POST", "/scim/v2/Users", vec![b' '; size]).await;
            assert_eq!(status, 413, "{size}");
            assert_eq!(
                body["schemas"][0],
                "urn:ietf:params:scim:api:messages:2.0:Error"
            );
            assert_eq!(body["status"], "413");
        }
    }

    #[actix_web::test]
    async fn unknown_paths_are_scim_404s() {
        for path in ["/nope", "/scim/v2/Nope", "/healthz/x"] {
            let (status, _, body) = send("GET", path, vec![]).await;
            assert_eq!(status, 404, "{path}");
            assert_eq!(body["status"], "404", "{path}");
        }
        let (status, _, body) = send("GET", "/scim/v2/Users/%ff%fe", vec![]).await;
        assert_eq!(
            (status, body["scimType"].as_str()),
            (400, Some("invalidValue"))
        );
    }

    #[actix_web::test]
    async fn admin_405_and_413_are_scim_errors() {
        let (status, allow, body) = send("PUT", "/admin/tenants/org1/keys", vec![]).await;
        assert_eq!((status, allow.as_deref()), (405, Some("GET, POST")));
        assert_eq!(body["status"], "405");
        let big = vec![b' '; MAX_ADMIN_BODY + 1];
        let (status, _, body) = send("POST", "/admin/tenants/org1/keys", big).await;
        assert_eq!(status, 413);
        assert_eq!(body["status"], "413");
    }
}
