//! SCIM API keys: the [`ApiKeyStore`] trait (mint, verify, list, revoke) and the in-memory
//! [`MemoryKeyStore`] ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2): bearer
//! tokens, [RFC 6750](https://www.rfc-editor.org/rfc/rfc6750)).
//!
//! A key belongs to one tenant; a tenant may have several live keys (rotation without
//! downtime). Stores keep only the SHA-256 hash of a secret; the secret is shown once, when
//! minted.

use super::TenantId;
use super::secret::{self, KeyHash, Secret};
use crate::backend_error::BackendError;
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// The longest key label a store accepts.
pub const MAX_LABEL_LEN: usize = 200;

/// What is known about a key, never its secret
/// ([RFC 6750 §5.3](https://www.rfc-editor.org/rfc/rfc6750#section-5.3): keep tokens secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KeyInfo {
    /// The key id (also embedded in the secret of a minted key).
    pub id: String,
    /// The tenant the key acts in.
    pub tenant: TenantId,
    /// A free-form label (e.g. "Entra production").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// When the key was minted or inserted.
    pub created: DateTime<Utc>,
    /// When the key last authenticated a request (second precision), if ever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<DateTime<Utc>>,
}

/// A store of API keys ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)).
///
/// Implement it over a database to share keys between replicas; [`MemoryKeyStore`] is the
/// in-memory implementation. Errors are [`BackendError`]s (a store is a backend of its own:
/// unavailable → 503, anything else → 500).
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Mints a new key for `tenant`: its info and the secret, which is never shown again.
    async fn mint(
        &self,
        tenant: &TenantId,
        label: Option<&str>,
    ) -> Result<(KeyInfo, Secret), BackendError>;

    /// Accepts a secret chosen elsewhere (e.g. a configured `SCIM_KEY`) for `tenant`.
    /// Inserting the same secret again for the same tenant returns the existing key;
    /// for another tenant it is a 409 `uniqueness` error.
    async fn insert_known(
        &self,
        tenant: &TenantId,
        label: Option<&str>,
        secret: &Secret,
    ) -> Result<KeyInfo, BackendError>;

    /// The key this secret belongs to, if it is live (constant-time hash comparison).
    async fn verify(&self, secret: &str) -> Result<Option<KeyInfo>, BackendError>;

    /// The live keys of `tenant` (never their secrets), oldest first.
    async fn list(&self, tenant: &TenantId) -> Result<Vec<KeyInfo>, BackendError>;

    /// Revokes a key of `tenant`; `false` when the tenant has no such key.
    async fn revoke(&self, tenant: &TenantId, key_id: &str) -> Result<bool, BackendError>;
}

struct Entry {
    tenant: TenantId,
    label: Option<String>,
    created: DateTime<Utc>,
    hash: KeyHash,
    /// Unix seconds of the last use, 0 for never; updated without the write lock.
    last_used: AtomicI64,
}

impl Entry {
    fn info(&self, id: &str) -> KeyInfo {
        let last = self.last_used.load(Ordering::Relaxed);
        KeyInfo {
            id: id.to_owned(),
            tenant: self.tenant.clone(),
            label: self.label.clone(),
            created: self.created,
            last_used: (last > 0)
                .then(|| Utc.timestamp_opt(last, 0).single())
                .flatten(),
        }
    }
}

/// The in-memory [`ApiKeyStore`]: keys by id in a map, SHA-256 hashes only
/// ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)).
///
/// Keys live as long as the process; use it for tests, examples and single-node deployments.
#[derive(Default)]
pub struct MemoryKeyStore {
    keys: RwLock<HashMap<String, Arc<Entry>>>,
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for MemoryKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("MemoryKeyStore").field("keys", &n).finish()
    }
}

fn check_label(label: Option<&str>) -> Result<Option<String>, BackendError> {
    match label {
        Some(l) if l.chars().count() > MAX_LABEL_LEN => Err(BackendError::invalid_value(format!(
            "label longer than {MAX_LABEL_LEN} characters"
        ))),
        Some(l) => Ok(Some(l.to_owned())),
        None => Ok(None),
    }
}

fn dummy_hash() -> KeyHash {
    KeyHash::from_bytes([0x5a; 32])
}

#[async_trait]
impl ApiKeyStore for MemoryKeyStore {
    async fn mint(
        &self,
        tenant: &TenantId,
        label: Option<&str>,
    ) -> Result<(KeyInfo, Secret), BackendError> {
        let label = check_label(label)?;
        let (id, secret) = secret::generate();
        let entry = Arc::new(Entry {
            tenant: tenant.clone(),
            label,
            created: Utc::now(),
            hash: secret.hash(),
            last_used: AtomicI64::new(0),
        });
        let info = entry.info(&id);
        let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        if keys.contains_key(&id) {
            // 96 random bits collided: refuse rather than overwrite.
            return Err(BackendError::internal_msg("key id collision"));
        }
        keys.insert(id, entry);
        Ok((info, secret))
    }

