//! Who is calling: the tenant a request acts in and the principal that authenticated
//! ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2): the service provider
//! authenticates the client and authorizes it for a set of resources).
//!
//! Public as [`crate::auth::Context`] (and the crate root); a module of its own below `auth`,
//! `audit` and `backend`, which all speak of the caller, so that none of them depends on
//! another for it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A tenant: the partition of resources a key is allowed to see
/// ([RFC 7644 §6](https://www.rfc-editor.org/rfc/rfc7644#section-6), multi-tenancy).
///
/// Every backend call carries the tenant of the authenticated key; a backend keeps the data of
/// different tenants apart, also for lookups by `id`. Cheap to clone (`Arc<str>` inside).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(Arc<str>);

impl TenantId {
    /// The longest tenant id [`TenantId::parse`] accepts.
    pub const MAX_LEN: usize = 128;

    /// A tenant id, taken as given (for ids that come from configuration or a trusted store).
    pub fn new(id: impl AsRef<str>) -> Self {
        TenantId(Arc::from(id.as_ref()))
    }

    /// A tenant id that came from outside (e.g. a URL path segment): 1 to
    /// [`TenantId::MAX_LEN`] characters from the URI "unreserved" set of
    /// [RFC 3986 §2.3](https://www.rfc-editor.org/rfc/rfc3986#section-2.3)
    /// (`A-Z a-z 0-9 - . _ ~`); anything else is `None`.
    pub fn parse(id: &str) -> Option<Self> {
        let ok = !id.is_empty()
            && id.len() <= Self::MAX_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        ok.then(|| TenantId::new(id))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TenantId({:?})", &*self.0)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for TenantId {
    fn from(s: &str) -> Self {
        TenantId::new(s)
    }
}

impl From<String> for TenantId {
    fn from(s: String) -> Self {
        TenantId(Arc::from(s))
    }
}

/// Who authenticated: e.g. `key:<key id>` for a SCIM API key, `admin` for the admin token
/// ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)), and, when the
/// authenticator knows it, the id of the User resource the caller is
/// ([`Principal::with_user_id`]; what `/Me` acts on,
/// [RFC 7644 §3.11](https://www.rfc-editor.org/rfc/rfc7644#section-3.11)).
///
/// Backends may record it (audit logs, `meta` of their own); it never grants access by itself:
/// access is decided by the [`TenantId`]. Cheap to clone. Serialized as its name only.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    name: Arc<str>,
    user_id: Option<Arc<str>>,
}

impl Principal {
    /// A principal with a free-form name.
    pub fn new(name: impl AsRef<str>) -> Self {
        Principal {
            name: Arc::from(name.as_ref()),
            user_id: None,
        }
    }

    /// The principal of an API key: `key:<key id>`.
    pub fn api_key(key_id: &str) -> Self {
        Principal::new(format!("key:{key_id}"))
    }

    /// The same principal mapped to the User resource with this `id` (in the request's
    /// tenant): `/Me` then addresses that user
    /// ([RFC 7644 §3.11](https://www.rfc-editor.org/rfc/rfc7644#section-3.11)). An
    /// authenticator sets it when it knows which user the caller is, e.g. from a token claim.
    ///
    /// ```
    /// use scimitar::auth::Principal;
    /// let p = Principal::new("oidc:alice").with_user_id("2819c223-7f76-453a-919d-413861904646");
    /// assert_eq!(p.user_id(), Some("2819c223-7f76-453a-919d-413861904646"));
    /// assert_eq!(Principal::new("entra").user_id(), None);
    /// ```
    pub fn with_user_id(mut self, id: impl AsRef<str>) -> Self {
        self.user_id = Some(Arc::from(id.as_ref()));
        self
    }

    /// The id of the User resource the caller is, if the authenticator mapped one
    /// ([RFC 7644 §3.11](https://www.rfc-editor.org/rfc/rfc7644#section-3.11)).
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.user_id {
            Some(id) => write!(f, "Principal({:?}, user {:?})", &*self.name, &**id),
            None => write!(f, "Principal({:?})", &*self.name),
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Serialize for Principal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for Principal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Principal::new)
    }
}

macro_rules! string_serde {
    ($t:ident) => {
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(|s| $t(Arc::from(s)))
            }
        }
    };
}
string_serde!(TenantId);

/// The authenticated caller of one request: the tenant it acts in and who it is
/// ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)).
///
/// Produced by an [`Authenticator`](crate::auth::Authenticator), passed to every
/// [`IdentityBackend`](crate::backend::IdentityBackend) call. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Context {
    /// The tenant whose resources the request may see and change.
    pub tenant: TenantId,
    /// Who authenticated.
    pub principal: Principal,
}

impl Context {
    /// A context for `tenant` and `principal`.
    pub fn new(tenant: impl Into<TenantId>, principal: Principal) -> Self {
        Context {
            tenant: tenant.into(),
            principal,
        }
    }

    /// The tenant.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The principal.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The id of the User resource the caller is, if the authenticator mapped one
    /// ([`Principal::with_user_id`]; `/Me`,
    /// [RFC 7644 §3.11](https://www.rfc-editor.org/rfc/rfc7644#section-3.11)).
    pub fn user_id(&self) -> Option<&str> {
        self.principal.user_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_parse_accepts_only_unreserved_characters() {
        assert_eq!(
            TenantId::parse("org-1.a_b~c").unwrap().as_str(),
            "org-1.a_b~c"
        );
        for bad in ["", "a/b", "a b", "a%2F", "é", &"x".repeat(129)] {
            assert!(TenantId::parse(bad).is_none(), "{bad:?}");
        }
        assert!(TenantId::parse(&"x".repeat(128)).is_some());
    }

    #[test]
    fn context_is_cheap_to_clone_and_compares_by_value() {
        let a = Context::new("t1", Principal::api_key("k1"));
        let b = a.clone();
        assert_eq!(a, b);
        assert_eq!(b.principal.as_str(), "key:k1");
        assert_eq!(b.tenant().to_string(), "t1");
        assert_eq!(serde_json::to_string(&a.tenant).unwrap(), "\"t1\"");
        assert_eq!(a.user_id(), None);
    }

    #[test]
    fn principal_maps_to_a_user() {
        let p = Principal::new("oidc:alice").with_user_id("u1");
        let ctx = Context::new("t1", p.clone());
        assert_eq!(ctx.user_id(), Some("u1"));
        assert_ne!(p, Principal::new("oidc:alice"));
        assert_eq!(format!("{p:?}"), r#"Principal("oidc:alice", user "u1")"#);
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"oidc:alice\"");
        let back: Principal = serde_json::from_str("\"oidc:alice\"").unwrap();
        assert_eq!(back.user_id(), None);
    }
}
