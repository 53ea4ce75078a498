//! From verified claims to the caller: the tenant claim, the subject, the optional user id, and
//! the required role ([RFC 9068 §2.2](https://www.rfc-editor.org/rfc/rfc9068#section-2.2),
//! [RFC 9068 §2.2.3](https://www.rfc-editor.org/rfc/rfc9068#section-2.2.3.1): roles).

use super::config::{JwtConfig, RoleRequirement};
use crate::auth::{AuthError, Context, Principal, TenantId};
use serde_json::{Map, Value};

/// What a verified bearer JWT says about its caller
/// ([RFC 9068 §2.2](https://www.rfc-editor.org/rfc/rfc9068#section-2.2)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedToken {
    /// `sub`: who the token was issued to.
    pub subject: String,
    /// The tenant, from the configured tenant claim.
    pub tenant: TenantId,
    /// The caller's SCIM user id, from the configured user-id claim, if any (the user `/Me`
    /// stands for, [RFC 7644 §3.11](https://www.rfc-editor.org/rfc/rfc7644#section-3.11)).
    pub user_id: Option<String>,
}

impl VerifiedToken {
    /// The request context: the token's tenant, principal `jwt:<sub>`, mapped to the user of
    /// the user-id claim when there is one (so `/Me` works,
    /// [RFC 7644 §3.11](https://www.rfc-editor.org/rfc/rfc7644#section-3.11)).
    pub fn context(&self) -> Context {
        let mut principal = Principal::new(format!("jwt:{}", self.subject));
        if let Some(id) = &self.user_id {
            principal = principal.with_user_id(id);
        }
        Context::new(self.tenant.clone(), principal)
    }
}

/// Maps verified `claims` to the caller: 401 without a usable `sub` or tenant claim, 403 without
/// the required role.
pub(super) fn caller(
    claims: &Map<String, Value>,
    config: &JwtConfig,
) -> Result<VerifiedToken, AuthError> {
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(AuthError::invalid)?;
    let tenant = claims
        .get(&config.tenant_claim)
        .and_then(Value::as_str)
        .and_then(TenantId::parse)
        .ok_or_else(AuthError::invalid)?;
    let user_id = config
        .user_id_claim
        .as_ref()
        .and_then(|c| claims.get(c))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if let Some(req) = &config.role
        && !has_role(claims, req, &tenant)
    {
        return Err(AuthError::forbidden());
    }
    Ok(VerifiedToken {
        subject: subject.to_owned(),
        tenant,
        user_id,
    })
}

/// Whether the roles claim grants the role: an array of names, a space-separated string, or an
/// object keyed by role name whose value, when it is an object of organization ids (Zitadel),
/// must name the tenant.
fn has_role(claims: &Map<String, Value>, req: &RoleRequirement, tenant: &TenantId) -> bool {
    match claims.get(&req.claim) {
        Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(&req.role)),
        Some(Value::String(s)) => s.split_whitespace().any(|r| r == req.role),
        Some(Value::Object(roles)) => match roles.get(&req.role) {
            Some(Value::Object(orgs)) => orgs.contains_key(tenant.as_str()),
            Some(Value::Null | Value::Bool(false)) | None => false,
            Some(_) => true,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthErrorKind;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn tenant_and_subject() {
        let c = JwtConfig::new("i", "a").user_id_claim("scim_id");
        let t = caller(
            &map(json!({"sub": "u1", "tid": "org-1", "scim_id": "42"})),
            &c,
        )
        .unwrap();
        assert_eq!(t.tenant.as_str(), "org-1");
        assert_eq!(t.user_id.as_deref(), Some("42"));
        assert_eq!(t.context().principal.user_id(), Some("42"));
        assert_eq!(t.context().principal.as_str(), "jwt:u1");
        for bad in [
            json!({"sub": "u1"}),
            json!({"sub": "u1", "tid": 7}),
            json!({"sub": "u1", "tid": "*"}),
            json!({"sub": "u1", "tid": "a/b"}),
            json!({"sub": "", "tid": "t"}),
            json!({"tid": "t"}),
        ] {
            let e = caller(&map(bad.clone()), &c).unwrap_err();
            assert_eq!(e.kind(), AuthErrorKind::Invalid, "{bad}");
        }
    }

    #[test]
    fn role_shapes() {
        let base = JwtConfig::new("i", "a");
        let arr = base.clone().require_role("roles", "scim-admin");
        let ok = caller(
            &map(json!({"sub":"u","tid":"t","roles":["x","scim-admin"]})),
            &arr,
        );
        assert!(ok.is_ok());
        let scope = base.clone().require_role("scope", "scim-admin");
        assert!(
            caller(
                &map(json!({"sub":"u","tid":"t","scope":"openid scim-admin"})),
                &scope
            )
            .is_ok()
        );
        let z = JwtConfig::zitadel("i", "a").require_zitadel_role("scim-admin");
        let claim = super::super::config::ZITADEL_ROLES_CLAIM;
        let org = super::super::config::ZITADEL_ORG_CLAIM;
        let own = json!({"sub":"u", org: "111", claim: {"scim-admin": {"111": "a.example"}}});
        assert!(caller(&map(own), &z).is_ok());
        for bad in [
            json!({"sub":"u", org: "111", claim: {"scim-admin": {"222": "b.example"}}}),
            json!({"sub":"u", org: "111", claim: {"viewer": {"111": "a.example"}}}),
            json!({"sub":"u", org: "111", claim: {"scim-admin": null}}),
            json!({"sub":"u", org: "111"}),
            json!({"sub":"u", org: "111", claim: 5}),
        ] {
            let e = caller(&map(bad.clone()), &z).unwrap_err();
            assert_eq!(e.kind(), AuthErrorKind::Forbidden, "{bad}");
        }
    }
}
