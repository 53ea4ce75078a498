//! Connect unary JSON calls (`POST /<pkg>.<Service>/<Method>`), Zitadel's errors by Connect
//! `code` and the id in the message, and retries with capped exponential back-off and jitter
//! for transient answers ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)
//! is how they reach the SCIM client).

use super::config::RetryPolicy;
use super::token::TokenSource;
use super::transport::{HttpCall, Transport, TransportError};
use crate::backend::BackendError;
use rand::RngExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

/// The `Retry-After` the SCIM client gets when Zitadel stays unavailable after the retries.
const CLIENT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// A failed Zitadel call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ZError {
    /// Zitadel answered with an error.
    #[error("Zitadel answered {status} {code}: {message}")]
    Remote {
        /// The HTTP status.
        status: u16,
        /// The Connect code (`not_found`, `already_exists`, …); empty when the body had none.
        code: String,
        /// The Zitadel error id from the message's trailing `(ID)`, if any.
        id: Option<String>,
        /// The message as sent.
        message: String,
    },
    /// Zitadel stayed unreachable or overloaded through every retry.
    #[error("Zitadel unavailable: {0}")]
    Unavailable(String),
    /// An answer that does not parse, or a local failure.
    #[error("Zitadel call failed: {0}")]
    Internal(String),
}

impl ZError {
    /// Whether this is Zitadel's `code` (and, when given, error `id`).
    pub(crate) fn is(&self, code: &str, id: Option<&str>) -> bool {
        match self {
            ZError::Remote { code: c, id: i, .. } => {
                c == code && id.is_none_or(|want| i.as_deref() == Some(want))
            }
            _ => false,
        }
    }

    /// The Connect code, if Zitadel answered.
    pub(crate) fn code(&self) -> Option<&str> {
        match self {
            ZError::Remote { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl From<ZError> for BackendError {
    /// The SCIM error for a Zitadel error no call site handled itself: `not_found` → 404,
    /// `already_exists` → 409 `uniqueness`, `invalid_argument`/`failed_precondition` → 400
    /// with Zitadel's reason, transient → 503 with `Retry-After`, the rest → 500 (logged).
    fn from(e: ZError) -> Self {
        match &e {
            ZError::Remote { code, message, .. } => match code.as_str() {
                "not_found" => BackendError::not_found("no such user in this organisation"),
                "already_exists" => BackendError::uniqueness(format!(
                    "Zitadel refused a duplicate value: {message}"
                )),
                "invalid_argument" | "failed_precondition" | "out_of_range" => {
                    BackendError::invalid_value(format!("Zitadel refused the value: {message}"))
                }
                _ if retryable_code(code) => {
                    BackendError::unavailable(e.to_string(), Some(CLIENT_RETRY_AFTER))
                }
                _ => BackendError::internal_msg(e.to_string()),
            },
            ZError::Unavailable(_) => {
                BackendError::unavailable(e.to_string(), Some(CLIENT_RETRY_AFTER))
            }
            ZError::Internal(_) => BackendError::internal_msg(e.to_string()),
        }
    }
}

fn retryable_code(code: &str) -> bool {
    matches!(
        code,
        "resource_exhausted" | "unavailable" | "deadline_exceeded" | "internal"
    )
}

fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// The id in a Zitadel message's trailing parentheses: `"User not found (QUERY-Dfbg2)"`.
pub(crate) fn error_id(message: &str) -> Option<String> {
    let inner = message.trim_end().strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let id = inner.get(open + 1..)?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then(|| id.to_owned())
}

/// Reads an error answer: Connect JSON `{code, message}` when there is one (the edge's 429
/// may have any body).
fn remote_error(status: u16, body: &[u8]) -> ZError {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default)]
        code: serde_json::Value,
        #[serde(default)]
        message: String,
    }
    let parsed: Option<Body> = serde_json::from_slice(body).ok();
    let (code, message) = match parsed {
        Some(b) => (
            match b.code {
                serde_json::Value::String(s) => s,
                _ => String::new(),
            },
            b.message,
        ),
        None => (String::new(), String::new()),
    };
    let code = if code.is_empty() {
        match status {
            400 => "invalid_argument",
            401 => "unauthenticated",
            403 => "permission_denied",
            404 => "not_found",
            409 => "already_exists",
            429 => "resource_exhausted",
            501 => "unimplemented",
            503 => "unavailable",
            504 => "deadline_exceeded",
            _ => "unknown",
        }
        .to_owned()
    } else {
        code
    };
    ZError::Remote {
        status,
        id: error_id(&message),
        code,
        message,
    }
}

/// The Connect client: token, transport, retries, and a count of calls per method (the
/// backend's own measure of how many Zitadel calls a SCIM operation costs).
pub(crate) struct Connect {
    transport: Arc<dyn Transport>,
    tokens: TokenSource,
    retry: RetryPolicy,
    calls: Mutex<BTreeMap<String, u64>>,
}

impl Connect {
    pub(crate) fn new(
        transport: Arc<dyn Transport>,
        tokens: TokenSource,
        retry: RetryPolicy,
    ) -> Self {
        Connect {
            transport,
            tokens,
            retry,
            calls: Mutex::new(BTreeMap::new()),
        }
    }

