//! The service user's access token: a PAT as is, or a JWT-profile key exchanged at
//! `/oauth/v2/token` ([RFC 7523 §2.1](https://www.rfc-editor.org/rfc/rfc7523#section-2.1)),
//! cached and refreshed before it expires, one refresh at a time.

use super::config::{Credentials, KeyFile};
use super::transport::{HttpCall, Transport};
use crate::backend::BackendError;
use serde::Deserialize;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

/// The scope without which Zitadel refuses the token on its APIs (`AUTH-7fs1e`).
const SCOPE: &str = "openid urn:zitadel:iam:org:project:id:zitadel:aud";
/// A token is refreshed when less than this is left of its life.
const REFRESH_MARGIN: Duration = Duration::from_secs(120);

/// Where the bearer token comes from.
pub(crate) struct TokenSource {
    credentials: Credentials,
    audience: String,
    cached: Mutex<Option<(String, Instant)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

impl TokenSource {
    pub(crate) fn new(credentials: Credentials, audience: &str) -> Self {
        TokenSource {
            credentials,
            audience: audience.to_owned(),
            cached: Mutex::new(None),
        }
    }

    /// The current token; exchanges the key file when none is cached or it is about to expire
    /// (callers wait on one exchange instead of starting their own).
    pub(crate) async fn token(&self, transport: &dyn Transport) -> Result<String, BackendError> {
        let key = match &self.credentials {
            Credentials::Pat(s) => return Ok(s.expose().to_owned()),
            Credentials::KeyFile(k) => k,
        };
        let mut cached = self.cached.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && Instant::now() + REFRESH_MARGIN < *until
        {
            return Ok(token.clone());
        }
        let (token, life) = self.exchange(key, transport).await?;
        *cached = Some((token.clone(), Instant::now() + life));
        Ok(token)
    }

    /// Forgets the cached token (after Zitadel answered 401 to it).
    pub(crate) async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    /// Whether a new token can be had by exchanging again (not so for a PAT).
    pub(crate) fn refreshable(&self) -> bool {
        matches!(self.credentials, Credentials::KeyFile(_))
    }

    async fn exchange(
        &self,
        key: &KeyFile,
        transport: &dyn Transport,
    ) -> Result<(String, Duration), BackendError> {
        let assertion = assertion(key, &self.audience, now_secs())?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
            .append_pair("scope", SCOPE)
            .append_pair("assertion", &assertion)
            .finish();
        let answer = transport
            .send(HttpCall::new(
                "/oauth/v2/token",
                "application/x-www-form-urlencoded",
                body.into_bytes(),
            ))
            .await
            .map_err(|e| BackendError::unavailable(e.to_string(), None))?;
        if answer.status != 200 {
            return Err(BackendError::internal_msg(format!(
                "Zitadel refused the service user's key (HTTP {} from /oauth/v2/token)",
                answer.status
            )));
        }
        let t: TokenAnswer =
            serde_json::from_slice(&answer.body).map_err(BackendError::internal)?;
        Ok((
            t.access_token,
            Duration::from_secs(t.expires_in.unwrap_or(3600)),
        ))
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The RS256 JWT-bearer assertion: `iss` = `sub` = the service user, `aud` = the instance.
fn assertion(key: &KeyFile, audience: &str, now: u64) -> Result<String, BackendError> {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(key.key_id.clone());
    let claims = Claims {
        iss: &key.user_id,
        sub: &key.user_id,
        aud: audience,
        iat: now,
        exp: now + 3600,
    };
    let enc =
        jsonwebtoken::EncodingKey::from_rsa_pem(key.key.expose().as_bytes()).map_err(|e| {
            BackendError::internal_msg(format!("the key file's key is not RSA PEM: {e}"))
        })?;
    jsonwebtoken::encode(&header, &claims, &enc)
        .map_err(|e| BackendError::internal_msg(format!("cannot sign the JWT assertion: {e}")))
}
