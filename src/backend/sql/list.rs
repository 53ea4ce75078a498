//! List queries in SQL: the candidates by an indexed condition (or a bounded scan of the
//! tenant), the filter engine on each candidate, then sorting and paging as the memory backend
//! does them, so both answer every query alike
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).
//!
//! Unfiltered, unsorted lists page in SQL in `(tenant, id)` order (`LIMIT`/`OFFSET`); cursor
//! walks (RFC 9865, in [`super::walk`]) use the same order as a keyset (`id > $n`, or
//! `id < $n` backwards).

use super::dialect::Dialect;
use super::exec::{Arg, Db};
use super::pushdown::{self, Condition};
use super::rows::{REC_COLUMNS, Rec};
use super::{groups, users, walk};
use crate::backend::memory::index::Kind;
use crate::backend::{BackendError, Page};
use crate::error::Error;
use crate::filter::CompiledFilter;
use crate::query::{ListQuery, SortKey, compare_keys, sort_key};
use crate::resource::{Group, GroupRef, Member, User};
use crate::schema::ResourceSchema;
use serde_json::Value;
use std::collections::HashMap;

/// Limits of the work one list request may do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub(crate) max_results: usize,
    pub(crate) scan_limit: usize,
}

pub(crate) fn table(kind: Kind) -> &'static str {
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

pub(crate) fn too_many(kind: Kind, n: i64, limit: usize, what: &str) -> BackendError {
    let (name, hint) = match kind {
        Kind::User => ("Users", "userName eq, externalId eq or id eq"),
        Kind::Group => ("Groups", "displayName eq, externalId eq or id eq"),
    };
    BackendError::from(Error::too_many(format!(
        "{what} would examine {n} {name}, more than the limit of {limit}; filter with {hint}"
    )))
}

/// Which of the matching rows (in id order) [`fetch`] reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slice {
    /// `LIMIT limit OFFSET offset`: index paging and bounded scans. With a condition the
    /// offset must be 0 (the rows are sorted after the `LIMIT`).
    Offset { limit: i64, offset: i64 },
}

/// The `SELECT` of [`fetch`]: `$1` is the tenant, the condition's values follow, then the
/// `LIMIT`/`OFFSET` of the `slice`.
///
/// Only the whole tenant is ordered in SQL (`ORDER BY id`, which walks the primary key). With a
/// condition the candidates come unordered, for [`fetch`] to sort: asked for `ORDER BY id`,
/// SQLite prefers walking the primary key (no sort) and testing every row of the tenant to
/// using the index the condition names, so an `externalId eq` or group `displayName eq` lookup
/// read the whole table.
fn select_sql(
    kind: Kind,
    cond: Option<&Condition>,
    count_only: bool,
    slice: Option<Slice>,
    extra: Option<&str>,
) -> String {
    let mut cols = String::from(if count_only { "COUNT(*)" } else { REC_COLUMNS });
    if let (false, Some(x)) = (count_only, extra) {
        cols.push_str(", ");
        cols.push_str(x);
    }
    let mut sql = format!("SELECT {cols} FROM {} WHERE tenant = $1", table(kind));
    if let Some(c) = cond {
        sql.push_str(" AND (");
        sql.push_str(&c.sql);
        sql.push(')');
    }
    if count_only {
        return sql;
    }
    let n = cond.map_or(0, |c| c.params.len()) + 2;
    if cond.is_none() {
        sql.push_str(" ORDER BY id");
    }
    match slice {
        Some(Slice::Offset { .. }) => sql.push_str(&format!(" LIMIT ${n} OFFSET ${}", n + 1)),
        None => {}
    }
    sql
}

