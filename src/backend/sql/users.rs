//! Users in SQL: one row per user (JSON body plus the indexed `userName`, folded, and
//! `externalId`), `User.groups` read from the member table
//! ([RFC 7643 §4.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1),
//! [RFC 7644 §3.3–3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)).
//!
//! Every function runs on a connection inside the caller's transaction; the writes run in a
//! write transaction, with the user's row locked before it is checked against `If-Match`.

use super::dialect::Dialect;
use super::exec::{Arg, Db};
use super::rows::{
    REC_COLUMNS, Rec, db_err, group_ref, is_unique_violation, meta, not_found, now_micros,
    placeholders,
};
use crate::backend::memory::index::fold;
use crate::backend::memory::uid::Uid;
use crate::backend::{BackendError, UserBody, check_if_match};
use crate::patch::PatchRequest;
use crate::resource::{GroupRef, User, Version, VersionCondition};
use crate::schema::ResourceSchema;
use sqlx::AnyConnection;
use std::collections::HashMap;

/// The most values bound in one `IN (…)` list.
pub(crate) const CHUNK: usize = 500;

/// The stored form of a user: its body (no `id`, `meta`, `groups`, `password`), its folded
/// `userName` and its `externalId`; `user` is left as the API shows it once `id` and `meta`
/// are set (as the memory backend stores it: `password` is never kept).
fn encode(user: &mut User) -> Result<(UserBody, String, Option<String>), BackendError> {
    user.password = None;
    let body = UserBody::encode(user)?;
    user.id = None;
    user.meta = None;
    user.groups.clear();
    Ok((
        body,
        fold(&user.user_name).to_string(),
        user.external_id.clone(),
    ))
}

fn taken(user_name: &str) -> BackendError {
    BackendError::uniqueness(format!("userName {user_name:?} is already taken"))
}

/// The canonical id, or 404 (an id that is no UUID names nothing here).
pub(crate) fn canonical(kind: &str, id: &str) -> Result<String, BackendError> {
    Uid::parse(id)
        .map(|u| u.to_string())
        .ok_or_else(|| not_found(kind, id))
}

pub(crate) async fn create(
    conn: &mut AnyConnection,
    tenant: &str,
    mut user: User,
) -> Result<User, BackendError> {
    let (body, key, external) = encode(&mut user)?;
    let id = Uid::random().to_string();
    let now = now_micros();
    let r = sqlx::query(
        "INSERT INTO scim_users (tenant, id, user_name, external_id, version, created, modified, body) \
         VALUES ($1, $2, $3, $4, 1, $5, $5, $6)",
    )
    .bind(tenant)
    .bind(&id)
    .bind(&key)
    .bind(external)
    .bind(now)
    .bind(body.as_str())
    .execute(&mut *conn)
    .await;
    match r {
        Err(e) if is_unique_violation(&e) => return Err(taken(&user.user_name)),
        Err(e) => return Err(db_err(e)),
        Ok(_) => {}
    }
    user.id = Some(id);
    user.meta = Some(meta("User", 1, now, now));
    Ok(user)
}

/// The user's row, locked for the transaction when `lock` (PostgreSQL `FOR UPDATE`).
pub(crate) async fn row(
    conn: &mut Db<'_>,
    d: Dialect,
    tenant: &str,
    id: &str,
    lock: bool,
) -> Result<Option<Rec>, BackendError> {
    let sql = format!(
        "SELECT {REC_COLUMNS} FROM scim_users WHERE tenant = $1 AND id = $2{}",
        if lock { d.for_update() } else { "" }
    );
    conn.first(&sql, &[Arg::Text(tenant), Arg::Text(id)], Rec::of)
        .await
}

/// `User.groups` of each of `ids` (direct memberships, in group id order).
pub(crate) async fn groups_of(
    conn: &mut Db<'_>,
    tenant: &str,
    ids: &[&str],
) -> Result<HashMap<String, Vec<GroupRef>>, BackendError> {
    let mut out: HashMap<String, Vec<GroupRef>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT m.member_id, m.group_id, g.display_name FROM scim_group_members m \
             JOIN scim_groups g ON g.tenant = m.tenant AND g.id = m.group_id \
             WHERE m.tenant = $1 AND m.member_id IN ({}) ORDER BY m.member_id, m.group_id",
            placeholders(2, chunk.len())
        );
        let args: Vec<Arg<'_>> = std::iter::once(Arg::Text(tenant))
            .chain(chunk.iter().map(|id| Arg::Text(id)))
            .collect();
        let rows = conn
            .rows(&sql, &args, |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)))
            .await?;
        for (member, group, display) in rows {
            out.entry(member)
                .or_default()
                .push(group_ref(group, display));
        }
    }
    Ok(out)
}

