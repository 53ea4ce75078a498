//! OAuth 2.0 bearer JWT access tokens (feature `jwt`): [`JwtAuthenticator`] checks tokens an
//! identity provider issued ([RFC 9068](https://www.rfc-editor.org/rfc/rfc9068),
//! [RFC 7519](https://www.rfc-editor.org/rfc/rfc7519),
//! [RFC 6750](https://www.rfc-editor.org/rfc/rfc6750)) against a [`JwtConfig`], with keys from a
//! [`JwksCache`] or a configured [`KeySet`]; [`JwtOrKeyAuthenticator`] accepts JWTs and SCIM
//! keys side by side.
//!
//! The same authenticator can guard [`KeyAdmin`](crate::auth::KeyAdmin): with
//! [`JwtConfig::zitadel`] and [`JwtConfig::require_zitadel_role`], an organization admin's own
//! Zitadel access token mints, lists and revokes the SCIM keys of their organization only.

mod authenticator;
mod claims;
mod config;
mod jwks;
mod keyset;
mod verify;

pub use authenticator::{JwtAuthenticator, JwtOrKeyAuthenticator, looks_like_jwt};
pub use claims::VerifiedToken;
pub use config::{JwtAlgorithm, JwtConfig, ZITADEL_ORG_CLAIM, ZITADEL_ROLES_CLAIM};
pub use jwks::{JwksCache, MAX_JWKS_BYTES};
pub use keyset::{KeyError, KeySet};
pub use verify::MAX_TOKEN_LEN;
