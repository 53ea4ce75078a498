//! What the example servers share: configuration from the environment, the in-memory backend and
//! key store, the start-up banner, and the snapshot written on shutdown. The framework files
//! (`axum.rs`, `actix.rs`) only translate requests and delegate here.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SCIM_ADDR` | address to bind | `127.0.0.1:8080` |
//! | `SCIM_BASE_URL` | public SCIM base URL (`meta.location`, `Location`) | `http://<SCIM_ADDR>/scim/v2` |
//! | `SCIM_KEY` | accept this key for the default tenant | a key is minted and printed once |
//! | `SCIM_TENANT` | the default tenant's id | `default` |
//! | `SCIM_ADMIN_TOKEN` | enables key management under `/admin` | off |
//! | `SCIM_SNAPSHOT` | JSON file the data is restored from and saved to on shutdown | off |
//!
//! With feature `jwt`, `SCIM_JWT_*` (see `jwt.rs`) adds OAuth 2.0 bearer JWTs beside the keys.

pub mod logging;

use std::error::Error;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use scimitar::auth::Authenticator;
use scimitar::auth::{
    ApiKeyStore, BearerKeyAuthenticator, KeyAdmin, MemoryKeyStore, Secret,
    StaticTokenAuthenticator, TenantId,
};
use scimitar::backend::MemoryBackend;
use scimitar::server::ScimServer;

#[cfg(feature = "jwt")]
mod jwt;

/// Where SCIM is served, below the listening address.
pub const SCIM_PATH: &str = "/scim/v2";
/// Where key management is served when `SCIM_ADMIN_TOKEN` is set.
pub const ADMIN_PATH: &str = "/admin";

/// A configured example server, ready to be mounted by a web framework.
pub struct App {
    /// The address to bind.
    pub addr: SocketAddr,
    /// The SCIM handler, mounted at [`SCIM_PATH`].
    pub scim: ScimServer,
    /// The key-admin handler, mounted at [`ADMIN_PATH`] when enabled.
    pub admin: Option<KeyAdmin>,
    backend: Arc<MemoryBackend>,
    snapshot: Option<PathBuf>,
    tenant: TenantId,
    minted: Option<Secret>,
}

