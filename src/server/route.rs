//! Routing: (method, path) → what the request addresses
//! ([RFC 7644 §3.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.2), the endpoint table).

use crate::Error;
use crate::schema::ResourceSchema;
use http::{Method, StatusCode};
use percent_encoding::percent_decode_str;

/// The resource types the server dispatches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `/Users` ([RFC 7643 §4.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1)).
    User,
    /// `/Groups` ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2)).
    Group,
    /// A resource type registered at run time
    /// ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6)): its index among the
    /// server's custom types.
    Custom(usize),
}

impl Kind {
    fn from_endpoint(seg: &str) -> Option<Self> {
        if seg.eq_ignore_ascii_case("Users") {
            Some(Kind::User)
        } else if seg.eq_ignore_ascii_case("Groups") {
            Some(Kind::Group)
        } else {
            None
        }
    }
}

/// What a request addresses, relative to the mount path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/Users`, `/Groups`: list (GET) and create (POST).
    Collection(Kind),
    /// `/Users/{id}`, `/Groups/{id}`: get, replace, patch, delete.
    Item(Kind, String),
    /// `POST /.search` (all types) or `POST /Users/.search` (one type) (RFC 7644 §3.4.3).
    Search(Option<Kind>),
    /// `GET /` with query parameters: a query over every resource type (RFC 7644 §3.4.2.1).
    Root,
    /// `/ServiceProviderConfig` (RFC 7644 §4).
    ServiceProviderConfig,
    /// `/ResourceTypes` or `/ResourceTypes/{name}`.
    ResourceTypes(Option<String>),
    /// `/Schemas` or `/Schemas/{id}`.
    Schemas(Option<String>),
    /// `/Bulk` (RFC 7644 §3.7): many resource operations in one request.
    Bulk,
    /// `/Me` (RFC 7644 §3.11): the User resource of the authenticated caller.
    Me,
}

impl Route {
    /// Parses a request path. `mount` is the path prefix the server is mounted under
    /// (e.g. `/scim/v2`); it is stripped when the path starts with it, so the server works both
    /// behind a framework that strips the prefix (axum's `nest_service`) and one that does not.
    #[cfg(test)]
    pub(crate) fn parse(path: &str, mount: &str) -> Result<Route, Error> {
        Self::parse_with(path, mount, &[])
    }

