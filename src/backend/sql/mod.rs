//! The SQL backend: Users, Groups and API keys in SQLite (embedded, the default of the
//! examples) or PostgreSQL (several replicas on one database), through `sqlx`
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
//!
//! Enabled by the cargo features `sqlite` and `postgres`. One code path serves both; the few
//! differences (row locks, the write transaction, pragmas, column types) live in the dialect.

mod config;
mod dialect;
mod exec;
mod groups;
mod keys;
mod list;
#[cfg(feature = "sqlite")]
mod lite;
mod members;
mod pushdown;
mod resource_pushdown;
mod resources;
mod rows;
mod users;
mod walk;
mod writer;

pub use config::{DATABASE_URL_VAR, SqlConfigError, SqlOptions};
pub use keys::SqlKeyStore;

use crate::auth::Context;
use crate::backend::{BackendError, Capabilities, IdentityBackend, Page};
use crate::patch::{MemberChange, PatchRequest};
use crate::query::{ListQuery, Selection};
use crate::resource::{GenericResource, Group, Member, User, VersionCondition};
use crate::schema::ResourceSchema;
use async_trait::async_trait;
use dialect::Dialect;
use exec::{Db, in_read};
use list::Bounds;
use members::Spec;
use rows::is_conflict;
use sqlx::{AnyConnection, AnyPool};
use std::sync::Arc;
use writer::{ConnFuture, Writer};

/// How often a write transaction that lost a conflict (deadlock, serialization failure) is
/// run again (PostgreSQL; SQLite's writes never conflict: one task runs them).
const WRITE_ATTEMPTS: usize = 4;

pub(crate) struct Inner {
    pool: AnyPool,
    dialect: Dialect,
    /// SQLite files: read-only connections used in the calling task (reads skip the hand-off
    /// to a `sqlx` worker thread).
    #[cfg(feature = "sqlite")]
    readers: Option<lite::LiteReaders>,
    /// SQLite: the task that runs every write of this process, committing the writes that
    /// queue up together (group commit).
    writer: Option<Writer>,
    capabilities: Capabilities,
    scan_limit: usize,
    /// [`SqlOptions::foreign_members`].
    foreign_members: bool,
    user_schema: Arc<ResourceSchema>,
    group_schema: Arc<ResourceSchema>,
}

impl Inner {
    /// Runs `work` in a write transaction and answers once it is committed: on SQLite through
    /// the writer task (the transaction may hold other requests' writes too, each in its own
    /// savepoint), on PostgreSQL on a pooled connection, again when the database chose it as
    /// the loser of a conflict. A failed `work` leaves nothing written.
    async fn write<T, F>(&self, work: F) -> Result<T, BackendError>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection) -> ConnFuture<'c, Result<T, BackendError>>
            + Send
            + Sync
            + 'static,
    {
        if let Some(w) = &self.writer {
            return w.write(Box::new(move |c| work(c))).await;
        }
        let mut attempt = 0;
        loop {
            let mut tx = self
                .pool
                .begin_with(self.dialect.begin_write())
                .await
                .map_err(rows::db_err)?;
            let r = work(&mut tx).await;
            let r = match r {
                Ok(v) => tx.commit().await.map_err(rows::db_err).map(|()| v),
                Err(e) => {
                    // the error is the answer; a failed rollback leaves nothing committed
                    let _ = tx.rollback().await;
                    Err(e)
                }
            };
            match r {
                Err(e) if is_conflict(&e) && attempt + 1 < WRITE_ATTEMPTS => attempt += 1,
                other => return other,
            }
        }
    }

    /// Runs `work`, one statement that is atomic by itself, durably: on SQLite through the
    /// writer task, on PostgreSQL in autocommit on a pooled connection (no `BEGIN`/`COMMIT`
    /// round trips).
    async fn write_one<T, F>(&self, work: F) -> Result<T, BackendError>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection) -> ConnFuture<'c, Result<T, BackendError>>
            + Send
            + Sync
            + 'static,
    {
        match &self.writer {
            Some(w) => w.write(Box::new(move |c| work(c))).await,
            None => {
                let mut conn = self.pool.acquire().await.map_err(rows::db_err)?;
                work(&mut conn).await
            }
        }
    }
}

impl Inner {
    fn bounds(&self) -> Bounds {
        Bounds {
            max_results: self.capabilities.max_results,
            scan_limit: self.scan_limit,
        }
    }
}

