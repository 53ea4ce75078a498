//! The resource endpoints `/Users` and `/Groups` (+ `/{id}`): create, get, replace, patch,
//! delete and list ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3),
//! [§3.4.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.1),
//! [§3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2),
//! [§3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1),
//! [§3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2),
//! [§3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.6),
//! [§3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).
//!
//! The handlers are generic over the typed resource ([`Served`]); the only code that knows
//! which backend method serves which type is the [`Served`] implementation in `served.rs`.

use super::ScimServer;
use super::direct;
use super::params::{ListParams, ProjectionParams};
use super::query::{self, ParsedList};
use super::refs;
use super::request::{self, check_content_type, parse_json};
use super::response::{Paging, Reply, list_response_paged};
use super::route::Kind;
use super::served::Served;
use crate::Error;
use crate::audit::AuditAction;
use crate::auth::Context;
use crate::backend::{BackendError, Page, StoredUser, check_if_match};
use crate::patch::{PatchLimits, PatchRequest};
use crate::query::projection::Projection;
use crate::query::validate::{self, ValidateOptions};
use crate::query::{ListQuery, Selection, SortOrder};
use crate::resource::{Resource, User, Version, VersionCondition};
use bytes::Bytes;
use http::StatusCode;
use http::request::Parts;

/// The bytes reserved for one encoded resource (a typical Entra ID user takes about 900).
const RESOURCE_CAPACITY: usize = 1024;
use serde_json::Value;
use std::sync::Arc;

impl ScimServer {
    /// `POST /Users`, `POST /Groups`: 201 with the resource, `Location` and `ETag`
    /// ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)).
    pub(super) async fn create<R: Served>(
        &self,
        ctx: &Context,
        parts: &Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        check_content_type(&parts.headers, &self.inner.compat)?;
        let (projection, _) = self.projection(R::KIND, parts)?;
        let mut json = parse_json(body)?;
        validate::for_create(
            &mut json,
            self.resource_schema(R::KIND),
            &self.validate_options(),
        )?;
        let resource = R::from_json(json)?;
        let created = R::create(self.backend(), ctx, resource)
            .await
            .map_err(backend_error)?;
        self.audit(ctx, AuditAction::Create, R::KIND, created.id())
            .await;
        Ok(self.encode(created, &projection, StatusCode::CREATED, true))
    }

    /// `GET /Users/{id}`: 200 with the resource, or 304 when `If-None-Match` names its
    /// current version ([RFC 7644 §3.4.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.1),
    /// [§3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).
    pub(super) async fn get<R: Served>(
        &self,
        ctx: &Context,
        id: &str,
        parts: &Parts,
    ) -> Result<Reply, Reply> {
        let (projection, selection) = self.projection(R::KIND, parts)?;
        let if_none_match = condition(&parts.headers, http::header::IF_NONE_MATCH)?;
        let found = R::get(self.backend(), ctx, id, &selection)
            .await
            .map_err(backend_error)?;
        if let Some(reply) = self.not_modified(if_none_match.as_ref(), found.version()) {
            return Ok(reply);
        }
        Ok(self.encode(found, &projection, StatusCode::OK, false))
    }

    /// `PUT /Users/{id}`: replaces the resource; 200 with the new state
    /// ([RFC 7644 §3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1)); 412 when
    /// `If-Match` does not name the current version.
    pub(super) async fn replace<R: Served>(
        &self,
        ctx: &Context,
        id: &str,
        parts: &Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        check_content_type(&parts.headers, &self.inner.compat)?;
        let (projection, _) = self.projection(R::KIND, parts)?;
        let if_match = condition(&parts.headers, http::header::IF_MATCH)?;
        let mut json = parse_json(body)?;
        let existing = R::get(self.backend(), ctx, id, &Selection::all())
            .await
            .map_err(backend_error)?;
        check_if_match(if_match.as_ref(), existing.version()).map_err(Error::from)?;
        validate::for_replace(
            &mut json,
            &existing.to_json(),
            self.resource_schema(R::KIND),
            &self.validate_options(),
        )?;
        let resource = R::from_json(json)?;
        let replaced = R::replace(self.backend(), ctx, id, resource, if_match.as_ref())
            .await
            .map_err(backend_error)?;
        self.audit(ctx, AuditAction::Replace, R::KIND, Some(id))
            .await;
        Ok(self.encode(replaced, &projection, StatusCode::OK, false))
    }

