//! The HTTP seam: one POST to Zitadel and its answer. [`ReqwestTransport`] speaks HTTP(S)
//! through reqwest with rustls; tests inject their own [`Transport`]
//! ([RFC 7644 §3.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.1) is what the SCIM side
//! speaks; this is the remote side).

use async_trait::async_trait;
use std::fmt;
use std::time::Duration;

/// One request to Zitadel: a POST of `body` to `path` (e.g.
/// `/zitadel.user.v2.UserService/CreateUser`) with these headers.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpCall {
    /// The path below the instance URL.
    pub path: String,
    /// `Content-Type` of `body`.
    pub content_type: &'static str,
    /// The bearer token, if any (never printed).
    pub bearer: Option<String>,
    /// Whether this is a Connect call (sends `Connect-Protocol-Version: 1`).
    pub connect: bool,
    /// The body.
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpCall")
            .field("path", &self.path)
            .field("content_type", &self.content_type)
            .field("bearer", &self.bearer.as_ref().map(|_| "[redacted]"))
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl HttpCall {
    /// A POST of `body` (of type `content_type`) to `path`, with no bearer token, not Connect.
    pub fn new(path: impl Into<String>, content_type: &'static str, body: Vec<u8>) -> Self {
        HttpCall {
            path: path.into(),
            content_type,
            bearer: None,
            connect: false,
            body,
        }
    }

    /// Sends `token` as the bearer token.
    pub fn with_bearer(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(token.into());
        self
    }

    /// Marks the call as a Connect call (`Connect-Protocol-Version: 1`).
    pub fn with_connect(mut self) -> Self {
        self.connect = true;
        self
    }
}

/// Zitadel's answer: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpAnswer {
    /// The HTTP status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpAnswer {
    /// An answer with `status` and `body` (what a custom [`Transport`] returns).
    pub fn new(status: u16, body: Vec<u8>) -> Self {
        HttpAnswer { status, body }
    }
}

/// Why no answer arrived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The exchange took longer than the timeout.
    #[error("Zitadel did not answer in time")]
    Timeout,
    /// Connecting or sending failed (retryable).
    #[error("cannot reach Zitadel: {0}")]
    Connect(String),
    /// Anything else.
    #[error("HTTP exchange with Zitadel failed: {0}")]
    Other(String),
}

/// Sends one request to the Zitadel instance. Implement it to put the backend on another HTTP
/// stack or to answer from a script in tests.
#[async_trait]
pub trait Transport: Send + Sync {
    /// Sends `call` and returns Zitadel's answer, whatever its status.
    async fn send(&self, call: HttpCall) -> Result<HttpAnswer, TransportError>;
}

/// [`Transport`] over reqwest (rustls, connection pooling, a timeout per exchange).
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    base: String,
}

impl ReqwestTransport {
    /// A transport to the instance at `base` (e.g. `https://acme.zitadel.cloud`).
    pub fn new(base: &str, timeout: Duration) -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| TransportError::Other(e.to_string()))?;
        Ok(ReqwestTransport {
            client,
            base: base.trim_end_matches('/').to_owned(),
        })
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, call: HttpCall) -> Result<HttpAnswer, TransportError> {
        let mut req = self
            .client
            .post(format!("{}{}", self.base, call.path))
            .header(http::header::CONTENT_TYPE, call.content_type)
            .body(call.body);
        if call.connect {
            req = req.header("Connect-Protocol-Version", "1");
        }
        if let Some(token) = &call.bearer {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.map_err(classify)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(classify)?;
        Ok(HttpAnswer {
            status,
            body: body.to_vec(),
        })
    }
}

fn classify(e: reqwest::Error) -> TransportError {
    if e.is_timeout() {
        TransportError::Timeout
    } else if e.is_connect() || e.is_request() {
        TransportError::Connect(e.to_string())
    } else {
        TransportError::Other(e.to_string())
    }
}
