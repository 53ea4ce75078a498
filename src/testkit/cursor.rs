//! Cursor walks through the server (check `cursor_walk`;
//! [RFC 9865](https://www.rfc-editor.org/rfc/rfc9865)): a backend that says it walks
//! ([`Capabilities::cursor`](crate::backend::Capabilities::cursor)) must return every matching
//! resource exactly once, filtered or not, users and groups, by `GET` and by `POST .search`,
//! while resources are created and deleted between its pages, in ascending `id` order; one
//! that also walks backwards
//! ([`Capabilities::cursor_previous`](crate::backend::Capabilities::cursor_previous)) must
//! lead from the last page back to the first by `previousCursor`, page by page, and one that
//! does not must issue none. A backend without walks must say so in `/ServiceProviderConfig`
//! and have `cursor` refused with 400 `invalidCursor`.

use super::failure::{Outcome, ensure};
use super::harness::{Answer, Bench, Tenant, at, filter_query};
use super::{BackendFactory, Failure};
use http::Method;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;

/// Users of tenant A created before the walks.
const USERS: usize = 23;
/// The page size of the walks: several pages, the last one short.
const COUNT: usize = 4;
/// Pages after which a walk is taken to never end.
const MAX_PAGES: usize = 200;

/// Walks Users and Groups by cursor and checks that the walk is the filtered set, without
/// duplicates, also while users are created and deleted between pages; or, for a backend
/// without cursor walks, that the server refuses `cursor` and says so (check `cursor_walk`;
/// [RFC 9865 §2](https://www.rfc-editor.org/rfc/rfc9865#section-2),
/// [§4](https://www.rfc-editor.org/rfc/rfc9865#section-4)).
pub async fn check_cursor_walk<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    cursor_walk(factory)
        .await
        .map_err(|e| Failure::new("cursor_walk", e))
}

async fn cursor_walk<F: BackendFactory + ?Sized>(factory: &F) -> Outcome {
    let bench = Bench::new(factory).await?;
    let spc = bench.get_ok("/ServiceProviderConfig").await?;
    let advertised = at(at(&spc.body, "pagination"), "cursor").as_bool();
    if !bench.backend.capabilities().cursor {
        ensure!(
            advertised == Some(false),
            "the backend does not walk by cursor, yet /ServiceProviderConfig says pagination {}",
            at(&spc.body, "pagination")
        );
        let a = bench
            .call(Tenant::A, Method::GET, "/Users?cursor=&count=2", None, &[])
            .await?;
        ensure!(
            a.status == 400 && at(&a.body, "scimType") == "invalidCursor",
            "the backend does not walk by cursor, yet GET /Users?cursor= answers {} {}",
            a.status,
            a.body
        );
        return Ok(());
    }
    ensure!(
        advertised == Some(true),
        "the backend walks by cursor, yet /ServiceProviderConfig says pagination {}",
        at(&spc.body, "pagination")
    );
    let mut all = Vec::new();
    let mut odd = Vec::new();
    for i in 0..USERS {
        let title = if i % 2 == 1 { "odd" } else { "even" };
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("walker{i:02}"),
            "title": title,
        });
        let id = bench.create("/Users", &body).await?.str_at("/id")?;
        if i % 2 == 1 {
            odd.push(id.clone());
        }
        all.push(id);
    }
    // tenant B's users must never show up in A's walks
    for i in 0..3 {
        let body = json!({"userName": format!("walker-b{i:02}")});
        bench
            .call(Tenant::B, Method::POST, "/Users", Some(&body), &[])
            .await?
            .expect(201)?;
    }

    let backwards = bench.backend.capabilities().cursor_previous;
    // a walk by position (not keyset) is in its own stable order and not stable under deletes
    let keyset = bench.backend.capabilities().cursor_keyset;
    let full = walk(&bench, "/Users", "", &mut nothing).await?;
    same_set("GET /Users by cursor", &full.ids, &all)?;
    if keyset {
        ascending("GET /Users by cursor", &full.ids)?;
    }
    back_again(
        &bench,
        "GET /Users by cursor",
        "/Users",
        "",
        &full,
        backwards,
    )
    .await?;
    ensure!(
        full.totals.iter().all(|t| *t == USERS as u64),
        "GET /Users by cursor: totalResults {:?}, expected {USERS} on every page",
        full.totals
    );

    let query = filter_query(r#"title eq "odd""#);
    let filtered = walk(&bench, "/Users", &query, &mut nothing).await?;
    same_set(
        "GET /Users?filter=title eq \"odd\" by cursor",
        &filtered.ids,
        &odd,
    )?;
    if keyset {
        ascending(
            "GET /Users?filter=title eq \"odd\" by cursor",
            &filtered.ids,
        )?;
    }
    back_again(
        &bench,
        "GET /Users?filter=title eq \"odd\" by cursor",
        "/Users",
        &query,
        &filtered,
        backwards,
    )
    .await?;

    let one = filter_query(r#"userName eq "walker07""#);
    let exact = walk(&bench, "/Users", &one, &mut nothing).await?;
    let seventh: Vec<String> = all.get(7).cloned().into_iter().collect();
    same_set(
        "GET /Users?filter=userName eq \"walker07\" by cursor",
        &exact.ids,
        &seventh,
    )?;

    let searched = search_walk(&bench).await?;
    same_set("POST /Users/.search by cursor", &searched, &all)?;

    let mut groups = Vec::new();
    for i in 0..5 {
        let body = json!({"displayName": format!("walk group {i}")});
        groups.push(bench.create("/Groups", &body).await?.str_at("/id")?);
    }
    let g = walk(&bench, "/Groups", "", &mut nothing).await?;
    same_set("GET /Groups by cursor", &g.ids, &groups)?;

    under_writes(&bench, &all, keyset).await
}

/// A walk while, between pages, two users are created and (for a keyset walk) one user of
/// the initial set is deleted: no duplicates, every initial user never deleted is seen, none
/// of tenant B's.
async fn under_writes(bench: &Bench, initial: &[String], deletes: bool) -> Outcome {
    let mut deleted: Vec<String> = Vec::new();
    let mut created = 0usize;
    let walked = {
        let deleted = &mut deleted;
        let created = &mut created;
        walk(bench, "/Users", "", &mut |page| {
            // alternately a user the walk has passed and one it has not reached
            let victim = initial
                .iter()
                .filter(|id| !deleted.contains(id))
                .nth(if page % 2 == 0 { 0 } else { 11 })
                .filter(|_| deletes)
                .cloned();
            let n = *created;
            *created += 2;
            if let Some(v) = &victim {
                deleted.push(v.clone());
            }
            let pending: Pending<'_> = Box::pin(async move {
                for k in n..n + 2 {
                    let body = json!({"userName": format!("newcomer{k:03}")});
                    bench.create("/Users", &body).await?;
                }
                if let Some(v) = victim {
                    bench
                        .write(Method::DELETE, &format!("/Users/{v}"), None, None)
                        .await?
                        .expect(204)?;
                }
                Ok(())
            });
            pending
        })
        .await?
    };
    let seen: HashSet<&String> = walked.ids.iter().collect();
    for id in initial.iter().filter(|id| !deleted.contains(id)) {
        ensure!(
            seen.contains(id),
            "a cursor walk with creates and deletes between pages skipped user {id}, which existed for the whole walk (walk: {:?})",
            walked.ids
        );
    }
    Ok(())
}

