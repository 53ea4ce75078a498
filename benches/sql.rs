//! The SQL backend on SQLite, in-process: `userName eq` lookups, durable creates, one member
//! added to and removed from a 100 000-member group, and the file's bytes per typical Entra ID
//! user.
//!
//! ```sh
//! cargo bench --features sqlite --bench sql -- --warm-up-time 1 --measurement-time 3
//! SCIMITAR_BENCH_USERS=1000000 cargo bench --features sqlite --bench sql -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The data set (default 100 000 users, `SCIMITAR_BENCH_USERS` to change it; a group of up to
//! 100 000 of them) is written once, straight into the tables in large transactions, in a
//! temporary file; the timed operations then go through `IdentityBackend`.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use scimitar::Filter;
use scimitar::auth::{Context, Principal};
use scimitar::backend::IdentityBackend;
use scimitar::backend::sql::SqlBackend;
use scimitar::query::{ListQuery, Selection};
use scimitar::resource::{Member, User};
use serde_json::json;
use tokio::runtime::Runtime;

const TENANT: &str = "bench";
const GROUP_MEMBERS: usize = 100_000;
/// Requests in flight at once in the concurrent cases.
const CONCURRENT: usize = 32;

#[path = "support/sql_fill.rs"]
mod sql_fill;
use sql_fill::{GROUP_ID, fill};

/// A user as Entra ID's default attribute mapping provisions it.
fn typical_user(i: usize) -> User {
    User::from_json(json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "externalId": format!("5d48a0a8-e3e5-4a0b-9f67-{i:012}"),
        "userName": format!("user{i}@contoso.com"),
        "active": true,
        "displayName": format!("User {i}"),
        "title": "Sales Representative",
        "preferredLanguage": "en-US",
        "name": {"givenName": "User", "familyName": format!("Number{i}"), "formatted": format!("User Number{i}")},
        "emails": [{"primary": true, "type": "work", "value": format!("user{i}@contoso.com")}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": format!("{i}"),
            "department": "Sales"
        }
    }))
    .expect("a valid user")
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("SCIMITAR_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = Runtime::new().expect("runtime");
    let _in_runtime = rt.enter();
    let path = std::env::temp_dir().join(format!("scimitar-bench-{}.db", std::process::id()));
    let url = format!("sqlite://{}", path.display());
    let backend = rt.block_on(async {
        let b = SqlBackend::connect(&url).await.expect("connect");
        let started = Instant::now();
        fill(&url, TENANT, n, typical_user, GROUP_MEMBERS).await;
        eprintln!("filled {n} users in {:.1?}", started.elapsed());
        b
    });
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "SQLite file: {size} bytes for {n} typical Entra users and a group of {} members: {} bytes per user",
        n.min(GROUP_MEMBERS),
        size / n.max(1) as u64
    );
    let ctx = Context::new(TENANT, Principal::new("bench"));
    let mut g = c.benchmark_group("sql");
    let mut i = 0usize;
    g.bench_function(format!("lookup userName eq ({n} users)"), |b| {
        b.iter(|| {
            i = (i + 7919) % n;
            let f = Filter::parse(&format!(r#"userName eq "user{i}@contoso.com""#)).expect("f");
            let page = rt
                .block_on(backend.list_users(&ctx, &ListQuery::new().with_filter(f)))
                .expect("lookup");
            black_box(page)
        })
    });
    let mut k = n;
    g.bench_function("create user (durable)", |b| {
        b.iter(|| {
            k += 1;
            black_box(
                rt.block_on(backend.create_user(&ctx, typical_user(k)))
                    .expect("create"),
            )
        })
    });
    // 32 requests at once, as a server under load sees them: the writer task commits them
    // together (group commit); the figure is per batch of 32
    g.bench_function("32 concurrent creates (durable, group commit)", |b| {
        b.iter(|| {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..CONCURRENT {
                k += 1;
                let (backend, ctx, user) = (backend.clone(), ctx.clone(), typical_user(k));
                set.spawn(async move { backend.create_user(&ctx, user).await });
            }
            rt.block_on(async {
                while let Some(r) = set.join_next().await {
                    black_box(r.expect("task").expect("create"));
                }
            })
        })
    });
    let outsider = rt
        .block_on(backend.create_user(&ctx, User::new("outsider@contoso.com")))
        .expect("outsider")
        .id
        .expect("id");
    let lean = Selection::excluding(&["members"]);
    g.bench_function(
        format!("member add + remove ({} members)", n.min(GROUP_MEMBERS)),
        |b| {
            b.iter(|| {
                let add = [Member::user(&outsider)];
                rt.block_on(backend.modify_group_members(&ctx, GROUP_ID, &add, &[], None, &lean))
                    .expect("add");
                let remove = [outsider.clone()];
                black_box(
                    rt.block_on(backend.modify_group_members(
                        &ctx,
                        GROUP_ID,
                        &[],
                        &remove,
                        None,
                        &lean,
                    ))
                    .expect("remove"),
                )
            })
        },
    );
    // 32 users added to the group at once, then removed at once: 64 changes per iteration
    let outsiders: Vec<String> = (0..CONCURRENT)
        .map(|j| {
            rt.block_on(backend.create_user(&ctx, User::new(format!("outsider{j}@contoso.com"))))
                .expect("outsider")
                .id
                .expect("id")
        })
        .collect();
    g.bench_function(
        format!(
            "32 concurrent member adds + 32 removes ({} members)",
            n.min(GROUP_MEMBERS)
        ),
        |b| {
            b.iter(|| {
                for add in [true, false] {
                    let mut set = tokio::task::JoinSet::new();
                    for id in &outsiders {
                        let (backend, ctx, lean) = (backend.clone(), ctx.clone(), lean.clone());
                        let id = id.clone();
                        set.spawn(async move {
                            let (a, r) = if add {
                                (vec![Member::user(&id)], vec![])
                            } else {
                                (vec![], vec![id])
                            };
                            backend
                                .modify_group_members(&ctx, GROUP_ID, &a, &r, None, &lean)
                                .await
                        });
                    }
                    rt.block_on(async {
                        while let Some(r) = set.join_next().await {
                            black_box(r.expect("task").expect("member change"));
                        }
                    })
                }
            })
        },
    );
    g.bench_function("get group excluding members", |b| {
        b.iter(|| {
            black_box(
                rt.block_on(backend.get_group(&ctx, GROUP_ID, &lean))
                    .expect("get"),
            )
        })
    });
    g.finish();
    rt.block_on(backend.close());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
