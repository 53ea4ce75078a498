//! Performing one bulk operation: the request it stands for (method, path, `If-Match` from
//! its `version`, `data` as the body) sent through the resource dispatch a single request
//! uses, and its outcome as a bulk result
//! ([RFC 7644 §3.7](https://www.rfc-editor.org/rfc/rfc7644#section-3.7)).

use super::request::{BulkMethod, shown};
use super::response::OpResult;
use crate::Error;
use crate::auth::Context;
use crate::resource::{Group, User};
use crate::server::ScimServer;
use crate::server::route::{Kind, Route};
use bytes::Bytes;
use http::Request;
use http::header::{ETAG, HeaderValue, IF_MATCH, LOCATION};
use percent_encoding::percent_decode_str;
use serde_json::Value;

impl ScimServer {
    /// Performs one operation through the resource endpoint its path addresses: the request a
    /// client would have sent on its own, with this context.
    pub(super) async fn perform(
        &self,
        ctx: &Context,
        method: BulkMethod,
        path: &str,
        version: Option<&str>,
        data: Option<&Value>,
    ) -> OpResult {
        match self.prepare(method, path, version, data) {
            Ok((route, parts, body)) => {
                let reply = self
                    .resource_route(ctx, &route, &parts, &body)
                    .await
                    .unwrap_or_else(|e| e);
                let res = reply.finish();
                let header = |name| {
                    res.headers()
                        .get(name)
                        .and_then(|v: &HeaderValue| v.to_str().ok())
                        .map(str::to_owned)
                };
                let status = res.status();
                let location = header(LOCATION).or_else(|| self.item_location(&route));
                let created_id = (method == BulkMethod::Post && status.is_success())
                    .then(|| location.as_deref().and_then(last_segment))
                    .flatten();
                OpResult {
                    method,
                    bulk_id: None,
                    location,
                    version: header(ETAG),
                    status,
                    response: (status.is_client_error() || status.is_server_error())
                        .then(|| serde_json::from_slice(res.body()).ok())
                        .flatten(),
                    created_id,
                }
            }
            Err((e, route)) => {
                let mut r = OpResult::failed_as(method, &e);
                r.location = route.and_then(|r| self.item_location(&r));
                r
            }
        }
    }

    /// The route, request head and body of an operation; an error (with the route when there
    /// is one) when it cannot be sent.
    fn prepare(
        &self,
        method: BulkMethod,
        path: &str,
        version: Option<&str>,
        data: Option<&Value>,
    ) -> Result<(Route, http::request::Parts, Bytes), (Error, Option<Route>)> {
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        let uri = http::Uri::try_from(path.as_str()).map_err(|_| {
            let e = Error::invalid_value(format!("path {:?} is not a valid path", shown(&path)));
            (e, None)
        })?;
        let route = Route::parse(uri.path(), &self.inner.mount).map_err(|e| (e, None))?;
        let fits = matches!(
            (&route, method),
            (Route::Collection(_), BulkMethod::Post)
                | (
                    Route::Item(..),
                    BulkMethod::Put | BulkMethod::Patch | BulkMethod::Delete
                )
        );
        if !fits {
            let want = if method == BulkMethod::Post {
                "a resource type endpoint such as /Users"
            } else {
                "a resource such as /Users/{id}"
            };
            let e = Error::invalid_value(format!(
                "the path of a bulk {} must be {want}, not {:?}",
                method.as_str(),
                shown(&path)
            ));
            return Err((e, None));
        }
        let body = data
            .map(|d| serde_json::to_vec(d).unwrap_or_default())
            .unwrap_or_default();
        self.check_body(Some(&route), body.len())
            .map_err(|e| (e, Some(route.clone())))?;
        let (mut parts, ()) = Request::new(()).into_parts();
        parts.method = method.http();
        parts.uri = uri;
        if let Some(v) = version {
            let value = HeaderValue::from_str(v).map_err(|_| {
                let e = Error::invalid_value("version is not a valid entity tag");
                (e, Some(route.clone()))
            })?;
            parts.headers.insert(IF_MATCH, value);
        }
        Ok((route, parts, Bytes::from(body)))
    }

    /// The URL of the resource an item route addresses.
    fn item_location(&self, route: &Route) -> Option<String> {
        match route {
            Route::Item(Kind::User, id) => Some(self.location_of::<User>(id)),
            Route::Item(Kind::Group, id) => Some(self.location_of::<Group>(id)),
            _ => None,
        }
    }
}

/// The id at the end of a resource URL (percent-decoded).
fn last_segment(url: &str) -> Option<String> {
    let seg = url.rsplit('/').next().filter(|s| !s.is_empty())?;
    percent_decode_str(seg)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_created_id_is_the_decoded_last_segment() {
        assert_eq!(
            last_segment("https://x/v2/Users/a%20b%2Fc").as_deref(),
            Some("a b/c")
        );
        assert_eq!(last_segment("https://x/v2/Users/").as_deref(), None);
        assert_eq!(last_segment("https://x/v2/Users/%FF").as_deref(), None);
    }
}
