//! The framework-agnostic SCIM HTTP handler
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)): `http::Request<Bytes>`
//! in, `http::Response<Bytes>` out, for any web framework.
//!
//! One request flows through these stages ([`ScimServer::handle`]):
//!
//! 1. **auth**: the [`Authenticator`] turns the headers into a
//!    [`Context`] (tenant, principal) — 401 with
//!    `WWW-Authenticate: Bearer` before anything else is looked at;
//! 2. **route**: method and path (below the mount path) → endpoint — 404, 405 with `Allow`,
//!    `/Bulk` runs its operations through the same resource stages (see `bulk`), `/Me` is the
//!    caller's own User (501 when the authenticator maps no user);
//! 3. **decode**: body size (413), content type (415), JSON (400 `invalidSyntax`);
//! 4. **query**: `filter`, `sortBy`, `sortOrder`, `startIndex`, `count`, `attributes`,
//!    `excludedAttributes` — from the URL or a `/.search` body (400 `invalidFilter`,
//!    `invalidPath`, `invalidValue`, `tooMany`);
//! 5. **call**: the [`IdentityBackend`] method, with the
//!    `Context` of the caller;
//! 6. **encode**: `meta.location`, projection (`returned` rules; `password` is never sent),
//!    `ETag`, `Location`, `application/scim+json`.
//!
//! Every outcome, including every error, is a SCIM response
//! ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).

mod builder;
mod bulk;
mod config_error;
mod cursor;
pub(crate) mod direct;
mod discovery;
mod limits;
mod me;
mod observe;
#[cfg(all(test, feature = "tracing"))]
mod observe_tests;
mod params;
mod query;
mod refs;
mod request;
mod resource;
mod response;
mod route;
mod search;
mod served;
#[cfg(test)]
mod tests;
#[cfg(feature = "tower")]
mod tower;

pub use crate::audit::{AuditAction, AuditEvent, AuditSink};
pub use builder::ServerBuilder;
pub use config_error::{ConfigError, MIN_SECRET_DISTINCT, MIN_SECRET_LEN, check_secret};
pub use limits::{CountOverflow, Limits};
pub use observe::ErrorReport;
pub use response::{SCIM_JSON, error_response};
#[cfg(feature = "tower")]
pub use tower::ResponseFuture;

use crate::auth::{Authenticator, Context};
use crate::backend::{Capabilities, IdentityBackend};
use crate::compat::Compat;
use crate::resource::{Group, User};
use crate::schema::{ResourceSchema, SchemaRegistry};
use bytes::Bytes;
use http::header::{ALLOW, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{Method, Request, Response, StatusCode};
use response::Reply;
use route::{Kind, Route};
use std::sync::Arc;

/// A SCIM 2.0 service provider over HTTP: give it an `http::Request<Bytes>`, get the
/// `http::Response<Bytes>` to send ([RFC 7644](https://www.rfc-editor.org/rfc/rfc7644)).
///
/// Cheap to clone (one `Arc`); share one server between all requests and threads. Serves
/// `/Users` and `/Groups` (+ `/{id}`, + `/.search`), `POST /.search` and `GET /` (every
/// type), `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` below its mount path,
/// `POST /Bulk` ([RFC 7644 §3.7](https://www.rfc-editor.org/rfc/rfc7644#section-3.7)) and
/// `/Me` ([RFC 7644 §3.11](https://www.rfc-editor.org/rfc/rfc7644#section-3.11); 501 when
/// the authenticator maps the caller to no user). With the `tower` feature it is also a
/// `tower::Service`, so axum mounts it in one line:
/// `Router::new().nest_service("/scim/v2", server)`.
///
/// ```
/// use bytes::Bytes;
/// use scimitar::auth::{Context, Principal, Secret, StaticTokenAuthenticator};
/// use scimitar::backend::MemoryBackend;
/// use scimitar::server::ScimServer;
/// use std::sync::Arc;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let server = ScimServer::builder()
///     .backend(Arc::new(MemoryBackend::new()))
///     .authenticator(Arc::new(StaticTokenAuthenticator::new(
///         &Secret::new("s3cret"),
///         Context::new("acme", Principal::new("entra")),
///     )))
///     .base_url("https://id.example.com/scim/v2")
///     .build()?;
///
/// // Entra ID's "Test connection": a lookup that matches nothing is 200 with no results.
/// let request = http::Request::get("/scim/v2/Users?filter=userName+eq+%22nobody%22")
///     .header("Authorization", "Bearer s3cret")
///     .body(Bytes::new())?;
/// let response = server.handle(request).await;
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["content-type"], "application/scim+json");
/// let body: serde_json::Value = serde_json::from_slice(response.body())?;
/// assert_eq!(body["totalResults"], 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct ScimServer {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Arc<dyn IdentityBackend>,
    authenticator: Arc<dyn Authenticator>,
    /// Without a trailing `/`.
    base_url: String,
    /// Without a trailing `/`; empty for the root.
    mount: String,
    limits: Limits,
    compat: Compat,
    schemas: SchemaRegistry,
    user: Arc<ResourceSchema>,
    group: Arc<ResourceSchema>,
    documentation_uri: Option<String>,
    /// Read from the backend once, when the server is built.
    capabilities: Capabilities,
    /// Seals and opens RFC 9865 cursors.
    cursor: cursor::CursorCodec,
    /// Told of every successful change.
    audit: Option<Arc<dyn crate::audit::AuditSink>>,
    /// Whether the default projection of Users / Groups is served by direct encoding.
    direct_user: direct::DirectPlan,
    direct_group: direct::DirectPlan,
}

