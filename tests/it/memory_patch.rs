//! PATCH on the memory backend: Entra ID's and Okta's forms, the member delta, atomicity under
//! concurrency, versions.

use scimitar::auth::{Context, Principal};
use scimitar::backend::{BackendErrorKind, IdentityBackend, MemoryBackend};
use scimitar::query::Selection;
use scimitar::resource::{Group, Member, User, VersionCondition};
use scimitar::schema::ResourceSchema;
use scimitar::{Compat, PatchLimits, PatchRequest};
use serde_json::{Value, json};
use std::sync::Arc;

fn ctx() -> Context {
    Context::new("t", Principal::new("test"))
}

fn patch(ops: Value) -> PatchRequest {
    PatchRequest::from_value(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}),
        &Compat::default(),
        &PatchLimits::default(),
    )
    .unwrap()
}

fn all() -> Selection {
    Selection::all()
}

#[tokio::test]
async fn entra_user_patch() {
    let b = MemoryBackend::new();
    let c = ctx();
    let schema = ResourceSchema::user();
    let u = b
        .create_user(&c, User::new("adele@contoso.com").with_active(true))
        .await
        .unwrap();
    let id = u.id.clone().unwrap();
    let p = patch(json!([
        {"op": "Replace", "path": "displayName", "value": "Adele V."},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@contoso.com"},
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Retail"}
    ]));
    let out = b.patch_user(&c, &id, &p, &schema, None).await.unwrap();
    assert_eq!(out.display_name.as_deref(), Some("Adele V."));
    assert_eq!(out.active, Some(false));
    assert_eq!(out.email_of_type("work"), Some("new@contoso.com"));
    assert_eq!(
        out.enterprise().unwrap().department.as_deref(),
        Some("Retail")
    );
    assert_ne!(
        out.meta.as_ref().unwrap().version,
        u.meta.as_ref().unwrap().version
    );
    assert_eq!(b.get_user(&c, &id, &all()).await.unwrap(), out);

    // a PATCH that changes nothing keeps version and lastModified
    let again = b.patch_user(&c, &id, &p, &schema, None).await.unwrap();
    assert_eq!(again.meta, out.meta);

    // userName taken by another user → 409, nothing changed
    b.create_user(&c, User::new("bob")).await.unwrap();
    let e = b
        .patch_user(
            &c,
            &id,
            &patch(json!([{"op": "replace", "path": "userName", "value": "BOB"}])),
            &schema,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), BackendErrorKind::Uniqueness);
    // an invalid operation → 400, all or nothing
    let e = b
        .patch_user(
            &c,
            &id,
            &patch(json!([
                {"op": "replace", "path": "title", "value": "CEO"},
                {"op": "replace", "path": "nope", "value": 1}
            ])),
            &schema,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.status().as_u16(), 400);
    assert_eq!(b.get_user(&c, &id, &all()).await.unwrap(), out);
    // If-Match
    let stale = VersionCondition::OneOf(vec![u.meta.unwrap().version.unwrap()]);
    let e = b
        .patch_user(
            &c,
            &id,
            &patch(json!([{"op": "replace", "path": "title", "value": "x"}])),
            &schema,
            Some(&stale),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), BackendErrorKind::PreconditionFailed);
}

