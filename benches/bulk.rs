//! `POST /Bulk` in process (RFC 7644 §3.7): one bulk request of 1 000 user creates (each a
//! typical Entra ID user), and the same with a group that references all of them by bulkId,
//! through `ScimServer::handle` on a fresh memory backend each time.
//!
//! ```sh
//! cargo bench --bench bulk -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! Figures are in BENCHMARKS.md, section "Bulk".

use std::hint::black_box;
use std::sync::Arc;

use bytes::Bytes;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use scimitar::auth::{Context, Principal, Secret, StaticTokenAuthenticator};
use scimitar::backend::MemoryBackend;
use scimitar::server::{Limits, ScimServer};
use serde_json::{Value, json};

const KEY: &str = "bench-key";
const BASE: &str = "https://id.example.com/scim/v2";
const USERS: usize = 1000;

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

/// The bulk body: `USERS` creates, plus (with `group`) a group of all of them by bulkId.
fn body(group: bool) -> Bytes {
    let mut ops: Vec<Value> = (0..USERS)
        .map(|i| {
            json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"),
                   "data": typical_user(i)})
        })
        .collect();
    if group {
        let members: Vec<Value> = (0..USERS)
            .map(|i| json!({"type": "User", "value": format!("bulkId:u{i}")}))
            .collect();
        ops.push(json!({"method": "POST", "path": "/Groups", "bulkId": "all",
                        "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                 "displayName": "Everyone", "members": members}}));
    }
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                      "Operations": ops});
    Bytes::from(serde_json::to_vec(&body).expect("json"))
}

fn server() -> ScimServer {
    let ctx = Context::new("bench", Principal::new("entra"));
    ScimServer::builder()
        .backend(Arc::new(MemoryBackend::new()))
        .authenticator(Arc::new(StaticTokenAuthenticator::new(
            &Secret::new(KEY),
            ctx,
        )))
        .base_url(BASE)
        .limits(
            Limits::default()
                .with_max_bulk_operations(USERS + 1)
                .with_max_bulk_payload_bytes(4 << 20),
        )
        .build()
        .expect("server")
}

fn request(body: &Bytes) -> http::Request<Bytes> {
    http::Request::post("/scim/v2/Bulk")
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/scim+json")
        .body(body.clone())
        .expect("request")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("bulk");
    g.sample_size(10);
    for (name, group) in [
        ("1000_user_creates", false),
        ("1000_user_creates_and_group", true),
    ] {
        let body = body(group);
        // one check outside the measurement: every operation succeeds
        let res = rt.block_on(server().handle(request(&body)));
        let v: Value = serde_json::from_slice(res.body()).expect("json");
        let ops = v["Operations"].as_array().expect("operations");
        assert_eq!(ops.len(), USERS + usize::from(group));
        assert!(
            ops.iter().all(|o| o["status"] == "201"),
            "{:?}",
            ops.first()
        );
        g.bench_function(name, |b| {
            b.iter_batched(
                || (server(), request(&body)),
                |(s, req)| black_box(rt.block_on(s.handle(req))),
                BatchSize::PerIteration,
            );
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
