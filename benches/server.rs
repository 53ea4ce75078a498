//! The whole request path in-process: `ScimServer::handle` (auth → route → decode → query →
//! memory backend → encode) on a tenant holding many typical Entra ID users.
//!
//! ```sh
//! cargo bench --bench server -- --warm-up-time 1 --measurement-time 3
//! SCIMITAR_BENCH_USERS=100000 cargo bench --bench server -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The data set (default 1 000 000 users, `SCIMITAR_BENCH_USERS` to change it, and a group of
//! 100 000 of them) is built once, straight into the backend, before the first measurement.
//! Figures and how they compare with the targets are in BENCHMARKS.md, section "Server".

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use scimitar::auth::{Context, Principal, Secret, StaticTokenAuthenticator};
use scimitar::backend::{IdentityBackend, MemoryBackend};
use scimitar::resource::{Group, Member, User};
use scimitar::server::ScimServer;
use serde_json::{Value, json};
use tokio::runtime::Runtime;

const KEY: &str = "bench-key";
const BASE: &str = "https://id.example.com/scim/v2";
/// Members of the group the member PATCH benches change.
const GROUP_MEMBERS: usize = 100_000;

/// A user as Entra ID's default attribute mapping provisions it.
fn typical_user(i: usize) -> Value {
    json!({
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
    })
}

struct Fixture {
    rt: Runtime,
    server: ScimServer,
    users: usize,
    /// Ids of the users that are not members of the group, for the member PATCH benches.
    outsiders: Vec<String>,
    group_id: String,
}

fn fixture() -> Fixture {
    let users: usize = std::env::var("SCIMITAR_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
        .max(GROUP_MEMBERS + 1000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let backend = Arc::new(MemoryBackend::new());
    let ctx = Context::new("bench", Principal::new("entra"));
    let auth = StaticTokenAuthenticator::new(&Secret::new(KEY), ctx.clone());
    let server = ScimServer::builder()
        .backend(backend.clone())
        .authenticator(Arc::new(auth))
        .base_url(BASE)
        .build()
        .expect("server");

    let before = memory_kib();
    let started = Instant::now();
    let (group_id, outsiders) = rt.block_on(async {
        let mut ids = Vec::with_capacity(users);
        for i in 0..users {
            let user = User::from_json(typical_user(i)).expect("user");
            let created = backend.create_user(&ctx, user).await.expect("create");
            ids.push(created.id.expect("id"));
        }
        let mut group = Group::new("All Sales");
        group.members = ids[..GROUP_MEMBERS].iter().map(Member::user).collect();
        let group = backend.create_group(&ctx, group).await.expect("group");
        (group.id.expect("group id"), ids.split_off(users - 1000))
    });
    let after = memory_kib();
    eprintln!(
        "server bench data: {users} users and a {GROUP_MEMBERS}-member group built in {:.1?}; \
         VmRSS {} -> {} KiB, VmHWM {} KiB: {:.0} bytes of resident memory per user",
        started.elapsed(),
        before.0,
        after.0,
        after.1,
        (after.0.saturating_sub(before.0) * 1024) as f64 / users as f64
    );
    Fixture {
        rt,
        server,
        users,
        outsiders,
        group_id,
    }
}

/// (VmRSS, VmHWM) of this process in KiB, from /proc/self/status (0 where unavailable).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn request(method: &str, path_and_query: &str, body: Option<&Value>) -> http::Request<Bytes> {
    let builder = http::Request::builder()
        .method(method)
        .uri(format!("/scim/v2{path_and_query}"))
        .header("Authorization", format!("Bearer {KEY}"));
    match body {
        Some(body) => builder
            .header("Content-Type", "application/scim+json; charset=utf-8")
            .body(Bytes::from(body.to_string())),
        None => builder.body(Bytes::new()),
    }
    .expect("request")
}

fn handle(f: &Fixture, req: http::Request<Bytes>, want: &[u16]) {
    let response = f.rt.block_on(f.server.handle(req));
    let status = response.status().as_u16();
    assert!(want.contains(&status), "{status}: {:?}", response.body());
    black_box(response);
}

fn member_patch(op: &str, id: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": op, "path": "members", "value": [{"$ref": null, "value": id}]}]
    })
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    let label = if f.users >= 1_000_000 {
        format!("{}M_users", f.users / 1_000_000)
    } else {
        format!("{}k_users", f.users / 1000)
    };
    let mut g = c.benchmark_group(format!("server/{label}"));

    // Entra ID's matching lookup: GET /Users?filter=userName eq "…".
    let mut k = 0usize;
    g.bench_function("lookup_userName_eq", |b| {
        b.iter_batched(
            || {
                k = (k + 7919) % f.users;
                request(
                    "GET",
                    &format!("/Users?filter=userName+eq+%22user{k}%40contoso.com%22"),
                    None,
                )
            },
            |req| handle(&f, req, &[200]),
            BatchSize::SmallInput,
        )
    });

    // Create with the full default mapping (the data set grows by the iterations).
    let mut n = f.users;
    g.bench_function("create_user", |b| {
        b.iter_batched(
            || {
                n += 1;
                request("POST", "/Users", Some(&typical_user(n)))
            },
            |req| handle(&f, req, &[201]),
            BatchSize::SmallInput,
        )
    });

    // Entra ID's member PATCH on a 100 000-member group: one member added, then removed. As
    // Entra sends it the answer is 204 with the new ETag (RFC 7644 §3.5.2 allows it; a 200
    // would carry every member back); with excludedAttributes=members it is 200 with the group
    // without its members.
    g.finish();
    let mut g = c.benchmark_group(format!("server/{label}/patch_group_100k"));
    g.sample_size(10);
    for (name, query, status) in [
        (
            "member_add_remove_excluding_members",
            "?excludedAttributes=members",
            200,
        ),
        ("member_add_remove_as_entra_sends_it", "", 204),
    ] {
        let mut i = 0usize;
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    i += 1;
                    let who = &f.outsiders[(i / 2) % f.outsiders.len()];
                    let op = if i % 2 == 1 { "Add" } else { "Remove" };
                    let path = format!("/Groups/{}{query}", f.group_id);
                    request("PATCH", &path, Some(&member_patch(op, who)))
                },
                |req| handle(&f, req, &[status]),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(server, benches);
criterion_main!(server);
