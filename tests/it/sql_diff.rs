//! The SQL backend answers list queries exactly as the memory backend does: the same data in
//! both, then filters (indexed, scanned, combined), sorts and pages compared result by result.

use super::sql_support::default_dbs;
use scimitar::Filter;
use scimitar::auth::{Context, Principal};
use scimitar::backend::{IdentityBackend, MemoryBackend};
use scimitar::query::{ListQuery, SortOrder};
use scimitar::resource::{Email, Group, Member, Name, User};
use std::collections::HashMap;

fn ctx() -> Context {
    Context::new("diff", Principal::new("test"))
}

/// userName, givenName, familyName, active, externalId, title.
type UserRow = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    Option<&'static str>,
    Option<&'static str>,
);

const USERS: &[UserRow] = &[
    (
        "Adele@contoso.com",
        "Adele",
        "Vance",
        true,
        Some("E1"),
        Some("Engineer"),
    ),
    (
        "alex@contoso.com",
        "Alex",
        "Wilber",
        false,
        Some("E2"),
        None,
    ),
    (
        "bob@contoso.com",
        "Bob",
        "Builder",
        true,
        None,
        Some("Builder"),
    ),
    ("Zoë@contoso.com", "Zoë", "Zeta", true, Some("e1"), None),
    (
        "megan@contoso.com",
        "Megan",
        "Bowen",
        false,
        None,
        Some("Manager"),
    ),
    (
        "nestor@contoso.com",
        "Nestor",
        "Wilke",
        true,
        Some("E6"),
        Some("engineer"),
    ),
    ("lee@fabrikam.com", "Lee", "Gu", true, None, None),
    (
        "MIRIAM@fabrikam.com",
        "Miriam",
        "Graham",
        true,
        Some("E8"),
        Some("Director"),
    ),
];

const GROUPS: &[(&str, Option<&str>, &[usize])] = &[
    ("Sales", Some("G1"), &[0, 2, 4]),
    ("Engineering", None, &[0, 5]),
    ("sales", Some("G3"), &[]),
];

/// Fills a backend; returns the ids of the users and groups, in the order above.
async fn fill(b: &dyn IdentityBackend) -> (Vec<String>, Vec<String>) {
    let c = ctx();
    let mut users = Vec::new();
    for (i, (name, given, family, active, ext, title)) in USERS.iter().enumerate() {
        let mut u = User::new(*name)
            .with_active(*active)
            .with_name(Name {
                given_name: Some((*given).into()),
                family_name: Some((*family).into()),
                ..Default::default()
            })
            .with_email(Email::new(format!("{i}@work.example")).with_type("work"));
        u.external_id = ext.map(str::to_owned);
        u.title = title.map(str::to_owned);
        users.push(b.create_user(&c, u).await.unwrap().id.unwrap());
    }
    let mut groups = Vec::new();
    for (name, ext, members) in GROUPS {
        let mut g = Group::new(*name);
        g.external_id = ext.map(str::to_owned);
        for m in *members {
            g = g.with_member(Member::user(&users[*m]));
        }
        groups.push(b.create_group(&c, g).await.unwrap().id.unwrap());
    }
    // a group in a group
    let inner = Group::new("Inner").with_member(Member::new(&groups[1]));
    groups.push(b.create_group(&c, inner).await.unwrap().id.unwrap());
    (users, groups)
}

/// `{u3}` and `{g1}` in a filter become that backend's ids.
fn expand(filter: &str, users: &[String], groups: &[String]) -> String {
    let mut f = filter.to_owned();
    for (i, id) in users.iter().enumerate() {
        f = f.replace(&format!("{{u{i}}}"), id);
    }
    for (i, id) in groups.iter().enumerate() {
        f = f.replace(&format!("{{g{i}}}"), id);
    }
    f
}

const USER_FILTERS: &[&str] = &[
    r#"userName eq "ADELE@contoso.com""#,
    r#"userName eq "zoë@contoso.com""#,
    r#"userName eq "nobody""#,
    r#"externalId eq "E1""#,
    r#"externalId pr"#,
    r#"not (externalId pr)"#,
    r#"userName eq "adele@contoso.com" and active eq false"#,
    r#"userName eq "bob@contoso.com" or externalId eq "E2""#,
    r#"userName eq "bob@contoso.com" or title co "eng""#,
    r#"active eq true and name.givenName sw "a""#,
    r#"userName sw "m" or userName ew "fabrikam.com""#,
    r#"userName gt "m""#,
    r#"title eq "engineer""#,
    r#"emails[type eq "work" and value co "2@"]"#,
    r#"not (active eq true)"#,
    r#"groups[value eq "{g0}"]"#,
    r#"groups.value eq "{g1}" and active eq true"#,
    r#"groups.display eq "Sales""#,
    r#"id eq "{u1}" or id eq "{u3}""#,
    r#"id eq "{u1}" and userName eq "alex@contoso.com""#,
    r#"meta.resourceType eq "User""#,
];

