//! List queries in SQL: the candidates by an indexed condition (or a bounded scan of the
//! tenant), the filter engine on each candidate, then sorting and paging as the memory backend
//! does them, so both answer every query alike
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).
//!
//! Unfiltered, unsorted lists page in SQL in `(tenant, id)` order (`LIMIT`/`OFFSET`);
//! unfiltered cursor walks (RFC 9865) are keyset queries on the same order
//! (`id > position ORDER BY id LIMIT count + 1`).

use super::pushdown::{self, Condition};
use super::rows::{REC_COLUMNS, Rec, db_err};
use super::{groups, users};
use crate::backend::memory::index::Kind;
use crate::backend::{BackendError, Page};
use crate::error::Error;
use crate::filter::CompiledFilter;
use crate::query::{ListQuery, SortKey, compare_keys, sort_key};
use crate::resource::{Group, GroupRef, Member, User};
use crate::schema::ResourceSchema;
use serde_json::Value;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Limits of the work one list request may do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub(crate) max_results: usize,
    pub(crate) scan_limit: usize,
}

fn table(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "scim_users",
        Kind::Group => "scim_groups",
    }
}

/// The attribute that links a resource to others (`groups` of a User, `members` of a Group).
fn links(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "groups",
        Kind::Group => "members",
    }
}

fn too_many(kind: Kind, n: i64, limit: usize, what: &str) -> BackendError {
    let (name, hint) = match kind {
        Kind::User => ("Users", "userName eq, externalId eq or id eq"),
        Kind::Group => ("Groups", "displayName eq, externalId eq or id eq"),
    };
    BackendError::from(Error::too_many(format!(
        "{what} would examine {n} {name}, more than the limit of {limit}; filter with {hint}"
    )))
}

/// The rows matching `cond` (all of the tenant's for `None`), at most `limit` of them and
/// one more to tell that there are more, in id order.
async fn fetch(
    conn: &mut AnyConnection,
    kind: Kind,
    tenant: &str,
    cond: Option<&Condition>,
    count_only: bool,
    limit: Option<(i64, i64)>,
) -> Result<(Vec<Rec>, i64), BackendError> {
    let cols = if count_only { "COUNT(*)" } else { REC_COLUMNS };
    let mut sql = format!("SELECT {cols} FROM {} WHERE tenant = $1", table(kind));
    let params: &[String] = cond.map_or(&[], |c| &c.params);
    if let Some(c) = cond {
        sql.push_str(" AND (");
        sql.push_str(&c.sql);
        sql.push(')');
    }
    if !count_only {
        sql.push_str(" ORDER BY id");
        if limit.is_some() {
            let n = params.len() + 2;
            sql.push_str(&format!(" LIMIT ${n} OFFSET ${}", n + 1));
        }
    }
    let mut q = sqlx::query(&sql).bind(tenant);
    for p in params {
        q = q.bind(p);
    }
    if let (false, Some((lim, off))) = (count_only, limit) {
        q = q.bind(lim).bind(off);
    }
    let rows = q.fetch_all(&mut *conn).await.map_err(db_err)?;
    if count_only {
        let n: i64 = match rows.first() {
            Some(r) => r.try_get(0).map_err(db_err)?,
            None => 0,
        };
        return Ok((Vec::new(), n));
    }
    let recs = rows.iter().map(Rec::of).collect::<Result<Vec<_>, _>>()?;
    Ok((recs, 0))
}

/// The `groups` of users or the `members` of groups, by id: what a resource's JSON needs
/// when a filter or a sort looks at them.
#[derive(Default)]
struct Links {
    groups: HashMap<String, Vec<GroupRef>>,
    members: HashMap<String, Vec<Member>>,
}

impl Links {
    async fn load(
        conn: &mut AnyConnection,
        kind: Kind,
        tenant: &str,
        recs: &[Rec],
    ) -> Result<Links, BackendError> {
        let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
        Ok(match kind {
            Kind::User => Links {
                groups: users::groups_of(conn, tenant, &ids).await?,
                ..Links::default()
            },
            Kind::Group => Links {
                members: groups::members_of(conn, tenant, &ids).await?,
                ..Links::default()
            },
        })
    }