/// The user as the API shows it; `groups` filled when asked.
pub(crate) async fn get(
    conn: &mut Db<'_>,
    d: Dialect,
    tenant: &str,
    id: &str,
    with_groups: bool,
    lock: bool,
) -> Result<User, BackendError> {
    let key = canonical("User", id)?;
    if with_groups && !lock {
        // the user and its groups in one statement
        let sql = format!(
            "SELECT {REC_COLUMNS}, {} FROM scim_users WHERE tenant = $1 AND id = $2",
            d.user_groups()
        );
        let found = conn
            .first(&sql, &[Arg::Text(tenant), Arg::Text(&key)], Rec::of)
            .await?;
        let mut rec = found.ok_or_else(|| not_found("User", id))?;
        let groups = rec.groups.take().unwrap_or_default();
        return rec.user(groups);
    }
    let rec = row(conn, d, tenant, &key, lock)
        .await?
        .ok_or_else(|| not_found("User", id))?;
    let groups = if with_groups {
        groups_of(conn, tenant, &[&key])
            .await?
            .remove(&key)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    rec.user(groups)
}

/// Replaces the stored user `rec` (already locked and checked) with `user`.
async fn store(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    rec: &Rec,
    mut user: User,
) -> Result<User, BackendError> {
    let (body, key, external) = encode(&mut user)?;
    let now = now_micros();
    let modified = now.max(rec.created);
    let sql = format!(
        "UPDATE scim_users SET user_name = $3, external_id = $4, body = $5, \
         version = version + 1, modified = {}(created, $6) WHERE tenant = $1 AND id = $2",
        d.greatest()
    );
    let r = sqlx::query(&sql)
        .bind(tenant)
        .bind(&rec.id)
        .bind(&key)
        .bind(external)
        .bind(body.as_str())
        .bind(now)
        .execute(&mut *conn)
        .await;
    match r {
        Err(e) if is_unique_violation(&e) => return Err(taken(&user.user_name)),
        Err(e) => return Err(db_err(e)),
        Ok(_) => {}
    }
    user.id = Some(rec.id.clone());
    user.meta = Some(meta("User", rec.version + 1, rec.created, modified));
    user.groups = groups_of(&mut Db::Any(&mut *conn), tenant, &[&rec.id])
        .await?
        .remove(&rec.id)
        .unwrap_or_default();
    Ok(user)
}

fn check(rec: &Rec, if_match: Option<&VersionCondition>) -> Result<(), BackendError> {
    let v = Version::from_u64(u64::try_from(rec.version).unwrap_or(0));
    check_if_match(if_match, Some(&v))
}

pub(crate) async fn replace(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    id: &str,
    user: User,
    if_match: Option<&VersionCondition>,
) -> Result<User, BackendError> {
    let key = canonical("User", id)?;
    let rec = row(&mut Db::Any(&mut *conn), d, tenant, &key, true)
        .await?
        .ok_or_else(|| not_found("User", id))?;
    check(&rec, if_match)?;
    store(conn, d, tenant, &rec, user).await
}

pub(crate) async fn patch(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    id: &str,
    patch: &PatchRequest,
    schema: &ResourceSchema,
    if_match: Option<&VersionCondition>,
) -> Result<User, BackendError> {
    let key = canonical("User", id)?;
    let rec = row(&mut Db::Any(&mut *conn), d, tenant, &key, true)
        .await?
        .ok_or_else(|| not_found("User", id))?;
    check(&rec, if_match)?;
    let groups = groups_of(&mut Db::Any(&mut *conn), tenant, &[&key])
        .await?
        .remove(&key)
        .unwrap_or_default();
    let current = rec.user(groups)?;
    let mut json = current.to_json();
    if !patch.apply(&mut json, schema)?.changed {
        return Ok(current);
    }
    let patched = User::from_json(json)?;
    store(conn, d, tenant, &rec, patched).await
}

/// Deletes a user and its memberships; each group it leaves gets a new version.
pub(crate) async fn delete(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    id: &str,
    if_match: Option<&VersionCondition>,
) -> Result<(), BackendError> {
    let key = canonical("User", id)?;
    let rec = row(&mut Db::Any(&mut *conn), d, tenant, &key, true)
        .await?
        .ok_or_else(|| not_found("User", id))?;
    check(&rec, if_match)?;
    super::groups::leave_all(conn, d, tenant, &key).await?;
    sqlx::query("DELETE FROM scim_users WHERE tenant = $1 AND id = $2")
        .bind(tenant)
        .bind(&key)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}
