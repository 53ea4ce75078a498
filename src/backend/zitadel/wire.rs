//! The Zitadel v4 messages the backend reads (protojson: camelCase, int64 as strings, enums as
//! names, bytes as base64), as `zitadel.user.v2` defines them. Unknown fields are ignored.

use serde::Deserialize;

/// `zitadel.object.v2.Details`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Details {
    pub sequence: Option<String>,
    pub change_date: Option<String>,
    pub resource_owner: Option<String>,
    pub creation_date: Option<String>,
}

/// `zitadel.user.v2.User`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ZUser {
    pub user_id: String,
    pub details: Details,
    pub state: Option<String>,
    pub username: String,
    pub human: Option<Human>,
}

impl ZUser {
    /// The organisation the user belongs to.
    pub fn org(&self) -> Option<&str> {
        self.details.resource_owner.as_deref()
    }

    /// SCIM `active`: `ACTIVE` and `INITIAL` are active (as Zitadel's own SCIM maps them).
    pub fn active(&self) -> bool {
        matches!(
            self.state.as_deref(),
            Some("USER_STATE_ACTIVE" | "USER_STATE_INITIAL") | None
        )
    }
}

/// `zitadel.user.v2.HumanUser`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Human {
    pub profile: Profile,
    pub email: Option<ZEmail>,
    pub phone: Option<ZPhone>,
}

/// `zitadel.user.v2.HumanProfile`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Profile {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub nick_name: Option<String>,
    pub display_name: Option<String>,
    pub preferred_language: Option<String>,
}

impl Profile {
    /// The preferred language, without Zitadel's `und` (undetermined) for "none set".
    pub fn language(&self) -> Option<String> {
        self.preferred_language
            .clone()
            .filter(|l| !l.is_empty() && l != "und")
    }
}

/// `zitadel.user.v2.HumanEmail`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ZEmail {
    pub email: Option<String>,
}

/// `zitadel.user.v2.HumanPhone`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ZPhone {
    pub phone: Option<String>,
}

/// `GetUserByIDResponse`.
#[derive(Debug, Deserialize)]
pub(crate) struct GetUserResponse {
    pub user: ZUser,
}

/// `ListUsersResponse`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ListUsersResponse {
    pub details: ListDetails,
    pub result: Vec<ZUser>,
}

/// `zitadel.object.v2.ListDetails`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ListDetails {
    pub total_result: Option<String>,
}

/// `CreateUserResponse`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateUserResponse {
    pub id: String,
    #[serde(default)]
    pub creation_date: Option<String>,
}

/// One `zitadel.metadata.v2.Metadata` entry (value is base64).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MetadataEntry {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// `ListUserMetadataResponse`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ListMetadataResponse {
    pub metadata: Vec<MetadataEntry>,
}

/// `zitadel.authorization.v2.Authorization` (the fields the backend reads; v2beta's `roles` is
/// a list of strings, v2's a list of `{key}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Authorization {
    pub id: String,
    /// v2: `project{id}`.
    pub project: Option<IdOnly>,
    /// v2beta: flat `projectId`.
    pub project_id: Option<String>,
    pub roles: Vec<serde_json::Value>,
}

impl Authorization {
    pub fn project_id(&self) -> Option<&str> {
        self.project
            .as_ref()
            .map(|p| p.id.as_str())
            .or(self.project_id.as_deref())
    }

    pub fn role_keys(&self) -> Vec<String> {
        self.roles
            .iter()
            .filter_map(|r| match r {
                serde_json::Value::String(s) => Some(s.clone()),
                other => other.get("key").and_then(|k| k.as_str()).map(str::to_owned),
            })
            .collect()
    }
}

/// `{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct IdOnly {
    pub id: String,
}

/// `ListAuthorizationsResponse`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ListAuthorizationsResponse {
    pub authorizations: Vec<Authorization>,
}

/// `GetActiveIdentityProvidersResponse`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ActiveIdpsResponse {
    pub identity_providers: Vec<IdOnly>,
}