impl std::fmt::Debug for ScimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimServer")
            .field("base_url", &self.inner.base_url)
            .field("mount", &self.inner.mount)
            .field("limits", &self.inner.limits)
            .finish_non_exhaustive()
    }
}

impl ScimServer {
    /// A builder; backend, authenticator and base URL are required
    /// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
    pub fn builder() -> ServerBuilder {
        ServerBuilder::new()
    }

    /// The base URL `meta.location` and `Location` are built from (no trailing `/`;
    /// [RFC 7644 §3.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.1)).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The request bounds ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The schemas and resource types served
    /// ([RFC 7644 §4](https://www.rfc-editor.org/rfc/rfc7644#section-4)).
    pub fn schemas(&self) -> &SchemaRegistry {
        &self.inner.schemas
    }

    /// Answers one request ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
    /// Never panics on client input and never fails: every outcome, errors included, is a
    /// SCIM response (`application/scim+json`; errors per
    /// [RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).
    ///
    /// A response produced by a backend error carries it as an [`ErrorReport`] in its
    /// extensions. With the `tracing` feature each request runs in a `scim_request` span
    /// (method, route template, tenant, status, latency) closed by one event, at `error` level
    /// with the error's cause chain for a 5xx.
    pub async fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        let method = request.method().clone();
        observe::observed(&method, self.answer(request)).await
    }

    /// Stages 1–6.
    async fn answer(&self, request: Request<Bytes>) -> Response<Bytes> {
        let (parts, body) = request.into_parts();
        let ctx = match self.authenticate(&parts).await {
            Ok(ctx) => ctx,
            Err(reply) => return reply.finish(),
        };
        observe::record_tenant(&ctx);
        self.serve(&ctx, &parts, body).await.finish()
    }

    /// Stage 1: authentication. A refusal carries `WWW-Authenticate` (401) or `Retry-After`
    /// (503).
    async fn authenticate(&self, parts: &http::request::Parts) -> Result<Context, Reply> {
        self.inner
            .authenticator
            .authenticate(parts)
            .await
            .map_err(|e| {
                let mut reply = Reply::error(&e.to_error());
                if let Some(challenge) = e.www_authenticate()
                    && let Ok(v) = challenge.to_str()
                {
                    reply = reply.header(WWW_AUTHENTICATE, v);
                }
                if let Some(after) = e.retry_after() {
                    reply = reply.header(RETRY_AFTER, retry_after_secs(after));
                }
                reply
            })
    }

    /// Stages 2–6 for an authenticated request whose body has been read.
    async fn serve(&self, ctx: &Context, parts: &http::request::Parts, body: Bytes) -> Reply {
        let route = Route::parse(parts.uri.path(), &self.inner.mount);
        if let Err(e) = self.check_body(route.as_ref().ok(), body.len()) {
            return e.into();
        }
        let route = match route {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        observe::record_route(&route);
        if let Err(e) = route.check_method(&parts.method) {
            return Reply::from(e).header(ALLOW, route.allow_header());
        }
        let result = match route {
            Route::Collection(_) | Route::Item(..) => {
                self.resource_route(ctx, &route, parts, &body).await
            }
            Route::Search(kind) => self.search(ctx, kind, parts, &body).await,
            Route::Root => self.root_query(ctx, parts).await,
            Route::ServiceProviderConfig | Route::ResourceTypes(_) | Route::Schemas(_) => {
                self.discovery(&route, parts)
            }
            Route::Bulk => self.bulk(ctx, parts, &body).await,
            Route::Me => self.me(ctx, parts, &body).await,
        };
        result.unwrap_or_else(|e| e)
    }

    /// The body bound of a route: [`Limits::max_bulk_payload_bytes`] for `/Bulk` (when bulk is
    /// on), [`Limits::max_body_bytes`] for everything else (also an unroutable path).
    fn body_limit(&self, route: Option<&Route>) -> usize {
        let limits = &self.inner.limits;
        if route == Some(&Route::Bulk) && limits.bulk_enabled() {
            limits.max_bulk_payload_bytes
        } else {
            limits.max_body_bytes
        }
    }

    /// 413 when a body of `len` bytes is over the bound of its route (see
    /// [`ScimServer::body_limit`]); a bulk body's error names `maxPayloadSize`
    /// ([RFC 7644 §3.7.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.4)).
    fn check_body(&self, route: Option<&Route>, len: usize) -> Result<(), crate::Error> {
        let limits = &self.inner.limits;
        if len <= self.body_limit(route) {
            Ok(())
        } else if route == Some(&Route::Bulk) && limits.bulk_enabled() {
            limits.check_bulk_payload(len)
        } else {
            limits.check_body(len)
        }
    }

    /// A request to a resource endpoint (`/Users`, `/Groups`, + `/{id}`) whose method has been
    /// checked: the one dispatch both a single request and each `/Bulk` operation go through.
    async fn resource_route(
        &self,
        ctx: &Context,
        route: &Route,
        parts: &http::request::Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        match route {
            Route::Collection(Kind::User) => self.collection::<User>(ctx, parts, body).await,
            Route::Collection(Kind::Group) => self.collection::<Group>(ctx, parts, body).await,
            Route::Item(Kind::User, id) => self.item::<User>(ctx, id, parts, body).await,
            Route::Item(Kind::Group, id) => self.item::<Group>(ctx, id, parts, body).await,
            _ => Err(crate::Error::not_found("not a resource endpoint").into()),
        }
    }

    /// `/Users`, `/Groups`: create (POST) or list (GET).
    async fn collection<R: served::Served>(
        &self,
        ctx: &Context,
        parts: &http::request::Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        if parts.method == Method::POST {
            self.create::<R>(ctx, parts, body).await
        } else {
            self.list::<R>(ctx, parts).await
        }
    }

    /// `/Users/{id}`, `/Groups/{id}`: get, replace, patch or delete.
    async fn item<R: served::Served>(
        &self,
        ctx: &Context,
        id: &str,
        parts: &http::request::Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        match parts.method {
            Method::GET => self.get::<R>(ctx, id, parts).await,
            Method::PUT => self.replace::<R>(ctx, id, parts, body).await,
            Method::PATCH => self.patch::<R>(ctx, id, parts, body).await,
            _ => self.delete::<R>(ctx, id, parts).await,
        }
    }

    /// The backend.
    fn backend(&self) -> &dyn IdentityBackend {
        self.inner.backend.as_ref()
    }

    /// Tells the audit sink, if any, of a successful change by `ctx` (a failing sink is logged,
    /// never the caller's problem).
    async fn audit(
        &self,
        ctx: &Context,
        action: crate::audit::AuditAction,
        kind: Kind,
        id: Option<&str>,
    ) {
        let Some(sink) = self.inner.audit.as_deref() else {
            return;
        };
        let event = crate::audit::AuditEvent::new(ctx, action, kind.name(), id.unwrap_or(""));
        crate::audit::notify(Some(sink), event).await;
    }

    /// The backend's capabilities (read once at build time).
    fn capabilities(&self) -> &Capabilities {
        &self.inner.capabilities
    }

    /// The resource schema of a kind.
    fn resource_schema(&self, kind: Kind) -> &ResourceSchema {
        self.resource_schema_arc(kind).as_ref()
    }

    /// The resource schema of a kind, shared.
    fn resource_schema_arc(&self, kind: Kind) -> &Arc<ResourceSchema> {
        match kind {
            Kind::User => &self.inner.user,
            Kind::Group => &self.inner.group,
        }
    }
}

pub(super) fn not_implemented(detail: &str) -> Reply {
    Reply::error(&crate::Error::with_status(
        StatusCode::NOT_IMPLEMENTED,
        None,
        detail,
    ))
}

/// `Retry-After` as delta-seconds ([RFC 9110 §10.2.3](https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3)),
/// rounded up so a client never retries early.
fn retry_after_secs(after: std::time::Duration) -> String {
    let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
    secs.to_string()
}
