//! The schemas of [RFC 7643 §8.7](https://www.rfc-editor.org/rfc/rfc7643#section-8.7) as data,
//! and the common attributes of [§3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1).
//!
//! The JSON files under `src/schema/rfc7643/` hold the schema representations of §8.7.1 (User,
//! Group, EnterpriseUser) and §8.7.2 (ServiceProviderConfig, ResourceType, Schema); each is
//! parsed once, on first use. Where the §8.7 text contradicts the normative text of the same RFC,
//! the files follow the normative text (these are the known errata and gaps; everything else is
//! as the RFC prints it, with the words its line breaks glued together re-separated):
//!
//! - Group `displayName` is `"required": true` (§4.2 says REQUIRED; §8.7.1 prints `false`;
//!   reported as an RFC 7643 erratum).
//! - Group `members` has a `display` sub-attribute (`immutable`, like every member sub-attribute
//!   per §4.2): the §8.4 example and RFC 7644 §3.5.2 use it, §8.7.1 omits it.
//! - User `addresses` has a `primary` sub-attribute: §2.4 gives it to every multi-valued
//!   attribute and the §8.2 example sends it, §8.7.1 omits it.
//! - ServiceProviderConfig has `etag`, and `authenticationSchemes` has `type` and `primary`:
//!   §5 defines them and the §8.5 example uses them, §8.7.2 omits them.
//! - ResourceType `schemaExtensions` is optional (§6 says OPTIONAL; §8.7.2 prints `true`).
//! - The Schema schema lists `binary` among the canonical `type` values (§2.3.6 defines it).
//!
//! The common attributes `id`, `externalId` and `meta` (§3.1) belong to no schema and are not
//! listed by `/Schemas`; [`common_attributes`] returns their characteristics, and
//! [`ResourceSchema`](super::ResourceSchema) resolves them in every resource type.

use super::{Attribute, Schema};
use std::sync::{Arc, OnceLock};

/// Parses one of the embedded JSON files. The files are compile-time constants covered by
/// tests, so a parse failure is a build defect, never something a client can cause.
fn parse<T: serde::de::DeserializeOwned>(json: &str, file: &str) -> T {
    serde_json::from_str(json)
        .unwrap_or_else(|e| unreachable!("embedded RFC 7643 data {file} is invalid: {e}"))
}

macro_rules! embedded_schema {
    ($(#[$doc:meta])* $fn:ident, $file:literal) => {
        $(#[$doc])*
        pub fn $fn() -> &'static Arc<Schema> {
            static CELL: OnceLock<Arc<Schema>> = OnceLock::new();
            CELL.get_or_init(|| Arc::new(parse(include_str!($file), $file)))
        }
    };
}

embedded_schema!(
    /// The User schema `urn:ietf:params:scim:schemas:core:2.0:User`
    /// ([RFC 7643 §4.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1),
    /// [§8.7.1](https://www.rfc-editor.org/rfc/rfc7643#section-8.7.1)).
    user_schema,
    "rfc7643/user.json"
);
embedded_schema!(
    /// The Group schema `urn:ietf:params:scim:schemas:core:2.0:Group`
    /// ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2),
    /// [§8.7.1](https://www.rfc-editor.org/rfc/rfc7643#section-8.7.1)).
    group_schema,
    "rfc7643/group.json"
);
embedded_schema!(
    /// The Enterprise User extension `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`
    /// ([RFC 7643 §4.3](https://www.rfc-editor.org/rfc/rfc7643#section-4.3),
    /// [§8.7.1](https://www.rfc-editor.org/rfc/rfc7643#section-8.7.1)).
    enterprise_user_schema,
    "rfc7643/enterprise_user.json"
);
embedded_schema!(
    /// The schema of `/ServiceProviderConfig`
    /// ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5),
    /// [§8.7.2](https://www.rfc-editor.org/rfc/rfc7643#section-8.7.2)).
    service_provider_config_schema,
    "rfc7643/service_provider_config.json"
);
embedded_schema!(
    /// The schema of `/ResourceTypes` entries
    /// ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6),
    /// [§8.7.2](https://www.rfc-editor.org/rfc/rfc7643#section-8.7.2)).
    resource_type_schema,
    "rfc7643/resource_type.json"
);
embedded_schema!(
    /// The schema of `/Schemas` entries
    /// ([RFC 7643 §7](https://www.rfc-editor.org/rfc/rfc7643#section-7),
    /// [§8.7.2](https://www.rfc-editor.org/rfc/rfc7643#section-8.7.2)).
    schema_schema,
    "rfc7643/schema.json"
);

/// The common attributes every resource has: `id` (readOnly, returned always, caseExact),
/// `externalId` (caseExact) and `meta` (readOnly, with `resourceType`, `created`,
/// `lastModified`, `location`, `version`)
/// ([RFC 7643 §3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1)).
pub fn common_attributes() -> &'static [Attribute] {
    static CELL: OnceLock<Vec<Attribute>> = OnceLock::new();
    CELL.get_or_init(|| parse(include_str!("rfc7643/common.json"), "rfc7643/common.json"))
}

/// The common attribute called `name` (case-insensitive), if any (RFC 7643 §3.1).
pub fn common_attribute(name: &str) -> Option<&'static Attribute> {
    common_attributes()
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// Every schema of RFC 7643 §8.7: User, Group, EnterpriseUser, ServiceProviderConfig,
/// ResourceType and Schema, in that order (what a full `/Schemas` lists).
pub fn rfc_schemas() -> [&'static Arc<Schema>; 6] {
    [
        user_schema(),
        group_schema(),
        enterprise_user_schema(),
        service_provider_config_schema(),
        resource_type_schema(),
        schema_schema(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{
        AttributeType, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, Mutability, Returned, USER_SCHEMA,
        Uniqueness,
    };

    #[test]
    fn every_embedded_file_parses() {
        let ids: Vec<&str> = rfc_schemas().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                USER_SCHEMA,
                GROUP_SCHEMA,
                ENTERPRISE_USER_SCHEMA,
                "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
                "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
                "urn:ietf:params:scim:schemas:core:2.0:Schema",
            ]
        );
        assert_eq!(common_attributes().len(), 3);
    }

    #[test]
    fn common_id_is_read_only_and_always_returned() {
        let id = common_attribute("ID").unwrap();
        assert_eq!(id.mutability, Mutability::ReadOnly);
        assert_eq!(id.returned, Returned::Always);
        assert_eq!(id.uniqueness, Uniqueness::Server);
        assert!(id.case_exact);
        let meta = common_attribute("meta").unwrap();
        assert_eq!(meta.mutability, Mutability::ReadOnly);
        assert_eq!(
            meta.sub_attribute("lastmodified").unwrap().kind,
            AttributeType::DateTime
        );
    }

    #[test]
    fn errata_are_applied() {
        assert!(group_schema().attribute("displayName").unwrap().required);
        let members = group_schema().attribute("members").unwrap();
        assert_eq!(
            members.sub_attribute("display").unwrap().mutability,
            Mutability::Immutable
        );
        let addresses = user_schema().attribute("addresses").unwrap();
        assert_eq!(
            addresses.sub_attribute("primary").unwrap().kind,
            AttributeType::Boolean
        );
        assert!(service_provider_config_schema().attribute("etag").is_some());
    }
}
