//! How the Zitadel backend reaches its instance: URL, service-user credentials, timeouts,
//! retries and what each organisation wants for its new users
//! ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3): what a create does).

use crate::auth::Secret;
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// The Zitadel backend's configuration
/// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
///
/// Every tenant of a SCIM key is a Zitadel organisation id; [`ZitadelConfig::org`] gives the
/// settings of one (per-org entries, else [`ZitadelConfig::default_org`]). Secrets print as
/// `[redacted]` in `Debug`.
#[derive(Clone)]
#[non_exhaustive]
pub struct ZitadelConfig {
    /// The instance URL, e.g. `https://acme.zitadel.cloud` (no trailing slash needed).
    pub url: String,
    /// The service user's credentials (it holds `IAM_OWNER_VIEWER` and `IAM_USER_MANAGER`).
    pub credentials: Credentials,
    /// The time one HTTP exchange with Zitadel may take.
    pub timeout: Duration,
    /// Back-off for 429, `resource_exhausted`, 500, 503 and 504 answers.
    pub retry: RetryPolicy,
    /// Settings per organisation id.
    pub orgs: HashMap<String, OrgSettings>,
    /// Settings of organisations not listed in `orgs`.
    pub default_org: OrgSettings,
    /// Zitadel's SCIM provisioning domain: when set, `externalId` is kept under
    /// `urn:zitadel:scim:<domain>:externalId`, as Zitadel's own SCIM server does for a service
    /// user with that `urn:zitadel:scim:provisioningDomain` metadata.
    pub provisioning_domain: Option<String>,
    /// The most users a filter Zitadel cannot answer natively may examine (`tooMany` beyond);
    /// each examined user costs a `ListUserMetadata` call.
    pub scan_limit: usize,
}

impl fmt::Debug for ZitadelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZitadelConfig")
            .field("url", &self.url)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("orgs", &self.orgs)
            .field("default_org", &self.default_org)
            .field("provisioning_domain", &self.provisioning_domain)
            .field("scan_limit", &self.scan_limit)
            .finish()
    }
}

impl ZitadelConfig {
    /// A configuration for `url` with `credentials`: 10 s timeout, [`RetryPolicy::default`],
    /// no per-org settings, a scan limit of 1 000 users.
    pub fn new(url: impl Into<String>, credentials: Credentials) -> Self {
        ZitadelConfig {
            url: url.into().trim_end_matches('/').to_owned(),
            credentials,
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            orgs: HashMap::new(),
            default_org: OrgSettings::default(),
            provisioning_domain: None,
            scan_limit: 1_000,
        }
    }

    /// Adds the settings of one organisation.
    pub fn with_org(mut self, org_id: impl Into<String>, settings: OrgSettings) -> Self {
        self.orgs.insert(org_id.into(), settings);
        self
    }

    /// Sets the settings of organisations without an entry of their own.
    pub fn with_default_org(mut self, settings: OrgSettings) -> Self {
        self.default_org = settings;
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the per-exchange timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the most users a post-filtered query may examine.
    pub fn with_scan_limit(mut self, scan_limit: usize) -> Self {
        self.scan_limit = scan_limit;
        self
    }

    /// Sets the provisioning domain that scopes the `externalId` metadata key.
    pub fn with_provisioning_domain(mut self, domain: impl Into<String>) -> Self {
        self.provisioning_domain = Some(domain.into());
        self
    }

    /// The settings of organisation `org_id`.
    pub fn org(&self, org_id: &str) -> &OrgSettings {
        self.orgs.get(org_id).unwrap_or(&self.default_org)
    }
}

/// The service user's credentials (Zitadel "service user" authentication).
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// A personal access token, sent as `Authorization: Bearer <pat>`.
    Pat(Secret),
    /// A JWT-profile key file (RFC 7523) as downloaded from Zitadel: exchanged at
    /// `/oauth/v2/token` for an access token, cached and refreshed before it expires.
    KeyFile(KeyFile),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Pat(_) => f.write_str("Pat([redacted])"),
            Credentials::KeyFile(k) => f.debug_tuple("KeyFile").field(k).finish(),
        }
    }
}

/// A Zitadel service-user key file: `{"type":"serviceaccount","keyId","key","userId"}`
/// ([RFC 7523 §2.1](https://www.rfc-editor.org/rfc/rfc7523#section-2.1) assertion material).
#[derive(Clone)]
#[non_exhaustive]
pub struct KeyFile {
    /// The key id (`kid` of the assertion).
    pub key_id: String,
    /// The service user's id (`iss` and `sub` of the assertion).
    pub user_id: String,
    /// The RSA private key in PEM.
    pub key: Secret,
}

impl fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyFile")
            .field("key_id", &self.key_id)
            .field("user_id", &self.user_id)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// Why a Zitadel key file cannot be read ([`KeyFile::from_json`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The text is not JSON (the parser's message).
    #[error("key file is not JSON: {0}")]
    NotJson(String),
    /// A member the key file must have as a string is missing or not a string.
    #[error("key file has no string `{0}`")]
    Missing(&'static str),
}

