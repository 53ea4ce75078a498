//! The `tower` feature: ScimServer as a `tower::Service`, mounted in axum with one line, the
//! body limit enforced while the body streams (413).

use super::server_support::*;
use axum::Router;
use axum::body::Body;
use http::Request;
use http_body_util::BodyExt;
use scimitar::server::Limits;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn send(app: Router, req: Request<Body>) -> (http::StatusCode, http::HeaderMap, Value) {
    let res = app.oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let v = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (parts.status, parts.headers, v)
}

#[tokio::test]
async fn axum_nest_service_in_one_line() {
    let server = server().await;
    let app = Router::new().nest_service("/scim/v2", server);
    let req = Request::get("/scim/v2/Users?filter=userName+eq+%22nobody%22")
        .header("authorization", format!("Bearer {KEY_A}"))
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = send(app.clone(), req).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/scim+json");
    assert_eq!(body["totalResults"], 0);

    let create = Request::post("/scim/v2/Users")
        .header("authorization", format!("Bearer {KEY_A}"))
        .header("content-type", "application/scim+json")
        .body(Body::from(json!({"userName": "via-axum"}).to_string()))
        .unwrap();
    let (status, headers, body) = send(app.clone(), create).await;
    assert_eq!(status, 201, "{body:?}");
    let id = body["id"].as_str().unwrap();
    assert_eq!(
        headers["location"].to_str().unwrap(),
        format!("{BASE}/Users/{id}")
    );

    let anon = Request::get("/scim/v2/Users").body(Body::empty()).unwrap();
    let (status, headers, _) = send(app, anon).await;
    assert_eq!(status, 401);
    assert!(headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn streamed_body_over_the_limit_is_413() {
    let server = server_with(Limits::default().with_max_body_bytes(32)).await;
    let app = Router::new().nest_service("/scim/v2", server);
    // No Content-Length: chunks that go over the limit while they are read.
    let stream = Body::new(Chunks(
        (0..10)
            .map(|_| bytes::Bytes::from_static(b"0123456789"))
            .collect(),
    ));
    let req = Request::post("/scim/v2/Users")
        .header("authorization", format!("Bearer {KEY_A}"))
        .header("content-type", "application/scim+json")
        .body(stream)
        .unwrap();
    let (status, _, body) = send(app.clone(), req).await;
    assert_eq!(status, 413, "{body:?}");
    // A declared Content-Length over the limit is refused without reading.
    let req = Request::post("/scim/v2/Users")
        .header("authorization", format!("Bearer {KEY_A}"))
        .header("content-length", "1000")
        .body(Body::from(vec![b' '; 1000]))
        .unwrap();
    assert_eq!(send(app, req).await.0, 413);
}

/// A body of several data frames and no size hint (like a chunked upload).
struct Chunks(std::collections::VecDeque<bytes::Bytes>);

impl http_body::Body for Chunks {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.0.pop_front().map(|b| Ok(http_body::Frame::data(b))))
    }
}
