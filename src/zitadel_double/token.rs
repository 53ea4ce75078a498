//! `POST /oauth/v2/token` with the JWT-profile grant (RFC 7523,
//! `urn:ietf:params:oauth:grant-type:jwt-bearer`), as Zitadel serves it to service users with
//! a key file (API.md §1.1): the assertion is RS256-signed with the service user's key
//! (`kid` = key id), `iss` = `sub` = the user id, `aud` = the issuer (instance URL), `iat` at
//! most one hour old. The access token works for API calls only when the scope holds
//! `urn:zitadel:iam:org:project:id:zitadel:aud` (without it Zitadel's APIs answer 401).

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use rand::RngExt as _;
use serde::Deserialize;
use serde_json::{Value, json};

use super::server::{Shared, lock};

/// The checked-in test key pair of the double's service user (never a real secret).
pub(crate) const PRIVATE_KEY_PEM: &str = include_str!("testkey/service-user.key.pem");
const PUBLIC_KEY_PEM: &str = include_str!("testkey/service-user.pub.pem");
/// The service user's id and its key's id.
pub(crate) const SERVICE_USER_ID: &str = "336400000000000001";
pub(crate) const KEY_ID: &str = "336400000000000002";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const API_AUDIENCE_SCOPE: &str = "urn:zitadel:iam:org:project:id:zitadel:aud";

#[derive(Deserialize)]
struct Claims {
    sub: String,
    iat: Option<u64>,
}

fn oauth_error(error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    (
        StatusCode::BAD_REQUEST,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Checks the grant and the assertion; mints an opaque access token.
pub(crate) fn token(shared: &Shared, issuer: &str, body: &[u8]) -> Response {
    *lock(&shared.calls)
        .entry("oauth/v2/token".to_owned())
        .or_insert(0) += 1;
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if field("grant_type") != Some(JWT_BEARER) {
        return oauth_error(
            "unsupported_grant_type",
            "only the jwt-bearer grant is served",
        );
    }
    let Some(assertion) = field("assertion") else {
        return oauth_error("invalid_request", "assertion missing");
    };
    let kid_ok = decode_header(assertion)
        .ok()
        .and_then(|h| h.kid)
        .is_some_and(|kid| kid == KEY_ID);
    if !kid_ok {
        return oauth_error("invalid_grant", "unknown key id");
    }
    let Ok(key) = DecodingKey::from_rsa_pem(PUBLIC_KEY_PEM.as_bytes()) else {
        return oauth_error("server_error", "the double's test key does not load");
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[issuer]);
    validation.set_issuer(&[SERVICE_USER_ID]);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    let claims = match decode::<Claims>(assertion, &key, &validation) {
        Ok(data) => data.claims,
        Err(e) => return oauth_error("invalid_grant", &format!("assertion invalid: {e}")),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let fresh = claims
        .iat
        .is_some_and(|iat| iat <= now + 60 && now.saturating_sub(iat) <= 3600);
    if claims.sub != SERVICE_USER_ID || !fresh {
        return oauth_error(
            "invalid_grant",
            "sub must equal iss and iat be within the last hour",
        );
    }
    let lifetime = *lock(&shared.token_lifetime);
    let n: u128 = rand::rng().random();
    let access_token = format!("at-{n:032x}");
    let api_scope = field("scope").is_some_and(|s| s.split(' ').any(|s| s == API_AUDIENCE_SCOPE));
    if api_scope {
        lock(&shared.tokens).insert(access_token.clone(), Some(Instant::now() + lifetime));
    }
    let body: Value = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
    });
    (
        StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The default lifetime Zitadel's docs show (about 12 h).
pub(crate) const DEFAULT_LIFETIME: Duration = Duration::from_secs(43_199);