    async fn insert_known(
        &self,
        tenant: &TenantId,
        label: Option<&str>,
        secret: &Secret,
    ) -> Result<KeyInfo, BackendError> {
        let label = check_label(label)?;
        if secret.expose().is_empty() {
            return Err(BackendError::invalid_value("empty key"));
        }
        let id = secret::key_id_of(secret.expose());
        let hash = secret.hash();
        let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = keys.get(&id) {
            if existing.hash.ct_eq(&hash) && existing.tenant == *tenant {
                return Ok(existing.info(&id));
            }
            return Err(BackendError::uniqueness("key already in use"));
        }
        let entry = Arc::new(Entry {
            tenant: tenant.clone(),
            label,
            created: Utc::now(),
            hash,
            last_used: AtomicI64::new(0),
        });
        let info = entry.info(&id);
        keys.insert(id, entry);
        Ok(info)
    }

    async fn verify(&self, secret: &str) -> Result<Option<KeyInfo>, BackendError> {
        let id = secret::key_id_of(secret);
        let hash = KeyHash::of(secret);
        let entry = self
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned();
        // Compare against a fixed hash when the id is unknown, so a miss costs what a wrong
        // secret costs.
        let stored = entry.as_ref().map_or_else(dummy_hash, |e| e.hash);
        let matches = stored.ct_eq(&hash);
        match entry {
            Some(e) if matches => {
                e.last_used.store(Utc::now().timestamp(), Ordering::Relaxed);
                Ok(Some(e.info(&id)))
            }
            _ => Ok(None),
        }
    }

    async fn list(&self, tenant: &TenantId) -> Result<Vec<KeyInfo>, BackendError> {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let mut out: Vec<KeyInfo> = keys
            .iter()
            .filter(|(_, e)| e.tenant == *tenant)
            .map(|(id, e)| e.info(id))
            .collect();
        out.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    async fn revoke(&self, tenant: &TenantId, key_id: &str) -> Result<bool, BackendError> {
        let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        match keys.get(key_id) {
            Some(e) if e.tenant == *tenant => {
                keys.remove(key_id);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<F: std::future::Future>(f: F) -> F::Output {
        // The memory store never awaits anything, so one poll completes it.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("memory key store awaited"),
        }
    }

    #[test]
    fn mint_verify_revoke() {
        let store = MemoryKeyStore::new();
        let t = TenantId::new("a");
        let (info, secret) = block(store.mint(&t, Some("entra"))).unwrap();
        assert_eq!(info.label.as_deref(), Some("entra"));
        let got = block(store.verify(secret.expose())).unwrap().unwrap();
        assert_eq!(got.id, info.id);
        assert_eq!(got.tenant, t);
        assert!(got.last_used.is_some());
        assert!(block(store.verify("scimk_nope.nope")).unwrap().is_none());
        // a secret with the right id but a wrong body fails
        let forged = format!("{}x", secret.expose());
        assert!(block(store.verify(&forged)).unwrap().is_none());
        assert!(!block(store.revoke(&TenantId::new("b"), &info.id)).unwrap());
        assert!(block(store.revoke(&t, &info.id)).unwrap());
        assert!(block(store.verify(secret.expose())).unwrap().is_none());
        assert!(!block(store.revoke(&t, &info.id)).unwrap());
    }

    #[test]
    fn insert_known_is_idempotent_per_tenant() {
        let store = MemoryKeyStore::new();
        let t = TenantId::new("a");
        let s = Secret::new("configured-key");
        let a = block(store.insert_known(&t, None, &s)).unwrap();
        let b = block(store.insert_known(&t, None, &s)).unwrap();
        assert_eq!(a.id, b.id);
        let err = block(store.insert_known(&TenantId::new("b"), None, &s)).unwrap_err();
        assert_eq!(err.status().as_u16(), 409);
        assert_eq!(
            block(store.verify("configured-key"))
                .unwrap()
                .unwrap()
                .tenant,
            t
        );
        assert!(block(store.insert_known(&t, None, &Secret::new(""))).is_err());
    }

    #[test]
    fn labels_are_bounded() {
        let store = MemoryKeyStore::new();
        let long = "x".repeat(MAX_LABEL_LEN + 1);
        let err = block(store.mint(&TenantId::new("a"), Some(&long))).unwrap_err();
        assert_eq!(err.status().as_u16(), 400);
    }
}
