//! Cursor walks (RFC 9865) through the whole request path (`ScimServer::handle`: auth, cursor
//! open, backend keyset read, encode, cursor seal): the first page of a walk against the last
//! page of a walk over a large tenant. Keyset paging makes both cost the same; offset paging
//! would make the last one pay for every row before it.
//!
//! ```sh
//! cargo bench --features sqlite --bench cursor -- --warm-up-time 1 --measurement-time 3
//! SCIMITAR_BENCH_USERS=1000000 cargo bench --features sqlite --bench cursor -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The data set (`SCIMITAR_BENCH_USERS`, default 10 000 so a plain run stays cheap; the
//! figures in BENCHMARKS.md are for 1 000 000; pages of 1 000) is built once before the first
//! measurement: through `create_user` on the memory backend, straight into the tables of a
//! temporary SQLite file for the SQL backend (feature `sqlite`). The whole walk is timed once
//! (printed), and its cursors kept: criterion then measures the first, the second and the last
//! page.
//! Figures are in BENCHMARKS.md, section "Cursor walks".

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use scimitar::auth::{Context, Principal, Secret, StaticTokenAuthenticator};
use scimitar::backend::{IdentityBackend, MemoryBackend};
use scimitar::resource::User;
use scimitar::server::ScimServer;
use serde_json::Value;
use tokio::runtime::Runtime;

const KEY: &str = "bench-key";
const BASE: &str = "https://id.example.com/scim/v2";
const PAGE: usize = 1000;

fn users() -> usize {
    std::env::var("SCIMITAR_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn ctx() -> Context {
    Context::new("bench", Principal::new("bench"))
}

/// A small user (no groups): what the walk reads is the same on both backends.
fn user(i: usize) -> User {
    let mut u = User::new(format!("user{i}@contoso.com"));
    u.external_id = Some(format!("5d48a0a8-e3e5-4a0b-9f67-{i:012}"));
    u.display_name = Some(format!("User {i}"));
    u.active = Some(true);
    u
}

fn server(backend: Arc<dyn IdentityBackend>) -> ScimServer {
    ScimServer::builder()
        .backend(backend)
        .authenticator(Arc::new(StaticTokenAuthenticator::new(
            &Secret::new(KEY),
            ctx(),
        )))
        .base_url(BASE)
        .limits(scimitar::Limits::default().with_max_count(PAGE))
        .cursor_key([7u8; 32])
        .cursor_timeout(Duration::from_secs(24 * 3600))
        .build()
        .unwrap_or_else(|e| panic!("server: {e}"))
}

async fn get(server: &ScimServer, cursor: &str) -> Value {
    let req = http::Request::get(format!("/scim/v2/Users?count={PAGE}&cursor={cursor}"))
        .header("authorization", format!("Bearer {KEY}"))
        .body(Bytes::new())
        .unwrap_or_else(|e| panic!("request: {e}"));
    let res = server.handle(req).await;
    assert_eq!(res.status(), 200);
    serde_json::from_slice(res.body()).unwrap_or_else(|e| panic!("body: {e}"))
}

/// Walks every page once; returns the cursors of the second and of the last page.
async fn prepare(server: &ScimServer) -> (String, String) {
    let n = users();
    let t = Instant::now();
    let (mut cursor, mut pages, mut seen) = (String::new(), 0, 0);
    let mut second = String::new();
    loop {
        let page = get(server, &cursor).await;
        pages += 1;
        seen += page["Resources"].as_array().map_or(0, Vec::len);
        match page["nextCursor"].as_str() {
            Some(next) => {
                cursor = next.to_owned();
                if pages == 1 {
                    second = cursor.clone();
                }
            }
            None => break,
        }
    }
    assert_eq!(seen, n, "the walk returned every user once");
    eprintln!(
        "full walk over {n} users: {pages} pages of {PAGE} in {:.2?}",
        t.elapsed()
    );
    // `cursor` now opens the last page (the one without nextCursor).
    (second, cursor)
}

fn walk(c: &mut Criterion, name: &str, rt: &Runtime, backend: Arc<dyn IdentityBackend>) {
    let server = server(backend);
    let (second, last) = rt.block_on(prepare(&server));
    let mut g = c.benchmark_group(format!("cursor_walk_{name}"));
    g.bench_function("first_page", |b| {
        b.iter(|| black_box(rt.block_on(get(&server, ""))))
    });
    // The first page of a SQL walk also counts the tenant once (totalResults), which later
    // pages carry; the second page shows a page without that count.
    g.bench_function("second_page", |b| {
        b.iter(|| black_box(rt.block_on(get(&server, &second))))
    });
    g.bench_function("last_page", |b| {
        b.iter(|| black_box(rt.block_on(get(&server, &last))))
    });
    g.finish();
}

fn memory(c: &mut Criterion) {
    let rt = Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let backend = MemoryBackend::new();
    let n = users();
    let t = Instant::now();
    rt.block_on(async {
        for i in 0..n {
            backend
                .create_user(&ctx(), user(i))
                .await
                .unwrap_or_else(|e| panic!("create: {e}"));
        }
    });
    eprintln!("memory: {n} users created in {:.1?}", t.elapsed());
    walk(c, "memory", &rt, Arc::new(backend));
}

#[cfg(feature = "sqlite")]
#[path = "support/sql_fill.rs"]
mod sql_fill;

#[cfg(feature = "sqlite")]
fn sql(c: &mut Criterion) {
    use scimitar::backend::sql::SqlBackend;
    let rt = Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let n = users();
    let path = std::env::temp_dir().join(format!("scimitar-cursor-{}.db", std::process::id()));
    let url = format!("sqlite://{}", path.display());
    let t = Instant::now();
    let backend = rt.block_on(async {
        let b = SqlBackend::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        sql_fill::fill(&url, "bench", n, user, 0).await;
        b
    });
    eprintln!("sqlite: {n} users written in {:.1?}", t.elapsed());
    walk(c, "sqlite", &rt, Arc::new(backend));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[cfg(not(feature = "sqlite"))]
fn sql(_: &mut Criterion) {
    eprintln!("cursor_walk_sqlite skipped: build with --features sqlite");
}

criterion_group!(benches, memory, sql);
criterion_main!(benches);
