//! Shared harness of the server tests: a server on the memory backend with two tenants' keys,
//! and a helper that sends one request through `ScimServer::handle`.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use scimitar::auth::{ApiKeyStore, BearerKeyAuthenticator, MemoryKeyStore, Secret, TenantId};
use scimitar::backend::MemoryBackend;
use scimitar::server::{Limits, ScimServer};
use serde_json::Value;
use std::sync::Arc;

/// The base URL every test server is configured with.
pub const BASE: &str = "https://id.example.com/scim/v2";
/// The key of tenant A.
pub const KEY_A: &str = "key-of-tenant-a-0123456789";
/// The key of tenant B.
pub const KEY_B: &str = "key-of-tenant-b-0123456789";

/// A server on a fresh memory backend, keys for tenants `a` and `b`.
pub async fn server() -> ScimServer {
    server_with(Limits::default()).await
}

/// As [`server`], with these limits.
pub async fn server_with(limits: Limits) -> ScimServer {
    builder().await.limits(limits).build().unwrap()
}

/// The builder [`server`] uses, for tests that change more.
pub async fn builder() -> scimitar::server::ServerBuilder {
    let keys = Arc::new(MemoryKeyStore::new());
    keys.insert_known(&TenantId::new("a"), None, &Secret::new(KEY_A))
        .await
        .unwrap();
    keys.insert_known(&TenantId::new("b"), None, &Secret::new(KEY_B))
        .await
        .unwrap();
    ScimServer::builder()
        .backend(Arc::new(MemoryBackend::new()))
        .authenticator(Arc::new(BearerKeyAuthenticator::new(keys)))
        .base_url(BASE)
}

/// A response, its body parsed (Null when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Bytes,
}

impl Answer {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a SCIM error with this status (and `scimType`, when given).
    #[track_caller]
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "{:?}", self.body);
        assert_eq!(
            self.body["schemas"],
            serde_json::json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
            "{:?}",
            self.body
        );
        assert_eq!(self.body["status"], status.to_string());
        assert_eq!(self.body["scimType"].as_str(), scim_type, "{:?}", self.body);
        assert_eq!(self.header("content-type"), Some("application/scim+json"));
    }
}

/// A request builder with the SCIM defaults: tenant A's key, `application/scim+json` body.
pub struct Call {
    req: http::request::Builder,
    body: Bytes,
}

impl Call {
    pub fn new(method: Method, path: &str) -> Self {
        Call {
            req: Request::builder()
                .method(method)
                .uri(format!("/scim/v2{path}"))
                .header("authorization", format!("Bearer {KEY_A}")),
            body: Bytes::new(),
        }
    }
    pub fn get(path: &str) -> Self {
        Self::new(Method::GET, path)
    }
    pub fn post(path: &str, body: Value) -> Self {
        Self::new(Method::POST, path).json(body)
    }
    pub fn put(path: &str, body: Value) -> Self {
        Self::new(Method::PUT, path).json(body)
    }
    pub fn patch(path: &str, body: Value) -> Self {
        Self::new(Method::PATCH, path).json(body)
    }
    pub fn delete(path: &str) -> Self {
        Self::new(Method::DELETE, path)
    }
    pub fn json(mut self, body: Value) -> Self {
        self.req = self
            .req
            .header("content-type", "application/scim+json; charset=utf-8");
        self.body = Bytes::from(serde_json::to_vec(&body).unwrap());
        self
    }
    pub fn raw_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.req = self.req.header(name, value);
        self
    }
    /// Replaces the key (tenant B's, or any string).
    pub fn key(mut self, key: &str) -> Self {
        if let Some(h) = self.req.headers_mut() {
            h.insert("authorization", format!("Bearer {key}").parse().unwrap());
        }
        self
    }
    /// Drops the Authorization header.
    pub fn anonymous(mut self) -> Self {
        if let Some(h) = self.req.headers_mut() {
            h.remove("authorization");
        }
        self
    }
    pub fn request(self) -> Request<Bytes> {
        self.req.body(self.body).unwrap()
    }
    pub async fn send(self, server: &ScimServer) -> Answer {
        answer(server.handle(self.request()).await)
    }
}

/// Parses a response.
pub fn answer(res: http::Response<Bytes>) -> Answer {
    let (parts, raw) = res.into_parts();
    let body = if raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&raw).unwrap_or_else(|e| panic!("response not JSON: {e}: {raw:?}"))
    };
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
        raw,
    }
}

/// Creates a user in tenant A; returns the created resource.
pub async fn create_user(server: &ScimServer, user_name: &str) -> Value {
    let a = Call::post(
        "/Users",
        serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "active": true,
        }),
    )
    .send(server)
    .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.body
}

/// Creates a group in tenant A; returns the created resource.
pub async fn create_group(server: &ScimServer, name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members
        .iter()
        .map(|m| serde_json::json!({"value": m}))
        .collect();
    let a = Call::post(
        "/Groups",
        serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": members,
        }),
    )
    .send(server)
    .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.body
}
