//! A Zitadel v4 double: a real HTTP server on loopback that speaks Zitadel's Connect JSON API
//! with released Zitadel's semantics, for tests of the Zitadel backend and for the
//! `zitadel_double` example (feature `zitadel-double`).
//!
//! It serves the surface a SCIM service needs, as released v4.x answers it (the facts come from
//! `shared/zitadel/RELEASED.md`, which was checked against Zitadel's `v4.x` source):
//!
//! - `zitadel.user.v2.UserService`: `CreateUser` (client `userId`: an existing id is
//!   `failed_precondition` `COMMAND-7yiox1isql`; usernames unique per instance
//!   case-insensitively: `already_exists` `V3-DKcYh`; `human.metadata`, root `metadata` on
//!   v4.13+; `idpLinks`), `AddHumanUser`, `GetUserByID` (read-your-writes), `ListUsers`
//!   (eventually consistent: see [`Faults::list_users_lag`]), `UpdateUser`, `DeleteUser`,
//!   `DeactivateUser`/`ReactivateUser`, `Set/List/DeleteUserMetadata`,
//!   `AddIDPLink`/`ListIDPLinks`/`RemoveIDPLink`;
//! - `zitadel.org.v2.OrganizationService/ListOrganizations`,
//!   `zitadel.settings.v2.SettingsService/GetActiveIdentityProviders`,
//!   `zitadel.project.v2beta.ProjectService/ListProjectRoles`;
//! - authorizations: `zitadel.authorization.v2.AuthorizationService` (v4.6+) and `v2beta`;
//! - no `zitadel.group.v2.GroupService` (no released v4 has it): Connect `unimplemented`, 404.
//!
//! Outside Zitadel's surface, for scripts driving a double in another process (`.ci/zitadel`),
//! the same bearer token opens `POST /__double/faults` (body
//! `{"rate429", "seed", "latencyMs", "listUsersLagMs"}`), `GET /__double/users?org=<id>` and
//! `GET /__double/calls`, mirroring [`ZitadelDouble::set_faults`], [`ZitadelDouble::users`]
//! and [`ZitadelDouble::calls`].
//!
//! Every call needs `Authorization: Bearer <token>` (the [`ZitadelDouble::pat`]); request
//! bodies are decoded strictly (an unknown field is `invalid_argument`, like protojson).
//! Errors are Connect errors with Zitadel's ids: `{"code","message":"<text> (<ID>)","details"}`.
//! A few ids Zitadel's docs do not name are the double's own (unknown org on create
//! `COMMAND-3m9fs`, unknown IdP `COMMAND-39nf2`, missing IdP link `COMMAND-1M9xR`, empty metadata
//! bulks `META-9mm2d`/`META-9mw2d`, unknown
//! project or role, foreign project); clients must match on the Connect code for those.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use scimitar::zitadel_double::{DoubleConfig, ZitadelDouble};
//! let double = ZitadelDouble::start(DoubleConfig::default()).await?;
//! println!("{} {}", double.url(), double.pat());
//! double.shutdown().await;
//! # Ok(()) }
//! ```

mod authz;
mod control;
mod input;
mod list;
mod metadata;
mod orgs;
mod server;
mod state;
mod token;
mod update;
mod users;
mod wire;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, Uri};
use chrono::Utc;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use server::{Shared, lock};
use state::{Idp, Org, Project, State};

/// The released Zitadel v4 line the double imitates; decides which fields and services exist
/// (RELEASED.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum ZitadelVersion {
    /// v4.0: no ListUsers metadata filters, authorization v2beta only.
    V4_0,
    /// v4.1: `metadataKeyFilter`/`metadataValueFilter` in ListUsers.
    V4_1,
    /// v4.6: `zitadel.authorization.v2` (GA).
    V4_6,
    /// v4.13: root `metadata` on CreateUser/UpdateUser.
    #[default]
    V4_13,
}

impl ZitadelVersion {
    /// `"v4.0"`, `"v4.1"`, `"v4.6"` or `"v4.13"`.
    pub fn name(self) -> &'static str {
        match self {
            ZitadelVersion::V4_0 => "v4.0",
            ZitadelVersion::V4_1 => "v4.1",
            ZitadelVersion::V4_6 => "v4.6",
            ZitadelVersion::V4_13 => "v4.13",
        }
    }
}

/// How the double starts: [`DoubleConfig::default`] and the `with_*` methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DoubleConfig {
    /// Where to listen (default `127.0.0.1:0`, a free port).
    pub address: SocketAddr,
    /// Orgs to create, each with an IdP `idp-<org>` and a project `project-<org>` holding the
    /// role keys `scim-user` and `scim-admin` (default `org-a`, `org-b`).
    pub orgs: Vec<String>,
    /// Which v4 release to imitate.
    pub version: ZitadelVersion,
    /// Seed of the fault dice and of the PAT.
    pub seed: u64,
}

