//! The endpoints of resource types registered at run time (e.g. `/Devices`, with `/{id}` and
//! `/.search`): create, get, replace, patch, delete and list, with the same validation,
//! filtering, PATCH engine, projection, versions and errors as `/Users` and `/Groups`
//! ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6);
//! [RFC 7644 §3.3–3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.3),
//! [§3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).
//!
//! A custom resource has no typed struct: the body is validated against the type's
//! [`ResourceSchema`] (types, plurality, `required`, `mutability`, unknown attributes) and
//! handed to the backend as a [`GenericResource`]; uniqueness is the backend's (it holds the
//! other resources).

use super::ScimServer;
use super::params::ListParams;
use super::request::{check_content_type, parse_json};
use super::resource::{backend_error, condition, stamp_meta, with_headers};
use super::response::{Reply, list_response_paged};
use super::route::{Kind, Route};
use crate::Error;
use crate::audit::AuditAction;
use crate::auth::Context;
use crate::backend::check_if_match;
use crate::query::projection::Projection;
use crate::query::validate;
use crate::resource::GenericResource;
use crate::schema::ResourceSchema;
use bytes::Bytes;
use http::request::Parts;
use http::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;

impl ScimServer {
    /// The custom resource type at `index` (from [`Route::parse_with`] over the same list).
    fn custom_schema(&self, index: usize) -> Result<&Arc<ResourceSchema>, Error> {
        self.inner
            .custom
            .get(index)
            .ok_or_else(|| Error::not_found("no such resource type"))
    }

    /// A request to a custom type's collection or item, its method checked.
    pub(super) async fn custom_route(
        &self,
        ctx: &Context,
        route: &Route,
        parts: &Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        match (route, &parts.method) {
            (Route::Collection(Kind::Custom(i)), &Method::POST) => {
                self.create_custom(ctx, *i, parts, body).await
            }
            (Route::Collection(Kind::Custom(i)), _) => {
                let params = ListParams::from_query(parts.uri.query())?;
                self.list_custom(ctx, *i, &params).await
            }
            (Route::Item(Kind::Custom(i), id), &Method::GET) => {
                self.get_custom(ctx, *i, id, parts).await
            }
            (Route::Item(Kind::Custom(i), id), &Method::PUT) => {
                self.replace_custom(ctx, *i, id, parts, body).await
            }
            (Route::Item(Kind::Custom(i), id), &Method::PATCH) => {
                self.patch_custom(ctx, *i, id, parts, body).await
            }
            (Route::Item(Kind::Custom(i), id), _) => self.delete_custom(ctx, *i, id, parts).await,
            _ => Err(Error::not_found("not a resource endpoint").into()),
        }
    }

    /// `POST /Devices`: 201 with the resource, `Location` and `ETag` (RFC 7644 §3.3).
    async fn create_custom(
        &self,
        ctx: &Context,
        index: usize,
        parts: &Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        check_content_type(&parts.headers, &self.inner.compat)?;
        let schema = self.custom_schema(index)?;
        let projection = self.custom_projection(index, parts)?;
        let mut json = parse_json(body)?;
        validate::for_create(&mut json, schema, &self.validate_options())?;
        let resource = GenericResource::from_json(json)?;
        let created = self
            .backend()
            .create_resource(ctx, schema, resource)
            .await
            .map_err(backend_error)?;
        self.audit(ctx, AuditAction::Create, Kind::Custom(index), created.id())
            .await;
        Ok(self.encode_custom(schema, &created, &projection, StatusCode::CREATED, true))
    }

    /// `GET /Devices/{id}`: 200, or 304 when `If-None-Match` names the current version
    /// (RFC 7644 §3.4.1, §3.14).
    async fn get_custom(
        &self,
        ctx: &Context,
        index: usize,
        id: &str,
        parts: &Parts,
    ) -> Result<Reply, Reply> {
        let schema = self.custom_schema(index)?;
        let projection = self.custom_projection(index, parts)?;
        let if_none_match = condition(&parts.headers, http::header::IF_NONE_MATCH)?;
        let found = self
            .backend()
            .get_resource(ctx, schema, id)
            .await
            .map_err(backend_error)?;
        if let Some(reply) = self.not_modified(if_none_match.as_ref(), found.version()) {
            return Ok(reply);
        }
        Ok(self.encode_custom(schema, &found, &projection, StatusCode::OK, false))
    }

