//! Resolving attribute paths against a resource type's schemas, case-insensitively and with or
//! without a schema URN prefix ([RFC 7644 §3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10),
//! [RFC 7643 §3.3](https://www.rfc-editor.org/rfc/rfc7643#section-3.3)).

use super::rfc::{common_attribute, enterprise_user_schema, group_schema, user_schema};
use super::{Attribute, ResourceType, Schema};
use crate::path::AttrPath;
use std::sync::Arc;

/// A resource type together with its core and extension schemas: everything needed to
/// resolve a path in a resource of that type.
#[derive(Debug, Clone)]
pub struct ResourceSchema {
    resource_type: ResourceType,
    core: Arc<Schema>,
    extensions: Vec<Arc<Schema>>,
}

/// What a path names (RFC 7644 §3.10): a whole extension schema's object, or an attribute
/// (with an optional sub-attribute) of the core schema or of an extension.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'a> {
    /// The path is an extension schema URN alone (e.g. in `attributes` or a PATCH path);
    /// it names the JSON object stored under that URN.
    Extension(&'a Schema),
    /// The path names an attribute.
    Attribute(ResolvedAttr<'a>),
}

/// What a top-level key of a resource object is (see [`ResourceSchema::top_level`]).
#[derive(Debug, Clone, Copy)]
pub enum TopLevel<'a> {
    /// The `schemas` attribute (RFC 7643 §3).
    Schemas,
    /// A core-schema or common attribute.
    Attribute(&'a Attribute),
    /// The object of an extension schema, keyed by its URN (RFC 7643 §3.3).
    Extension(&'a Schema),
}

/// A resolved attribute path.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ResolvedAttr<'a> {
    /// The schema that defines the attribute.
    pub schema: &'a Schema,
    /// `true` when the schema is an extension: the value lives under the schema URN key.
    pub in_extension: bool,
    /// The top-level attribute.
    pub attribute: &'a Attribute,
    /// The sub-attribute, when the path has one.
    pub sub_attribute: Option<&'a Attribute>,
}

impl<'a> ResolvedAttr<'a> {
    /// The attribute the path finally names: the sub-attribute if any, else the attribute.
    pub fn leaf(&self) -> &'a Attribute {
        self.sub_attribute.unwrap_or(self.attribute)
    }
}

impl ResourceSchema {
    /// Builds the resolver for a resource type from its core schema and the extension schemas
    /// it declares (extensions not listed in `resource_type.schema_extensions` are ignored).
    pub fn new(
        resource_type: ResourceType,
        core: Arc<Schema>,
        extensions: Vec<Arc<Schema>>,
    ) -> Self {
        let extensions = extensions
            .into_iter()
            .filter(|s| {
                resource_type
                    .schema_extensions
                    .iter()
                    .any(|e| e.schema.eq_ignore_ascii_case(&s.id))
            })
            .collect();
        ResourceSchema {
            resource_type,
            core,
            extensions,
        }
    }

    /// The resource type.
    pub fn resource_type(&self) -> &ResourceType {
        &self.resource_type
    }

    /// The core schema.
    pub fn core(&self) -> &Schema {
        &self.core
    }

    /// The extension schemas.
    pub fn extensions(&self) -> impl Iterator<Item = &Schema> {
        self.extensions.iter().map(|s| s.as_ref())
    }

    /// The core or extension schema with this URI (case-insensitive).
    pub fn schema(&self, uri: &str) -> Option<&Schema> {
        if self.core.id.eq_ignore_ascii_case(uri) {
            return Some(&self.core);
        }
        self.extension(uri)
    }

