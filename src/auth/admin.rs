//! Key management over HTTP: a small, framework-agnostic admin surface to mint, list and revoke
//! the SCIM keys of a tenant, protected by its own [`Authenticator`]
//! ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2) leaves credential
//! provisioning to the service provider; this is ours).
//!
//! | request | answer |
//! |---|---|
//! | `POST /tenants/{tenant}/keys` (body optional: `{"label": "…"}`) | 201 `{id, tenant, label, created, secret}`; the secret is shown this once |
//! | `GET /tenants/{tenant}/keys` | 200 `{"keys": [{id, tenant, label, created, lastUsed}]}`, never secrets |
//! | `DELETE /tenants/{tenant}/keys/{id}` | 204, or 404 when the tenant has no such key |
//!
//! Paths are relative to where the caller mounts the handler; [`KeyAdmin::with_prefix`] strips a
//! mount prefix such as `/admin` when the framework passes the full path. Errors are JSON bodies
//! in the SCIM error format. An admin authenticator whose context names tenant `*` manages every
//! tenant; any other context manages only its own tenant (403 otherwise).
//!
//! Self-service: guard it with a bearer-JWT authenticator (feature `jwt`) that requires an admin
//! role and maps the organization claim to the tenant, combined with the admin token by shape
//! (`JwtOrKeyAuthenticator`): an organization admin's own access token then manages the keys of
//! that organization only, a token without the role gets 403 `insufficient_scope`, and the admin
//! token still manages every tenant. An unavailable authenticator answers 503 with `Retry-After`.

use super::keys::ApiKeyStore;
use super::{AuthError, Authenticator, Context, TenantId};
use crate::audit::{AuditAction, AuditEvent, AuditSink};
use crate::error::Error;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use serde::Deserialize;
use std::fmt;
use std::sync::Arc;

/// The largest request body the admin surface reads.
pub const MAX_ADMIN_BODY: usize = 4096;

const ANY_TENANT: &str = "*";

/// The key-admin HTTP handler: `http::Request<Bytes>` in, `http::Response<Bytes>` out
/// ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)).
#[derive(Clone)]
pub struct KeyAdmin {
    store: Arc<dyn ApiKeyStore>,
    auth: Arc<dyn Authenticator>,
    prefix: String,
    audit: Option<Arc<dyn AuditSink>>,
}

