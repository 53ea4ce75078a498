//! The SQL backend through the public `IdentityBackend` API, on SQLite and (when configured)
//! PostgreSQL: ids and meta, uniqueness, versions and `If-Match`, tenants, member links,
//! bounded scans, and writers racing on one user, one group and one `userName`.

use super::sql_support::{dbs, default_dbs};
use scimitar::Filter;
use scimitar::auth::{Context, Principal};
use scimitar::backend::sql::{SqlBackend, SqlOptions};
use scimitar::backend::{BackendErrorKind, IdentityBackend};
use scimitar::query::{ListQuery, Selection};
use scimitar::resource::{Group, Member, User, VersionCondition};
use scimitar::schema::ResourceSchema;
use scimitar::{Compat, PatchLimits, PatchRequest};
use serde_json::{Value, json};

fn ctx(t: &str) -> Context {
    Context::new(t, Principal::new("test"))
}

fn all() -> Selection {
    Selection::all()
}

fn q(filter: &str) -> ListQuery {
    ListQuery::new().with_filter(Filter::parse(filter).unwrap())
}

fn patch(ops: Value) -> PatchRequest {
    PatchRequest::from_value(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}),
        &Compat::default(),
        &PatchLimits::default(),
    )
    .unwrap()
}

async fn user(b: &SqlBackend, c: &Context, name: &str) -> String {
    b.create_user(c, User::new(name)).await.unwrap().id.unwrap()
}

#[tokio::test]
async fn create_get_replace_patch_delete() {
    for (db, b) in default_dbs("create_get_replace_patch_delete")
        .await
        .backends
    {
        let c = ctx("a");
        let u = b
            .create_user(&c, User::new("adele@contoso.com").with_external_id("obj-1"))
            .await
            .unwrap();
        let id = u.id.clone().unwrap();
        assert_eq!(id.len(), 36, "{db}");
        let meta = u.meta.clone().unwrap();
        assert_eq!(meta.resource_type.as_deref(), Some("User"));
        assert_eq!(meta.created, meta.last_modified);
        assert_eq!(b.get_user(&c, &id, &all()).await.unwrap(), u, "{db}");
        // ids are found in either case, as in the memory backend
        let upper = b.get_user(&c, &id.to_uppercase(), &all()).await.unwrap();
        assert_eq!(upper.id, u.id);

        let v1 = meta.version.clone().unwrap();
        let replaced = b
            .replace_user(
                &c,
                &id,
                User::new("adele@contoso.com").with_active(true),
                None,
            )
            .await
            .unwrap();
        let v2 = replaced.meta.clone().unwrap().version.unwrap();
        assert_ne!(v1, v2, "{db}");
        assert_eq!(replaced.external_id, None);
        assert_eq!(b.get_user(&c, &id, &all()).await.unwrap(), replaced, "{db}");

        // a PATCH that changes nothing keeps the version
        let schema = ResourceSchema::user();
        let same = patch(json!([{"op": "replace", "path": "active", "value": true}]));
        let p = b.patch_user(&c, &id, &same, &schema, None).await.unwrap();
        assert_eq!(p.meta.unwrap().version.unwrap(), v2, "{db}");
        let change = patch(json!([{"op": "replace", "path": "displayName", "value": "Adele"}]));
        let p = b.patch_user(&c, &id, &change, &schema, None).await.unwrap();
        assert_eq!(p.display_name.as_deref(), Some("Adele"));
        let v3 = p.meta.clone().unwrap().version.unwrap();
        assert_ne!(v3, v2);
        assert_eq!(b.get_user(&c, &id, &all()).await.unwrap(), p, "{db}");

        // If-Match: a stale version is 412, the current one passes
        let stale = VersionCondition::OneOf(vec![v1.clone()]);
        let e = b
            .patch_user(&c, &id, &change, &schema, Some(&stale))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), BackendErrorKind::PreconditionFailed, "{db}");
        let e = b
            .replace_user(&c, &id, User::new("x"), Some(&stale))
            .await
            .unwrap_err();
        assert_eq!(e.status().as_u16(), 412);
        let e = b.delete_user(&c, &id, Some(&stale)).await.unwrap_err();
        assert_eq!(e.status().as_u16(), 412);
        let current = VersionCondition::OneOf(vec![v3]);
        b.delete_user(&c, &id, Some(&current)).await.unwrap();
        let e = b.get_user(&c, &id, &all()).await.unwrap_err();
        assert_eq!(e.kind(), BackendErrorKind::NotFound, "{db}");
        let e = b.get_user(&c, "not-a-uuid", &all()).await.unwrap_err();
        assert_eq!(e.kind(), BackendErrorKind::NotFound);
        // passwords are never stored
        let mut with_pw = User::new("pw");
        with_pw.password = Some(scimitar::resource::Password::new("t1meMa$heen"));
        let made = b.create_user(&c, with_pw).await.unwrap();
        assert!(made.password.is_none());
    }
}