    /// Calls `Service/Method` (e.g. `zitadel.user.v2.UserService/GetUserByID`).
    pub(crate) async fn call<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        method: &str,
        request: &Req,
    ) -> Result<Resp, ZError> {
        self.call_attempts(method, request).await.0
    }

    /// [`Connect::call`], also telling whether an earlier attempt may have been applied
    /// (it failed in a way that does not prove Zitadel refused it: a timeout, a 5xx; a 429
    /// or `resource_exhausted` is a refusal) before its answer was lost.
    /// earlier attempt may have been applied before its answer was lost).
    pub(crate) async fn call_attempts<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        method: &str,
        request: &Req,
    ) -> (Result<Resp, ZError>, bool) {
        let body = match serde_json::to_vec(request) {
            Ok(b) => b,
            Err(e) => return (Err(ZError::Internal(e.to_string())), false),
        };
        let mut maybe_applied = false;
        let answer = self
            .send(&format!("/{method}"), body, &mut maybe_applied)
            .await;
        let parsed = answer.and_then(|a| {
            serde_json::from_slice(&a).map_err(|e| {
                ZError::Internal(format!("{method}: Zitadel's answer does not parse: {e}"))
            })
        });
        (parsed, maybe_applied)
    }

    /// The number of calls made per method since the start.
    pub(crate) fn calls(&self) -> BTreeMap<String, u64> {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    async fn send(
        &self,
        path: &str,
        body: Vec<u8>,
        maybe_applied: &mut bool,
    ) -> Result<Vec<u8>, ZError> {
        let mut attempt = 0u32;
        let mut reauthed = false;
        loop {
            let token = self
                .tokens
                .token(self.transport.as_ref())
                .await
                .map_err(|e| ZError::Unavailable(format!("no access token: {}", e.detail())))?;
            self.count(path);
            let result = self
                .transport
                .send(
                    HttpCall::new(path, "application/json", body.clone())
                        .with_bearer(token)
                        .with_connect(),
                )
                .await;
            let failure = match result {
                Ok(a) if a.status == 200 => return Ok(a.body),
                Ok(a) if a.status == 401 && !reauthed && self.tokens.refreshable() => {
                    self.tokens.invalidate().await;
                    reauthed = true;
                    continue;
                }
                Ok(a) => {
                    let e = remote_error(a.status, &a.body);
                    let transient =
                        retryable_status(a.status) || e.code().is_some_and(retryable_code);
                    if !transient {
                        return Err(e);
                    }
                    *maybe_applied |= !(a.status == 429 || e.is("resource_exhausted", None));
                    e.to_string()
                }
                Err(TransportError::Other(e)) => return Err(ZError::Internal(e)),
                Err(e) => {
                    *maybe_applied |= e == TransportError::Timeout;
                    e.to_string()
                }
            };
            attempt += 1;
            if attempt >= self.retry.max_attempts {
                return Err(ZError::Unavailable(format!(
                    "{path}: {failure} (after {attempt} attempts)"
                )));
            }
            let ceiling = self.retry.ceiling(attempt - 1);
            let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
            let wait = rand::rng().random_range(0..=millis);
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
    }

    fn count(&self, path: &str) {
        let mut calls = self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = calls
            .entry(path.trim_start_matches('/').to_owned())
            .or_insert(0);
        *n = n.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Secret;
    use crate::backend::zitadel::config::Credentials;
    use crate::backend::zitadel::transport::HttpAnswer;
    use async_trait::async_trait;

    /// Answers from a script, in order; records what it was sent.
    struct Script(
        Mutex<Vec<Result<HttpAnswer, TransportError>>>,
        Mutex<Vec<HttpCall>>,
    );

    #[async_trait]
    impl Transport for Script {
        async fn send(&self, call: HttpCall) -> Result<HttpAnswer, TransportError> {
            self.1.lock().unwrap().push(call);
            let mut answers = self.0.lock().unwrap();
            if answers.is_empty() {
                return Err(TransportError::Other("script exhausted".into()));
            }
            answers.remove(0)
        }
    }

    fn answer(status: u16, body: &str) -> Result<HttpAnswer, TransportError> {
        Ok(HttpAnswer {
            status,
            body: body.as_bytes().to_vec(),
        })
    }

    fn connect(script: Vec<Result<HttpAnswer, TransportError>>) -> (Connect, Arc<Script>) {
        let t = Arc::new(Script(Mutex::new(script), Mutex::new(Vec::new())));
        let retry = RetryPolicy::new(4, Duration::from_millis(1), Duration::from_millis(2));
        let tokens = TokenSource::new(Credentials::Pat(Secret::new("pat-1")), "http://z");
        (Connect::new(t.clone(), tokens, retry), t)
    }

    #[tokio::test]
    async fn transient_answers_are_retried_then_succeed() {
        let (c, t) = connect(vec![
            answer(429, ""),
            answer(503, r#"{"code":"unavailable","message":"x"}"#),
            Err(TransportError::Timeout),
            answer(200, r#"{"user":{"userId":"1","username":"a"}}"#),
        ]);
        let (r, maybe_applied) = c
            .call_attempts::<_, serde_json::Value>(
                "zitadel.user.v2.UserService/GetUserByID",
                &serde_json::json!({"userId": "1"}),
            )
            .await;
        assert_eq!(r.unwrap()["user"]["userId"], "1");
        assert!(maybe_applied, "a 503 and a timeout may have been applied");
        let sent = t.1.lock().unwrap();
        assert_eq!(sent[0].path, "/zitadel.user.v2.UserService/GetUserByID");
        assert!(sent[0].connect && sent[0].bearer.as_deref() == Some("pat-1"));
        assert!(!format!("{:?}", sent[0]).contains("pat-1"));
        assert_eq!(
            c.calls().get("zitadel.user.v2.UserService/GetUserByID"),
            Some(&4)
        );
    }

    #[tokio::test]
    async fn refusals_are_not_retried_and_exhaustion_is_503() {
        let (c, _) = connect(vec![answer(
            400,
            r#"{"code":"failed_precondition","message":"Errors.User.AlreadyExisting (COMMAND-7yiox1isql)"}"#,
        )]);
        let e = c
            .call::<_, serde_json::Value>(
                "zitadel.user.v2.UserService/CreateUser",
                &serde_json::json!({}),
            )
            .await
            .unwrap_err();
        assert!(e.is("failed_precondition", Some("COMMAND-7yiox1isql")));
        let (c, _) = connect(vec![
            answer(429, ""),
            answer(429, ""),
            answer(429, ""),
            answer(429, ""),
        ]);
        let e = c
            .call::<_, serde_json::Value>(
                "zitadel.user.v2.UserService/ListUsers",
                &serde_json::json!({}),
            )
            .await
            .unwrap_err();
        let b = BackendError::from(e);
        assert_eq!(b.status().as_u16(), 503);
        assert!(b.retry_after().is_some());
    }

    #[test]
    fn error_ids_come_from_the_trailing_parentheses() {
        assert_eq!(
            error_id("User could not be found (QUERY-Dfbg2)").as_deref(),
            Some("QUERY-Dfbg2")
        );
        assert_eq!(
            error_id("Errors.User.AlreadyExisting (COMMAND-7yiox1isql)").as_deref(),
            Some("COMMAND-7yiox1isql")
        );
        assert_eq!(
            error_id("invalid SetHumanProfile.GivenName: value length"),
            None
        );
        assert_eq!(error_id("x (a b)"), None);
    }

    #[test]
    fn errors_map_by_code() {
        let e = remote_error(
            404,
            br#"{"code":"not_found","message":"User could not be found (QUERY-Dfbg2)"}"#,
        );
        assert!(e.is("not_found", Some("QUERY-Dfbg2")));
        assert_eq!(BackendError::from(e).status().as_u16(), 404);
        let e = remote_error(
            409,
            br#"{"code":"already_exists","message":"x (V3-DKcYh)"}"#,
        );
        assert_eq!(BackendError::from(e).status().as_u16(), 409);
        let e = remote_error(429, b"Too Many Requests");
        assert!(e.is("resource_exhausted", None));
        let b = BackendError::from(ZError::Unavailable("x".into()));
        assert_eq!(b.status().as_u16(), 503);
        assert!(b.retry_after().is_some());
        let e = remote_error(
            403,
            br#"{"code":"permission_denied","message":"No (AUTH-5mWD2)"}"#,
        );
        assert_eq!(BackendError::from(e).status().as_u16(), 500);
    }
}
