//! Property (RFC 9865): for any set of users, any filter and any page size, following
//! `nextCursor` from an empty cursor gives exactly what one index-paged list of everything
//! gives (the same resources, each once), with `totalResults` equal to the list's on every
//! page; on the memory backend and on SQLite.

use super::server_support::*;
use proptest::prelude::*;
use scimitar::server::ScimServer;
use serde_json::{Value, json};
#[cfg(feature = "sqlite")]
use std::sync::Arc;

fn ids(body: &Value) -> Vec<String> {
    body["Resources"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|x| x["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The filters the walks are tried with: none, exact (userName eq), indexed but not exact
/// (or of two userNames), and evaluated (title, active, sw).
fn filter() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(r#"userName eq "u3""#)),
        1 => Just(Some(r#"userName eq "u1" or userName eq "u7""#)),
        1 => Just(Some(r#"title eq "b""#)),
        1 => Just(Some(r#"active eq true and title ne "c""#)),
        1 => Just(Some(r#"userName sw "u1""#)),
    ]
}

async fn fill(s: &ScimServer, users: &[(u8, bool)]) {
    for (i, (title, active)) in users.iter().enumerate() {
        let title = ["a", "b", "c"][usize::from(*title % 3)];
        let body = json!({"userName": format!("u{i}"), "title": title, "active": active});
        let a = Call::post("/Users", body).send(s).await;
        assert_eq!(a.status, 201, "{:?}", a.body);
    }
}

/// The walk and the index-paged list of `filter`, both as sorted ids, and every page's
/// `totalResults` beside the list's.
async fn walk_and_list(
    s: &ScimServer,
    filter: Option<&str>,
    count: usize,
) -> (Vec<String>, Vec<String>, Vec<u64>, u64) {
    let f = filter.map_or(String::new(), |f| {
        format!(
            "filter={}&",
            percent_encoding::utf8_percent_encode(f, percent_encoding::NON_ALPHANUMERIC)
        )
    });
    let list = Call::get(&format!("/Users?{f}count=1000")).send(s).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let mut want = ids(&list.body);
    want.sort();
    let mut got = Vec::new();
    let mut totals = Vec::new();
    let mut cursor = String::new();
    for _ in 0..1000 {
        let a = Call::get(&format!("/Users?{f}count={count}&cursor={cursor}"))
            .send(s)
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        let page = ids(&a.body);
        assert!(page.len() <= count, "{} > count {count}", page.len());
        got.extend(page);
        totals.push(a.body["totalResults"].as_u64().unwrap_or(u64::MAX));
        match a.body["nextCursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    let total = list.body["totalResults"].as_u64().unwrap_or(u64::MAX);
    (got, want, totals, total)
}

fn check(
    rt: &tokio::runtime::Runtime,
    s: &ScimServer,
    users: &[(u8, bool)],
    filter: Option<&str>,
    count: usize,
) {
    rt.block_on(async {
        fill(s, users).await;
        let (got, want, totals, total) = walk_and_list(s, filter, count).await;
        // a walk is in id order, each id once: sorted and equal to the sorted list
        assert_eq!(got, want, "filter {filter:?}, count {count}");
        assert!(totals.iter().all(|t| *t == total), "{totals:?} vs {total}");
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn memory_walk_is_the_full_list(
        users in proptest::collection::vec((any::<u8>(), any::<bool>()), 0..30),
        filter in filter(),
        count in 1usize..9,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let s = rt.block_on(server());
        check(&rt, &s, &users, filter, count);
    }
}

#[cfg(feature = "sqlite")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn sqlite_walk_is_the_full_list(
        users in proptest::collection::vec((any::<u8>(), any::<bool>()), 0..30),
        filter in filter(),
        count in 1usize..9,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let db = super::sql_support::TempDb::new();
        let s = rt.block_on(async {
            let backend = scimitar::backend::sql::SqlBackend::connect(&db.url()).await.unwrap();
            builder().await.backend(Arc::new(backend)).build().unwrap()
        });
        check(&rt, &s, &users, filter, count);
    }
}
