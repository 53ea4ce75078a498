//! The double's own control surface (`/__double/...`), for scripts that drive a double running
//! in another process: faults, state inspection and call counters. Not part of Zitadel.

use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::SeedableRng as _;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Faults;
use super::server::{Shared, lock};
use super::wire::put;

impl Shared {
    /// See [`super::ZitadelDouble::set_faults`].
    pub(crate) fn set_faults(&self, faults: Faults) {
        lock(&self.state).lag = faults.list_users_lag;
        let rng = rand::rngs::StdRng::seed_from_u64(faults.seed);
        *lock(&self.faults) = (faults, rng);
    }

    /// See [`super::ZitadelDouble::users`].
    pub(crate) fn users(&self, org: &str) -> Vec<Value> {
        let state = lock(&self.state);
        state
            .users
            .values()
            .filter(|u| u.org == org)
            .map(|u| {
                let mut v = u.to_json();
                put(&mut v, &["metadata"], Value::from(u.metadata_json()));
                let links: Vec<Value> = u
                    .links
                    .iter()
                    .map(|l| json!({"idpId": l.idp_id, "userId": l.user_id, "userName": l.user_name}))
                    .collect();
                put(&mut v, &["idpLinks"], Value::from(links));
                let grants: Vec<Value> = state
                    .authz
                    .values()
                    .filter(|a| a.user_id == u.id)
                    .map(|a| json!({"id": a.id, "projectId": a.project_id, "roleKeys": a.roles}))
                    .collect();
                put(&mut v, &["authorizations"], Value::from(grants));
                v
            })
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultsIn {
    #[serde(default, rename = "rate429")]
    rate_429: f64,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    latency_ms: u64,
    #[serde(default)]
    list_users_lag_ms: u64,
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Answers `/__double/<what>` (bearer token required, as everywhere).
pub(crate) fn control(
    shared: &Shared,
    method: &Method,
    what: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let known = token.is_some_and(|t| lock(&shared.tokens).contains_key(t));
    if !known {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"error": "unauthenticated"}),
        );
    }
    match (method.as_str(), what) {
        ("POST", "faults") => match serde_json::from_slice::<FaultsIn>(body) {
            Ok(f) => {
                shared.set_faults(Faults {
                    rate_429: f.rate_429,
                    seed: f.seed,
                    latency: Duration::from_millis(f.latency_ms),
                    list_users_lag: Duration::from_millis(f.list_users_lag_ms),
                });
                StatusCode::NO_CONTENT.into_response()
            }
            Err(e) => json_response(StatusCode::BAD_REQUEST, &json!({"error": e.to_string()})),
        },
        ("GET", "users") => {
            let org = query
                .into_iter()
                .flat_map(|q| url::form_urlencoded::parse(q.as_bytes()))
                .find(|(k, _)| k == "org")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            json_response(StatusCode::OK, &Value::from(shared.users(&org)))
        }
        ("GET", "calls") => {
            let calls = lock(&shared.calls).clone();
            json_response(StatusCode::OK, &json!(calls))
        }
        _ => json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": "unknown control path"}),
        ),
    }
}
