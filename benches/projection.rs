//! Projection (`attributes` / `excludedAttributes`) and validation over the RFC 7643 §8
//! examples and a large group: what runs on every element of a list response and on every
//! create/replace/PATCH result.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use scimitar::query::projection::Projection;
use scimitar::query::validate::{self, ValidateOptions};
use scimitar::schema::ResourceSchema;
use serde_json::{Value, json};
use std::hint::black_box;
use std::sync::Arc;

fn load(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn projection(c: &mut Criterion) {
    let users = Arc::new(ResourceSchema::user());
    let full = load(include_str!("../tests/data/rfc7643/full_user.json"));
    let ent = load(include_str!("../tests/data/rfc7643/enterprise_user.json"));
    let mut g = c.benchmark_group("projection");
    let cases = [
        ("default", None, None),
        ("attributes=userName", Some("userName"), None),
        (
            "attributes=userName,name.givenName,emails.value,employeeNumber",
            Some("userName,name.givenName,emails.value,employeeNumber"),
            None,
        ),
        (
            "excludedAttributes=groups,x509Certificates",
            None,
            Some("groups,x509Certificates"),
        ),
    ];
    for (name, attrs, excl) in cases {
        let Ok(p) = Projection::from_query(Arc::clone(&users), attrs, excl) else {
            continue;
        };
        g.bench_with_input(
            BenchmarkId::new("project_full_user", name),
            &full,
            |b, u| b.iter(|| p.project(black_box(u))),
        );
        g.bench_with_input(
            BenchmarkId::new("apply_enterprise_user", name),
            &ent,
            |b, u| {
                b.iter_batched(
                    || u.clone(),
                    |mut v| {
                        p.apply(&mut v);
                        v
                    },
                    criterion::BatchSize::SmallInput,
                )
            },
        );
    }
    g.bench_function("baseline_clone_full_user", |b| {
        b.iter(|| black_box(&full).clone())
    });
    g.bench_function("from_query(userName,emails.value)", |b| {
        b.iter(|| {
            Projection::from_query(
                Arc::clone(&users),
                black_box(Some("userName,emails.value")),
                None,
            )
        })
    });
    let groups = Arc::new(ResourceSchema::group());
    let members: Vec<Value> = (0..10_000)
        .map(|i| json!({"value": format!("user-{i}"), "display": format!("User {i}")}))
        .collect();
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g", "displayName": "Big", "members": members
    });
    let Ok(p) = Projection::from_query(groups, None, Some("members")) else {
        return;
    };
    g.bench_function(
        "project_group_10000_members/excludedAttributes=members",
        |b| b.iter(|| p.project(black_box(&group))),
    );
    g.finish();
}

fn validation(c: &mut Criterion) {
    let users = ResourceSchema::user();
    let full = load(include_str!("../tests/data/rfc7643/full_user.json"));
    let ent = load(include_str!("../tests/data/rfc7643/enterprise_user.json"));
    let opts = ValidateOptions::default();
    let mut g = c.benchmark_group("validate");
    g.bench_function("check_full_user", |b| {
        b.iter(|| validate::check(black_box(&full), &users, &opts))
    });
    g.bench_function("for_create_enterprise_user", |b| {
        b.iter_batched(
            || ent.clone(),
            |mut v| validate::for_create(&mut v, &users, &opts).map(|()| v),
            criterion::BatchSize::SmallInput,
        )
    });
    g.bench_function("for_replace_enterprise_user", |b| {
        b.iter_batched(
            || ent.clone(),
            |mut v| validate::for_replace(&mut v, &ent, &users, &opts).map(|()| v),
            criterion::BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, projection, validation);
criterion_main!(benches);
