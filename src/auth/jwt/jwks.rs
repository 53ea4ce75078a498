//! A JWK Set fetched from the issuer's `jwks_uri` and cached
//! ([RFC 7517 §5](https://www.rfc-editor.org/rfc/rfc7517#section-5),
//! [RFC 8414 §2](https://www.rfc-editor.org/rfc/rfc8414#section-2)).
//!
//! Keys are re-fetched when the cache is older than its TTL or a token names an unknown `kid`
//! (the issuer rotated its keys), but never more often than once per
//! [`min_refetch_interval`](JwksCache::min_refetch_interval): a flood of tokens with random
//! `kid`s costs the identity provider at most one request per interval. Concurrent misses share
//! one fetch.

use super::config::JwtAlgorithm;
use super::keyset::{KeyError, KeySet};
use jsonwebtoken::DecodingKey;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The largest JWK Set document read (a real one is a few KiB).
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

/// The outcome of looking a key up.
pub(super) enum Lookup {
    /// The key to verify with.
    Found(DecodingKey),
    /// No such key, even after the re-fetch the bound allowed.
    Unknown,
    /// The JWK Set could not be fetched; retry after this long.
    Unavailable(Duration),
}

#[derive(Default)]
struct State {
    keys: Arc<KeySet>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
    last_failed: bool,
    generation: u64,
}

/// Verification keys fetched from a JWKS URL and cached
/// ([RFC 7517 §5](https://www.rfc-editor.org/rfc/rfc7517#section-5)).
///
/// Defaults: TTL 10 minutes, at most one fetch per 30 seconds, 5 s timeout per fetch. When a
/// fetch fails, keys already known keep working; a token whose key is not known gets a 503
/// with `Retry-After` and the failure is logged (`tracing`, target `scimitar::auth::jwt`).
pub struct JwksCache {
    url: url::Url,
    client: reqwest::Client,
    ttl: Duration,
    min_refetch: Duration,
    timeout: Duration,
    state: Mutex<State>,
    fetch_lock: tokio::sync::Mutex<()>,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("url", &self.url.as_str())
            .field("ttl", &self.ttl)
            .field("min_refetch", &self.min_refetch)
            .finish_non_exhaustive()
    }
}

impl JwksCache {
    /// A cache over the JWK Set at `url` (an absolute `http` or `https` URL); nothing is fetched
    /// until the first token arrives.
    pub fn new(url: &str) -> Result<Self, KeyError> {
        let url = url::Url::parse(url).map_err(|e| KeyError::new(format!("JWKS URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(KeyError::new("the JWKS URL must be http or https"));
        }
        let client = reqwest::Client::builder()
            .build()
            .map_err(|e| KeyError::new(format!("HTTP client: {e}")))?;
        Ok(JwksCache {
            url,
            client,
            ttl: Duration::from_secs(600),
            min_refetch: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            state: Mutex::new(State::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// How long fetched keys are used before they are fetched again (default 10 minutes).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The shortest time between two fetches, whatever the tokens say (default 30 s).
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch = interval;
        self
    }

    /// How long one fetch may take (default 5 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key for a token header's `kid` and `alg`, fetching the set when it is missing, stale
    /// or lacks the `kid`, within the re-fetch bound.
    pub(super) async fn key(&self, kid: Option<&str>, alg: JwtAlgorithm) -> Lookup {
        let (keys, generation) = {
            let s = self.lock();
            let fresh = s.fetched_at.is_some_and(|t| t.elapsed() < self.ttl);
            (fresh.then(|| s.keys.clone()), s.generation)
        };
        if let Some(key) = keys.as_ref().and_then(|k| k.find(kid, alg)) {
            return Lookup::Found(key.clone());
        }
        let _fetching = self.fetch_lock.lock().await;
        let (keys, last_attempt, last_failed, fetched) = {
            let s = self.lock();
            if s.generation != generation {
                // Another request fetched while this one waited: that was the re-fetch.
                return found_or_unknown(&s.keys, kid, alg);
            }
            (
                s.keys.clone(),
                s.last_attempt,
                s.last_failed,
                s.fetched_at.is_some(),
            )
        };
        let now = Instant::now();
        if let Some(wait) = last_attempt
            .map(|t| now.duration_since(t))
            .filter(|since| *since < self.min_refetch)
            .map(|since| self.min_refetch.saturating_sub(since))
        {
            if let Some(key) = keys.find(kid, alg) {
                return Lookup::Found(key.clone());
            }
            return if last_failed || !fetched {
                Lookup::Unavailable(wait)
            } else {
                Lookup::Unknown
            };
        }
        self.lock().last_attempt = Some(now);
        match self.fetch().await {
            Ok(set) => {
                let set = Arc::new(set);
                let mut s = self.lock();
                s.keys = set.clone();
                s.fetched_at = Some(now);
                s.last_failed = false;
                s.generation = s.generation.wrapping_add(1);
                drop(s);
                found_or_unknown(&set, kid, alg)
            }
            Err(e) => {
                tracing::warn!(
                    target: "scimitar::auth::jwt",
                    url = %self.url,
                    error = %e,
                    "JWKS fetch failed; keys already known stay in use"
                );
                self.lock().last_failed = true;
                match keys.find(kid, alg) {
                    Some(key) => Lookup::Found(key.clone()),
                    None => Lookup::Unavailable(self.min_refetch.max(Duration::from_secs(1))),
                }
            }
        }
    }

    async fn fetch(&self) -> Result<KeySet, KeyError> {
        let chain = |e: reqwest::Error| {
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                src = s.source();
            }
            KeyError::new(msg)
        };
        let mut resp = self
            .client
            .get(self.url.clone())
            .header(http::header::ACCEPT, "application/json")
            .timeout(self.timeout)
            .send()
            .await
            .map_err(chain)?;
        if !resp.status().is_success() {
            return Err(KeyError::new(format!("JWKS answered {}", resp.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(chain)? {
            if body.len().saturating_add(chunk.len()) > MAX_JWKS_BYTES {
                return Err(KeyError::new(format!(
                    "JWKS larger than {MAX_JWKS_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        KeySet::from_jwks_json(&body)
    }
}

fn found_or_unknown(keys: &KeySet, kid: Option<&str>, alg: JwtAlgorithm) -> Lookup {
    match keys.find(kid, alg) {
        Some(k) => Lookup::Found(k.clone()),
        None => Lookup::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls() {
        assert!(JwksCache::new("https://idp.example.com/keys").is_ok());
        assert!(JwksCache::new("file:///etc/keys").is_err());
        assert!(JwksCache::new("not a url").is_err());
    }
}
