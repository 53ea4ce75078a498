//! Resources of types registered at run time in SQL: one `scim_resources` row per resource
//! (JSON body without `id` and `meta`, keyed by tenant, lower-cased type name and id) and one
//! `scim_resource_unique` row per value the type declares unique, whose primary key refuses a
//! second holder ([RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2)
//! `uniqueness`, [§6](https://www.rfc-editor.org/rfc/rfc7643#section-6);
//! [RFC 7644 §3.3–3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)).
//!
//! Every function runs on a connection inside the caller's transaction; writes lock the row
//! (PostgreSQL `FOR UPDATE`; SQLite holds the write lock) before checking `If-Match`.

use super::dialect::Dialect;
use super::exec::{Arg, Db};
use super::list::Bounds;
use super::pushdown::Condition;
use super::resource_pushdown;
use super::rows::{
    REC_COLUMNS as COLUMNS, Rec, db_err, is_unique_violation, json_err, meta, now_micros,
};
use super::walk::{self, Step, Taker};
use crate::backend::generic::{not_found, taken};
use crate::backend::memory::uid::Uid;
use crate::backend::{BackendError, Page, UniqueValue, unique_values};
use crate::patch::PatchRequest;
use crate::query::ListQuery;
use crate::resource::{GenericResource, VersionCondition};
use crate::schema::ResourceSchema;
use serde_json::{Map, Value};
use sqlx::AnyConnection;

/// A stored row as the resource of its type (`meta` from the row's columns).
impl Rec {
    fn resource(&self, schema: &ResourceSchema) -> Result<GenericResource, BackendError> {
        let body: Map<String, Value> = serde_json::from_str(&self.body).map_err(json_err)?;
        let m = meta(
            &schema.resource_type().name,
            self.version,
            self.created,
            self.modified,
        );
        Ok(GenericResource::from_parts(self.id.clone(), m, body))
    }
}

/// The type's key in the tables: its name, lower-cased.
fn type_key(schema: &ResourceSchema) -> String {
    schema.resource_type().name.to_ascii_lowercase()
}

/// The canonical id, or 404 (an id that is no UUID names nothing here).
fn canonical(schema: &ResourceSchema, id: &str) -> Result<String, BackendError> {
    Uid::parse(id)
        .map(|u| u.to_string())
        .ok_or_else(|| not_found(schema, id))
}

async fn row(
    conn: &mut Db<'_>,
    d: Dialect,
    tenant: &str,
    schema: &ResourceSchema,
    id: &str,
    lock: bool,
) -> Result<Rec, BackendError> {
    let key = canonical(schema, id)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM scim_resources WHERE tenant = $1 AND resource_type = $2 AND id = $3{}",
        if lock { d.for_update() } else { "" }
    );
    let kind = type_key(schema);
    let args = [Arg::Text(tenant), Arg::Text(&kind), Arg::Text(&key)];
    let found = conn.first(&sql, &args, Rec::of).await?;
    found.ok_or_else(|| not_found(schema, id))
}

