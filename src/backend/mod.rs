//! The [`IdentityBackend`] trait, its errors, capabilities and pages, and the in-memory backend
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

mod capabilities;
mod defaults;
mod error;
mod identity;
mod memory;
mod page;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod sql;
mod stored;
#[cfg(feature = "zitadel")]
pub mod zitadel;

pub use capabilities::{BulkSupport, Capabilities, FilterRule, FilterRules, FilterSupport};
pub use defaults::check_if_match;
pub(crate) use error::error_chain;
pub use error::{BackendError, BackendErrorKind};
pub use identity::IdentityBackend;
pub use memory::{DEFAULT_MAX_RESULTS, DEFAULT_SCAN_LIMIT, MemoryBackend};
pub use page::Page;
pub use stored::{StoredUser, UserBody};
