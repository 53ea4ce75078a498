//! PATCH engine benchmarks (RFC 7644 §3.5.2); figures and commands in BENCHMARKS.md `## PATCH`.
//!
//! - `entra_user/*`: a typical Entra ID user PATCH (5 operations): decode, apply, both.
//! - `group_10k/remove_100_add_100`: decode + apply of 100 `members[value eq "…"]` removals and a
//!   100-member add to a 10 000-member group's JSON (one pass: O(members + changes)).
//! - `*/baseline_*`: reference points measured in the same run (parsing the body into a JSON
//!   tree; reading every member once), since the machine is shared and noisy.
//! - `member_delta/{1000,10000,100000}`: the same request turned into a member delta and applied
//!   to a membership index of that size (O(changes): flat in the group size).
//! - `whole_group/{1000,10000,100000}`: the same request applied to the whole group JSON, for
//!   contrast (O(members)).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use scimitar::Compat;
use scimitar::patch::{MemberChange, PatchLimits, PatchRequest};
use scimitar::schema::ResourceSchema;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::hint::black_box;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn entra_user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "adele@contoso.com",
        "active": true,
        "displayName": "Adele Vance",
        "name": {"givenName": "Adele", "familyName": "Vance"},
        "emails": [{"type": "work", "value": "adele@contoso.com", "primary": true}],
        ENTERPRISE: {"department": "Sales"},
        "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00Z"}
    })
}

const ENTRA_BODY: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
{"op":"Replace","path":"displayName","value":"Adele V."},
{"op":"Replace","path":"active","value":"False"},
{"op":"Replace","path":"emails[type eq \"work\"].value","value":"adele.v@contoso.com"},
{"op":"Replace","path":"name.givenName","value":"Adèle"},
{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Retail"}]}"#;

fn group(n: usize) -> Value {
    let members: Vec<Value> = (0..n)
        .map(|i| json!({"value": format!("user-{i:06}"), "display": format!("User {i}")}))
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Everyone",
        "members": members
    })
}

/// 100 removals by filter (spread over the list) and one add of 100 new members.
fn member_body(n: usize) -> Vec<u8> {
    let step = n / 100;
    let mut ops: Vec<Value> = (0..100)
        .map(|k| json!({"op": "remove", "path": format!("members[value eq \"user-{:06}\"]", k * step)}))
        .collect();
    let adds: Vec<Value> = (0..100)
        .map(|k| json!({"$ref": null, "value": format!("new-{k:03}")}))
        .collect();
    ops.push(json!({"op": "Add", "path": "members", "value": adds}));
    serde_json::to_vec(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops
    }))
    .unwrap()
}

fn decode(body: &[u8]) -> PatchRequest {
    PatchRequest::from_slice(body, &Compat::default(), &PatchLimits::default()).unwrap()
}

fn bench_user(c: &mut Criterion) {
    let schema = ResourceSchema::user();
    let user = entra_user();
    let mut g = c.benchmark_group("entra_user");
    // reference point on the same machine state: parsing the body into a JSON tree
    g.bench_function("baseline_parse_body_to_value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(ENTRA_BODY.as_bytes())).unwrap())
    });
    g.bench_function("decode", |b| {
        b.iter(|| decode(black_box(ENTRA_BODY.as_bytes())))
    });
    let req = decode(ENTRA_BODY.as_bytes());
    g.bench_function("apply", |b| {
        b.iter_batched_ref(
            || user.clone(),
            |u| req.apply(u, &schema).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("decode_apply_5_replaces", |b| {
        b.iter_batched_ref(
            || user.clone(),
            |u| {
                let req = decode(black_box(ENTRA_BODY.as_bytes()));
                req.apply(u, &schema).unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn bench_group(c: &mut Criterion) {
    let schema = ResourceSchema::group();
    let g10k = group(10_000);
    let body = member_body(10_000);
    let mut g = c.benchmark_group("group_10k");
    // reference points: parsing the request body, and reading every member's id once
    g.bench_function("baseline_parse_body_to_value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&body)).unwrap())
    });
    g.bench_function("baseline_scan_members", |b| {
        b.iter_batched_ref(
            || g10k.clone(),
            |g| {
                g["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|m| m["value"].as_str().is_some_and(|v| v.ends_with('7')))
                    .count()
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("remove_100_add_100", |b| {
        b.iter_batched_ref(
            || g10k.clone(),
            |g| {
                let req = decode(black_box(&body));
                req.apply(g, &schema).unwrap()
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn bench_delta(c: &mut Criterion) {
    let schema = ResourceSchema::group();
    let mut delta = c.benchmark_group("member_delta");
    for n in [1_000usize, 10_000, 100_000] {
        // a backend's membership index: member id -> member
        let mut store: HashMap<String, Value> = (0..n)
            .map(|i| {
                (
                    format!("user-{i:06}"),
                    json!({"value": format!("user-{i:06}")}),
                )
            })
            .collect();
        let body = member_body(n);
        delta.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            // the store is changed in place: after the first iteration the removals miss and
            // the adds find their members, which costs the same hash lookups
            b.iter(|| {
                let req = decode(black_box(&body));
                let patch = req.group_delta(&schema).unwrap().unwrap();
                if let MemberChange::Delta { remove, add } = patch.members {
                    for id in &remove {
                        store.remove(id);
                    }
                    for m in add {
                        store.entry(m.value.clone()).or_insert_with(|| m.to_json());
                    }
                }
            })
        });
    }
    delta.finish();

    let mut whole = c.benchmark_group("whole_group");
    for n in [1_000usize, 10_000, 100_000] {
        let g = group(n);
        let body = member_body(n);
        whole.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_batched_ref(
                || g.clone(),
                |g| decode(black_box(&body)).apply(g, &schema).unwrap(),
                BatchSize::LargeInput,
            )
        });
    }
    whole.finish();
}

criterion_group!(benches, bench_user, bench_group, bench_delta);
criterion_main!(benches);
