//! The in-memory backend through the public `IdentityBackend` API: uniqueness, versions, the
//! member ↔ group links, lists and snapshots. Tenant isolation and concurrent writers are
//! proven by the conformance kit (`testkit_memory.rs`).

use scimitar::Filter;
use scimitar::auth::{Context, Principal};
use scimitar::backend::{BackendErrorKind, IdentityBackend, MemoryBackend};
use scimitar::query::{ListQuery, Selection, SortOrder};
use scimitar::resource::{Group, Member, User, VersionCondition};
use std::sync::Arc;

fn ctx(t: &str) -> Context {
    Context::new(t, Principal::new("test"))
}

fn all() -> Selection {
    Selection::all()
}

fn q(filter: &str) -> ListQuery {
    ListQuery::new().with_filter(Filter::parse(filter).unwrap())
}

async fn user(b: &MemoryBackend, c: &Context, name: &str) -> String {
    b.create_user(c, User::new(name)).await.unwrap().id.unwrap()
}

#[tokio::test]
async fn create_assigns_id_and_meta() {
    let b = MemoryBackend::new();
    let c = ctx("a");
    let u = b
        .create_user(&c, User::new("adele@contoso.com").with_external_id("obj-1"))
        .await
        .unwrap();
    let id = u.id.clone().unwrap();
    assert_eq!(id.len(), 36);
    let meta = u.meta.clone().unwrap();
    assert_eq!(meta.resource_type.as_deref(), Some("User"));
    assert_eq!(meta.created, meta.last_modified);
    assert!(meta.version.is_some());
    let got = b.get_user(&c, &id, &all()).await.unwrap();
    assert_eq!(got, u);
}

#[tokio::test]
async fn versions_reveal_nothing_about_other_tenants() {
    let b = MemoryBackend::new();
    let (a, other) = (ctx("a"), ctx("b"));
    let version = |u: User| u.meta.unwrap().version.unwrap();
    let first = version(b.create_user(&other, User::new("x")).await.unwrap());
    for i in 0..10 {
        b.create_user(&a, User::new(format!("a{i}"))).await.unwrap();
    }
    let second = version(b.create_user(&other, User::new("y")).await.unwrap());
    let n = |v: &scimitar::Version| v.tag().parse::<u64>().unwrap();
    assert_eq!(n(&second), n(&first) + 1);
}

#[tokio::test]
async fn user_name_is_unique_case_insensitively() {
    let b = MemoryBackend::new();
    let c = ctx("a");
    user(&b, &c, "Adele@Contoso.com").await;
    let e = b
        .create_user(&c, User::new("adele@contoso.COM"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), BackendErrorKind::Uniqueness);
    assert_eq!(scimitar::Error::from(e).status().as_u16(), 409);
    let other = user(&b, &c, "bob").await;
    let e = b
        .replace_user(&c, &other, User::new("ADELE@contoso.com"), None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), BackendErrorKind::Uniqueness);
    // renaming oneself (case only) is fine, and frees the old name
    b.replace_user(&c, &other, User::new("Bob"), None)
        .await
        .unwrap();
    b.replace_user(&c, &other, User::new("robert"), None)
        .await
        .unwrap();
    user(&b, &c, "bob").await;
}

