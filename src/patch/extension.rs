//! Extension values ([RFC 7643 §3](https://www.rfc-editor.org/rfc/rfc7643#section-3)): a whole
//! extension as a PATCH target (`urn:…:enterprise:2.0:User`), the extension object created with
//! its URN added to `schemas` when a first value is set, and removed with its URN when a request
//! leaves it empty.

use super::apply::{Action, Engine};
use super::target::{Target, check_removable};
use super::tx::Loc;
use crate::error::Error;
use crate::schema::Schema;
use crate::schema::names::{entry_ci, key_ci};
use serde_json::Value;
use std::borrow::Cow;

impl<'a> Engine<'a, '_> {
    /// A whole extension: its value is a partial extension object.
    pub(crate) fn extension(
        &mut self,
        action: Action<'_>,
        ext: &'a Schema,
        label: &str,
    ) -> Result<(), Error> {
        match action {
            Action::Remove | Action::Clear | Action::RemoveValues(_) => {
                for attr in &ext.attributes {
                    let t = Target {
                        attr,
                        ext: Some(ext.id.as_str()),
                    };
                    let loc = self.attr_loc(t);
                    if self.tx.get(&loc).is_some() {
                        check_removable(attr, self.tx.get(&loc), label)?;
                    }
                }
                if let Some(key) = key_ci(self.tx.root(), &ext.id) {
                    self.tx.put(Loc::attr(None, key), None);
                    self.remove_schema_urn(&ext.id);
                }
                Ok(())
            }
            Action::Set(kind, v) => {
                let Some(obj) = v.as_object() else {
                    return Err(Error::invalid_value(format!(
                        "\"{label}\": an extension's value must be an object"
                    )));
                };
                for (k, x) in obj {
                    // A client serialising the extension as a resource of its own (scim2-tester,
                    // SDKs built on typed models) puts `schemas` inside it: accepted when it
                    // names this resource type's schemas, like `schemas` in a path-less value.
                    if k.eq_ignore_ascii_case("schemas") {
                        self.check_schemas_value(x)?;
                        continue;
                    }
                    let Some(attr) = ext.attribute(k) else {
                        return Err(Error::invalid_path(format!(
                            "\"{k}\" is not an attribute of {}",
                            ext.id
                        )));
                    };
                    let t = Target {
                        attr,
                        ext: Some(ext.id.as_str()),
                    };
                    let action = self.action(kind, Some(x), k)?;
                    self.whole(action, t, k)?;
                }
                Ok(())
            }
        }
    }

    /// Makes sure the extension object exists and its URN is in `schemas` (RFC 7643 §3).
    pub(crate) fn ensure_ext(&mut self, urn: &'a str) {
        self.touched_ext.insert(urn);
        let root = self.tx.root();
        if !entry_ci(root, urn).is_some_and(|(_, v)| v.is_object()) {
            self.tx.put(
                Loc::attr(None, Cow::Borrowed(urn)),
                Some(Value::Object(serde_json::Map::new())),
            );
        }
        self.list_ext(urn);
    }

    /// [`ensure_ext`](Self::ensure_ext) for an extension whose object the caller has just
    /// found in the resource (no second search for it).
    pub(crate) fn ensure_ext_present(&mut self, urn: &'a str) {
        self.touched_ext.insert(urn);
        self.list_ext(urn);
    }

    /// Makes sure `schemas` lists the extension's URN.
    fn list_ext(&mut self, urn: &str) {
        let root = self.tx.root();
        let (schemas_key, schemas) = match entry_ci(root, "schemas") {
            Some((k, v)) => (k, v.as_array()),
            None => (Cow::Borrowed("schemas"), None),
        };
        // the exact spelling first (one memcmp per URN), then case-insensitively
        let listed = schemas.is_some_and(|a| {
            a.iter().any(|u| u.as_str() == Some(urn))
                || a.iter()
                    .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(urn)))
        });
        if !listed {
            self.tx.extend(
                &Loc::attr(None, schemas_key),
                vec![Value::String(urn.to_owned())],
            );
        }
    }

    pub(crate) fn touch(&mut self, t: Target<'a>) {
        if let Some(urn) = t.ext {
            self.touched_ext.insert(urn);
        }
    }

    fn remove_schema_urn(&mut self, urn: &str) {
        let root = self.tx.root();
        let Some(key) = key_ci(root, "schemas") else {
            return;
        };
        let Some(arr) = root.get(key.as_ref()).and_then(Value::as_array) else {
            return;
        };
        let mask: Vec<bool> = arr
            .iter()
            .map(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(urn)))
            .collect();
        self.tx.remove_where(&Loc::attr(None, key), &mask);
    }

    /// An extension left empty by this request is removed with its URN (RFC 7643 §3: `schemas`
    /// lists the extensions a resource has).
    pub(crate) fn drop_empty_extensions(&mut self) {
        let touched = std::mem::take(&mut self.touched_ext);
        for urn in touched.iter() {
            let root = self.tx.root();
            let Some((key, ext)) = entry_ci(root, urn) else {
                continue;
            };
            if ext.as_object().is_some_and(|o| o.is_empty()) {
                self.tx.put(Loc::attr(None, key), None);
                self.remove_schema_urn(urn);
            }
        }
    }
}

/// The extensions a request wrote to or removed from, in the order first touched: a few
/// inline (a resource type has one or two), any more in a `Vec`, so the common request does
/// not allocate for this.
#[derive(Debug, Default)]
pub(crate) struct Touched<'a> {
    few: [Option<&'a str>; 4],
    more: Vec<&'a str>,
}

impl<'a> Touched<'a> {
    /// Records `urn` (once).
    pub(crate) fn insert(&mut self, urn: &'a str) {
        if self.iter().any(|u| u == urn) {
            return;
        }
        match self.few.iter_mut().find(|s| s.is_none()) {
            Some(slot) => *slot = Some(urn),
            None => self.more.push(urn),
        }
    }

    /// The URNs, in the order first recorded.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.few
            .iter()
            .flatten()
            .copied()
            .chain(self.more.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::Touched;

    #[test]
    fn touched_keeps_first_touch_order_past_the_inline_slots() {
        let mut t = Touched::default();
        for u in ["a", "b", "a", "c", "d", "e", "b", "f"] {
            t.insert(u);
        }
        assert_eq!(t.iter().collect::<Vec<_>>(), ["a", "b", "c", "d", "e", "f"]);
    }
}
