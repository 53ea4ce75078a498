//! The Zitadel backend against the Zitadel v4 double: mapping round trips, calls per SCIM
//! operation, retried creates, the ListUsers lag, 429s, org isolation, capability fallbacks.

use scimitar::auth::{Context, Principal, Secret};
use scimitar::backend::zitadel::{
    Credentials, IdpChoice, OrgSettings, RetryPolicy, ZitadelBackend, ZitadelConfig,
};
use scimitar::backend::{IdentityBackend, MemoryBackend};
use scimitar::patch::PatchRequest;
use scimitar::query::{ListQuery, Selection};
use scimitar::resource::{Group, Member, User};
use scimitar::schema::ResourceSchema;
use scimitar::zitadel_double::{DoubleConfig, Faults, ZitadelDouble, ZitadelVersion};
use scimitar::{Compat, Filter, PatchLimits};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

fn ctx(org: &str) -> Context {
    Context::new(org, Principal::new("test"))
}

fn retry() -> RetryPolicy {
    RetryPolicy::new(12, Duration::from_millis(1), Duration::from_millis(20))
}

fn config(double: &ZitadelDouble) -> ZitadelConfig {
    ZitadelConfig::new(double.url(), Credentials::Pat(Secret::new(double.pat())))
        .with_retry(retry())
        .with_org(
            "org-a",
            OrgSettings::default()
                .with_idp(IdpChoice::FindActive)
                .with_roles("project-org-a", &["scim-user"])
                .with_group_roles("Admins", "project-org-a", &["scim-admin"]),
        )
        .with_org(
            "org-b",
            OrgSettings::default().with_idp(IdpChoice::Id("idp-org-b".into())),
        )
}

async fn setup(version: ZitadelVersion) -> (ZitadelDouble, ZitadelBackend) {
    let double = ZitadelDouble::start(DoubleConfig::default().with_version(version))
        .await
        .unwrap();
    let companion = Arc::new(MemoryBackend::new().with_foreign_members());
    let backend = ZitadelBackend::new(config(&double), companion).unwrap();
    // Detect the capabilities (and find the IdP) before anything is counted.
    backend
        .list_users(&ctx("org-a"), &ListQuery::new().with_page(1, Some(1)))
        .await
        .unwrap();
    double.reset_calls();
    (double, backend)
}