    /// The resource's JSON as the API shows it, for filters and sorting.
    fn json(&self, kind: Kind, rec: &Rec) -> Result<Value, BackendError> {
        match kind {
            Kind::User => rec.user_json(self.groups.get(&rec.id).map_or(&[], Vec::as_slice)),
            Kind::Group => rec.group_json(self.members.get(&rec.id).cloned().unwrap_or_default()),
        }
    }
}

/// Every resource of the tenant matching `q`'s filter (all of them when `q` sorts without
/// one), in id order, each with its JSON when the filter needed it; refused with `tooMany`
/// beyond the scan limit.
async fn matching(
    conn: &mut AnyConnection,
    kind: Kind,
    tenant: &str,
    q: &ListQuery,
    compiled: Option<&CompiledFilter>,
    bounds: Bounds,
) -> Result<(Vec<(Rec, Option<Value>)>, Links), BackendError> {
    let big = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let cond = q.filter.as_ref().and_then(|f| pushdown::condition(f, kind));
    let what = if q.filter.is_some() {
        "this filter"
    } else {
        "sorting"
    };
    let limit = (big(bounds.scan_limit.saturating_add(1)), 0);
    let (rows, _) = fetch(conn, kind, tenant, cond.as_ref(), false, Some(limit)).await?;
    if rows.len() > bounds.scan_limit {
        let (_, n) = fetch(conn, kind, tenant, cond.as_ref(), true, None).await?;
        return Err(too_many(kind, n, bounds.scan_limit, what));
    }
    let link = links(kind);
    let need_links = q
        .filter
        .as_ref()
        .is_some_and(|f| pushdown::mentions(f, link))
        || q.sort
            .as_ref()
            .is_some_and(|s| s.by.name.eq_ignore_ascii_case(link));
    let linked = if need_links {
        Links::load(conn, kind, tenant, &rows).await?
    } else {
        Links::default()
    };
    let mut hits: Vec<(Rec, Option<Value>)> = Vec::new();
    for rec in rows {
        match compiled {
            None => hits.push((rec, None)),
            Some(c) => {
                let v = linked.json(kind, &rec)?;
                if c.matches(&v) {
                    hits.push((rec, Some(v)));
                }
            }
        }
    }
    Ok((hits, linked))
}

/// The records of the page `q` asks for, in order, and how many matched in all.
pub(crate) async fn select(
    conn: &mut AnyConnection,
    kind: Kind,
    tenant: &str,
    q: &ListQuery,
    schema: &ResourceSchema,
    bounds: Bounds,
) -> Result<(Vec<Rec>, usize), BackendError> {
    let compiled = match &q.filter {
        Some(f) if !pushdown::is_exact(f, kind) => Some(f.compile(schema)?),
        _ => None,
    };
    let big = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    if q.filter.is_none() && q.sort.is_none() {
        let (_, total) = fetch(conn, kind, tenant, None, true, None).await?;
        let total = usize::try_from(total).unwrap_or(0);
        let range = q.window(total, bounds.max_results);
        if range.is_empty() {
            return Ok((Vec::new(), total));
        }
        let limit = (big(range.len()), big(range.start));
        let (recs, _) = fetch(conn, kind, tenant, None, false, Some(limit)).await?;
        return Ok((recs, total));
    }
    let (hits, linked) = matching(conn, kind, tenant, q, compiled.as_ref(), bounds).await?;
    let total = hits.len();
    let range = q.window(total, bounds.max_results);
    let Some(sort) = &q.sort else {
        let page = hits
            .into_iter()
            .skip(range.start)
            .take(range.len())
            .map(|(r, _)| r)
            .collect();
        return Ok((page, total));
    };
    let mut keyed: Vec<(Option<SortKey>, Rec)> = Vec::with_capacity(hits.len());
    for (rec, v) in hits {
        let v = match v {
            Some(v) => v,
            None => linked.json(kind, &rec)?,
        };
        keyed.push((sort_key(&v, &sort.by, schema)?, rec));
    }
    keyed.sort_by(|(a, x), (b, y)| {
        compare_keys(a.as_ref(), b.as_ref(), sort.order).then_with(|| x.id.cmp(&y.id))
    });
    let page = keyed
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .map(|(_, r)| r)
        .collect();
    Ok((page, total))
}

