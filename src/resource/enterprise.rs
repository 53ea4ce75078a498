//! The Enterprise User schema extension
//! ([RFC 7643 §4.3](https://www.rfc-editor.org/rfc/rfc7643#section-4.3)).

use super::lenient;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The attributes of the Enterprise User extension
/// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`,
/// [RFC 7643 §4.3](https://www.rfc-editor.org/rfc/rfc7643#section-4.3)). A `User` holds it
/// under that URN; see [`User::enterprise`](super::User::enterprise).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseUser {
    /// A string identifier, typically numeric or alphanumeric, assigned to a person by the
    /// organization (order of hire, association with an organization).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    /// The name of a cost center.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    /// The name of an organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The name of a division.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// The name of a department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The user's manager. Accepts a bare id string (Entra ID) and `""` (no manager), see
    /// [`lenient::opt_manager`](super::lenient::opt_manager).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_manager"
    )]
    pub manager: Option<Manager>,
    /// Attributes not defined by RFC 7643 §4.3, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EnterpriseUser {
    /// Whether no attribute is set (such an extension is left out of the resource).
    pub fn is_empty(&self) -> bool {
        self.employee_number.is_none()
            && self.cost_center.is_none()
            && self.organization.is_none()
            && self.division.is_none()
            && self.department.is_none()
            && self.manager.is_none()
            && self.extra.is_empty()
    }
}

/// The `manager` of an Enterprise User
/// ([RFC 7643 §4.3](https://www.rfc-editor.org/rfc/rfc7643#section-4.3)).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manager {
    /// The `id` of the manager's User resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The URI of the manager's User resource, the `$ref` sub-attribute.
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The manager's `displayName` (`readOnly`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Sub-attributes not defined by RFC 7643, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Manager {
    /// The manager whose User `id` is `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Manager {
            value: Some(id.into()),
            ..Manager::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn manager_as_bare_id_entra() {
        let e: EnterpriseUser =
            serde_json::from_value(json!({"department": "Retail", "manager": "m-42"})).unwrap();
        assert_eq!(e.manager, Some(Manager::new("m-42")));
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"department": "Retail", "manager": {"value": "m-42"}})
        );
    }

    #[test]
    fn manager_cleared_by_empty_or_null() {
        for v in [json!(""), json!(null)] {
            let e: EnterpriseUser = serde_json::from_value(json!({"manager": v})).unwrap();
            assert!(e.manager.is_none());
            assert!(e.is_empty());
        }
        assert!(serde_json::from_value::<EnterpriseUser>(json!({"manager": 7})).is_err());
    }

    #[test]
    fn manager_object_with_unknown_sub_attribute() {
        let v =
            json!({"manager": {"value": "m", "$ref": "../Users/m", "displayName": "J", "x": 1}});
        let e: EnterpriseUser = serde_json::from_value(v.clone()).unwrap();
        let m = e.manager.as_ref().unwrap();
        assert_eq!(m.reference.as_deref(), Some("../Users/m"));
        assert_eq!(serde_json::to_value(&e).unwrap(), v);
    }
}