/// What a walk returned: every id in order, and of each page `totalResults`, the number of
/// resources and `previousCursor`.
#[derive(Default)]
pub(super) struct Walked {
    pub(super) ids: Vec<String>,
    totals: Vec<u64>,
    sizes: Vec<usize>,
    previous: Vec<Option<String>>,
}

/// The ids are in ascending order (RFC 9865 walks here go by `id`, compared byte by byte).
fn ascending(what: &str, ids: &[String]) -> Outcome {
    ensure!(
        ids.iter().zip(ids.iter().skip(1)).all(|(a, b)| a < b),
        "{what}: the walk is not in ascending id order: {ids:?}"
    );
    Ok(())
}

/// From the last page of `walked` (a forward walk of `path?query`), `previousCursor` leads
/// back page by page to the first, which has none, and the pages are the walk's own; a
/// backend that does not walk backwards issued no `previousCursor` at all
/// ([RFC 9865 §2.2](https://www.rfc-editor.org/rfc/rfc9865#section-2.2)).
pub(super) async fn back_again(
    bench: &Bench,
    what: &str,
    path: &str,
    query: &str,
    walked: &Walked,
    backwards: bool,
) -> Outcome {
    if !backwards {
        ensure!(
            walked.previous.iter().all(Option::is_none),
            "{what}: the backend does not walk backwards, yet a page has a previousCursor"
        );
        return Ok(());
    }
    ensure!(
        walked.previous.first().is_some_and(Option::is_none),
        "{what}: the first page has a previousCursor"
    );
    let (Some(Some(from)), Some(last)) = (walked.previous.last(), walked.sizes.last()) else {
        ensure!(
            walked.sizes.len() <= 1,
            "{what}: a page after the first has no previousCursor"
        );
        return Ok(());
    };
    let before_last = walked
        .ids
        .get(..walked.ids.len().saturating_sub(*last))
        .unwrap_or_default();
    let sep = if query.is_empty() { "" } else { "&" };
    let mut back: Vec<String> = Vec::new();
    let mut cursor = from.clone();
    for _ in 0..MAX_PAGES {
        let url = format!("{path}?{query}{sep}count={COUNT}&cursor={cursor}");
        let a = bench.get_ok(&url).await?;
        let mut page = Walked::default();
        let next = page_of(&a, &mut page)?;
        ensure!(
            next.is_some(),
            "{what}: a page reached by previousCursor has no nextCursor"
        );
        let mut ids = page.ids;
        ids.extend(back);
        back = ids;
        match page.previous.pop().flatten() {
            Some(c) => cursor = c,
            None => break,
        }
    }
    ensure!(
        back == before_last,
        "{what}: following previousCursor from the last page gave {back:?}, expected the walk's {before_last:?}"
    );
    Ok(())
}

