//! Handler tests with a failing backend and authenticator: how backend and auth failures reach
//! the client (503 + `Retry-After`, 500 without detail, 401 challenges).

use super::ScimServer;
use crate::auth::{AuthError, Authenticator, Context, Principal};
use crate::backend::{BackendError, Capabilities, IdentityBackend, Page};
use crate::query::{ListQuery, Selection};
use crate::resource::{Group, User, VersionCondition};
use async_trait::async_trait;
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// A backend whose every call fails with the error the function builds.
pub(super) struct Failing(fn() -> BackendError, Capabilities);

pub(super) fn failing(make: fn() -> BackendError) -> Failing {
    Failing(make, Capabilities::scan(100))
}

#[async_trait]
impl IdentityBackend for Failing {
    fn capabilities(&self) -> &Capabilities {
        &self.1
    }
    async fn create_user(&self, _: &Context, _: User) -> Result<User, BackendError> {
        Err((self.0)())
    }
    async fn get_user(&self, _: &Context, _: &str, _: &Selection) -> Result<User, BackendError> {
        Err((self.0)())
    }
    async fn replace_user(
        &self,
        _: &Context,
        _: &str,
        _: User,
        _: Option<&VersionCondition>,
    ) -> Result<User, BackendError> {
        Err((self.0)())
    }
    async fn delete_user(
        &self,
        _: &Context,
        _: &str,
        _: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        Err((self.0)())
    }
    async fn list_users(&self, _: &Context, _: &ListQuery) -> Result<Page<User>, BackendError> {
        Err((self.0)())
    }
    async fn create_group(&self, _: &Context, _: Group) -> Result<Group, BackendError> {
        Err((self.0)())
    }
    async fn get_group(&self, _: &Context, _: &str, _: &Selection) -> Result<Group, BackendError> {
        Err((self.0)())
    }
    async fn replace_group(
        &self,
        _: &Context,
        _: &str,
        _: Group,
        _: Option<&VersionCondition>,
    ) -> Result<Group, BackendError> {
        Err((self.0)())
    }
    async fn delete_group(
        &self,
        _: &Context,
        _: &str,
        _: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        Err((self.0)())
    }
    async fn list_groups(&self, _: &Context, _: &ListQuery) -> Result<Page<Group>, BackendError> {
        Err((self.0)())
    }
}

/// Lets everyone in as tenant `t`, or refuses everyone with the given error.
pub(super) struct Auth(pub(super) Option<AuthError>);

#[async_trait]
impl Authenticator for Auth {
    async fn authenticate(&self, _: &http::request::Parts) -> Result<Context, AuthError> {
        match &self.0 {
            None => Ok(Context::new("t", Principal::new("test"))),
            Some(e) => Err(e.clone()),
        }
    }
}

pub(super) fn server(backend: Failing, auth: Auth) -> ScimServer {
    ScimServer::builder()
        .backend(Arc::new(backend))
        .authenticator(Arc::new(auth))
        .base_url("https://example.com/scim/v2")
        .build()
        .unwrap()
}

async fn get(s: &ScimServer, path: &str) -> (http::StatusCode, http::HeaderMap, Value) {
    let req = http::Request::get(path).body(Bytes::new()).unwrap();
    let (parts, body) = s.handle(req).await.into_parts();
    let v = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (parts.status, parts.headers, v)
}

#[tokio::test]
async fn unavailable_backend_is_503_with_retry_after() {
    let s = server(
        failing(|| BackendError::unavailable("db down", Some(Duration::from_millis(1500)))),
        Auth(None),
    );
    for path in ["/Users", "/Users/x", "/Groups", "/Groups/x"] {
        let (status, headers, body) = get(&s, path).await;
        assert_eq!(status, 503, "{path}");
        assert_eq!(headers["retry-after"], "2", "rounded up");
        assert_eq!(body["status"], "503");
    }
}

#[tokio::test]
async fn internal_errors_say_nothing_internal() {
    let s = server(
        failing(|| BackendError::internal_msg("password=hunter2 at db.internal:5432")),
        Auth(None),
    );
    let (status, headers, body) = get(&s, "/Users/x").await;
    assert_eq!(status, 500);
    assert!(headers.get("retry-after").is_none());
    let text = body.to_string();
    assert!(
        !text.contains("hunter2") && !text.contains("db.internal"),
        "{text}"
    );
    assert_eq!(body["schemas"][0], crate::error::ERROR_SCHEMA);
}

#[tokio::test]
async fn backend_4xx_pass_through() {
    let s = server(failing(|| BackendError::not_found("no user x")), Auth(None));
    assert_eq!(get(&s, "/Users/x").await.0, 404);
    let s = server(
        failing(|| BackendError::precondition_failed("changed")),
        Auth(None),
    );
    let req = http::Request::delete("/Users/x")
        .header("if-match", "W/\"1\"")
        .body(Bytes::new())
        .unwrap();
    assert_eq!(s.handle(req).await.status(), 412);
}

#[tokio::test]
async fn auth_failures_carry_their_headers() {
    let no_backend = || BackendError::internal_msg("unreachable");
    let s = server(failing(no_backend), Auth(Some(AuthError::missing())));
    let (status, headers, _) = get(&s, "/Users").await;
    assert_eq!(status, 401);
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let s = server(
        failing(no_backend),
        Auth(Some(AuthError::unavailable(Some(Duration::from_secs(7))))),
    );
    let (status, headers, _) = get(&s, "/Users").await;
    assert_eq!(status, 503);
    assert_eq!(headers["retry-after"], "7");
    assert!(headers.get("www-authenticate").is_none());
}

#[test]
fn retry_after_rounds_up() {
    assert_eq!(super::retry_after_secs(Duration::from_secs(3)), "3");
    assert_eq!(super::retry_after_secs(Duration::from_millis(1)), "1");
    assert_eq!(super::retry_after_secs(Duration::ZERO), "0");
}

#[tokio::test]
async fn backend_errors_ride_in_the_response_extensions() {
    let s = server(
        failing(|| BackendError::internal(std::io::Error::other("disk on fire"))),
        Auth(None),
    );
    let req = http::Request::get("/Users/x").body(Bytes::new()).unwrap();
    let res = s.handle(req).await;
    assert_eq!(res.status(), 500);
    let report = res.extensions().get::<super::ErrorReport>().unwrap();
    assert_eq!(report.status(), 500);
    assert!(report.to_string().contains("disk on fire"));
    let s = server(failing(|| BackendError::not_found("no x")), Auth(None));
    let req = http::Request::get("/Groups/x").body(Bytes::new()).unwrap();
    let res = s.handle(req).await;
    let report = res.extensions().get::<super::ErrorReport>().unwrap();
    assert_eq!(report.kind(), crate::backend::BackendErrorKind::NotFound);
    // An answer no backend error produced carries none.
    let req = http::Request::get("/Nope").body(Bytes::new()).unwrap();
    assert!(
        s.handle(req)
            .await
            .extensions()
            .get::<super::ErrorReport>()
            .is_none()
    );
}
