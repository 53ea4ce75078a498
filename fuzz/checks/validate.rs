//! The `validate` check: `validate::for_create` on any JSON body, and `Projection::from_query`
//! + `apply` with any `attributes` / `excludedAttributes` text, for Users and Groups.
//!
//! Input format: line 1 is the `attributes` value, line 2 the `excludedAttributes` value (an
//! empty line means "not given"), the rest is the JSON body.
//!
//! Invariants: no panic; a body `for_create` accepts passes `validate::check` with the same
//! options and is left unchanged by a second `for_create`; a projection never drops `schemas`
//! or `id`, never keeps a User's `password`, is idempotent, and `project` equals `apply` on a copy.

use scimitar::query::projection::Projection;
use scimitar::query::validate::{ValidateOptions, check, for_create};
use scimitar::schema::ResourceSchema;
use serde_json::Value;
use std::sync::{Arc, LazyLock};

static USER: LazyLock<Arc<ResourceSchema>> = LazyLock::new(|| Arc::new(ResourceSchema::user()));
static GROUP: LazyLock<Arc<ResourceSchema>> = LazyLock::new(|| Arc::new(ResourceSchema::group()));

/// Runs every check on one input.
pub fn validate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.splitn(3, '\n');
    let attributes = lines.next().filter(|s| !s.is_empty());
    let excluded = lines.next().filter(|s| !s.is_empty());
    let body = serde_json::from_str::<Value>(lines.next().unwrap_or("")).ok();
    for schema in [&*USER, &*GROUP] {
        let mut created = Vec::new();
        if let Some(body) = &body {
            for options in [ValidateOptions::default(), ValidateOptions::strict()] {
                let mut v = body.clone();
                if for_create(&mut v, schema, &options).is_ok() {
                    if let Err(e) = check(&v, schema, &options) {
                        panic!("{body} created as {v}, which does not check: {e}");
                    }
                    let mut again = v.clone();
                    match for_create(&mut again, schema, &options) {
                        Ok(()) => assert_eq!(again, v, "{body}: for_create is not idempotent"),
                        Err(e) => panic!("{body} created as {v}, which is refused: {e}"),
                    }
                    created.push(v);
                }
            }
            created.push(body.clone());
        }
        let Ok(projection) = Projection::from_query(schema.clone(), attributes, excluded) else {
            continue;
        };
        let is_user = Arc::ptr_eq(schema, &USER);
        for v in created {
            project(&projection, v, is_user);
        }
    }
}

fn project(projection: &Projection, v: Value, is_user: bool) {
    let mut once = v.clone();
    projection.apply(&mut once);
    assert_eq!(projection.project(&v), once, "project != apply for {v}");
    let mut twice = once.clone();
    projection.apply(&mut twice);
    assert_eq!(twice, once, "projection not idempotent on {v}");
    let (Value::Object(before), Value::Object(after)) = (&v, &once) else {
        return;
    };
    for key in ["schemas", "id"] {
        if before.contains_key(key) {
            assert!(after.contains_key(key), "{key} dropped from {v}");
        }
    }
    assert!(
        !is_user || !after.keys().any(|k| k.eq_ignore_ascii_case("password")),
        "password kept in {v}"
    );
}
