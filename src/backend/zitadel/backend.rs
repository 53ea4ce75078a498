//! [`ZitadelBackend`]: the [`IdentityBackend`] over Zitadel users and a companion store for
//! groups ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

use super::config::{IdpChoice, ZitadelConfig};
use super::connect::Connect;
use super::lookup;
use super::mapping::{self, Metadata};
use super::probe::{self, ZCaps};
use super::token::TokenSource;
use super::transport::{ReqwestTransport, Transport};
use super::users::{USER_ID_TAKEN, method};
use super::wire::{ActiveIdpsResponse, CreateUserResponse, ListUsersResponse, ZUser};
use crate::auth::Context;
use crate::backend::{BackendError, Capabilities, IdentityBackend, Page, check_if_match};
use crate::filter::{CompValue, CompareOp, Filter};
use crate::patch::PatchRequest;
use crate::query::{CursorPosition, ListQuery, Selection, SortOrder, apply_query};
use crate::resource::{GenericResource, Group, Member, User, VersionCondition};
use crate::schema::ResourceSchema;
use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OnceCell;

/// Attributes held in metadata: reading any of them costs a `ListUserMetadata` call.
const METADATA_ATTRS: &[&str] = &[
    "externalId",
    "name",
    "profileUrl",
    "title",
    "locale",
    "timezone",
    "userType",
    "ims",
    "photos",
    "addresses",
    "entitlements",
    "roles",
    "emails",
    "phoneNumbers",
    "x509Certificates",
    "preferredLanguage",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
];
/// Attributes Zitadel holds natively (a PATCH of only these needs no metadata read).
/// (Not `displayName` or `name.*`: removing them changes which profile values are derived,
/// which is kept in metadata.)
const NATIVE_ATTRS: &[&str] = &["active", "userName", "nickName"];
/// The namespace of deterministic user ids.
const ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5c1b_7a3e_2f4d_4e8a_9b0c_1d2e_3f40_5a6b);

/// The Zitadel [`IdentityBackend`] (feature `zitadel`)
/// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
///
/// Users: Zitadel v4 human users of the key's organisation (see the [module](super) docs for
/// ids, metadata keys and lookups). Groups: the companion backend, with members checked
/// against Zitadel. Resources of types registered at run time (e.g. a `Device`): the companion
/// backend, as they are (Zitadel has no place for them); User extension attributes
/// (e.g. `urn:acme:…:2.0:User`, Entra ID's custom extension attributes) are kept in user
/// metadata, one key per extension (see the [module](super) docs). `/ServiceProviderConfig`: filters (pushed down where Zitadel can answer,
/// else post-filtered within the scan limit), sort, PATCH; no ETags (Zitadel's sequence does
/// not move on metadata changes), no password change.
///
/// A PATCH that removes `active` from a deactivated user reactivates it (Zitadel has no user
/// without a state; it reads back without `active`, as one created without it).
///
/// A PATCH that only disables (`active: false`, Entra ID's disable) or sets `userName` or
/// `nickName` reads no metadata, so its answer carries the natively held attributes
/// only; `GET /Users/{id}` returns the whole user.
pub struct ZitadelBackend {
    pub(crate) config: ZitadelConfig,
    pub(crate) connect: Connect,
    caps: OnceCell<ZCaps>,
    idps: Mutex<HashMap<String, Option<String>>>,
    pub(crate) companion: Arc<dyn IdentityBackend>,
    capabilities: Capabilities,
    pub(crate) ext_key: String,
    user_schema: Arc<ResourceSchema>,
    pub(crate) recent: super::recent::Recent,
}

