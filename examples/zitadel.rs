//! The SCIM server on axum with users in Zitadel (feature `zitadel`): what Microsoft Entra ID
//! provisions lands in the Zitadel organisation of the SCIM key it uses.
//!
//! ```sh
//! cargo run --example zitadel --features zitadel,examples
//! ```
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `ZITADEL_URL` | the Zitadel instance, e.g. `https://acme.zitadel.cloud` | required |
//! | `ZITADEL_PAT` | the service user's personal access token | one of the two |
//! | `ZITADEL_KEY_FILE` | path of the service user's key file (JSON, JWT profile) | one of the two |
//! | `ZITADEL_IDP` | IdP new users are linked to: `find` (the org's only active IdP), an IdP id, or `none` | `find` |
//! | `ZITADEL_ROLES` | roles every new user gets: `<projectId>:<role>+<role>,…` | none |
//! | `ZITADEL_GROUP_ROLES` | SCIM group → roles: `<group name>=<projectId>:<role>+<role>;…` | none |
//! | `ZITADEL_ORGS` | org ids with their own settings, read from `ZITADEL_ORG_<id>_IDP`, `…_ROLES`, `…_GROUP_ROLES` | none |
//! | `ZITADEL_PROVISIONING_DOMAIN` | scopes the `externalId` metadata key like Zitadel's SCIM does | none |
//! | `SCIM_DATABASE_URL` | companion store of groups and SCIM keys: `sqlite://PATH`, `postgres://USER:PASSWORD@HOST/DB` (replicas share it) or `memory:` (lost on restart) | `sqlite://scimitar-zitadel.db` |
//! | `SCIM_ADDR` | address to bind | `127.0.0.1:8080` |
//! | `SCIM_BASE_URL` | public SCIM base URL | `http://<SCIM_ADDR>/scim/v2` |
//! | `SCIM_ADMIN_TOKEN` | enables `/admin/tenants/<org id>/keys` (mint, list, revoke) | off |
//! | `SCIM_KEY` + `SCIM_TENANT` | accept this key for this org id | off |

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use scimitar::auth::{
    ApiKeyStore, BearerKeyAuthenticator, KeyAdmin, MAX_ADMIN_BODY, MemoryKeyStore, Secret,
    StaticTokenAuthenticator, TenantId,
};
use scimitar::backend::sql::{SqlBackend, SqlOptions};
use scimitar::backend::zitadel::{
    Credentials, IdpChoice, KeyFile, OrgSettings, ProjectRoles, ZitadelBackend, ZitadelConfig,
};
use scimitar::backend::{IdentityBackend, MemoryBackend};
use scimitar::server::ScimServer;
use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;

const SCIM_PATH: &str = "/scim/v2";
const ADMIN_PATH: &str = "/admin";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `<projectId>:<role>+<role>,…`
fn roles(spec: &str) -> Result<Vec<ProjectRoles>, String> {
    spec.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|one| {
            let (project, keys) = one
                .trim()
                .split_once(':')
                .ok_or_else(|| format!("{one:?}: expected <projectId>:<role>+<role>"))?;
            let keys: Vec<&str> = keys.split('+').map(str::trim).collect();
            Ok(ProjectRoles::new(project, &keys))
        })
        .collect()
}

/// The settings of one org from `<prefix>IDP`, `<prefix>ROLES`, `<prefix>GROUP_ROLES`.
fn org_settings(prefix: &str) -> Result<OrgSettings, String> {
    let idp = match var(&format!("{prefix}IDP")).as_deref() {
        None | Some("find") => IdpChoice::FindActive,
        Some("none") => IdpChoice::None,
        Some(id) => IdpChoice::Id(id.to_owned()),
    };
    let mut settings = OrgSettings::default().with_idp(idp);
    settings.roles = roles(&var(&format!("{prefix}ROLES")).unwrap_or_default())?;
    for mapping in var(&format!("{prefix}GROUP_ROLES"))
        .unwrap_or_default()
        .split(';')
    {
        if let Some((group, spec)) = mapping.split_once('=') {
            settings
                .group_roles
                .insert(group.trim().to_owned(), roles(spec)?);
        }
    }
    Ok(settings)
}