/// The rows matching `cond` (all of the tenant's for `None`) in id order, the `slice` of them
/// when given; with `count_only`, just how many match.
pub(crate) async fn fetch(
    conn: &mut Db<'_>,
    kind: Kind,
    tenant: &str,
    cond: Option<&Condition>,
    count_only: bool,
    slice: Option<Slice>,
    extra: Option<&str>,
) -> Result<(Vec<Rec>, i64), BackendError> {
    let slice = if count_only { None } else { slice };
    let sql = select_sql(kind, cond, count_only, slice, extra);
    let mut args: Vec<Arg<'_>> = vec![Arg::Text(tenant)];
    args.extend(
        cond.iter()
            .flat_map(|c| c.params.iter().map(|p| Arg::Text(p))),
    );
    match slice {
        Some(Slice::Offset { limit, offset }) => args.extend([Arg::Int(limit), Arg::Int(offset)]),
        None => {}
    }
    if count_only {
        let n = conn.first(&sql, &args, |r| r.int(0)).await?;
        return Ok((Vec::new(), n.unwrap_or(0)));
    }
    let mut recs = conn.rows(&sql, &args, Rec::of).await?;
    if cond.is_some() {
        // ids are canonical lower-case UUIDs: byte order is the primary key's order
        recs.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    }
    Ok((recs, 0))
}

/// The `groups` of users or the `members` of groups, by id: what a resource's JSON needs
/// when a filter or a sort looks at them.
#[derive(Default)]
pub(crate) struct Links {
    groups: HashMap<String, Vec<GroupRef>>,
    members: HashMap<String, Vec<Member>>,
}

