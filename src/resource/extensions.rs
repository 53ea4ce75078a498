//! Schema extensions, unknown attributes and the `schemas` attribute of the typed resources
//! ([RFC 7643 §3](https://www.rfc-editor.org/rfc/rfc7643#section-3),
//! [§3.3](https://www.rfc-editor.org/rfc/rfc7643#section-3.3)).
//!
//! Design: the Enterprise User extension is a typed field of [`User`]; every other extension
//! object (keyed by its schema URI) and every unknown attribute lives in the resource's flattened
//! `extra` map, written back unchanged. `schemas` is kept as the client sent it and made
//! consistent at each point that changes the extensions: the core URN first, each URN once, and
//! the URN of every extension object present listed. Removing an extension removes its URN.

use super::normalize::{self, Attr, GROUP, USER};
use super::{EnterpriseUser, Group, User};
use crate::Error;
use crate::schema::names::{get_ci, remove_ci};
use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use serde_json::{Map, Value};

/// The keys of `extra` that hold an extension object: a URI key (`urn:…` or `http(s)://…`)
/// with an object value.
fn extension_keys(extra: &Map<String, Value>) -> impl Iterator<Item = &str> {
    extra
        .iter()
        .filter(|(k, v)| v.is_object() && looks_like_schema_uri(k))
        .map(|(k, _)| k.as_str())
}

fn looks_like_schema_uri(k: &str) -> bool {
    ["urn:", "http://", "https://"].iter().any(|p| {
        k.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })
}

/// Refuses a key that is not an extension: empty, the core URN, or a core attribute's name.
fn check_urn(urn: &str, core: &str, attrs: &[Attr]) -> Result<(), Error> {
    if urn.is_empty()
        || urn.eq_ignore_ascii_case(core)
        || attrs.iter().any(|a| a.name.eq_ignore_ascii_case(urn))
    {
        return Err(Error::invalid_value(format!(
            "\"{urn}\" is not an extension schema URN"
        )));
    }
    Ok(())
}

/// Removes the entry under `urn` (case-insensitive) from `extra` and its URN from `schemas`.
fn remove(schemas: &mut Vec<String>, extra: &mut Map<String, Value>, urn: &str) -> Option<Value> {
    let value = remove_ci(extra, urn)?;
    schemas.retain(|s| !s.eq_ignore_ascii_case(urn));
    Some(value)
}

impl User {
    pub(super) fn fix_schemas(&mut self) {
        let enterprise = self.enterprise.is_some().then_some(ENTERPRISE_USER_SCHEMA);
        let others = extension_keys(&self.extra);
        normalize::fix_schemas(
            &mut self.schemas,
            USER_SCHEMA,
            enterprise.into_iter().chain(others),
        );
    }

    /// The `schemas` attribute: the core User URN first, then the extensions present (and any
    /// other URN the client listed).
    pub fn schemas(&self) -> &[String] {
        &self.schemas
    }

    /// The Enterprise User extension, if present.
    pub fn enterprise(&self) -> Option<&EnterpriseUser> {
        self.enterprise.as_deref()
    }

    /// The Enterprise User extension, added empty (with its URN in `schemas`) when absent.
    pub fn enterprise_mut(&mut self) -> &mut EnterpriseUser {
        if self.enterprise.is_none() {
            self.set_enterprise(Some(EnterpriseUser::default()));
        }
        self.enterprise.get_or_insert_with(Box::default)
    }

    /// Sets or removes the Enterprise User extension, adding or removing its URN in `schemas`.
    pub fn set_enterprise(&mut self, enterprise: Option<EnterpriseUser>) {
        if enterprise.is_none() {
            self.schemas
                .retain(|s| !s.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA));
        }
        self.enterprise = enterprise.map(Box::new);
        self.fix_schemas();
    }

    /// Removes the Enterprise User extension (and its URN from `schemas`) and returns it.
    pub fn take_enterprise(&mut self) -> Option<EnterpriseUser> {
        let old = self.enterprise.take();
        self.set_enterprise(None);
        old.map(|b| *b)
    }

    /// Attributes that are not RFC 7643 User attributes, by name: other extensions' objects under
    /// their schema URN, and unknown core attributes. Written back unchanged.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// The object of the extension with this schema URN (case-insensitive), other than the
    /// Enterprise User extension (see [`User::enterprise`]).
    pub fn extension(&self, urn: &str) -> Option<&Value> {
        get_ci(&self.extra, urn)
    }

    /// Sets the object of an extension by its schema URN and lists the URN in `schemas`. The
    /// Enterprise User URN is decoded into the typed extension. Fails with `invalidValue` for
    /// the core URN, a name of a core attribute, or an enterprise object that does not decode.
    pub fn set_extension(&mut self, urn: &str, value: Value) -> Result<(), Error> {
        if urn.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) {
            let mut map = normalize::object(value, "Enterprise User extension")?;
            normalize::normalize(&mut map, normalize::ENTERPRISE, &[])?;
            let ext = normalize::decode(&Value::Object(map), ENTERPRISE_USER_SCHEMA)?;
            self.set_enterprise(Some(ext));
            return Ok(());
        }
        check_urn(urn, USER_SCHEMA, USER)?;
        remove(&mut self.schemas, &mut self.extra, urn);
        self.extra.insert(urn.to_owned(), value);
        self.fix_schemas();
        Ok(())
    }

    /// Removes an extension (or the Enterprise User extension) and its URN from `schemas`.
    /// Returns the removed object as JSON.
    pub fn remove_extension(&mut self, urn: &str) -> Option<Value> {
        if urn.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) {
            return self
                .take_enterprise()
                .and_then(|e| serde_json::to_value(e).ok());
        }
        remove(&mut self.schemas, &mut self.extra, urn)
    }
}