#[tokio::test]
async fn group_display_names_may_repeat() {
    let b = MemoryBackend::new();
    let c = ctx("a");
    b.create_group(&c, Group::new("Sales")).await.unwrap();
    b.create_group(&c, Group::new("sales")).await.unwrap();
    let page = b
        .list_groups(&c, &q(r#"displayName eq "SALES""#))
        .await
        .unwrap();
    assert_eq!(page.total_results, 2);
}

#[tokio::test]
async fn if_match_is_honoured() {
    let b = MemoryBackend::new();
    let c = ctx("a");
    let u = b.create_user(&c, User::new("a")).await.unwrap();
    let id = u.id.clone().unwrap();
    let v1 = u.meta.unwrap().version.unwrap();
    let cond = VersionCondition::OneOf(vec![v1.clone()]);
    let u2 = b
        .replace_user(&c, &id, User::new("a2"), Some(&cond))
        .await
        .unwrap();
    let v2 = u2.meta.unwrap().version.unwrap();
    assert_ne!(v1, v2);
    let e = b
        .replace_user(&c, &id, User::new("a3"), Some(&cond))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), BackendErrorKind::PreconditionFailed);
    assert_eq!(scimitar::Error::from(e).status().as_u16(), 412);
    let e = b.delete_user(&c, &id, Some(&cond)).await.unwrap_err();
    assert_eq!(e.kind(), BackendErrorKind::PreconditionFailed);
    b.delete_user(&c, &id, Some(&VersionCondition::Any))
        .await
        .unwrap();
    let g = b.create_group(&c, Group::new("g")).await.unwrap();
    let gid = g.id.unwrap();
    let e = b
        .modify_group_members(&c, &gid, &[], &[], Some(&cond), &all())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), BackendErrorKind::PreconditionFailed);
}

#[tokio::test]
async fn groups_fill_user_groups_and_follow_removal_and_deletion() {
    let b = MemoryBackend::new();
    let c = ctx("a");
    let u = user(&b, &c, "u").await;
    let v = user(&b, &c, "v").await;
    let g = b
        .create_group(&c, Group::new("Sales").with_member(Member::user(&u)))
        .await
        .unwrap();
    let gid = g.id.clone().unwrap();
    assert_eq!(g.members[0].kind.as_deref(), Some("User"));
    let got = b.get_user(&c, &u, &all()).await.unwrap();
    assert_eq!(got.groups.len(), 1);
    assert_eq!(got.groups[0].value.as_deref(), Some(gid.as_str()));
    assert_eq!(got.groups[0].display.as_deref(), Some("Sales"));
    assert_eq!(got.groups[0].kind.as_deref(), Some("direct"));
    // not asked for: not filled
    let lean = b
        .get_user(&c, &u, &Selection::excluding(&["groups"]))
        .await
        .unwrap();
    assert!(lean.groups.is_empty());

    // add v, remove u through the delta
    let before = b.get_group(&c, &gid, &all()).await.unwrap();
    let after = b
        .modify_group_members(
            &c,
            &gid,
            &[Member::new(&v)],
            std::slice::from_ref(&u),
            None,
            &all(),
        )
        .await
        .unwrap();
    assert_eq!(after.member_ids().collect::<Vec<_>>(), [v.as_str()]);
    assert_ne!(before.meta.unwrap().version, after.meta.unwrap().version);
    assert!(b.get_user(&c, &u, &all()).await.unwrap().groups.is_empty());
    assert_eq!(b.get_user(&c, &v, &all()).await.unwrap().groups.len(), 1);

    // group renamed: the user's view follows
    let mut renamed = b.get_group(&c, &gid, &all()).await.unwrap();
    renamed.display_name = "Sales EU".into();
    b.replace_group(&c, &gid, renamed, None).await.unwrap();
    let vg = b.get_user(&c, &v, &all()).await.unwrap();
    assert_eq!(vg.groups[0].display.as_deref(), Some("Sales EU"));

    // deleting v removes it from the group
    b.delete_user(&c, &v, None).await.unwrap();
    let g = b.get_group(&c, &gid, &all()).await.unwrap();
    assert!(g.members.is_empty());

    // deleting the group removes it from users
    let w = user(&b, &c, "w").await;
    b.modify_group_members(&c, &gid, &[Member::new(&w)], &[], None, &all())
        .await
        .unwrap();
    b.delete_group(&c, &gid, None).await.unwrap();
    assert!(b.get_user(&c, &w, &all()).await.unwrap().groups.is_empty());
}