    /// The extension schema with this URI (case-insensitive).
    pub fn extension(&self, uri: &str) -> Option<&Schema> {
        self.extensions
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(uri))
            .map(|s| s.as_ref())
    }

    /// Resolves a path: with a URN prefix, in that schema (or, when URN and name together are
    /// an extension's URI, the extension itself); without one, in the core schema, then among
    /// the common attributes `id`, `externalId`, `meta` (RFC 7643 §3.1; also reachable with
    /// the core URN), then in the extensions in their declaration order (RFC 7643 §3.3 lets a
    /// client omit the URN of a core attribute).
    pub fn resolve(&self, path: &AttrPath) -> Option<Resolved<'_>> {
        match &path.urn {
            Some(urn) => {
                if let Some(schema) = self.schema(urn) {
                    let is_core = std::ptr::eq(schema, self.core.as_ref());
                    let found = attr_in(schema, !is_core, path);
                    return match found {
                        None if is_core => self.common_attr(path),
                        found => found,
                    }
                    .map(Resolved::Attribute);
                }
                // `urn:...:enterprise:2.0:User` parses as urn `urn:...:enterprise:2.0` and
                // name `User`: the whole extension.
                if path.sub_attr.is_none() {
                    let full_len = urn.len() + 1 + path.name.len();
                    for ext in &self.extensions {
                        if ext.id.len() == full_len
                            && ext
                                .id
                                .get(..urn.len())
                                .is_some_and(|p| p.eq_ignore_ascii_case(urn))
                            && ext
                                .id
                                .get(urn.len() + 1..)
                                .is_some_and(|n| n.eq_ignore_ascii_case(&path.name))
                        {
                            return Some(Resolved::Extension(ext));
                        }
                    }
                }
                None
            }
            None => attr_in(&self.core, false, path)
                .or_else(|| self.common_attr(path))
                .or_else(|| {
                    self.extensions
                        .iter()
                        .find_map(|ext| attr_in(ext, true, path))
                })
                .map(Resolved::Attribute),
        }
    }

    /// A common attribute (`id`, `externalId`, `meta`; RFC 7643 §3.1), reported as part of
    /// the core schema (it lives at the top level of the resource).
    fn common_attr(&self, path: &AttrPath) -> Option<ResolvedAttr<'_>> {
        let attribute = common_attribute(&path.name)?;
        let sub_attribute = match &path.sub_attr {
            Some(sub) => Some(attribute.sub_attribute(sub)?),
            None => None,
        };
        Some(ResolvedAttr {
            schema: &self.core,
            in_extension: false,
            attribute,
            sub_attribute,
        })
    }

    /// What a top-level key of a resource's JSON object is
    /// ([RFC 7643 §3](https://www.rfc-editor.org/rfc/rfc7643#section-3)): `schemas`, a core or
    /// common attribute, or the URN of one of this type's extensions (all case-insensitive).
    /// `None` for a key the schemas do not define.
    pub fn top_level(&self, key: &str) -> Option<TopLevel<'_>> {
        if key.eq_ignore_ascii_case("schemas") {
            return Some(TopLevel::Schemas);
        }
        if let Some(a) = self.core.attribute(key).or_else(|| common_attribute(key)) {
            return Some(TopLevel::Attribute(a));
        }
        self.extension(key).map(TopLevel::Extension)
    }

    /// The resolver for the RFC 7643 `User` resource type: core User schema and the Enterprise
    /// User extension ([RFC 7643 §8.6](https://www.rfc-editor.org/rfc/rfc7643#section-8.6)).
    pub fn user() -> Self {
        ResourceSchema::new(
            ResourceType::user(),
            Arc::clone(user_schema()),
            vec![Arc::clone(enterprise_user_schema())],
        )
    }

    /// The resolver for the RFC 7643 `Group` resource type
    /// ([RFC 7643 §8.6](https://www.rfc-editor.org/rfc/rfc7643#section-8.6)).
    pub fn group() -> Self {
        ResourceSchema::new(
            ResourceType::group(),
            Arc::clone(group_schema()),
            Vec::new(),
        )
    }

    /// Resolves a path that must name an attribute (not a whole extension).
    pub fn resolve_attr(&self, path: &AttrPath) -> Option<ResolvedAttr<'_>> {
        match self.resolve(path)? {
            Resolved::Attribute(a) => Some(a),
            Resolved::Extension(_) => None,
        }
    }
}

fn attr_in<'a>(
    schema: &'a Schema,
    in_extension: bool,
    path: &AttrPath,
) -> Option<ResolvedAttr<'a>> {
    let attribute = schema.attribute(&path.name)?;
    let sub_attribute = match &path.sub_attr {
        Some(sub) => Some(attribute.sub_attribute(sub)?),
        None => None,
    };
    Some(ResolvedAttr {
        schema,
        in_extension,
        attribute,
        sub_attribute,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{AttributeType, ENTERPRISE_USER_SCHEMA, USER_SCHEMA};

    fn fixture() -> ResourceSchema {
        let core = Schema::new(
            USER_SCHEMA,
            "User",
            "",
            vec![
                Attribute::new("userName", AttributeType::String),
                Attribute::new("name", AttributeType::Complex)
                    .sub_attributes(vec![Attribute::new("givenName", AttributeType::String)]),
            ],
        );
        let ent = Schema::new(
            ENTERPRISE_USER_SCHEMA,
            "EnterpriseUser",
            "",
            vec![
                Attribute::new("manager", AttributeType::Complex)
                    .sub_attributes(vec![Attribute::new("value", AttributeType::String)]),
            ],
        );
        let rt = ResourceType::new("User", "/Users", "", USER_SCHEMA)
            .with_extension(ENTERPRISE_USER_SCHEMA, false);
        ResourceSchema::new(rt, Arc::new(core), vec![Arc::new(ent)])
    }

    #[test]
    fn resolves_case_insensitively_with_and_without_urn() {
        let rs = fixture();
        let a = rs.resolve_attr(&AttrPath::new("USERNAME")).unwrap();
        assert_eq!(a.attribute.name, "userName");
        assert!(!a.in_extension);
        let p = AttrPath::new("name")
            .with_urn(USER_SCHEMA.to_ascii_lowercase())
            .with_sub_attr("GIVENNAME");
        assert_eq!(rs.resolve_attr(&p).unwrap().leaf().name, "givenName");
    }

    #[test]
    fn resolves_extension_urn_with_dotted_version() {
        let rs = fixture();
        let p = AttrPath::new("manager")
            .with_urn(ENTERPRISE_USER_SCHEMA)
            .with_sub_attr("value");
        let a = rs.resolve_attr(&p).unwrap();
        assert!(a.in_extension);
        assert_eq!(a.leaf().name, "value");
        // the whole extension: urn "...:2.0" + name "User"
        let whole =
            AttrPath::new("User").with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0");
        assert!(
            matches!(rs.resolve(&whole), Some(Resolved::Extension(s)) if s.id == ENTERPRISE_USER_SCHEMA)
        );
        // unprefixed extension attribute
        assert!(
            rs.resolve_attr(&AttrPath::new("manager"))
                .unwrap()
                .in_extension
        );
    }

    #[test]
    fn unknown_paths_do_not_resolve() {
        let rs = fixture();
        assert!(rs.resolve(&AttrPath::new("nope")).is_none());
        assert!(
            rs.resolve(&AttrPath::new("name").with_sub_attr("nope"))
                .is_none()
        );
        assert!(
            rs.resolve(&AttrPath::new("userName").with_urn("urn:x:y"))
                .is_none()
        );
    }
}