/// The SQL [`IdentityBackend`]: SQLite or PostgreSQL
/// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)). Cheap to clone (one
/// pool behind an `Arc`).
///
/// * **Tables**: `scim_users`, `scim_groups` (each a JSON body plus indexed columns, keyed
///   `(tenant, id)`), `scim_group_members` (one row per member, keyed
///   `(tenant, group_id, member_id)`, indexed by member for `User.groups`) and
///   `scim_api_keys`; `scim_resources` and `scim_resource_unique` for the resources of types
///   registered at run time (a JSON body per resource keyed `(tenant, type, id)`, and one row
///   per value the type declares unique, so a second holder is refused atomically: 409);
///   created and upgraded by embedded, versioned migrations at connect.
/// * **Behaviour** is the [`MemoryBackend`](crate::backend::MemoryBackend)'s: tenants apart
///   (an id of tenant A is 404 for B), `userName` unique per tenant case-insensitively (409),
///   `meta.version` new on every change and kept when nothing changed, member `display` kept
///   as written, `User.groups` from the member table, members must be Users or Groups of the
///   tenant, `password` never stored.
/// * **Filters**: `id`, `userName`, `externalId`, group `displayName`, `members.value` and
///   `groups.value` equalities (alone, in an `and`, or `or`-ed) are SQL conditions with bound
///   parameters; the crate's filter engine decides on each candidate, and any other filter is
///   a scan of the tenant bounded by the scan limit (`tooMany` beyond it). Sorting is the
///   crate's, so every answer equals the memory backend's. On resource types registered at
///   run time, `id`, `externalId` and the string attributes the type declares unique
///   (`uniqueness: server`/`global`, kept in `scim_resource_unique`) `eq` are SQL conditions
///   the same way; other filters are evaluated on every row read.
/// * **Cursor walks** ([RFC 9865](https://www.rfc-editor.org/rfc/rfc9865)): in `id` order,
///   forwards (`nextCursor`) and backwards (`previousCursor`), by keyset:
///   `WHERE tenant = $1 [AND <pushed-down filter>] AND id > $n ORDER BY id LIMIT count + 1`
///   (`id < $n ORDER BY id DESC` backwards) on the `(tenant, id)` key or a lookup index
///   ending in `id`: one indexed query per page unfiltered or for an exact indexed equality;
///   other filters read the keyset in batches, the filter engine deciding, until the page is
///   full (O(page + skipped non-matching), at most the scan limit skipped per page).
/// * **Writes** are transactions: PATCH and member deltas read, check `If-Match` and write
///   under a row lock (PostgreSQL) or the write lock (SQLite, `BEGIN IMMEDIATE`), so
///   concurrent writers never lose an update; a member delta touches only the named members.
///   SQLite runs in WAL mode with `synchronous=FULL`: an acknowledged write survives a crash.
///   On SQLite one task of this process runs the writes, each in its own savepoint, and
///   commits those that queued up together (group commit: one `fsync` for many requests, each
///   answered after the commit). On PostgreSQL each request has its own transaction (a create
///   is one autocommit statement), so the pool's connections commit in parallel.
/// * **Reads** on a SQLite file run in the calling task on `rusqlite` connections (`query_only`,
///   WAL: they never wait for the writer and see every acknowledged write), not on `sqlx`'s
///   per-connection worker threads, whose hand-off cost more than an indexed read; the SQL is
///   the same. A read blocks its thread for as long as SQLite takes: microseconds for indexed
///   lookups, at most the scan limit's rows otherwise. PostgreSQL and SQLite in memory read
///   through the `sqlx` pool.
#[derive(Clone)]
pub struct SqlBackend {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SqlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlBackend")
            .field("dialect", &self.inner.dialect)
            .field("scan_limit", &self.inner.scan_limit)
            .finish_non_exhaustive()
    }
}

impl SqlBackend {
    /// Opens the database at `url` with the default [`SqlOptions`]: `sqlite://PATH` (the file
    /// is created when missing), `sqlite::memory:`, or `postgres://…`; runs the migrations.
    pub async fn connect(url: &str) -> Result<SqlBackend, SqlConfigError> {
        Self::connect_with(SqlOptions::new(url)).await
    }

