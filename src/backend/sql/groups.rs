//! Groups in SQL: one row per group (its JSON without `members`, the indexed `displayName`,
//! folded, and `externalId`) and one row per member in `scim_group_members`
//! ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2),
//! [RFC 7644 §3.3–3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)).

use super::dialect::Dialect;
use super::exec::{Arg, Db};
use super::members::{self, Change};
use super::rows::{
    REC_COLUMNS, Rec, db_err, json_err, member, not_found, now_micros, placeholders,
};
use super::users::{CHUNK, canonical};
use crate::backend::memory::index::fold;
use crate::backend::memory::uid::Uid;
use crate::backend::{BackendError, check_if_match};
use crate::resource::{Group, Member, Version, VersionCondition};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// A group's stored columns: its JSON without `id`, `meta` and `members`, its `displayName`,
/// the folded `displayName` and its `externalId`.
pub(crate) struct Shell {
    pub(crate) body: String,
    pub(crate) display: String,
    pub(crate) folded: String,
    pub(crate) external: Option<String>,
}

impl Shell {
    pub(crate) fn of(mut group: Group) -> Result<Shell, BackendError> {
        group.id = None;
        group.meta = None;
        group.members.clear();
        Ok(Shell {
            body: serde_json::to_string(&group).map_err(json_err)?,
            folded: fold(&group.display_name).to_string(),
            display: group.display_name,
            external: group.external_id,
        })
    }
}

pub(crate) fn check(rec: &Rec, if_match: Option<&VersionCondition>) -> Result<(), BackendError> {
    let v = Version::from_u64(u64::try_from(rec.version).unwrap_or(0));
    check_if_match(if_match, Some(&v))
}

/// The group's row, locked for the transaction when `lock` (PostgreSQL `FOR UPDATE`).
pub(crate) async fn row(
    conn: &mut Db<'_>,
    d: Dialect,
    tenant: &str,
    id: &str,
    lock: bool,
) -> Result<Option<Rec>, BackendError> {
    let sql = format!(
        "SELECT {REC_COLUMNS} FROM scim_groups WHERE tenant = $1 AND id = $2{}",
        if lock { d.for_update() } else { "" }
    );
    conn.first(&sql, &[Arg::Text(tenant), Arg::Text(id)], Rec::of)
        .await
}

/// The members of each of `ids`, in member id order.
pub(crate) async fn members_of(
    conn: &mut Db<'_>,
    tenant: &str,
    ids: &[&str],
) -> Result<HashMap<String, Vec<Member>>, BackendError> {
    let mut out: HashMap<String, Vec<Member>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT group_id, member_id, kind, display FROM scim_group_members \
             WHERE tenant = $1 AND group_id IN ({}) ORDER BY group_id, member_id",
            placeholders(2, chunk.len())
        );
        let args: Vec<Arg<'_>> = std::iter::once(Arg::Text(tenant))
            .chain(chunk.iter().map(|id| Arg::Text(id)))
            .collect();
        let rows = conn
            .rows(&sql, &args, |r| {
                Ok((r.text(0)?, member(r.text(1)?, r.text(2)?, r.opt_text(3)?)))
            })
            .await?;
        for (group, m) in rows {
            out.entry(group).or_default().push(m);
        }
    }
    Ok(out)
}

/// The group as the API shows it; `members` filled when asked (and only then read).
pub(crate) async fn get(
    conn: &mut Db<'_>,
    d: Dialect,
    tenant: &str,
    id: &str,
    with_members: bool,
) -> Result<Group, BackendError> {
    let key = canonical("Group", id)?;
    let rec = row(conn, d, tenant, &key, false)
        .await?
        .ok_or_else(|| not_found("Group", id))?;
    finish(conn, tenant, &rec, with_members).await
}

pub(crate) async fn create(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    mut group: Group,
    foreign: bool,
) -> Result<Group, BackendError> {
    let list = std::mem::take(&mut group.members);
    let id = Uid::random().to_string();
    let resolved = members::resolve(conn, d, tenant, &list, &id, foreign).await?;
    let shell = Shell::of(group)?;
    let now = now_micros();
    sqlx::query(
        "INSERT INTO scim_groups (tenant, id, display_name, display_folded, external_id, \
         version, created, modified, body) VALUES ($1, $2, $3, $4, $5, 1, $6, $6, $7)",
    )
    .bind(tenant)
    .bind(&id)
    .bind(&shell.display)
    .bind(&shell.folded)
    .bind(&shell.external)
    .bind(now)
    .bind(&shell.body)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    let change = Change {
        add_resolved: resolved,
        ..Change::default()
    };
    members::apply(conn, tenant, &id, change).await?;
    get(&mut Db::Any(&mut *conn), d, tenant, &id, true).await
}

/// Removes `member` from every group it is in; each of those groups gets a new version.
pub(crate) async fn leave_all(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    member: &str,
) -> Result<(), BackendError> {
    let sql = format!(
        "UPDATE scim_groups SET version = version + 1, modified = {}(created, $3) \
         WHERE tenant = $1 AND id IN \
         (SELECT group_id FROM scim_group_members WHERE tenant = $1 AND member_id = $2)",
        d.greatest()
    );
    sqlx::query(&sql)
        .bind(tenant)
        .bind(member)
        .bind(now_micros())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    sqlx::query("DELETE FROM scim_group_members WHERE tenant = $1 AND member_id = $2")
        .bind(tenant)
        .bind(member)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn delete(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    id: &str,
    if_match: Option<&VersionCondition>,
) -> Result<(), BackendError> {
    let key = canonical("Group", id)?;
    let rec = row(&mut Db::Any(&mut *conn), d, tenant, &key, true)
        .await?
        .ok_or_else(|| not_found("Group", id))?;
    check(&rec, if_match)?;
    leave_all(conn, d, tenant, &key).await?;
    sqlx::query("DELETE FROM scim_group_members WHERE tenant = $1 AND group_id = $2")
        .bind(tenant)
        .bind(&key)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    sqlx::query("DELETE FROM scim_groups WHERE tenant = $1 AND id = $2")
        .bind(tenant)
        .bind(&key)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Stores a new shell for the group.
pub(crate) async fn store_shell(
    conn: &mut AnyConnection,
    tenant: &str,
    id: &str,
    shell: &Shell,
) -> Result<(), BackendError> {
    sqlx::query(
        "UPDATE scim_groups SET display_name = $3, display_folded = $4, external_id = $5, \
         body = $6 WHERE tenant = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(&shell.display)
    .bind(&shell.folded)
    .bind(&shell.external)
    .bind(&shell.body)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Gives the group a new version and `lastModified`; its row as it is then (`None`: no such
/// group).
pub(crate) async fn touch(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    id: &str,
) -> Result<Option<Rec>, BackendError> {
    let sql = format!(
        "UPDATE scim_groups SET version = version + 1, modified = {}(created, $3) \
         WHERE tenant = $1 AND id = $2 RETURNING {REC_COLUMNS}",
        d.greatest()
    );
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(id)
        .bind(now_micros())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    row.as_ref().map(|r| Rec::of(r)).transpose()
}

/// The group of the row `rec` as the API shows it; `members` read only when asked.
pub(crate) async fn finish(
    conn: &mut Db<'_>,
    tenant: &str,
    rec: &Rec,
    with_members: bool,
) -> Result<Group, BackendError> {
    let members = if with_members {
        members_of(conn, tenant, &[&rec.id])
            .await?
            .remove(&rec.id)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    rec.group(members)
}