fn entra_user(n: u32) -> User {
    User::from_json(json!({
        "userName": format!("user{n}@contoso.com"),
        "externalId": format!("00000000-0000-4000-8000-{n:012}"),
        "active": true,
        "displayName": format!("User {n}"),
        "title": "Engineer",
        "name": {"givenName": "Ada", "familyName": format!("Lovelace{n}"), "formatted": "Ada Lovelace"},
        "emails": [{"value": format!("user{n}@contoso.com"), "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+41 79 123 45 67", "type": "work"}],
        "addresses": [{"type": "work", "locality": "Zurich", "country": "CH"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D", "employeeNumber": "42"}
    }))
    .unwrap()
}

fn sum(calls: &BTreeMap<String, u64>) -> u64 {
    calls.values().sum()
}

fn filter(f: &str) -> ListQuery {
    ListQuery::new().with_filter(Filter::parse(f).unwrap())
}

fn patch(body: Value) -> PatchRequest {
    PatchRequest::from_value(body, &Compat::default(), &PatchLimits::default()).unwrap()
}

#[tokio::test]
async fn create_is_one_call_plus_one_per_role_and_round_trips() {
    let (double, backend) = setup(ZitadelVersion::V4_13).await;
    let c = ctx("org-a");
    // The org's active IdP is looked up once per process.
    backend.create_user(&c, entra_user(100)).await.unwrap();
    assert_eq!(
        double
            .calls()
            .get("zitadel.settings.v2.SettingsService/GetActiveIdentityProviders"),
        Some(&1)
    );
    double.reset_calls();
    let sent = entra_user(1);
    let created = backend.create_user(&c, sent.clone()).await.unwrap();
    let calls = double.calls();
    assert_eq!(
        calls.get("zitadel.user.v2.UserService/CreateUser"),
        Some(&1)
    );
    assert_eq!(
        calls.get("zitadel.authorization.v2.AuthorizationService/CreateAuthorization"),
        Some(&1)
    );
    assert_eq!(sum(&calls), 2, "{calls:?}");

    let stored = double.users("org-a");
    assert_eq!(stored.len(), 2);
    let z = stored
        .iter()
        .find(|u| u["username"] == "user1@contoso.com")
        .unwrap();
    assert_eq!(z["idpLinks"][0]["idpId"], "idp-org-a");
    assert_eq!(
        z["idpLinks"][0]["userId"],
        "00000000-0000-4000-8000-000000000001"
    );
    assert_eq!(z["authorizations"][0]["roleKeys"], json!(["scim-user"]));
    assert_eq!(z["human"]["email"]["isVerified"], true);
    let keys: Vec<&str> = z["metadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"urn:zitadel:scim:externalId"), "{keys:?}");
    assert!(keys.contains(&"urn:zitadel:scim:title"), "{keys:?}");

    let id = created.id.clone().unwrap();
    let read = backend.get_user(&c, &id, &Selection::all()).await.unwrap();
    let strip = |u: &User| {
        let mut j = u.to_json();
        let o = j.as_object_mut().unwrap();
        o.remove("meta");
        o.remove("id");
        if let Some(Value::Array(s)) = o.get_mut("schemas") {
            s.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
        j
    };
    assert_eq!(strip(&read), strip(&sent));
}

#[tokio::test]
async fn lookups_read_their_own_writes_despite_the_list_lag() {
    let (double, backend) = setup(ZitadelVersion::V4_13).await;
    double.set_faults(Faults::default().with_list_users_lag(Duration::from_secs(60)));
    let c = ctx("org-a");
    let created = backend.create_user(&c, entra_user(2)).await.unwrap();
    let id = created.id.unwrap();
    double.reset_calls();
    // Its id derives from (org, externalId): the lookup reads it with GetUserByID, which
    // Zitadel answers from its own writes.
    let by_ext = backend
        .list_users(
            &c,
            &filter(r#"externalId eq "00000000-0000-4000-8000-000000000002""#),
        )
        .await
        .unwrap();
    assert_eq!(by_ext.total_results, 1);
    assert_eq!(by_ext.resources[0].id.as_deref(), Some(id.as_str()));
    let calls = double.calls();
    assert_eq!(
        calls.get("zitadel.user.v2.UserService/ListUsers"),
        None,
        "{calls:?}"
    );
    assert_eq!(
        calls.get("zitadel.user.v2.UserService/GetUserByID"),
        Some(&1)
    );
    // A user without externalId: its id derives from (org, userName), in any case.
    let mut plain = entra_user(3);
    plain.external_id = None;
    let plain_id = backend.create_user(&c, plain).await.unwrap().id.unwrap();
    let by_name = backend
        .list_users(&c, &filter(r#"userName eq "USER3@contoso.com""#))
        .await
        .unwrap();
    assert_eq!(by_name.total_results, 1);
    assert_eq!(by_name.resources[0].id.as_deref(), Some(plain_id.as_str()));
    // The companion indexes every write: a userName lookup sees a user made with an
    // externalId too, also from another replica (or after a restart: a new backend over the
    // same companion), and a deleted user is gone at once although ListUsers still lists it.
    let replica = ZitadelBackend::new(config(&double), backend.companion().clone()).unwrap();
    for b in [&backend, &replica] {
        let by_name = b
            .list_users(&c, &filter(r#"userName eq "user2@contoso.com""#))
            .await
            .unwrap();
        assert_eq!(by_name.resources[0].id.as_deref(), Some(id.as_str()));
    }
    // A rename on one replica is found by its new name on the other at once.
    let renamed = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "userName", "value": "renamed2@contoso.com"}]}),
    );
    backend
        .patch_user(&c, &id, &renamed, &ResourceSchema::user(), None)
        .await
        .unwrap();
    let by_new = replica
        .list_users(&c, &filter(r#"userName eq "Renamed2@contoso.com""#))
        .await
        .unwrap();
    assert_eq!(by_new.resources[0].id.as_deref(), Some(id.as_str()));
    let by_ext = replica
        .list_users(
            &c,
            &filter(r#"externalId eq "00000000-0000-4000-8000-000000000002""#),
        )
        .await
        .unwrap();
    assert_eq!(by_ext.resources[0].user_name, "renamed2@contoso.com");
    let doomed = backend
        .create_user(&c, entra_user(4))
        .await
        .unwrap()
        .id
        .unwrap();
    backend.delete_user(&c, &doomed, None).await.unwrap();
    let gone = backend
        .list_users(&c, &filter(r#"userName eq "user4@contoso.com""#))
        .await
        .unwrap();
    assert_eq!(gone.total_results, 0);
    // Entra's "Test connection": a miss is an empty page.
    let miss = backend
        .list_users(&c, &filter(r#"userName eq "8a1b0c7e-unknown""#))
        .await
        .unwrap();
    assert_eq!(miss.total_results, 0);
    // Adding the new user to a group right away: the lagging ListUsers does not see it yet.
    let g = backend
        .create_group(
            &c,
            Group::new("Sales").with_member(Member::user(id.clone())),
        )
        .await
        .unwrap();
    assert_eq!(g.members.len(), 1);
}

#[tokio::test]
async fn externalid_lookup_is_one_list_call_for_users_made_elsewhere() {
    let (double, backend) = setup(ZitadelVersion::V4_6).await;
    let c = ctx("org-a");
    let created = backend.create_user(&c, entra_user(3)).await.unwrap();
    let id = created.id.unwrap();
    // Renamed externalId: the deterministic id no longer names it, ListUsers must.
    backend
        .patch_user(
            &c,
            &id,
            &patch(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "externalId", "value": "moved-3"}]}),
            ),
            &ResourceSchema::user(),
            None,
        )
        .await
        .unwrap();
    // Another SCIM server process (a replica, or after a restart) knows nothing of that write.
    let replica = ZitadelBackend::new(
        config(&double),
        Arc::new(MemoryBackend::new().with_foreign_members()),
    )
    .unwrap();
    replica
        .list_users(&c, &ListQuery::new().with_page(1, Some(1)))
        .await
        .unwrap();
    double.reset_calls();
    let q = filter(r#"externalId eq "moved-3""#).with_selection(Selection {
        attributes: vec![scimitar::AttrPath::new("userName")],
        excluded_attributes: vec![],
    });
    let found = replica.list_users(&c, &q).await.unwrap();
    assert_eq!(found.total_results, 1);
    let calls = double.calls();
    assert_eq!(
        calls.get("zitadel.user.v2.UserService/ListUsers"),
        Some(&1),
        "{calls:?}"
    );
}

#[tokio::test]
async fn patch_active_is_at_most_two_calls_and_repeats_are_no_ops() {
    let (double, backend) = setup(ZitadelVersion::V4_13).await;
    let c = ctx("org-a");
    let id = backend
        .create_user(&c, entra_user(4))
        .await
        .unwrap()
        .id
        .unwrap();
    let off = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
    );
    double.reset_calls();
    let u = backend
        .patch_user(&c, &id, &off, &ResourceSchema::user(), None)
        .await
        .unwrap();
    assert_eq!(u.active, Some(false));
    let calls = double.calls();
    assert!(sum(&calls) <= 2, "{calls:?}");
    assert_eq!(
        calls.get("zitadel.user.v2.UserService/DeactivateUser"),
        Some(&1)
    );
    // The same PATCH again changes nothing (Zitadel would refuse a second deactivate).
    backend
        .patch_user(&c, &id, &off, &ResourceSchema::user(), None)
        .await
        .unwrap();
    assert_eq!(
        double
            .calls()
            .get("zitadel.user.v2.UserService/DeactivateUser"),
        Some(&1)
    );
    let z = double.users("org-a");
    assert_eq!(z[0]["state"], "USER_STATE_INACTIVE");
    // Removing `active` reactivates: the user reads back without it, as one created without it.
    let remove = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": "active"}]}),
    );
    let u = backend
        .patch_user(&c, &id, &remove, &ResourceSchema::user(), None)
        .await
        .unwrap();
    assert_eq!(u.active, None);
    let read = backend.get_user(&c, &id, &Selection::all()).await.unwrap();
    assert_eq!(read.active, None);
    assert_eq!(double.users("org-a")[0]["state"], "USER_STATE_ACTIVE");
}

#[tokio::test]
async fn replace_sends_only_what_changed() {
    let (double, backend) = setup(ZitadelVersion::V4_6).await;
    let c = ctx("org-a");
    let mut u = entra_user(5);
    let id = backend
        .create_user(&c, u.clone())
        .await
        .unwrap()
        .id
        .unwrap();
    u.title = Some("Manager".into());
    double.reset_calls();
    let after = backend.replace_user(&c, &id, u, None).await.unwrap();
    assert_eq!(after.title.as_deref(), Some("Manager"));
    let calls = double.calls();
    assert_eq!(
        calls.get("zitadel.user.v2.UserService/UpdateUser"),
        None,
        "{calls:?}"
    );
    assert_eq!(
        calls.get("zitadel.user.v2.UserService/SetUserMetadata"),
        Some(&1)
    );
}

#[tokio::test]
async fn duplicates_are_409_and_never_a_second_user() {
    let (double, backend) = setup(ZitadelVersion::V4_13).await;
    let c = ctx("org-a");
    backend.create_user(&c, entra_user(6)).await.unwrap();
    let again = backend.create_user(&c, entra_user(6)).await.unwrap_err();
    assert_eq!(again.status().as_u16(), 409);
    let mut other = entra_user(6);
    other.external_id = Some("someone-else".into());
    let taken = backend.create_user(&c, other).await.unwrap_err();
    assert_eq!(taken.status().as_u16(), 409);
    assert_eq!(double.users("org-a").len(), 1);
}

#[tokio::test]
async fn rate_limited_zitadel_is_retried_without_lost_or_duplicated_users() {
    let (double, backend) = setup(ZitadelVersion::V4_13).await;
    double.set_faults(
        Faults::default()
            .with_rate_429(0.2)
            .with_seed(7)
            .with_list_users_lag(Duration::from_millis(500)),
    );
    let c = ctx("org-a");
    for n in 10..30 {
        let id = backend
            .create_user(&c, entra_user(n))
            .await
            .unwrap()
            .id
            .unwrap();
        let found = backend
            .list_users(
                &c,
                &filter(&format!(
                    r#"externalId eq "00000000-0000-4000-8000-{n:012}""#
                )),
            )
            .await
            .unwrap();
        assert_eq!(found.resources[0].id.as_deref(), Some(id.as_str()));
    }
    assert_eq!(double.users("org-a").len(), 20);
    // With every call refused, the SCIM client gets 503 + Retry-After.
    double.set_faults(Faults::default().with_rate_429(1.0));
    let e = backend
        .get_user(&c, "whoever", &Selection::all())
        .await
        .unwrap_err();
    assert_eq!(e.status().as_u16(), 503);
    assert!(e.retry_after().is_some());
}

#[tokio::test]
async fn orgs_are_isolated_by_id_filter_and_write() {
    let (double, backend) = setup(ZitadelVersion::V4_13).await;
    let a = ctx("org-a");
    let b = ctx("org-b");
    let id = backend
        .create_user(&a, entra_user(40))
        .await
        .unwrap()
        .id
        .unwrap();
    assert_eq!(
        backend
            .get_user(&b, &id, &Selection::all())
            .await
            .unwrap_err()
            .status()
            .as_u16(),
        404
    );
    let off = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": false}]}),
    );
    assert_eq!(
        backend
            .patch_user(&b, &id, &off, &ResourceSchema::user(), None)
            .await
            .unwrap_err()
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        backend
            .delete_user(&b, &id, None)
            .await
            .unwrap_err()
            .status()
            .as_u16(),
        404
    );
    for f in [
        r#"userName eq "user40@contoso.com""#.to_owned(),
        r#"externalId eq "00000000-0000-4000-8000-000000000040""#.to_owned(),
        format!(r#"id eq "{id}""#),
    ] {
        assert_eq!(
            backend
                .list_users(&b, &filter(&f))
                .await
                .unwrap()
                .total_results,
            0,
            "{f}"
        );
    }
    let e = backend
        .create_group(&b, Group::new("B").with_member(Member::user(id.clone())))
        .await
        .unwrap_err();
    assert_eq!(e.status().as_u16(), 400);
    assert_eq!(double.users("org-a")[0]["state"], "USER_STATE_ACTIVE");
    // org-b's own users get org-b's configured IdP.
    backend.create_user(&b, entra_user(41)).await.unwrap();
    assert_eq!(
        double.users("org-b")[0]["idpLinks"][0]["idpId"],
        "idp-org-b"
    );
}

#[tokio::test]
async fn group_membership_maps_to_roles_and_deleted_users_leave_groups() {
    let (double, backend) = setup(ZitadelVersion::V4_13).await;
    let c = ctx("org-a");
    let u = backend
        .create_user(&c, entra_user(50))
        .await
        .unwrap()
        .id
        .unwrap();
    let plain = backend.create_group(&c, Group::new("Sales")).await.unwrap();
    let admins = backend
        .create_group(&c, Group::new("Admins"))
        .await
        .unwrap();
    let add = |gid: &str| {
        let add = patch(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Add", "path": "members", "value": [{"value": u}]}]}),
        );
        let gid = gid.to_owned();
        let backend = &backend;
        let c = &c;
        async move {
            backend
                .patch_group(
                    c,
                    &gid,
                    &add,
                    &ResourceSchema::group(),
                    None,
                    &Selection::all(),
                )
                .await
                .unwrap()
        }
    };
    double.reset_calls();
    add(plain.id.as_deref().unwrap()).await;
    let calls = double.calls();
    assert_eq!(
        calls.keys().filter(|k| !k.ends_with("/ListUsers")).count(),
        0,
        "only the member check may reach Zitadel without a role mapping: {calls:?}"
    );
    add(admins.id.as_deref().unwrap()).await;
    let roles =
        |double: &ZitadelDouble| double.users("org-a")[0]["authorizations"][0]["roleKeys"].clone();
    assert_eq!(roles(&double), json!(["scim-admin", "scim-user"]));
    let read = backend.get_user(&c, &u, &Selection::all()).await.unwrap();
    assert_eq!(read.groups.len(), 2);
    backend
        .delete_group(&c, admins.id.as_deref().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(roles(&double), json!(["scim-user"]));
    backend.delete_user(&c, &u, None).await.unwrap();
    assert!(double.users("org-a").is_empty());
    let g = backend
        .get_group(&c, plain.id.as_deref().unwrap(), &Selection::all())
        .await
        .unwrap();
    assert!(g.members.is_empty());
}

#[tokio::test]
async fn older_servers_use_the_older_paths() {
    let (double, backend) = setup(ZitadelVersion::V4_0).await;
    let c = ctx("org-a");
    let id = backend
        .create_user(&c, entra_user(60))
        .await
        .unwrap()
        .id
        .unwrap();
    let calls = double.calls();
    assert_eq!(
        calls.get("zitadel.authorization.v2beta.AuthorizationService/CreateAuthorization"),
        Some(&1),
        "{calls:?}"
    );
    // No metadata filters on v4.0: a moved externalId is found by a bounded scan.
    backend
        .patch_user(
            &c,
            &id,
            &patch(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "externalId", "value": "moved-60"}]}),
            ),
            &ResourceSchema::user(),
            None,
        )
        .await
        .unwrap();
    let found = backend
        .list_users(&c, &filter(r#"externalId eq "moved-60""#))
        .await
        .unwrap();
    assert_eq!(found.total_results, 1);
}

#[tokio::test]
async fn key_file_tokens_are_exchanged_once_and_refreshed_before_expiry() {
    use scimitar::backend::zitadel::KeyFile;
    let double = ZitadelDouble::start(DoubleConfig::default()).await.unwrap();
    let key = KeyFile::from_json(&double.key_file_json()).unwrap();
    let cfg = ZitadelConfig::new(double.url(), Credentials::KeyFile(key)).with_retry(retry());
    assert!(!format!("{cfg:?}").contains("PRIVATE KEY"));
    let companion = Arc::new(MemoryBackend::new().with_foreign_members());
    let backend = Arc::new(ZitadelBackend::new(cfg, companion).unwrap());
    let c = ctx("org-a");
    let id = backend
        .create_user(&c, entra_user(70))
        .await
        .unwrap()
        .id
        .unwrap();
    let mut readers = Vec::new();
    for _ in 0..8 {
        let (b, c, id) = (backend.clone(), c.clone(), id.clone());
        readers.push(tokio::spawn(async move {
            b.get_user(&c, &id, &Selection::all()).await.unwrap()
        }));
    }
    for r in readers {
        r.await.unwrap();
    }
    assert_eq!(double.calls().get("oauth/v2/token"), Some(&1));
    // A token about to expire is not used: each call gets a fresh one.
    let fresh = ZitadelBackend::new(
        ZitadelConfig::new(
            double.url(),
            Credentials::KeyFile(KeyFile::from_json(&double.key_file_json()).unwrap()),
        )
        .with_retry(retry()),
        Arc::new(MemoryBackend::new()),
    )
    .unwrap();
    double.set_token_lifetime(Duration::from_secs(1));
    double.reset_calls();
    for _ in 0..3 {
        fresh.get_user(&c, &id, &Selection::all()).await.unwrap();
    }
    let calls = double.calls();
    let api_calls: u64 = calls
        .iter()
        .filter(|(k, _)| k.as_str() != "oauth/v2/token")
        .map(|(_, n)| n)
        .sum();
    assert!(api_calls >= 3);
    assert_eq!(calls.get("oauth/v2/token"), Some(&api_calls), "{calls:?}");
}

/// Zitadel calls per SCIM operation (the figures of BENCHMARKS.md): run with `--nocapture`
/// to see the table; the assertions keep them from growing.
#[tokio::test]
async fn zitadel_calls_per_scim_operation() {
    let (double, backend) = setup(ZitadelVersion::V4_13).await;
    let c = ctx("org-a");
    let schema = ResourceSchema::user();
    let mut rows: Vec<(&str, u64, u64)> = Vec::new();
    let mut measure = |name: &'static str, max: u64, double: &ZitadelDouble| {
        let calls = double.calls();
        let n = sum(&calls);
        assert!(
            n <= max,
            "{name}: {n} calls, at most {max} expected: {calls:?}"
        );
        rows.push((name, n, max));
        double.reset_calls();
    };
    backend.create_user(&c, entra_user(200)).await.unwrap(); // IdP found once per org
    double.reset_calls();
    let id = backend
        .create_user(&c, entra_user(201))
        .await
        .unwrap()
        .id
        .unwrap();
    measure(
        "create (IdP link + metadata, 1 role authorization)",
        2,
        &double,
    );
    backend
        .list_users(&c, &filter(r#"userName eq "nobody@contoso.com""#))
        .await
        .unwrap();
    measure("lookup userName eq, no match (Test connection)", 2, &double);
    backend
        .list_users(
            &c,
            &filter(r#"externalId eq "00000000-0000-4000-8000-000000000201""#),
        )
        .await
        .unwrap();
    measure("lookup externalId eq, match, full user", 2, &double);
    backend
        .list_users(&c, &filter(r#"userName eq "user201@contoso.com""#))
        .await
        .unwrap();
    measure("lookup userName eq, match, full user", 2, &double);
    let mut no_ext = entra_user(202);
    no_ext.external_id = None;
    backend.create_user(&c, no_ext).await.unwrap();
    double.reset_calls();
    let only_ids = Selection {
        attributes: vec![scimitar::AttrPath::new("userName")],
        excluded_attributes: vec![],
    };
    backend
        .list_users(
            &c,
            &filter(r#"userName eq "user202@contoso.com""#).with_selection(only_ids),
        )
        .await
        .unwrap();
    measure("lookup userName eq, match, attributes=userName", 1, &double);
    backend.get_user(&c, &id, &Selection::all()).await.unwrap();
    measure("GET /Users/{id}", 2, &double);
    let off = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": false}]}),
    );
    backend
        .patch_user(&c, &id, &off, &schema, None)
        .await
        .unwrap();
    measure("PATCH active false", 2, &double);
    let title = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "title", "value": "Lead"}]}),
    );
    backend
        .patch_user(&c, &id, &title, &schema, None)
        .await
        .unwrap();
    measure("PATCH title (metadata)", 3, &double);
    let g = backend.create_group(&c, Group::new("Sales")).await.unwrap();
    measure("POST /Groups (no members)", 0, &double);
    let add = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "members", "value": [{"value": id}]}]}),
    );
    backend
        .patch_group(
            &c,
            g.id.as_deref().unwrap(),
            &add,
            &ResourceSchema::group(),
            None,
            &Selection::all(),
        )
        .await
        .unwrap();
    measure("PATCH group members add 1 (no role mapping)", 0, &double);
    backend.delete_user(&c, &id, None).await.unwrap();
    measure("DELETE /Users/{id} (1 authorization)", 4, &double);
    println!("| SCIM operation | Zitadel calls | bound |\n|---|---|---|");
    for (name, n, max) in rows {
        println!("| {name} | {n} | {max} |");
    }
}

