//! What a bearer JWT must satisfy to be accepted: issuer, audience, algorithms, clock leeway,
//! and which claims name the tenant, the user and the roles
//! ([RFC 9068 §4](https://www.rfc-editor.org/rfc/rfc9068#section-4),
//! [RFC 7519 §4.1](https://www.rfc-editor.org/rfc/rfc7519#section-4.1)).

use std::time::Duration;

/// Zitadel's claim naming the organization that owns the user: the tenant of a Zitadel token.
pub const ZITADEL_ORG_CLAIM: &str = "urn:zitadel:iam:user:resourceowner:id";
/// Zitadel's claim holding the project roles granted to the user: an object keyed by role name,
/// each mapping the granting organization ids to their primary domains.
pub const ZITADEL_ROLES_CLAIM: &str = "urn:zitadel:iam:org:project:roles";

/// A signature algorithm a token may use
/// ([RFC 7518 §3.1](https://www.rfc-editor.org/rfc/rfc7518#section-3.1)).
///
/// Only asymmetric algorithms exist here: `none` and the HMAC family (`HS256`…) are always
/// refused, so a public key can never be used as a shared secret (algorithm confusion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwtAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// ECDSA with P-256 and SHA-256.
    Es256,
}

impl JwtAlgorithm {
    pub(super) fn to_jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        match self {
            JwtAlgorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
            JwtAlgorithm::Es256 => jsonwebtoken::Algorithm::ES256,
        }
    }

    pub(super) fn from_jsonwebtoken(alg: jsonwebtoken::Algorithm) -> Option<Self> {
        match alg {
            jsonwebtoken::Algorithm::RS256 => Some(JwtAlgorithm::Rs256),
            jsonwebtoken::Algorithm::ES256 => Some(JwtAlgorithm::Es256),
            _ => None,
        }
    }
}

/// A role a token must carry, and the claim that carries roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RoleRequirement {
    pub(super) claim: String,
    pub(super) role: String,
}

/// The rules a bearer JWT is checked against
/// ([RFC 9068 §4](https://www.rfc-editor.org/rfc/rfc9068#section-4)).
///
/// `iss`, `aud`, `exp` and `sub` are required; `nbf` is checked when present; `exp` and `nbf`
/// allow [`leeway`](JwtConfig::leeway) of clock skew (default 60 s). The tenant comes from one
/// configured claim (default `tid`, Entra's tenant id), which must be a valid
/// [`TenantId`](crate::auth::TenantId) (`A-Z a-z 0-9 - . _ ~`, so no token can name the
/// all-tenants admin `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtConfig {
    pub(super) issuer: String,
    pub(super) audiences: Vec<String>,
    pub(super) algorithms: Vec<JwtAlgorithm>,
    pub(super) leeway: Duration,
    pub(super) tenant_claim: String,
    pub(super) user_id_claim: Option<String>,
    pub(super) role: Option<RoleRequirement>,
    pub(super) require_at_jwt: bool,
}

impl JwtConfig {
    /// Tokens issued by `issuer` (exact match of `iss`) for `audience` (one of `aud`), signed
    /// with RS256 or ES256, tenant from `tid`, leeway 60 s.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        JwtConfig {
            issuer: issuer.into(),
            audiences: vec![audience.into()],
            algorithms: vec![JwtAlgorithm::Rs256, JwtAlgorithm::Es256],
            leeway: Duration::from_secs(60),
            tenant_claim: "tid".to_owned(),
            user_id_claim: None,
            role: None,
            require_at_jwt: false,
        }
    }

    /// Tokens of a Zitadel instance (`issuer` is its URL, `audience` the project id or client
    /// id): the tenant is the user's organization ([`ZITADEL_ORG_CLAIM`]) and, if set with
    /// [`require_role`](JwtConfig::require_role), roles come from [`ZITADEL_ROLES_CLAIM`].
    pub fn zitadel(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        JwtConfig::new(issuer, audience).tenant_claim(ZITADEL_ORG_CLAIM)
    }

    /// Accepts `audience` as well.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// The algorithms accepted (default both RS256 and ES256); a token signed with any other is
    /// refused. An empty list refuses every token.
    pub fn algorithms(mut self, algorithms: &[JwtAlgorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// Clock skew tolerated on `exp` and `nbf` (default 60 s; whole seconds).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The claim whose string value is the tenant (default `tid`; [`ZITADEL_ORG_CLAIM`] for
    /// Zitadel). A token without it is refused (401).
    pub fn tenant_claim(mut self, claim: impl Into<String>) -> Self {
        self.tenant_claim = claim.into();
        self
    }

    /// The claim whose string value is the SCIM user id of the caller (for `/Me`,
    /// [RFC 7644 §3.11](https://www.rfc-editor.org/rfc/rfc7644#section-3.11)); off by default.
    pub fn user_id_claim(mut self, claim: impl Into<String>) -> Self {
        self.user_id_claim = Some(claim.into());
        self
    }

    /// Requires `role` in the roles claim `claim` (403 `insufficient_scope` without it). The
    /// claim may be an array of role names (`roles`), a space-separated string (`scope`), or an
    /// object keyed by role name (Zitadel's [`ZITADEL_ROLES_CLAIM`]); in the object form, when
    /// the role's value is an object of organization ids, it must hold the token's tenant, so a
    /// role granted in another organization does not count.
    pub fn require_role(mut self, claim: impl Into<String>, role: impl Into<String>) -> Self {
        self.role = Some(RoleRequirement {
            claim: claim.into(),
            role: role.into(),
        });
        self
    }

    /// Requires the header `typ` of an RFC 9068 access token (`at+jwt` or
    /// `application/at+jwt`, [RFC 9068 §4](https://www.rfc-editor.org/rfc/rfc9068#section-4)),
    /// which keeps ID tokens and other JWTs of the same issuer out. Off by default: Zitadel and
    /// Entra ID issue access tokens typed `JWT`.
    pub fn require_at_jwt_typ(mut self, required: bool) -> Self {
        self.require_at_jwt = required;
        self
    }

    /// [`require_role`](JwtConfig::require_role) with Zitadel's roles claim.
    pub fn require_zitadel_role(self, role: impl Into<String>) -> Self {
        self.require_role(ZITADEL_ROLES_CLAIM, role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_presets() {
        let c = JwtConfig::new("https://idp", "scim");
        assert_eq!(c.tenant_claim, "tid");
        assert_eq!(c.leeway, Duration::from_secs(60));
        assert_eq!(c.algorithms, [JwtAlgorithm::Rs256, JwtAlgorithm::Es256]);
        let z = JwtConfig::zitadel("https://z", "123")
            .audience("456")
            .require_zitadel_role("scim-admin");
        assert_eq!(z.tenant_claim, ZITADEL_ORG_CLAIM);
        assert_eq!(z.audiences, ["123", "456"]);
        assert_eq!(z.role.unwrap().claim, ZITADEL_ROLES_CLAIM);
    }

    #[test]
    fn only_asymmetric_algorithms_map() {
        use jsonwebtoken::Algorithm as A;
        for a in [JwtAlgorithm::Rs256, JwtAlgorithm::Es256] {
            assert_eq!(
                JwtAlgorithm::from_jsonwebtoken(a.to_jsonwebtoken()),
                Some(a)
            );
        }
        for a in [A::HS256, A::HS384, A::HS512, A::PS256, A::EdDSA, A::RS512] {
            assert_eq!(JwtAlgorithm::from_jsonwebtoken(a), None);
        }
    }
}
