//! The conformance kit (feature `testkit`): proves that an [`IdentityBackend`] or an
//! [`ApiKeyStore`] behaves as RFC 7643/7644 and this crate's server expect
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
//!
//! Run it from your own tests, against your own backend. The kit only uses the public traits,
//! so what passes for [`MemoryBackend`](crate::backend::MemoryBackend) must pass for yours.
//!
//! ```no_run
//! use scimitar::auth::{ApiKeyStore, MemoryKeyStore};
//! use scimitar::backend::{IdentityBackend, MemoryBackend};
//! use scimitar::testkit;
//! use std::sync::Arc;
//!
//! // The concurrency checks need real threads: a multi-thread runtime.
//! #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
//! async fn my_backend_passes_the_kit() {
//!     // A FRESH, EMPTY backend per call (a new database, schema or file for a SQL store).
//!     let fresh = || async { Arc::new(MemoryBackend::new()) as Arc<dyn IdentityBackend> };
//!     if let Err(failure) = testkit::check_backend(&fresh).await {
//!         panic!("{failure}");
//!     }
//!     let keys = || async { Arc::new(MemoryKeyStore::new()) as Arc<dyn ApiKeyStore> };
//!     testkit::check_key_store(&keys).await.unwrap();
//! }
//! # fn main() {}
//! ```
//!
//! [`check_backend`] runs every check; each also has its own function, so a test can run or
//! skip each one (and a failing one names itself in [`Failure::check`]):
//!
//! | check | function | what it proves |
//! |---|---|---|
//! | `model` | [`check_model`], [`check_model_with`] | random operations in two tenants give what a reference model gives (seeded, shrunk on failure) |
//! | `rfc_examples` | [`check_rfc_examples`] | the RFC 7643 §8 Users and Group through create, get, list, replace, patch and delete |
//! | `replays` | [`check_replays`], [`check_replay`] | what Entra ID and Okta really send ([`CLIENT_REPLAYS`]) gets the recorded answers |
//! | `concurrent_group_members` | [`check_concurrent_group_members`] | concurrent member adds and removes on one group: none lost, none twice; `If-Match` gives 412 to the losers |
//! | `concurrent_user_patches` | [`check_concurrent_user_patches`] | concurrent PATCHes of distinct attributes of one user: none lost; `If-Match` gives 412 to the losers |
//! | `uniqueness_race` | [`check_uniqueness_race`] | concurrent creates or renames to one `userName`: exactly one wins, the rest 409 |
//! | `isolation_by_id` | [`check_isolation_by_id`] | an id of tenant A is "not found" for tenant B, for every operation |
//! | `isolation_by_filter` | [`check_isolation_by_filter`] | tenant B's lists and filters never find tenant A's resources |
//! | `isolation_by_search` | [`check_isolation_by_search`] | `POST /.search` and `/Users/.search` of tenant B never find tenant A's |
//! | `isolation_by_key` | [`check_isolation_by_key`] | through the server, tenant B's key reaches nothing of tenant A's |
//! | `custom_types` | [`check_custom_types`] | a resource type registered at run time (`Device`): CRUD, declared uniqueness, filter, sort, paging, PATCH, `If-Match`, types kept apart, tenant isolation |
//! | `extension_attributes` | [`check_extension_attributes`] | a User extension registered at run time: stored, read back, filtered by its full path, patched |
//! | `cursor_walk` | [`check_cursor_walk`] | RFC 9865 cursor walks of Users and Groups (GET and `.search`, filtered or not) give every match once (in id order for a keyset walk), also with creates (and, for a keyset walk, deletes) between pages; `previousCursor` leads back from the last page to the first (or is never issued by a backend that does not walk backwards); a backend without walks says so and `cursor` is 400 `invalidCursor` |
//! | `custom_walk` | [`check_custom_walk`] | RFC 9865 cursor walks of a type registered at run time (`Device`), unfiltered and filtered by `id`, `externalId`, a unique attribute or anything else: every match once in id order, also with creates between pages, and back by the previous positions (a backend without walks passes untested) |
//! | `key_store` | [`check_key_store`] | mint, insert, verify, list and revoke of an [`ApiKeyStore`] |
//!
//! The concurrency checks fail with a clear message on a current-thread runtime, where no two
//! writers ever run at once.

mod concurrency;
mod cursor;
mod custom;
mod custom_walk;
mod factory;
mod failure;
mod harness;
mod isolation;
mod isolation_server;
mod keys;
mod model;
mod model_ops;
mod replay;
mod rfc;

pub use concurrency::{
    check_concurrency, check_concurrent_group_members, check_concurrent_user_patches,
    check_uniqueness_race,
};
pub use cursor::check_cursor_walk;
pub use custom::{check_custom, check_custom_types, check_extension_attributes};
pub use custom_walk::check_custom_walk;
pub use factory::{BackendFactory, KeyStoreFactory};
pub use failure::Failure;
pub use isolation::{check_isolation, check_isolation_by_filter, check_isolation_by_id};
pub use isolation_server::{check_isolation_by_key, check_isolation_by_search};
pub use keys::check_key_store;
pub use model::{ModelConfig, check_model, check_model_with};
pub use replay::{CLIENT_REPLAYS, ClientReplay, check_replay, check_replays};
pub use rfc::check_rfc_examples;

#[cfg(doc)]
use crate::{auth::ApiKeyStore, backend::IdentityBackend};

/// Runs every backend check of the kit, each on fresh backends from `factory`, and returns
/// the first [`Failure`] ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)):
/// the model check, the RFC examples, the client replays, the concurrency checks, the tenant
/// isolation checks, the cursor walks and the custom type and extension checks. Needs a
/// multi-thread tokio runtime (see the module docs).
pub async fn check_backend<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    check_model(factory).await?;
    check_rfc_examples(factory).await?;
    check_replays(factory).await?;
    check_concurrency(factory).await?;
    check_isolation(factory).await?;
    check_cursor_walk(factory).await?;
    check_custom(factory).await
}
