//! ScimServer bounds and hostile input: 413, filter length/depth, PATCH size, count policy,
//! malformed bodies — never a 500 (RFC 7644 §3.12; DESIGN §5).

use super::server_support::*;
use http::Method;
use scimitar::server::{CountOverflow, Limits};
use serde_json::json;

#[tokio::test]
async fn body_over_limit_is_413_before_parsing() {
    let s = server_with(Limits::default().with_max_body_bytes(64)).await;
    let big = format!("{{\"userName\": \"{}\"}}", "x".repeat(100));
    Call::new(Method::POST, "/Users")
        .header("content-type", "application/scim+json")
        .raw_body(big)
        .send(&s)
        .await
        .assert_error(413, None);
    // Even a body that is not JSON: the size is checked first.
    Call::new(Method::POST, "/Users")
        .header("content-type", "application/scim+json")
        .raw_body(vec![b'{'; 65])
        .send(&s)
        .await
        .assert_error(413, None);
}

#[tokio::test]
async fn filter_too_long_or_too_deep_is_invalid_filter() {
    let s = server_with(
        Limits::default()
            .with_max_filter_len(64)
            .with_max_filter_depth(3),
    )
    .await;
    let long = format!("/Users?filter=userName+eq+%22{}%22", "a".repeat(80));
    Call::get(&long)
        .send(&s)
        .await
        .assert_error(400, Some("invalidFilter"));
    let deep = "/Users?filter=((((userName+pr))))";
    Call::get(deep)
        .send(&s)
        .await
        .assert_error(400, Some("invalidFilter"));
    let ok = Call::get("/Users?filter=(userName+pr)").send(&s).await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn too_many_patch_operations_is_400() {
    let s = server_with(Limits::default().with_max_patch_operations(2)).await;
    let created = create_user(&s, "patchy").await;
    let ops: Vec<_> = (0..3)
        .map(|i| json!({"op": "replace", "path": "displayName", "value": format!("n{i}")}))
        .collect();
    let a = Call::patch(
        &format!("/Users/{}", created["id"].as_str().unwrap()),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}),
    )
    .send(&s)
    .await;
    assert_eq!(a.status, 400, "{:?}", a.body);
}

#[tokio::test]
async fn count_is_clamped_or_too_many() {
    let clamp = server_with(Limits::default().with_max_count(2)).await;
    for i in 0..3 {
        create_user(&clamp, &format!("c{i}")).await;
    }
    let a = Call::get("/Users?count=100").send(&clamp).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["itemsPerPage"], 2);
    assert_eq!(a.body["totalResults"], 3);
    let strict = server_with(
        Limits::default()
            .with_max_count(2)
            .with_count_overflow(CountOverflow::TooMany),
    )
    .await;
    Call::get("/Users?count=3")
        .send(&strict)
        .await
        .assert_error(400, Some("tooMany"));
}

#[tokio::test]
async fn malformed_requests_are_4xx_never_500() {
    let s = server().await;
    let uid = create_user(&s, "target").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let user = format!("/Users/{uid}");
    let bodies: [&[u8]; 12] = [
        b"",
        b"{",
        b"null",
        b"[]",
        b"\"str\"",
        b"{\"userName\": 5}",
        b"{\"userName\": \"\"}",
        b"{\"active\": \"maybe\", \"userName\": \"u\"}",
        b"{\"Operations\": 5}",
        b"{\"Operations\": [{\"op\": \"explode\"}]}",
        b"\xff\xfe",
        b"{\"userName\": \"u\", \"name\": {\"givenName\": {\"deep\": [[[[1]]]]}}}",
    ];
    for body in bodies {
        for (method, path) in [
            (Method::POST, "/Users"),
            (Method::POST, "/Groups"),
            (Method::PUT, user.as_str()),
            (Method::PATCH, user.as_str()),
            (Method::POST, "/.search"),
        ] {
            let a = Call::new(method.clone(), path)
                .header("content-type", "application/scim+json")
                .raw_body(body.to_vec())
                .send(&s)
                .await;
            // A SearchRequest ignores keys it does not know, so some bodies are valid there.
            let ok = if path == "/.search" {
                !a.status.is_server_error()
            } else {
                a.status.is_client_error()
            };
            assert!(
                ok,
                "{method} {path} {:?} → {} {:?}",
                String::from_utf8_lossy(body),
                a.status,
                a.body
            );
        }
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let a = Call::new(Method::POST, "/Users")
        .raw_body(deep)
        .send(&s)
        .await;
    a.assert_error(400, Some("invalidSyntax"));
}

#[tokio::test]
async fn malformed_query_strings_are_4xx_never_500() {
    let s = server().await;
    for q in [
        "filter=",
        "filter=%FF",
        "filter=userName+eq+%22unterminated",
        "filter=not+not+not",
        "filter=emails[type+eq+%22work%22",
        "startIndex=abc",
        "count=1e3",
        "sortOrder=sideways",
        "sortBy=%5B%5D",
        "attributes=,,,",
        "count=1&count=2",
        "excludedAttributes=urn:",
    ] {
        let a = Call::get(&format!("/Users?{q}")).send(&s).await;
        assert!(
            a.status.is_client_error(),
            "{q} → {} {:?}",
            a.status,
            a.body
        );
        assert_eq!(a.body["status"], a.status.as_str(), "{q}");
    }
    // Huge numbers are only "very many".
    let a = Call::get("/Users?startIndex=99999999999999999999999&count=99999999999999999999")
        .send(&s)
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["itemsPerPage"], 0);
}
