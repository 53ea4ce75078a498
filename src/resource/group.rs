//! The Group resource and its members
//! ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2)).

use super::normalize::{self, GROUP};
use super::{Meta, User, lenient};
use crate::Error;
use crate::schema::GROUP_SCHEMA;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

fn group_schemas() -> Vec<String> {
    vec![GROUP_SCHEMA.to_owned()]
}

/// A SCIM Group ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2)) with the
/// common attributes of [§3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1).
///
/// Unknown attributes and extension objects are kept in [`Group::extra`]; `schemas` is kept as
/// sent (e.g. Entra ID's extra `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group`)
/// with the core URN first. Read client input with [`Group::from_json`].
///
/// ```
/// use scimitar::resource::{Group, Member};
/// let mut g = Group::new("Tour Guides").with_member(Member::user("2819c223"));
/// assert!(g.add_member(Member::user("902c246b")));
/// assert!(!g.add_member(Member::user("2819c223"))); // already a member
/// assert_eq!(g.member_ids().collect::<Vec<_>>(), ["2819c223", "902c246b"]);
/// assert_eq!(g.to_json()["members"][0]["type"], "User");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    #[serde(default = "group_schemas", deserialize_with = "lenient::vec_or_null")]
    pub(super) schemas: Vec<String>,
    /// The service provider's identifier (`readOnly`, assigned by the server, §3.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The client's identifier for the group (§3.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The human-readable name of the group (required).
    pub display_name: String,
    /// The members: users or groups.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::vec_or_null"
    )]
    pub members: Vec<Member>,
    /// Resource metadata (`readOnly`; a client's `meta` that does not parse is dropped).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_meta"
    )]
    pub meta: Option<Meta>,
    #[serde(flatten)]
    pub(super) extra: Map<String, Value>,
}

/// A member of a group, a value of `members`
/// ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The `id` of the member's User or Group resource (required here: a member without an id
    /// cannot be resolved).
    pub value: String,
    /// The URI of the member resource, the `$ref` sub-attribute (Entra ID sends `null`).
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The member's display name (`readOnly`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `User` or `Group`, the `type` sub-attribute (Okta leaves it out).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Sub-attributes not defined by RFC 7643, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Member {
    /// A member with this id and no type.
    pub fn new(id: impl Into<String>) -> Self {
        Member {
            value: id.into(),
            reference: None,
            display: None,
            kind: None,
            extra: Map::new(),
        }
    }

    /// A User member with this id (`type: User`).
    pub fn user(id: impl Into<String>) -> Self {
        Member {
            kind: Some("User".into()),
            ..Member::new(id)
        }
    }

    /// A Group member with this id (`type: Group`).
    pub fn group(id: impl Into<String>) -> Self {
        Member {
            kind: Some("Group".into()),
            ..Member::new(id)
        }
    }

    /// The member entry for a user: its `id` (`None` when the user has none yet), `type: User`
    /// and its [`display_label`](User::display_label) as `display`.
    pub fn for_user(user: &User) -> Option<Member> {
        let id = user.id.as_deref()?;
        Some(Member::user(id).with_display(user.display_label()))
    }

    /// The member entry for a nested group: its `id` (`None` when it has none yet), `type:
    /// Group` and its `displayName` as `display`.
    pub fn for_group(group: &Group) -> Option<Member> {
        let id = group.id.as_deref()?;
        Some(Member::group(id).with_display(group.display_name.clone()))
    }

    /// Sets `display` (builder style).
    pub fn with_display(mut self, display: impl Into<String>) -> Self {
        self.display = Some(display.into());
        self
    }

    /// Sets `$ref` (builder style).
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// Whether the member is a Group (`type` is `Group`, case-insensitively).
    pub fn is_group(&self) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("Group"))
    }
}

impl Group {
    /// A group with this `displayName` and the core schema, no members.
    pub fn new(display_name: impl Into<String>) -> Self {
        Group {
            schemas: group_schemas(),
            id: None,
            external_id: None,
            display_name: display_name.into(),
            members: Vec::new(),
            meta: None,
            extra: Map::new(),
        }
    }