    /// `PATCH /Users/{id}`: applies the operations all-or-nothing; 200 with the new state
    /// ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)). A Group
    /// PATCH without `attributes`/`excludedAttributes` is answered 204 with the new `ETag`
    /// (the RFC's alternative): Entra ID adds one member at a time, and a 200 would carry
    /// every member of the group back each time.
    pub(super) async fn patch<R: Served>(
        &self,
        ctx: &Context,
        id: &str,
        parts: &Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        check_content_type(&parts.headers, &self.inner.compat)?;
        let (projection, mut selection) = self.projection(R::KIND, parts)?;
        let no_content = R::PATCH_NO_CONTENT && projection.is_default();
        if no_content {
            // Nothing of the group is sent back: let the backend skip its members.
            selection = Selection::excluding(&["members"]);
        }
        let if_match = condition(&parts.headers, http::header::IF_MATCH)?;
        let request = self.patch_request(body)?;
        let schema = self.resource_schema(R::KIND);
        let patched = R::patch(
            self.backend(),
            ctx,
            id,
            &request,
            schema,
            if_match.as_ref(),
            &selection,
        )
        .await
        .map_err(backend_error)?;
        let action = if R::KIND == Kind::Group && only_members(&request) {
            AuditAction::MembersChanged
        } else {
            AuditAction::Patch
        };
        self.audit(ctx, action, R::KIND, Some(id)).await;
        if no_content {
            let etag = self.etag_of(patched.version());
            return Ok(Reply::empty(StatusCode::NO_CONTENT).etag(etag.as_deref()));
        }
        Ok(self.encode(patched, &projection, StatusCode::OK, false))
    }

    /// `DELETE /Users/{id}`: 204 ([RFC 7644 §3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.6)).
    pub(super) async fn delete<R: Served>(
        &self,
        ctx: &Context,
        id: &str,
        parts: &Parts,
    ) -> Result<Reply, Reply> {
        let if_match = condition(&parts.headers, http::header::IF_MATCH)?;
        R::delete(self.backend(), ctx, id, if_match.as_ref())
            .await
            .map_err(backend_error)?;
        self.audit(ctx, AuditAction::Delete, R::KIND, Some(id))
            .await;
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    /// `GET /Users?filter=…`: a ListResponse
    /// ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)). A filter
    /// that matches nothing is 200 with `totalResults: 0`, never 404.
    pub(super) async fn list<R: Served>(
        &self,
        ctx: &Context,
        parts: &Parts,
    ) -> Result<Reply, Reply> {
        let params = ListParams::from_query(parts.uri.query())?;
        self.list_with::<R>(ctx, &params).await
    }

    /// A list request whose parameters came from the URL or a `/.search` body.
    pub(super) async fn list_with<R: Served>(
        &self,
        ctx: &Context,
        params: &ListParams,
    ) -> Result<Reply, Reply> {
        let (mut query, projection) = self.list_query(R::KIND, params)?;
        if let Some(position) = self.cursor_position(ctx, R::KIND, &query, params)? {
            query = query.with_cursor(position);
        }
        let paging_of = |start, next: Option<&str>, previous: Option<&str>| {
            self.paging(ctx, R::KIND, &query, start, next, previous)
        };
        if R::KIND == Kind::User
            && projection.is_default()
            && self.direct_plan(Kind::User) == direct::standard_user_plan()
        {
            let stored = self.backend().list_users_stored(ctx, &query).await;
            if let Some(page) = stored.map_err(backend_error)? {
                let paging = paging_of(
                    page.start_index,
                    page.next.as_deref(),
                    page.previous.as_deref(),
                );
                return self.encode_stored_page(page, &projection, &paging);
            }
        }
        let page = R::list(self.backend(), ctx, &query)
            .await
            .map_err(backend_error)?;
        let paging = paging_of(
            page.start_index,
            page.next.as_deref(),
            page.previous.as_deref(),
        );
        Ok(self.encode_page(page, &projection, &paging))
    }

    /// The ListResponse of a page of stored users (default projection, standard User type):
    /// each body copied as is where [`direct::write_stored_user`] can, else decoded and
    /// written as [`ScimServer::encode_page`] does.
    fn encode_stored_page(
        &self,
        page: Page<StoredUser>,
        projection: &Projection,
        paging: &Paging,
    ) -> Result<Reply, Reply> {
        let count = page.resources.len();
        let mut out = Vec::with_capacity(256 + count.min(64) * RESOURCE_CAPACITY);
        direct::list_open(&mut out);
        for (i, mut user) in page.resources.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let location = self.location_of::<User>(&user.id);
            if !direct::write_stored_user(&mut out, &mut user, &self.inner.base_url, location) {
                let typed = user.into_user().map_err(backend_error)?;
                self.write_resource(typed, projection, &mut out);
            }
        }
        direct::list_close_paged(&mut out, page.total_results, paging, count);
        Ok(Reply::encoded(StatusCode::OK, out))
    }

