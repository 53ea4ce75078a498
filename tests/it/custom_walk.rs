//! Cursor walks (RFC 9865) over a resource type registered at run time, through
//! `ScimServer::handle`: `GET /Devices?cursor` and `POST /Devices/.search` page by
//! `nextCursor` and back by `previousCursor` on the memory backend and on SQLite (and
//! PostgreSQL when `SCIM_TEST_POSTGRES_URL` is set); a Device cursor opens no other list.

use super::custom_types::{DEVICE, with_custom};
use super::server_support::*;
use scimitar::server::ScimServer;
use serde_json::{Value, json};

fn ids(body: &Value) -> Vec<String> {
    body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn cursor(body: &Value, key: &str) -> Option<String> {
    body.get(key).map(|c| c.as_str().unwrap().to_owned())
}

async fn get(s: &ScimServer, url: &str) -> Value {
    let a = Call::get(url).send(s).await;
    assert_eq!(a.status, 200, "{url}: {:?}", a.body);
    a.body
}

async fn device_walk(s: &ScimServer) {
    let mut all = Vec::new();
    for i in 0..11 {
        let body = json!({
            "schemas": [DEVICE],
            "serialNumber": format!("W-{i:02}"),
            "displayName": if i % 2 == 0 { "even" } else { "odd" },
        });
        let a = Call::post("/Devices", body).send(s).await;
        assert_eq!(a.status, 201, "{:?}", a.body);
        all.push(a.body["id"].as_str().unwrap().to_owned());
    }
    all.sort();
    for (query, want) in [
        ("", all.clone()),
        (
            "filter=serialNumber%20eq%20%22w-05%22&",
            vec![id_of_serial(s, "W-05").await],
        ),
    ] {
        let mut pages = Vec::new();
        let mut c = String::new();
        loop {
            let b = get(s, &format!("/Devices?{query}count=3&cursor={c}")).await;
            assert!(b.get("startIndex").is_none());
            pages.push(b.clone());
            match cursor(&b, "nextCursor") {
                Some(n) => c = n,
                None => break,
            }
        }
        let walked: Vec<String> = pages.iter().flat_map(ids).collect();
        assert_eq!(walked, want, "{query}");
        assert!(cursor(&pages[0], "previousCursor").is_none());
        // back from the last page to the first
        let mut back: Vec<String> = Vec::new();
        let mut p = cursor(pages.last().unwrap(), "previousCursor");
        while let Some(c) = p {
            let b = get(s, &format!("/Devices?{query}count=3&cursor={c}")).await;
            let mut page = ids(&b);
            page.extend(back);
            back = page;
            p = cursor(&b, "previousCursor");
        }
        let before_last = walked.len() - ids(pages.last().unwrap()).len();
        assert_eq!(back, walked[..before_last], "{query}: backwards");
    }
    // by .search, filtered by an unindexed attribute
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "displayName eq \"odd\"",
        "cursor": "",
        "count": 2,
    });
    let first = Call::post("/Devices/.search", body.clone()).send(s).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["totalResults"], 5);
    assert_eq!(ids(&first.body).len(), 2);
    // a Device cursor opens neither the Users list nor another filter's walk
    let c = cursor(&first.body, "nextCursor").unwrap();
    let a = Call::get(&format!("/Users?cursor={c}&count=2"))
        .send(s)
        .await;
    a.assert_error(400, Some("invalidCursor"));
    let a = Call::get(&format!("/Devices?cursor={c}&count=2"))
        .send(s)
        .await;
    a.assert_error(400, Some("invalidCursor"));
    let mut next = body;
    next["cursor"] = json!(c);
    let second = Call::post("/Devices/.search", next).send(s).await;
    assert_eq!(second.status, 200);
    assert!(cursor(&second.body, "previousCursor").is_some());
}

/// The id of the device with this serial number.
async fn id_of_serial(s: &ScimServer, serial: &str) -> String {
    let b = get(
        s,
        &format!("/Devices?filter=serialNumber%20eq%20%22{serial}%22"),
    )
    .await;
    ids(&b).pop().unwrap()
}

#[tokio::test]
async fn devices_walk_by_cursor_both_ways_on_memory() {
    let s = with_custom(builder().await).build().unwrap();
    device_walk(&s).await;
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[tokio::test]
async fn devices_walk_by_cursor_both_ways_on_sql() {
    let dbs = super::sql_support::default_dbs("custom_walk").await;
    for (name, backend) in &dbs.backends {
        eprintln!("device walk over {name}");
        let s = with_custom(builder().await)
            .backend(std::sync::Arc::new(backend.clone()))
            .build()
            .unwrap();
        device_walk(&s).await;
    }
}