    /// Reads a Group from client JSON: attribute names of RFC 7643 §4.2 are matched
    /// case-insensitively, `schemas` is made consistent, `displayName` must be a non-empty
    /// string, and every member needs a `value`. Errors as for
    /// [`User::from_json`](super::User::from_json).
    pub fn from_json(value: Value) -> Result<Group, Error> {
        let mut map = normalize::object(value, "Group")?;
        normalize::normalize(&mut map, GROUP, &[])?;
        let mut group: Group = normalize::decode(&Value::Object(map), "Group")?;
        if group.display_name.trim().is_empty() {
            return Err(Error::invalid_value("Group.displayName must not be empty"));
        }
        group.fix_schemas();
        Ok(group)
    }

    /// The JSON a response carries.
    pub fn to_json(&self) -> Value {
        // Cannot fail: string keys and infallible leaf types only; `Null` is unreachable.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The member ids, in order.
    pub fn member_ids(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|m| m.value.as_str())
    }

    /// Whether `id` is a member (ids compare exactly: `id` is `caseExact`).
    pub fn has_member(&self, id: &str) -> bool {
        self.members.iter().any(|m| m.value == id)
    }

    /// Adds a member unless one with the same id is there; returns whether it was added.
    pub fn add_member(&mut self, member: Member) -> bool {
        if self.has_member(&member.value) {
            return false;
        }
        self.members.push(member);
        true
    }

    /// Removes the member with this id; returns whether there was one.
    pub fn remove_member(&mut self, id: &str) -> bool {
        let before = self.members.len();
        self.members.retain(|m| m.value != id);
        self.members.len() != before
    }

    /// Adds a member (builder style; no duplicate check beyond [`Group::add_member`]'s).
    pub fn with_member(mut self, member: Member) -> Self {
        self.add_member(member);
        self
    }

    /// Sets `externalId` (builder style).
    pub fn with_external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }
}

impl TryFrom<Value> for Group {
    type Error = Error;
    /// [`Group::from_json`].
    fn try_from(value: Value) -> Result<Self, Error> {
        Group::from_json(value)
    }
}

impl From<&Group> for Value {
    /// [`Group::to_json`].
    fn from(group: &Group) -> Value {
        group.to_json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ADSCIM: &str = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group";

    #[test]
    fn entra_create_group() {
        let g = Group::from_json(json!({
            "schemas": [GROUP_SCHEMA, ADSCIM],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Sales",
            "members": []
        }))
        .unwrap();
        assert_eq!(g.schemas(), [GROUP_SCHEMA, ADSCIM]);
        assert!(g.members.is_empty());
        assert_eq!(g.to_json()["schemas"][1], ADSCIM);
    }

    #[test]
    fn entra_members_with_null_ref_and_case() {
        let g = Group::from_json(json!({
            "DisplayName": "Sales",
            "Members": [{"$ref": null, "Value": "u1"}, {"value": "u2", "type": "User"}]
        }))
        .unwrap();
        assert_eq!(g.member_ids().collect::<Vec<_>>(), ["u1", "u2"]);
        assert_eq!(g.members[0].reference, None);
        assert_eq!(g.schemas(), [GROUP_SCHEMA]);
    }

    #[test]
    fn member_without_value_is_invalid() {
        let e = Group::from_json(json!({"displayName": "x", "members": [{"display": "a"}]}))
            .unwrap_err();
        assert_eq!(e.scim_type(), Some(crate::ScimType::InvalidValue));
        assert!(e.detail().contains("members"), "{}", e.detail());
    }

    #[test]
    fn add_remove_members() {
        let mut g = Group::new("g");
        assert!(g.add_member(Member::group("sub")));
        assert!(g.members[0].is_group());
        assert!(g.remove_member("sub"));
        assert!(!g.remove_member("sub"));
        assert!(g.to_json().get("members").is_none());
    }
}
