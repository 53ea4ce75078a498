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
use super::exec::{Arg, Cells, Db};
use super::list::Bounds;
use super::rows::{db_err, is_unique_violation, json_err, meta, now_micros};
use crate::backend::generic::{not_found, taken};
use crate::backend::memory::uid::Uid;
use crate::backend::{BackendError, Page, UniqueValue, check_if_match, unique_values};
use crate::patch::PatchRequest;
use crate::query::ListQuery;
use crate::resource::{GenericResource, Version, VersionCondition};
use crate::schema::ResourceSchema;
use serde_json::{Map, Value};
use sqlx::AnyConnection;

const COLUMNS: &str = "id, version, created, modified, body";

/// A stored row.
struct Rec {
    id: String,
    version: i64,
    created: i64,
    modified: i64,
    body: String,
}

impl Rec {
    fn of(row: &dyn Cells) -> Result<Rec, BackendError> {
        Ok(Rec {
            id: row.text(0)?,
            version: row.int(1)?,
            created: row.int(2)?,
            modified: row.int(3)?,
            body: row.text(4)?,
        })
    }

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

    fn check(&self, if_match: Option<&VersionCondition>) -> Result<(), BackendError> {
        let v = Version::from_u64(u64::try_from(self.version).unwrap_or(0));
        check_if_match(if_match, Some(&v))
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

/// A list: the tenant's resources of the type in id order (at most the scan limit, `tooMany`
/// beyond it), filtered, sorted and paged by the crate's engine, as the memory backend does.
pub(crate) async fn list(
    conn: &mut Db<'_>,
    tenant: &str,
    schema: &ResourceSchema,
    query: &ListQuery,
    bounds: Bounds,
) -> Result<Page<GenericResource>, BackendError> {
    let limit = i64::try_from(bounds.scan_limit.saturating_add(1)).unwrap_or(i64::MAX);
    let sql = format!(
        "SELECT {COLUMNS} FROM scim_resources WHERE tenant = $1 AND resource_type = $2 \
         ORDER BY id LIMIT $3"
    );
    let kind = type_key(schema);
    let args = [Arg::Text(tenant), Arg::Text(&kind), Arg::Int(limit)];
    let all = conn
        .rows(&sql, &args, |r| Rec::of(r)?.resource(schema))
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