/// The rows of the tenant after `after` in id order, at most `limit` (keyset: `id > $2 ORDER
/// BY id LIMIT $3` on the `(tenant, id)` primary key, so a page deep in a walk costs what the
/// first one does).
async fn fetch_after(
    conn: &mut AnyConnection,
    kind: Kind,
    tenant: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Rec>, BackendError> {
    let table = table(kind);
    let sql = match after {
        Some(_) => format!(
            "SELECT {REC_COLUMNS} FROM {table} WHERE tenant = $1 AND id > $2 ORDER BY id LIMIT $3"
        ),
        None => format!("SELECT {REC_COLUMNS} FROM {table} WHERE tenant = $1 ORDER BY id LIMIT $2"),
    };
    let mut query = sqlx::query(&sql).bind(tenant);
    if let Some(a) = after {
        query = query.bind(a);
    }
    let rows = query
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    rows.iter().map(Rec::of).collect()
}

/// The page of a cursor walk ([RFC 9865](https://www.rfc-editor.org/rfc/rfc9865)): the
/// records after the position in id order, how many matched in all, and the position after
/// the page when more may follow. Unfiltered walks are keyset queries; filtered ones take the
/// matches of the (bounded) candidate set as index paging does and keep those after the
/// position.
pub(crate) async fn walk(
    conn: &mut AnyConnection,
    kind: Kind,
    tenant: &str,
    q: &ListQuery,
    schema: &ResourceSchema,
    bounds: Bounds,
) -> Result<(Vec<Rec>, usize, Option<String>), BackendError> {
    let count = q
        .count
        .unwrap_or(bounds.max_results)
        .min(bounds.max_results);
    let after = q.cursor.as_ref().and_then(|c| c.after());
    let mut page = if q.filter.is_none() {
        let limit = i64::try_from(count.saturating_add(1)).unwrap_or(i64::MAX);
        fetch_after(conn, kind, tenant, after, limit).await?
    } else {
        Vec::new()
    };
    let total = match &q.filter {
        None => {
            let (_, n) = fetch(conn, kind, tenant, None, true, None).await?;
            usize::try_from(n).unwrap_or(0)
        }
        Some(f) => {
            let compiled = match pushdown::is_exact(f, kind) {
                true => None,
                false => Some(f.compile(schema)?),
            };
            let (mut hits, _) = matching(conn, kind, tenant, q, compiled.as_ref(), bounds).await?;
            let total = hits.len();
            hits.sort_by(|(a, _), (b, _)| a.id.cmp(&b.id));
            page = hits
                .into_iter()
                .map(|(r, _)| r)
                .filter(|r| after.is_none_or(|a| r.id.as_str() > a))
                .take(count.saturating_add(1))
                .collect();
            total
        }
    };
    let more = page.len() > count;
    page.truncate(count);
    let next = if more {
        page.last().map(|r| r.id.clone())
    } else {
        None
    };
    Ok((page, total, next))
}

pub(crate) async fn users_page(
    conn: &mut AnyConnection,
    tenant: &str,
    q: &ListQuery,
    schema: &ResourceSchema,
    bounds: Bounds,
) -> Result<Page<User>, BackendError> {
    let (recs, total, next) = if q.cursor.is_some() {
        walk(conn, Kind::User, tenant, q, schema, bounds).await?
    } else {
        let (recs, total) = select(conn, Kind::User, tenant, q, schema, bounds).await?;
        (recs, total, None)
    };
    let mut groups = if q.selection.wants("groups") && !recs.is_empty() {
        let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
        users::groups_of(conn, tenant, &ids).await?
    } else {
        HashMap::new()
    };
    let resources = recs
        .iter()
        .map(|r| r.user(groups.remove(&r.id).unwrap_or_default()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(resources, total, q.start_index).with_next(next))
}

pub(crate) async fn groups_page(
    conn: &mut AnyConnection,
    tenant: &str,
    q: &ListQuery,
    schema: &ResourceSchema,
    bounds: Bounds,
) -> Result<Page<Group>, BackendError> {
    let (recs, total, next) = if q.cursor.is_some() {
        walk(conn, Kind::Group, tenant, q, schema, bounds).await?
    } else {
        let (recs, total) = select(conn, Kind::Group, tenant, q, schema, bounds).await?;
        (recs, total, None)
    };
    let mut members = if q.selection.wants("members") && !recs.is_empty() {
        let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
        groups::members_of(conn, tenant, &ids).await?
    } else {
        HashMap::new()
    };
    let resources = recs
        .iter()
        .map(|r| r.group(members.remove(&r.id).unwrap_or_default()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(resources, total, q.start_index).with_next(next))
}