#[tokio::test]
async fn post_filtered_queries_are_bounded() {
    let double = ZitadelDouble::start(DoubleConfig::default()).await.unwrap();
    let backend = ZitadelBackend::new(
        config(&double).with_scan_limit(2),
        Arc::new(MemoryBackend::new().with_foreign_members()),
    )
    .unwrap();
    let c = ctx("org-a");
    for n in 80..83 {
        backend.create_user(&c, entra_user(n)).await.unwrap();
    }
    // `title` lives in metadata: Zitadel cannot filter on it, so every user is examined.
    let e = backend
        .list_users(&c, &filter(r#"title eq "Engineer""#))
        .await
        .unwrap_err();
    assert_eq!(e.status().as_u16(), 400);
    assert_eq!(e.to_error().scim_type(), Some(scimitar::ScimType::TooMany));
    // Pushed down exactly: no bound applies, and paging is Zitadel's.
    let page = backend
        .list_users(&c, &filter(r#"userName sw "user8""#).with_page(2, Some(1)))
        .await
        .unwrap();
    assert_eq!((page.total_results, page.resources.len()), (3, 1));
    assert_eq!(page.resources[0].user_name, "user81@contoso.com");
}

/// Custom resource types live in the companion store: the kit's `custom_types` check passes
/// over the Zitadel backend (RFC 7643 §6).
#[cfg(feature = "testkit")]
#[tokio::test]
async fn custom_types_are_kept_in_the_companion() {
    let double = ZitadelDouble::start(DoubleConfig::default()).await.unwrap();
    let url = double.url();
    let pat = double.pat();
    let factory = move || {
        let (url, pat) = (url.clone(), pat.clone());
        async move {
            let cfg =
                ZitadelConfig::new(url, Credentials::Pat(Secret::new(pat))).with_retry(retry());
            let companion = Arc::new(MemoryBackend::new().with_foreign_members());
            Arc::new(ZitadelBackend::new(cfg, companion).unwrap()) as Arc<dyn IdentityBackend>
        }
    };
    if let Err(f) = scimitar::testkit::check_custom_types(&factory).await {
        panic!("{f}");
    }
}

/// User extension attributes registered at run time (an acme extension, an Entra ID custom
/// extension attribute) are kept in Zitadel user metadata: read back, found by a filter on
/// their full path, patched (RFC 7643 §3.3).
#[tokio::test]
async fn user_extension_attributes_round_trip_through_metadata() {
    use scimitar::schema::{Attribute, AttributeType, Schema, SchemaRegistry};
    let acme = "urn:acme:params:scim:schemas:extension:2.0:User";
    let entra = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User";
    let mut reg = SchemaRegistry::rfc();
    reg.register_schema(Schema::new(
        acme,
        "Acme",
        "",
        vec![
            Attribute::new("badge", AttributeType::String),
            Attribute::new("clearance", AttributeType::Integer),
        ],
    ));
    reg.register_schema(Schema::new(
        entra,
        "Contoso",
        "",
        vec![Attribute::new("costCode", AttributeType::String)],
    ));
    reg.add_extension("User", acme, false).unwrap();
    reg.add_extension("User", entra, false).unwrap();
    let users = reg.resource_type("User").unwrap().clone();
    let (_double, backend) = setup(ZitadelVersion::V4_13).await;
    let a = ctx("org-a");
    let user = User::from_json(json!({
        "userName": "ext@contoso.com",
        "name": {"givenName": "E", "familyName": "X"},
        "emails": [{"value": "ext@contoso.com", "type": "work", "primary": true}],
        acme: {"badge": "B-1", "clearance": 3},
        entra: {"costCode": "CC-1"}
    }))
    .unwrap();
    let id = backend.create_user(&a, user).await.unwrap().id.unwrap();
    let read = backend.get_user(&a, &id, &Selection::all()).await.unwrap();
    assert_eq!(
        read.extension(acme),
        Some(&json!({"badge": "B-1", "clearance": 3}))
    );
    assert_eq!(read.extension(entra), Some(&json!({"costCode": "CC-1"})));
    let q = ListQuery::new()
        .with_filter(Filter::parse(&format!("{entra}:costCode eq \"CC-1\"")).unwrap())
        .with_schema(users.clone());
    let page = backend.list_users(&a, &q).await.unwrap();
    assert_eq!(page.total_results, 1);
    assert_eq!(page.resources[0].id.as_deref(), Some(id.as_str()));
    let p = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": format!("{acme}:clearance"), "value": 5}]}),
    );
    backend.patch_user(&a, &id, &p, &users, None).await.unwrap();
    let read = backend.get_user(&a, &id, &Selection::all()).await.unwrap();
    assert_eq!(
        read.extension(acme),
        Some(&json!({"badge": "B-1", "clearance": 5}))
    );
    assert_eq!(read.extension(entra), Some(&json!({"costCode": "CC-1"})));
}

/// RFC 9865: Zitadel's ListUsers pages by offset only (no "id after" query to walk by keyset),
/// so users walk by offset in creation-date order (stable under creates, not deletes) and
/// groups in the companion; the kit's `cursor_walk` check walks them, forwards and back.
#[cfg(feature = "testkit")]
#[tokio::test]
async fn cursor_walks_by_creation_date_and_the_kit_agrees() {
    let double =
        ZitadelDouble::start(DoubleConfig::default().with_orgs(["kit-tenant-a", "kit-tenant-b"]))
            .await
            .unwrap();
    let cfg = ZitadelConfig::new(double.url(), Credentials::Pat(Secret::new(double.pat())))
        .with_retry(retry());
    let backend = Arc::new(
        ZitadelBackend::new(cfg, Arc::new(MemoryBackend::new().with_foreign_members())).unwrap(),
    );
    assert!(backend.capabilities().cursor && !backend.capabilities().cursor_keyset);
    let factory = move || {
        let b = backend.clone();
        async move { b as Arc<dyn IdentityBackend> }
    };
    scimitar::testkit::check_cursor_walk(&factory)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_user_that_cannot_be_finished_is_undone_not_reported() {
    let double = ZitadelDouble::start(DoubleConfig::default()).await.unwrap();
    let cfg = ZitadelConfig::new(double.url(), Credentials::Pat(Secret::new(double.pat())))
        .with_retry(retry())
        .with_org(
            "org-a",
            OrgSettings::default().with_roles("project-org-a", &["no-such-role"]),
        );
    let backend =
        ZitadelBackend::new(cfg, Arc::new(MemoryBackend::new().with_foreign_members())).unwrap();
    let c = ctx("org-a");
    let e = backend.create_user(&c, entra_user(90)).await.unwrap_err();
    assert!(e.status().is_client_error() || e.status().is_server_error());
    assert!(
        double.users("org-a").is_empty(),
        "the half-made user was removed"
    );
    // A disabled user is created, then deactivated: 2 calls, and it reads back inactive.
    let (double, backend) = setup(ZitadelVersion::V4_0).await;
    let mut off = entra_user(91);
    off.active = Some(false);
    let id = backend.create_user(&c, off).await.unwrap().id.unwrap();
    assert_eq!(double.users("org-a")[0]["state"], "USER_STATE_INACTIVE");
    let read = backend.get_user(&c, &id, &Selection::all()).await.unwrap();
    assert_eq!(read.active, Some(false));
    // v4.0 (authorization v2beta): delete removes the authorizations too.
    backend.delete_user(&c, &id, None).await.unwrap();
    assert!(double.users("org-a").is_empty());
    let calls = double.calls();
    assert!(
        calls.contains_key("zitadel.authorization.v2beta.AuthorizationService/DeleteAuthorization"),
        "{calls:?}"
    );
}

/// The production companion: groups (members are Zitadel ids) and the lookup index in SQLite,
/// shared by two backends as by two replicas or a restart.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_sqlite_companion_holds_groups_of_zitadel_users_and_the_index() {
    use scimitar::backend::sql::{SqlBackend, SqlOptions};
    let double = ZitadelDouble::start(DoubleConfig::default()).await.unwrap();
    double.set_faults(Faults::default().with_list_users_lag(Duration::from_secs(60)));
    let dir = std::env::temp_dir().join(format!("scimitar-zitadel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("companion.db").display());
    let open = || async {
        let sql = SqlBackend::connect_with(SqlOptions::new(&url).with_foreign_members())
            .await
            .unwrap();
        ZitadelBackend::new(config(&double), Arc::new(sql)).unwrap()
    };
    let c = ctx("org-a");
    let first = open().await;
    let id = first
        .create_user(&c, entra_user(60))
        .await
        .unwrap()
        .id
        .unwrap();
    let g = first
        .create_group(
            &c,
            Group::new("Sales").with_member(Member::user(id.clone())),
        )
        .await
        .unwrap();
    // Without the option the SQL store refuses a member it does not hold.
    let strict = SqlBackend::connect("sqlite::memory:").await.unwrap();
    let e = strict
        .create_group(&c, Group::new("X").with_member(Member::user(id.clone())))
        .await
        .unwrap_err();
    assert_eq!(e.status().as_u16(), 400);
    drop(first);
    // "After a restart": ListUsers still lags, the index and the groups are in the file.
    let second = open().await;
    let found = second
        .list_users(&c, &filter(r#"userName eq "USER60@contoso.com""#))
        .await
        .unwrap();
    assert_eq!(found.resources[0].id.as_deref(), Some(id.as_str()));
    assert_eq!(found.resources[0].groups.len(), 1);
    let read = second
        .get_group(&c, g.id.as_deref().unwrap(), &Selection::all())
        .await;
    assert_eq!(read.unwrap().members[0].value, id);
    second.delete_user(&c, &id, None).await.unwrap();
    let g = second
        .get_group(&c, g.id.as_deref().unwrap(), &Selection::all())
        .await
        .unwrap();
    assert!(g.members.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// RFC 9865 on Zitadel: a users walk is one `ListUsers` call per page (sorted by
/// `USER_FIELD_NAME_CREATION_DATE` ascending, which the double honours), in creation order,
/// and a user created during the walk sorts last: the walk ends with it.
#[tokio::test]
async fn users_walk_in_creation_order_one_list_users_per_page() {
    let (double, backend) = setup(ZitadelVersion::V4_13).await;
    let c = ctx("org-a");
    let mut made = Vec::new();
    for n in 300..307 {
        made.push(
            backend
                .create_user(&c, entra_user(n))
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    double.reset_calls();
    let mut at = scimitar::query::CursorPosition::Start;
    let mut seen: Vec<String> = Vec::new();
    let mut pages = 0u32;
    loop {
        let q = ListQuery::new()
            .with_page(1, Some(3))
            .with_cursor(at.clone());
        let p = backend.list_users(&c, &q).await.unwrap();
        pages += 1;
        let lists: u64 = double
            .calls()
            .iter()
            .filter(|(k, _)| k.ends_with("/ListUsers"))
            .map(|(_, n)| *n)
            .sum();
        assert_eq!(lists, 1, "page {pages}: {:?}", double.calls());
        assert!(p.resources.len() <= 3);
        assert_eq!(p.previous.is_some(), pages > 1, "page {pages}");
        seen.extend(p.resources.iter().map(|u| u.id.clone().unwrap()));
        let Some(next) = p.next else { break };
        at = scimitar::query::CursorPosition::After(next);
        assert!(pages < 20, "the walk does not end");
        if pages <= 2 {
            let extra = backend
                .create_user(&c, entra_user(400 + pages))
                .await
                .unwrap();
            made.push(extra.id.unwrap());
        }
        double.reset_calls();
    }
    assert_eq!(seen, made);
}

/// Users made outside SCIM (Zitadel's console: Zitadel picks a numeric id) join and leave SCIM
/// groups like SCIM's own: checked against Zitadel (one `ListUsers` for the batch, org-scoped),
/// shown in the group and in the user's `groups`, found by `members[value eq …]`, removed by
/// Entra ID's PATCH, and out of every group once deleted.
async fn console_users_join_and_leave_groups(double: &ZitadelDouble, backend: &ZitadelBackend) {
    let c = ctx("org-a");
    let z1 = double
        .add_console_user("org-a", "console1@contoso.com")
        .unwrap();
    let z2 = double
        .add_console_user("org-a", "console2@contoso.com")
        .unwrap();
    let other = double
        .add_console_user("org-b", "console3@contoso.com")
        .unwrap();
    assert!(z1.bytes().all(|b| b.is_ascii_digit()), "{z1}");
    let scim = backend
        .create_user(&c, entra_user(70))
        .await
        .unwrap()
        .id
        .unwrap();
    let gid = backend
        .create_group(&c, Group::new("Console"))
        .await
        .unwrap()
        .id
        .unwrap();
    let schema = ResourceSchema::group();
    let add = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "members",
                        "value": [{"value": z1}, {"value": z2}, {"value": scim}]}]}),
    );
    double.reset_calls();
    let g = backend
        .patch_group(&c, &gid, &add, &schema, None, &Selection::all())
        .await
        .unwrap();
    let calls = double.calls();
    assert_eq!(sum(&calls), 1, "one ListUsers for the batch: {calls:?}");
    let mut values: Vec<&str> = g.members.iter().map(|m| m.value.as_str()).collect();
    values.sort();
    let mut want = vec![z1.as_str(), z2.as_str(), scim.as_str()];
    want.sort();
    assert_eq!(values, want);
    let read = backend
        .get_group(&c, &gid, &Selection::all())
        .await
        .unwrap();
    assert_eq!(read.members.len(), 3);
    // the user's `groups`, by id and by a userName lookup
    let u = backend.get_user(&c, &z1, &Selection::all()).await.unwrap();
    assert_eq!(u.groups.len(), 1);
    assert_eq!(u.groups[0].value.as_deref(), Some(gid.as_str()));
    let found = backend
        .list_users(&c, &filter(r#"userName eq "console1@contoso.com""#))
        .await
        .unwrap();
    assert_eq!(found.resources[0].id.as_deref(), Some(z1.as_str()));
    assert_eq!(found.resources[0].groups.len(), 1);
    let of = |id: &str| filter(&format!(r#"members[value eq "{id}"]"#));
    assert_eq!(
        backend
            .list_groups(&c, &of(&z1))
            .await
            .unwrap()
            .total_results,
        1
    );
    // another org's user is not a member here, whatever its id looks like
    let foreign = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "members", "value": [{"value": other}]}]}),
    );
    let e = backend
        .patch_group(&c, &gid, &foreign, &schema, None, &Selection::all())
        .await
        .unwrap_err();
    assert_eq!(e.status().as_u16(), 400);
    // nor is an id Zitadel does not know
    let unknown = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "members", "value": [{"value": "999999999999999999"}]}]}),
    );
    let e = backend
        .patch_group(&c, &gid, &unknown, &schema, None, &Selection::all())
        .await
        .unwrap_err();
    assert_eq!(e.status().as_u16(), 400);
    // Entra ID's member removal
    let remove = patch(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Remove", "path": format!("members[value eq \"{z1}\"]")}]}),
    );
    let g = backend
        .patch_group(&c, &gid, &remove, &schema, None, &Selection::all())
        .await
        .unwrap();
    assert_eq!(g.members.len(), 2);
    let u = backend.get_user(&c, &z1, &Selection::all()).await.unwrap();
    assert!(u.groups.is_empty());
    assert_eq!(
        backend
            .list_groups(&c, &of(&z1))
            .await
            .unwrap()
            .total_results,
        0
    );
    // a deleted console user leaves every group
    backend.delete_user(&c, &z2, None).await.unwrap();
    let g = backend
        .get_group(&c, &gid, &Selection::all())
        .await
        .unwrap();
    let values: Vec<&str> = g.members.iter().map(|m| m.value.as_str()).collect();
    assert_eq!(values, [scim.as_str()]);
    assert_eq!(
        backend
            .list_groups(&c, &of(&z2))
            .await
            .unwrap()
            .total_results,
        0
    );
}

