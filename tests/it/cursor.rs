//! Cursor paging (RFC 9865) through the server on the memory backend: the RFC's request and
//! response shapes, full walks, walks under concurrent writes, and every cursor that must be
//! refused (tampered, expired, another tenant's, type's or filter's).

use super::server_support::*;
use http::Method;
use scimitar::backend::MemoryBackend;
use scimitar::server::ScimServer;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

fn ids(body: &Value) -> Vec<String> {
    body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn next(body: &Value) -> Option<String> {
    body.get("nextCursor")
        .map(|c| c.as_str().unwrap().to_owned())
}

/// Follows `nextCursor` from an empty cursor; returns the ids in order and the pages.
async fn walk(server: &ScimServer, path: &str, query: &str) -> (Vec<String>, usize) {
    let mut cursor = String::new();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let a = Call::get(&format!("{path}?{query}&cursor={cursor}"))
            .send(server)
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        pages += 1;
        seen.extend(ids(&a.body));
        match next(&a.body) {
            Some(c) => cursor = c,
            None => return (seen, pages),
        }
        assert!(pages < 1000, "the walk does not end");
    }
}

async fn users(server: &ScimServer, names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    for n in names {
        out.push(
            create_user(server, &n).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    out
}

#[tokio::test]
async fn rfc9865_examples_first_next_and_last_page() {
    let server = server().await;
    let mut js = users(&server, (0..23).map(|i| format!("J{i:02}"))).await;
    users(&server, (0..5).map(|i| format!("K{i}"))).await;
    js.sort();

    // RFC 9865 §2: `GET /Users?filter=userName%20sw%20%22J%22&cursor&count=10`.
    let first = Call::get("/Users?filter=userName%20sw%20%22J%22&cursor&count=10")
        .send(&server)
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let b = &first.body;
    assert_eq!(
        b["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(b["totalResults"], 23);
    assert_eq!(b["itemsPerPage"], 10);
    assert!(b.get("startIndex").is_none(), "{b}");
    let c1 = next(b).expect("nextCursor on a page that is not the last");
    assert!(
        c1.bytes()
            .all(|x| x.is_ascii_alphanumeric() || x == b'-' || x == b'_'),
        "RFC 9865 §2: unreserved characters only: {c1}"
    );
    assert_eq!(ids(b), js[..10]);

    let second = Call::get(&format!(
        "/Users?filter=userName%20sw%20%22J%22&cursor={c1}&count=10"
    ))
    .send(&server)
    .await;
    assert_eq!(ids(&second.body), js[10..20]);
    let c2 = next(&second.body).unwrap();
    let last = Call::get(&format!(
        "/Users?filter=userName%20sw%20%22J%22&cursor={c2}&count=10"
    ))
    .send(&server)
    .await;
    assert_eq!(ids(&last.body), js[20..]);
    assert_eq!(last.body["itemsPerPage"], 3);
    assert!(next(&last.body).is_none(), "no nextCursor on the last page");
    // A cursor can be replayed (stateless).
    let again = Call::get(&format!(
        "/Users?filter=userName%20sw%20%22J%22&cursor={c1}&count=10"
    ))
    .send(&server)
    .await;
    assert_eq!(ids(&again.body), js[10..20]);
}

#[tokio::test]
async fn full_walk_is_the_full_set_in_id_order() {
    let server = server().await;
    let mut all = users(&server, (0..50).map(|i| format!("user{i}"))).await;
    all.sort();
    let (seen, pages) = walk(&server, "/Users", "count=7").await;
    assert_eq!(seen, all);
    assert_eq!(pages, 8);
    // Groups walk the same way.
    let mut groups = Vec::new();
    for i in 0..5 {
        groups.push(
            create_group(&server, &format!("g{i}"), &[]).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    groups.sort();
    assert_eq!(walk(&server, "/Groups", "count=2").await.0, groups);
    // Index paging is unchanged.
    let a = Call::get("/Users?startIndex=3&count=4").send(&server).await;
    assert_eq!(
        (a.body["startIndex"].clone(), a.body["itemsPerPage"].clone()),
        (json!(3), json!(4))
    );
    assert!(a.body.get("nextCursor").is_none());
}

#[tokio::test]
async fn walk_under_concurrent_inserts_and_deletes() {
    let server = server().await;
    let initial = users(&server, (0..40).map(|i| format!("stable{i}"))).await;
    let mut deleted = HashSet::new();
    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut round = 0;
    loop {
        let a = Call::get(&format!("/Users?count=5&cursor={cursor}"))
            .send(&server)
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        seen.extend(ids(&a.body));
        // Between pages: two creates and one delete (alternately behind and ahead of the walk).
        users(&server, [format!("new{round}a"), format!("new{round}b")]).await;
        let victim = initial
            .iter()
            .filter(|id| !deleted.contains(*id))
            .nth(if round % 2 == 0 { 0 } else { 17 })
            .cloned();
        if let Some(v) = victim {
            let d = Call::delete(&format!("/Users/{v}")).send(&server).await;
            assert_eq!(d.status, 204);
            deleted.insert(v);
        }
        round += 1;
        match next(&a.body) {
            Some(c) => cursor = c,
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a resource was seen twice");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, seen, "the walk is in id order");
    for id in initial.iter().filter(|id| !deleted.contains(*id)) {
        assert!(
            unique.contains(id),
            "{id} existed for the whole walk and was skipped"
        );
    }
}

async fn first_cursor(server: &ScimServer, query: &str) -> String {
    let a = Call::get(&format!("/Users?{query}&cursor=&count=2"))
        .send(server)
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    next(&a.body).unwrap()
}

#[tokio::test]
async fn tampered_foreign_and_mismatched_cursors_are_invalid_cursor() {
    let server = server().await;
    users(&server, (0..5).map(|i| format!("u{i}"))).await;
    let c = first_cursor(&server, "filter=userName%20sw%20%22u%22").await;
    // Flip one character in the middle (any change breaks the MAC).
    let mut bytes = c.clone().into_bytes();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let a = Call::get(&format!(
        "/Users?filter=userName%20sw%20%22u%22&cursor={tampered}"
    ))
    .send(&server)
    .await;
    a.assert_error(400, Some("invalidCursor"));
    for garbage in ["x", "%00%01", "not-a-cursor-at-all"] {
        let a = Call::get(&format!("/Users?cursor={garbage}"))
            .send(&server)
            .await;
        a.assert_error(400, Some("invalidCursor"));
    }
    // Another tenant's walk, another resource type, another filter.
    let a = Call::get(&format!("/Users?filter=userName%20sw%20%22u%22&cursor={c}"))
        .key(KEY_B)
        .send(&server)
        .await;
    a.assert_error(400, Some("invalidCursor"));
    let a = Call::get(&format!(
        "/Groups?filter=userName%20sw%20%22u%22&cursor={c}"
    ))
    .send(&server)
    .await;
    assert_eq!(a.status, 400);
    let a = Call::get(&format!("/Users?cursor={c}")).send(&server).await;
    a.assert_error(400, Some("invalidCursor"));
    let a = Call::get(&format!("/Users?filter=userName%20sw%20%22v%22&cursor={c}"))
        .send(&server)
        .await;
    a.assert_error(400, Some("invalidCursor"));
    let typed = first_cursor(&server, "filter=active%20eq%20true").await;
    let a = Call::get(&format!("/Groups?filter=active%20eq%20true&cursor={typed}"))
        .send(&server)
        .await;
    a.assert_error(400, Some("invalidCursor"));
}

#[tokio::test]
async fn expired_cursor_is_expired_cursor() {
    let server = builder()
        .await
        .cursor_timeout(Duration::from_millis(1))
        .build()
        .unwrap();
    users(&server, (0..3).map(|i| format!("u{i}"))).await;
    let c = first_cursor(&server, "x=1").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let a = Call::get(&format!("/Users?cursor={c}")).send(&server).await;
    a.assert_error(400, Some("expiredCursor"));
}

#[tokio::test]
async fn replicas_with_one_key_continue_each_others_walks() {
    let backend = Arc::new(MemoryBackend::new());
    let key = [42u8; 32];
    let one = builder()
        .await
        .backend(backend.clone())
        .cursor_key(key)
        .build()
        .unwrap();
    let two = builder()
        .await
        .backend(backend.clone())
        .cursor_key(key)
        .build()
        .unwrap();
    let other = builder()
        .await
        .backend(backend)
        .cursor_key([7u8; 32])
        .build()
        .unwrap();
    let mut all = users(&one, (0..4).map(|i| format!("u{i}"))).await;
    all.sort();
    let c = first_cursor(&one, "x=1").await;
    let a = Call::get(&format!("/Users?cursor={c}&count=2"))
        .send(&two)
        .await;
    assert_eq!(ids(&a.body), all[2..]);
    let a = Call::get(&format!("/Users?cursor={c}")).send(&other).await;
    a.assert_error(400, Some("invalidCursor"));
    assert!(builder().await.cursor_key([1u8; 8]).build().is_err());
}

#[tokio::test]
async fn cursor_with_start_index_sort_or_root_is_invalid_value() {
    let server = server().await;
    users(&server, (0..3).map(|i| format!("u{i}"))).await;
    for q in [
        "/Users?cursor=&startIndex=1",
        "/Users?cursor&sortBy=userName",
        "/?cursor=",
    ] {
        let a = Call::get(q).send(&server).await;
        a.assert_error(400, Some("invalidValue"));
    }
    let a = Call::post("/.search", json!({"cursor": ""}))
        .send(&server)
        .await;
    a.assert_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn search_request_with_cursor() {
    let server = server().await;
    let mut all = users(&server, (0..5).map(|i| format!("s{i}"))).await;
    all.sort();
    let body = |cursor: &str| {
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "attributes": ["userName"],
            "filter": "userName sw \"s\"",
            "cursor": cursor,
            "count": 3
        })
    };
    let a = Call::new(Method::POST, "/Users/.search")
        .json(body(""))
        .send(&server)
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(ids(&a.body), all[..3]);
    assert!(
        a.body["Resources"][0].get("active").is_none(),
        "projection applies"
    );
    let c = next(&a.body).unwrap();
    let b = Call::new(Method::POST, "/Users/.search")
        .json(body(&c))
        .send(&server)
        .await;
    assert_eq!(ids(&b.body), all[3..]);
    assert!(next(&b.body).is_none());
}

#[tokio::test]
async fn count_zero_and_empty_tenant() {
    let server = server().await;
    let a = Call::get("/Users?cursor=").send(&server).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        (
            a.body["totalResults"].clone(),
            a.body["itemsPerPage"].clone()
        ),
        (json!(0), json!(0))
    );
    assert!(next(&a.body).is_none());
    users(&server, (0..3).map(|i| format!("u{i}"))).await;
    let a = Call::get("/Users?cursor=&count=0").send(&server).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["totalResults"], 3);
    assert_eq!(a.body["Resources"], json!([]));
    assert!(next(&a.body).is_none());
}

#[tokio::test]
async fn service_provider_config_advertises_pagination() {
    let server = builder()
        .await
        .cursor_timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let a = Call::get("/ServiceProviderConfig").send(&server).await;
    let p = &a.body["pagination"];
    assert_eq!(p["cursor"], true);
    assert_eq!(p["index"], true);
    assert_eq!(p["defaultPaginationMethod"], "index");
    assert_eq!(p["cursorTimeout"], 600);
    assert!(p["maxPageSize"].as_u64().unwrap() >= 1);
    assert_eq!(p["defaultPageSize"], p["maxPageSize"]);
}

/// RFC 9865 §2.1: every parameter but `cursor` stays as in the walk's first request; another
/// `count` is 400 `invalidCount`, the same one continues.
#[tokio::test]
async fn another_count_mid_walk_is_invalid_count() {
    let server = server().await;
    users(&server, (0..5).map(|i| format!("u{i}"))).await;
    let c = first_cursor(&server, "x=1").await;
    for other in ["count=3", "count=0", "x=1"] {
        let a = Call::get(&format!("/Users?{other}&cursor={c}"))
            .send(&server)
            .await;
        a.assert_error(400, Some("invalidCount"));
    }
    let a = Call::get(&format!("/Users?count=2&cursor={c}"))
        .send(&server)
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(ids(&a.body).len(), 2);
}

fn previous(body: &Value) -> Option<String> {
    body.get("previousCursor")
        .map(|c| c.as_str().unwrap().to_owned())
}

/// RFC 9865 §2.2: `previousCursor` on every page but the first; following it from the last
/// page walks back to the first, page by page, each page the walk's own, and a page reached
/// backwards leads forwards again by its `nextCursor`.
#[tokio::test]
async fn previous_cursor_walks_back_to_the_first_page() {
    let server = server().await;
    let mut all = users(&server, (0..23).map(|i| format!("back{i:02}"))).await;
    all.sort();
    let mut pages: Vec<(Vec<String>, Option<String>)> = Vec::new();
    let mut cursor = String::new();
    loop {
        let a = Call::get(&format!("/Users?count=5&cursor={cursor}"))
            .send(&server)
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        pages.push((ids(&a.body), previous(&a.body)));
        match next(&a.body) {
            Some(c) => cursor = c,
            None => break,
        }
    }
    assert_eq!(pages.len(), 5);
    assert!(pages[0].1.is_none(), "no previousCursor on the first page");
    let mut back = pages.last().unwrap().1.clone().unwrap();
    for want in pages[..pages.len() - 1].iter().rev() {
        let a = Call::get(&format!("/Users?count=5&cursor={back}"))
            .send(&server)
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        assert_eq!(ids(&a.body), want.0, "a page reached by previousCursor");
        assert_eq!(a.body["totalResults"], 23);
        assert!(a.body.get("startIndex").is_none());
        let forward = next(&a.body).expect("nextCursor on a page reached backwards");
        let f = Call::get(&format!("/Users?count=5&cursor={forward}"))
            .send(&server)
            .await;
        let i = pages.iter().position(|p| p.0 == want.0).unwrap();
        assert_eq!(ids(&f.body), pages[i + 1].0, "forwards again");
        match previous(&a.body) {
            Some(p) => back = p,
            None => {
                assert_eq!(ids(&a.body), pages[0].0);
                break;
            }
        }
    }
    // The same by POST /.search, filtered.
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName sw \"back1\"",
        "cursor": "",
        "count": 4,
    });
    let first = Call::post("/Users/.search", body.clone())
        .send(&server)
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let mut second = body.clone();
    second["cursor"] = json!(next(&first.body).unwrap());
    let s = Call::post("/Users/.search", second).send(&server).await;
    let mut third = body;
    third["cursor"] = json!(previous(&s.body).expect("previousCursor by .search"));
    let t = Call::post("/Users/.search", third).send(&server).await;
    assert_eq!(ids(&t.body), ids(&first.body));
}

/// A `previousCursor` is sealed like `nextCursor`: a changed byte, another tenant or another
/// filter is 400 `invalidCursor`.
#[tokio::test]
async fn previous_cursor_is_tamper_proof() {
    let server = server().await;
    users(&server, (0..9).map(|i| format!("p{i}"))).await;
    let c1 = first_cursor(&server, "filter=userName%20sw%20%22p%22").await;
    let a = Call::get(&format!(
        "/Users?filter=userName%20sw%20%22p%22&cursor={c1}&count=2"
    ))
    .send(&server)
    .await;
    let p = previous(&a.body).unwrap();
    let mut bytes = p.clone().into_bytes();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    for (cursor, key, filter) in [
        (tampered.as_str(), KEY_A, "userName%20sw%20%22p%22"),
        (p.as_str(), KEY_B, "userName%20sw%20%22p%22"),
        (p.as_str(), KEY_A, "userName%20sw%20%22q%22"),
    ] {
        let a = Call::get(&format!("/Users?filter={filter}&cursor={cursor}&count=2"))
            .key(key)
            .send(&server)
            .await;
        a.assert_error(400, Some("invalidCursor"));
    }
    let ok = Call::get(&format!(
        "/Users?filter=userName%20sw%20%22p%22&cursor={p}&count=2"
    ))
    .send(&server)
    .await;
    assert_eq!(ok.status, 200);
    assert!(previous(&ok.body).is_none(), "back at the first page");
}
