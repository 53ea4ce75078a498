//! With feature `jwt`: OAuth 2.0 bearer JWTs from the environment, for SCIM requests (beside
//! SCIM keys) and, with `SCIM_JWT_ADMIN_ROLE`, for self-service key management under `/admin`.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SCIM_JWT_ISSUER` | accept JWTs from this issuer (`iss`); enables the rest | off |
//! | `SCIM_JWT_AUDIENCE` | required `aud` (e.g. the Zitadel project id) | required with the issuer |
//! | `SCIM_JWT_JWKS_URL` | the issuer's JWKS (Zitadel: `<issuer>/oauth/v2/keys`) | required with the issuer |
//! | `SCIM_JWT_TENANT_CLAIM` | the claim naming the tenant | `tid` (Zitadel: `urn:zitadel:iam:user:resourceowner:id`) |
//! | `SCIM_JWT_ADMIN_ROLE` | a token with this role manages its own tenant's keys under `/admin` | off |
//! | `SCIM_JWT_ROLES_CLAIM` | the claim holding roles | `urn:zitadel:iam:org:project:roles` |

use std::error::Error;

use scimitar::auth::jwt::{JwksCache, JwtAuthenticator, JwtConfig, ZITADEL_ROLES_CLAIM};

use super::var;

/// The JWT authenticators the environment asks for: one for SCIM requests, and one for the
/// key-admin surface when an admin role is configured.
pub struct JwtEnv {
    /// Accepts tokens for SCIM requests.
    pub scim: JwtAuthenticator,
    /// Accepts tokens carrying the admin role, for `/admin`.
    pub admin: Option<JwtAuthenticator>,
}

/// Reads the `SCIM_JWT_*` variables; `None` when `SCIM_JWT_ISSUER` is not set.
pub fn from_env() -> Result<Option<JwtEnv>, Box<dyn Error>> {
    let Some(issuer) = var("SCIM_JWT_ISSUER") else {
        return Ok(None);
    };
    let audience = var("SCIM_JWT_AUDIENCE").ok_or("SCIM_JWT_AUDIENCE is required")?;
    let jwks = var("SCIM_JWT_JWKS_URL").ok_or("SCIM_JWT_JWKS_URL is required")?;
    let mut config = JwtConfig::new(issuer, audience);
    if let Some(claim) = var("SCIM_JWT_TENANT_CLAIM") {
        config = config.tenant_claim(claim);
    }
    let admin = match var("SCIM_JWT_ADMIN_ROLE") {
        Some(role) => {
            let claim = var("SCIM_JWT_ROLES_CLAIM").unwrap_or_else(|| ZITADEL_ROLES_CLAIM.into());
            let admin_config = config.clone().require_role(claim, role);
            Some(JwtAuthenticator::with_jwks(
                admin_config,
                JwksCache::new(&jwks).map_err(|e| format!("SCIM_JWT_JWKS_URL: {e}"))?,
            ))
        }
        None => None,
    };
    let scim = JwtAuthenticator::with_jwks(
        config,
        JwksCache::new(&jwks).map_err(|e| format!("SCIM_JWT_JWKS_URL: {e}"))?,
    );
    Ok(Some(JwtEnv { scim, admin }))
}