impl Group {
    pub(super) fn fix_schemas(&mut self) {
        let others = extension_keys(&self.extra);
        normalize::fix_schemas(&mut self.schemas, GROUP_SCHEMA, others);
    }

    /// The `schemas` attribute: the core Group URN first, then the extensions present (and any
    /// other URI the client listed).
    pub fn schemas(&self) -> &[String] {
        &self.schemas
    }

    /// Unknown attributes and extension objects, by name; written back unchanged.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// The object of the extension with this schema URN (case-insensitive).
    pub fn extension(&self, urn: &str) -> Option<&Value> {
        get_ci(&self.extra, urn)
    }

    /// Sets an extension object by schema URN and lists the URN in `schemas`; fails with
    /// `invalidValue` for the core URN or a core attribute name.
    pub fn set_extension(&mut self, urn: &str, value: Value) -> Result<(), Error> {
        check_urn(urn, GROUP_SCHEMA, GROUP)?;
        remove(&mut self.schemas, &mut self.extra, urn);
        self.extra.insert(urn.to_owned(), value);
        self.fix_schemas();
        Ok(())
    }

    /// Removes an extension and its URN from `schemas`; returns the removed object.
    pub fn remove_extension(&mut self, urn: &str) -> Option<Value> {
        remove(&mut self.schemas, &mut self.extra, urn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enterprise_set_and_remove_keep_schemas() {
        let mut u = User::new("a");
        u.enterprise_mut().employee_number = Some("7".into());
        assert_eq!(u.schemas(), [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
        assert!(u.remove_extension(ENTERPRISE_USER_SCHEMA).is_some());
        assert_eq!(u.schemas(), [USER_SCHEMA]);
        assert!(u.to_json().get(ENTERPRISE_USER_SCHEMA).is_none());
        // Set through the generic entry point: decoded into the typed extension.
        u.set_extension(
            "URN:ietf:params:scim:schemas:extension:enterprise:2.0:user",
            json!({"Department": "Retail", "manager": "m1"}),
        )
        .unwrap();
        assert_eq!(
            u.enterprise().unwrap().department.as_deref(),
            Some("Retail")
        );
        assert!(u.extra().is_empty());
        assert!(
            u.set_extension(ENTERPRISE_USER_SCHEMA, json!({"manager": 1}))
                .is_err()
        );
    }

    #[test]
    fn other_extensions_kept() {
        let mut u = User::new("a");
        u.set_extension("urn:example:ext:1.0:User", json!({"badge": 7}))
            .unwrap();
        assert_eq!(u.schemas().len(), 2);
        assert_eq!(
            u.extension("URN:example:ext:1.0:user"),
            Some(&json!({"badge": 7}))
        );
        // Setting again under another spelling replaces, never duplicates.
        u.set_extension("urn:EXAMPLE:ext:1.0:User", json!({"badge": 8}))
            .unwrap();
        assert_eq!(u.extra().len(), 1);
        assert_eq!(u.schemas().len(), 2);
        assert!(u.set_extension("userName", json!({})).is_err());
        assert!(u.set_extension(USER_SCHEMA, json!({})).is_err());
        assert!(u.set_extension("", json!({})).is_err());
        assert_eq!(
            u.remove_extension("urn:example:ext:1.0:User"),
            Some(json!({"badge": 8}))
        );
        assert_eq!(u.schemas(), [USER_SCHEMA]);
    }

    #[test]
    fn group_extensions() {
        let mut g = Group::new("g");
        g.set_extension("urn:example:team", json!({"room": 1}))
            .unwrap();
        assert_eq!(g.schemas(), [GROUP_SCHEMA, "urn:example:team"]);
        assert!(g.set_extension("members", json!({})).is_err());
        assert_eq!(
            g.remove_extension("URN:example:team"),
            Some(json!({"room": 1}))
        );
        assert_eq!(g.schemas(), [GROUP_SCHEMA]);
    }

    #[test]
    fn only_uri_keys_with_objects_are_extensions() {
        let extra: Map<String, Value> = serde_json::from_value(json!({
            "urn:a": {}, "HTTPS://b": {"x": 1}, "urn:c": 5, "plain": {}
        }))
        .unwrap();
        let mut keys: Vec<&str> = extension_keys(&extra).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["HTTPS://b", "urn:a"]);
    }
}
