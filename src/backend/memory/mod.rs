//! The in-memory backend: multi-tenant, indexed, concurrency-safe, optionally snapshotted to a
//! JSON file ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

pub(crate) mod foreign;
mod groups;
pub(crate) mod index;
mod keyset;
mod list;
mod patching;
mod resources;
mod snapshot;
mod store;
pub(crate) mod uid;

use crate::auth::{Context, TenantId};
use crate::backend::{BackendError, Capabilities, IdentityBackend, Page, StoredUser};
use crate::patch::PatchRequest;
use crate::query::{ListQuery, Selection};
use crate::resource::{GenericResource, Group, Member, User, VersionCondition};
use crate::schema::ResourceSchema;
use async_trait::async_trait;
use chrono::Utc;
use groups::GroupChange;
use index::Kind;
use list::Bounds;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use store::{TenantStore, Write, parse_id};

/// The default page size cap (`filter.maxResults`).
pub const DEFAULT_MAX_RESULTS: usize = 1000;
/// The default number of resources an unindexed filter or a sort may examine.
pub const DEFAULT_SCAN_LIMIT: usize = 100_000;

type Shared = Arc<RwLock<TenantStore>>;

/// The in-memory [`IdentityBackend`]
/// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
///
/// * **Tenants**: each [`TenantId`] has its own store behind its own lock; a request of tenant
///   A never reads or writes B's data, also when it names one of B's ids (404).
/// * **Indexes**: `id`, `userName` (case-insensitive), `externalId`, group `displayName`
///   (case-insensitive) and the member ↔ group links. `eq` on them (alone, inside an `and`, or
///   `or`-ed together) is answered in O(1); `members[value eq …]` and `groups[value eq …]` use
///   the links. Other filters scan with the filter evaluator, bounded by the scan limit
///   (`tooMany` beyond it).
/// * **Cursor walks** ([RFC 9865](https://www.rfc-editor.org/rfc/rfc9865)): users, groups and
///   custom resources in ascending `id` order from an ordered id set per tenant, forwards
///   (`nextCursor`) and backwards (`previousCursor`), O(log n + page) per page however deep
///   the walk; stable under concurrent creates and deletes. A filtered walk uses the indexes
///   like index paging, or walks the ordered set evaluating the filter until the page is full:
///   O(log n + page + skipped non-matching), at most the scan limit skipped per page.
/// * **Uniqueness**: `userName` is unique per tenant, case-insensitively (409 `uniqueness`).
///   Group `displayName` is not unique (RFC 7643 §4.2 declares `uniqueness: none`, and Entra ID
///   allows two groups of the same name); `externalId` is not unique either (RFC 7643 §3.1).
/// * **Writes** run under the tenant's write lock, PATCH included (read, apply and store in one
///   critical section), so concurrent PATCHes of one group never lose an update. Every write
///   gets a new `meta.version` (`W/"<counter>"`, counted per tenant so versions reveal
///   nothing about other tenants' activity) and `meta.lastModified`; `If-Match` is checked
///   under the same lock (412).
/// * **Groups**: members live in an ordered map of 16-byte ids (with the `display` a client gave,
///   returned as written); the member delta of a PATCH
///   touches only the changed members (a change to a 100 000-member group copies nothing).
///   `User.groups` is filled from the links on reads (`type: direct`). Members must be Users or
///   Groups of the tenant (400 `invalidValue` otherwise); deleting a user or group removes it
///   from every group.
/// * **Custom resource types** (registered at run time, e.g. a `Device`): each resource's
///   JSON in id order per tenant and type, with the values the type declares unique indexed
///   (409 `uniqueness`); lists run the filter evaluator over the type's resources, bounded by
///   the scan limit, and cursor walks go forwards and backwards over them as over users;
///   PATCH runs under the write lock like the core types'.
/// * **Not stored**: `password` (`changePassword` is not supported) and `$ref` (the server adds
///   `$ref` from its base URL).
///
/// ```
/// use scimitar::auth::{Context, Principal};
/// use scimitar::backend::{IdentityBackend, MemoryBackend};
/// use scimitar::query::Selection;
/// use scimitar::resource::User;
/// # tokio_test_block(async {
/// let backend = MemoryBackend::new();
/// let ctx = Context::new("org-1", Principal::new("test"));
/// let created = backend.create_user(&ctx, User::new("adele@contoso.com")).await?;
/// let id = created.id.clone().unwrap();
/// let read = backend.get_user(&ctx, &id, &Selection::all()).await?;
/// assert_eq!(read.user_name, "adele@contoso.com");
/// # Ok::<(), scimitar::backend::BackendError>(())
/// # });
/// # fn tokio_test_block<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// ```
pub struct MemoryBackend {
    tenants: RwLock<HashMap<TenantId, Shared>>,
    capabilities: Capabilities,
    scan_limit: usize,
    user_schema: Arc<ResourceSchema>,
    group_schema: Arc<ResourceSchema>,
    foreign_members: bool,
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBackend")
            .field("tenants", &read(&self.tenants).len())
            .field("scan_limit", &self.scan_limit)
            .finish_non_exhaustive()
    }
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

