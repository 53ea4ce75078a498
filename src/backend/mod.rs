//! The `IdentityBackend` trait and the in-memory backend.

mod capabilities;
mod error;
mod page;

pub use capabilities::{BulkSupport, Capabilities, FilterRule, FilterRules, FilterSupport};
pub use error::{BackendError, BackendErrorKind};
pub use page::Page;
