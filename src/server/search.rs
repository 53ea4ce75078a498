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
use crate::query::ListQuery;
use crate::resource::{Group, User};
use bytes::Bytes;
use http::StatusCode;
use http::request::Parts;

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
        let (user_q, user_proj) = self.list_query(Kind::User, params)?;
        let (group_q, group_proj) = self.list_query(Kind::Group, params)?;
        let start = user_q.start_index;
        let count = user_q.count.unwrap_or(0);
        let users = User::list(self.backend(), ctx, &user_q)
            .await
            .map_err(backend_error)?;
        let taken = users.resources.len();
        // Where the window starts inside the groups: past the users it skipped.
        let group_start = start.saturating_sub(users.total_results).max(1);
        let group_count = count.saturating_sub(taken);
        let group_q = ListQuery {
            start_index: group_start,
            count: Some(group_count),
            ..group_q
        };
        let groups = Group::list(self.backend(), ctx, &group_q)
            .await
            .map_err(backend_error)?;
        let mut resources: Vec<_> = users
            .resources
            .iter()
            .map(|u| self.resource_json(u, &user_proj))
            .collect();
        resources.extend(
            groups
                .resources
                .iter()
                .map(|g| self.resource_json(g, &group_proj)),
        );
        let mut total = users.total_results.saturating_add(groups.total_results);
        for (index, schema) in self.inner.custom.iter().enumerate() {
            let kind = Kind::Custom(index);
            let (q, projection) = self.list_query(kind, params)?;
            let q = ListQuery {
                start_index: start.saturating_sub(total).max(1),
                count: Some(count.saturating_sub(resources.len())),
                ..q
            };
            let page = match self.backend().list_resources(ctx, schema, &q).await {
                Ok(page) => page,
                Err(e) if e.kind() == crate::backend::BackendErrorKind::NotImplemented => continue,
                Err(e) => return Err(backend_error(e)),
            };
            resources.extend(
                page.resources
                    .iter()
                    .map(|r| self.custom_json(schema, r, &projection)),
            );
            total = total.saturating_add(page.total_results);
        }
        Ok(Reply::json(
            StatusCode::OK,
            list_response(total, start, resources),
        ))
    }
}