impl KeyFile {
    /// A key file from its parts: key id, service user id and the RSA private key in PEM.
    pub fn new(key_id: impl Into<String>, user_id: impl Into<String>, key: Secret) -> Self {
        KeyFile {
            key_id: key_id.into(),
            user_id: user_id.into(),
            key,
        }
    }

    /// Reads a key file's JSON; the error names what is wrong with it.
    pub fn from_json(text: &str) -> Result<KeyFile, KeyFileError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| KeyFileError::NotJson(e.to_string()))?;
        let field = |name: &'static str| {
            v.get(name)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or(KeyFileError::Missing(name))
        };
        Ok(KeyFile::new(
            field("keyId")?,
            field("userId")?,
            Secret::new(field("key")?),
        ))
    }
}

/// Capped exponential back-off with full jitter for transient Zitadel answers (Zitadel sends
/// no `Retry-After`; its rate-limit policy asks clients to back off exponentially).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in total (1 = no retry).
    pub max_attempts: u32,
    /// The first back-off ceiling.
    pub base: Duration,
    /// The largest back-off ceiling.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base: Duration::from_millis(50),
            cap: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// `max_attempts` in total (1 = no retry), back-off ceilings from `base` doubling up to
    /// `cap`.
    pub fn new(max_attempts: u32, base: Duration, cap: Duration) -> Self {
        RetryPolicy {
            max_attempts,
            base,
            cap,
        }
    }

    /// The back-off ceiling before attempt `attempt` (0-based count of failures so far).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }
}

/// What one organisation wants for the users SCIM creates in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrgSettings {
    /// The IdP new users are linked to (their `externalId` is the IdP's user id).
    pub idp: IdpChoice,
    /// Project role keys every new user gets (one authorization per project).
    pub roles: Vec<ProjectRoles>,
    /// SCIM group `displayName` → project roles its members get (reconciled on member
    /// changes, user creation and group deletion).
    pub group_roles: HashMap<String, Vec<ProjectRoles>>,
}

impl OrgSettings {
    /// Links new users to this IdP.
    pub fn with_idp(mut self, idp: IdpChoice) -> Self {
        self.idp = idp;
        self
    }

    /// Gives new users these roles of `project_id`.
    pub fn with_roles(mut self, project_id: impl Into<String>, keys: &[&str]) -> Self {
        self.roles.push(ProjectRoles::new(project_id, keys));
        self
    }

    /// Gives the members of the group named `display_name` these roles of `project_id`.
    pub fn with_group_roles(
        mut self,
        display_name: impl Into<String>,
        project_id: impl Into<String>,
        keys: &[&str],
    ) -> Self {
        self.group_roles
            .entry(display_name.into())
            .or_default()
            .push(ProjectRoles::new(project_id, keys));
        self
    }
}

/// Which IdP new users are linked to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdpChoice {
    /// No IdP link.
    #[default]
    None,
    /// This IdP id.
    Id(String),
    /// The org's only active IdP (`GetActiveIdentityProviders`, looked up once per process;
    /// none or several is a configuration error).
    FindActive,
}

/// Role keys of one project.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProjectRoles {
    /// The project id.
    pub project_id: String,
    /// The role keys (existing roles of the project).
    pub role_keys: Vec<String>,
}

impl ProjectRoles {
    /// `keys` of project `project_id`.
    pub fn new(project_id: impl Into<String>, keys: &[&str]) -> Self {
        ProjectRoles {
            project_id: project_id.into(),
            role_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let c = ZitadelConfig::new(
            "https://z.example/",
            Credentials::Pat(Secret::new("pat-123")),
        );
        let shown = format!("{c:?}");
        assert!(!shown.contains("pat-123"));
        assert_eq!(c.url, "https://z.example");
        let k = KeyFile::from_json(r#"{"type":"serviceaccount","keyId":"k1","key":"-----BEGIN RSA PRIVATE KEY-----x","userId":"u1"}"#).unwrap();
        let shown = format!("{:?}", Credentials::KeyFile(k));
        assert!(shown.contains("k1") && !shown.contains("BEGIN"));
        assert_eq!(
            KeyFile::from_json(r#"{"keyId":"k"}"#).unwrap_err(),
            KeyFileError::Missing("userId")
        );
        assert!(matches!(
            KeyFile::from_json("{"),
            Err(KeyFileError::NotJson(_))
        ));
    }

    #[test]
    fn backoff_is_capped() {
        let r = RetryPolicy::default();
        assert_eq!(r.ceiling(0), Duration::from_millis(50));
        assert_eq!(r.ceiling(2), Duration::from_millis(200));
        assert_eq!(r.ceiling(40), Duration::from_secs(2));
    }
}