/// A refusal and the headers that go with it (`WWW-Authenticate`, `Retry-After`, `Allow`).
type Refusal = (Error, Vec<(header::HeaderName, HeaderValue)>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MintBody {
    #[serde(default)]
    label: Option<String>,
}

enum Route<'a> {
    Keys(TenantId),
    Key(TenantId, &'a str),
}

impl KeyAdmin {
    /// A handler minting into `store`, admitting callers that `auth` accepts.
    pub fn new(store: Arc<dyn ApiKeyStore>, auth: Arc<dyn Authenticator>) -> Self {
        KeyAdmin {
            store,
            auth,
            prefix: String::new(),
            audit: None,
        }
    }

    /// Tells `sink` of every key minted or revoked (see [`crate::audit`]); a failing sink never
    /// undoes the change nor alters the answer.
    pub fn with_audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self
    }

    /// Strips `prefix` (e.g. `/admin`) from request paths before routing.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().trim_end_matches('/').to_owned();
        self
    }

    /// Handles one request; never panics, always answers (JSON).
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        match self.dispatch(req).await {
            Ok(resp) => resp,
            Err((err, extra)) => {
                let mut resp = json_response(err.status(), &err.to_json());
                for (name, value) in extra {
                    resp.headers_mut().insert(name, value);
                }
                resp
            }
        }
    }

    async fn dispatch(&self, req: Request<Bytes>) -> Result<Response<Bytes>, Refusal> {
        let (parts, body) = req.into_parts();
        let ctx = self
            .auth
            .authenticate(&parts)
            .await
            .map_err(|e| (e.to_error(), auth_headers(&e)))?;
        let plain = |e: Error| (e, Vec::new());
        let route = self.route(parts.uri.path()).map_err(plain)?;
        let tenant = match &route {
            Route::Keys(t) | Route::Key(t, _) => t.clone(),
        };
        if ctx.tenant.as_str() != ANY_TENANT && ctx.tenant != tenant {
            return Err(plain(Error::with_status(
                StatusCode::FORBIDDEN,
                None,
                "this admin credential cannot manage that tenant",
            )));
        }
        let store_err = |e: crate::backend_error::BackendError| (Error::from(e), Vec::new());
        match (route, parts.method) {
            (Route::Keys(t), Method::POST) => {
                let label = parse_label(&body).map_err(plain)?;
                let (info, secret) = self
                    .store
                    .mint(&t, label.as_deref())
                    .await
                    .map_err(store_err)?;
                self.audit(&ctx, &t, AuditAction::KeyMinted, &info.id).await;
                let mut v = serde_json::to_value(&info).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("secret".into(), secret.expose().into());
                }
                let mut resp = json_response(StatusCode::CREATED, &v);
                resp.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                Ok(resp)
            }
            (Route::Keys(t), Method::GET) => {
                let keys = self.store.list(&t).await.map_err(store_err)?;
                let v = serde_json::json!({ "keys": keys });
                Ok(json_response(StatusCode::OK, &v))
            }
            (Route::Key(t, id), Method::DELETE) => {
                if self.store.revoke(&t, id).await.map_err(store_err)? {
                    self.audit(&ctx, &t, AuditAction::KeyRevoked, id).await;
                    Ok(empty(StatusCode::NO_CONTENT))
                } else {
                    Err(plain(Error::not_found("no such key for this tenant")))
                }
            }
            (Route::Keys(_), _) => Err(method_not_allowed("GET, POST")),
            (Route::Key(..), _) => Err(method_not_allowed("DELETE")),
        }
    }

    /// Tells the audit sink of a key change in `tenant` by `ctx`'s principal.
    async fn audit(&self, ctx: &Context, tenant: &TenantId, action: AuditAction, key_id: &str) {
        let mut event = AuditEvent::new(ctx, action, "ApiKey", key_id);
        event.tenant = tenant.clone();
        crate::audit::notify(self.audit.as_deref(), event).await;
    }

    fn route<'a>(&self, path: &'a str) -> Result<Route<'a>, Error> {
        let not_found = || Error::not_found("no such admin endpoint");
        let rel = path
            .strip_prefix(self.prefix.as_str())
            .ok_or_else(not_found)?;
        let rel = rel.strip_suffix('/').unwrap_or(rel);
        let mut segs = rel.strip_prefix('/').ok_or_else(not_found)?.split('/');
        let (Some("tenants"), Some(t), Some("keys")) = (segs.next(), segs.next(), segs.next())
        else {
            return Err(not_found());
        };
        let tenant = TenantId::parse(t).ok_or_else(|| {
            Error::invalid_value("tenant ids are 1 to 128 of A-Z a-z 0-9 - . _ ~")
        })?;
        match (segs.next(), segs.next()) {
            (None, _) => Ok(Route::Keys(tenant)),
            (Some(id), None) if !id.is_empty() => Ok(Route::Key(tenant, id)),
            _ => Err(not_found()),
        }
    }
}

impl fmt::Debug for KeyAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyAdmin")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn parse_label(body: &Bytes) -> Result<Option<String>, Error> {
    if body.len() > MAX_ADMIN_BODY {
        return Err(Error::with_status(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!("body larger than {MAX_ADMIN_BODY} bytes"),
        ));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let parsed: MintBody = serde_json::from_slice(body)
        .map_err(|e| Error::invalid_syntax(format!("expected {{\"label\": \"…\"}}: {e}")))?;
    Ok(parsed.label)
}

/// 405 with the `Allow` header (RFC 9110 §15.5.6).
fn method_not_allowed(allow: &'static str) -> Refusal {
    let error = Error::with_status(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        format!("method not allowed; allowed: {allow}"),
    );
    (
        error,
        vec![(header::ALLOW, HeaderValue::from_static(allow))],
    )
}

/// The headers an authentication failure answers with: the challenge (RFC 6750 §3) and, when
/// the authenticator is unavailable, `Retry-After` in delta-seconds rounded up (RFC 9110 §10.2.3).
fn auth_headers(e: &AuthError) -> Vec<(header::HeaderName, HeaderValue)> {
    let mut out = Vec::new();
    if let Some(c) = e.www_authenticate() {
        out.push((header::WWW_AUTHENTICATE, c));
    }
    if let Some(after) = e.retry_after() {
        let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        out.push((header::RETRY_AFTER, HeaderValue::from(secs)));
    }
    out
}

fn json_response(status: StatusCode, v: &serde_json::Value) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::from(v.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn empty(status: StatusCode) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::new());
    *resp.status_mut() = status;
    resp
}
