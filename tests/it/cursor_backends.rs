//! Cursor walks (RFC 9865) through the `IdentityBackend` API on every shipped backend that
//! walks: memory, SQLite and (when configured) PostgreSQL. One check, run on each: a full walk
//! is the full set in id order; a walk under creates and deletes sees nothing twice and skips
//! nothing that existed for the whole walk; filtered walks and group walks; `count` 0.

use scimitar::Filter;
use scimitar::auth::{Context, Principal};
use scimitar::backend::{IdentityBackend, MemoryBackend, Page};
use scimitar::query::{CursorPosition, ListQuery, Selection};
use scimitar::resource::{Group, User};
use std::collections::HashSet;

fn ctx(t: &str) -> Context {
    Context::new(t, Principal::new("test"))
}

fn page_ids<T>(p: &Page<T>, id: impl Fn(&T) -> &str) -> Vec<String> {
    p.resources.iter().map(|r| id(r).to_owned()).collect()
}

async fn users_page(
    b: &dyn IdentityBackend,
    c: &Context,
    q: ListQuery,
    at: Option<String>,
) -> Page<User> {
    let pos = at.map_or(CursorPosition::Start, CursorPosition::After);
    b.list_users(c, &q.with_cursor(pos)).await.unwrap()
}

/// Walks users with `q`; between pages runs `between(page number)`.
async fn walk_users<F, Fut>(
    b: &dyn IdentityBackend,
    c: &Context,
    q: ListQuery,
    mut between: F,
) -> Vec<String>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut at = None;
    let mut seen = Vec::new();
    for n in 0.. {
        let p = users_page(b, c, q.clone(), at).await;
        assert!(p.resources.len() <= q.count.unwrap_or(usize::MAX));
        seen.extend(page_ids(&p, |u: &User| u.id.as_deref().unwrap()));
        match p.next {
            Some(next) => at = Some(next),
            None => break,
        }
        between(n).await;
        assert!(n < 10_000);
    }
    seen
}

async fn check(b: &dyn IdentityBackend) {
    let c = ctx("walker");
    let mut ids = Vec::new();
    for i in 0..30 {
        let mut u = User::new(format!("w{i:02}"));
        u.active = Some(i % 3 != 0);
        ids.push(b.create_user(&c, u).await.unwrap().id.unwrap());
    }
    // Another tenant's users never appear.
    b.create_user(&ctx("other"), User::new("w99"))
        .await
        .unwrap();
    let mut sorted = ids.clone();
    sorted.sort();

    let q = ListQuery::new().with_page(1, Some(4));
    assert_eq!(walk_users(b, &c, q.clone(), |_| async {}).await, sorted);
    let first = users_page(b, &c, q.clone(), None).await;
    assert_eq!(first.total_results, 30);

    // Filtered: indexed and scanned.
    let f = ListQuery::new()
        .with_filter(Filter::parse("active eq true").unwrap())
        .with_page(1, Some(4));
    let active: Vec<String> = sorted
        .iter()
        .filter(|id| {
            let i = ids.iter().position(|x| x == *id).unwrap();
            i % 3 != 0
        })
        .cloned()
        .collect();
    assert_eq!(walk_users(b, &c, f.clone(), |_| async {}).await, active);
    assert_eq!(users_page(b, &c, f, None).await.total_results, 20);
    let one = ListQuery::new()
        .with_filter(Filter::parse("userName eq \"w07\"").unwrap())
        .with_page(1, Some(4));
    assert_eq!(
        walk_users(b, &c, one, |_| async {}).await,
        vec![ids[7].clone()]
    );

    // count 0: nothing, no next.
    let zero = users_page(b, &c, ListQuery::new().with_page(1, Some(0)), None).await;
    assert!(zero.resources.is_empty() && zero.next.is_none());

    // Concurrent creates and deletes between pages.
    let deleted = std::sync::Mutex::new(HashSet::new());
    let seen = walk_users(b, &c, q, |n| {
        let deleted = &deleted;
        let c = &c;
        let victim = sorted.get((n * 7 + 3) % sorted.len()).cloned();
        async move {
            b.create_user(c, User::new(format!("new{n}")))
                .await
                .unwrap();
            if let Some(v) = victim
                && deleted.lock().unwrap().insert(v.clone())
            {
                b.delete_user(c, &v, None).await.unwrap();
            }
        }
    })
    .await;
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "seen twice");
    let deleted = deleted.into_inner().unwrap();
    for id in sorted.iter().filter(|id| !deleted.contains(*id)) {
        assert!(unique.contains(id), "skipped {id}");
    }

    // Groups walk too.
    let mut groups = Vec::new();
    for i in 0..5 {
        let g = b
            .create_group(&c, Group::new(format!("g{i}")))
            .await
            .unwrap();
        groups.push(g.id.unwrap());
    }
    groups.sort();
    let mut at: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let pos = at
            .clone()
            .map_or(CursorPosition::Start, CursorPosition::After);
        let q = ListQuery::new().with_page(1, Some(2)).with_cursor(pos);
        let p = b.list_groups(&c, &q).await.unwrap();
        seen.extend(page_ids(&p, |g: &Group| g.id.as_deref().unwrap()));
        match p.next {
            Some(n) => at = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, groups);
    let _ = Selection::all();

    backwards(b, &c, &sorted).await;
    filtered_under_inserts(b).await;
}

