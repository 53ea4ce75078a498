//! The discovery endpoints: `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`
//! ([RFC 7644 §4](https://www.rfc-editor.org/rfc/rfc7644#section-4),
//! [RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5),
//! [§6](https://www.rfc-editor.org/rfc/rfc7643#section-6),
//! [§7](https://www.rfc-editor.org/rfc/rfc7643#section-7)).

use super::Limits;
use super::ScimServer;
use super::params::ListParams;
use super::response::{Reply, list_response};
use super::route::Route;
use crate::Error;
use crate::backend::{BulkSupport, Capabilities};
use crate::schema::SchemaRegistry;
use http::StatusCode;
use http::request::Parts;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The `ServiceProviderConfig` schema URN (RFC 7643 §5).
pub(crate) const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// One entry of `authenticationSchemes` (RFC 7643 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthScheme {
    pub(crate) kind: &'static str,
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) spec_uri: &'static str,
}

/// The bearer-token scheme (RFC 6750), as RFC 7643 §8.5 shows it.
pub(crate) const OAUTH_BEARER: AuthScheme = AuthScheme {
    kind: "oauthbearertoken",
    name: "OAuth Bearer Token",
    description: "Authentication with a bearer token (the SCIM key) in the Authorization header",
    spec_uri: "https://www.rfc-editor.org/info/rfc6750",
};

/// The `ServiceProviderConfig` resource (RFC 7643 §5, example §8.5): the backend's
/// capabilities, `filter.maxResults` no larger than the server's page limit, and `bulk` as the
/// server serves it (the server runs bulk operations itself, whatever the backend declares:
/// [RFC 7644 §3.7](https://www.rfc-editor.org/rfc/rfc7644#section-3.7)).
pub(crate) fn service_provider_config(
    caps: &Capabilities,
    max_count: usize,
    bulk: BulkSupport,
    documentation_uri: Option<&str>,
    schemes: &[AuthScheme],
    base_url: &str,
) -> Value {
    let schemes: Vec<Value> = schemes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "type": s.kind,
                "name": s.name,
                "description": s.description,
                "specUri": s.spec_uri,
                "primary": i == 0,
            })
        })
        .collect();
    let mut map = Map::new();
    map.insert("schemas".into(), json!([SPC_SCHEMA]));
    if let Some(uri) = documentation_uri {
        map.insert("documentationUri".into(), Value::String(uri.to_owned()));
    }
    map.extend(caps.to_service_provider_config());
    map.insert(
        "bulk".into(),
        json!({
            "supported": bulk.supported,
            "maxOperations": bulk.max_operations,
            "maxPayloadSize": bulk.max_payload_size,
        }),
    );
    if let Some(Value::Object(filter)) = map.get_mut("filter") {
        filter.insert("maxResults".into(), json!(caps.max_results.min(max_count)));
    }
    map.insert("authenticationSchemes".into(), Value::Array(schemes));
    map.insert(
        "meta".into(),
        json!({
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", base_url.trim_end_matches('/')),
        }),
    );
    Value::Object(map)
}

/// The `pagination` attribute of `/ServiceProviderConfig`
/// ([RFC 9865 §4](https://www.rfc-editor.org/rfc/rfc9865#section-4)): index paging always,
/// cursor paging when the backend walks; index is the default method (a request without
/// `cursor` pages by index, as RFC 7644 clients expect); the default and largest page are the
/// server's page limit; `cursorTimeout` is the server's cursor lifetime in whole seconds.
pub(crate) fn pagination(caps: &Capabilities, max_count: usize, cursor_timeout: Duration) -> Value {
    let page = caps.max_results.min(max_count);
    let mut m = Map::new();
    m.insert("cursor".into(), Value::Bool(caps.cursor));
    m.insert("index".into(), Value::Bool(true));
    m.insert("defaultPaginationMethod".into(), json!("index"));
    m.insert("defaultPageSize".into(), json!(page));
    m.insert("maxPageSize".into(), json!(page));
    // a positive number of seconds; a sub-second timeout (tests) is not advertised
    if caps.cursor && cursor_timeout.as_secs() > 0 {
        m.insert("cursorTimeout".into(), json!(cursor_timeout.as_secs()));
    }
    Value::Object(m)
}