fn zitadel_config() -> Result<ZitadelConfig, Box<dyn Error>> {
    let url = var("ZITADEL_URL").ok_or("ZITADEL_URL is required")?;
    let credentials = match (var("ZITADEL_PAT"), var("ZITADEL_KEY_FILE")) {
        (Some(pat), _) => Credentials::Pat(Secret::new(pat)),
        (None, Some(path)) => {
            Credentials::KeyFile(KeyFile::from_json(&std::fs::read_to_string(&path)?)?)
        }
        (None, None) => return Err("set ZITADEL_PAT or ZITADEL_KEY_FILE".into()),
    };
    let mut config =
        ZitadelConfig::new(url, credentials).with_default_org(org_settings("ZITADEL_")?);
    for org in var("ZITADEL_ORGS").unwrap_or_default().split(',') {
        let org = org.trim();
        if !org.is_empty() {
            config = config.with_org(org, org_settings(&format!("ZITADEL_ORG_{org}_"))?);
        }
    }
    if let Some(domain) = var("ZITADEL_PROVISIONING_DOMAIN") {
        config = config.with_provisioning_domain(domain);
    }
    Ok(config)
}

/// Where groups and SCIM keys live.
type Companion = (Arc<dyn IdentityBackend>, Arc<dyn ApiKeyStore>);

/// The companion store used when `SCIM_DATABASE_URL` is unset.
const DEFAULT_DATABASE_URL: &str = "sqlite://scimitar-zitadel.db";

/// The companion store (groups, whose members are Zitadel user ids) and the key store in the
/// same database, named by `SCIM_DATABASE_URL`: durable and shared by every replica, so the
/// SCIM server itself keeps no state.
async fn companion(url: &str) -> Result<Companion, Box<dyn Error>> {
    if url == "memory:" {
        return Ok((
            Arc::new(MemoryBackend::new().with_foreign_members()),
            Arc::new(MemoryKeyStore::new()),
        ));
    }
    if !["sqlite:", "postgres://", "postgresql://"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
    {
        return Err("SCIM_DATABASE_URL: expected sqlite://PATH, postgres://USER:PASSWORD@HOST/DB or memory:".into());
    }
    // The error names SCIM_DATABASE_URL (password redacted) and the cause.
    let sql = SqlBackend::connect_with(SqlOptions::new(url).with_foreign_members()).await?;
    Ok((Arc::new(sql.clone()), Arc::new(sql.key_store())))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let addr: SocketAddr = var("SCIM_ADDR")
        .unwrap_or_else(|| "127.0.0.1:8080".into())
        .parse()
        .map_err(|e| format!("SCIM_ADDR: {e}"))?;
    let base_url = var("SCIM_BASE_URL").unwrap_or_else(|| format!("http://{addr}{SCIM_PATH}"));
    let (groups, keys) =
        companion(&var("SCIM_DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into())).await?;
    let config = zitadel_config()?;
    println!("scimitar SCIM server on Zitadel {}", config.url);
    let backend = Arc::new(ZitadelBackend::new(config, groups)?);
    if let (Some(key), Some(org)) = (var("SCIM_KEY"), var("SCIM_TENANT")) {
        let org = TenantId::parse(&org).ok_or("SCIM_TENANT: not a valid org id")?;
        keys.insert_known(&org, Some("SCIM_KEY"), &Secret::new(key))
            .await?;
    }
    let scim = ScimServer::builder()
        .backend(backend)
        .authenticator(Arc::new(BearerKeyAuthenticator::new(keys.clone())))
        .base_url(base_url.clone())
        .mount_path(SCIM_PATH)
        .build()?;
    let mut router = Router::new()
        .nest_service(SCIM_PATH, scim)
        .route("/healthz", get(|| async { "ok" }));
    if let Some(token) = var("SCIM_ADMIN_TOKEN") {
        let auth = StaticTokenAuthenticator::admin(&Secret::new(token));
        let admin = KeyAdmin::new(keys, Arc::new(auth)).with_prefix(ADMIN_PATH);
        router = router.merge(
            Router::new()
                .route("/admin/{*path}", any(key_admin))
                .with_state(admin),
        );
        println!(
            "  mint a key for an org: curl -s -X POST -H \"Authorization: Bearer $SCIM_ADMIN_TOKEN\" http://{addr}{ADMIN_PATH}/tenants/<org id>/keys"
        );
    }
    println!("  SCIM base URL (Entra: Tenant URL): {base_url}");
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// The key-admin handler speaks `http::Request<Bytes>`: read the (small, bounded) body first.
async fn key_admin(State(admin): State<KeyAdmin>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_ADMIN_BODY).await {
        Ok(bytes) => admin
            .handle(http::Request::from_parts(parts, bytes))
            .await
            .map(Body::from),
        Err(_) => (http::StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response(),
    }
}