/// Follows `previous` from `from` to the first page; the ids in order.
async fn back_users(
    b: &dyn IdentityBackend,
    c: &Context,
    q: &ListQuery,
    from: String,
) -> Vec<String> {
    let mut at = from;
    let mut out: Vec<String> = Vec::new();
    for _ in 0..10_000 {
        let p = b
            .list_users(c, &q.clone().with_cursor(CursorPosition::Before(at)))
            .await
            .unwrap();
        assert!(p.resources.len() <= q.count.unwrap_or(usize::MAX));
        assert!(
            p.next.is_some() || p.resources.is_empty(),
            "a page reached backwards has a next position"
        );
        let mut ids = page_ids(&p, |u: &User| u.id.as_deref().unwrap());
        ids.extend(out);
        out = ids;
        match p.previous {
            Some(prev) => at = prev,
            None => return out,
        }
    }
    panic!("the backward walk does not end");
}

/// RFC 9865 §2.2 `previousCursor`: from the last page of a walk, the previous positions lead
/// back to the first page; the first page has none.
async fn backwards(b: &dyn IdentityBackend, c: &Context, sorted: &[String]) {
    assert!(b.capabilities().cursor_previous);
    // what the tenant holds now (the walk under writes changed it)
    let q = ListQuery::new().with_page(1, Some(4));
    let mut pages: Vec<Page<User>> = Vec::new();
    let mut at = None;
    loop {
        let p = users_page(b, c, q.clone(), at).await;
        at = p.next.clone();
        pages.push(p);
        if at.is_none() {
            break;
        }
    }
    assert!(
        pages[0].previous.is_none(),
        "the first page has no previous position"
    );
    let now: Vec<String> = pages
        .iter()
        .flat_map(|p| page_ids(p, |u: &User| u.id.as_deref().unwrap()))
        .collect();
    assert!(now.len() > sorted.len() / 2);
    let last = pages.last().unwrap();
    let before = now.len() - last.resources.len();
    let from = last
        .previous
        .clone()
        .expect("the last page has a previous position");
    assert_eq!(back_users(b, c, &q, from).await, now[..before]);
    // filtered backwards, by an unindexed filter
    let f = ListQuery::new()
        .with_filter(Filter::parse("active eq true").unwrap())
        .with_page(1, Some(3));
    let fwd = walk_users(b, c, f.clone(), |_| async {}).await;
    let mut at = None;
    let last = loop {
        let p = users_page(b, c, f.clone(), at).await;
        at = p.next.clone();
        if at.is_none() {
            break p;
        }
    };
    let from = last.previous.clone().unwrap();
    assert_eq!(
        back_users(b, c, &f, from).await,
        fwd[..fwd.len() - last.resources.len()]
    );
}

/// A filtered walk returns exactly the matching resources, in id order, across pages, while
/// matching and non-matching users are created between its pages: every match that existed
/// for the whole walk once, nothing that does not match. Both an unindexed filter (the
/// filter engine decides row by row) and an indexed equality (`externalId eq`, answered
/// exactly by the keyset query).
async fn filtered_under_inserts(b: &dyn IdentityBackend) {
    let c = ctx("filtered");
    let mut team = Vec::new();
    let mut active = Vec::new();
    for i in 0..40 {
        let mut u = User::new(format!("f{i:02}"));
        u.active = Some(i % 4 == 1);
        if i % 5 == 2 {
            u = u.with_external_id("team-x");
        }
        let id = b.create_user(&c, u).await.unwrap().id.unwrap();
        if i % 4 == 1 {
            active.push(id.clone());
        }
        if i % 5 == 2 {
            team.push(id);
        }
    }
    active.sort();
    team.sort();
    // users created between pages that match both filters
    let mut extra: Vec<String> = Vec::new();
    for (filter, initial) in [
        ("active eq true", &active),
        ("externalId eq \"team-x\"", &team),
    ] {
        let q = ListQuery::new()
            .with_filter(Filter::parse(filter).unwrap())
            .with_page(1, Some(3));
        let created = std::sync::Mutex::new(Vec::new());
        let seen = walk_users(b, &c, q.clone(), |n| {
            let (c, created) = (&c, &created);
            async move {
                for (k, matching) in [(0, true), (1, false)] {
                    let mut u = User::new(format!("{filter}-{n}-{k}"));
                    u.active = Some(matching);
                    if matching {
                        u = u.with_external_id("team-x");
                    }
                    let id = b.create_user(c, u).await.unwrap().id.unwrap();
                    if matching {
                        created.lock().unwrap().push(id);
                    }
                }
            }
        })
        .await;
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, seen, "{filter}: in id order, nothing twice");
        extra.extend(created.into_inner().unwrap());
        for id in initial.iter() {
            assert!(seen.contains(id), "{filter}: skipped {id}");
        }
        for id in &seen {
            assert!(
                initial.contains(id) || extra.contains(id),
                "{filter}: {id} does not match"
            );
        }
        // the same walk again, quiet: the matches now, exactly
        let mut now: Vec<String> = initial.iter().chain(&extra).cloned().collect();
        now.sort();
        assert_eq!(walk_users(b, &c, q, |_| async {}).await, now, "{filter}");
    }
}

#[tokio::test]
async fn memory_backend_walks() {
    let b = MemoryBackend::new();
    assert!(b.capabilities().cursor);
    check(&b).await;
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[tokio::test]
async fn sql_backends_walk() {
    let dbs = super::sql_support::default_dbs("sql_backends_walk").await;
    for (name, b) in &dbs.backends {
        eprintln!("{name}");
        assert!(b.capabilities().cursor);
        check(b).await;
    }
}
