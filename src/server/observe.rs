//! What operators see of a request: the backend error behind an answer, carried in the
//! response's extensions ([`ErrorReport`]), and — with the `tracing` feature — one span per
//! request (method, route template, tenant, status, latency) and an error event for every 5xx
//! with the error's source chain. Secrets, request bodies, query text and resource contents are
//! never recorded ([RFC 7644 §7](https://www.rfc-editor.org/rfc/rfc7644#section-7) asks that
//! credentials and personal data be protected).

use crate::backend::{BackendError, BackendErrorKind};
use http::StatusCode;
use std::fmt;
use std::sync::Arc;

/// The backend error behind a response, for middleware and logs: inserted into
/// [`http::Response::extensions`] of every answer that a [`BackendError`] produced (whatever
/// the features), so a framework layer can log it, count it or alert on it
/// ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12): the client sees only
/// the SCIM error; a 500 says nothing about its cause).
///
/// ```
/// # use scimitar::server::ErrorReport;
/// fn log_failure(response: &http::Response<bytes::Bytes>) {
///     if let Some(report) = response.extensions().get::<ErrorReport>() {
///         eprintln!("{} ({:?}): {report}", report.status(), report.kind());
///     }
/// }
/// ```
#[derive(Clone)]
pub struct ErrorReport {
    error: Arc<BackendError>,
}

impl ErrorReport {
    pub(crate) fn new(error: BackendError) -> Self {
        ErrorReport {
            error: Arc::new(error),
        }
    }

    /// The HTTP status the error was answered with.
    pub fn status(&self) -> StatusCode {
        self.error.status()
    }

    /// What went wrong, as far as the protocol cares.
    pub fn kind(&self) -> BackendErrorKind {
        self.error.kind()
    }

    /// The backend error itself; [`std::error::Error::source`] walks its cause chain.
    pub fn error(&self) -> &BackendError {
        &self.error
    }

    /// The error and each of its causes, outermost first.
    pub fn chain(&self) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
        let first: &(dyn std::error::Error + 'static) = self.error.as_ref();
        std::iter::successors(Some(first), |e| e.source())
    }
}

/// `status detail: cause: cause…` — the whole chain, for logs (never sent to a client).
impl fmt::Display for ErrorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::backend::error_chain(&self.error))
    }
}

impl fmt::Debug for ErrorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorReport")
            .field("error", &self.error)
            .finish()
    }
}

/// Runs one request's answer inside its span and closes it (see [`finish`]); without the
/// `tracing` feature, just the answer.
pub(super) async fn observed<F>(_method: &http::Method, answer: F) -> http::Response<bytes::Bytes>
where
    F: std::future::Future<Output = http::Response<bytes::Bytes>>,
{
    #[cfg(feature = "tracing")]
    {
        use tracing::Instrument;
        let started = std::time::Instant::now();
        let span = request_span(_method);
        let response = answer.instrument(span.clone()).await;
        finish(&span, &response, started);
        response
    }
    #[cfg(not(feature = "tracing"))]
    answer.await
}

/// The span of one request (`scim_request`): `method` now; `route`, `tenant`, `status` and
/// `latency_us` as they become known.
#[cfg(feature = "tracing")]
fn request_span(method: &http::Method) -> tracing::Span {
    tracing::info_span!(
        "scim_request",
        method = %method,
        route = tracing::field::Empty,
        tenant = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_us = tracing::field::Empty,
    )
}

/// Records the route template (never the path itself) on the current request span.
pub(super) fn record_route(_route: &super::route::Route) {
    #[cfg(feature = "tracing")]
    tracing::Span::current().record("route", _route.template());
}

/// Records the authenticated tenant on the current request span.
pub(super) fn record_tenant(_ctx: &crate::auth::Context) {
    #[cfg(feature = "tracing")]
    tracing::Span::current().record("tenant", _ctx.tenant.as_str());
}

/// Closes a request: status and latency on its span, then one event — `error` level with the
/// backend error's chain for a 5xx, `info` otherwise.
#[cfg(feature = "tracing")]
fn finish(
    span: &tracing::Span,
    response: &http::Response<bytes::Bytes>,
    started: std::time::Instant,
) {
    let status = response.status().as_u16();
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    span.record("status", status);
    span.record("latency_us", latency_us);
    span.in_scope(|| {
        if !response.status().is_server_error() {
            tracing::info!(status, latency_us, "request answered");
            return;
        }
        match response.extensions().get::<ErrorReport>() {
            Some(report) => {
                tracing::error!(status, latency_us, error = %report, "request failed");
            }
            None => tracing::error!(status, latency_us, "request failed"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("query failed")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_report_keeps_the_whole_chain() {
        let e = BackendError::internal(Outer(std::io::Error::other("connection refused")));
        let r = ErrorReport::new(e);
        assert_eq!(r.status(), 500);
        assert_eq!(r.kind(), BackendErrorKind::Internal);
        assert_eq!(r.chain().count(), 3);
        assert_eq!(
            r.to_string(),
            "500 internal error: query failed: connection refused"
        );
        let clone = r.clone();
        assert!(std::error::Error::source(clone.error()).is_some());
    }
}
