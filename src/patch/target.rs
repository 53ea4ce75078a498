//! What a PATCH path targets: a schema-declared attribute (core, extension, or one of the
//! common attributes of [RFC 7643 §3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1)) or a
//! whole extension, and the mutability rules of
//! [RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2).
//!
//! Only declared attributes resolve: a path never reaches an arbitrary JSON key, and `id`,
//! `meta` and `schemas` are never writable.

use crate::error::Error;
use crate::path::AttrPath;
use crate::schema::{Attribute, Mutability, Resolved, ResourceSchema, Schema};
use serde_json::Value;

/// An attribute a PATCH operation targets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'s> {
    /// The attribute definition.
    pub attr: &'s Attribute,
    /// The URN of the extension that holds it, if it is an extension attribute.
    pub ext: Option<&'s str>,
}

impl Target<'_> {
    /// Whether two targets are the same attribute.
    pub fn same(&self, other: &Target<'_>) -> bool {
        std::ptr::eq(self.attr, other.attr) && self.ext == other.ext
    }
}

/// A resolved PATCH path.
pub(crate) enum Res<'s> {
    /// A whole extension (`urn:…:enterprise:2.0:User`).
    Ext(&'s Schema),
    /// An attribute, with the sub-attribute the path names (`name.givenName`).
    Attr(Target<'s>, Option<&'s Attribute>),
}

/// Resolves `p` in the resource type's schemas; unknown names are `invalidPath`.
pub(crate) fn resolve<'s>(
    schema: &'s ResourceSchema,
    p: &AttrPath,
    label: &str,
) -> Result<Res<'s>, Error> {
    let core_or_none = p
        .urn
        .as_deref()
        .is_none_or(|u| u.eq_ignore_ascii_case(&schema.core().id));
    if core_or_none && p.name.eq_ignore_ascii_case("schemas") {
        return Err(Error::mutability(
            "\"schemas\" is not modifiable by PATCH; it follows the extension values present",
        ));
    }
    match schema.resolve(p) {
        Some(Resolved::Extension(s)) => Ok(Res::Ext(s)),
        Some(Resolved::Attribute(r)) => Ok(Res::Attr(
            Target {
                attr: r.attribute,
                ext: r.in_extension.then_some(r.schema.id.as_str()),
            },
            r.sub_attribute,
        )),
        None => Err(Error::invalid_path(format!(
            "\"{label}\" is not an attribute of the {} resource type",
            schema.resource_type().name
        ))),
    }
}

/// `mutability` unless `attr` may be modified at all.
pub(crate) fn check_not_read_only(attr: &Attribute, label: &str) -> Result<(), Error> {
    if attr.mutability == Mutability::ReadOnly {
        return Err(Error::mutability(format!(
            "\"{label}\": attribute \"{}\" is readOnly",
            attr.name
        )));
    }
    Ok(())
}

/// `mutability` when an `immutable` attribute that has a value would get a different one
/// (RFC 7644 §3.5.2: a client may only add a value to an immutable attribute with none).
pub(crate) fn check_immutable(
    attr: &Attribute,
    existing: Option<&Value>,
    new: Option<&Value>,
    label: &str,
) -> Result<(), Error> {
    if attr.mutability != Mutability::Immutable {
        return Ok(());
    }
    let has = existing.is_some_and(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
    if has && existing != new {
        return Err(Error::mutability(format!(
            "\"{label}\": attribute \"{}\" is immutable and already has a value",
            attr.name
        )));
    }
    Ok(())
}

/// `mutability` for removing (unassigning) a `required` attribute (RFC 7644 §3.5.2.2).
pub(crate) fn check_removable(
    attr: &Attribute,
    existing: Option<&Value>,
    label: &str,
) -> Result<(), Error> {
    check_not_read_only(attr, label)?;
    if attr.required {
        return Err(Error::mutability(format!(
            "\"{label}\": attribute \"{}\" is required and cannot be removed",
            attr.name
        )));
    }
    check_immutable(attr, existing, None, label)
}

/// Checks that merging `new` into the complex value `old` changes no `immutable` sub-attribute
/// that already has a value.
pub(crate) fn check_immutable_subs(
    attr: &Attribute,
    old: &Value,
    new: &Value,
    label: &str,
) -> Result<(), Error> {
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        return Ok(());
    };
    for sub in attr
        .sub_attributes
        .iter()
        .filter(|s| s.mutability == Mutability::Immutable)
    {
        if let Some(n) = crate::schema::names::get_ci(new, &sub.name) {
            check_immutable(
                sub,
                crate::schema::names::get_ci(old, &sub.name),
                Some(n),
                label,
            )?;
        }
    }
    Ok(())
}

/// The attribute path a path-less value key names, when it is a path rather than a name
/// (`name.givenName`, `urn:…:enterprise:2.0:User:employeeNumber`): the URN runs to the last
/// `:`, and a `.` after it separates the sub-attribute (a URN may contain dots, `…:2.0:User`).
pub(crate) fn key_path(key: &str) -> Option<AttrPath> {
    let (urn, rest) = match key.rfind(':') {
        Some(i) => (Some(key.get(..i)?), key.get(i + 1..)?),
        None => (None, key),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    let ok = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
    };
    if !ok(name) || sub.is_some_and(|s| !ok(s)) || urn.is_some_and(str::is_empty) {
        return None;
    }
    let mut p = AttrPath::new(name);
    if let Some(u) = urn {
        p = p.with_urn(u);
    }
    if let Some(s) = sub {
        p = p.with_sub_attr(s);
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::AttributeType;

    #[test]
    fn key_paths_split_at_the_last_colon_then_the_dot() {
        let p =
            key_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
                .unwrap();
        assert_eq!(
            p.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(&*p.name, "manager");
        assert_eq!(p.sub_attr.as_deref(), Some("value"));
        let q = key_path("name.givenName").unwrap();
        assert!(q.urn.is_none());
        assert!(key_path("a.b.c").is_none());
        assert!(key_path(":x").is_none());
        assert!(key_path("emails[type eq \"work\"]").is_none());
    }

    #[test]
    fn immutable_only_when_unset() {
        let a = Attribute::new("x", AttributeType::String).mutability(Mutability::Immutable);
        let v = serde_json::json!("1");
        let w = serde_json::json!("2");
        assert!(check_immutable(&a, None, Some(&v), "x").is_ok());
        assert!(check_immutable(&a, Some(&v), Some(&v), "x").is_ok());
        assert!(check_immutable(&a, Some(&v), Some(&w), "x").is_err());
        assert!(check_removable(&a, Some(&v), "x").is_err());
        assert!(check_removable(&a, None, "x").is_ok());
    }
}
