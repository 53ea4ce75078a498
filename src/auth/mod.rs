//! Authentication, tenants and SCIM API keys
//! ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)).
//!
//! An [`Authenticator`] turns a request into a [`Context`] (tenant and principal) before
//! anything else is read. [`BearerKeyAuthenticator`] checks `Authorization: Bearer <key>` against
//! an [`ApiKeyStore`] ([`MemoryKeyStore`] in memory); [`KeyAdmin`] is the HTTP surface that mints,
//! lists and revokes keys. With feature `jwt`, `jwt::JwtAuthenticator` accepts OAuth 2.0
//! bearer JWTs ([RFC 9068](https://www.rfc-editor.org/rfc/rfc9068)).

mod admin;
mod authenticator;
#[cfg(feature = "jwt")]
pub mod jwt;
mod keys;
pub(crate) mod secret;

pub use crate::context::{Context, Principal, TenantId};
pub use admin::{KeyAdmin, MAX_ADMIN_BODY};
pub use authenticator::{
    AuthError, AuthErrorKind, Authenticator, BearerKeyAuthenticator, StaticTokenAuthenticator,
    bearer_token,
};
pub use keys::{ApiKeyStore, KeyInfo, MAX_LABEL_LEN, MemoryKeyStore};
pub use secret::{KEY_PREFIX, KeyHash, Secret};