/// What runs between two pages of a walk (given the page's number).
type Between<'a> = dyn FnMut(usize) -> Pending<'a> + 'a;
type Pending<'a> = Pin<Box<dyn Future<Output = Outcome> + 'a>>;

/// Nothing between pages.
fn nothing<'a>(_: usize) -> Pending<'a> {
    Box::pin(async { Ok(()) })
}

/// Follows `nextCursor` from an empty cursor on `path?query`, calling `between(page)` after
/// each page; checks page sizes, no duplicate, no `startIndex`-style drift.
async fn walk<'a>(
    bench: &'a Bench,
    path: &str,
    query: &str,
    between: &mut Between<'a>,
) -> Outcome<Walked> {
    let mut out = Walked::default();
    let mut cursor = String::new();
    let sep = if query.is_empty() { "" } else { "&" };
    for page in 0..MAX_PAGES {
        let url = format!("{path}?{query}{sep}count={COUNT}&cursor={cursor}");
        let a = bench.get_ok(&url).await?;
        let next = page_of(&a, &mut out)?;
        between(page).await?;
        match next {
            Some(c) => cursor = c,
            None => return Ok(out),
        }
    }
    Err(format!(
        "GET {path}?{query} by cursor: no last page after {MAX_PAGES} pages of {COUNT}"
    ))
}

/// Takes one page into `out`; its `nextCursor`, checked to be URL-safe.
pub(super) fn page_of(a: &Answer, out: &mut Walked) -> Outcome<Option<String>> {
    let ids = a.ids();
    out.sizes.push(ids.len());
    out.previous.push(cursor_at(a, "previousCursor")?);
    ensure!(
        ids.len() <= COUNT,
        "{}: {} resources, more than count={COUNT}",
        a.what,
        ids.len()
    );
    for id in ids {
        ensure!(
            !out.ids.contains(&id),
            "{}: {id} was already on an earlier page of the walk",
            a.what
        );
        out.ids.push(id);
    }
    out.totals.push(a.total()?);
    cursor_at(a, "nextCursor")
}

/// The cursor `key` of a ListResponse, if any, checked to be URL-safe.
fn cursor_at(a: &Answer, key: &str) -> Outcome<Option<String>> {
    match at(&a.body, key) {
        Value::Null => Ok(None),
        Value::String(c) => {
            ensure!(
                !c.is_empty()
                    && c.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)),
                "{}: {key} {c:?} is not made of RFC 3986 unreserved characters",
                a.what
            );
            Ok(Some(c.clone()))
        }
        other => Err(format!("{}: {key} is {other}, not a string", a.what)),
    }
}

/// `POST /Users/.search` with `cursor` and `count` in the body, to the end.
async fn search_walk(bench: &Bench) -> Outcome<Vec<String>> {
    let mut out = Walked::default();
    let mut cursor = String::new();
    for _ in 0..MAX_PAGES {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "cursor": cursor,
            "count": COUNT,
        });
        let a = bench
            .call(Tenant::A, Method::POST, "/Users/.search", Some(&body), &[])
            .await?
            .expect(200)?;
        match page_of(&a, &mut out)? {
            Some(c) => cursor = c,
            None => return Ok(out.ids),
        }
    }
    Err(format!(
        "POST /Users/.search by cursor: no last page after {MAX_PAGES} pages"
    ))
}

/// `got` holds exactly the ids of `want` (the walk already refused duplicates).
fn same_set(what: &str, got: &[String], want: &[String]) -> Outcome {
    let g: HashSet<&String> = got.iter().collect();
    let w: HashSet<&String> = want.iter().collect();
    ensure!(
        g == w,
        "{what}: the walk gave {} resources {got:?}, expected the {} of {want:?}",
        got.len(),
        want.len()
    );
    Ok(())
}
