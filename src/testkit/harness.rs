//! The kit's test bench: a fresh backend behind a [`ScimServer`] with one key for each of two
//! tenants, requests sent through `ScimServer::handle`, and JSON matching
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

use super::BackendFactory;
use super::failure::{Outcome, Step};
use crate::auth::{
    ApiKeyStore, BearerKeyAuthenticator, Context, MemoryKeyStore, Principal, Secret,
};
use crate::backend::IdentityBackend;
use crate::server::ScimServer;
use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use serde_json::Value;
use std::sync::Arc;

/// Where the kit's server believes it is mounted.
pub(crate) const BASE: &str = "http://scim.test/scim/v2";
/// The media type of every SCIM body (RFC 7644 §3.1).
pub(crate) const SCIM_MEDIA_TYPE: &str = "application/scim+json";
/// The two tenants of the kit, and the key of each.
const TENANTS: [(&str, &str); 2] = [
    ("kit-tenant-a", "kit-key-of-tenant-a-0123456789"),
    ("kit-tenant-b", "kit-key-of-tenant-b-0123456789"),
];

/// Tenant A or B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tenant {
    A,
    B,
}

impl Tenant {
    fn entry(self) -> (&'static str, &'static str) {
        match self {
            Tenant::A => TENANTS[0],
            Tenant::B => TENANTS[1],
        }
    }

    /// The backend context of this tenant.
    pub(crate) fn ctx(self) -> Context {
        Context::new(self.entry().0, Principal::new("testkit"))
    }

    /// The bearer key of this tenant.
    pub(crate) fn key(self) -> &'static str {
        self.entry().1
    }
}

/// A fresh backend and a server over it.
#[derive(Clone)]
pub(crate) struct Bench {
    pub(crate) backend: Arc<dyn IdentityBackend>,
    pub(crate) server: ScimServer,
}

impl Bench {
    /// A fresh backend from `factory`, served with one key per tenant.
    pub(crate) async fn new<F: BackendFactory + ?Sized>(factory: &F) -> Outcome<Self> {
        let backend = factory.backend().await;
        let keys = Arc::new(MemoryKeyStore::new());
        for tenant in [Tenant::A, Tenant::B] {
            keys.insert_known(&tenant.ctx().tenant, None, &Secret::new(tenant.key()))
                .await
                .step("the kit's key store")?;
        }
        let server = ScimServer::builder()
            .backend(backend.clone())
            .authenticator(Arc::new(BearerKeyAuthenticator::new(keys)))
            .base_url(BASE)
            .build()
            .step("building a ScimServer over the backend")?;
        Ok(Bench { backend, server })
    }

    /// `GET path` as tenant A, which must answer 200.
    pub(crate) async fn get_ok(&self, path: &str) -> Outcome<Answer> {
        self.call(Tenant::A, Method::GET, path, None, &[])
            .await?
            .expect(200)
    }

    /// `POST path` with `body` as tenant A, which must answer 201 Created.
    pub(crate) async fn create(&self, path: &str, body: &Value) -> Outcome<Answer> {
        self.call(Tenant::A, Method::POST, path, Some(body), &[])
            .await?
            .expect(201)
    }