    /// Opens the database as `options` say; runs the migrations. Fails here, never at the
    /// first request, when the database cannot be reached, refuses the login, cannot be
    /// written, or was migrated by a newer version of this crate.
    pub async fn connect_with(options: SqlOptions) -> Result<SqlBackend, SqlConfigError> {
        let (pool, dialect) = config::open(&options).await?;
        #[cfg(feature = "sqlite")]
        let readers = config::readers(&options, dialect)?;
        Ok(SqlBackend {
            inner: Arc::new(Inner {
                writer: (dialect == Dialect::Sqlite).then(|| Writer::start(pool.clone())),
                pool,
                dialect,
                #[cfg(feature = "sqlite")]
                readers,
                capabilities: Capabilities::scan(options.max_results.max(1))
                    .with_cursor(true)
                    .with_cursor_previous(true),
                scan_limit: options.scan_limit,
                foreign_members: options.foreign_members,
                user_schema: Arc::new(ResourceSchema::user()),
                group_schema: Arc::new(ResourceSchema::group()),
            }),
        })
    }

    /// The API key store in the same database, shared by every process that opens it.
    pub fn key_store(&self) -> SqlKeyStore {
        SqlKeyStore::new(self.inner.clone())
    }

    /// Closes the pool: waits for the connections in use, then closes them all.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }

    fn schema<'a>(&'a self, q: &'a ListQuery, user: bool) -> &'a ResourceSchema {
        match (&q.schema, user) {
            (Some(s), _) => s,
            (None, true) => &self.inner.user_schema,
            (None, false) => &self.inner.group_schema,
        }
    }
}

fn tenant(ctx: &Context) -> &str {
    ctx.tenant.as_str()
}

#[allow(clippy::too_many_arguments)] // the trait method's arguments and the connection
async fn patch_group_tx(
    conn: &mut AnyConnection,
    d: Dialect,
    tenant: &str,
    id: &str,
    patch: &PatchRequest,
    schema: &ResourceSchema,
    if_match: Option<&VersionCondition>,
    selection: &Selection,
    foreign: bool,
) -> Result<Group, BackendError> {
    let to_member = crate::backend::defaults::member_of_ref;
    let Some(delta) = patch.group_delta(schema)? else {
        // the whole-resource engine: read, apply, replace (under the group's lock)
        let (key, _) =
            rows::checked_row(conn, d, rows::Table::Groups, tenant, id, true, if_match).await?;
        let current = groups::get(&mut Db::Any(&mut *conn), d, tenant, &key, true).await?;
        let mut json = current.to_json();
        if patch.apply(&mut json, schema)?.changed {
            let mut patched = Group::from_json(json)?;
            let list = std::mem::take(&mut patched.members);
            let spec = Spec {
                shell: Some(patched),
                replace: Some(&list),
                touch: true,
                foreign,
                ..Spec::default()
            };
            let rec = members::change(conn, d, tenant, &key, spec, None).await?;
            return groups::finish(
                &mut Db::Any(&mut *conn),
                tenant,
                &rec,
                selection.wants("members"),
            )
            .await;
        }
        return groups::get(
            &mut Db::Any(&mut *conn),
            d,
            tenant,
            &key,
            selection.wants("members"),
        )
        .await;
    };
    let (key, rec) =
        rows::checked_row(conn, d, rows::Table::Groups, tenant, id, false, if_match).await?;
    let shell = if delta.changes_shell() {
        Some(delta.shell_of(&rec.group(Vec::new())?, schema)?)
    } else {
        None
    };
    let (add, remove, replace): (Vec<Member>, &[String], Option<Vec<Member>>) = match &delta.members
    {
        MemberChange::Delta { remove, add } => (add.iter().map(to_member).collect(), remove, None),
        MemberChange::Replace(list) => {
            (Vec::new(), &[], Some(list.iter().map(to_member).collect()))
        }
        MemberChange::Unchanged => (Vec::new(), &[], None),
    };
    let spec = Spec {
        shell,
        replace: replace.as_deref(),
        remove,
        add: &add,
        touch: false,
        foreign,
    };
    let rec = members::change(conn, d, tenant, &key, spec, if_match).await?;
    groups::finish(
        &mut Db::Any(&mut *conn),
        tenant,
        &rec,
        selection.wants("members"),
    )
    .await
}

