//! Response encoding: `application/scim+json` bodies, SCIM Error messages and the headers
//! that go with them ([RFC 7644 §3.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.1),
//! [§3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).

use super::ErrorReport;
use crate::Error;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, ETAG, HeaderValue, LOCATION};
use http::{HeaderName, Response, StatusCode};
use serde_json::Value;

/// The SCIM media type (RFC 7644 §8.1).
pub const SCIM_JSON: &str = "application/scim+json";

/// The `ListResponse` message URN (RFC 7644 §3.4.2).
pub(crate) const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// A response body: a JSON value, or JSON already encoded (direct encoding).
enum Body {
    Value(Value),
    Encoded(Vec<u8>),
}

/// A response under construction.
pub(crate) struct Reply {
    status: StatusCode,
    body: Option<Body>,
    headers: Vec<(HeaderName, String)>,
    report: Option<ErrorReport>,
}

impl Reply {
    /// A JSON body with the given status.
    pub(crate) fn json(status: StatusCode, body: Value) -> Self {
        Reply {
            status,
            body: Some(Body::Value(body)),
            headers: Vec::new(),
            report: None,
        }
    }

    /// A body already encoded as JSON with the given status.
    pub(crate) fn encoded(status: StatusCode, body: Vec<u8>) -> Self {
        Reply {
            status,
            body: Some(Body::Encoded(body)),
            headers: Vec::new(),
            report: None,
        }
    }

    /// No body (204, 304).
    pub(crate) fn empty(status: StatusCode) -> Self {
        Reply {
            status,
            body: None,
            headers: Vec::new(),
            report: None,
        }
    }

    /// The SCIM Error message for `err` (RFC 7644 §3.12). A 500 says nothing about its cause.
    pub(crate) fn error(err: &Error) -> Self {
        let body = if err.status() == StatusCode::INTERNAL_SERVER_ERROR {
            Error::with_status(err.status(), None, "internal server error").to_json()
        } else {
            err.to_json()
        };
        Reply::json(err.status(), body)
    }

    /// The status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// Adds a header (values that are not valid header text are dropped, never panicked on).
    pub(crate) fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Attaches the backend error behind this answer (put in the response's extensions).
    pub(crate) fn report(mut self, report: ErrorReport) -> Self {
        self.report = Some(report);
        self
    }

    /// Adds `ETag` when there is one.
    pub(crate) fn etag(self, etag: Option<&str>) -> Self {
        match etag {
            Some(e) => self.header(ETAG, e),
            None => self,
        }
    }

    /// Adds `Location`.
    pub(crate) fn location(self, url: &str) -> Self {
        self.header(LOCATION, url)
    }

    /// The `http` response. Serialising a `serde_json::Value` cannot fail; should it, the
    /// answer is a bare 500 rather than a panic.
    pub(crate) fn finish(self) -> Response<Bytes> {
        let mut res = Response::new(Bytes::new());
        *res.status_mut() = self.status;
        if let Some(body) = self.body {
            let bytes = match body {
                Body::Value(v) => serde_json::to_vec(&v),
                Body::Encoded(b) => Ok(b),
            };
            match bytes {
                Ok(bytes) => {
                    *res.body_mut() = Bytes::from(bytes);
                    res.headers_mut()
                        .insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
                }
                Err(_) => *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR,
            }
        }
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().append(name, v);
            }
        }
        if let Some(report) = self.report {
            res.extensions_mut().insert(report);
        }
        res
    }
}

/// The SCIM error response for `err` (`application/scim+json`, RFC 7644 §3.12 body; a 500 says
/// nothing of its cause), for framework adapters that must answer before the server sees the
/// request — a body over the framework's size limit (413), a request the framework cannot
/// convert ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).
///
/// ```
/// use scimitar::server::error_response;
/// let e = scimitar::Error::with_status(http::StatusCode::PAYLOAD_TOO_LARGE, None, "too large");
/// let r = error_response(&e);
/// assert_eq!(r.status(), 413);
/// assert_eq!(r.headers()["content-type"], "application/scim+json");
/// ```
pub fn error_response(err: &Error) -> Response<Bytes> {
    Reply::error(err).finish()
}

impl From<Error> for Reply {
    fn from(e: Error) -> Self {
        Reply::error(&e)
    }
}

/// How a ListResponse pages: by index (RFC 7644 §3.4.2.4: `startIndex`) or by cursor
/// ([RFC 9865 §2.2](https://www.rfc-editor.org/rfc/rfc9865#section-2.2): `nextCursor`
/// while more pages follow, `previousCursor` when some precede, no `startIndex`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Paging {
    /// Index paging, with the 1-based `startIndex` of the page.
    Index(usize),
    /// A cursor walk, with the sealed cursor of the next page, if any.
    Cursor {
        /// `nextCursor`.
        next: Option<String>,
        /// `previousCursor`.
        previous: Option<String>,
    },
}

/// A `ListResponse` (RFC 7644 §3.4.2): `totalResults`, `startIndex`, `itemsPerPage` and
/// `Resources`.
pub(crate) fn list_response(total: usize, start_index: usize, resources: Vec<Value>) -> Value {
    list_response_paged(total, &Paging::Index(start_index), resources)
}

/// [`list_response`] for either kind of paging (see [`Paging`]).
/// Built field by field: `json!` would re-serialise (deep-copy) every resource.
pub(crate) fn list_response_paged(total: usize, paging: &Paging, resources: Vec<Value>) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(
        "schemas".into(),
        Value::Array(vec![Value::String(LIST_RESPONSE.into())]),
    );
    m.insert("totalResults".into(), Value::from(total));
    match paging {
        Paging::Index(start_index) => {
            m.insert("startIndex".into(), Value::from(*start_index));
        }
        Paging::Cursor { next, previous } => {
            if let Some(next) = next {
                m.insert("nextCursor".into(), Value::String(next.clone()));
            }
            if let Some(previous) = previous {
                m.insert("previousCursor".into(), Value::String(previous.clone()));
            }
        }
    }
    m.insert("itemsPerPage".into(), Value::from(resources.len()));
    m.insert("Resources".into(), Value::Array(resources));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_reply_has_scim_content_type() {
        let r = Reply::json(StatusCode::OK, json!({"a": 1}))
            .etag(Some("W/\"1\""))
            .location("https://x/Users/1")
            .header(http::header::RETRY_AFTER, "bad\nvalue")
            .finish();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()[CONTENT_TYPE], SCIM_JSON);
        assert_eq!(r.headers()[ETAG], "W/\"1\"");
        assert_eq!(r.headers()[LOCATION], "https://x/Users/1");
        assert!(r.headers().get(http::header::RETRY_AFTER).is_none());
        assert_eq!(r.body().as_ref(), br#"{"a":1}"#);
    }

    #[test]
    fn internal_errors_say_nothing() {
        let e = Error::with_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "db password wrong at 10.0.0.3",
        );
        let r = Reply::error(&e).finish();
        let v: Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(v["detail"], "internal server error");
        assert_eq!(v["status"], "500");
    }

    #[test]
    fn empty_reply_has_no_content_type() {
        let r = Reply::empty(StatusCode::NO_CONTENT).finish();
        assert!(r.headers().get(CONTENT_TYPE).is_none());
        assert!(r.body().is_empty());
    }

    #[test]
    fn list_response_shape() {
        let v = list_response(0, 1, vec![]);
        assert_eq!(
            v,
            json!({"schemas": [LIST_RESPONSE], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []})
        );
    }
}