    /// The backend query and the response projection of a list request.
    pub(super) fn list_query(
        &self,
        kind: Kind,
        params: &ListParams,
    ) -> Result<(ListQuery, Projection), Error> {
        let parsed = ParsedList::parse(params, &self.inner.limits)?;
        let caps = self.capabilities();
        // Custom types: every shipped backend answers any filter over their JSON (the
        // contract of `IdentityBackend::list_resources`), so no capability rule applies.
        if let Some(filter) = &parsed.filter
            && !matches!(kind, Kind::Custom(_))
        {
            caps.check_filter(self.type_name(kind), filter)?;
        }
        let count = parsed.count.min(caps.max_results);
        let mut q = ListQuery::new()
            .with_page(parsed.start_index, Some(count))
            .with_schema(Arc::clone(self.resource_schema_arc(kind)));
        if let Some(filter) = parsed.filter {
            q = q.with_filter(filter);
        }
        if let (Some(by), true) = (parsed.sort_by, caps.sort) {
            let order = if parsed.descending {
                SortOrder::Descending
            } else {
                SortOrder::Ascending
            };
            q = q.with_sort(by, order);
        }
        let projection = Projection::new(
            Arc::clone(self.resource_schema_arc(kind)),
            &parsed.projection.attributes,
            &parsed.projection.excluded,
        );
        q = q.with_selection(Selection {
            attributes: parsed.projection.attributes,
            excluded_attributes: parsed.projection.excluded,
        });
        Ok((q, projection))
    }