/// Runs `$body` (an expression using `$conn: &mut AnyConnection` and references to the owned
/// `$arg`s) through `$inner.$method` (`write` or `write_one`): the arguments move into the
/// write once, behind an `Arc`, since the write may run on the writer task and more than once.
macro_rules! in_write {
    ($inner:expr, $method:ident, ($($arg:ident),*), $conn:ident => $body:expr) => {{
        let args = Arc::new(($($arg,)*));
        $inner
            .$method(move |$conn| {
                let args = args.clone();
                Box::pin(async move {
                    let ($($arg,)*) = &*args;
                    $body.await
                })
            })
            .await
    }};
}

#[async_trait]
impl IdentityBackend for SqlBackend {
    fn capabilities(&self) -> &Capabilities {
        &self.inner.capabilities
    }

    async fn create_user(&self, ctx: &Context, user: User) -> Result<User, BackendError> {
        let t = tenant(ctx).to_owned();
        in_write!(self.inner, write_one, (t, user), c => users::create(c, t, user.clone()))
    }

    async fn get_user(
        &self,
        ctx: &Context,
        id: &str,
        selection: &Selection,
    ) -> Result<User, BackendError> {
        let d = self.inner.dialect;
        let groups = selection.wants("groups");
        in_read!(self.inner, c => users::get(c, d, tenant(ctx), id, groups, false))
    }

    async fn replace_user(
        &self,
        ctx: &Context,
        id: &str,
        user: User,
        if_match: Option<&VersionCondition>,
    ) -> Result<User, BackendError> {
        let d = self.inner.dialect;
        let (t, id, m) = (tenant(ctx).to_owned(), id.to_owned(), if_match.cloned());
        in_write!(self.inner, write, (t, id, user, m), c =>
            users::replace(c, d, t, id, user.clone(), m.as_ref()))
    }

    async fn delete_user(
        &self,
        ctx: &Context,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        let d = self.inner.dialect;
        let (t, id, m) = (tenant(ctx).to_owned(), id.to_owned(), if_match.cloned());
        in_write!(self.inner, write, (t, id, m), c => users::delete(c, d, t, id, m.as_ref()))
    }

    async fn list_users(
        &self,
        ctx: &Context,
        query: &ListQuery,
    ) -> Result<Page<User>, BackendError> {
        let (d, schema) = (self.inner.dialect, self.schema(query, true));
        let bounds = self.inner.bounds();
        in_read!(self.inner, c => list::users_page(c, d, tenant(ctx), query, schema, bounds))
    }

    async fn patch_user(
        &self,
        ctx: &Context,
        id: &str,
        patch: &PatchRequest,
        schema: &ResourceSchema,
        if_match: Option<&VersionCondition>,
    ) -> Result<User, BackendError> {
        let d = self.inner.dialect;
        let (t, id, m) = (tenant(ctx).to_owned(), id.to_owned(), if_match.cloned());
        let (p, s) = (patch.clone(), schema.clone());
        in_write!(self.inner, write, (t, id, p, s, m), c =>
            users::patch(c, d, t, id, p, s, m.as_ref()))
    }

    async fn create_group(&self, ctx: &Context, group: Group) -> Result<Group, BackendError> {
        let d = self.inner.dialect;
        let foreign = self.inner.foreign_members;
        let t = tenant(ctx).to_owned();
        in_write!(self.inner, write, (t, group), c => groups::create(c, d, t, group.clone(), foreign))
    }

    async fn get_group(
        &self,
        ctx: &Context,
        id: &str,
        selection: &Selection,
    ) -> Result<Group, BackendError> {
        let d = self.inner.dialect;
        let members = selection.wants("members");
        in_read!(self.inner, c => groups::get(c, d, tenant(ctx), id, members))
    }

    async fn replace_group(
        &self,
        ctx: &Context,
        id: &str,
        group: Group,
        if_match: Option<&VersionCondition>,
    ) -> Result<Group, BackendError> {
        let d = self.inner.dialect;
        let (t, id, m) = (tenant(ctx).to_owned(), id.to_owned(), if_match.cloned());
        let foreign = self.inner.foreign_members;
        let mut shell = group;
        let list = std::mem::take(&mut shell.members);
        in_write!(self.inner, write, (t, id, m, shell, list), c => async {
            let spec = Spec {
                shell: Some(shell.clone()),
                replace: Some(list),
                touch: true,
                foreign,
                ..Spec::default()
            };
            let rec = members::change(c, d, t, id, spec, m.as_ref()).await?;
            groups::finish(&mut Db::Any(&mut *c), t, &rec, true).await
        })
    }

