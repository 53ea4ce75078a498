//! Properties of ScimServer::handle: whatever a client sends (method, path, query, headers,
//! body), the answer is a SCIM response and never a 500 (DESIGN §5).

use super::server_support::*;
use http::Method;
use proptest::prelude::*;
use scimitar::server::ScimServer;

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        3 => Just(Method::GET),
        3 => Just(Method::POST),
        1 => Just(Method::PUT),
        2 => Just(Method::PATCH),
        1 => Just(Method::DELETE),
        1 => Just(Method::HEAD),
        1 => Just(Method::OPTIONS),
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/Users".to_owned()),
        Just("/Groups".to_owned()),
        Just("/.search".to_owned()),
        Just("/Users/.search".to_owned()),
        Just("/ServiceProviderConfig".to_owned()),
        Just("/Schemas".to_owned()),
        Just("/ResourceTypes/User".to_owned()),
        "/(Users|Groups)/[a-zA-Z0-9%._~-]{0,20}",
        "/[a-zA-Z%./]{0,30}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    let param = prop_oneof![
        Just("filter"),
        Just("sortBy"),
        Just("sortOrder"),
        Just("startIndex"),
        Just("count"),
        Just("attributes"),
        Just("excludedAttributes"),
        Just("x"),
    ];
    let value = prop_oneof![
        "[a-zA-Z .\\[\\]()\"%+:,0-9-]{0,40}",
        Just("userName+eq+%22a%22".to_owned()),
        Just("emails[type+eq+%22work%22]".to_owned()),
        Just("-1".to_owned()),
        Just("99999999999999999999".to_owned()),
    ];
    proptest::collection::vec((param, value), 0..4).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let json = prop_oneof![
        Just(r#"{"userName": "prop"}"#.to_owned()),
        Just(r#"{"displayName": "G", "members": [{"value": "x"}]}"#.to_owned()),
        Just(r#"{"Operations": [{"op": "add", "path": "members", "value": [{"value": "x"}]}]}"#.to_owned()),
        Just(r#"{"Operations": [{"op": "Replace", "value": {"active": "False", "name.givenName": 1}}]}"#.to_owned()),
        Just(r#"{"filter": "userName sw \"p\"", "count": -3, "attributes": ["a"]}"#.to_owned()),
        "[\\[\\]{}\":,a-zA-Z0-9 ]{0,60}",
    ];
    prop_oneof![
        3 => json.prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

fn check(server: &ScimServer, method: Method, path: &str, query: &str, body: Vec<u8>, ct: &str) {
    let uri = if query.is_empty() {
        format!("/scim/v2{path}")
    } else {
        format!("/scim/v2{path}?{query}")
    };
    let Ok(req) = http::Request::builder()
        .method(method)
        .uri(&uri)
        .header("authorization", format!("Bearer {KEY_A}"))
        .header("content-type", ct)
        .body(bytes::Bytes::from(body))
    else {
        return; // not a valid HTTP request at all: no server ever sees it
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let a = answer(rt.block_on(server.handle(req)));
    assert!(
        !a.status.is_server_error(),
        "{uri} → {} {:?}",
        a.status,
        a.body
    );
    if a.status.is_client_error() {
        assert_eq!(a.body["status"], a.status.as_str(), "{uri}");
        assert_eq!(
            a.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
            "{uri}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_request_gets_a_scim_answer_never_500(
        method in method(),
        path in path(),
        query in query(),
        body in body(),
        ct in prop_oneof![
            4 => Just("application/scim+json"),
            2 => Just("application/json; charset=utf-8"),
            1 => Just("text/plain"),
        ],
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let server = rt.block_on(server());
        check(&server, method, &path, &query, body, ct);
    }
}
