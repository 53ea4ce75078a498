//! Member changes of one group in SQL, atomic and O(changed rows): the member delta of a PATCH
//! touches only the named members, a full member list only the members that differ
//! ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2); RFC 7643 §4.2
//! `members`).
//!
//! Members must be Users or Groups of the tenant (400 `invalidValue` otherwise); on PostgreSQL
//! they are read `FOR SHARE`, so a concurrent delete of a member waits for the change (and
//! then removes the new membership) instead of leaving a dangling member. The group row is
//! locked after its members, the order every write here follows.

use super::dialect::Dialect;
use super::exec::Db;
use super::groups::{self, Shell};
use super::rows::{CHUNK, Rec, Table, checked_row, db_err, fetch_in, not_found, placeholders};
use crate::backend::BackendError;
use crate::backend::memory::foreign::MAX_ID_LEN;
use crate::backend::memory::uid::Uid;
use crate::error::ScimType;
use crate::resource::{Group, Member, VersionCondition};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A member checked against the tenant: its canonical id, type and `display`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub(crate) id: String,
    pub(crate) kind: &'static str,
    pub(crate) display: Option<String>,
}

/// Which of `ids` are rows of `table` in the tenant (locked `FOR SHARE` on PostgreSQL).
async fn existing(
    conn: &mut AnyConnection,
    d: Dialect,
    table: &str,
    tenant: &str,
    ids: &[&str],
) -> Result<HashSet<String>, BackendError> {
    let found = fetch_in(
        &mut Db::Any(&mut *conn),
        tenant,
        ids,
        |list| {
            format!(
                "SELECT id FROM {table} WHERE tenant = $1 AND id IN ({list}){}",
                d.for_share()
            )
        },
        |r| r.text(0),
    )
    .await?;
    Ok(found.into_iter().collect())
}

/// Checks `list` against the tenant, in order (the first bad member is the error, as in the
/// memory backend): each must be a User or Group of the tenant other than `group` itself; with
/// `foreign`, any other id (a UUID, or any string of at most [`MAX_ID_LEN`] bytes, e.g.
/// Zitadel's numeric ids) is a User kept elsewhere. A UUID is stored in its canonical
/// lower-case form, any other id as written.
pub(crate) async fn resolve(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    list: &[Member],
    group: &str,
    foreign: bool,
) -> Result<Vec<Resolved>, BackendError> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let parsed: Vec<Option<String>> = list
        .iter()
        .map(|m| Uid::parse(&m.value).map(|u| u.to_string()))
        .collect();
    let mut wanted: Vec<&str> = parsed
        .iter()
        .flatten()
        .map(String::as_str)
        .filter(|id| *id != group)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let users = existing(conn, d, "scim_users", tenant, &wanted).await?;
    let rest: Vec<&str> = wanted
        .into_iter()
        .filter(|id| !users.contains(*id))
        .collect();
    let groups = existing(conn, d, "scim_groups", tenant, &rest).await?;
    list.iter()
        .zip(parsed)
        .map(|(m, id)| {
            let unknown = || {
                BackendError::invalid(
                    ScimType::InvalidValue,
                    format!("member {:?} is not a User or Group of this tenant", m.value),
                )
            };
            let id = match id {
                Some(id) => id,
                None if foreign && !m.value.is_empty() && m.value.len() <= MAX_ID_LEN => {
                    return Ok(Resolved {
                        id: m.value.clone(),
                        kind: "User",
                        display: m.display.clone(),
                    });
                }
                None => return Err(unknown()),
            };
            if id == group {
                return Err(BackendError::invalid_value(
                    "a group cannot be its own member",
                ));
            }
            let kind = if users.contains(&id) {
                "User"
            } else if groups.contains(&id) {
                "Group"
            } else if foreign {
                "User"
            } else {
                return Err(unknown());
            };
            Ok(Resolved {
                id,
                kind,
                display: m.display.clone(),
            })
        })
        .collect()
}