#[tokio::test]
async fn excluded_members_are_not_materialised() {
    let b = MemoryBackend::new();
    let c = ctx("a");
    let u = user(&b, &c, "u").await;
    let g = b
        .create_group(&c, Group::new("G").with_member(Member::user(&u)))
        .await
        .unwrap();
    let gid = g.id.unwrap();
    let lean = b
        .get_group(&c, &gid, &Selection::excluding(&["members"]))
        .await
        .unwrap();
    assert!(lean.members.is_empty());
    let page = b
        .list_groups(
            &c,
            &q(r#"displayName eq "g""#).with_selection(Selection::excluding(&["members"])),
        )
        .await
        .unwrap();
    assert_eq!(page.total_results, 1);
    assert!(page.resources[0].members.is_empty());
}

#[tokio::test]
async fn unknown_and_self_members_are_refused() {
    let b = MemoryBackend::new();
    let c = ctx("a");
    let g = b
        .create_group(&c, Group::new("G"))
        .await
        .unwrap()
        .id
        .unwrap();
    for bad in ["nope", "2819c223-7f76-453a-919d-413861904646", g.as_str()] {
        let e = b
            .modify_group_members(&c, &g, &[Member::new(bad)], &[], None, &all())
            .await
            .unwrap_err();
        assert_eq!(e.status().as_u16(), 400, "{bad}");
    }
    // removing a non-member is a no-op that keeps the version
    let v0 = b
        .get_group(&c, &g, &all())
        .await
        .unwrap()
        .meta
        .unwrap()
        .version;
    let same = b
        .modify_group_members(&c, &g, &[], &["nope".into()], None, &all())
        .await
        .unwrap();
    assert_eq!(same.meta.unwrap().version, v0);
}

#[tokio::test]
async fn lookups_by_indexed_attributes() {
    let b = MemoryBackend::new();
    let c = ctx("a");
    let a = b
        .create_user(&c, User::new("Adele@contoso.com").with_external_id("OBJ-1"))
        .await
        .unwrap();
    user(&b, &c, "bob").await;
    let id = a.id.clone().unwrap();
    for (f, n) in [
        (r#"userName eq "adele@CONTOSO.com""#.to_owned(), 1),
        (r#"externalId eq "OBJ-1""#.to_owned(), 1),
        (r#"externalId eq "obj-1""#.to_owned(), 0),
        (format!(r#"id eq "{id}""#), 1),
        (format!(r#"id eq "{}""#, id.to_uppercase()), 0),
        (
            r#"userName eq "2f1c7b36-7c80-4f6e-b1b2-0e6b1c1d2e3f""#.to_owned(),
            0,
        ),
        (format!(r#"userName eq "bob" or id eq "{id}""#), 2),
    ] {
        let page = b.list_users(&c, &q(&f)).await.unwrap();
        assert_eq!(page.total_results, n, "{f}");
        assert_eq!(page.resources.len(), n, "{f}");
    }
}

#[tokio::test]
async fn paging_and_sorting() {
    let b = MemoryBackend::new().with_limits(3, 1000);
    let c = ctx("a");
    for n in ["d", "B", "a", "C", "e"] {
        user(&b, &c, n).await;
    }
    let sorted = |order| ListQuery::new().with_sort(scimitar::AttrPath::new("userName"), order);
    let p = b
        .list_users(&c, &sorted(SortOrder::Ascending))
        .await
        .unwrap();
    assert_eq!(p.total_results, 5);
    assert_eq!(p.items_per_page(), 3, "capped at max_results");
    let names: Vec<_> = p.resources.iter().map(|u| u.user_name.as_str()).collect();
    assert_eq!(names, ["a", "B", "C"]);
    let p = b
        .list_users(&c, &sorted(SortOrder::Descending).with_page(2, Some(2)))
        .await
        .unwrap();
    let names: Vec<_> = p.resources.iter().map(|u| u.user_name.as_str()).collect();
    assert_eq!(names, ["d", "C"]);
    assert_eq!(p.start_index, 2);
    let p = b
        .list_users(&c, &ListQuery::new().with_page(1, Some(0)))
        .await
        .unwrap();
    assert_eq!((p.total_results, p.items_per_page()), (5, 0));
    let p = b
        .list_users(&c, &ListQuery::new().with_page(5, Some(10)))
        .await
        .unwrap();
    assert_eq!(p.items_per_page(), 1);
    // unsorted pages cover everything exactly once
    let mut seen = std::collections::HashSet::new();
    for start in [1, 4] {
        let p = b
            .list_users(&c, &ListQuery::new().with_page(start, Some(3)))
            .await
            .unwrap();
        for u in p.resources {
            assert!(seen.insert(u.id.unwrap()));
        }
    }
    assert_eq!(seen.len(), 5);
}

#[tokio::test]
async fn scans_are_bounded() {
    let b = MemoryBackend::new().with_limits(10, 3);
    let c = ctx("a");
    for n in ["a", "b", "c", "d"] {
        user(&b, &c, n).await;
    }
    let e = b
        .list_users(&c, &q(r#"userName co "a""#))
        .await
        .unwrap_err();
    let e = scimitar::Error::from(e);
    assert_eq!(e.scim_type(), Some(scimitar::ScimType::TooMany));
    // indexed lookups are not scans
    assert_eq!(
        b.list_users(&c, &q(r#"userName eq "a""#))
            .await
            .unwrap()
            .total_results,
        1
    );
    // neither is plain paging
    assert_eq!(
        b.list_users(&c, &ListQuery::new())
            .await
            .unwrap()
            .total_results,
        4
    );
}

#[tokio::test]
async fn snapshot_round_trip() {
    let b = MemoryBackend::new();
    let (a, other) = (ctx("a"), ctx("b"));
    let u = b
        .create_user(
            &a,
            User::new("adele")
                .with_external_id("x1")
                .with_display_name("Adele V."),
        )
        .await
        .unwrap();
    let uid = u.id.clone().unwrap();
    let inner = b
        .create_group(&a, Group::new("Inner"))
        .await
        .unwrap()
        .id
        .unwrap();
    let g = b
        .create_group(
            &a,
            Group::new("Sales")
                .with_member(Member::user(&uid))
                .with_member(Member::group(&inner)),
        )
        .await
        .unwrap();
    user(&b, &other, "bob").await;
    let dir = std::env::temp_dir().join(format!("scimitar-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    b.snapshot(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "snapshot readable by others: {mode:o}");
    }
    // no temporary file is left behind
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    let r = MemoryBackend::new();
    assert!(!r.restore_if_exists(dir.join("missing.json")).unwrap());
    assert!(r.restore_if_exists(&path).unwrap());
    assert_eq!(
        r.get_user(&a, &uid, &all()).await.unwrap(),
        b.get_user(&a, &uid, &all()).await.unwrap()
    );
    let gid = g.id.clone().unwrap();
    assert_eq!(
        r.get_group(&a, &gid, &all()).await.unwrap(),
        b.get_group(&a, &gid, &all()).await.unwrap()
    );
    assert_eq!(r.counts(&"b".into()), (1, 0));
    // indexes rebuilt
    assert_eq!(
        r.list_users(&a, &q(r#"userName eq "ADELE""#))
            .await
            .unwrap()
            .total_results,
        1
    );
    assert_eq!(
        r.list_users(&a, &q(r#"externalId eq "x1""#))
            .await
            .unwrap()
            .total_results,
        1
    );
    assert!(r.create_user(&a, User::new("adele")).await.is_err());
    // versions continue, never repeat
    let newer = r.create_user(&a, User::new("new")).await.unwrap();
    let versions: Vec<_> = [u.meta.unwrap(), newer.meta.unwrap()]
        .into_iter()
        .map(|m| m.version.unwrap())
        .collect();
    assert_ne!(versions[0], versions[1]);
    // a broken file changes nothing
    std::fs::write(&path, "{not json").unwrap();
    assert!(r.restore(&path).is_err());
    assert_eq!(r.counts(&"a".into()).0, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn usable_as_a_trait_object() {
    let b: Arc<dyn IdentityBackend> = Arc::new(MemoryBackend::new());
    let c = ctx("a");
    let u = b.create_user(&c, User::new("x")).await.unwrap();
    assert!(b.capabilities().etag);
    b.delete_user(&c, u.id.as_deref().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(
        b.get_user(&c, u.id.as_deref().unwrap(), &all())
            .await
            .unwrap_err()
            .kind(),
        BackendErrorKind::NotFound
    );
}

/// Whatever path a filter takes (index, index + evaluator, scan), the answer is what the
/// evaluator says over every resource.
#[tokio::test]
async fn indexed_and_scanned_filters_agree_with_the_evaluator() {
    let b = MemoryBackend::new();
    let c = ctx("a");
    let mut ids = Vec::new();
    for (i, (name, given, active, ext)) in [
        ("Adele@contoso.com", "Adele", true, Some("E1")),
        ("alex@contoso.com", "Alex", false, Some("E2")),
        ("bob@contoso.com", "Bob", true, None),
        ("Zoë@contoso.com", "Zoë", true, Some("e1")),
    ]
    .into_iter()
    .enumerate()
    {
        let mut u = User::new(name)
            .with_active(active)
            .with_name(scimitar::resource::Name {
                given_name: Some(given.into()),
                ..Default::default()
            })
            .with_email(
                scimitar::resource::Email::new(format!("{i}@work.example")).with_type("work"),
            );
        u.external_id = ext.map(str::to_owned);
        ids.push(b.create_user(&c, u).await.unwrap().id.unwrap());
    }
    let g = b
        .create_group(
            &c,
            Group::new("Sales")
                .with_member(Member::user(&ids[0]))
                .with_member(Member::user(&ids[2])),
        )
        .await
        .unwrap()
        .id
        .unwrap();
    let schema = scimitar::schema::ResourceSchema::user();
    let everyone: Vec<serde_json::Value> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(b.get_user(&c, id, &all()).await.unwrap().to_json());
        }
        v
    };
    let filters = [
        r#"userName eq "ADELE@contoso.com""#.to_owned(),
        r#"userName eq "zoë@contoso.com""#.to_owned(),
        r#"externalId eq "E1""#.to_owned(),
        r#"userName eq "adele@contoso.com" and active eq false"#.to_owned(),
        r#"userName eq "bob@contoso.com" or externalId eq "E2""#.to_owned(),
        r#"active eq true and name.givenName sw "a""#.to_owned(),
        r#"emails[type eq "work" and value co "2@"]"#.to_owned(),
        r#"not (active eq true)"#.to_owned(),
        r#"externalId pr"#.to_owned(),
        format!(r#"groups[value eq "{g}"]"#),
        format!(r#"groups.value eq "{g}" and active eq true"#),
        format!(r#"id eq "{}" or id eq "{}""#, ids[1], ids[3]),
        r#"meta.resourceType eq "User""#.to_owned(),
    ];
    for f in filters {
        let parsed = Filter::parse(&f).unwrap();
        let mut want: Vec<String> = everyone
            .iter()
            .filter(|u| parsed.matches(u, &schema).unwrap())
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect();
        want.sort();
        let page = b.list_users(&c, &q(&f)).await.unwrap();
        let mut got: Vec<String> = page.resources.into_iter().filter_map(|u| u.id).collect();
        got.sort();
        assert_eq!(got, want, "{f}");
        assert_eq!(page.total_results, want.len(), "{f}");
    }
    // groups by member, through the back links
    let page = b
        .list_groups(&c, &q(&format!(r#"members[value eq "{}"]"#, ids[2])))
        .await
        .unwrap();
    assert_eq!(page.total_results, 1);
    let page = b
        .list_groups(&c, &q(&format!(r#"members.value eq "{}""#, ids[1])))
        .await
        .unwrap();
    assert_eq!(page.total_results, 0);
    // a filter that makes no sense for the schema is a 400 invalidFilter, not an empty page
    let e = b.list_users(&c, &q("active gt true")).await.unwrap_err();
    assert_eq!(
        scimitar::Error::from(e).scim_type(),
        Some(scimitar::ScimType::InvalidFilter)
    );
}

/// A member's `display` is returned as the client wrote it: on create, on a PATCH add (which
/// also updates it for an existing member), and exactly as given by a full replace (PUT).
#[tokio::test]
async fn member_display_is_kept_as_written() {
    let b = MemoryBackend::new();
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
    let got = b.get_group(&c, &gid, &all()).await.unwrap();
    assert_eq!(shown(&got), vec![(u1.clone(), Some("One".to_owned()))]);

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
    assert_eq!(shown(&got), want);

    let mut replacement = got.clone();
    replacement.members = vec![Member::user(u1.clone())];
    let got = b.replace_group(&c, &gid, replacement, None).await.unwrap();
    let got = if got.members.is_empty() {
        b.get_group(&c, &gid, &all()).await.unwrap()
    } else {
        got
    };
    assert_eq!(shown(&got), vec![(u1, None)]);
}

#[tokio::test]
async fn foreign_members_only_when_enabled_and_found_by_member_filter() {
    let c = ctx("t");
    let outside = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let strict = MemoryBackend::new();
    let err = strict
        .create_group(&c, Group::new("g").with_member(Member::user(outside)))
        .await
        .unwrap_err();
    assert_eq!(err.status().as_u16(), 400);

    let b = MemoryBackend::new().with_foreign_members();
    let g = b
        .create_group(&c, Group::new("g").with_member(Member::user(outside)))
        .await
        .unwrap();
    let gid = g.id.clone().unwrap();
    let q = ListQuery::new()
        .with_filter(Filter::parse(&format!("members[value eq \"{outside}\"]")).unwrap());
    let found = b.list_groups(&c, &q).await.unwrap();
    assert_eq!(found.total_results, 1);
    assert_eq!(found.resources[0].id.as_deref(), Some(gid.as_str()));
    b.modify_group_members(
        &c,
        &gid,
        &[],
        &[outside.to_owned()],
        None,
        &Selection::all(),
    )
    .await
    .unwrap();
    assert_eq!(b.list_groups(&c, &q).await.unwrap().total_results, 0);
    // Other tenants see nothing of it.
    assert_eq!(
        b.list_groups(&ctx("other"), &q)
            .await
            .unwrap()
            .total_results,
        0
    );
}

/// A store taking foreign members (the Zitadel backend's companion) takes any id, not only a
/// UUID: Zitadel's own ids are numeric. Shown as written, found by `members[value eq …]`,
/// removed by a delta, a PATCH path filter or a full list; a removed and re-added member is
/// kept; ids too long or empty are 400; other tenants see nothing. Run by the SQL tests too.
pub async fn foreign_members_may_be_any_id(b: &dyn IdentityBackend, store: &str) {
    use scimitar::schema::ResourceSchema;
    use scimitar::{Compat, PatchLimits, PatchRequest};
    use serde_json::json;
    let c = ctx("t");
    let z = "285073629412356867";
    let uuid = "0F8FAD5B-D9CB-469F-A165-70867728950E";
    let local = b
        .create_user(&c, User::new("local"))
        .await
        .unwrap()
        .id
        .unwrap();
    let values = |g: &Group| {
        let mut v: Vec<String> = g.members.iter().map(|m| m.value.clone()).collect();
        v.sort();
        v
    };
    let g1 = b
        .create_group(
            &c,
            Group::new("g1")
                .with_member(Member::user(z))
                .with_member(Member::user(uuid))
                .with_member(Member::user(&local)),
        )
        .await
        .unwrap();
    let g1id = g1.id.clone().unwrap();
    let mut want = vec![z.to_owned(), uuid.to_lowercase(), local.clone()];
    want.sort();
    assert_eq!(values(&g1), want, "{store}");
    let got = b.get_group(&c, &g1id, &all()).await.unwrap();
    assert_eq!(values(&got), want, "{store}");
    // the store's users of a group: its own only
    let users = b
        .list_users(&c, &q(&format!(r#"groups[value eq "{g1id}"]"#)))
        .await
        .unwrap();
    assert_eq!(users.total_results, 1, "{store}");
    assert_eq!(users.resources[0].id.as_deref(), Some(local.as_str()));
    assert!(
        got.members
            .iter()
            .all(|m| m.kind.as_deref() == Some("User"))
    );
    let g2 = b
        .create_group(&c, Group::new("g2").with_member(Member::user(z)))
        .await
        .unwrap()
        .id
        .unwrap();
    let of_z = q(&format!(r#"members[value eq "{z}"]"#));
    let in_groups = |p: scimitar::backend::Page<Group>| {
        let mut v: Vec<String> = p.resources.into_iter().filter_map(|g| g.id).collect();
        v.sort();
        v
    };
    let mut both = vec![g1id.clone(), g2.clone()];
    both.sort();
    assert_eq!(
        in_groups(b.list_groups(&c, &of_z).await.unwrap()),
        both,
        "{store}"
    );
    assert_eq!(
        b.list_groups(&ctx("other"), &of_z)
            .await
            .unwrap()
            .total_results,
        0
    );
    // removed and added again in one change: still a member, shown as written
    let again = b
        .modify_group_members(&c, &g2, &[Member::user(z)], &[z.to_owned()], None, &all())
        .await
        .unwrap();
    assert_eq!(values(&again), [z], "{store}");
    // a PATCH path filter (Entra ID's member removal)
    let remove = PatchRequest::from_value(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "Remove", "path": format!("members[value eq \"{z}\"]")}]}),
        &Compat::default(),
        &PatchLimits::default(),
    )
    .unwrap();
    let left = b
        .patch_group(&c, &g2, &remove, &ResourceSchema::group(), None, &all())
        .await
        .unwrap();
    assert!(left.members.is_empty(), "{store}: {left:?}");
    assert_eq!(
        in_groups(b.list_groups(&c, &of_z).await.unwrap()),
        std::slice::from_ref(&g1id)
    );
    // a full list without it
    let put = b
        .replace_group(
            &c,
            &g1id,
            Group::new("g1").with_member(Member::user(uuid)),
            None,
        )
        .await
        .unwrap();
    assert_eq!(values(&put), [uuid.to_lowercase()], "{store}");
    assert_eq!(b.list_groups(&c, &of_z).await.unwrap().total_results, 0);
    // and back by a delta, then gone with its last group
    b.modify_group_members(&c, &g1id, &[Member::user(z)], &[], None, &all())
        .await
        .unwrap();
    assert_eq!(b.list_groups(&c, &of_z).await.unwrap().total_results, 1);
    b.delete_group(&c, &g1id, None).await.unwrap();
    assert_eq!(b.list_groups(&c, &of_z).await.unwrap().total_results, 0);
    for bad in [String::new(), "9".repeat(201)] {
        let e = b
            .create_group(&c, Group::new("bad").with_member(Member::user(&bad)))
            .await
            .unwrap_err();
        assert_eq!(e.status().as_u16(), 400, "{store}: {bad:?}");
    }
}

#[tokio::test]
async fn foreign_members_may_be_any_id_and_survive_a_snapshot() {
    let b = MemoryBackend::new().with_foreign_members();
    foreign_members_may_be_any_id(&b, "memory").await;
    let c = ctx("t");
    let z = "285073629412356867";
    let g = b
        .create_group(&c, Group::new("kept").with_member(Member::user(z)))
        .await
        .unwrap();
    let gid = g.id.unwrap();
    let path = std::env::temp_dir().join(format!("scimitar-foreign-{}.json", std::process::id()));
    b.snapshot(&path).unwrap();
    // a store without foreign members refuses the snapshot
    assert!(MemoryBackend::new().restore(&path).is_err());
    let r = MemoryBackend::new().with_foreign_members();
    r.restore(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let got = r.get_group(&c, &gid, &all()).await.unwrap();
    assert_eq!(got.members[0].value, z);
    let of_z = q(&format!(r#"members[value eq "{z}"]"#));
    assert_eq!(r.list_groups(&c, &of_z).await.unwrap().total_results, 1);
    r.modify_group_members(&c, &gid, &[], &[z.to_owned()], None, &all())
        .await
        .unwrap();
    assert_eq!(r.list_groups(&c, &of_z).await.unwrap().total_results, 0);
}