/// A [`ConfigError`](scimitar::server::ConfigError) naming the environment variable.
fn invalid(setting: &str, reason: String) -> scimitar::server::ConfigError {
    scimitar::server::ConfigError::Invalid {
        setting: setting.to_owned(),
        value: std::env::var(setting).unwrap_or_default(),
        reason,
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl App {
    /// Reads the environment, restores the snapshot if there is one, and registers or mints the
    /// default tenant's key.
    pub async fn from_env() -> Result<App, Box<dyn Error>> {
        let addr: SocketAddr = var("SCIM_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .map_err(|e: std::net::AddrParseError| invalid("SCIM_ADDR", e.to_string()))?;
        let base_url = var("SCIM_BASE_URL").unwrap_or_else(|| format!("http://{addr}{SCIM_PATH}"));
        let tenant = TenantId::parse(&var("SCIM_TENANT").unwrap_or_else(|| "default".into()))
            .ok_or_else(|| invalid("SCIM_TENANT", "1 to 128 of A-Z a-z 0-9 - . _ ~".into()))?;
        let snapshot = var("SCIM_SNAPSHOT").map(PathBuf::from);

        let backend = Arc::new(MemoryBackend::new());
        if let Some(path) = snapshot.as_ref().filter(|p| p.exists()) {
            backend.restore(path)?;
        }
        let keys = Arc::new(MemoryKeyStore::new());
        let minted = match var("SCIM_KEY") {
            Some(key) => {
                scimitar::server::check_secret("SCIM_KEY", &key)?;
                keys.insert_known(&tenant, Some("SCIM_KEY"), &Secret::new(key))
                    .await?;
                None
            }
            None => Some(keys.mint(&tenant, Some("minted at start")).await?.1),
        };
        let key_auth: Arc<dyn Authenticator> = Arc::new(BearerKeyAuthenticator::new(keys.clone()));
        let admin_token: Option<Arc<dyn Authenticator>> = match var("SCIM_ADMIN_TOKEN") {
            Some(t) => {
                scimitar::server::check_secret("SCIM_ADMIN_TOKEN", &t)?;
                Some(Arc::new(StaticTokenAuthenticator::admin(&Secret::new(t))) as _)
            }
            None => None,
        };
        #[cfg(feature = "jwt")]
        let (scim_auth, admin_auth) = jwt_auth(key_auth, admin_token)?;
        #[cfg(not(feature = "jwt"))]
        let (scim_auth, admin_auth) = (key_auth, admin_token);
        let admin =
            admin_auth.map(|auth| KeyAdmin::new(keys.clone(), auth).with_prefix(ADMIN_PATH));
        let scim = ScimServer::builder()
            .backend(backend.clone())
            .authenticator(scim_auth)
            .base_url(base_url)
            .mount_path(SCIM_PATH)
            .build()?;
        Ok(App {
            addr,
            scim,
            admin,
            backend,
            snapshot,
            tenant,
            minted,
        })
    }

    /// Prints where the server is, the key (once, if it was minted) and a ready curl line.
    pub fn announce(&self, framework: &str) {
        let base = self.scim.base_url();
        let key = match &self.minted {
            Some(secret) => secret.expose().to_owned(),
            None => "$SCIM_KEY".to_owned(),
        };
        println!("scimitar example SCIM server ({framework}) on the in-memory backend");
        println!("  SCIM base URL (Entra: Tenant URL): {base}");
        match &self.minted {
            Some(secret) => println!(
                "  key for tenant {:?} (Entra: Secret token; shown only now): {}",
                self.tenant.as_str(),
                secret.expose()
            ),
            None => println!(
                "  key for tenant {:?}: the one in SCIM_KEY",
                self.tenant.as_str()
            ),
        }
        println!(
            "  try: curl -s -H \"Authorization: Bearer {key}\" '{base}/Users?filter=userName+eq+%22adele%40contoso.com%22'"
        );
        if self.admin.is_some() {
            println!(
                "  key management: curl -s -X POST -H \"Authorization: Bearer <admin token or admin JWT>\" http://{}{ADMIN_PATH}/tenants/<tenant>/keys",
                self.addr
            );
        }
        if let Some(path) = &self.snapshot {
            println!("  snapshot: {} (written on shutdown)", path.display());
        }
        println!("  health: http://{}/healthz", self.addr);
    }

    /// Writes the snapshot, if one is configured; called after the server has stopped.
    pub fn shutdown(&self) -> Result<(), Box<dyn Error>> {
        if let Some(path) = &self.snapshot {
            self.backend.snapshot(path)?;
            println!("snapshot written to {}", path.display());
        }
        Ok(())
    }
}

/// Puts JWTs beside the SCIM keys and the admin token when `SCIM_JWT_ISSUER` is set.
#[cfg(feature = "jwt")]
#[allow(clippy::type_complexity)]
fn jwt_auth(
    key_auth: Arc<dyn Authenticator>,
    admin_token: Option<Arc<dyn Authenticator>>,
) -> Result<(Arc<dyn Authenticator>, Option<Arc<dyn Authenticator>>), Box<dyn Error>> {
    use scimitar::auth::jwt::JwtOrKeyAuthenticator;
    let Some(env) = jwt::from_env()? else {
        return Ok((key_auth, admin_token));
    };
    let scim = Arc::new(JwtOrKeyAuthenticator::new(Arc::new(env.scim), key_auth));
    let admin: Option<Arc<dyn Authenticator>> = match (env.admin, admin_token) {
        (Some(jwt), Some(token)) => {
            Some(Arc::new(JwtOrKeyAuthenticator::new(Arc::new(jwt), token)))
        }
        (Some(jwt), None) => Some(Arc::new(jwt)),
        (None, token) => token,
    };
    Ok((scim, admin))
}
