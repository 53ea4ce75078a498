//! The `request` check: one HTTP request, written as text, through the whole handler
//! (`ScimServer::handle`) over a fresh `MemoryBackend` holding one user and one group.
//!
//! Input format (lines end in `\n` or `\r\n`):
//!
//! ```text
//! PATCH /scim/v2/Users/{user}?attributes=userName
//! Content-Type: application/scim+json
//!
//! {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[...]}
//! ```
//!
//! The first line is the method and the path-and-query; header lines follow until a blank
//! line; the rest is the body. `{user}` and `{group}` anywhere are replaced by the ids of the
//! preloaded user and group. Without an `Authorization` line the valid bearer token is added
//! (so the fuzzer need not guess it); with one, it is sent as written. Inputs that are not an
//! HTTP request (bad method, URI or header) are skipped: no web framework would pass them on.
//!
//! Invariants: no panic; never a 500; every 4xx/5xx is a SCIM Error (`schemas` holds the Error
//! URN, `status` is the HTTP status as a string); every response with a body is
//! `application/scim+json` and valid JSON; no resource in a 2xx body carries `password`.

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use scimitar::auth::{Context, Principal, Secret, StaticTokenAuthenticator};
use scimitar::backend::{IdentityBackend, MemoryBackend};
use scimitar::resource::{Group, Member, User};
use scimitar::server::ScimServer;
use serde_json::Value;
use std::sync::Arc;

/// The bearer token the server accepts.
pub const TOKEN: &str = "fuzz-token-0123456789";
const BASE: &str = "https://id.example.com/scim/v2";
const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
}

/// Runs one input through the handler; panics when an invariant fails.
pub fn request(data: &[u8]) {
    respond(data);
}

/// As [`request`], returning the status the handler answered (`None`: input skipped).
pub fn respond(data: &[u8]) -> Option<StatusCode> {
    RUNTIME.with(|rt| rt.block_on(run(data)))
}

async fn run(data: &[u8]) -> Option<StatusCode> {
    let ctx = Context::new("acme", Principal::new("fuzz"));
    let backend = Arc::new(MemoryBackend::new());
    let user = User::new("bjensen@example.com")
        .with_external_id("bjensen")
        .with_display_name("Barbara Jensen");
    let user = backend.create_user(&ctx, user).await.unwrap();
    let user_id = user.id.clone().unwrap();
    let group = Group::new("Sales").with_member(Member::user(&user_id));
    let group = backend.create_group(&ctx, group).await.unwrap();
    let group_id = group.id.clone().unwrap();
    let server = ScimServer::builder()
        .backend(backend)
        .authenticator(Arc::new(StaticTokenAuthenticator::new(
            &Secret::new(TOKEN),
            ctx,
        )))
        .base_url(BASE)
        .build()
        .unwrap();

    let req = parse(data, &user_id, &group_id)?;
    let shown = String::from_utf8_lossy(data).into_owned();
    let res = server.handle(req).await;
    check_response(&shown, res.status(), res.headers(), res.body());
    Some(res.status())
}

/// Replaces the `{user}` / `{group}` placeholders.
fn substitute(bytes: &[u8], user: &str, group: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(&b) = rest.first() {
        if rest.starts_with(b"{user}") {
            out.extend_from_slice(user.as_bytes());
            rest = &rest[6..];
        } else if rest.starts_with(b"{group}") {
            out.extend_from_slice(group.as_bytes());
            rest = &rest[7..];
        } else {
            out.push(b);
            rest = &rest[1..];
        }
    }
    out
}

/// The request the text describes, or `None` when it is not a well-formed HTTP request.
fn parse(data: &[u8], user: &str, group: &str) -> Option<Request<Bytes>> {
    let data = substitute(data, user, group);
    let mut rest: &[u8] = &data;
    let first = std::str::from_utf8(next_line(&mut rest)?).ok()?;
    let (method, target) = first.split_once(' ')?;
    let mut builder = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).ok()?)
        .uri(target);
    let mut has_auth = false;
    while let Some(line) = next_line(&mut rest) {
        if line.is_empty() {
            break;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let name = http::HeaderName::from_bytes(&line[..colon]).ok()?;
        let value = http::HeaderValue::from_bytes(line[colon + 1..].trim_ascii()).ok()?;
        has_auth |= name == http::header::AUTHORIZATION;
        builder = builder.header(name, value);
    }
    if !has_auth {
        builder = builder.header("authorization", format!("Bearer {TOKEN}"));
    }
    builder.body(Bytes::copy_from_slice(rest)).ok()
}

/// Takes one line (without its `\n` or `\r\n`) off the front of `rest`.
fn next_line<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    if rest.is_empty() {
        return None;
    }
    let (line, tail) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (*rest, &[][..]),
    };
    *rest = tail;
    Some(line.strip_suffix(b"\r").unwrap_or(line))
}

/// The response invariants.
pub fn check_response(input: &str, status: StatusCode, headers: &http::HeaderMap, body: &[u8]) {
    assert_ne!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "500 for {input:?}"
    );
    let json = if body.is_empty() {
        None
    } else {
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/scim+json"),
            "content type of the {status} answer to {input:?}"
        );
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => Some(v),
            Err(e) => panic!("{status} body is not JSON ({e}) for {input:?}"),
        }
    };
    if status.is_client_error() || status.is_server_error() {
        let Some(v) = json else {
            panic!("{status} without a body for {input:?}");
        };
        let schemas = v["schemas"].as_array();
        assert!(
            schemas.is_some_and(|s| s.iter().any(|u| u == ERROR_URN)),
            "{status} is no SCIM Error for {input:?}: {v}"
        );
        assert_eq!(
            v["status"].as_str(),
            Some(status.as_str()),
            "status of the error for {input:?}: {v}"
        );
    } else if status.is_success()
        && let Some(v) = &json
    {
        let resources = match v["Resources"].as_array() {
            Some(list) => list.iter().collect(),
            None => vec![v],
        };
        for r in resources {
            if let Some(map) = r.as_object() {
                assert!(
                    !map.keys().any(|k| k.eq_ignore_ascii_case("password")),
                    "password returned for {input:?}: {r}"
                );
            }
        }
    }
}
