//! `tower::Service` for [`ScimServer`] (feature `tower`): any `http_body::Body` in, the SCIM
//! response out, `Error = Infallible`; axum mounts it with
//! `Router::new().nest_service("/scim/v2", server)`
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

use super::ScimServer;
use super::limits::payload_too_large;
use super::response::Reply;
use bytes::Bytes;
use http::{Request, Response, header::CONTENT_LENGTH};
use http_body::Body;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

/// The boxed future [`ScimServer`]'s `tower_service::Service` implementation returns.
pub type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

impl ScimServer {
    /// Like [`ScimServer::handle`], for a request whose body is still a stream: authenticates
    /// first, then reads the body with [`Limits::max_body_bytes`](super::Limits::max_body_bytes)
    /// (for `/Bulk`: [`Limits::max_bulk_payload_bytes`](super::Limits::max_bulk_payload_bytes))
    /// enforced while reading (413 as soon as it is exceeded, without buffering the rest).
    pub async fn handle_body<B>(&self, request: Request<B>) -> Response<Bytes>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let method = request.method().clone();
        super::observe::observed(&method, self.answer_body(request)).await
    }

    /// Stages 1–6 of a streamed request (see [`ScimServer::handle_body`]).
    async fn answer_body<B>(&self, request: Request<B>) -> Response<Bytes>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (parts, body) = request.into_parts();
        let ctx = match self.authenticate(&parts).await {
            Ok(ctx) => ctx,
            Err(reply) => return reply.finish(),
        };
        super::observe::record_tenant(&ctx);
        let route = super::route::Route::parse(parts.uri.path(), &self.inner.mount).ok();
        let max = self.body_limit(route.as_ref());
        let too_large = || {
            let over = self.check_body(route.as_ref(), max.saturating_add(1));
            Reply::error(&over.err().unwrap_or_else(|| payload_too_large(max))).finish()
        };
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > max as u64) {
            return too_large();
        }
        let bytes = match Limited::new(body, max).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<LengthLimitError>() => return too_large(),
            Err(_) => {
                return Reply::error(&crate::Error::invalid_syntax(
                    "the request body could not be read",
                ))
                .finish();
            }
        };
        self.serve(&ctx, &parts, bytes).await.finish()
    }
}

impl<B> tower_service::Service<Request<B>> for ScimServer
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let server = self.clone();
        Box::pin(async move { Ok(server.handle_body(request).await.map(Full::new)) })
    }
}
