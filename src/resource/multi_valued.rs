//! The values of the User's multi-valued complex attributes: `emails`, `phoneNumbers`, `ims`,
//! `photos`, `entitlements`, `roles`, `x509Certificates` (the shared `value`/`display`/`type`/
//! `primary` shape of [RFC 7643 §2.4](https://www.rfc-editor.org/rfc/rfc7643#section-2.4)),
//! `addresses` and `groups` ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
//!
//! Every type keeps the sub-attributes it does not know in `extra` (e.g. the `verified` flag some
//! clients put on emails), so they are never dropped.

use super::{Group, lenient};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Finds the `primary` value, else the first one (RFC 7643 §2.4: "primary" marks the preferred
/// value; at most one value has it).
pub(crate) fn primary_or_first<T>(values: &[T], is_primary: impl Fn(&T) -> bool) -> Option<&T> {
    values
        .iter()
        .find(|v| is_primary(v))
        .or_else(|| values.first())
}

macro_rules! standard_multi_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The attribute's significant value.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub value: Option<String>,
            /// A human-readable name, primarily for display.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub display: Option<String>,
            /// The label of the value's function (`work`, `home`, …), the `type` sub-attribute.
            #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
            pub kind: Option<String>,
            /// Whether this is the preferred value; accepts `"True"`/`"False"` strings
            /// ([`lenient::opt_bool`](super::lenient::opt_bool)).
            #[serde(
                default,
                skip_serializing_if = "Option::is_none",
                deserialize_with = "lenient::opt_bool"
            )]
            pub primary: Option<bool>,
            /// Sub-attributes not defined by RFC 7643, kept as they came.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }

        impl $name {
            /// A value with nothing else set.
            pub fn new(value: impl Into<String>) -> Self {
                Self { value: Some(value.into()), ..Self::default() }
            }
            /// Sets the `type` (builder style).
            pub fn with_type(mut self, kind: impl Into<String>) -> Self {
                self.kind = Some(kind.into());
                self
            }
            /// Marks the value `primary` (builder style).
            pub fn primary(mut self) -> Self {
                self.primary = Some(true);
                self
            }
            /// Whether `primary` is `true`.
            pub fn is_primary(&self) -> bool {
                self.primary == Some(true)
            }
            /// Whether the `type` is `kind`, compared case-insensitively (`type` has
            /// `caseExact: false` in RFC 7643 §8.7.1).
            pub fn is_type(&self, kind: &str) -> bool {
                self.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(kind))
            }
        }
    };
}

standard_multi_value!(
    /// An email address, a value of `emails`
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)); canonical
    /// types `work`, `home`, `other`.
    Email
);
standard_multi_value!(
    /// A phone number, a value of `phoneNumbers`
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)); canonical
    /// types `work`, `home`, `mobile`, `fax`, `pager`, `other`.
    PhoneNumber
);
standard_multi_value!(
    /// An instant-messaging address, a value of `ims`
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
    Im
);
standard_multi_value!(
    /// A photo URL, a value of `photos`
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)); types
    /// `photo`, `thumbnail`.
    Photo
);
standard_multi_value!(
    /// An entitlement, a value of `entitlements`
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
    Entitlement
);
standard_multi_value!(
    /// A role, a value of `roles`
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
    Role
);
standard_multi_value!(
    /// A DER-encoded X.509 certificate in base64, a value of `x509Certificates`
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
    X509Certificate
);

/// A physical mailing address, a value of `addresses`
/// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)); canonical types
/// `work`, `home`, `other`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// The full address, formatted for display or a mailing label (may contain newlines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// The street: house number, street name, P.O. box, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// The city or locality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// The state or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The zip or postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// The country, as an ISO 3166-1 alpha-2 code where possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The label of the address's function (`work`, `home`, `other`), the `type` sub-attribute.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether this is the preferred address; accepts `"True"`/`"False"` strings.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_bool"
    )]
    pub primary: Option<bool>,
    /// Sub-attributes not defined by RFC 7643, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Address {
    /// Whether `primary` is `true`.
    pub fn is_primary(&self) -> bool {
        self.primary == Some(true)
    }
    /// Whether the `type` is `kind`, compared case-insensitively.
    pub fn is_type(&self, kind: &str) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case(kind))
    }
}

/// A group the user belongs to, a value of the `readOnly` User attribute `groups`
/// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)). The service
/// provider derives it from group memberships; what a client sends here is ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRef {
    /// The group's `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The URI of the group resource, the `$ref` sub-attribute.
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The group's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `direct` or `indirect` membership, the `type` sub-attribute.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Sub-attributes not defined by RFC 7643, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GroupRef {
    /// A direct membership of the group with this `id`.
    pub fn direct(group_id: impl Into<String>) -> Self {
        GroupRef {
            value: Some(group_id.into()),
            kind: Some("direct".into()),
            ..GroupRef::default()
        }
    }

    /// The direct-membership entry of a user's `groups` for this group: its `id` (`None` when
    /// it has none yet) and its `displayName` as `display`.
    pub fn for_group(group: &Group) -> Option<GroupRef> {
        let id = group.id.as_deref()?;
        Some(GroupRef {
            display: Some(group.display_name.clone()),
            ..GroupRef::direct(id)
        })
    }

    /// Sets `$ref` (builder style), e.g. the group's `meta.location`.
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_sub_attributes_are_kept() {
        let v = json!({"value": "a@b.c", "type": "work", "verified": false, "notifications": true});
        let e: Email = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(e.extra.len(), 2);
        assert_eq!(serde_json::to_value(&e).unwrap(), v);
    }

    #[test]
    fn primary_as_string_entra() {
        let e: Email =
            serde_json::from_value(json!({"value": "a@b.c", "primary": "True"})).unwrap();
        assert!(e.is_primary());
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"value": "a@b.c", "primary": true})
        );
        let a: Address = serde_json::from_value(json!({"primary": "false"})).unwrap();
        assert_eq!(a.primary, Some(false));
    }

    #[test]
    fn primary_or_first_picks() {
        let es = vec![Email::new("a"), Email::new("b").primary()];
        assert_eq!(
            primary_or_first(&es, Email::is_primary)
                .unwrap()
                .value
                .as_deref(),
            Some("b")
        );
        let es = vec![Email::new("a"), Email::new("b")];
        assert_eq!(
            primary_or_first(&es, Email::is_primary)
                .unwrap()
                .value
                .as_deref(),
            Some("a")
        );
        assert!(primary_or_first(&[] as &[Email], Email::is_primary).is_none());
    }

    #[test]
    fn builders_and_type_match() {
        let p = PhoneNumber::new("555").with_type("Work");
        assert!(p.is_type("work"));
        assert!(!p.is_type("home"));
        let g = GroupRef::direct("g1");
        assert_eq!(
            serde_json::to_value(&g).unwrap(),
            json!({"value": "g1", "type": "direct"})
        );
    }
}
