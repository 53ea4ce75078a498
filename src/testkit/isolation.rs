//! Tenant isolation: one key, one tenant. Nothing of tenant A is found, read, changed or
//! deleted through tenant B, by id or by filter through the trait (here), by `.search` or with
//! B's key through the server (`isolation_server.rs`) ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3); RFC 7644 §7.6
//! on the privacy of identity data).

use super::failure::{Outcome, Step, ensure};
use super::harness::{Bench, Tenant};
use super::{BackendFactory, Failure};
use crate::Filter;
use crate::backend::{BackendError, BackendErrorKind, IdentityBackend};
use crate::patch::{PatchLimits, PatchRequest};
use crate::query::{ListQuery, Selection};
use crate::resource::{Group, Member, User};
use crate::schema::ResourceSchema;
use crate::{Compat, auth::Context};
use serde_json::json;

/// Runs the four isolation checks, each on a fresh backend
/// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
pub async fn check_isolation<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    check_isolation_by_id(factory).await?;
    check_isolation_by_filter(factory).await?;
    super::isolation_server::check_isolation_by_search(factory).await?;
    super::isolation_server::check_isolation_by_key(factory).await
}

/// What tenant A owns at the start of each isolation check; B has its own user with A's
/// `userName` (names are unique per tenant only) and its own group.
pub(super) struct World {
    pub(super) bench: Bench,
    pub(super) user: String,
    pub(super) group: String,
    pub(super) b_user: String,
    pub(super) b_group: String,
}

pub(super) const A_NAME: &str = "only-in-a@example.com";
pub(super) const SHARED_NAME: &str = "shared@example.com";
pub(super) const A_EXTERNAL: &str = "external-of-a";

pub(super) async fn world<F: BackendFactory + ?Sized>(factory: &F) -> Outcome<World> {
    let bench = Bench::new(factory).await?;
    let b = &bench.backend;
    let (a, bc) = (Tenant::A.ctx(), Tenant::B.ctx());
    let user = created(
        b.create_user(&a, User::new(A_NAME).with_external_id(A_EXTERNAL))
            .await,
    )?;
    let shared = created(b.create_user(&a, User::new(SHARED_NAME)).await)?;
    let group = b
        .create_group(
            &a,
            Group::new("Group of A")
                .with_member(Member::user(&user))
                .with_member(Member::user(&shared)),
        )
        .await
        .step("tenant A: create_group")?
        .id
        .step("tenant A's group id")?;
    let b_user = created(b.create_user(&bc, User::new(SHARED_NAME)).await)
        .map_err(|e| format!("tenant B cannot use a userName of tenant A: {e}"))?;
    let b_group = b
        .create_group(
            &bc,
            Group::new("Group of B").with_member(Member::user(&b_user)),
        )
        .await
        .step("tenant B: create_group")?
        .id
        .step("tenant B's group id")?;
    Ok(World {
        bench,
        user,
        group,
        b_user,
        b_group,
    })
}

fn created(r: Result<User, BackendError>) -> Outcome<String> {
    r.step("create_user")?.id.step("the created user's id")
}

/// Tenant A's user and group are exactly as they were (`meta.version` included).
async fn a_unchanged(w: &World, user: &User, group: &Group) -> Outcome {
    let a = Tenant::A.ctx();
    let all = Selection::all();
    let u = w
        .bench
        .backend
        .get_user(&a, &w.user, &all)
        .await
        .step("tenant A: get_user")?;
    let g = w
        .bench
        .backend
        .get_group(&a, &w.group, &all)
        .await
        .step("tenant A: get_group")?;
    ensure!(
        u == *user,
        "tenant B changed tenant A's user: {u:?}, was {user:?}"
    );
    ensure!(
        g == *group,
        "tenant B changed tenant A's group: {g:?}, was {group:?}"
    );
    Ok(())
}

fn not_found<T: std::fmt::Debug>(what: &str, r: Result<T, BackendError>) -> Outcome {
    match r {
        Err(e) if e.kind() == BackendErrorKind::NotFound => Ok(()),
        other => Err(format!(
            "tenant B: {what} on tenant A's id gave {other:?}, expected 404"
        )),
    }
}

/// Every operation by id of tenant A's user and group, as tenant B, is 404; B cannot add A's
/// user to its own group (400); A's resources are unchanged (check `isolation_by_id`;
/// [RFC 7644 §3.4.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.1)).
pub async fn check_isolation_by_id<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    by_id(factory)
        .await
        .map_err(|e| Failure::new("isolation_by_id", e))
}