const GROUP_FILTERS: &[&str] = &[
    r#"displayName eq "SALES""#,
    r#"displayName co "in""#,
    r#"externalId eq "G1" or externalId eq "G3""#,
    r#"members[value eq "{u0}"]"#,
    r#"members.value eq "{u5}" and displayName sw "E""#,
    r#"members[value eq "{g1}"]"#,
    r#"members pr"#,
    r#"not (members pr)"#,
    r#"members[type eq "Group"]"#,
    r#"id eq "{g2}""#,
];

fn user_names(p: &[User]) -> Vec<String> {
    p.iter().map(|u| u.user_name.clone()).collect()
}

#[tokio::test]
async fn lists_equal_the_memory_backends() {
    let mem = MemoryBackend::new();
    let (mu, mg) = fill(&mem).await;
    let c = ctx();
    for (db, sql) in default_dbs("lists_equal_memory").await.backends {
        let (su, sg) = fill(&sql).await;
        let sorts: &[Option<(&str, SortOrder)>] = &[
            None,
            Some(("userName", SortOrder::Ascending)),
            Some(("name.familyName", SortOrder::Descending)),
        ];
        for f in USER_FILTERS {
            for sort in sorts {
                for (start, count) in [(1, None), (2, Some(2)), (1, Some(0)), (7, Some(5))] {
                    if sort.is_none() && count.is_some() {
                        continue; // unsorted order is the backend's own
                    }
                    let query = |users: &[String], groups: &[String]| {
                        let mut q = ListQuery::new()
                            .with_filter(Filter::parse(&expand(f, users, groups)).unwrap())
                            .with_page(start, count);
                        if let Some((by, order)) = sort {
                            q = q.with_sort(scimitar::AttrPath::parse(by).unwrap(), *order);
                        }
                        q
                    };
                    let want = mem.list_users(&c, &query(&mu, &mg)).await.unwrap();
                    let got = sql.list_users(&c, &query(&su, &sg)).await.unwrap();
                    let (mut w, mut g) = (user_names(&want.resources), user_names(&got.resources));
                    if sort.is_none() {
                        w.sort();
                        g.sort();
                    }
                    assert_eq!(g, w, "{db}: {f} {sort:?} {start} {count:?}");
                    // and each user's groups (by display name; their order is the backend's)
                    let links = |p: &[User]| {
                        let mut v: Vec<(String, Vec<Option<String>>)> = p
                            .iter()
                            .map(|u| {
                                let mut d: Vec<_> =
                                    u.groups.iter().map(|g| g.display.clone()).collect();
                                d.sort();
                                (u.user_name.clone(), d)
                            })
                            .collect();
                        v.sort();
                        v
                    };
                    assert_eq!(links(&got.resources), links(&want.resources), "{db}: {f}");
                    assert_eq!(got.total_results, want.total_results, "{db}: {f}");
                    assert_eq!(got.start_index, want.start_index);
                }
            }
        }
        let names = |p: &[Group]| {
            let mut v: Vec<String> = p.iter().map(|g| g.display_name.clone()).collect();
            v.sort();
            v
        };
        for f in GROUP_FILTERS {
            let want = mem
                .list_groups(
                    &c,
                    &ListQuery::new().with_filter(Filter::parse(&expand(f, &mu, &mg)).unwrap()),
                )
                .await
                .unwrap();
            let got = sql
                .list_groups(
                    &c,
                    &ListQuery::new().with_filter(Filter::parse(&expand(f, &su, &sg)).unwrap()),
                )
                .await
                .unwrap();
            assert_eq!(names(&got.resources), names(&want.resources), "{db}: {f}");
            let count = |p: &[Group]| p.iter().map(|g| g.members.len()).sum::<usize>();
            assert_eq!(count(&got.resources), count(&want.resources), "{db}: {f}");
        }
        // sorted groups, and a sort without a filter
        let by_name = ListQuery::new().with_sort(
            scimitar::AttrPath::new("displayName"),
            SortOrder::Descending,
        );
        let want = mem.list_groups(&c, &by_name).await.unwrap();
        let got = sql.list_groups(&c, &by_name).await.unwrap();
        let seq = |p: &[Group]| p.iter().map(|g| g.display_name.clone()).collect::<Vec<_>>();
        // "Sales" and "sales" compare equal case-insensitively: compare the folded sequence
        let fold = |v: Vec<String>| v.into_iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
        assert_eq!(
            fold(seq(&got.resources)),
            fold(seq(&want.resources)),
            "{db}"
        );
        let everyone =
            ListQuery::new().with_sort(scimitar::AttrPath::new("userName"), SortOrder::Ascending);
        let want = mem.list_users(&c, &everyone).await.unwrap();
        let got = sql.list_users(&c, &everyone).await.unwrap();
        assert_eq!(
            user_names(&got.resources),
            user_names(&want.resources),
            "{db}"
        );
        // the links: User.groups and group members agree too
        let mut link_counts: HashMap<String, usize> = HashMap::new();
        for u in &got.resources {
            link_counts.insert(u.user_name.clone(), u.groups.len());
        }
        for u in &want.resources {
            assert_eq!(link_counts.get(&u.user_name), Some(&u.groups.len()), "{db}");
        }
    }
}

