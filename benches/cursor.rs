//! Cursor walks (RFC 9865) through the whole request path (`ScimServer::handle`: auth, cursor
//! open, backend keyset read, encode, cursor seal): the first page of a walk against the last
//! page of a walk over a large tenant. Keyset paging makes both cost the same; offset paging
//! would make the last one pay for every row before it.
//!
//! ```sh
//! cargo bench --bench cursor -- --warm-up-time 1 --measurement-time 3
//! SCIMITAR_BENCH_USERS=100000 cargo bench --bench cursor
//! # the SQL backend as well (a SQLite file; PostgreSQL with a postgres:// URL and --features postgres):
//! SCIMITAR_BENCH_SQL_URL=sqlite:///tmp/cursor-bench.db cargo bench --features sqlite --bench cursor
//! ```
//!
//! The data set (default 1 000 000 users, pages of 1 000) is built once, straight into the
//! backend, before the first measurement; the cursor of the last page is found by walking
//! every page once. Figures are in BENCHMARKS.md, section "Cursor walks".

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
        .unwrap_or(1_000_000)
}

fn ctx() -> Context {
    Context::new("bench", Principal::new("bench"))
}

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

/// Fills the backend, then walks every page once; returns the cursor of the last page.
async fn prepare(backend: &Arc<dyn IdentityBackend>, server: &ScimServer) -> String {
    let n = users();
    let t = Instant::now();
    let c = ctx();
    for i in 0..n {
        backend
            .create_user(&c, user(i))
            .await
            .unwrap_or_else(|e| panic!("create: {e}"));
    }
    eprintln!("{n} users created in {:?}", t.elapsed());
    let t = Instant::now();
    let (mut cursor, mut pages, mut seen) = (String::new(), 0, 0);
    loop {
        let page = get(server, &cursor).await;
        pages += 1;
        seen += page["Resources"].as_array().map_or(0, Vec::len);
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, n, "the walk returned every user once");
    eprintln!("full walk: {pages} pages of {PAGE} in {:?}", t.elapsed());
    // `cursor` now opens the last page (the one without nextCursor).
    cursor
}

fn walk(c: &mut Criterion, name: &str, rt: &Runtime, backend: Arc<dyn IdentityBackend>) {
    let server = server(backend.clone());
    let last = rt.block_on(prepare(&backend, &server));
    let mut g = c.benchmark_group(format!("cursor_walk_{name}"));
    g.bench_function("first_page", |b| {
        b.iter(|| black_box(rt.block_on(get(&server, ""))))
    });
    g.bench_function("last_page", |b| {
        b.iter(|| black_box(rt.block_on(get(&server, &last))))
    });
    g.finish();
}

fn memory(c: &mut Criterion) {
    let rt = Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    walk(c, "memory", &rt, Arc::new(MemoryBackend::new()));
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn sql(c: &mut Criterion) {
    use scimitar::backend::sql::{SqlBackend, SqlOptions};
    let Ok(url) = std::env::var("SCIMITAR_BENCH_SQL_URL") else {
        eprintln!("cursor_walk_sql skipped: set SCIMITAR_BENCH_SQL_URL");
        return;
    };
    let rt = Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let backend = rt
        .block_on(SqlBackend::connect_with(SqlOptions::new(url)))
        .unwrap_or_else(|e| panic!("connect: {e}"));
    walk(c, "sql", &rt, Arc::new(backend));
}

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
fn sql(_: &mut Criterion) {}

criterion_group!(benches, memory, sql);
criterion_main!(benches);