/// The stored form of member id `value`: a UUID canonical, with `foreign` any other id as
/// written; `None`: no member can have it.
pub(crate) fn member_id(value: &str, foreign: bool) -> Option<String> {
    match Uid::parse(value) {
        Some(u) => Some(u.to_string()),
        None if foreign && !value.is_empty() && value.len() <= MAX_ID_LEN => Some(value.to_owned()),
        None => None,
    }
}

/// The member part of a change, resolved: a new full list, ids to remove, members to add.
#[derive(Debug, Default)]
pub(crate) struct Change {
    pub(crate) replace: Option<Vec<Resolved>>,
    pub(crate) remove: Vec<String>,
    pub(crate) add_resolved: Vec<Resolved>,
}

/// Adds `rows` (each id at most once) to `group`; a row already there takes the `display`
/// given, if one is given and it differs. How many rows were added or changed.
async fn upsert(
    conn: &mut AnyConnection,
    tenant: &str,
    group: &str,
    rows: &[Resolved],
) -> Result<u64, BackendError> {
    let mut n = 0;
    for chunk in rows.chunks(CHUNK) {
        let mut sql = String::from(
            "INSERT INTO scim_group_members (tenant, group_id, member_id, kind, display) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let p = 3 + i * 3;
            sql.push_str(&format!("($1, $2, ${p}, ${}, ${})", p + 1, p + 2));
        }
        sql.push_str(
            " ON CONFLICT (tenant, group_id, member_id) DO UPDATE SET display = excluded.display \
             WHERE excluded.display IS NOT NULL \
             AND scim_group_members.display IS DISTINCT FROM excluded.display",
        );
        let mut q = sqlx::query(&sql).bind(tenant).bind(group);
        for r in chunk {
            q = q.bind(&r.id).bind(r.kind).bind(&r.display);
        }
        n += q.execute(&mut *conn).await.map_err(db_err)?.rows_affected();
    }
    Ok(n)
}

/// The members to add, each id once, in id order: an id given several times keeps the last
/// `display` given (a member given without one keeps the one it has).
fn distinct(add: Vec<Resolved>) -> Vec<Resolved> {
    let mut by_id: BTreeMap<String, Resolved> = BTreeMap::new();
    for r in add {
        match by_id.get_mut(&r.id) {
            Some(seen) if r.display.is_some() => seen.display = r.display,
            Some(_) => {}
            None => {
                by_id.insert(r.id.clone(), r);
            }
        }
    }
    by_id.into_values().collect()
}

async fn remove(
    conn: &mut AnyConnection,
    tenant: &str,
    group: &str,
    ids: &[&str],
) -> Result<u64, BackendError> {
    let mut n = 0;
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "DELETE FROM scim_group_members WHERE tenant = $1 AND group_id = $2 \
             AND member_id IN ({})",
            placeholders(3, chunk.len())
        );
        let mut q = sqlx::query(&sql).bind(tenant).bind(group);
        for id in chunk {
            q = q.bind(*id);
        }
        n += q.execute(&mut *conn).await.map_err(db_err)?.rows_affected();
    }
    Ok(n)
}

