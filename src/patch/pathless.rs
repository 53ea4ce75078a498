//! Path-less `add`/`replace` ([RFC 7644 §3.5.2.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.1),
//! [§3.5.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.3)): the value is a partial
//! resource whose members are applied one by one; with
//! [`Compat::pathless_path_keys`](crate::Compat::pathless_path_keys) a member name may be a path
//! (`name.givenName`, `urn:…:enterprise:2.0:User:employeeNumber`).

use super::PatchPath;
use super::apply::Engine;
use super::op::OpKind;
use super::target::key_path;
use crate::error::Error;
use crate::path::AttrPath;
use serde_json::Value;

impl Engine<'_, '_> {
    /// A path-less `add`/`replace`: the value is a partial resource (§3.5.2.1, §3.5.2.3).
    pub(crate) fn pathless(&mut self, kind: OpKind, v: &Value) -> Result<(), Error> {
        let Some(obj) = v.as_object() else {
            return Err(Error::invalid_value(format!(
                "a path-less {kind} needs an object value"
            )));
        };
        for (k, x) in obj {
            if k.eq_ignore_ascii_case("schemas") {
                self.check_schemas_value(x)?;
                continue;
            }
            if k.eq_ignore_ascii_case("id") && self.compat.ignore_id_in_values {
                continue;
            }
            if let Some(ext) = self.schema.extension(k) {
                let action = self.action(kind, Some(x), k)?;
                self.extension(action, ext, k)?;
                continue;
            }
            let attr = if k.contains(['.', ':']) {
                if !self.compat.pathless_path_keys {
                    return Err(Error::invalid_path(format!(
                        "\"{k}\" in a path-less value is not an attribute name"
                    )));
                }
                key_path(k).ok_or_else(|| {
                    Error::invalid_path(format!("\"{k}\" is not an attribute path"))
                })?
            } else {
                AttrPath::new(k.as_str())
            };
            let p = PatchPath {
                attr,
                filter: None,
                sub_attr: None,
            };
            self.apply_path(kind, &p, Some(x), k)?;
        }
        Ok(())
    }

    /// `schemas` in a path-less value: accepted (and otherwise ignored — `schemas` follows the
    /// extension values present) when it only names this resource type's schemas.
    pub(super) fn check_schemas_value(&self, x: &Value) -> Result<(), Error> {
        let known = |u: &Value| u.as_str().is_some_and(|u| self.schema.schema(u).is_some());
        match x {
            Value::Array(a) if a.iter().all(known) => Ok(()),
            _ => Err(Error::invalid_value(
                "\"schemas\" names a schema this resource type does not have",
            )),
        }
    }
}