impl Links {
    pub(crate) async fn load(
        conn: &mut Db<'_>,
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
    pub(crate) fn json(&self, kind: Kind, rec: &Rec) -> Result<Value, BackendError> {
        match kind {
            Kind::User => rec.user_json(self.groups.get(&rec.id).map_or(&[], Vec::as_slice)),
            Kind::Group => rec.group_json(self.members.get(&rec.id).cloned().unwrap_or_default()),
        }
    }
}

/// Every resource of the tenant matching `q`'s filter (all of them when `q` sorts without
/// one), in id order, each with its JSON when the filter needed it, and the links read for
/// them; refused with `tooMany` beyond the scan limit.
pub(crate) async fn matching(
    conn: &mut Db<'_>,
    kind: Kind,
    tenant: &str,
    q: &ListQuery,
    compiled: Option<&CompiledFilter>,
    bounds: Bounds,
    extra: Option<&str>,
) -> Result<(Vec<(Rec, Option<Value>)>, Links), BackendError> {
    let big = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let cond = q.filter.as_ref().and_then(|f| pushdown::condition(f, kind));
    let what = if q.filter.is_some() {
        "this filter"
    } else {
        "sorting"
    };
    let limit = Slice::Offset {
        limit: big(bounds.scan_limit.saturating_add(1)),
        offset: 0,
    };
    let (rows, _) = fetch(conn, kind, tenant, cond.as_ref(), false, Some(limit), extra).await?;
    if rows.len() > bounds.scan_limit {
        let (_, n) = fetch(conn, kind, tenant, cond.as_ref(), true, None, None).await?;
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
    conn: &mut Db<'_>,
    d: Dialect,
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
    // when the rows read are the page itself, a user's groups come with its row
    let inline = (kind == Kind::User && q.sort.is_none() && q.selection.wants("groups"))
        .then(|| d.user_groups());
    if q.filter.is_none() && q.sort.is_none() {
        let (_, total) = fetch(conn, kind, tenant, None, true, None, None).await?;
        let total = usize::try_from(total).unwrap_or(0);
        let range = q.window(total, bounds.max_results);
        if range.is_empty() {
            return Ok((Vec::new(), total));
        }
        let limit = Slice::Offset {
            limit: big(range.len()),
            offset: big(range.start),
        };
        let (recs, _) = fetch(conn, kind, tenant, None, false, Some(limit), inline).await?;
        return Ok((recs, total));
    }
    let exact = q
        .filter
        .as_ref()
        .is_some_and(|f| pushdown::is_exact(f, kind));
    let extra = if exact { inline } else { None };
    let (hits, linked) = matching(conn, kind, tenant, q, compiled.as_ref(), bounds, extra).await?;
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

pub(crate) async fn users_page(
    conn: &mut Db<'_>,
    d: Dialect,
    tenant: &str,
    q: &ListQuery,
    schema: &ResourceSchema,
    bounds: Bounds,
) -> Result<Page<User>, BackendError> {
    let (recs, total, next, previous) = match q.cursor {
        Some(_) => {
            let w = walk::walk(conn, d, Kind::User, tenant, q, schema, bounds).await?;
            (w.recs, w.total, w.next, w.previous)
        }
        None => {
            let (recs, total) = select(conn, d, Kind::User, tenant, q, schema, bounds).await?;
            (recs, total, None, None)
        }
    };
    let inline = recs.iter().all(|r| r.groups.is_some());
    let mut groups = if q.selection.wants("groups") && !recs.is_empty() && !inline {
        let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
        users::groups_of(conn, tenant, &ids).await?
    } else {
        HashMap::new()
    };
    let resources = recs
        .iter()
        .map(|r| match &r.groups {
            Some(inline) => r.user(inline.clone()),
            None => r.user(groups.remove(&r.id).unwrap_or_default()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(resources, total, q.start_index)
        .with_next(next)
        .with_previous(previous))
}

pub(crate) async fn groups_page(
    conn: &mut Db<'_>,
    d: Dialect,
    tenant: &str,
    q: &ListQuery,
    schema: &ResourceSchema,
    bounds: Bounds,
) -> Result<Page<Group>, BackendError> {
    let (recs, total, next, previous) = match q.cursor {
        Some(_) => {
            let w = walk::walk(conn, d, Kind::Group, tenant, q, schema, bounds).await?;
            (w.recs, w.total, w.next, w.previous)
        }
        None => {
            let (recs, total) = select(conn, d, Kind::Group, tenant, q, schema, bounds).await?;
            (recs, total, None, None)
        }
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
    Ok(Page::new(resources, total, q.start_index)
        .with_next(next)
        .with_previous(previous))
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;
    use crate::auth::{Context, Principal};
    use crate::backend::IdentityBackend;
    use crate::backend::sql::SqlBackend;
    use crate::filter::Filter;
    use crate::resource::{Group, User};
    use sqlx::Row;

    /// SQLite's plan for the `SELECT` of an indexed lookup, as `EXPLAIN QUERY PLAN` details.
    async fn plan(b: &SqlBackend, kind: Kind, filter: &str) -> String {
        let f = Filter::parse(filter).unwrap();
        let cond = pushdown::condition(&f, kind).unwrap();
        let extra = (kind == Kind::User).then(|| Dialect::Sqlite.user_groups());
        let sql = select_sql(
            kind,
            Some(&cond),
            false,
            Some(Slice::Offset {
                limit: 101,
                offset: 0,
            }),
            extra,
        );
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut q = sqlx::query(&explain).bind("t");
        for p in &cond.params {
            q = q.bind(p);
        }
        let mut conn = b.inner.pool.acquire().await.unwrap();
        let rows = q
            .bind(101_i64)
            .bind(0_i64)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let details: Vec<String> = rows.iter().map(|r| r.try_get(3).unwrap()).collect();
        details.join("; ")
    }

    #[tokio::test]
    async fn lookups_use_their_index_not_a_walk_of_the_tenant() {
        let b = SqlBackend::connect("sqlite::memory:").await.unwrap();
        let c = Context::new("t", Principal::new("test"));
        for n in 0..20 {
            let user = User::new(format!("u{n}@contoso.com")).with_external_id(format!("e{n}"));
            b.create_user(&c, user).await.unwrap();
            b.create_group(&c, Group::new(format!("G{n}")))
                .await
                .unwrap();
        }
        for (kind, filter, index) in [
            (
                Kind::User,
                r#"externalId eq "e7""#,
                "scim_users_external_id",
            ),
            (
                Kind::User,
                r#"userName eq "u7@contoso.com""#,
                "scim_users_user_name",
            ),
            (Kind::Group, r#"displayName eq "g7""#, "scim_groups_display"),
            (
                Kind::Group,
                r#"externalId eq "x""#,
                "scim_groups_external_id",
            ),
        ] {
            let p = plan(&b, kind, filter).await;
            assert!(
                p.contains(&format!("USING INDEX {index} ")),
                "{filter}: {p}"
            );
        }
        // the whole tenant, paged, still walks the primary key in order, with no sort
        let sql = select_sql(
            Kind::User,
            None,
            false,
            Some(Slice::Offset {
                limit: 1,
                offset: 0,
            }),
            None,
        );
        assert!(sql.ends_with("ORDER BY id LIMIT $2 OFFSET $3"), "{sql}");
    }
}