impl ScimServer {
    /// `GET /ServiceProviderConfig`, `/ResourceTypes[/{name}]`, `/Schemas[/{id}]`
    /// ([RFC 7644 §4](https://www.rfc-editor.org/rfc/rfc7644#section-4)).
    pub(super) fn discovery(&self, route: &Route, parts: &Parts) -> Result<Reply, Reply> {
        let params = ListParams::from_query(parts.uri.query())?;
        refuse_filter(params.filter.is_some())?;
        let base = &self.inner.base_url;
        Ok(match route {
            Route::ResourceTypes(name) => {
                resource_types(&self.inner.schemas, name.as_deref(), base)
            }
            Route::Schemas(id) => schemas(&self.inner.schemas, id.as_deref(), base),
            _ => {
                let mut spc = service_provider_config(
                    &self.inner.capabilities,
                    self.inner.limits.max_count,
                    bulk_support(&self.inner.limits),
                    self.inner.documentation_uri.as_deref(),
                    &[OAUTH_BEARER],
                    base,
                );
                if let Value::Object(m) = &mut spc {
                    m.insert(
                        "pagination".into(),
                        pagination(
                            &self.inner.capabilities,
                            self.inner.limits.max_count,
                            self.inner.cursor.timeout(),
                        ),
                    );
                }
                Reply::json(StatusCode::OK, spc)
            }
        })
    }
}

/// `bulk` of `/ServiceProviderConfig` from the server's [`Limits`]
/// ([RFC 7644 §3.7.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.4)).
pub(crate) fn bulk_support(limits: &Limits) -> BulkSupport {
    if limits.bulk_enabled() {
        BulkSupport {
            supported: true,
            max_operations: limits.max_bulk_operations,
            max_payload_size: limits.max_bulk_payload_bytes,
        }
    } else {
        BulkSupport::default()
    }
}

/// RFC 7644 §4: query parameters on the discovery endpoints are ignored, but a `filter`
/// SHOULD be answered 403 so a client cannot believe its conditions were applied.
pub(crate) fn refuse_filter(has_filter: bool) -> Result<(), Error> {
    if has_filter {
        Err(Error::with_status(
            StatusCode::FORBIDDEN,
            None,
            "filtering is not supported on the discovery endpoints (RFC 7644 §4)",
        ))
    } else {
        Ok(())
    }
}

/// `GET /ResourceTypes` (a ListResponse) or `GET /ResourceTypes/{name}` (the one type, or 404).
pub(crate) fn resource_types(
    registry: &SchemaRegistry,
    name: Option<&str>,
    base_url: &str,
) -> Reply {
    match name {
        None => {
            let all: Vec<Value> = registry
                .resource_types()
                .map(|t| t.resource_type().to_json(Some(base_url)))
                .collect();
            Reply::json(StatusCode::OK, list_response(all.len(), 1, all))
        }
        Some(name) => match registry
            .resource_types()
            .find(|t| t.resource_type().id.eq_ignore_ascii_case(name))
        {
            Some(t) => Reply::json(StatusCode::OK, t.resource_type().to_json(Some(base_url))),
            None => Reply::error(&Error::not_found(format!(
                "no resource type {}",
                bounded(name)
            ))),
        },
    }
}

/// `GET /Schemas` (a ListResponse) or `GET /Schemas/{id}` (the schema, or 404).
pub(crate) fn schemas(registry: &SchemaRegistry, id: Option<&str>, base_url: &str) -> Reply {
    match id {
        None => {
            let all: Vec<Value> = registry
                .schemas()
                .map(|s| s.to_json(Some(base_url)))
                .collect();
            Reply::json(StatusCode::OK, list_response(all.len(), 1, all))
        }
        Some(id) => match registry.schema(id) {
            Some(s) => Reply::json(StatusCode::OK, s.to_json(Some(base_url))),
            None => Reply::error(&Error::not_found(format!("no schema {}", bounded(id)))),
        },
    }
}

