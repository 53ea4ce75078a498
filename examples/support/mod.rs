//! What the example servers share: configuration from the environment, the store (`store.rs`),
//! the start-up banner, and the shutdown. The framework files (`axum.rs`, `actix.rs`) only
//! translate requests and delegate here.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SCIM_ADDR` | address to bind | `127.0.0.1:8080` |
//! | `SCIM_BASE_URL` | public SCIM base URL (`meta.location`, `Location`) | `http://<SCIM_ADDR>/scim/v2` |
//! | `SCIM_DATABASE_URL` | the store: `sqlite://PATH`, `postgres://…` or `memory:` (see `store.rs`) | `sqlite://scimitar.db` |
//! | `SCIM_DATABASE_CONNECTIONS` | SQL stores: the most connections the pool opens | 8 |
//! | `SCIM_KEY` | accept this key for the default tenant | a key is minted and printed once, when the tenant has none |
//! | `SCIM_TENANT` | the default tenant's id | `default` |
//! | `SCIM_ADMIN_TOKEN` | enables key management under `/admin` | off |
//! | `SCIM_SNAPSHOT` | `memory:` only: JSON file the data is restored from and saved to on shutdown | off |
//! | `SCIM_CURSOR_SECRET` | the secret that seals RFC 9865 cursors (32+ characters); give every replica the same one so any replica continues a walk another started | a random one per process (said at start) |
//!
//! With feature `jwt`, `SCIM_JWT_*` (see `jwt.rs`) adds OAuth 2.0 bearer JWTs beside the keys.

pub mod logging;
mod store;

use std::error::Error;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use scimitar::auth::Authenticator;
use scimitar::auth::{
    BearerKeyAuthenticator, KeyAdmin, Secret, StaticTokenAuthenticator, TenantId,
};
use scimitar::server::ScimServer;

use store::Store;

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
    store: Store,
    tenant: TenantId,
    start_key: StartKey,
    /// Whether `SCIM_CURSOR_SECRET` was set (else cursors are sealed with a random secret).
    cursor_secret: bool,
}

/// How the default tenant's key came about, for the banner.
enum StartKey {
    /// `SCIM_KEY`.
    Configured,
    /// Minted now: shown this once.
    Minted(Secret),
    /// The store already holds this many live keys of the tenant (minted on an earlier start or
    /// over `/admin`); none is minted, so restarts do not pile up keys.
    Existing(usize),
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

/// Why the example could not start: `main` prints its `Debug`, which is the message itself.
#[derive(thiserror::Error)]
#[error("{0}")]
struct StartError(String);

impl fmt::Debug for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl App {
    /// Reads the environment, opens the store, and registers the default tenant's key
    /// (`SCIM_KEY`) or mints one when the tenant has none. The error is the message to print.
    pub async fn from_env() -> Result<App, Box<dyn Error>> {
        Self::configure()
            .await
            .map_err(|e| Box::new(StartError(e.to_string())) as Box<dyn Error>)
    }

    async fn configure() -> Result<App, Box<dyn Error>> {
        let addr: SocketAddr = var("SCIM_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .map_err(|e: std::net::AddrParseError| invalid("SCIM_ADDR", e.to_string()))?;
        let base_url = var("SCIM_BASE_URL").unwrap_or_else(|| format!("http://{addr}{SCIM_PATH}"));
        let tenant = TenantId::parse(&var("SCIM_TENANT").unwrap_or_else(|| "default".into()))
            .ok_or_else(|| invalid("SCIM_TENANT", "1 to 128 of A-Z a-z 0-9 - . _ ~".into()))?;
        let store = Store::open(
            var("SCIM_DATABASE_URL"),
            var("SCIM_SNAPSHOT").map(PathBuf::from),
            var("SCIM_DATABASE_CONNECTIONS"),
        )
        .await?;
        let keys = store.keys.clone();
        let start_key = match var("SCIM_KEY") {
            Some(key) => {
                scimitar::server::check_secret("SCIM_KEY", &key)?;
                keys.insert_known(&tenant, Some("SCIM_KEY"), &Secret::new(key))
                    .await
                    .map_err(|e| format!("SCIM_KEY: {e}"))?;
                StartKey::Configured
            }
            None => match keys.list(&tenant).await?.len() {
                0 => StartKey::Minted(keys.mint(&tenant, Some("minted at start")).await?.1),
                live => StartKey::Existing(live),
            },
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
        let mut builder = ScimServer::builder()
            .backend(store.backend.clone())
            .authenticator(scim_auth)
            .base_url(base_url)
            .mount_path(SCIM_PATH);
        let cursor_secret = var("SCIM_CURSOR_SECRET");
        if let Some(secret) = &cursor_secret {
            scimitar::server::check_secret("SCIM_CURSOR_SECRET", secret)?;
            builder = builder.cursor_key(secret.as_bytes());
        }
        let scim = builder.build()?;
        Ok(App {
            addr,
            scim,
            admin,
            store,
            tenant,
            start_key,
            cursor_secret: cursor_secret.is_some(),
        })
    }

    /// Prints where the server is, the key (once, if it was minted) and a ready curl line.
    pub fn announce(&self, framework: &str) {
        let base = self.scim.base_url();
        let key = match &self.start_key {
            StartKey::Minted(secret) => secret.expose().to_owned(),
            StartKey::Configured => "$SCIM_KEY".to_owned(),
            StartKey::Existing(_) => "<key>".to_owned(),
        };
        println!("scimitar example SCIM server ({framework})");
        println!("  store: {}", self.store.description);
        println!("  SCIM base URL (Entra: Tenant URL): {base}");
        let tenant = self.tenant.as_str();
        match &self.start_key {
            StartKey::Minted(secret) => println!(
                "  key for tenant {tenant:?} (Entra: Secret token; shown only now): {}",
                secret.expose()
            ),
            StartKey::Configured => println!("  key for tenant {tenant:?}: the one in SCIM_KEY"),
            StartKey::Existing(live) => println!(
                "  key for tenant {tenant:?}: the one printed when this store was first started \
                 ({live} live in the store; mint another over /admin, or set SCIM_KEY)"
            ),
        }
        println!(
            "  try: curl -s -H \"Authorization: Bearer {key}\" '{base}/Users?filter=userName+eq+%22adele%40contoso.com%22'"
        );
        if self.admin.is_some() {
            println!(
                "  key management: curl -s -X POST -H \"Authorization: Bearer $SCIM_ADMIN_TOKEN\" http://{}{ADMIN_PATH}/tenants/<tenant>/keys",
                self.addr
            );
        }
        if self.cursor_secret {
            println!("  cursor paging: cursors sealed with SCIM_CURSOR_SECRET");
        } else {
            println!(
                "  cursor paging: SCIM_CURSOR_SECRET is not set, so cursors are sealed with a random \
                 secret and only this process continues them; set the same secret on every replica"
            );
        }
        println!("  health: http://{}/healthz", self.addr);
    }

    /// Writes the snapshot of a `memory:` store, if one is configured; called after the server
    /// has stopped (a SQL store has nothing to write: every acknowledged write is committed).
    pub fn shutdown(&self) -> Result<(), Box<dyn Error>> {
        self.store.shutdown()
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
