//! The example SCIM server on actix-web, over the store `SCIM_DATABASE_URL` names (SQLite by
//! default; see `examples/support/store.rs`).
//!
//! ```sh
//! cargo run --example actix --features sqlite,postgres
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
use scimitar::server::ScimServer;

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = support::App::from_env().await?;
    let scim = web::Data::new(app.scim.clone());
    let admin = app.admin.clone().map(web::Data::new);
    // One byte over the server's limit, so the server itself answers 413 as a SCIM error.
    let max_body = app.scim.limits().max_body_bytes + 1;
    let server = HttpServer::new(move || {
        let mut service = App::new()
            .app_data(scim.clone())
            .route("/healthz", web::get().to(|| async { "ok" }))
            .service(
                web::scope(support::SCIM_PATH)
                    .app_data(web::PayloadConfig::new(max_body))
                    .default_service(web::to(scim_handler)),
            );
        if let Some(admin) = admin.clone() {
            service = service.service(
                web::scope(support::ADMIN_PATH)
                    .app_data(admin)
                    .app_data(web::PayloadConfig::new(MAX_ADMIN_BODY))
                    .default_service(web::to(admin_handler)),
            );
        }
        service
    })
    .bind(app.addr)?
    .run();
    app.announce("actix-web");
    server.await?; // stops on Ctrl-C / SIGTERM
    app.shutdown()
}

async fn scim_handler(req: HttpRequest, body: Bytes, scim: web::Data<ScimServer>) -> HttpResponse {
    match to_http(&req, body) {
        Ok(request) => from_http(scim.handle(request).await),
        Err(_) => HttpResponse::BadRequest().finish(),
    }
}

async fn admin_handler(req: HttpRequest, body: Bytes, admin: web::Data<KeyAdmin>) -> HttpResponse {
    match to_http(&req, body) {
        Ok(request) => from_http(admin.handle(request).await),
        Err(_) => HttpResponse::BadRequest().finish(),
    }
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
