//! What the Zitadel instance offers, detected once per process: metadata filters in
//! `ListUsers` (v4.1+), root-level `metadata` on `CreateUser`/`UpdateUser` (v4.13+) and the GA
//! `zitadel.authorization.v2` service (v4.6+); older paths are used where they are absent
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3) operations stay the same).

use super::connect::Connect;
use serde_json::{Value, json};

/// Zitadel's optional features as this instance has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ZCaps {
    /// `metadataKeyFilter` / `metadataValueFilter` in `ListUsers` (v4.1+).
    pub metadata_filters: bool,
    /// Root-level `metadata` on `CreateUser` / `UpdateUser` (v4.13+).
    pub root_metadata: bool,
    /// `zitadel.authorization.v2.AuthorizationService` (v4.6+); `v2beta` before.
    pub authorization_v2: bool,
}

impl ZCaps {
    /// The capabilities of a released version `vMAJOR.MINOR.PATCH`.
    pub(crate) fn of_version(v: &str) -> Option<ZCaps> {
        let mut parts = v.trim_start_matches('v').split(['.', '-']);
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next()?.parse().ok()?;
        let at_least = |m: u32| major > 4 || (major == 4 && minor >= m);
        Some(ZCaps {
            metadata_filters: at_least(1),
            root_metadata: at_least(13),
            authorization_v2: at_least(6),
        })
    }

    /// The authorization service path prefix.
    pub(crate) fn authorization_service(&self) -> &'static str {
        if self.authorization_v2 {
            "zitadel.authorization.v2.AuthorizationService"
        } else {
            "zitadel.authorization.v2beta.AuthorizationService"
        }
    }
}

/// Detects the instance's capabilities: from `InstanceService/GetInstance`'s `version`
/// (`iam.read`, which `IAM_OWNER_VIEWER` has), else by probing each feature read-only.
pub(crate) async fn detect(connect: &Connect) -> ZCaps {
    let got: Result<Value, _> = connect
        .call(
            "zitadel.instance.v2.InstanceService/GetInstance",
            &json!({}),
        )
        .await;
    if let Some(caps) = got
        .ok()
        .as_ref()
        .and_then(|v| v.pointer("/instance/version"))
        .and_then(Value::as_str)
        .and_then(ZCaps::of_version)
    {
        return caps;
    }
    // No version: a metadata filter on a key nobody has must find nobody; a server that
    // ignores the unknown filter lists users (at least the service user itself).
    let probe = json!({
        "query": {"limit": 1},
        "queries": [{"metadataKeyFilter": {"key": "urn:zitadel:scim:probe:none", "method": "TEXT_FILTER_METHOD_EQUALS"}}]
    });
    let metadata_filters = matches!(
        connect.call::<_, super::wire::ListUsersResponse>("zitadel.user.v2.UserService/ListUsers", &probe).await,
        Ok(r) if r.result.is_empty()
    );
    let authorization_v2 = connect
        .call::<_, Value>(
            "zitadel.authorization.v2.AuthorizationService/ListAuthorizations",
            &json!({"pagination": {"limit": 1}}),
        )
        .await
        .is_ok();
    ZCaps {
        metadata_filters,
        root_metadata: false,
        authorization_v2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_map_to_features() {
        assert_eq!(ZCaps::of_version("v4.0.3"), Some(ZCaps::default()));
        let c = ZCaps::of_version("v4.6.0").unwrap();
        assert!(c.metadata_filters && c.authorization_v2 && !c.root_metadata);
        assert!(ZCaps::of_version("v4.13.1").unwrap().root_metadata);
        assert!(ZCaps::of_version("v5.0.0-base").unwrap().root_metadata);
        assert_eq!(ZCaps::of_version("main"), None);
    }
}