impl Default for DoubleConfig {
    fn default() -> Self {
        DoubleConfig {
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            orgs: vec!["org-a".into(), "org-b".into()],
            version: ZitadelVersion::default(),
            seed: 0,
        }
    }
}

impl DoubleConfig {
    /// Listens on `address`.
    pub fn with_address(mut self, address: SocketAddr) -> Self {
        self.address = address;
        self
    }

    /// Creates these orgs instead of the default two.
    pub fn with_orgs<S: Into<String>>(mut self, orgs: impl IntoIterator<Item = S>) -> Self {
        self.orgs = orgs.into_iter().map(Into::into).collect();
        self
    }

    /// Imitates this release.
    pub fn with_version(mut self, version: ZitadelVersion) -> Self {
        self.version = version;
        self
    }

    /// Seeds the fault dice and the PAT.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// Injected faults: [`Faults::default`] (none) and the `with_*` methods.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Faults {
    /// Share of calls answered 429 (half without a body, as an edge proxy answers, half as
    /// Connect `resource_exhausted`).
    pub rate_429: f64,
    /// Seed of the dice (re-seeded on every [`ZitadelDouble::set_faults`]).
    pub seed: u64,
    /// Added to every call.
    pub latency: Duration,
    /// How far `ListUsers` lags behind writes (Zitadel's projections are eventually
    /// consistent; `GetUserByID` stays current).
    pub list_users_lag: Duration,
}

impl Faults {
    /// Answers this share of calls (0.0–1.0) with 429.
    pub fn with_rate_429(mut self, rate: f64) -> Self {
        self.rate_429 = rate;
        self
    }

    /// Seeds the dice.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Adds `latency` to every call.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Lets `ListUsers` lag `lag` behind writes.
    pub fn with_list_users_lag(mut self, lag: Duration) -> Self {
        self.list_users_lag = lag;
        self
    }
}

/// A running Zitadel double.
pub struct ZitadelDouble {
    address: SocketAddr,
    pat: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ZitadelDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZitadelDouble")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

fn org_with_defaults(id: &str) -> Org {
    let now = Utc::now();
    Org {
        id: id.to_owned(),
        created: now,
        idps: vec![Idp {
            id: format!("idp-{id}"),
            name: "Entra ID".into(),
            active: true,
        }],
        projects: vec![Project {
            id: format!("project-{id}"),
            roles: vec!["scim-user".into(), "scim-admin".into()],
            created: now,
        }],
    }
}

impl ZitadelDouble {
    /// Binds `config.address` and serves until [`ZitadelDouble::shutdown`] (or drop).
    pub async fn start(config: DoubleConfig) -> std::io::Result<Self> {
        let mut state = State::new(config.version);
        for org in &config.orgs {
            state.orgs.insert(org.clone(), org_with_defaults(org));
        }
        let shared = Arc::new(Shared::new(state, config.seed));
        let pat = {
            use rand::{RngExt as _, SeedableRng as _};
            let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed ^ 0x5a17_d0b1e);
            let n: u128 = rng.random();
            format!("pat-{n:032x}")
        };
        lock(&shared.tokens).insert(pat.clone(), None);
        let listener = tokio::net::TcpListener::bind(config.address).await?;
        let address = listener.local_addr()?;
        let handler_shared = shared.clone();
        let issuer = format!("http://{address}");
        let app = Router::new()
            .route(
                "/oauth/v2/token",
                axum::routing::post(
                    move |AxumState(s): AxumState<Arc<Shared>>, body: Bytes| async move {
                        token::token(&s, &issuer, &body)
                    },
                ),
            )
            .fallback(
                |AxumState(s): AxumState<Arc<Shared>>,
                 method: Method,
                 uri: Uri,
                 headers: HeaderMap,
                 body: Bytes| { server::connect(s, method, uri, headers, body) },
            )
            .with_state(handler_shared);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(ZitadelDouble {
            address,
            pat,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// A personal access token of the service user (IAM_OWNER_VIEWER + IAM_USER_MANAGER).
    pub fn pat(&self) -> String {
        self.pat.clone()
    }

    /// The service user's key file as Zitadel's console hands it out
    /// (`{"type":"serviceaccount","keyId","key" (PEM RSA private key),"userId"}`), for the
    /// JWT-profile grant at `/oauth/v2/token` with `aud` = [`ZitadelDouble::url`].
    pub fn key_file_json(&self) -> String {
        serde_json::json!({
            "type": "serviceaccount",
            "keyId": token::KEY_ID,
            "key": token::PRIVATE_KEY_PEM,
            "userId": token::SERVICE_USER_ID,
        })
        .to_string()
    }

    /// How long access tokens from `/oauth/v2/token` live (default 43 199 s); tokens already
    /// issued keep their expiry.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        *lock(&self.shared.token_lifetime) = lifetime;
    }

    /// Calls received per `"<pkg>.<Service>/<Method>"` (faulted ones included).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        lock(&self.shared.calls).clone()
    }