impl MemoryBackend {
    /// An empty backend with the RFC 7643 User (with the Enterprise extension) and Group
    /// schemas, [`DEFAULT_MAX_RESULTS`] per page and [`DEFAULT_SCAN_LIMIT`].
    pub fn new() -> Self {
        MemoryBackend {
            tenants: RwLock::new(HashMap::new()),
            capabilities: Capabilities::scan(DEFAULT_MAX_RESULTS)
                .with_cursor(true)
                .with_cursor_previous(true),
            scan_limit: DEFAULT_SCAN_LIMIT,
            user_schema: Arc::new(ResourceSchema::user()),
            group_schema: Arc::new(ResourceSchema::group()),
            foreign_members: false,
        }
    }

    /// Accepts group members that are not users of this backend (any id of up to 200 bytes,
    /// e.g. the users of another store: a UUID, matched in either case, or any other string,
    /// matched as written, such as Zitadel's numeric ids), so it can hold the groups of a
    /// backend that keeps users elsewhere (the Zitadel backend's companion store). Such
    /// members are `type: User`, found by `members[value eq …]`, kept in snapshots, and never
    /// checked here: the caller checks them
    /// ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2)).
    pub fn with_foreign_members(mut self) -> Self {
        self.foreign_members = true;
        self
    }

    /// Sets the page size cap (`filter.maxResults`, at least 1) and the most resources an
    /// unindexed filter or a sort may examine before the answer is 400 `tooMany`.
    pub fn with_limits(mut self, max_results: usize, scan_limit: usize) -> Self {
        self.capabilities.max_results = max_results.max(1);
        self.scan_limit = scan_limit;
        self
    }

    /// Sets the schemas filters and sorts are evaluated with when a [`ListQuery`] brings none
    /// (e.g. a User schema with custom extensions).
    pub fn with_schemas(mut self, user: Arc<ResourceSchema>, group: Arc<ResourceSchema>) -> Self {
        self.user_schema = user;
        self.group_schema = group;
        self
    }

    /// How many users and groups `tenant` has.
    pub fn counts(&self, tenant: &TenantId) -> (usize, usize) {
        match self.tenant(tenant) {
            Some(t) => {
                let s = read(&t);
                (s.users.len(), s.groups.len())
            }
            None => (0, 0),
        }
    }

    fn tenant(&self, tenant: &TenantId) -> Option<Shared> {
        read(&self.tenants).get(tenant).cloned()
    }

    fn tenant_mut(&self, tenant: &TenantId) -> Shared {
        if let Some(t) = self.tenant(tenant) {
            return t;
        }
        write(&self.tenants)
            .entry(tenant.clone())
            .or_insert_with(|| Arc::new(RwLock::new(TenantStore::new(self.foreign_members))))
            .clone()
    }

    fn bounds(&self) -> Bounds {
        Bounds {
            max_results: self.capabilities.max_results,
            scan_limit: self.scan_limit,
        }
    }

    /// Runs `f` on the tenant's store under its read lock; an unknown tenant has nothing.
    fn reading<T>(
        &self,
        ctx: &Context,
        f: impl FnOnce(&TenantStore) -> Result<T, BackendError>,
        empty: impl FnOnce() -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        match self.tenant(&ctx.tenant) {
            Some(t) => f(&read(&t)),
            None => empty(),
        }
    }

    fn writing<T>(
        &self,
        ctx: &Context,
        f: impl FnOnce(&mut TenantStore, Write) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        let t = self.tenant_mut(&ctx.tenant);
        let mut guard = write(&t);
        let w = guard.next_write(Utc::now());
        f(&mut guard, w)
    }