#[tokio::test]
async fn user_name_is_unique_case_insensitively_per_tenant() {
    for (db, b) in default_dbs("user_name_unique").await.backends {
        let (a, other) = (ctx("a"), ctx("b"));
        let id = user(&b, &a, "Adele@Contoso.com").await;
        let e = b
            .create_user(&a, User::new("adele@contoso.COM"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), BackendErrorKind::Uniqueness, "{db}");
        assert_eq!(e.status().as_u16(), 409);
        let zoe = user(&b, &a, "ZOË").await;
        assert!(b.create_user(&a, User::new("zoë")).await.is_err(), "{db}");
        // another tenant may use it; a rename onto a taken name is 409, onto its own is fine
        user(&b, &other, "adele@contoso.com").await;
        let e = b
            .replace_user(&a, &zoe, User::new("ADELE@contoso.com"), None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), BackendErrorKind::Uniqueness);
        b.replace_user(&a, &id, User::new("adele@contoso.com"), None)
            .await
            .unwrap();
        let got = b
            .list_users(&a, &q(r#"userName eq "ADELE@CONTOSO.COM""#))
            .await
            .unwrap();
        assert_eq!(got.total_results, 1, "{db}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_creates_of_one_user_name_give_one_201() {
    for (db, b) in default_dbs("racing_creates").await.backends {
        let c = ctx("a");
        let mut tasks = Vec::new();
        for i in 0..16 {
            let (b, c) = (b.clone(), c.clone());
            let name = if i % 2 == 0 { "Race@x" } else { "race@X" };
            tasks.push(tokio::spawn(async move {
                b.create_user(&c, User::new(name)).await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => assert_eq!(e.kind(), BackendErrorKind::Uniqueness, "{db}: {e}"),
            }
        }
        assert_eq!(ok, 1, "{db}");
        let all_users = b.list_users(&c, &ListQuery::new()).await.unwrap();
        assert_eq!(all_users.total_results, 1, "{db}");
    }
}

#[tokio::test]
async fn tenants_are_isolated_also_by_id() {
    for (db, b) in default_dbs("tenants").await.backends {
        let (a, other) = (ctx("a"), ctx("b"));
        let id = user(&b, &a, "adele").await;
        let g = b
            .create_group(&a, Group::new("Sales").with_member(Member::user(&id)))
            .await
            .unwrap()
            .id
            .unwrap();
        let nf = |e: scimitar::backend::BackendError| {
            assert_eq!(e.kind(), BackendErrorKind::NotFound, "{db}")
        };
        nf(b.get_user(&other, &id, &all()).await.unwrap_err());
        nf(b.get_group(&other, &g, &all()).await.unwrap_err());
        nf(b.replace_user(&other, &id, User::new("x"), None)
            .await
            .unwrap_err());
        nf(b.delete_user(&other, &id, None).await.unwrap_err());
        nf(b.delete_group(&other, &g, None).await.unwrap_err());
        nf(
            b.modify_group_members(&other, &g, &[], std::slice::from_ref(&id), None, &all())
                .await
                .unwrap_err(),
        );
        for filter in [
            format!(r#"id eq "{id}""#),
            r#"userName eq "adele""#.to_owned(),
            r#"userName co "a""#.to_owned(),
        ] {
            let p = b.list_users(&other, &q(&filter)).await.unwrap();
            assert_eq!(p.total_results, 0, "{db} {filter}");
        }
        let p = b
            .list_groups(&other, &q(&format!(r#"members[value eq "{id}"]"#)))
            .await
            .unwrap();
        assert_eq!(p.total_results, 0);
        // B cannot add A's user to its group
        let e = b
            .create_group(&other, Group::new("x").with_member(Member::user(&id)))
            .await
            .unwrap_err();
        assert_eq!(e.status().as_u16(), 400, "{db}");
        assert_eq!(b.get_group(&a, &g, &all()).await.unwrap().members.len(), 1);
    }
}

#[tokio::test]
async fn groups_fill_user_groups_and_follow_deletes() {
    for (db, b) in default_dbs("groups_links").await.backends {
        let c = ctx("a");
        let u1 = user(&b, &c, "one").await;
        let u2 = user(&b, &c, "two").await;
        let inner = b.create_group(&c, Group::new("Inner")).await.unwrap();
        let inner_id = inner.id.clone().unwrap();
        let g = b
            .create_group(
                &c,
                Group::new("Outer")
                    .with_member(Member::user(&u1).with_display("One"))
                    .with_member(Member::user(&u2))
                    .with_member(Member::new(&inner_id)),
            )
            .await
            .unwrap();
        let gid = g.id.clone().unwrap();
        assert_eq!(g.members.len(), 3, "{db}");
        let kinds: Vec<_> = g.members.iter().map(|m| m.kind.clone().unwrap()).collect();
        assert!(kinds.contains(&"Group".to_owned()) && kinds.contains(&"User".to_owned()));
        let one = g.members.iter().find(|m| m.value == u1).unwrap();
        assert_eq!(one.display.as_deref(), Some("One"));
        let got = b.get_user(&c, &u1, &all()).await.unwrap();
        assert_eq!(got.groups.len(), 1);
        assert_eq!(got.groups[0].value.as_deref(), Some(gid.as_str()));
        assert_eq!(got.groups[0].display.as_deref(), Some("Outer"));
        // lists carry them too: a plain page, an indexed lookup and a scan
        for query in [
            ListQuery::new(),
            q(r#"userName eq "ONE""#),
            q(r#"userName co "on""#),
        ] {
            let page = b.list_users(&c, &query).await.unwrap();
            let listed = page
                .resources
                .iter()
                .find(|u| u.user_name == "one")
                .unwrap();
            assert_eq!(listed.groups, got.groups, "{db} {query:?}");
            let lean = b
                .list_users(&c, &query.with_selection(Selection::excluding(&["groups"])))
                .await
                .unwrap();
            assert!(lean.resources.iter().all(|u| u.groups.is_empty()), "{db}");
        }
        let no_groups = b
            .get_user(&c, &u1, &Selection::excluding(&["groups"]))
            .await
            .unwrap();
        assert!(no_groups.groups.is_empty());
        let lean = b
            .get_group(&c, &gid, &Selection::excluding(&["members"]))
            .await
            .unwrap();
        assert!(lean.members.is_empty(), "{db}");
        // deleting a member removes it everywhere and gives the group a new version
        let before = b
            .get_group(&c, &gid, &all())
            .await
            .unwrap()
            .meta
            .unwrap()
            .version;
        b.delete_user(&c, &u2, None).await.unwrap();
        b.delete_group(&c, &inner_id, None).await.unwrap();
        let after = b.get_group(&c, &gid, &all()).await.unwrap();
        assert_eq!(
            after.member_ids().collect::<Vec<_>>(),
            [u1.as_str()],
            "{db}"
        );
        assert_ne!(after.meta.unwrap().version, before);
        // unknown members, members of no such id and the group itself are refused
        for bad in ["nope", "2819c223-7f76-453a-919d-413861904646", gid.as_str()] {
            let e = b
                .modify_group_members(&c, &gid, &[Member::new(bad)], &[], None, &all())
                .await
                .unwrap_err();
            assert_eq!(e.status().as_u16(), 400, "{db} {bad}");
        }
        // a delta that changes nothing keeps the version
        let v = b
            .get_group(&c, &gid, &all())
            .await
            .unwrap()
            .meta
            .unwrap()
            .version;
        let same = b
            .modify_group_members(
                &c,
                &gid,
                &[Member::user(&u1)],
                &["nope".into()],
                None,
                &all(),
            )
            .await
            .unwrap();
        assert_eq!(same.meta.unwrap().version, v, "{db}");
        b.delete_group(&c, &gid, None).await.unwrap();
        assert!(b.get_user(&c, &u1, &all()).await.unwrap().groups.is_empty());
    }
}

#[tokio::test]
async fn member_display_is_kept_as_written() {
    for (db, b) in default_dbs("member_display").await.backends {
        let c = ctx("t");
        let u1 = user(&b, &c, "display-one").await;
        let u2 = user(&b, &c, "display-two").await;
        let g = b
            .create_group(
                &c,
                Group::new("Readers").with_member(Member::user(u1.clone()).with_display("One")),
            )
            .await
            .unwrap();
        let gid = g.id.clone().unwrap();
        let shown = |g: &Group| -> Vec<(String, Option<String>)> {
            let mut v: Vec<_> = g
                .members
                .iter()
                .map(|m| (m.value.clone(), m.display.clone()))
                .collect();
            v.sort();
            v
        };
        let got = b
            .modify_group_members(
                &c,
                &gid,
                &[
                    Member::user(u2.clone()).with_display("Two"),
                    Member::user(u1.clone()).with_display("One again"),
                ],
                &[],
                None,
                &all(),
            )
            .await
            .unwrap();
        let mut want = vec![
            (u1.clone(), Some("One again".to_owned())),
            (u2.clone(), Some("Two".to_owned())),
        ];
        want.sort();
        assert_eq!(shown(&got), want, "{db}");
        let mut replacement = got.clone();
        replacement.members = vec![Member::user(u1.clone())];
        let got = b.replace_group(&c, &gid, replacement, None).await.unwrap();
        assert_eq!(shown(&got), vec![(u1, None)], "{db}");
    }
}

#[tokio::test]
async fn group_patches_through_the_delta_and_the_whole_engine() {
    for (db, b) in default_dbs("group_patches").await.backends {
        let c = ctx("t");
        let schema = ResourceSchema::group();
        let u1 = user(&b, &c, "p1").await;
        let u2 = user(&b, &c, "p2").await;
        let gid = b
            .create_group(&c, Group::new("Team"))
            .await
            .unwrap()
            .id
            .unwrap();
        let lean = Selection::excluding(&["members"]);
        let add = patch(json!([
            {"op": "add", "path": "members", "value": [{"value": u1}, {"value": u2}]},
            {"op": "replace", "path": "displayName", "value": "Team 2"}
        ]));
        let g = b
            .patch_group(&c, &gid, &add, &schema, None, &lean)
            .await
            .unwrap();
        assert_eq!(g.display_name, "Team 2", "{db}");
        assert!(g.members.is_empty());
        let remove = patch(json!([
            {"op": "remove", "path": format!("members[value eq \"{u1}\"]")}
        ]));
        let g = b
            .patch_group(&c, &gid, &remove, &schema, None, &all())
            .await
            .unwrap();
        assert_eq!(g.member_ids().collect::<Vec<_>>(), [u2.as_str()], "{db}");
        // a PATCH the delta cannot express goes through the whole-resource engine
        let whole = patch(json!([
            {"op": "replace", "path": "members[value eq \"nobody\"].display", "value": "x"}
        ]));
        let e = b.patch_group(&c, &gid, &whole, &schema, None, &all()).await;
        if let Err(e) = &e {
            assert_eq!(e.status().as_u16(), 400, "{db}: {e}");
        }
        let found = b
            .list_groups(&c, &q(r#"displayName eq "team 2""#))
            .await
            .unwrap();
        assert_eq!(found.total_results, 1, "{db}");
    }
}

#[tokio::test]
async fn scans_are_bounded() {
    let opts = |url: String| SqlOptions::new(url).with_limits(10, 3);
    for (db, b) in dbs("scans_are_bounded", opts).await.backends {
        let c = ctx("a");
        for n in ["a", "b", "c", "d"] {
            user(&b, &c, n).await;
        }
        let e = b
            .list_users(&c, &q(r#"userName co "a""#))
            .await
            .unwrap_err();
        let e = scimitar::Error::from(e);
        assert_eq!(e.scim_type(), Some(scimitar::ScimType::TooMany), "{db}");
        assert!(
            e.detail().contains("would examine 4 Users"),
            "{}",
            e.detail()
        );
        let sorted =
            ListQuery::new().with_sort(scimitar::AttrPath::new("userName"), Default::default());
        assert!(b.list_users(&c, &sorted).await.is_err(), "{db}");
        assert_eq!(
            b.list_users(&c, &q(r#"userName eq "a""#))
                .await
                .unwrap()
                .total_results,
            1
        );
        let p = b.list_users(&c, &ListQuery::new()).await.unwrap();
        assert_eq!(p.total_results, 4, "{db}");
        // a filter that makes no sense for the schema is 400 invalidFilter
        let e = b.list_users(&c, &q("active gt true")).await.unwrap_err();
        assert_eq!(
            scimitar::Error::from(e).scim_type(),
            Some(scimitar::ScimType::InvalidFilter)
        );
    }
}

/// An indexed lookup (Entra's `externalId eq`, its group `displayName eq`) reads the candidates
/// through the index, unordered, and sorts them itself: pages still come in id order, whole.
#[tokio::test]
async fn indexed_lookups_page_in_id_order() {
    for (db, b) in default_dbs("indexed_lookups_page").await.backends {
        let c = ctx("a");
        let mut users = Vec::new();
        let mut groups = Vec::new();
        for n in 0..7 {
            let external = if n < 5 { "shared" } else { "other" };
            let u = User::new(format!("paged{n}")).with_external_id(external);
            let u = b.create_user(&c, u).await.unwrap();
            if n < 5 {
                users.push(u.id.unwrap());
            }
            let g = b
                .create_group(&c, Group::new(format!("TEAM {}", n % 2)))
                .await;
            if n % 2 == 0 {
                groups.push(g.unwrap().id.unwrap());
            }
        }
        users.sort();
        groups.sort();
        let mut paged = Vec::new();
        for start in [1, 3, 5] {
            let page = b
                .list_users(
                    &c,
                    &q(r#"externalId eq "shared""#).with_page(start, Some(2)),
                )
                .await
                .unwrap();
            assert_eq!(page.total_results, 5, "{db}");
            paged.extend(page.resources.into_iter().map(|u| u.id.unwrap()));
        }
        assert_eq!(paged, users, "{db}");
        let page = b
            .list_groups(&c, &q(r#"displayName eq "team 0""#))
            .await
            .unwrap();
        let ids: Vec<String> = page.resources.into_iter().map(|g| g.id.unwrap()).collect();
        assert_eq!(ids, groups, "{db}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_lose_no_update() {
    for (db, b) in default_dbs("concurrent_writers").await.backends {
        let c = ctx("a");
        let g = b
            .create_group(&c, Group::new("G"))
            .await
            .unwrap()
            .id
            .unwrap();
        let u = user(&b, &c, "target").await;
        let mut ids = Vec::new();
        for i in 0..40 {
            ids.push(user(&b, &c, &format!("u{i}")).await);
        }
        let mut tasks = Vec::new();
        for (i, id) in ids.iter().cloned().enumerate() {
            let (b, c, g, u) = (b.clone(), c.clone(), g.clone(), u.clone());
            tasks.push(tokio::spawn(async move {
                b.modify_group_members(
                    &c,
                    &g,
                    &[Member::new(&id)],
                    &[],
                    None,
                    &Selection::excluding(&["members"]),
                )
                .await
                .unwrap();
                let p = patch(json!([{"op": "add", "path": "emails",
                    "value": [{"value": format!("{i}@x.example")}]}]));
                b.patch_user(&c, &u, &p, &ResourceSchema::user(), None)
                    .await
                    .unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let group = b.get_group(&c, &g, &all()).await.unwrap();
        assert_eq!(group.members.len(), 40, "{db}");
        let target = b.get_user(&c, &u, &all()).await.unwrap();
        assert_eq!(target.emails.len(), 40, "{db}");
        for id in &ids {
            assert_eq!(b.get_user(&c, id, &all()).await.unwrap().groups.len(), 1);
        }
    }
}

#[tokio::test]
async fn member_delta_on_a_large_group() {
    for (db, b) in default_dbs("large_group").await.backends {
        let c = ctx("a");
        let mut members = Vec::new();
        for i in 0..1200 {
            members.push(Member::user(user(&b, &c, &format!("m{i}")).await));
        }
        let extra = user(&b, &c, "extra").await;
        let mut g = Group::new("Big");
        g.members = members.clone();
        let gid = b.create_group(&c, g).await.unwrap().id.unwrap();
        let lean = Selection::excluding(&["members"]);
        let g = b
            .modify_group_members(&c, &gid, &[Member::user(&extra)], &[], None, &lean)
            .await
            .unwrap();
        assert!(g.members.is_empty(), "{db}");
        let gone = members[7].value.clone();
        b.modify_group_members(&c, &gid, &[], std::slice::from_ref(&gone), None, &lean)
            .await
            .unwrap();
        let full = b.get_group(&c, &gid, &all()).await.unwrap();
        assert_eq!(full.members.len(), 1200, "{db}");
        assert!(full.members.iter().any(|m| m.value == extra));
        assert!(!full.members.iter().any(|m| m.value == gone));
        let page = b
            .list_groups(&c, &q(&format!(r#"members[value eq "{extra}"]"#)))
            .await
            .unwrap();
        assert_eq!(page.total_results, 1, "{db}");
        let users_in = b
            .list_users(
                &c,
                &q(&format!(r#"groups.value eq "{gid}""#)).with_page(1, Some(5)),
            )
            .await
            .unwrap();
        assert_eq!(users_in.total_results, 1200, "{db}");
    }
}

#[tokio::test]
async fn foreign_members_may_be_any_id() {
    let dbs = dbs("foreign_members_may_be_any_id", |url| {
        SqlOptions::new(url).with_foreign_members()
    })
    .await;
    for (db, b) in dbs.backends {
        super::memory::foreign_members_may_be_any_id(&b, db).await;
    }
}