/// Random filters over the same data: both backends give the same users, or the same error.
#[cfg(feature = "sqlite")]
#[test]
fn random_filters_agree_with_the_memory_backend() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let file = super::sql_support::TempDb::new();
    let (mem, sql, mu, mg, su, sg) = rt.block_on(async {
        let mem = MemoryBackend::new();
        let sql = scimitar::backend::sql::SqlBackend::connect(&file.url())
            .await
            .unwrap();
        let (mu, mg) = fill(&mem).await;
        let (su, sg) = fill(&sql).await;
        (mem, sql, mu, mg, su, sg)
    });
    let attrs = prop::sample::select(vec![
        "userName",
        "externalId",
        "title",
        "name.givenName",
        "active",
        "emails.value",
        "emails.type",
        "groups.value",
        "groups.display",
        "id",
        "displayName",
        "meta.resourceType",
    ]);
    let ops = prop::sample::select(vec!["eq", "ne", "co", "sw", "ew", "gt", "le", "pr"]);
    let values = prop::sample::select(vec![
        r#""adele@contoso.com""#,
        r#""ADELE@CONTOSO.COM""#,
        r#""E1""#,
        r#""e1""#,
        r#""eng""#,
        r#""Sales""#,
        r#""m""#,
        r#""work""#,
        r#""2@work.example""#,
        "true",
        "false",
        r#""{u1}""#,
        r#""{g0}""#,
        r#""{g1}""#,
        r#""User""#,
        r#""zoë@contoso.com""#,
        "1",
    ]);
    let leaf = (attrs, ops, values).prop_map(|(a, o, v)| {
        // ids are random: only equality on them means the same in both backends
        let random = matches!(a, "id" | "groups.value") || v.contains('{');
        let o = if random && !matches!(o, "eq" | "ne" | "pr") {
            "eq"
        } else {
            o
        };
        if o == "pr" {
            format!("{a} pr")
        } else {
            format!("{a} {o} {v}")
        }
    });
    let filters = leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    });
    let c = ctx();
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&filters, |f| {
            let run = |b: &dyn IdentityBackend, users: &[String], groups: &[String]| {
                let Ok(parsed) = Filter::parse(&expand(&f, users, groups)) else {
                    return Err("unparsable".to_owned());
                };
                let q = ListQuery::new().with_filter(parsed);
                match rt.block_on(b.list_users(&c, &q)) {
                    Ok(p) => {
                        let mut v = user_names(&p.resources);
                        v.sort();
                        Ok((v, p.total_results))
                    }
                    Err(e) => {
                        // the detail may quote the backend's own ids: compare it without them
                        let mut detail = e.detail().to_owned();
                        for (i, id) in users.iter().enumerate() {
                            detail = detail.replace(id, &format!("{{u{i}}}"));
                        }
                        for (i, id) in groups.iter().enumerate() {
                            detail = detail.replace(id, &format!("{{g{i}}}"));
                        }
                        Err(format!("{} {detail}", e.status()))
                    }
                }
            };
            let want = run(&mem, &mu, &mg);
            let got = run(&sql, &su, &sg);
            prop_assert_eq!(got, want, "{}", f);
            Ok(())
        })
        .unwrap();
}