async fn set_display(
    conn: &mut AnyConnection,
    tenant: &str,
    group: &str,
    id: &str,
    display: Option<&str>,
) -> Result<(), BackendError> {
    sqlx::query(
        "UPDATE scim_group_members SET display = $4 \
         WHERE tenant = $1 AND group_id = $2 AND member_id = $3",
    )
    .bind(tenant)
    .bind(group)
    .bind(id)
    .bind(display)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Applies the member change to `group` (whose row the caller holds): the new list first,
/// then removals, then additions (a present member takes a new `display` if one is given).
/// Whether anything changed.
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    tenant: &str,
    group: &str,
    change: Change,
) -> Result<bool, BackendError> {
    let mut changed = false;
    if let Some(list) = change.replace {
        let before = groups::members_of(&mut Db::Any(&mut *conn), tenant, &[group])
            .await?
            .remove(group)
            .unwrap_or_default();
        // a full list sets each member exactly as given (the last entry of an id wins)
        let wanted: HashMap<&str, &Resolved> = list.iter().map(|r| (r.id.as_str(), r)).collect();
        let old: HashMap<&str, &Member> = before.iter().map(|m| (m.value.as_str(), m)).collect();
        let gone: Vec<&str> = old
            .keys()
            .filter(|id| !wanted.contains_key(*id))
            .copied()
            .collect();
        changed |= remove(conn, tenant, group, &gone).await? > 0;
        let mut new = Vec::new();
        for (id, r) in &wanted {
            match old.get(id) {
                None => new.push((*r).clone()),
                Some(m) if m.display != r.display => {
                    set_display(conn, tenant, group, id, r.display.as_deref()).await?;
                    changed = true;
                }
                Some(_) => {}
            }
        }
        new.sort_by(|a, b| a.id.cmp(&b.id));
        changed |= !new.is_empty();
        upsert(conn, tenant, group, &new).await?;
    }
    let gone: Vec<&str> = change.remove.iter().map(String::as_str).collect();
    if !gone.is_empty() {
        changed |= remove(conn, tenant, group, &gone).await? > 0;
    }
    if !change.add_resolved.is_empty() {
        changed |= upsert(conn, tenant, group, &distinct(change.add_resolved)).await? > 0;
    }
    Ok(changed)
}

/// A change to one group as the API asks it, before its members are checked.
#[derive(Debug, Default)]
pub(crate) struct Spec<'a> {
    /// The new non-member attributes (its `members` are ignored).
    pub(crate) shell: Option<Group>,
    /// The new member list (applied before `remove` and `add`).
    pub(crate) replace: Option<&'a [Member]>,
    /// Member ids to remove.
    pub(crate) remove: &'a [String],
    /// Members to add.
    pub(crate) add: &'a [Member],
    /// A new version even when nothing differs (a PUT).
    pub(crate) touch: bool,
    /// Members may be users this store does not hold ([`super::SqlOptions::foreign_members`]).
    pub(crate) foreign: bool,
}

/// Applies `spec` to group `id` atomically (inside the caller's write transaction): 404, then
/// 412, then the member checks (400), then the writes; a new version only if something
/// changed (or `touch`). The group's row as it is afterwards.
pub(crate) async fn change(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    id: &str,
    spec: Spec<'_>,
    if_match: Option<&VersionCondition>,
) -> Result<Rec, BackendError> {
    let (key, rec) = checked_row(conn, d, Table::Groups, tenant, id, false, if_match).await?;
    let add_resolved = resolve(conn, d, tenant, spec.add, &key, spec.foreign).await?;
    let replace = match spec.replace {
        Some(list) => Some(resolve(conn, d, tenant, list, &key, spec.foreign).await?),
        None => None,
    };
    let shell = spec.shell.map(Shell::of).transpose()?;
    let rec = if d == Dialect::Postgres {
        // the members are locked; now the group, and check again what a writer may have changed
        checked_row(conn, d, Table::Groups, tenant, &key, true, if_match)
            .await?
            .1
    } else {
        rec
    };
    let mut changed = spec.touch;
    if let Some(shell) = shell
        && shell.body != rec.body
    {
        groups::store_shell(conn, tenant, &key, &shell).await?;
        changed = true;
    }
    let remove = spec
        .remove
        .iter()
        .filter_map(|r| member_id(r, spec.foreign))
        .collect();
    let members = Change {
        replace,
        remove,
        add_resolved,
    };
    changed |= apply(conn, tenant, &key, members).await?;
    if !changed {
        return Ok(rec);
    }
    groups::touch(conn, d, tenant, &key)
        .await?
        .ok_or_else(|| not_found("Group", id))
}