    async fn delete_group(
        &self,
        ctx: &Context,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        let d = self.inner.dialect;
        let (t, id, m) = (tenant(ctx).to_owned(), id.to_owned(), if_match.cloned());
        in_write!(self.inner, write, (t, id, m), c => groups::delete(c, d, t, id, m.as_ref()))
    }

    async fn list_groups(
        &self,
        ctx: &Context,
        query: &ListQuery,
    ) -> Result<Page<Group>, BackendError> {
        let (d, schema) = (self.inner.dialect, self.schema(query, false));
        let bounds = self.inner.bounds();
        in_read!(self.inner, c => list::groups_page(c, d, tenant(ctx), query, schema, bounds))
    }

    async fn patch_group(
        &self,
        ctx: &Context,
        id: &str,
        patch: &PatchRequest,
        schema: &ResourceSchema,
        if_match: Option<&VersionCondition>,
        selection: &Selection,
    ) -> Result<Group, BackendError> {
        let d = self.inner.dialect;
        let foreign = self.inner.foreign_members;
        let (t, id, m) = (tenant(ctx).to_owned(), id.to_owned(), if_match.cloned());
        let (p, s, sel) = (patch.clone(), schema.clone(), selection.clone());
        in_write!(self.inner, write, (t, id, p, s, m, sel), c =>
            patch_group_tx(c, d, t, id, p, s, m.as_ref(), sel, foreign))
    }

    async fn modify_group_members(
        &self,
        ctx: &Context,
        id: &str,
        add: &[Member],
        remove: &[String],
        if_match: Option<&VersionCondition>,
        selection: &Selection,
    ) -> Result<Group, BackendError> {
        let d = self.inner.dialect;
        let (t, id, m) = (tenant(ctx).to_owned(), id.to_owned(), if_match.cloned());
        let (add, remove) = (add.to_vec(), remove.to_vec());
        let wants = selection.wants("members");
        let foreign = self.inner.foreign_members;
        in_write!(self.inner, write, (t, id, m, add, remove), c => async {
            let spec = Spec {
                add,
                remove,
                foreign,
                ..Spec::default()
            };
            let rec = members::change(c, d, t, id, spec, m.as_ref()).await?;
            groups::finish(&mut Db::Any(&mut *c), t, &rec, wants).await
        })
    }

    async fn create_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        resource: GenericResource,
    ) -> Result<GenericResource, BackendError> {
        let (t, s) = (tenant(ctx).to_owned(), schema.clone());
        in_write!(self.inner, write, (t, s, resource), c =>
            resources::create(c, t, s, resource.clone()))
    }

    async fn get_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
    ) -> Result<GenericResource, BackendError> {
        let d = self.inner.dialect;
        in_read!(self.inner, c => resources::get(c, d, tenant(ctx), schema, id))
    }

    async fn replace_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        resource: GenericResource,
        if_match: Option<&VersionCondition>,
    ) -> Result<GenericResource, BackendError> {
        let d = self.inner.dialect;
        let (t, id, m) = (tenant(ctx).to_owned(), id.to_owned(), if_match.cloned());
        let s = schema.clone();
        in_write!(self.inner, write, (t, s, id, resource, m), c =>
            resources::replace(c, d, t, s, id, resource.clone(), m.as_ref()))
    }

    async fn delete_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        let d = self.inner.dialect;
        let (t, id, m) = (tenant(ctx).to_owned(), id.to_owned(), if_match.cloned());
        let s = schema.clone();
        in_write!(self.inner, write, (t, s, id, m), c =>
            resources::delete(c, d, t, s, id, m.as_ref()))
    }

    async fn list_resources(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        query: &ListQuery,
    ) -> Result<Page<GenericResource>, BackendError> {
        let schema = query.schema.as_deref().unwrap_or(schema);
        let bounds = self.inner.bounds();
        in_read!(self.inner, c => resources::list(c, tenant(ctx), schema, query, bounds))
    }

    async fn patch_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        patch: &PatchRequest,
        if_match: Option<&VersionCondition>,
    ) -> Result<GenericResource, BackendError> {
        let d = self.inner.dialect;
        let (t, id, m) = (tenant(ctx).to_owned(), id.to_owned(), if_match.cloned());
        let (p, s) = (patch.clone(), schema.clone());
        in_write!(self.inner, write, (t, s, id, p, m), c =>
            resources::patch(c, d, t, s, id, p, m.as_ref()))
    }
}
