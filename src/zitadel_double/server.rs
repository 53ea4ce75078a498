//! The HTTP side of the double: Connect unary JSON routing (`POST /<pkg>.<Service>/<Method>`),
//! bearer-token checks, injected faults, per-method counters and the JSON-lines recording.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};
use serde_json::{Value, json};

use super::authz::{self, Api};
use super::state::State;
use super::wire::{Code, ConnectError};
use super::{Faults, ZitadelVersion, list, metadata, orgs, update, users};

/// Locks a mutex, taking the data even if a panicking test thread poisoned it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) calls: Mutex<BTreeMap<String, u64>>,
    pub(crate) faults: Mutex<(Faults, StdRng)>,
    /// Valid bearer tokens and when they expire (`None`: a PAT without expiry).
    pub(crate) tokens: Mutex<HashMap<String, Option<Instant>>>,
    pub(crate) token_lifetime: Mutex<Duration>,
    pub(crate) recorder: Mutex<Option<File>>,
}

impl Shared {
    pub(crate) fn new(state: State, seed: u64) -> Self {
        Shared {
            state: Mutex::new(state),
            calls: Mutex::new(BTreeMap::new()),
            faults: Mutex::new((Faults::default(), StdRng::seed_from_u64(seed))),
            tokens: Mutex::new(HashMap::new()),
            token_lifetime: Mutex::new(super::token::DEFAULT_LIFETIME),
            recorder: Mutex::new(None),
        }
    }
}

fn json_response(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// What the fault dice decided for one call.
enum Fault {
    None,
    /// 429 from an edge proxy: no Connect body.
    EdgeTooMany,
    /// 429 from Zitadel itself: Connect `resource_exhausted`.
    Exhausted,
}

/// Answers every Connect call.
pub(crate) async fn connect(
    shared: Arc<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let procedure = uri.path().trim_start_matches('/').to_owned();
    if let Some(what) = procedure.strip_prefix("__double/") {
        return super::control::control(&shared, &method, what, uri.query(), &headers, &body);
    }
    *lock(&shared.calls).entry(procedure.clone()).or_insert(0) += 1;
    let (latency, fault) = {
        let mut guard = lock(&shared.faults);
        let (faults, rng) = &mut *guard;
        let fault = if faults.rate_429 > 0.0 && rng.random_bool(faults.rate_429.clamp(0.0, 1.0)) {
            if rng.random_bool(0.5) {
                Fault::EdgeTooMany
            } else {
                Fault::Exhausted
            }
        } else {
            Fault::None
        };
        (faults.latency, fault)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (status, response) = match fault {
        Fault::EdgeTooMany => {
            record(&shared, &procedure, &body, 429, &Value::Null);
            return (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
        }
        Fault::Exhausted => {
            let e = ConnectError::zitadel(Code::ResourceExhausted, "QUOTA-vjAy8", "Quota exceeded");
            (e.code.status(), e.body())
        }
        Fault::None => match answer(&shared, &procedure, &headers, &body) {
            Ok(v) => (200, v),
            Err(e) => (e.code.status(), e.body()),
        },
    };
    record(&shared, &procedure, &body, status, &response);
    json_response(status, &response)
}

/// Authenticates, then runs the procedure.
fn answer(
    shared: &Shared,
    procedure: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, ConnectError> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ConnectError::bare(Code::Unauthenticated, "auth header missing"))?;
    let token = auth
        .strip_prefix("Bearer ")
        .filter(|t| {
            lock(&shared.tokens)
                .get(*t)
                .is_some_and(|expiry| expiry.is_none_or(|e| Instant::now() < e))
        })
        .ok_or_else(|| {
            ConnectError::zitadel(Code::Unauthenticated, "AUTH-7fs1e", "Token is invalid")
        })?;
    let _ = token;
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !json_body {
        return Err(ConnectError::invalid(
            "unsupported content type: the double speaks Connect JSON only",
        ));
    }
    let mut state = lock(&shared.state);
    dispatch(&mut state, procedure, body)
}

/// The v4 surface, by version (RELEASED.md §8).
fn dispatch(state: &mut State, procedure: &str, body: &[u8]) -> Result<Value, ConnectError> {
    let v2_authz = state.version >= ZitadelVersion::V4_6;
    let (service, method) = procedure.split_once('/').unwrap_or((procedure, ""));
    match (service, method) {
        ("zitadel.user.v2.UserService", m) => match m {
            "CreateUser" => users::create_user(state, body),
            "AddHumanUser" => users::add_human_user(state, body),
            "GetUserByID" => users::get_user_by_id(state, body),
            "ListUsers" => list::list_users(state, body),
            "UpdateUser" => update::update_user(state, body),
            "DeleteUser" => users::delete_user(state, body),
            "DeactivateUser" => users::set_active(state, body, false),
            "ReactivateUser" => users::set_active(state, body, true),
            "SetUserMetadata" => metadata::set(state, body),
            "ListUserMetadata" => metadata::list(state, body),
            "DeleteUserMetadata" => metadata::delete(state, body),
            "AddIDPLink" => metadata::add_link(state, body),
            "ListIDPLinks" => metadata::list_links(state, body),
            "RemoveIDPLink" => metadata::remove_link(state, body),
            _ => Err(unimplemented(procedure)),
        },
        ("zitadel.org.v2.OrganizationService", "ListOrganizations") => {
            orgs::list_organizations(state, body)
        }
        ("zitadel.settings.v2.SettingsService", "GetActiveIdentityProviders") => {
            orgs::active_idps(state, body)
        }
        ("zitadel.project.v2beta.ProjectService", "ListProjectRoles") => {
            orgs::list_project_roles(state, body)
        }
        ("zitadel.authorization.v2.AuthorizationService", m) if v2_authz => {
            authz_call(state, m, body, Api::V2, procedure)
        }
        ("zitadel.authorization.v2beta.AuthorizationService", m) => {
            authz_call(state, m, body, Api::V2Beta, procedure)
        }
        // No released v4 has `zitadel.group.v2.GroupService` (RELEASED.md §1).
        _ => Err(unimplemented(procedure)),
    }
}

fn authz_call(
    state: &mut State,
    method: &str,
    body: &[u8],
    api: Api,
    procedure: &str,
) -> Result<Value, ConnectError> {
    match method {
        "CreateAuthorization" => authz::create(state, body, api),
        "UpdateAuthorization" => authz::update(state, body, api),
        "DeleteAuthorization" => authz::delete(state, body, api),
        "ListAuthorizations" => authz::list(state, body, api),
        _ => Err(unimplemented(procedure)),
    }
}

fn unimplemented(procedure: &str) -> ConnectError {
    ConnectError::bare(
        Code::Unimplemented,
        &format!("/{procedure} is not implemented"),
    )
}

/// Appends `{method, request, response, status, version}` to the recording, if any.
fn record(shared: &Shared, procedure: &str, request: &[u8], status: u16, response: &Value) {
    let mut recorder = lock(&shared.recorder);
    let Some(file) = recorder.as_mut() else {
        return;
    };
    let request: Value = serde_json::from_slice(request)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(request).into_owned()));
    let version = lock(&shared.state).version;
    let line = json!({
        "method": procedure,
        "request": request,
        "response": response,
        "status": status,
        "version": version.name(),
    });
    // A recording that cannot be written must not fail the call it records.
    let _ = writeln!(file, "{line}");
}