    /// Answers a list query: selects the page and materialises it under one read lock, so
    /// `totalResults` and the resources agree.
    fn list<T>(
        &self,
        ctx: &Context,
        kind: Kind,
        q: &ListQuery,
        materialise: impl Fn(&TenantStore, uid::Uid) -> Result<T, BackendError>,
    ) -> Result<Page<T>, BackendError> {
        let default_schema = match kind {
            Kind::User => &self.user_schema,
            Kind::Group => &self.group_schema,
        };
        let schema = q.schema.as_ref().unwrap_or(default_schema);
        // Compiled once (400 invalidFilter for a filter that makes no sense for the schema);
        // a lone indexed string equality needs no evaluator.
        let compiled = match &q.filter {
            Some(f) if !list::is_exact(f, kind) => Some(f.compile(schema)?),
            _ => None,
        };
        let Some(t) = self.tenant(&ctx.tenant) else {
            return Ok(Page::empty(q.start_index));
        };
        let matches = |v: &Value| compiled.as_ref().is_none_or(|c| c.matches(v));
        let s = read(&t);
        if q.cursor.is_some() {
            let w = keyset::select(&s, kind, q, self.bounds(), &matches)?;
            let resources = w
                .ids
                .iter()
                .map(|id| materialise(&s, *id))
                .collect::<Result<Vec<T>, _>>()?;
            return Ok(Page::new(resources, w.total, 1)
                .with_next(w.next)
                .with_previous(w.previous));
        }
        let w = list::select(&s, kind, q, schema, self.bounds(), &matches)?;
        let resources = w
            .ids
            .iter()
            .map(|id| materialise(&s, *id))
            .collect::<Result<Vec<T>, _>>()?;
        Ok(Page::new(resources, w.total, q.start_index))
    }
}

#[async_trait]
impl IdentityBackend for MemoryBackend {
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn create_user(&self, ctx: &Context, user: User) -> Result<User, BackendError> {
        self.writing(ctx, |s, w| s.create_user(user, w))
    }

    async fn get_user(
        &self,
        ctx: &Context,
        id: &str,
        selection: &Selection,
    ) -> Result<User, BackendError> {
        let uid = parse_id("User", id)?;
        self.reading(
            ctx,
            |s| s.user(uid, selection.wants("groups")),
            || Err(store::not_found("User", id)),
        )
    }

    async fn replace_user(
        &self,
        ctx: &Context,
        id: &str,
        user: User,
        if_match: Option<&VersionCondition>,
    ) -> Result<User, BackendError> {
        let uid = parse_id("User", id)?;
        self.writing(ctx, |s, w| s.replace_user(uid, user, if_match, w))
    }

    async fn delete_user(
        &self,
        ctx: &Context,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        let uid = parse_id("User", id)?;
        self.writing(ctx, |s, w| s.delete_user(uid, if_match, w))
    }

    async fn list_users(
        &self,
        ctx: &Context,
        query: &ListQuery,
    ) -> Result<Page<User>, BackendError> {
        let groups = query.selection.wants("groups");
        self.list(ctx, Kind::User, query, |s, id| s.user(id, groups))
    }

    async fn list_users_stored(
        &self,
        ctx: &Context,
        query: &ListQuery,
    ) -> Result<Option<Page<StoredUser>>, BackendError> {
        let groups = query.selection.wants("groups");
        self.list(ctx, Kind::User, query, |s, id| s.stored_user(id, groups))
            .map(Some)
    }

    async fn patch_user(
        &self,
        ctx: &Context,
        id: &str,
        patch: &PatchRequest,
        schema: &ResourceSchema,
        if_match: Option<&VersionCondition>,
    ) -> Result<User, BackendError> {
        let uid = parse_id("User", id)?;
        self.writing(ctx, |s, w| s.patch_user(uid, patch, schema, if_match, w))
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
        let uid = parse_id("Group", id)?;
        self.writing(ctx, |s, w| {
            s.patch_group(uid, patch, schema, if_match, w)?;
            s.group(uid, selection.wants("members"))
        })
    }

    async fn create_group(&self, ctx: &Context, group: Group) -> Result<Group, BackendError> {
        self.writing(ctx, |s, w| {
            let id = s.create_group(group, w)?;
            s.group(id, true)
        })
    }