    /// `PUT /Devices/{id}` (RFC 7644 §3.5.1): immutable values kept, 412 on a stale `If-Match`.
    async fn replace_custom(
        &self,
        ctx: &Context,
        index: usize,
        id: &str,
        parts: &Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        check_content_type(&parts.headers, &self.inner.compat)?;
        let schema = self.custom_schema(index)?;
        let projection = self.custom_projection(index, parts)?;
        let if_match = condition(&parts.headers, http::header::IF_MATCH)?;
        let mut json = parse_json(body)?;
        let existing = self
            .backend()
            .get_resource(ctx, schema, id)
            .await
            .map_err(backend_error)?;
        check_if_match(if_match.as_ref(), existing.version()).map_err(Error::from)?;
        validate::for_replace(
            &mut json,
            &existing.to_json(),
            schema,
            &self.validate_options(),
        )?;
        let resource = GenericResource::from_json(json)?;
        let replaced = self
            .backend()
            .replace_resource(ctx, schema, id, resource, if_match.as_ref())
            .await
            .map_err(backend_error)?;
        self.audit(ctx, AuditAction::Replace, Kind::Custom(index), Some(id))
            .await;
        Ok(self.encode_custom(schema, &replaced, &projection, StatusCode::OK, false))
    }

    /// `PATCH /Devices/{id}` (RFC 7644 §3.5.2): all or nothing, 200 with the new state.
    async fn patch_custom(
        &self,
        ctx: &Context,
        index: usize,
        id: &str,
        parts: &Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        check_content_type(&parts.headers, &self.inner.compat)?;
        let schema = self.custom_schema(index)?;
        let projection = self.custom_projection(index, parts)?;
        let if_match = condition(&parts.headers, http::header::IF_MATCH)?;
        let request = self.patch_request(body)?;
        let patched = self
            .backend()
            .patch_resource(ctx, schema, id, &request, if_match.as_ref())
            .await
            .map_err(backend_error)?;
        self.audit(ctx, AuditAction::Patch, Kind::Custom(index), Some(id))
            .await;
        Ok(self.encode_custom(schema, &patched, &projection, StatusCode::OK, false))
    }

    /// `DELETE /Devices/{id}`: 204 (RFC 7644 §3.6).
    async fn delete_custom(
        &self,
        ctx: &Context,
        index: usize,
        id: &str,
        parts: &Parts,
    ) -> Result<Reply, Reply> {
        let schema = self.custom_schema(index)?;
        let if_match = condition(&parts.headers, http::header::IF_MATCH)?;
        self.backend()
            .delete_resource(ctx, schema, id, if_match.as_ref())
            .await
            .map_err(backend_error)?;
        self.audit(ctx, AuditAction::Delete, Kind::Custom(index), Some(id))
            .await;
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    /// `GET /Devices?filter=…` or `POST /Devices/.search`: a ListResponse (RFC 7644 §3.4.2,
    /// §3.4.3), paged by index or walked by cursor (RFC 9865, `nextCursor` and
    /// `previousCursor`) as the Users and Groups lists are.
    pub(super) async fn list_custom(
        &self,
        ctx: &Context,
        index: usize,
        params: &ListParams,
    ) -> Result<Reply, Reply> {
        let schema = self.custom_schema(index)?;
        let kind = Kind::Custom(index);
        let (mut query, projection) = self.list_query(kind, params)?;
        if let Some(position) = self.cursor_position(ctx, kind, &query, params)? {
            query = query.with_cursor(position);
        }
        let page = self
            .backend()
            .list_resources(ctx, schema, &query)
            .await
            .map_err(backend_error)?;
        let paging = self.paging(
            ctx,
            kind,
            &query,
            page.start_index,
            page.next.as_deref(),
            page.previous.as_deref(),
        );
        let resources = page
            .resources
            .iter()
            .map(|r| self.custom_json(schema, r, &projection))
            .collect();
        let body = list_response_paged(page.total_results, &paging, resources);
        Ok(Reply::json(StatusCode::OK, body))
    }

    /// The projection of a single-resource request's `attributes` / `excludedAttributes`.
    fn custom_projection(&self, index: usize, parts: &Parts) -> Result<Projection, Error> {
        Ok(self.projection(Kind::Custom(index), parts)?.0)
    }

    /// The resource as a response carries it: `meta.location` set, then projected.
    pub(super) fn custom_json(
        &self,
        schema: &ResourceSchema,
        resource: &GenericResource,
        projection: &Projection,
    ) -> Value {
        let mut json = resource.to_json();
        if let Value::Object(map) = &mut json {
            let location = resource.id().map(|id| self.custom_location(schema, id));
            stamp_meta(map, &schema.resource_type().name, location);
        }
        projection.apply(&mut json);
        json
    }

    /// `{base}/Devices/{id}`.
    fn custom_location(&self, schema: &ResourceSchema, id: &str) -> String {
        self.url_of(&schema.resource_type().endpoint, id)
    }

    fn encode_custom(
        &self,
        schema: &ResourceSchema,
        resource: &GenericResource,
        projection: &Projection,
        status: StatusCode,
        with_location: bool,
    ) -> Reply {
        let etag = self.etag_of(resource.version());
        let location = resource
            .id()
            .filter(|_| with_location)
            .map(|id| self.custom_location(schema, id));
        let reply = Reply::json(status, self.custom_json(schema, resource, projection));
        with_headers(reply, etag, location)
    }
}
