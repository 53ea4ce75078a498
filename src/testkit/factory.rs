//! What the kit needs from an implementer: a way to make a fresh, empty store for each check.

use crate::auth::ApiKeyStore;
use crate::backend::IdentityBackend;
use async_trait::async_trait;
use std::future::Future;
use std::sync::Arc;

/// Makes a FRESH, EMPTY [`IdentityBackend`] for each check of the kit
/// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3): the operations the kit
/// drives).
///
/// Each call must return a backend that shares no users, groups or versions with any other
/// call's (a new in-memory store, a new database or schema, or a database emptied first). The
/// kit calls it once per check and once per case of the model check.
///
/// Object-safe; any `Fn() -> impl Future<Output = Arc<dyn IdentityBackend>>` closure is one:
///
/// ```
/// use scimitar::backend::{IdentityBackend, MemoryBackend};
/// use scimitar::testkit::BackendFactory;
/// use std::sync::Arc;
///
/// let fresh = || async { Arc::new(MemoryBackend::new()) as Arc<dyn IdentityBackend> };
/// let _object: &dyn BackendFactory = &fresh;
/// ```
#[async_trait]
pub trait BackendFactory: Send + Sync {
    /// A new, empty backend.
    async fn backend(&self) -> Arc<dyn IdentityBackend>;
}

#[async_trait]
impl<F, Fut> BackendFactory for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Arc<dyn IdentityBackend>> + Send,
{
    async fn backend(&self) -> Arc<dyn IdentityBackend> {
        self().await
    }
}

/// Makes a FRESH, EMPTY [`ApiKeyStore`] for each key-store check
/// ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)); any
/// `Fn() -> impl Future<Output = Arc<dyn ApiKeyStore>>` closure is one.
#[async_trait]
pub trait KeyStoreFactory: Send + Sync {
    /// A new, empty key store.
    async fn key_store(&self) -> Arc<dyn ApiKeyStore>;
}

#[async_trait]
impl<F, Fut> KeyStoreFactory for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Arc<dyn ApiKeyStore>> + Send,
{
    async fn key_store(&self) -> Arc<dyn ApiKeyStore> {
        self().await
    }
}
