//! Building a [`ScimServer`]: backend, authenticator, base URL, limits, client compatibility and
//! schemas ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

use super::ConfigError;
use super::cursor::{self, CursorCodec};
use super::direct::{self, DirectPlan};
use super::{Inner, Limits, ScimServer};
use crate::audit::AuditSink;
use crate::auth::Authenticator;
use crate::backend::IdentityBackend;
use crate::compat::Compat;
use crate::schema::SchemaRegistry;
use std::sync::Arc;
use std::time::Duration;

/// Configures and builds a [`ScimServer`]; start with [`ScimServer::builder`].
///
/// The backend, the authenticator and the base URL are required; everything else has a
/// default: [`Limits::default`], lenient [`Compat`], the RFC 7643 schemas
/// ([`SchemaRegistry::rfc`]).
#[must_use]
pub struct ServerBuilder {
    backend: Option<Arc<dyn IdentityBackend>>,
    authenticator: Option<Arc<dyn Authenticator>>,
    base_url: Option<String>,
    mount_path: Option<String>,
    limits: Limits,
    compat: Compat,
    schemas: SchemaRegistry,
    documentation_uri: Option<String>,
    cursor_key: Option<Vec<u8>>,
    cursor_timeout: Duration,
    audit: Option<Arc<dyn AuditSink>>,
}

impl ServerBuilder {
    pub(super) fn new() -> Self {
        ServerBuilder {
            backend: None,
            authenticator: None,
            base_url: None,
            mount_path: None,
            limits: Limits::default(),
            compat: Compat::default(),
            schemas: SchemaRegistry::default(),
            documentation_uri: None,
            cursor_key: None,
            cursor_timeout: cursor::DEFAULT_CURSOR_TIMEOUT,
            audit: None,
        }
    }

    /// Where identities are stored (required): e.g. `Arc::new(MemoryBackend::new())`.
    pub fn backend(mut self, backend: Arc<dyn IdentityBackend>) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Who may call (required): turns each request's headers into a tenant and principal
    /// ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)).
    pub fn authenticator(mut self, authenticator: Arc<dyn Authenticator>) -> Self {
        self.authenticator = Some(authenticator);
        self
    }

    /// The public base URL of the SCIM service (required), e.g. `https://id.example.com/scim/v2`:
    /// `meta.location` and `Location` headers are built from it
    /// ([RFC 7644 §3.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.1)). Its path is also
    /// the default [mount path](ServerBuilder::mount_path).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The path prefix stripped from request paths before routing (default: the base URL's
    /// path). A request whose path does not start with it is routed as is, so the server works
    /// both behind a framework that strips the prefix (axum's `nest_service`) and one that
    /// passes the full path.
    pub fn mount_path(mut self, path: impl Into<String>) -> Self {
        self.mount_path = Some(path.into());
        self
    }

    /// The request bounds (default [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Which known client deviations are accepted (default: all of them; see [`Compat`]).
    pub fn compat(mut self, compat: Compat) -> Self {
        self.compat = compat;
        self
    }

    /// The schemas and resource types served by `/Schemas` and `/ResourceTypes` and used to
    /// validate, filter, patch and project resources (default [`SchemaRegistry::rfc`]). It must
    /// hold the `User` and `Group` resource types.
    pub fn schemas(mut self, schemas: SchemaRegistry) -> Self {
        self.schemas = schemas;
        self
    }

    /// `documentationUri` of `/ServiceProviderConfig`
    /// ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5)).
    pub fn documentation_uri(mut self, uri: impl Into<String>) -> Self {
        self.documentation_uri = Some(uri.into());
        self
    }

    /// The key that seals cursors ([RFC 9865](https://www.rfc-editor.org/rfc/rfc9865)): at least
    /// 32 bytes, e.g. 32 random bytes kept in a secret store. Every replica behind one load
    /// balancer must have the same key, so any of them continues a walk another started.
    /// Without it, each server draws a random key and its cursors work only on itself.
    pub fn cursor_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.cursor_key = Some(key.as_ref().to_vec());
        self
    }

    /// How long a cursor stays valid (`cursorTimeout`,
    /// [RFC 9865 §4](https://www.rfc-editor.org/rfc/rfc9865#section-4); default one hour);
    /// an older one is 400 `expiredCursor`.
    pub fn cursor_timeout(mut self, timeout: Duration) -> Self {
        self.cursor_timeout = timeout;
        self
    }

    /// Where successful changes are reported (default: nowhere); see [`crate::audit`]
    /// ([RFC 7644 §7](https://www.rfc-editor.org/rfc/rfc7644#section-7)).
    pub fn audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self
    }

    /// Builds the server. A [`ConfigError`] names the setting that is missing or wrong (no
    /// backend, no authenticator, a base URL that is not an absolute `http`/`https` URL, a
    /// registry without `User` or `Group`, a cursor key shorter than 32 bytes).
    pub fn build(self) -> Result<ScimServer, ConfigError> {
        let missing = |setting| ConfigError::Missing { setting };
        let backend = self.backend.ok_or_else(|| missing("backend"))?;
        let authenticator = self.authenticator.ok_or_else(|| missing("authenticator"))?;
        let raw = self.base_url.ok_or_else(|| missing("base_url"))?;
        let bad_url = |reason: String| ConfigError::Invalid {
            setting: "base_url".into(),
            value: raw.clone(),
            reason,
        };
        let url = url::Url::parse(&raw).map_err(|e| bad_url(format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(bad_url("must be an absolute http or https URL".into()));
        }
        let base_url = url.as_str().trim_end_matches('/').to_owned();
        let mount = self
            .mount_path
            .unwrap_or_else(|| url.path().to_owned())
            .trim_end_matches('/')
            .to_owned();
        let user = self.schemas.resource_type("User").cloned();
        let group = self.schemas.resource_type("Group").cloned();
        let (Some(user), Some(group)) = (user, group) else {
            return Err(ConfigError::Invalid {
                setting: "schemas".into(),
                value: "a registry without the User or Group resource type".into(),
                reason: "the schema registry must hold the User and Group resource types".into(),
            });
        };
        let capabilities = backend.capabilities().clone();
        let cursor = match &self.cursor_key {
            Some(key) => CursorCodec::new(key, self.cursor_timeout)?,
            None => CursorCodec::random(self.cursor_timeout)?,
        };
        let direct_user = DirectPlan::for_schema(&user, direct::USER_NEVER_WRITTEN);
        let direct_group = DirectPlan::for_schema(&group, &[]);
        Ok(ScimServer {
            inner: Arc::new(Inner {
                backend,
                authenticator,
                base_url,
                mount,
                limits: self.limits,
                compat: self.compat,
                schemas: self.schemas,
                user,
                group,
                documentation_uri: self.documentation_uri,
                capabilities,
                cursor,
                audit: self.audit,
                direct_user,
                direct_group,
            }),
        })
    }
}
