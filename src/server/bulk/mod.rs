//! `POST /Bulk` ([RFC 7644 §3.7](https://www.rfc-editor.org/rfc/rfc7644#section-3.7)): many
//! resource operations in one request.
//!
//! The stages: decode the request (`request`), find the `bulkId` references of each
//! operation (`bulk_id`) and the order they force (`order`: a reference runs after the POST
//! that defines it; cycles are grouped), run each operation through the same resource
//! handlers as a single request, with the bulk request's tenant (`execute`), and answer one
//! result per operation that ran (`response`).
//!
//! Bounds ([RFC 7644 §3.7.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.4)): the
//! body is at most [`Limits::max_bulk_payload_bytes`](super::Limits::max_bulk_payload_bytes)
//! and holds at most [`Limits::max_bulk_operations`](super::Limits::max_bulk_operations)
//! operations (413 naming the limit otherwise); both are advertised in
//! `/ServiceProviderConfig`. Each operation is held to the bounds of its own endpoint.

mod bulk_id;
mod execute;
mod order;
mod perform;
mod request;
mod response;

use super::request::{check_content_type, parse_json};
use super::response::Reply;
use super::{ScimServer, not_implemented};
use crate::auth::Context;
use bytes::Bytes;
use http::StatusCode;
use http::request::Parts;
use request::BulkRequest;

impl ScimServer {
    /// `POST /Bulk`: 200 with a `BulkResponse` holding the result of every operation that ran
    /// ([RFC 7644 §3.7.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.3)); 400 for a
    /// malformed request, 413 over a bound, 501 when bulk is turned off
    /// ([`Limits::max_bulk_operations`](super::Limits::max_bulk_operations) is 0).
    pub(super) async fn bulk(
        &self,
        ctx: &Context,
        parts: &Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        if !self.inner.limits.bulk_enabled() {
            return Err(not_implemented(
                "bulk operations are turned off on this server (see /ServiceProviderConfig)",
            ));
        }
        check_content_type(&parts.headers, &self.inner.compat)?;
        let json = parse_json(body)?;
        let request = BulkRequest::decode(json, &self.inner.limits)?;
        let results = self.run_bulk(ctx, request).await;
        Ok(Reply::json(
            StatusCode::OK,
            response::bulk_response(&results),
        ))
    }
}