#[tokio::test]
async fn group_patch_forms() {
    let b = MemoryBackend::new();
    let c = ctx();
    let schema = ResourceSchema::group();
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            b.create_user(&c, User::new(format!("u{i}")))
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let g = b
        .create_group(&c, Group::new("Sales"))
        .await
        .unwrap()
        .id
        .unwrap();
    let members = |v: &[&String]| -> Value {
        Value::Array(
            v.iter()
                .map(|id| json!({"$ref": null, "value": id}))
                .collect(),
        )
    };
    // Entra add
    let out = b
        .patch_group(&c, &g, &patch(json!([{"op": "Add", "path": "members", "value": members(&[&ids[0], &ids[1], &ids[2]])}])), &schema, None, &all())
        .await
        .unwrap();
    assert_eq!(out.members.len(), 3);
    // Entra remove with a value list removes only those
    let out = b
        .patch_group(
            &c,
            &g,
            &patch(json!([{"op": "Remove", "path": "members", "value": members(&[&ids[1]])}])),
            &schema,
            None,
            &all(),
        )
        .await
        .unwrap();
    let mut left: Vec<_> = out.member_ids().map(str::to_owned).collect();
    left.sort();
    let mut want = vec![ids[0].clone(), ids[2].clone()];
    want.sort();
    assert_eq!(left, want);
    assert!(
        b.get_user(&c, &ids[1], &all())
            .await
            .unwrap()
            .groups
            .is_empty()
    );
    // RFC value-filter removal
    let out = b
        .patch_group(
            &c,
            &g,
            &patch(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])}])),
            &schema,
            None,
            &all(),
        )
        .await
        .unwrap();
    assert_eq!(out.member_ids().collect::<Vec<_>>(), [ids[2].as_str()]);
    // rename + add in one request, returned without members when excluded
    let out = b
        .patch_group(
            &c,
            &g,
            &patch(json!([
                {"op": "replace", "path": "displayName", "value": "Sales EU"},
                {"op": "add", "path": "members", "value": [{"value": ids[3]}]}
            ])),
            &schema,
            None,
            &Selection::excluding(&["members"]),
        )
        .await
        .unwrap();
    assert_eq!(out.display_name, "Sales EU");
    assert!(out.members.is_empty());
    assert_eq!(b.get_group(&c, &g, &all()).await.unwrap().members.len(), 2);
    assert_eq!(
        b.get_user(&c, &ids[3], &all()).await.unwrap().groups[0]
            .display
            .as_deref(),
        Some("Sales EU")
    );
    // replace members (Okta-style full list)
    let out = b
        .patch_group(
            &c,
            &g,
            &patch(json!([{"op": "replace", "path": "members", "value": [{"value": ids[1]}]}])),
            &schema,
            None,
            &all(),
        )
        .await
        .unwrap();
    assert_eq!(out.member_ids().collect::<Vec<_>>(), [ids[1].as_str()]);
    assert!(
        b.get_user(&c, &ids[3], &all())
            .await
            .unwrap()
            .groups
            .is_empty()
    );
    // remove all members
    let out = b
        .patch_group(
            &c,
            &g,
            &patch(json!([{"op": "remove", "path": "members"}])),
            &schema,
            None,
            &all(),
        )
        .await
        .unwrap();
    assert!(out.members.is_empty());
    // a member that does not exist → 400 and nothing changed
    let before = b.get_group(&c, &g, &all()).await.unwrap();
    let e = b
        .patch_group(
            &c,
            &g,
            &patch(json!([
                {"op": "replace", "path": "displayName", "value": "X"},
                {"op": "add", "path": "members", "value": [{"value": "not-a-member"}]}
            ])),
            &schema,
            None,
            &all(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status().as_u16(), 400);
    assert_eq!(b.get_group(&c, &g, &all()).await.unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_group_patches_lose_no_update() {
    let b = Arc::new(MemoryBackend::new());
    let c = ctx();
    let g = b
        .create_group(&c, Group::new("G"))
        .await
        .unwrap()
        .id
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..100 {
        ids.push(
            b.create_user(&c, User::new(format!("u{i}")))
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let mut tasks = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let (b, c, g, id) = (b.clone(), c.clone(), g.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let schema = ResourceSchema::group();
            // every task adds its member and renames the group: each rename is a whole-shell
            // change racing with the member additions
            let p = patch(json!([
                {"op": "add", "path": "members", "value": [{"value": id}]},
                {"op": "replace", "path": "displayName", "value": format!("G{i}")}
            ]));
            b.patch_group(
                &c,
                &g,
                &p,
                &schema,
                None,
                &Selection::excluding(&["members"]),
            )
            .await
            .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let group = b.get_group(&c, &g, &all()).await.unwrap();
    assert_eq!(group.members.len(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_user_patches_lose_no_update() {
    let b = Arc::new(MemoryBackend::new());
    let c = ctx();
    let id = b.create_user(&c, User::new("u")).await.unwrap().id.unwrap();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (b, c, id) = (b.clone(), c.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let p = patch(json!([{"op": "add", "path": "emails", "value": [{"value": format!("e{i}@x"), "type": "other"}]}]));
            b.patch_user(&c, &id, &p, &ResourceSchema::user(), None).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(b.get_user(&c, &id, &all()).await.unwrap().emails.len(), 50);
}

#[tokio::test]
async fn member_delta_on_a_large_group() {
    let b = MemoryBackend::new();
    let c = ctx();
    let mut ids = Vec::new();
    for i in 0..5000 {
        ids.push(
            b.create_user(&c, User::new(format!("u{i}")))
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let mut g = Group::new("big");
    g.members = ids.iter().map(Member::user).collect();
    let g = b.create_group(&c, g).await.unwrap().id.unwrap();
    let extra = b
        .create_user(&c, User::new("extra"))
        .await
        .unwrap()
        .id
        .unwrap();
    let lean = Selection::excluding(&["members"]);
    let out = b
        .patch_group(
            &c,
            &g,
            &patch(json!([
                {"op": "add", "path": "members", "value": [{"value": extra}]},
                {"op": "remove", "path": format!("members[value eq \"{}\"]", ids[7])}
            ])),
            &ResourceSchema::group(),
            None,
            &lean,
        )
        .await
        .unwrap();
    assert!(out.members.is_empty());
    let full = b.get_group(&c, &g, &all()).await.unwrap();
    assert_eq!(full.members.len(), 5000);
    assert!(full.has_member(&extra));
    assert!(!full.has_member(&ids[7]));
}