    /// The ListResponse of a page: each resource with `meta.location` and the projection;
    /// encoded directly (no `Value`) where [`ScimServer::direct_bytes`] can.
    pub(super) fn encode_page<R: Served>(
        &self,
        page: Page<R>,
        projection: &Projection,
        paging: &Paging,
    ) -> Reply {
        let direct = projection.is_default() && self.direct_plan(R::KIND).enabled();
        if !direct {
            let resources = page
                .resources
                .iter()
                .map(|r| self.resource_json(r, projection))
                .collect();
            let body = list_response_paged(page.total_results, paging, resources);
            return Reply::json(StatusCode::OK, body);
        }
        let count = page.resources.len();
        let mut out = Vec::with_capacity(256 + count.min(64) * RESOURCE_CAPACITY);
        direct::list_open(&mut out);
        for (i, r) in page.resources.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.write_resource(r, projection, &mut out);
        }
        direct::list_close_paged(&mut out, page.total_results, paging, count);
        Reply::encoded(StatusCode::OK, out)
    }

    /// A single-resource response: the projected JSON, `ETag` (when the backend versions
    /// resources) and, for a create, `Location`.
    fn encode<R: Served>(
        &self,
        resource: R,
        projection: &Projection,
        status: StatusCode,
        with_location: bool,
    ) -> Reply {
        let etag = self.etag_of(resource.version());
        let location = if with_location {
            self.location::<R>(&resource)
        } else {
            None
        };
        let reply = Reply::encoded(status, self.resource_bytes(resource, projection));
        with_headers(reply, etag, location)
    }

    /// The resource as a response carries it, encoded (see [`ScimServer::write_resource`]).
    fn resource_bytes<R: Served>(&self, resource: R, projection: &Projection) -> Vec<u8> {
        let mut out = Vec::with_capacity(RESOURCE_CAPACITY);
        self.write_resource(resource, projection, &mut out);
        out
    }

    /// Appends the resource as a response carries it to `out`: directly from the typed value
    /// when the projection and the resource allow it, else through
    /// [`ScimServer::resource_json`].
    fn write_resource<R: Served>(
        &self,
        mut resource: R,
        projection: &Projection,
        out: &mut Vec<u8>,
    ) {
        if projection.is_default() {
            let location = self.location::<R>(&resource);
            let plan = self.direct_plan(R::KIND);
            if plan.enabled() && resource.prepare(plan, &self.inner.base_url, location) {
                let mark = out.len();
                if serde_json::to_writer(&mut *out, &resource).is_ok() {
                    return;
                }
                out.truncate(mark);
            }
        }
        let json = self.resource_json(&resource, projection);
        let mark = out.len();
        // Serialising a `Value` cannot fail (string keys only).
        if serde_json::to_writer(&mut *out, &json).is_err() {
            out.truncate(mark);
        }
    }

    /// The [`DirectPlan`](direct::DirectPlan) of a resource type.
    fn direct_plan(&self, kind: Kind) -> &direct::DirectPlan {
        match kind {
            Kind::User => &self.inner.direct_user,
            Kind::Group => &self.inner.direct_group,
            Kind::Custom(_) => &self.inner.direct_none,
        }
    }

    /// The resource as a response carries it: `meta.location` and `meta.resourceType` set,
    /// missing `$ref`s of members, groups and manager filled in, then projected (`password`
    /// and other `returned: never` attributes are always dropped).
    pub(super) fn resource_json<R: Resource>(
        &self,
        resource: &R,
        projection: &Projection,
    ) -> Value {
        let mut json = resource.to_json();
        if let Value::Object(map) = &mut json {
            refs::fill(map, &self.inner.base_url);
            stamp_meta(map, R::RESOURCE_TYPE, self.location::<R>(resource));
        }
        projection.apply(&mut json);
        json
    }

    /// `{base}/Users/{id}` ([RFC 7643 §3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1),
    /// `meta.location`).
    fn location<R: Resource>(&self, resource: &R) -> Option<String> {
        resource.id().map(|id| self.location_of::<R>(id))
    }

    /// The URL of the resource of type `R` with this id (`meta.location`, `Location`).
    pub(super) fn location_of<R: Resource>(&self, id: &str) -> String {
        self.url_of(R::ENDPOINT, id)
    }

    /// `{base}/{endpoint}/{id}`, the endpoint with or without its slashes.
    pub(super) fn url_of(&self, endpoint: &str, id: &str) -> String {
        refs::resource_url(&self.inner.base_url, endpoint.trim_matches('/'), id)
    }

    /// The `ETag` of a resource at `version`, when the backend supports versions
    /// ([RFC 7644 §3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).
    pub(super) fn etag_of(&self, version: Option<&Version>) -> Option<String> {
        if !self.capabilities().etag {
            return None;
        }
        version.map(ToString::to_string)
    }

    /// 304 with the `ETag` when `If-None-Match` names the resource's current `version`
    /// ([RFC 7644 §3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).
    pub(super) fn not_modified(
        &self,
        if_none_match: Option<&VersionCondition>,
        version: Option<&Version>,
    ) -> Option<Reply> {
        let (cond, version) = (if_none_match?, version?);
        if !self.capabilities().etag || !cond.matches(version) {
            return None;
        }
        let etag = self.etag_of(Some(version));
        Some(Reply::empty(StatusCode::NOT_MODIFIED).etag(etag.as_deref()))
    }

    /// A PATCH body, decoded within the configured limits by the byte decoder the PATCH
    /// benches measure (no JSON tree of the whole body; RFC 7644 §3.5.2).
    pub(super) fn patch_request(&self, body: &Bytes) -> Result<PatchRequest, Error> {
        let limits = PatchLimits::new(
            self.inner.limits.max_patch_operations,
            PatchLimits::default().max_values_per_operation,
        );
        PatchRequest::from_slice(body, &self.inner.compat, &limits)
    }

    /// The projection of a single-resource request's `attributes`/`excludedAttributes`, and
    /// the same lists as the backend's [`Selection`] hint.
    pub(super) fn projection(
        &self,
        kind: Kind,
        parts: &Parts,
    ) -> Result<(Projection, Selection), Error> {
        let params = ProjectionParams::from_query(parts.uri.query())?;
        let parsed = query::Projection::parse(&params, &self.inner.limits)?;
        let projection = Projection::new(
            Arc::clone(self.resource_schema_arc(kind)),
            &parsed.attributes,
            &parsed.excluded,
        );
        let selection = Selection {
            attributes: parsed.attributes,
            excluded_attributes: parsed.excluded,
        };
        Ok((projection, selection))
    }

    /// Validation settings that follow the configured client compatibility.
    pub(super) fn validate_options(&self) -> ValidateOptions {
        let mut options = if self.inner.compat == crate::Compat::strict() {
            ValidateOptions::strict()
        } else {
            ValidateOptions::default()
        };
        // The switches that bear on resource bodies apply to POST and PUT exactly as the PATCH
        // decoder applies them to PATCH values.
        options.boolean_strings = self.inner.compat.boolean_strings;
        options.bare_values = self.inner.compat.complex_as_bare_value;
        options.empty_clears = self.inner.compat.null_or_empty_clears;
        options
    }
}