/// Claims the unique values of resource `id`; 409 naming the first one another holds.
async fn claim(
    conn: &mut AnyConnection,
    tenant: &str,
    schema: &ResourceSchema,
    id: &str,
    values: &[UniqueValue],
) -> Result<(), BackendError> {
    for u in values {
        let r = sqlx::query(
            "INSERT INTO scim_resource_unique (tenant, resource_type, attribute, value, id) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant)
        .bind(type_key(schema))
        .bind(&u.attribute)
        .bind(&u.value)
        .bind(id)
        .execute(&mut *conn)
        .await;
        match r {
            Err(e) if is_unique_violation(&e) => return Err(taken(schema, u)),
            Err(e) => return Err(db_err(e)),
            Ok(_) => {}
        }
    }
    Ok(())
}

/// Releases every unique value resource `id` holds.
async fn release(
    conn: &mut AnyConnection,
    tenant: &str,
    schema: &ResourceSchema,
    id: &str,
) -> Result<(), BackendError> {
    sqlx::query(
        "DELETE FROM scim_resource_unique WHERE tenant = $1 AND resource_type = $2 AND id = $3",
    )
    .bind(tenant)
    .bind(type_key(schema))
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn create(
    conn: &mut AnyConnection,
    tenant: &str,
    schema: &ResourceSchema,
    resource: GenericResource,
) -> Result<GenericResource, BackendError> {
    let id = Uid::random().to_string();
    let now = now_micros();
    sqlx::query(
        "INSERT INTO scim_resources \
         (tenant, resource_type, id, external_id, version, created, modified, body) \
         VALUES ($1, $2, $3, $4, 1, $5, $5, $6)",
    )
    .bind(tenant)
    .bind(type_key(schema))
    .bind(&id)
    .bind(resource.external_id().map(str::to_owned))
    .bind(now)
    .bind(resource.body_text())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    claim(conn, tenant, schema, &id, &unique_values(schema, &resource)).await?;
    let m = meta(&schema.resource_type().name, 1, now, now);
    Ok(GenericResource::from_parts(id, m, resource.body().clone()))
}

pub(crate) async fn get(
    conn: &mut Db<'_>,
    d: Dialect,
    tenant: &str,
    schema: &ResourceSchema,
    id: &str,
) -> Result<GenericResource, BackendError> {
    row(conn, d, tenant, schema, id, false)
        .await?
        .resource(schema)
}

/// Stores `resource` as the new state of the locked and checked `rec`.
async fn store(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    schema: &ResourceSchema,
    rec: &Rec,
    resource: GenericResource,
) -> Result<GenericResource, BackendError> {
    let body = resource.body_text();
    let current: Map<String, Value> = serde_json::from_str(&rec.body).map_err(json_err)?;
    if current == *resource.body() {
        // nothing changed: the version stays (RFC 7644 §3.14)
        return rec.resource(schema);
    }
    release(conn, tenant, schema, &rec.id).await?;
    claim(
        conn,
        tenant,
        schema,
        &rec.id,
        &unique_values(schema, &resource),
    )
    .await?;
    let now = now_micros();
    let sql = format!(
        "UPDATE scim_resources SET external_id = $4, body = $5, version = version + 1, \
         modified = {}(created, $6) WHERE tenant = $1 AND resource_type = $2 AND id = $3",
        d.greatest()
    );
    sqlx::query(&sql)
        .bind(tenant)
        .bind(type_key(schema))
        .bind(&rec.id)
        .bind(resource.external_id().map(str::to_owned))
        .bind(&body)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let m = meta(
        &schema.resource_type().name,
        rec.version + 1,
        rec.created,
        now.max(rec.created),
    );
    Ok(GenericResource::from_parts(
        rec.id.clone(),
        m,
        resource.body().clone(),
    ))
}

#[allow(clippy::too_many_arguments)] // the trait method's arguments and the connection
pub(crate) async fn replace(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    schema: &ResourceSchema,
    id: &str,
    resource: GenericResource,
    if_match: Option<&VersionCondition>,
) -> Result<GenericResource, BackendError> {
    let rec = row(&mut Db::Any(&mut *conn), d, tenant, schema, id, true).await?;
    rec.check(if_match)?;
    store(conn, d, tenant, schema, &rec, resource).await
}

#[allow(clippy::too_many_arguments)] // the trait method's arguments and the connection
pub(crate) async fn patch(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    schema: &ResourceSchema,
    id: &str,
    patch: &PatchRequest,
    if_match: Option<&VersionCondition>,
) -> Result<GenericResource, BackendError> {
    let rec = row(&mut Db::Any(&mut *conn), d, tenant, schema, id, true).await?;
    rec.check(if_match)?;
    let current = rec.resource(schema)?;
    let mut json = current.to_json();
    if !patch.apply(&mut json, schema)?.changed {
        return Ok(current);
    }
    let patched = GenericResource::from_json(json)?;
    store(conn, d, tenant, schema, &rec, patched).await
}

pub(crate) async fn delete(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    schema: &ResourceSchema,
    id: &str,
    if_match: Option<&VersionCondition>,
) -> Result<(), BackendError> {
    let rec = row(&mut Db::Any(&mut *conn), d, tenant, schema, id, true).await?;
    rec.check(if_match)?;
    release(conn, tenant, schema, &rec.id).await?;
    sqlx::query("DELETE FROM scim_resources WHERE tenant = $1 AND resource_type = $2 AND id = $3")
        .bind(tenant)
        .bind(type_key(schema))
        .bind(&rec.id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// A list ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)): the
/// tenant's resources of the type that the filter's SQL condition selects
/// ([`resource_pushdown`]; all of them without one) in id order, at most the scan limit
/// (`tooMany` beyond it), filtered, sorted and paged by the crate's engine as the memory
/// backend does; or a cursor walk ([`walk`]).
pub(crate) async fn list(
    conn: &mut Db<'_>,
    tenant: &str,
    schema: &ResourceSchema,
    query: &ListQuery,
    bounds: Bounds,
) -> Result<Page<GenericResource>, BackendError> {
    let pushed = query
        .filter
        .as_ref()
        .and_then(|f| resource_pushdown::condition(f, schema));
    if query.cursor.is_some() {
        return walk(conn, tenant, schema, query, bounds, pushed).await;
    }
    let cond = pushed.as_ref().map(|(c, _)| c);
    let all = candidates(
        conn,
        tenant,
        schema,
        cond,
        bounds.scan_limit.saturating_add(1),
    )
    .await?;
    Ok(crate::query::apply_query(
        all,
        query,
        schema,
        bounds.max_results,
        bounds.scan_limit,
        GenericResource::to_json,
    )?)
}

/// The first `limit` resources of the type `cond` selects, in id order.
async fn candidates(
    conn: &mut Db<'_>,
    tenant: &str,
    schema: &ResourceSchema,
    cond: Option<&Condition>,
    limit: usize,
) -> Result<Vec<GenericResource>, BackendError> {
    let key = type_key(schema);
    walk::keyset(
        conn,
        COLUMNS,
        "scim_resources",
        BASE,
        &[tenant, &key],
        cond,
        &Step::Forward(None),
        limit,
        |r| Rec::of(r)?.resource(schema),
    )
    .await
}

/// The rows of one tenant and type: `$1` the tenant, `$2` the type's key.
const BASE: &str = "tenant = $1 AND resource_type = $2";

/// A cursor walk of the type ([RFC 9865](https://www.rfc-editor.org/rfc/rfc9865)), as the
/// users' and groups' ([`walk::walk`]): one keyset query per page when the condition answers
/// the filter exactly (or there is no filter), else keyset batches with the filter engine
/// deciding, O(page + skipped); the total counted on the first page and carried.
async fn walk(
    conn: &mut Db<'_>,
    tenant: &str,
    schema: &ResourceSchema,
    q: &ListQuery,
    bounds: Bounds,
    pushed: Option<(Condition, bool)>,
) -> Result<Page<GenericResource>, BackendError> {
    let count = q
        .count
        .unwrap_or(bounds.max_results)
        .min(bounds.max_results);
    let (mut step, carried) = walk::step(q)?;
    let (cond, exact) = match pushed {
        Some((c, e)) => (Some(c), e),
        None => (None, q.filter.is_none()),
    };
    let compiled = match &q.filter {
        Some(f) if !exact => Some(f.compile(schema)?),
        _ => None,
    };
    let key = type_key(schema);
    let total = match carried {
        Some(t) => t,
        None if exact => {
            let mut sql = format!("SELECT COUNT(*) FROM scim_resources WHERE {BASE}");
            if let Some(c) = &cond {
                sql.push_str(" AND (");
                sql.push_str(&c.sql);
                sql.push(')');
            }
            let mut args = vec![Arg::Text(tenant), Arg::Text(&key)];
            args.extend(
                cond.iter()
                    .flat_map(|c| c.params.iter().map(|p| Arg::Text(p))),
            );
            let n = conn.first(&sql, &args, |r| r.int(0)).await?;
            usize::try_from(n.unwrap_or(0)).unwrap_or(0)
        }
        None => {
            let limit = bounds.scan_limit.saturating_add(1);
            let all = candidates(conn, tenant, schema, cond.as_ref(), limit).await?;
            if all.len() > bounds.scan_limit {
                return Err(crate::Error::too_many(format!(
                    "counting the matches of this filter would examine more than {} {} resources; filter with id eq, externalId eq or a unique attribute",
                    bounds.scan_limit,
                    schema.resource_type().name
                ))
                .into());
            }
            let mut n = 0usize;
            for r in &all {
                if compiled.as_ref().is_none_or(|c| c.matches(&r.to_json())) {
                    n += 1;
                }
            }
            n
        }
    };
    let budget = if exact { 0 } else { bounds.scan_limit };
    let size = walk::batch(count, exact, budget);
    let mut taker = Taker::new(count, budget);
    let first = step.clone();
    'batches: loop {
        let rows = walk::keyset(
            conn,
            COLUMNS,
            "scim_resources",
            BASE,
            &[tenant, &key],
            cond.as_ref(),
            &step,
            size,
            |r| Rec::of(r)?.resource(schema),
        )
        .await?;
        let read = rows.len();
        let mut last = None;
        for r in rows {
            let id = r.id().unwrap_or_default().to_owned();
            let matched = compiled.as_ref().is_none_or(|c| c.matches(&r.to_json()));
            last = Some(id.clone());
            if !taker.offer(id, r, matched) {
                break 'batches;
            }
        }
        match step.next_batch(read >= size, last) {
            Some(next) => step = next,
            None => break,
        }
    }
    let (resources, next, previous) = taker.finish(&first);
    let at = |id: String| format!("{total}:{id}");
    Ok(Page::new(resources, total, 1)
        .with_next(next.map(at))
        .with_previous(previous.map(at)))
}