#[tokio::test]
async fn console_users_join_groups_with_a_memory_companion() {
    let (double, backend) = setup(ZitadelVersion::V4_13).await;
    console_users_join_and_leave_groups(&double, &backend).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn console_users_join_groups_with_a_sqlite_companion() {
    use scimitar::backend::sql::{SqlBackend, SqlOptions};
    let double = ZitadelDouble::start(DoubleConfig::default()).await.unwrap();
    let dir = std::env::temp_dir().join(format!("scimitar-zconsole-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("companion.db").display());
    let sql = SqlBackend::connect_with(SqlOptions::new(&url).with_foreign_members())
        .await
        .unwrap();
    let backend = ZitadelBackend::new(config(&double), Arc::new(sql)).unwrap();
    backend
        .list_users(&ctx("org-a"), &ListQuery::new().with_page(1, Some(1)))
        .await
        .unwrap();
    console_users_join_and_leave_groups(&double, &backend).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Users changed in Zitadel's console behind the companion's index: a lookup that reads a
/// stale entry (the user deleted: `GetUserByID` says not found; or renamed) corrects it and
/// falls back to `ListUsers`; a user found deleted, by a lookup or a read by id, leaves every
/// group.
#[tokio::test]
async fn stale_index_entries_are_corrected_when_read() {
    let (double, backend) = setup(ZitadelVersion::V4_13).await;
    let c = ctx("org-a");
    let index_of = |name: &'static str| {
        let backend = &backend;
        let c = &c;
        async move {
            let q = filter(&format!(r#"userName eq "{name}""#));
            let page = backend.companion().list_users(c, &q).await.unwrap();
            page.resources
                .into_iter()
                .filter_map(|u| u.external_id)
                .collect::<Vec<_>>()
        }
    };
    let x = backend
        .create_user(&c, entra_user(80))
        .await
        .unwrap()
        .id
        .unwrap();
    let gid = backend
        .create_group(&c, Group::new("Stale").with_member(Member::user(x.clone())))
        .await
        .unwrap()
        .id
        .unwrap();
    assert_eq!(
        index_of("user80@contoso.com").await,
        std::slice::from_ref(&x)
    );

    // Deleted in the console, and the name taken again there by a new user.
    assert!(double.delete_console_user(&x));
    let y = double
        .add_console_user("org-a", "user80@contoso.com")
        .unwrap();
    let found = backend
        .list_users(&c, &filter(r#"userName eq "user80@contoso.com""#))
        .await
        .unwrap();
    assert_eq!(found.total_results, 1);
    assert_eq!(found.resources[0].id.as_deref(), Some(y.as_str()));
    assert!(index_of("user80@contoso.com").await.is_empty());
    let g = backend
        .get_group(&c, &gid, &Selection::all())
        .await
        .unwrap();
    assert!(g.members.is_empty(), "{:?}", g.members);
    // the next lookup costs no GetUserByID of the stale id
    double.reset_calls();
    backend
        .list_users(&c, &filter(r#"userName eq "user80@contoso.com""#))
        .await
        .unwrap();
    assert_eq!(
        double
            .calls()
            .get("zitadel.user.v2.UserService/GetUserByID"),
        None,
        "{:?}",
        double.calls()
    );

    // Renamed in the console: the old name finds nobody, the entry follows the new name.
    let r = backend
        .create_user(&c, entra_user(81))
        .await
        .unwrap()
        .id
        .unwrap();
    double
        .rename_console_user(&r, "renamed81@contoso.com")
        .unwrap();
    let old = backend
        .list_users(&c, &filter(r#"userName eq "user81@contoso.com""#))
        .await
        .unwrap();
    assert_eq!(old.total_results, 0);
    assert!(index_of("user81@contoso.com").await.is_empty());
    assert_eq!(
        index_of("renamed81@contoso.com").await,
        std::slice::from_ref(&r)
    );
    let new = backend
        .list_users(&c, &filter(r#"userName eq "renamed81@contoso.com""#))
        .await
        .unwrap();
    assert_eq!(new.resources[0].id.as_deref(), Some(r.as_str()));

    // Deleted in the console and read by id: 404, and out of its groups.
    backend
        .modify_group_members(
            &c,
            &gid,
            &[Member::user(r.clone())],
            &[],
            None,
            &Selection::all(),
        )
        .await
        .unwrap();
    assert!(double.delete_console_user(&r));
    let e = backend
        .get_user(&c, &r, &Selection::all())
        .await
        .unwrap_err();
    assert_eq!(e.status().as_u16(), 404);
    let g = backend
        .get_group(&c, &gid, &Selection::all())
        .await
        .unwrap();
    assert!(g.members.is_empty(), "{:?}", g.members);
    assert!(index_of("renamed81@contoso.com").await.is_empty());
}
