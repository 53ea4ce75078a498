//! The [`IdentityBackend`] trait, its errors, capabilities and pages, and the in-memory backend
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

mod capabilities;
mod defaults;
mod identity;
mod memory;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod sql;
mod stored;
#[cfg(feature = "zitadel")]
pub mod zitadel;

pub(crate) use crate::backend_error::error_chain;
pub use crate::backend_error::{BackendError, BackendErrorKind};
pub use crate::query::Page;
pub use capabilities::{BulkSupport, Capabilities, FilterRule, FilterRules, FilterSupport};
pub use defaults::check_if_match;
pub use identity::IdentityBackend;
pub use memory::{DEFAULT_MAX_RESULTS, DEFAULT_SCAN_LIMIT, MemoryBackend};
pub use stored::{StoredUser, UserBody};