async fn by_id<F: BackendFactory + ?Sized>(factory: &F) -> Outcome {
    let w = world(factory).await?;
    let b: &dyn IdentityBackend = &*w.bench.backend;
    let (a, bc) = (Tenant::A.ctx(), Tenant::B.ctx());
    let all = Selection::all();
    let user = b
        .get_user(&a, &w.user, &all)
        .await
        .step("tenant A: get_user")?;
    let group = b
        .get_group(&a, &w.group, &all)
        .await
        .step("tenant A: get_group")?;
    let patch = PatchRequest::from_value(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "path": "displayName", "value": "taken over"}]}),
        &Compat::default(),
        &PatchLimits::default(),
    )
    .step("the kit's PATCH")?;
    let (us, gs) = (ResourceSchema::user(), ResourceSchema::group());
    not_found("get_user", b.get_user(&bc, &w.user, &all).await)?;
    not_found(
        "replace_user",
        b.replace_user(&bc, &w.user, User::new("x"), None).await,
    )?;
    not_found(
        "patch_user",
        b.patch_user(&bc, &w.user, &patch, &us, None).await,
    )?;
    not_found("get_group", b.get_group(&bc, &w.group, &all).await)?;
    not_found(
        "replace_group",
        b.replace_group(&bc, &w.group, Group::new("x"), None).await,
    )?;
    not_found(
        "patch_group",
        b.patch_group(&bc, &w.group, &patch, &gs, None, &all).await,
    )?;
    let remove = [w.user.clone()];
    not_found(
        "modify_group_members (remove)",
        b.modify_group_members(&bc, &w.group, &[], &remove, None, &all)
            .await,
    )?;
    let add = [Member::new(&w.b_user)];
    not_found(
        "modify_group_members (add)",
        b.modify_group_members(&bc, &w.group, &add, &[], None, &all)
            .await,
    )?;
    not_found("delete_user", b.delete_user(&bc, &w.user, None).await)?;
    not_found("delete_group", b.delete_group(&bc, &w.group, None).await)?;
    // A's user is no member B can name
    let foreign = [Member::new(&w.user)];
    let r = b
        .modify_group_members(&bc, &w.b_group, &foreign, &[], None, &all)
        .await;
    ensure!(
        r.as_ref()
            .is_err_and(|e| e.kind() == BackendErrorKind::Invalid),
        "tenant B added tenant A's user to its group: {r:?}, expected 400"
    );
    let r = b
        .create_group(&bc, Group::new("x").with_member(Member::user(&w.user)))
        .await;
    ensure!(
        r.as_ref()
            .is_err_and(|e| e.kind() == BackendErrorKind::Invalid),
        "tenant B created a group with tenant A's user: {r:?}, expected 400"
    );
    a_unchanged(&w, &user, &group).await
}

async fn ids_of(
    b: &dyn IdentityBackend,
    ctx: &Context,
    users: bool,
    filter: &str,
) -> Outcome<Vec<String>> {
    let mut q = ListQuery::new();
    if !filter.is_empty() {
        q = q.with_filter(Filter::parse(filter).step(filter)?);
    }
    if users {
        let p = b
            .list_users(ctx, &q)
            .await
            .step(&format!("list_users {filter:?}"))?;
        ensure!(
            p.total_results == p.resources.len(),
            "list_users {filter:?}: totalResults {} for {} users",
            p.total_results,
            p.resources.len()
        );
        Ok(p.resources.into_iter().filter_map(|u| u.id).collect())
    } else {
        let p = b
            .list_groups(ctx, &q)
            .await
            .step(&format!("list_groups {filter:?}"))?;
        ensure!(
            p.total_results == p.resources.len(),
            "list_groups {filter:?}: totalResults {} for {} groups",
            p.total_results,
            p.resources.len()
        );
        Ok(p.resources.into_iter().filter_map(|g| g.id).collect())
    }
}

/// Tenant B's lists, with and without filters on every indexed attribute and on scanned
/// ones, find only B's resources (check `isolation_by_filter`;
/// [RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).
pub async fn check_isolation_by_filter<F: BackendFactory + ?Sized>(
    factory: &F,
) -> Result<(), Failure> {
    by_filter(factory)
        .await
        .map_err(|e| Failure::new("isolation_by_filter", e))
}

async fn by_filter<F: BackendFactory + ?Sized>(factory: &F) -> Outcome {
    let w = world(factory).await?;
    let b: &dyn IdentityBackend = &*w.bench.backend;
    let bc = Tenant::B.ctx();
    let user_filters: [(String, bool); 10] = [
        (String::new(), true),
        (format!("id eq \"{}\"", w.user), false),
        (format!("userName eq \"{A_NAME}\""), false),
        (format!("userName eq \"{SHARED_NAME}\""), true),
        (format!("externalId eq \"{A_EXTERNAL}\""), false),
        ("userName sw \"only\"".to_owned(), false),
        ("userName co \"@example.com\"".to_owned(), true),
        (format!("groups.value eq \"{}\"", w.group), false),
        (format!("id eq \"{}\" or userName pr", w.user), true),
        ("not (userName eq \"nobody\")".to_owned(), true),
    ];
    for (f, finds_b) in &user_filters {
        let got = ids_of(b, &bc, true, f).await?;
        let want: Vec<String> = finds_b.then(|| w.b_user.clone()).into_iter().collect();
        ensure!(
            got == want,
            "tenant B: users {f:?} gives {got:?}, expected only B's {want:?}"
        );
    }
    let group_filters: [(String, bool); 6] = [
        (String::new(), true),
        (format!("id eq \"{}\"", w.group), false),
        ("displayName eq \"Group of A\"".to_owned(), false),
        ("displayName sw \"Group\"".to_owned(), true),
        (format!("members.value eq \"{}\"", w.user), false),
        (format!("members[value eq \"{}\"]", w.user), false),
    ];
    for (f, finds_b) in &group_filters {
        let got = ids_of(b, &bc, false, f).await?;
        let want: Vec<String> = finds_b.then(|| w.b_group.clone()).into_iter().collect();
        ensure!(
            got == want,
            "tenant B: groups {f:?} gives {got:?}, expected only B's {want:?}"
        );
    }
    // and A still sees its own
    let a = Tenant::A.ctx();
    let got = ids_of(b, &a, true, &format!("userName eq \"{SHARED_NAME}\"")).await?;
    ensure!(
        got.len() == 1 && got != [w.b_user.clone()],
        "tenant A: its shared-name user is {got:?}"
    );
    Ok(())
}
