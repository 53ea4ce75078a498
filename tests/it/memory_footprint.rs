//! Peak memory of the memory backend with many typical Entra ID users (the target is under
//! 2 KB per user at 1 000 000 users). Ignored by default (it allocates gigabytes at full size);
//! run alone so the process holds nothing else:
//!
//! ```text
//! SCIMITAR_USERS=1000000 cargo test --release --test it memory_footprint -- --ignored --nocapture
//! ```

use scimitar::Filter;
use scimitar::auth::{Context, Principal};
use scimitar::backend::{IdentityBackend, MemoryBackend};
use scimitar::query::{ListQuery, Selection};
use scimitar::resource::User;
use serde_json::json;
use std::time::Instant;

/// A user as Entra ID's default attribute mapping creates it.
pub fn entra_user(i: usize) -> User {
    User::from_json(json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "externalId": format!("{i:08x}-1c2d-4e5f-8a9b-0c1d2e3f4a5b"),
        "userName": format!("user{i}@contoso.onmicrosoft.com"),
        "active": true,
        "displayName": format!("User Number {i}"),
        "title": "Sales Representative",
        "preferredLanguage": "en-US",
        "name": {"formatted": format!("User Number {i}"), "familyName": format!("Number{i}"), "givenName": "User"},
        "emails": [{"primary": true, "type": "work", "value": format!("user{i}@contoso.com")}],
        "phoneNumbers": [
            {"type": "work", "value": "+1 425 555 0100"},
            {"type": "mobile", "value": "+1 425 555 0101"}
        ],
        "addresses": [{
            "type": "work", "formatted": "1 Microsoft Way, Redmond, WA 98052, US",
            "streetAddress": "1 Microsoft Way", "locality": "Redmond", "region": "WA",
            "postalCode": "98052", "country": "US", "primary": true
        }],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": format!("{i}"), "department": "Sales", "costCenter": "CC-100",
            "organization": "Contoso", "division": "West",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        }
    }))
    .unwrap()
}

fn vm_hwm() -> Option<usize> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[tokio::test]
#[ignore = "allocates ~2 GB at full size; run alone with --ignored"]
async fn memory_footprint() {
    let n: usize = std::env::var("SCIMITAR_USERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let b = MemoryBackend::new();
    let c = Context::new("contoso", Principal::new("load"));
    // the users are built one at a time: what remains is what the backend keeps
    let base = vm_hwm().unwrap_or(0);
    let t = Instant::now();
    for i in 0..n {
        b.create_user(&c, entra_user(i)).await.unwrap();
    }
    let load = t.elapsed();
    let peak = vm_hwm().unwrap_or(0);
    let per_user = (peak - base) / n;
    println!(
        "{n} users: VmHWM +{} MiB, {per_user} bytes/user peak; create {:.2} µs/user",
        (peak - base) >> 20,
        load.as_secs_f64() * 1e6 / n as f64
    );
    // lookups as Entra sends them
    let q = |i: usize| {
        ListQuery::new().with_filter(
            Filter::parse(&format!(r#"userName eq "user{i}@contoso.onmicrosoft.com""#)).unwrap(),
        )
    };
    let rounds = 20_000;
    let queries: Vec<ListQuery> = (0..rounds).map(|k| q(k * 7919 % n)).collect();
    let t = Instant::now();
    for query in &queries {
        let page = b.list_users(&c, query).await.unwrap();
        assert_eq!(page.total_results, 1);
    }
    println!(
        "userName eq lookup (backend only): {:.2} µs",
        t.elapsed().as_secs_f64() * 1e6 / rounds as f64
    );
    let sel = Selection::all();
    let id = b.list_users(&c, &q(n / 2)).await.unwrap().resources[0]
        .id
        .clone()
        .unwrap();
    let t = Instant::now();
    for _ in 0..rounds {
        b.get_user(&c, &id, &sel).await.unwrap();
    }
    println!(
        "get by id: {:.2} µs",
        t.elapsed().as_secs_f64() * 1e6 / rounds as f64
    );
    // a member PATCH (Entra's add, then remove) on a group of up to 100 000 members
    let ids: Vec<String> = {
        let page = b
            .list_users(&c, &ListQuery::new().with_page(1, Some(usize::MAX)))
            .await
            .unwrap();
        let mut ids: Vec<String> = page.resources.into_iter().filter_map(|u| u.id).collect();
        let mut start = ids.len() + 1;
        while ids.len() < n.min(100_000) {
            let more = b
                .list_users(&c, &ListQuery::new().with_page(start, Some(usize::MAX)))
                .await
                .unwrap();
            start += more.resources.len();
            ids.extend(more.resources.into_iter().filter_map(|u| u.id));
        }
        ids
    };
    let members = ids.len().min(100_000);
    let mut group = scimitar::resource::Group::new("All");
    group.members = ids
        .iter()
        .take(members - 1)
        .map(scimitar::resource::Member::user)
        .collect();
    let gid = b.create_group(&c, group).await.unwrap().id.unwrap();
    let last = ids[members - 1].clone();
    let schema = scimitar::schema::ResourceSchema::group();
    let lean = Selection::excluding(&["members"]);
    let body = |op: &str| {
        scimitar::PatchRequest::from_value(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": op, "path": "members", "value": [{"value": last}]}]}),
            &scimitar::Compat::default(),
            &scimitar::PatchLimits::default(),
        )
        .unwrap()
    };
    let (add, remove) = (body("Add"), body("Remove"));
    let rounds = 5_000;
    let t = Instant::now();
    for _ in 0..rounds {
        b.patch_group(&c, &gid, &add, &schema, None, &lean)
            .await
            .unwrap();
        b.patch_group(&c, &gid, &remove, &schema, None, &lean)
            .await
            .unwrap();
    }
    println!(
        "member PATCH on a {members}-member group (backend only): {:.2} µs",
        t.elapsed().as_secs_f64() * 1e6 / (2 * rounds) as f64
    );
    let users: Vec<User> = (n..n + rounds).map(entra_user).collect();
    let t = Instant::now();
    for u in users {
        b.create_user(&c, u).await.unwrap();
    }
    println!(
        "create (backend only): {:.2} µs",
        t.elapsed().as_secs_f64() * 1e6 / rounds as f64
    );
    assert!(per_user < 2048, "{per_user} bytes per user");
}