/// `meta.resourceType` (unless the resource has one) and `meta.location` of a resource as a
/// response carries it ([RFC 7643 §3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1)).
pub(super) fn stamp_meta(
    map: &mut serde_json::Map<String, Value>,
    resource_type: &str,
    location: Option<String>,
) {
    let meta = map
        .entry("meta")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if let Value::Object(meta) = meta {
        meta.entry("resourceType")
            .or_insert_with(|| Value::String(resource_type.to_owned()));
        if let Some(loc) = location {
            meta.insert("location".into(), Value::String(loc));
        }
    }
}

/// A single-resource reply with its `ETag` and, for a create, `Location`
/// ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3), §3.14).
pub(super) fn with_headers(reply: Reply, etag: Option<String>, location: Option<String>) -> Reply {
    let reply = reply.etag(etag.as_deref());
    match location {
        Some(loc) => reply.location(&loc),
        None => reply,
    }
}

/// Whether every operation of a PATCH addresses `members` (a member change, for the audit).
fn only_members(request: &PatchRequest) -> bool {
    request.operations().iter().all(|op| {
        op.path()
            .is_some_and(|p| p.attr.name.eq_ignore_ascii_case("members"))
    })
}

/// An `If-Match` / `If-None-Match` header (RFC 7644 §3.14); malformed → 400.
pub(super) fn condition(
    headers: &http::HeaderMap,
    name: http::header::HeaderName,
) -> Result<Option<VersionCondition>, Error> {
    request::header_text(headers, &name)?
        .map(|text| VersionCondition::parse(&text))
        .transpose()
}

/// A backend error as a reply: its SCIM error, and `Retry-After` on a 503.
/// The error itself rides along in the response's extensions ([`super::ErrorReport`]).
pub(super) fn backend_error(e: BackendError) -> Reply {
    let retry = e.retry_after();
    let reply = Reply::error(&e.to_error()).report(super::ErrorReport::new(e));
    match retry {
        Some(after) => reply.header(http::header::RETRY_AFTER, super::retry_after_secs(after)),
        None => reply,
    }
}