    /// [`Route::parse`] with the custom resource types the server serves: a first segment that
    /// is one of their endpoints (case-insensitive) routes to [`Kind::Custom`] with its index.
    pub(crate) fn parse_with(
        path: &str,
        mount: &str,
        custom: &[std::sync::Arc<ResourceSchema>],
    ) -> Result<Route, Error> {
        let rest = strip_mount(path, mount);
        let mut segs = rest.split('/').filter(|s| !s.is_empty());
        let first = segs.next();
        let second = segs.next();
        if segs.next().is_some() {
            return Err(not_found(path));
        }
        let Some(first) = first else {
            return Ok(Route::Root);
        };
        let decoded = |s: &str| -> Result<String, Error> {
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| {
                    Error::invalid_value("a path segment is not valid UTF-8 once percent-decoded")
                })
        };
        let custom_kind = || {
            custom
                .iter()
                .position(|t| {
                    t.resource_type()
                        .endpoint
                        .trim_matches('/')
                        .eq_ignore_ascii_case(first)
                })
                .map(Kind::Custom)
        };
        if let Some(kind) = Kind::from_endpoint(first).or_else(custom_kind) {
            return Ok(match second {
                None => Route::Collection(kind),
                Some(".search") => Route::Search(Some(kind)),
                Some(id) => Route::Item(kind, decoded(id)?),
            });
        }
        let eq = |name: &str| first.eq_ignore_ascii_case(name);
        let route = if first == ".search" && second.is_none() {
            Route::Search(None)
        } else if eq("ServiceProviderConfig") && second.is_none() {
            Route::ServiceProviderConfig
        } else if eq("ResourceTypes") {
            Route::ResourceTypes(second.map(decoded).transpose()?)
        } else if eq("Schemas") {
            Route::Schemas(second.map(decoded).transpose()?)
        } else if eq("Bulk") && second.is_none() {
            Route::Bulk
        } else if eq("Me") && second.is_none() {
            Route::Me
        } else {
            return Err(not_found(path));
        };
        Ok(route)
    }

    /// The methods this route answers (RFC 7644 §3.2); anything else is 405 with `Allow`.
    pub(crate) fn allowed(&self) -> &'static [Method] {
        match self {
            Route::Collection(_) => &[Method::GET, Method::POST],
            Route::Item(..) => &[Method::GET, Method::PUT, Method::PATCH, Method::DELETE],
            Route::Search(_) => &[Method::POST],
            Route::Root => &[Method::GET],
            Route::ServiceProviderConfig | Route::ResourceTypes(_) | Route::Schemas(_) => {
                &[Method::GET]
            }
            Route::Bulk => &[Method::POST],
            Route::Me => &[
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ],
        }
    }

    /// 405 unless `method` is one of [`Route::allowed`] (SCIM defines no HEAD or OPTIONS).
    pub(crate) fn check_method(&self, method: &Method) -> Result<(), Error> {
        if self.allowed().contains(method) {
            Ok(())
        } else {
            Err(Error::with_status(
                StatusCode::METHOD_NOT_ALLOWED,
                None,
                format!("{method} is not allowed here"),
            ))
        }
    }

    /// The route template, e.g. `/Users/{id}`: what a log line names, never the client's own
    /// path text (ids) or query.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn template(&self) -> &'static str {
        match self {
            Route::Collection(Kind::User) => "/Users",
            Route::Collection(Kind::Group) => "/Groups",
            Route::Item(Kind::User, _) => "/Users/{id}",
            Route::Item(Kind::Group, _) => "/Groups/{id}",
            Route::Collection(Kind::Custom(_)) => "/{resourceType}",
            Route::Item(Kind::Custom(_), _) => "/{resourceType}/{id}",
            Route::Search(Some(Kind::Custom(_))) => "/{resourceType}/.search",
            Route::Search(Some(Kind::User)) => "/Users/.search",
            Route::Search(Some(Kind::Group)) => "/Groups/.search",
            Route::Search(None) => "/.search",
            Route::Root => "/",
            Route::ServiceProviderConfig => "/ServiceProviderConfig",
            Route::ResourceTypes(None) => "/ResourceTypes",
            Route::ResourceTypes(Some(_)) => "/ResourceTypes/{name}",
            Route::Schemas(None) => "/Schemas",
            Route::Schemas(Some(_)) => "/Schemas/{id}",
            Route::Bulk => "/Bulk",
            Route::Me => "/Me",
        }
    }

    /// The `Allow` header value for a 405.
    pub(crate) fn allow_header(&self) -> String {
        self.allowed()
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn strip_mount<'a>(path: &'a str, mount: &str) -> &'a str {
    let mount = mount.trim_end_matches('/');
    if mount.is_empty() {
        return path;
    }
    match path.strip_prefix(mount) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => path,
    }
}