fn bounded(s: &str) -> String {
    s.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};

    const BASE: &str = "https://example.com/scim/v2";

    fn body(r: Reply) -> (StatusCode, Value) {
        let res = r.finish();
        (
            res.status(),
            serde_json::from_slice(res.body()).unwrap_or(Value::Null),
        )
    }

    #[test]
    fn spc_declares_capabilities_and_bearer_auth() {
        let mut caps = Capabilities::scan(5000);
        caps.sort = false;
        caps.bulk.supported = true;
        let off = bulk_support(&Limits::default().with_max_bulk_operations(0));
        let v = service_provider_config(&caps, 200, off, None, &[OAUTH_BEARER], BASE);
        assert_eq!(v["schemas"], json!([SPC_SCHEMA]));
        assert_eq!(v["filter"], json!({"supported": true, "maxResults": 200}));
        assert_eq!(
            v["bulk"],
            json!({"supported": false, "maxOperations": 0, "maxPayloadSize": 0})
        );
        assert_eq!(v["patch"]["supported"], true);
        assert_eq!(v["sort"]["supported"], false);
        assert_eq!(v["etag"]["supported"], true);
        assert_eq!(v["changePassword"]["supported"], false);
        assert_eq!(v["authenticationSchemes"][0]["type"], "oauthbearertoken");
        assert_eq!(v["authenticationSchemes"][0]["primary"], true);
        assert_eq!(
            v["meta"]["location"],
            format!("{BASE}/ServiceProviderConfig")
        );
        assert!(v.get("documentationUri").is_none());
        let on = bulk_support(
            &Limits::default()
                .with_max_bulk_operations(50)
                .with_max_bulk_payload_bytes(4096),
        );
        let v = service_provider_config(&caps, 10_000, on, Some("https://d"), &[], BASE);
        assert_eq!(
            v["bulk"],
            json!({"supported": true, "maxOperations": 50, "maxPayloadSize": 4096})
        );
        assert_eq!(v["filter"]["maxResults"], 5000);
        assert_eq!(v["documentationUri"], "https://d");
    }

    #[test]
    fn schemas_list_and_by_id() {
        let reg = SchemaRegistry::default();
        let (s, v) = body(schemas(&reg, None, BASE));
        assert_eq!(s, 200);
        let ids: Vec<&str> = v["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        for want in [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA] {
            assert!(ids.contains(&want), "{want}");
        }
        assert_eq!(v["totalResults"], ids.len());
        let (s, v) = body(schemas(&reg, Some(&GROUP_SCHEMA.to_uppercase()), BASE));
        assert_eq!(s, 200);
        assert_eq!(
            v["meta"]["location"],
            format!("{BASE}/Schemas/{GROUP_SCHEMA}")
        );
        let (s, v) = body(schemas(&reg, Some("urn:nope"), BASE));
        assert_eq!(
            (s, v["status"].as_str()),
            (StatusCode::NOT_FOUND, Some("404"))
        );
    }

    #[test]
    fn resource_types_list_and_by_name() {
        let reg = SchemaRegistry::default();
        let (_, v) = body(resource_types(&reg, None, BASE));
        assert_eq!(v["totalResults"], 2);
        let (s, v) = body(resource_types(&reg, Some("Group"), BASE));
        assert_eq!(s, 200);
        assert_eq!(v["endpoint"], "/Groups");
        assert_eq!(v["meta"]["location"], format!("{BASE}/ResourceTypes/Group"));
        assert_eq!(body(resource_types(&reg, Some("Device"), BASE)).0, 404);
    }

    #[test]
    fn filter_on_discovery_is_403() {
        assert!(refuse_filter(false).is_ok());
        assert_eq!(refuse_filter(true).unwrap_err().status(), 403);
    }
}