    /// `method path` with `body` as tenant A, with `If-Match: if_match` when given.
    pub(crate) async fn write(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Outcome<Answer> {
        let headers: Vec<(&str, &str)> = if_match.map(|v| ("If-Match", v)).into_iter().collect();
        self.call(Tenant::A, method, path, body, &headers).await
    }

    /// Sends `method path` with `body` (as `application/scim+json`) and `headers` as `tenant`.
    pub(crate) async fn call(
        &self,
        tenant: Tenant,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Outcome<Answer> {
        let what = format!("{method} {path}");
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{BASE}{path}"))
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {}", tenant.key()),
            );
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let bytes = match body {
            Some(b) => {
                builder = builder.header(http::header::CONTENT_TYPE, SCIM_MEDIA_TYPE);
                Bytes::from(serde_json::to_vec(b).step(&what)?)
            }
            None => Bytes::new(),
        };
        let request = builder.body(bytes).step(&what)?;
        Answer::of(&what, self.server.handle(request).await)
    }
}

/// A response, its body parsed (`Null` when empty).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) what: String,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

impl Answer {
    fn of(what: &str, response: http::Response<Bytes>) -> Outcome<Self> {
        let (parts, raw) = response.into_parts();
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw).step(&format!("{what}: the response body"))?
        };
        Ok(Answer {
            what: what.to_owned(),
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    /// A header as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Ok(self)` when the status is `want`; otherwise an error naming the request.
    pub(crate) fn expect(self, want: u16) -> Outcome<Self> {
        if self.status == want {
            Ok(self)
        } else {
            Err(format!(
                "{}: status {}, expected {want}; body: {}",
                self.what, self.status, self.body
            ))
        }
    }

    /// The string at a JSON pointer of the body.
    pub(crate) fn str_at(&self, pointer: &str) -> Outcome<String> {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("{}: no string at {pointer} in {}", self.what, self.body))
    }

    /// The `value`s of the multi-valued attribute `name` (e.g. a group's `members`).
    pub(crate) fn values_of(&self, name: &str) -> Vec<String> {
        at(&self.body, name)
            .as_array()
            .map(|m| {
                m.iter()
                    .filter_map(|x| at(x, "value").as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `totalResults` of a ListResponse.
    pub(crate) fn total(&self) -> Outcome<u64> {
        at(&self.body, "totalResults")
            .as_u64()
            .ok_or_else(|| format!("{}: no totalResults in {}", self.what, self.body))
    }

    /// The `id`s of a ListResponse's `Resources`.
    pub(crate) fn ids(&self) -> Vec<String> {
        at(&self.body, "Resources")
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|x| at(x, "id").as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `value[key]` (`Null` when `value` has no `key`, as serde_json's own indexing answers).
pub(crate) fn at<'a>(value: &'a Value, key: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    value.get(key).unwrap_or(&NULL)
}

/// Whether `expected` is a subset of `actual`: expected objects are subsets; arrays match
/// element-wise in any order with equal length; scalars are equal (numbers by value).
/// `Err` names the first JSON path that differs.
pub(crate) fn subset(expected: &Value, actual: &Value, at: &str) -> Outcome {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (key, value) in want {
                let got = got
                    .get(key)
                    .ok_or_else(|| format!("{at}/{key}: missing (expected {value})"))?;
                subset(value, got, &format!("{at}/{key}"))?;
            }
            Ok(())
        }
        (Value::Array(want), Value::Array(got)) => {
            if want.len() != got.len() {
                return Err(format!(
                    "{at}: expected {} elements, got {}: {actual}",
                    want.len(),
                    got.len()
                ));
            }
            let mut unused: Vec<&Value> = got.iter().collect();
            for element in want {
                let found = unused
                    .iter()
                    .position(|g| subset(element, g, at).is_ok())
                    .ok_or_else(|| format!("{at}: no element matches {element} in {actual}"))?;
                unused.remove(found);
            }
            Ok(())
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => Ok(()),
        (a, b) if a == b && !a.is_object() && !a.is_array() => Ok(()),
        _ => Err(format!("{at}: expected {expected}, got {actual}")),
    }
}

/// The PATCH body of these operations (RFC 7644 §3.5.2).
pub(crate) fn patch_body(operations: Value) -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations,
    })
}

/// A filter as a query string value: percent-encoded.
pub(crate) fn filter_query(filter: &str) -> String {
    let encoded: String =
        percent_encoding::utf8_percent_encode(filter, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    format!("filter={encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_matching_rules() {
        let actual = json!({"a": [{"v": 1, "t": "x"}, {"v": 2}], "n": 1.0, "s": "S"});
        assert!(subset(&json!({"a": [{"v": 2}, {"t": "x"}]}), &actual, "").is_ok());
        assert!(subset(&json!({"n": 1}), &actual, "").is_ok());
        assert!(subset(&json!({"a": [{"v": 1}]}), &actual, "").is_err());
        assert!(subset(&json!({"a": [{"v": 1}, {"v": 1}]}), &actual, "").is_err());
        assert!(subset(&json!({"s": "s"}), &actual, "").is_err());
        assert!(subset(&json!({"missing": null}), &actual, "").is_err());
        assert!(subset(&json!({"n": true}), &actual, "").is_err());
    }

    #[test]
    fn filters_are_percent_encoded() {
        assert_eq!(
            filter_query(r#"userName eq "a b""#),
            "filter=userName%20eq%20%22a%20b%22"
        );
    }
}