impl std::fmt::Debug for ZitadelBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZitadelBackend")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ZitadelBackend {
    /// A backend speaking HTTP(S) to `config.url` through reqwest; groups in `companion`.
    pub fn new(
        config: ZitadelConfig,
        companion: Arc<dyn IdentityBackend>,
    ) -> Result<Self, BackendError> {
        let transport =
            ReqwestTransport::new(&config.url, config.timeout).map_err(BackendError::internal)?;
        Ok(Self::with_transport(config, Arc::new(transport), companion))
    }

    /// A backend over any [`Transport`] (tests inject one).
    pub fn with_transport(
        config: ZitadelConfig,
        transport: Arc<dyn Transport>,
        companion: Arc<dyn IdentityBackend>,
    ) -> Self {
        let tokens = TokenSource::new(config.credentials.clone(), &config.url);
        let connect = Connect::new(transport, tokens, config.retry);
        let ext_key = mapping::external_id_key(config.provisioning_domain.as_deref());
        let mut capabilities = Capabilities::scan(100);
        capabilities.etag = false;
        // Cursor walks (RFC 9865) of users by position in creation-date order (ListUsers
        // pages by offset only, with no "id after" query); groups and custom types walk in
        // the companion, so walks are offered as far as it offers them.
        let companion_caps = companion.capabilities();
        capabilities.cursor = companion_caps.cursor;
        capabilities.cursor_previous = companion_caps.cursor_previous;
        capabilities.cursor_keyset = false;
        ZitadelBackend {
            config,
            connect,
            caps: OnceCell::new(),
            idps: Mutex::new(HashMap::new()),
            companion,
            capabilities,
            ext_key,
            user_schema: Arc::new(ResourceSchema::user()),
            recent: super::recent::Recent::default(),
        }
    }

    /// Zitadel calls made so far, per `Service/Method` (for measuring and tests).
    pub fn zitadel_calls(&self) -> BTreeMap<String, u64> {
        self.connect.calls()
    }

    /// The companion backend that holds groups.
    pub fn companion(&self) -> &Arc<dyn IdentityBackend> {
        &self.companion
    }

    /// The instance's capabilities, detected on first use.
    pub(crate) async fn zcaps(&self) -> ZCaps {
        *self.caps.get_or_init(|| probe::detect(&self.connect)).await
    }

    /// The IdP new users of `org` are linked to.
    pub(crate) async fn idp_of(&self, org: &str) -> Result<Option<String>, BackendError> {
        match &self.config.org(org).idp {
            IdpChoice::None => Ok(None),
            IdpChoice::Id(id) => Ok(Some(id.clone())),
            IdpChoice::FindActive => {
                if let Some(found) = self
                    .idps
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(org)
                {
                    return Ok(found.clone());
                }
                let r: ActiveIdpsResponse = self
                    .connect
                    .call(
                        "zitadel.settings.v2.SettingsService/GetActiveIdentityProviders",
                        &json!({"ctx": {"orgId": org}}),
                    )
                    .await?;
                let found = match r.identity_providers.as_slice() {
                    [one] => Some(one.id.clone()),
                    [] => None,
                    _ => {
                        return Err(BackendError::internal_msg(format!(
                            "organisation {org} has several active IdPs: configure which one new users are linked to"
                        )));
                    }
                };
                self.idps
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(org.to_owned(), found.clone());
                Ok(found)
            }
        }
    }

    /// The deterministic Zitadel id of a new user of `org`.
    fn user_id_for(org: &str, user: &User) -> String {
        let name = match user.external_id.as_deref().filter(|x| !x.is_empty()) {
            Some(x) => format!("{org}\nx:{x}"),
            None => format!("{org}\nu:{}", user.user_name.to_lowercase()),
        };
        uuid::Uuid::new_v5(&ID_NAMESPACE, name.as_bytes()).to_string()
    }

    /// The SCIM user for `z`, reading metadata and groups when `selection` needs them.
    pub(crate) async fn read(
        &self,
        ctx: &Context,
        z: &ZUser,
        selection: &Selection,
    ) -> Result<User, BackendError> {
        self.read_opt(ctx, z, selection)
            .await?
            .ok_or_else(|| BackendError::not_found(format!("no user {:?}", z.user_id)))
    }

    /// [`Self::read`], `None` when the user turns out to be gone (a lagging list named it).
    pub(crate) async fn read_opt(
        &self,
        ctx: &Context,
        z: &ZUser,
        selection: &Selection,
    ) -> Result<Option<User>, BackendError> {
        let wants_meta =
            METADATA_ATTRS.iter().any(|a| selection.wants(a)) || selection.attributes.is_empty();
        let meta = if wants_meta {
            match self.metadata_opt(&z.user_id).await? {
                Some(m) => Some(m),
                None => return Ok(None),
            }
        } else {
            None
        };
        let mut user = mapping::join(z, meta.as_ref(), &self.ext_key)?;
        if selection.wants("groups") {
            user.groups = self.groups_of(ctx, &z.user_id).await?;
        }
        Ok(Some(user))
    }

    /// The user `id` made by an earlier attempt of this create, if it is the same user.
    async fn earlier_attempt(
        &self,
        ctx: &Context,
        id: &str,
        user: &User,
    ) -> Result<Option<ZUser>, BackendError> {
        let Some(z) = self.fetch_any(id).await? else {
            return Ok(None);
        };
        if z.org() != Some(ctx.tenant().as_str())
            || !z.username.eq_ignore_ascii_case(&user.user_name)
        {
            return Ok(None);
        }
        let meta = self.metadata(id).await?;
        let same = meta.get(&self.ext_key).map(String::as_str) == user.external_id.as_deref();
        Ok(same.then_some(z))
    }

    async fn create(&self, ctx: &Context, user: User) -> Result<User, BackendError> {
        let (native, meta) = mapping::split(&user, &self.ext_key)?;
        let mut id = Self::user_id_for(ctx.tenant().as_str(), &user);
        let mut resumed = None;
        let mut created_at = None;
        for attempt in 0..2 {
            let body = self.create_body(ctx, &id, &user, &native, &meta).await?;
            let (answer, maybe_applied) = self
                .connect
                .call_attempts::<_, CreateUserResponse>(&method("CreateUser"), &body)
                .await;
            match answer {
                Ok(r) => {
                    id = r.id;
                    created_at = r.creation_date;
                    break;
                }
                Err(e) if e.is("failed_precondition", Some(USER_ID_TAKEN)) => {
                    if let Some(z) = self.earlier_attempt(ctx, &id, &user).await? {
                        if !maybe_applied {
                            // Not our own lost answer: the client creates a user that exists.
                            return Err(BackendError::uniqueness(format!(
                                "user {:?} already exists (id {id})",
                                user.user_name
                            )));
                        }
                        resumed = Some(z);
                        break;
                    }
                    if attempt == 1 {
                        return Err(e.into());
                    }
                    id = uuid::Uuid::new_v4().to_string();
                }
                Err(e) if e.is("already_exists", None) => {
                    return Err(BackendError::uniqueness(format!(
                        "userName {:?} (or its IdP link) is taken in Zitadel",
                        user.user_name
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
        // The user exists: finish it (state, roles), or undo it so no half-provisioned user
        // is reported as created.
        let was_active = resumed.as_ref().is_none_or(ZUser::active);
        let finish = async {
            if user.active == Some(false) && was_active {
                self.set_active(&id, false).await?;
            }
            self.grant_new_user(ctx, &id).await
        };
        if let Err(e) = finish.await {
            let _ = self
                .connect
                .call::<_, Value>(&method("DeleteUser"), &json!({"userId": id}))
                .await;
            return Err(e);
        }
        self.recent.created(&id);
        self.index_put(ctx, &id, &user.user_name).await;
        let mut created = user;
        created.id = Some(id);
        created.password = None;
        created.groups.clear();
        let now = created_at
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map_or_else(chrono::Utc::now, |t| t.with_timezone(&chrono::Utc));
        created.meta = Some(crate::resource::Meta {
            resource_type: Some("User".into()),
            created: Some(now),
            last_modified: Some(now),
            ..Default::default()
        });
        Ok(created)
    }

    /// Whether a PATCH touches only attributes Zitadel holds natively.
    fn native_only(patch: &PatchRequest) -> bool {
        // `active` only when set to false (Entra's disable): an active user may read back
        // without `active` (see the derived metadata key), so enabling reads the metadata.
        let disabling = |v: Option<&Value>| match v {
            Some(Value::Bool(b)) => !*b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("false"),
            _ => false,
        };
        let native = |name: &str, sub: Option<&str>, value: Option<&Value>| {
            sub.is_none()
                && NATIVE_ATTRS.iter().any(|a| a.eq_ignore_ascii_case(name))
                && (!name.eq_ignore_ascii_case("active") || disabling(value))
        };
        patch.operations().iter().all(|op| {
            op.kind() != crate::patch::OpKind::Remove
                && match op.path() {
                    Some(p) => {
                        p.attr.urn.is_none()
                            && p.filter.is_none()
                            && native(&p.attr.name, p.attr.sub_attr.as_deref(), op.value())
                    }
                    None => op.value().and_then(Value::as_object).is_some_and(|o| {
                        o.iter().all(|(k, v)| match k.split_once('.') {
                            Some((a, s)) => native(a, Some(s), Some(v)),
                            None => native(k, None, Some(v)),
                        })
                    }),
                }
        })
    }

    /// A fresh read of the user a lookup names by its deterministic id, if it matches.
    async fn lookup_fresh(
        &self,
        ctx: &Context,
        filter: &Filter,
        selection: &Selection,
        derived: bool,
    ) -> Result<Option<User>, BackendError> {
        let Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(v),
        } = filter
        else {
            return Ok(None);
        };
        let org = ctx.tenant().as_str();
        let by_ext = path.name.eq_ignore_ascii_case("externalId") && path.sub_attr.is_none();
        let by_name = path.name.eq_ignore_ascii_case("userName") && path.sub_attr.is_none();
        if !by_ext && !by_name {
            return Ok(None);
        }
        // `userName`: the companion's index of written users first (no Zitadel call); then
        // the id a user created with this value would have.
        let mut ids: Vec<String> = Vec::new();
        let indexed = match by_name {
            true => self.index_find(ctx, v).await,
            false => None,
        };
        ids.extend(indexed.clone());
        if derived {
            let mut probe = User::new(v.to_string());
            if by_ext {
                probe.external_id = Some(v.to_string());
            }
            let id = Self::user_id_for(org, &probe);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        for id in ids {
            // An index entry is a hint: one left stale by a change made outside SCIM (in
            // Zitadel's console) is dropped or corrected here, and the lookup goes on.
            let from_index = indexed.as_deref() == Some(id.as_str());
            let Some(z) = self.fetch_any(&id).await? else {
                if from_index {
                    self.gone(ctx, &id).await;
                }
                continue;
            };
            if z.org() != Some(org) || z.human.is_none() {
                continue;
            }
            if by_name {
                // The username is native: no metadata is needed to confirm the match.
                if z.username.eq_ignore_ascii_case(v) {
                    return self.read_opt(ctx, &z, selection).await;
                }
                if from_index {
                    // renamed outside SCIM: the entry follows the user's name
                    self.index_put(ctx, &id, &z.username).await;
                }
                continue;
            }
            // The externalId may have changed since: confirm it.
            if let Some(user) = self.read_opt(ctx, &z, &Selection::all()).await?
                && user.external_id.as_deref() == Some(&**v)
            {
                return Ok(Some(user));
            }
        }
        Ok(None)
    }

    async fn list(&self, ctx: &Context, query: &ListQuery) -> Result<Page<User>, BackendError> {
        match query.cursor {
            Some(_) => self.walk(ctx, query).await,
            None => self.list_index(ctx, query).await,
        }
    }

    /// [`Self::list`] by index (`startIndex`, `count`).
    async fn list_index(
        &self,
        ctx: &Context,
        query: &ListQuery,
    ) -> Result<Page<User>, BackendError> {
        let caps = self.zcaps().await;
        let schema = query
            .schema
            .clone()
            .unwrap_or_else(|| self.user_schema.clone());
        let max = self.capabilities.max_results;
        // `externalId eq`: the deterministic id first (fresh, and a hit for every user this
        // backend created with it); `userName eq`: the index, then ListUsers, then the
        // deterministic id when ListUsers finds nothing (it lags behind writes).
        let by_ext = matches!(&query.filter, Some(Filter::Compare { path, op: CompareOp::Eq, .. })
            if path.name.eq_ignore_ascii_case("externalId"));
        if let Some(f) = &query.filter
            && let Some(user) = self.lookup_fresh(ctx, f, &query.selection, by_ext).await?
        {
            return Ok(apply_query(
                vec![user],
                query,
                &schema,
                max,
                1,
                User::to_json,
            )?);
        }
        let page = self.list_zitadel(ctx, query, caps, &schema).await?;
        if !by_ext
            && page.total_results == 0
            && let Some(f) = &query.filter
            && let Some(user) = self.lookup_fresh(ctx, f, &query.selection, true).await?
        {
            return Ok(apply_query(
                vec![user],
                query,
                &schema,
                max,
                1,
                User::to_json,
            )?);
        }
        Ok(page)
    }

    /// A cursor walk of users ([RFC 9865](https://www.rfc-editor.org/rfc/rfc9865)): the
    /// position is an offset into the users matching the filter sorted by creation date
    /// ascending (`USER_FIELD_NAME_CREATION_DATE`, `asc: true`), so a page is one `ListUsers`
    /// call (for a filter Zitadel answers exactly) and a user created during the walk sorts
    /// last: it shifts nothing. A user deleted before the position shifts the rest by one
    /// (the walk may skip one user); Zitadel offers no keyset to do better. Backwards, the
    /// page before an offset.
    async fn walk(&self, ctx: &Context, query: &ListQuery) -> Result<Page<User>, BackendError> {
        let count = query
            .count
            .unwrap_or(self.capabilities.max_results)
            .min(self.capabilities.max_results);
        let offset = |t: &str| {
            t.parse::<usize>().map_err(|_| {
                BackendError::from(crate::Error::new(
                    crate::ScimType::InvalidCursor,
                    "the cursor does not name a position in this store",
                ))
            })
        };
        let (start, size) = match &query.cursor {
            Some(CursorPosition::After(t)) => (offset(t)?, count),
            Some(CursorPosition::Before(t)) => {
                let end = offset(t)?;
                (end.saturating_sub(count), count.min(end))
            }
            _ => (0, count),
        };
        let mut by_index = query.clone();
        by_index.cursor = None;
        by_index.sort = None;
        by_index.start_index = start.saturating_add(1);
        by_index.count = Some(size);
        let page = self.list_index(ctx, &by_index).await?;
        let end = start.saturating_add(size);
        let next = (size > 0 && end < page.total_results).then(|| end.to_string());
        let previous = (start > 0).then(|| start.to_string());
        Ok(Page::new(page.resources, page.total_results, 1)
            .with_next(next)
            .with_previous(previous))
    }

    /// [`Self::list`] as Zitadel's `ListUsers` answers it.
    async fn list_zitadel(
        &self,
        ctx: &Context,
        query: &ListQuery,
        caps: ZCaps,
        schema: &Arc<ResourceSchema>,
    ) -> Result<Page<User>, BackendError> {
        let org = ctx.tenant().as_str();
        let max = self.capabilities.max_results;
        let plan = lookup::plan(query.filter.as_ref(), caps, &self.ext_key);
        let mut queries = vec![
            json!({"organizationIdQuery": {"organizationId": org}}),
            json!({"typeQuery": {"type": "TYPE_HUMAN"}}),
        ];
        queries.extend(plan.queries);
        let sort = match &query.sort {
            None => Some(("USER_FIELD_NAME_CREATION_DATE", true)),
            Some(s) => lookup::sort_column(&s.by).map(|c| (c, s.order != SortOrder::Descending)),
        };
        if plan.exact
            && let Some((column, asc)) = sort
        {
            let range = query.window(usize::MAX, max);
            if range.is_empty() {
                let r = self.list_page(&queries, column, asc, 0, 1).await?;
                return Ok(Page::new(Vec::new(), total(&r), query.start_index));
            }
            let r = self
                .list_page(&queries, column, asc, range.start, range.len())
                .await?;
            let mut users = Vec::with_capacity(r.result.len());
            let mut gone = 0;
            for z in &r.result {
                // A lagging list may still name a user deleted a moment ago.
                match self.recent.is_deleted(&z.user_id) {
                    true => gone += 1,
                    false => match self.read_opt(ctx, z, &query.selection).await? {
                        Some(u) => users.push(u),
                        None => gone += 1,
                    },
                }
            }
            let total = total(&r).saturating_sub(gone);
            return Ok(Page::new(users, total, query.start_index));
        }
        // Post-filter: every candidate, bounded by the scan limit.
        let limit = self.config.scan_limit;
        let mut found: Vec<ZUser> = Vec::new();
        loop {
            let r = self
                .list_page(
                    &queries,
                    "USER_FIELD_NAME_CREATION_DATE",
                    true,
                    found.len(),
                    1000,
                )
                .await?;
            let n = r.result.len();
            found.extend(r.result);
            if found.len() > limit {
                return Err(crate::Error::too_many(format!(
                    "the filter needs more than {limit} users examined; narrow it (e.g. userName or externalId eq)"
                ))
                .into());
            }
            if n < 1000 {
                break;
            }
        }
        let mut users = Vec::with_capacity(found.len());
        for z in &found {
            if !self.recent.is_deleted(&z.user_id)
                && let Some(u) = self.read_opt(ctx, z, &Selection::all()).await?
            {
                users.push(u);
            }
        }
        Ok(apply_query(
            users,
            query,
            schema,
            max,
            limit,
            User::to_json,
        )?)
    }

    async fn list_page(
        &self,
        queries: &[Value],
        column: &str,
        asc: bool,
        offset: usize,
        limit: usize,
    ) -> Result<ListUsersResponse, BackendError> {
        Ok(self
            .connect
            .call(
                &method("ListUsers"),
                &json!({"query": {"offset": offset.to_string(), "limit": limit.min(1000), "asc": asc},
                    "sortingColumn": column, "queries": queries}),
            )
            .await?)
    }
}

fn total(r: &ListUsersResponse) -> usize {
    r.details
        .total_result
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(r.result.len())
}

#[async_trait]
impl IdentityBackend for ZitadelBackend {
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn create_user(&self, ctx: &Context, user: User) -> Result<User, BackendError> {
        self.create(ctx, user).await
    }

    async fn get_user(
        &self,
        ctx: &Context,
        id: &str,
        selection: &Selection,
    ) -> Result<User, BackendError> {
        let z = self.fetch(ctx, id).await?;
        self.read(ctx, &z, selection).await
    }

    async fn replace_user(
        &self,
        ctx: &Context,
        id: &str,
        user: User,
        if_match: Option<&VersionCondition>,
    ) -> Result<User, BackendError> {
        check_if_match(if_match, None)?;
        let z = self.fetch(ctx, id).await?;
        let meta: Metadata = self.metadata(id).await?;
        self.change(ctx, &z, Some(&meta), &user).await
    }

    async fn delete_user(
        &self,
        ctx: &Context,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        check_if_match(if_match, None)?;
        let z = self.fetch(ctx, id).await?;
        self.revoke_all(ctx, &z.user_id).await?;
        match self
            .connect
            .call::<_, Value>(&method("DeleteUser"), &json!({"userId": z.user_id}))
            .await
        {
            Ok(_) => {}
            // A retried delete whose first attempt went through.
            Err(e) if e.is("not_found", None) => {}
            Err(e) => return Err(e.into()),
        }
        self.recent.deleted(&z.user_id);
        self.index_drop(ctx, &z.user_id).await;
        self.leave_all_groups(ctx, &z.user_id).await
    }

    async fn list_users(
        &self,
        ctx: &Context,
        query: &ListQuery,
    ) -> Result<Page<User>, BackendError> {
        self.list(ctx, query).await
    }

    async fn patch_user(
        &self,
        ctx: &Context,
        id: &str,
        patch: &PatchRequest,
        schema: &ResourceSchema,
        if_match: Option<&VersionCondition>,
    ) -> Result<User, BackendError> {
        check_if_match(if_match, None)?;
        let z = self.fetch(ctx, id).await?;
        let meta = if Self::native_only(patch) {
            None
        } else {
            Some(self.metadata(id).await?)
        };
        let current = mapping::join(&z, meta.as_ref(), &self.ext_key)?;
        let mut json = current.to_json();
        if !patch.apply(&mut json, schema)?.changed {
            let mut user = current;
            user.groups = self.groups_of(ctx, id).await?;
            return Ok(user);
        }
        let patched = User::from_json(json)?;
        if patched.active.is_none() && current.active == Some(false) {
            // `active` removed from a deactivated user: Zitadel has no "no state", so the user
            // becomes what a user created without `active` is: active, read back without it.
            self.set_active(&z.user_id, true).await?;
            let mut z = z;
            z.state = Some("USER_STATE_ACTIVE".to_owned());
            return self.change(ctx, &z, meta.as_ref(), &patched).await;
        }
        self.change(ctx, &z, meta.as_ref(), &patched).await
    }

    async fn create_group(&self, ctx: &Context, group: Group) -> Result<Group, BackendError> {
        self.check_members(ctx, &group.members).await?;
        let created = self.companion.create_group(ctx, group).await?;
        self.reconcile_group(ctx, &created, &[]).await?;
        Ok(created)
    }

    async fn get_group(
        &self,
        ctx: &Context,
        id: &str,
        selection: &Selection,
    ) -> Result<Group, BackendError> {
        self.companion.get_group(ctx, id, selection).await
    }

    async fn replace_group(
        &self,
        ctx: &Context,
        id: &str,
        group: Group,
        if_match: Option<&VersionCondition>,
    ) -> Result<Group, BackendError> {
        let before = self.companion.get_group(ctx, id, &Selection::all()).await?;
        self.check_members(ctx, &group.members).await?;
        let after = self
            .companion
            .replace_group(ctx, id, group, if_match)
            .await?;
        self.reconcile_group(ctx, &after, &before.members).await?;
        Ok(after)
    }

    async fn delete_group(
        &self,
        ctx: &Context,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        let before = self.companion.get_group(ctx, id, &Selection::all()).await?;
        self.companion.delete_group(ctx, id, if_match).await?;
        self.reconcile_deleted_group(ctx, &before).await
    }

    async fn list_groups(
        &self,
        ctx: &Context,
        query: &ListQuery,
    ) -> Result<Page<Group>, BackendError> {
        self.companion.list_groups(ctx, query).await
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
        self.check_members(ctx, add).await?;
        let mapped = self.has_group_roles(ctx);
        let before = if mapped {
            Some(self.companion.get_group(ctx, id, &Selection::all()).await?)
        } else {
            None
        };
        let after = self
            .companion
            .modify_group_members(ctx, id, add, remove, if_match, selection)
            .await?;
        if let Some(before) = before {
            let full = self.companion.get_group(ctx, id, &Selection::all()).await?;
            self.reconcile_group(ctx, &full, &before.members).await?;
        }
        Ok(after)
    }

    async fn create_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        resource: GenericResource,
    ) -> Result<GenericResource, BackendError> {
        self.companion.create_resource(ctx, schema, resource).await
    }

    async fn get_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
    ) -> Result<GenericResource, BackendError> {
        self.companion.get_resource(ctx, schema, id).await
    }

    async fn replace_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        resource: GenericResource,
        if_match: Option<&VersionCondition>,
    ) -> Result<GenericResource, BackendError> {
        self.companion
            .replace_resource(ctx, schema, id, resource, if_match)
            .await
    }

    async fn delete_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        self.companion
            .delete_resource(ctx, schema, id, if_match)
            .await
    }

    async fn list_resources(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        query: &ListQuery,
    ) -> Result<Page<GenericResource>, BackendError> {
        self.companion.list_resources(ctx, schema, query).await
    }

    async fn patch_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        patch: &PatchRequest,
        if_match: Option<&VersionCondition>,
    ) -> Result<GenericResource, BackendError> {
        self.companion
            .patch_resource(ctx, schema, id, patch, if_match)
            .await
    }
}