fn not_found(path: &str) -> Error {
    // The path is the client's own input; echo only a bounded prefix of it.
    let shown: String = path.chars().take(200).collect();
    Error::not_found(format!("no SCIM endpoint at {shown}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(p: &str) -> Result<Route, Error> {
        Route::parse(p, "/scim/v2")
    }

    #[test]
    fn resource_routes() {
        assert_eq!(r("/Users").unwrap(), Route::Collection(Kind::User));
        assert_eq!(r("/scim/v2/Users/").unwrap(), Route::Collection(Kind::User));
        assert_eq!(
            r("/scim/v2/Groups/abc").unwrap(),
            Route::Item(Kind::Group, "abc".into())
        );
        assert_eq!(
            r("/Users/a%20b%2Fc").unwrap(),
            Route::Item(Kind::User, "a b/c".into())
        );
        assert_eq!(
            r("/Users/.search").unwrap(),
            Route::Search(Some(Kind::User))
        );
        assert_eq!(r("/scim/v2/.search").unwrap(), Route::Search(None));
        assert_eq!(r("/scim/v2").unwrap(), Route::Root);
        assert_eq!(r("/").unwrap(), Route::Root);
        assert_eq!(r("").unwrap(), Route::Root);
        assert_eq!(r("/users").unwrap(), Route::Collection(Kind::User));
    }

    #[test]
    fn custom_types_route_by_endpoint() {
        let mut reg = crate::schema::SchemaRegistry::rfc();
        let urn = "urn:example:scim:schemas:core:1.0:Device";
        reg.register_schema(crate::schema::Schema::new(urn, "Device", "", vec![]));
        reg.register_resource_type(crate::schema::ResourceType::new(
            "Device", "/Devices", "", urn,
        ))
        .unwrap();
        let custom: Vec<_> = reg.resource_types().skip(2).cloned().collect();
        let p = |path| Route::parse_with(path, "/v2", &custom);
        assert_eq!(
            p("/v2/devices").unwrap(),
            Route::Collection(Kind::Custom(0))
        );
        assert_eq!(
            p("/Devices/d%201").unwrap(),
            Route::Item(Kind::Custom(0), "d 1".into())
        );
        assert_eq!(
            p("/Devices/.search").unwrap(),
            Route::Search(Some(Kind::Custom(0)))
        );
        assert_eq!(
            p("/Devices/.search").unwrap().template(),
            "/{resourceType}/.search"
        );
        assert_eq!(p("/Gadgets").unwrap_err().status(), 404);
        assert_eq!(r("/Devices").unwrap_err().status(), 404);
    }

    #[test]
    fn discovery_routes() {
        assert_eq!(
            r("/ServiceProviderConfig").unwrap(),
            Route::ServiceProviderConfig
        );
        assert_eq!(r("/ResourceTypes").unwrap(), Route::ResourceTypes(None));
        assert_eq!(
            r("/ResourceTypes/User").unwrap(),
            Route::ResourceTypes(Some("User".into()))
        );
        assert_eq!(
            r("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").unwrap(),
            Route::Schemas(Some("urn:ietf:params:scim:schemas:core:2.0:User".into()))
        );
        assert_eq!(r("/Bulk").unwrap(), Route::Bulk);
        assert_eq!(r("/Me").unwrap(), Route::Me);
    }

    #[test]
    fn unknown_paths_are_404() {
        for p in [
            "/Nope",
            "/Users/a/b",
            "/ServiceProviderConfig/x",
            "/scim/v2x/Users",
            "/Me/x",
            "/Bulk/x",
        ] {
            assert_eq!(r(p).unwrap_err().status(), 404, "{p}");
        }
    }

    #[test]
    fn segments_that_are_not_utf8_are_400_never_lossy() {
        for p in [
            "/Users/%FF",
            "/Groups/%ff%fe",
            "/Users/%ED%A0%80",
            "/ResourceTypes/%C3",
            "/Schemas/urn%FF",
        ] {
            let e = r(p).unwrap_err();
            assert_eq!(e.status(), 400, "{p}");
            assert_eq!(e.scim_type(), Some(crate::ScimType::InvalidValue), "{p}");
        }
    }

    #[test]
    fn templates_name_no_ids() {
        assert_eq!(r("/Users/abc").unwrap().template(), "/Users/{id}");
        assert_eq!(r("/Groups/.search").unwrap().template(), "/Groups/.search");
        assert_eq!(r("/Schemas/urn:x").unwrap().template(), "/Schemas/{id}");
        assert_eq!(r("/").unwrap().template(), "/");
    }

    #[test]
    fn mount_prefix_only_on_a_segment_boundary() {
        assert_eq!(Route::parse("/v2Users", "/v2").unwrap_err().status(), 404);
        assert_eq!(
            Route::parse("/v2/Users", "/v2/").unwrap(),
            Route::Collection(Kind::User)
        );
        assert_eq!(
            Route::parse("/Users", "").unwrap(),
            Route::Collection(Kind::User)
        );
    }

    #[test]
    fn methods() {
        let c = Route::Collection(Kind::User);
        assert!(c.check_method(&Method::POST).is_ok());
        assert_eq!(c.check_method(&Method::DELETE).unwrap_err().status(), 405);
        assert_eq!(c.allow_header(), "GET, POST");
        assert!(Route::Search(None).check_method(&Method::GET).is_err());
    }
}
