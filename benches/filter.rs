//! Filter parsing and evaluation benches (RFC 7644 §3.4.2.2). Figures in BENCHMARKS.md.
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scimitar::Filter;
use scimitar::filter::ParseLimits;
use scimitar::schema::ResourceSchema;
use std::hint::black_box;

fn mix() -> Vec<String> {
    let mut v: Vec<String> = [
        r#"userName eq "bjensen""#,
        r#"userName eq "adele.vance@contoso.onmicrosoft.com""#,
        r#"externalId eq "8c1c1f2e-5b3a-4f6e-9d7a-2b1e4c3d5f60""#,
        r#"displayName eq "Sales and Marketing""#,
        r#"name.familyName co "O'Malley""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        r#"title pr"#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"title pr and userType eq "Employee""#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
        r#"((((active eq true and (userName sw "a" or userName sw "b")) or (x pr and y lt 10.5)))) and not (z eq null)"#,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(
        (0..100)
            .map(|i| format!(r#"id eq "2819c223-7f76-453a-919d-{i:012}""#))
            .collect::<Vec<_>>()
            .join(" or "),
    );
    v
}

fn parse(c: &mut Criterion) {
    c.bench_function("parse/userName eq", |b| {
        b.iter(|| Filter::parse(black_box(r#"userName eq "bjensen""#)))
    });
    let mix = mix();
    let bytes: usize = mix.iter().map(String::len).sum();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("mix", |b| {
        b.iter(|| {
            for f in &mix {
                black_box(
                    Filter::parse_with(
                        black_box(f),
                        &ParseLimits::DEFAULT.with_max_length(1 << 20),
                    )
                    .is_ok(),
                );
            }
        })
    });
    // The same without the 100-id chain: only short filters, where fixed costs weigh more.
    let short: Vec<&String> = mix.iter().filter(|f| f.len() < 1000).collect();
    let short_bytes: usize = short.iter().map(|f| f.len()).sum();
    g.throughput(Throughput::Bytes(short_bytes as u64));
    g.bench_function("mix without the or chain", |b| {
        b.iter(|| {
            for f in &short {
                black_box(Filter::parse(black_box(f)).is_ok());
            }
        })
    });
    g.finish();
    let big = ParseLimits::DEFAULT.with_max_length(usize::MAX);
    let mut g = c.benchmark_group("parse/length");
    for n in [1_000usize, 10_000, 100_000] {
        let mut s = String::new();
        let mut i = 0;
        while s.len() < n {
            if i > 0 {
                s.push_str(" or ");
            }
            s.push_str(&format!(
                r#"(userName eq "user{i}" and emails[type eq "work"])"#
            ));
            i += 1;
        }
        g.throughput(Throughput::Bytes(s.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &s, |b, s| {
            b.iter(|| Filter::parse_with(black_box(s), &big))
        });
    }
    g.finish();
    // Nested grouping: peers were seen to hang at 16-40 levels; here time grows with depth.
    let mut g = c.benchmark_group("parse/nesting");
    for depth in [8usize, 32, 64] {
        let s = format!(
            "{}userName eq \"x\"{}",
            "(title pr or ".repeat(depth),
            ")".repeat(depth)
        );
        g.bench_with_input(BenchmarkId::from_parameter(depth), &s, |b, s| {
            b.iter(|| Filter::parse(black_box(s)))
        });
    }
    g.finish();
}

fn eval(c: &mut Criterion) {
    let schema = ResourceSchema::user();
    let user: serde_json::Value =
        serde_json::from_str(include_str!("../tests/data/rfc7643/enterprise_user.json")).unwrap();
    let mut g = c.benchmark_group("eval");
    for (name, text) in [
        ("userName eq", r#"userName eq "bjensen@example.com""#),
        (
            "externalId eq (miss)",
            r#"externalId eq "8c1c1f2e-5b3a-4f6e-9d7a""#,
        ),
        (
            "value path",
            r#"emails[type eq "work" and value co "@example.com"]"#,
        ),
        (
            "rfc mix",
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org") and meta.lastModified ge "2011-05-13T04:42:34Z""#,
        ),
    ] {
        let compiled = Filter::parse(text).unwrap().compile(&schema).unwrap();
        g.bench_function(name, |b| b.iter(|| compiled.matches(black_box(&user))));
    }
    let f = Filter::parse(r#"userName eq "bjensen@example.com""#).unwrap();
    g.bench_function("compile+match userName eq", |b| {
        b.iter(|| f.matches(black_box(&user), &schema).is_ok())
    });
    g.finish();
}

criterion_group!(benches, parse, eval);
criterion_main!(benches);