    async fn get_group(
        &self,
        ctx: &Context,
        id: &str,
        selection: &Selection,
    ) -> Result<Group, BackendError> {
        let uid = parse_id("Group", id)?;
        self.reading(
            ctx,
            |s| s.group(uid, selection.wants("members")),
            || Err(store::not_found("Group", id)),
        )
    }

    async fn replace_group(
        &self,
        ctx: &Context,
        id: &str,
        group: Group,
        if_match: Option<&VersionCondition>,
    ) -> Result<Group, BackendError> {
        let uid = parse_id("Group", id)?;
        self.writing(ctx, |s, w| {
            s.replace_group(uid, group, if_match, w)?;
            s.group(uid, true)
        })
    }

    async fn delete_group(
        &self,
        ctx: &Context,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        let uid = parse_id("Group", id)?;
        self.writing(ctx, |s, w| s.delete_group(uid, if_match, w))
    }

    async fn list_groups(
        &self,
        ctx: &Context,
        query: &ListQuery,
    ) -> Result<Page<Group>, BackendError> {
        let members = query.selection.wants("members");
        self.list(ctx, Kind::Group, query, |s, id| s.group(id, members))
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
        let uid = parse_id("Group", id)?;
        self.writing(ctx, |s, w| {
            let change = GroupChange {
                add,
                remove,
                ..GroupChange::default()
            };
            s.change_group(uid, change, if_match, w)?;
            s.group(uid, selection.wants("members"))
        })
    }

    async fn create_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        resource: GenericResource,
    ) -> Result<GenericResource, BackendError> {
        self.writing(ctx, |s, w| s.create_resource(schema, resource, w))
    }

    async fn get_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
    ) -> Result<GenericResource, BackendError> {
        self.reading(
            ctx,
            |s| s.get_resource(schema, id),
            || Err(crate::backend::generic::not_found(schema, id)),
        )
    }

    async fn replace_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        resource: GenericResource,
        if_match: Option<&VersionCondition>,
    ) -> Result<GenericResource, BackendError> {
        self.writing(ctx, |s, w| {
            s.replace_resource(schema, id, resource, if_match, w)
        })
    }

    async fn delete_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        self.writing(ctx, |s, _| s.delete_resource(schema, id, if_match))
    }

    async fn list_resources(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        query: &ListQuery,
    ) -> Result<Page<GenericResource>, BackendError> {
        let schema = query.schema.as_deref().unwrap_or(schema);
        if query.cursor.is_some() {
            let compiled = match &query.filter {
                Some(f) => Some(f.compile(schema)?),
                None => None,
            };
            let bounds = self.bounds();
            return self.reading(
                ctx,
                |s| {
                    let Some(t) = s.of_type(schema) else {
                        return Ok(Page::empty(1));
                    };
                    let mut matches = |id| {
                        Ok(match (&compiled, t.resource(schema, id)) {
                            (Some(c), Some(r)) => c.matches(&r.to_json()),
                            (None, r) => r.is_some(),
                            (Some(_), None) => false,
                        })
                    };
                    let name = &schema.resource_type().name;
                    let w = keyset::select_ids(&t.recs, query, bounds, &mut matches, name)?;
                    let resources = w
                        .ids
                        .iter()
                        .filter_map(|id| t.resource(schema, *id))
                        .collect();
                    Ok(Page::new(resources, w.total, 1)
                        .with_next(w.next)
                        .with_previous(w.previous))
                },
                || Ok(Page::empty(1)),
            );
        }
        let all = self.reading(
            ctx,
            |s| {
                let Some(t) = s.of_type(schema) else {
                    return Ok(Vec::new());
                };
                if t.recs.len() > self.scan_limit {
                    return Err(crate::Error::too_many(format!(
                        "the query would examine {} resources, more than the limit of {}",
                        t.recs.len(),
                        self.scan_limit
                    ))
                    .into());
                }
                Ok(t.recs
                    .keys()
                    .filter_map(|id| t.resource(schema, *id))
                    .collect())
            },
            || Ok(Vec::new()),
        )?;
        let b = self.bounds();
        Ok(crate::query::apply_query(
            all,
            query,
            schema,
            b.max_results,
            b.scan_limit,
            GenericResource::to_json,
        )?)
    }

    async fn patch_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        patch: &PatchRequest,
        if_match: Option<&VersionCondition>,
    ) -> Result<GenericResource, BackendError> {
        self.writing(ctx, |s, w| s.patch_resource(schema, id, patch, if_match, w))
    }
}
