//! `POST /.search` and `POST /{ResourceType}/.search`: a query whose parameters travel in a
//! `SearchRequest` body ([RFC 7644 §3.4.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.3)).

use super::ScimServer;
use super::params::ListParams;
use super::request::{check_content_type, parse_json};
use super::resource::backend_error;
use super::response::{Reply, list_response};
use super::route::Kind;
use super::served::Served;
use crate::auth::Context;
use crate::backend::{BackendErrorKind, Page};
use crate::query::ListQuery;
use crate::query::projection::Projection;
use crate::resource::{Group, Resource, User};
use bytes::Bytes;
use http::StatusCode;
use http::request::Parts;
use serde_json::Value;

impl ScimServer {
    /// Answers a `/.search`: for one resource type like the `GET` list; on the root, over
    /// Users then Groups, paged as one list (RFC 7644 §3.4.3: the root searches all types).
    pub(super) async fn search(
        &self,
        ctx: &Context,
        kind: Option<Kind>,
        parts: &Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        check_content_type(&parts.headers, &self.inner.compat)?;
        let params = ListParams::from_search_body(&parse_json(body)?)?;
        match kind {
            Some(Kind::User) => self.list_with::<User>(ctx, &params).await,
            Some(Kind::Group) => self.list_with::<Group>(ctx, &params).await,
            Some(Kind::Custom(i)) => self.list_custom(ctx, i, &params).await,
            None => self.search_all(ctx, &params).await,
        }
    }

    /// `GET /?filter=…`: the same query over every resource type
    /// ([RFC 7644 §3.4.2.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.1)).
    pub(super) async fn root_query(&self, ctx: &Context, parts: &Parts) -> Result<Reply, Reply> {
        let params = ListParams::from_query(parts.uri.query())?;
        self.search_all(ctx, &params).await
    }

    /// The root search: the Users of the window first, then Groups, then each resource type
    /// registered at run time, in registration order, to fill the page; the filter must be one
    /// every type can serve; `totalResults` is the sum. A backend that stores no resources of
    /// a custom type (501) contributes none. Cursor walks are
    /// per resource type (`/Users`, `/Groups`, a registered type's endpoint, or their
    /// `/.search`): a `cursor` here is 400 `invalidValue`.
    async fn search_all(&self, ctx: &Context, params: &ListParams) -> Result<Reply, Reply> {
        if params.cursor.is_some() {
            return Err(crate::Error::invalid_value(
                "cursor paging walks one resource type: use its endpoint (e.g. /Users) or its /.search",
            )
            .into());
        }
        let kinds = [Kind::User, Kind::Group]
            .into_iter()
            .chain((0..self.inner.custom.len()).map(Kind::Custom));
        let mut window = None;
        let mut total = 0usize;
        let mut resources = Vec::new();
        for kind in kinds {
            let (q, projection) = self.list_query(kind, params)?;
            // The same parameters give every type the same window of the one list.
            let (start, count) = *window.get_or_insert((q.start_index, q.count.unwrap_or(0)));
            // Where the window starts inside this type: past the resources of the types
            // before it; as many as the page still has room for.
            let q = ListQuery {
                start_index: start.saturating_sub(total).max(1),
                count: Some(count.saturating_sub(resources.len())),
                ..q
            };
            if let Some(found) = self.page_json(ctx, kind, &q, &projection).await? {
                total = total.saturating_add(found.0);
                resources.extend(found.1);
            }
        }
        let (start, _) = window.unwrap_or((1, 0));
        Ok(Reply::json(
            StatusCode::OK,
            list_response(total, start, resources),
        ))
    }

    /// One type's page of the root search: `totalResults` and the resources as responses carry
    /// them; `None` for a custom type the backend stores none of (501).
    async fn page_json(
        &self,
        ctx: &Context,
        kind: Kind,
        q: &ListQuery,
        projection: &Projection,
    ) -> Result<Option<(usize, Vec<Value>)>, Reply> {
        fn json_of<R: Resource>(
            server: &ScimServer,
            page: Page<R>,
            projection: &Projection,
        ) -> (usize, Vec<Value>) {
            let resources = page
                .resources
                .iter()
                .map(|r| server.resource_json(r, projection))
                .collect();
            (page.total_results, resources)
        }
        Ok(Some(match kind {
            Kind::User => json_of(
                self,
                User::list(self.backend(), ctx, q)
                    .await
                    .map_err(backend_error)?,
                projection,
            ),
            Kind::Group => json_of(
                self,
                Group::list(self.backend(), ctx, q)
                    .await
                    .map_err(backend_error)?,
                projection,
            ),
            Kind::Custom(index) => {
                let Some(schema) = self.inner.custom.get(index) else {
                    return Ok(None);
                };
                let page = match self.backend().list_resources(ctx, schema, q).await {
                    Ok(page) => page,
                    Err(e) if e.kind() == BackendErrorKind::NotImplemented => return Ok(None),
                    Err(e) => return Err(backend_error(e)),
                };
                let resources = page
                    .resources
                    .iter()
                    .map(|r| self.custom_json(schema, r, projection))
                    .collect();
                (page.total_results, resources)
            }
        }))
    }
}