    /// Forgets the call counters.
    pub fn reset_calls(&self) {
        lock(&self.shared.calls).clear();
    }

    /// Sets the injected faults (and re-seeds their dice).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// Switches the release the double imitates.
    pub fn set_version(&self, version: ZitadelVersion) {
        lock(&self.shared.state).version = version;
    }

    /// Adds an org with its default IdP, project and roles (no-op if it exists).
    pub fn add_org(&self, org: &str) {
        lock(&self.shared.state)
            .orgs
            .entry(org.to_owned())
            .or_insert_with(|| org_with_defaults(org));
    }

    /// Adds (or replaces) an IdP of `org`; `active` = listed in the org's login settings.
    pub fn add_idp(&self, org: &str, idp_id: &str, name: &str, active: bool) {
        let mut state = lock(&self.shared.state);
        if let Some(o) = state.orgs.get_mut(org) {
            o.idps.retain(|i| i.id != idp_id);
            o.idps.push(Idp {
                id: idp_id.to_owned(),
                name: name.to_owned(),
                active,
            });
        }
    }

    /// Adds a role key to a project of `org` (creating the project if needed).
    pub fn add_project_role(&self, org: &str, project_id: &str, role_key: &str) {
        let mut state = lock(&self.shared.state);
        if let Some(o) = state.orgs.get_mut(org) {
            match o.projects.iter_mut().find(|p| p.id == project_id) {
                Some(p) if p.roles.iter().any(|r| r == role_key) => {}
                Some(p) => p.roles.push(role_key.to_owned()),
                None => o.projects.push(Project {
                    id: project_id.to_owned(),
                    roles: vec![role_key.to_owned()],
                    created: Utc::now(),
                }),
            }
        }
    }

    /// Creates a human user of `org` as Zitadel's console does, outside SCIM: Zitadel picks
    /// its id (numeric, like `285073629412356867`), no SCIM metadata, no IdP link. Its id, or
    /// the Connect error's text (unknown org, username taken).
    pub fn add_console_user(&self, org: &str, username: &str) -> Result<String, String> {
        let body = serde_json::json!({
            "organizationId": org,
            "username": username,
            "human": {
                "profile": {"givenName": "Console", "familyName": "User"},
                "email": {"email": username, "isVerified": true},
            },
        });
        let mut state = lock(&self.shared.state);
        users::create_user(&mut state, body.to_string().as_bytes())
            .map_err(|e| e.text)
            .and_then(|r| {
                r.get("id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| "CreateUser answered without an id".to_owned())
            })
    }

    /// Renames user `id` as Zitadel's console does, outside SCIM (`UpdateUser` with a new
    /// `username`); the Connect error's text when Zitadel would refuse it.
    pub fn rename_console_user(&self, id: &str, username: &str) -> Result<(), String> {
        let body = serde_json::json!({"userId": id, "username": username});
        let mut state = lock(&self.shared.state);
        update::update_user(&mut state, body.to_string().as_bytes())
            .map(drop)
            .map_err(|e| e.text)
    }

    /// Deletes user `id` as Zitadel's console does, outside SCIM (with its authorizations, as
    /// `DeleteUser`); `false` when there is no such user.
    pub fn delete_console_user(&self, id: &str) -> bool {
        let body = serde_json::json!({"userId": id});
        let mut state = lock(&self.shared.state);
        users::delete_user(&mut state, body.to_string().as_bytes()).is_ok()
    }

    /// The current users of `org` as `GetUserByID` shows them, each with its `metadata`
    /// (as in `ListUserMetadata`), `idpLinks` and `authorizations` (role keys per project).
    pub fn users(&self, org: &str) -> Vec<Value> {
        self.shared.users(org)
    }

    /// Appends every Connect request and response to `path` as JSON lines
    /// `{method, request, response, status, version}` (`None` stops recording).
    pub fn record_to(&self, path: Option<&Path>) -> std::io::Result<()> {
        let file = match path {
            Some(p) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)?,
            ),
            None => None,
        };
        *lock(&self.shared.recorder) = file;
        Ok(())
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ZitadelDouble {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
