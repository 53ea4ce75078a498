//! No check of the key-store kit "cannot fail": each deliberately broken wrapper of the memory
//! key store has one bug a real store could have, and `check_key_store` must catch it.

use async_trait::async_trait;
use scimitar::auth::{ApiKeyStore, KeyInfo, MemoryKeyStore, Secret, TenantId};
use scimitar::backend::{BackendError, BackendErrorKind};
use scimitar::testkit;
use std::sync::Arc;

/// A key store with one bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyBug {
    /// `list` shows every tenant's keys.
    ListsEveryTenant,
    /// `revoke` answers true and keeps the key live.
    RevokeKeepsTheKey,
    /// `insert_known` of another tenant's secret returns that tenant's key.
    InsertAcrossTenants,
    /// `verify` accepts any secret that starts with a live one.
    PrefixVerify,
}

struct BrokenKeys {
    inner: MemoryKeyStore,
    bug: KeyBug,
    secrets: std::sync::Mutex<Vec<String>>,
}

#[async_trait]
impl ApiKeyStore for BrokenKeys {
    async fn mint(&self, t: &TenantId, l: Option<&str>) -> Result<(KeyInfo, Secret), BackendError> {
        let (info, secret) = self.inner.mint(t, l).await?;
        self.secrets
            .lock()
            .unwrap()
            .push(secret.expose().to_owned());
        Ok((info, secret))
    }

    async fn insert_known(
        &self,
        t: &TenantId,
        l: Option<&str>,
        s: &Secret,
    ) -> Result<KeyInfo, BackendError> {
        match self.inner.insert_known(t, l, s).await {
            Err(e)
                if self.bug == KeyBug::InsertAcrossTenants
                    && e.kind() == BackendErrorKind::Uniqueness =>
            {
                self.inner.verify(s.expose()).await?.ok_or(e)
            }
            other => other,
        }
    }

    async fn verify(&self, secret: &str) -> Result<Option<KeyInfo>, BackendError> {
        if self.bug == KeyBug::PrefixVerify {
            let known = self.secrets.lock().unwrap().clone();
            if let Some(live) = known.iter().find(|k| secret.starts_with(k.as_str())) {
                return self.inner.verify(live).await;
            }
        }
        self.inner.verify(secret).await
    }

    async fn list(&self, t: &TenantId) -> Result<Vec<KeyInfo>, BackendError> {
        let mut keys = self.inner.list(t).await?;
        if self.bug == KeyBug::ListsEveryTenant {
            for other in ["kit-tenant-a", "kit-tenant-b"] {
                if other != t.as_str() {
                    keys.extend(self.inner.list(&TenantId::new(other)).await?);
                }
            }
        }
        Ok(keys)
    }

    async fn revoke(&self, t: &TenantId, id: &str) -> Result<bool, BackendError> {
        if self.bug == KeyBug::RevokeKeepsTheKey {
            return Ok(self.inner.list(t).await?.iter().any(|k| k.id == id));
        }
        self.inner.revoke(t, id).await
    }
}

#[tokio::test]
async fn every_key_store_bug_fails_the_key_check() {
    for bug in [
        KeyBug::ListsEveryTenant,
        KeyBug::RevokeKeepsTheKey,
        KeyBug::InsertAcrossTenants,
        KeyBug::PrefixVerify,
    ] {
        let factory = move || async move {
            Arc::new(BrokenKeys {
                inner: MemoryKeyStore::new(),
                bug,
                secrets: Default::default(),
            }) as Arc<dyn ApiKeyStore>
        };
        let failure = testkit::check_key_store(&factory).await;
        assert!(failure.is_err(), "{bug:?} passed the key store check");
        assert_eq!(failure.unwrap_err().check(), "key_store");
    }
}
