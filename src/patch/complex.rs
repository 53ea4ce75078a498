//! Singular complex attributes ([RFC 7644 §3.5.2.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.1),
//! [§3.5.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.3)): a complex value merged
//! into the existing one, and a sub-attribute path (`name.givenName`) set or removed.

use super::apply::{Action, Engine};
use super::target::{
    Target, check_immutable, check_immutable_subs, check_not_read_only, check_removable,
};
use super::tx::Loc;
use super::value::{coerce_many, coerce_scalar};
use crate::error::Error;
use crate::schema::Mutability;
use crate::schema::names::{get_ci, key_ci};
use serde_json::Value;
use std::borrow::Cow;

impl<'a> Engine<'a, '_> {
    /// `add`/`replace` of a singular complex attribute: the given sub-attributes replace or are
    /// added to the existing ones; the others are left unchanged (§3.5.2.3).
    pub(crate) fn merge_complex(
        &mut self,
        t: Target<'a>,
        loc: Loc<'a>,
        existing: Option<Value>,
        new: Value,
        label: &str,
    ) -> Result<(), Error> {
        let Some(new_obj) = new.as_object() else {
            return Ok(());
        };
        match existing.as_ref().and_then(Value::as_object) {
            Some(old) => {
                if t.attr.mutability == Mutability::Immutable {
                    let merged_differs = new_obj.iter().any(|(k, v)| get_ci(old, k) != Some(v));
                    if merged_differs {
                        return Err(Error::mutability(format!(
                            "\"{label}\": attribute \"{}\" is immutable and already has a value",
                            t.attr.name
                        )));
                    }
                }
                check_immutable_subs(t.attr, &Value::Object(old.clone()), &new, label)?;
                let keys: Vec<(String, Value)> = new_obj
                    .iter()
                    .map(|(k, v)| {
                        let key = key_ci(old, k).map_or_else(|| k.clone(), Cow::into_owned);
                        (key, v.clone())
                    })
                    .collect();
                for (k, v) in keys {
                    self.tx.put(loc.sub(Cow::Owned(k)), Some(v));
                }
            }
            None => {
                if new_obj.is_empty() {
                    return Ok(());
                }
                if let Some(ext) = t.ext {
                    self.ensure_ext(ext);
                }
                self.tx.put(loc, Some(new));
            }
        }
        Ok(())
    }

    /// A sub-attribute of a singular complex attribute (`name.givenName`).
    pub(crate) fn sub_attr(
        &mut self,
        action: Action<'_>,
        t: Target<'a>,
        sub: &'a crate::schema::Attribute,
        label: &str,
    ) -> Result<(), Error> {
        check_not_read_only(t.attr, label)?;
        check_not_read_only(sub, label)?;
        let loc = self.attr_loc(t);
        let parent = self.tx.get(&loc).and_then(Value::as_object);
        let has_parent = parent.is_some();
        let key = parent
            .and_then(|o| key_ci(o, &sub.name))
            .unwrap_or(Cow::Borrowed(sub.name.as_str()));
        let sloc = loc.sub(key);
        // read in place (not copied), and only when a check needs it: the checks below end
        // before the first write
        let needs_existing = !matches!(action, Action::Set(..))
            || sub.mutability == Mutability::Immutable
            || t.attr.mutability == Mutability::Immutable;
        let existing = if needs_existing {
            self.tx.get(&sloc).filter(|v| !v.is_null())
        } else {
            None
        };
        match action {
            Action::Remove | Action::Clear | Action::RemoveValues(_) => {
                if existing.is_none() {
                    return Ok(());
                }
                check_removable(sub, existing, label)?;
                check_immutable(t.attr, existing, None, label)?;
                self.tx.put(sloc, None);
                if self
                    .tx
                    .get(&loc)
                    .and_then(Value::as_object)
                    .is_some_and(|o| o.is_empty())
                {
                    self.tx.put(loc, None);
                }
                self.touch(t);
                Ok(())
            }
            Action::Set(_, v) => {
                let x = if sub.multi_valued {
                    Value::Array(coerce_many(sub, v, self.compat, label)?)
                } else {
                    coerce_scalar(sub, v, self.compat, label)?
                };
                check_immutable(sub, existing, Some(&x), label)?;
                check_immutable(t.attr, existing, Some(&x), label)?;
                if has_parent {
                    self.tx.put(sloc, Some(x));
                } else {
                    if let Some(ext) = t.ext {
                        self.ensure_ext(ext);
                    }
                    let mut m = serde_json::Map::new();
                    m.insert(sub.name.clone(), x);
                    self.tx.put(loc, Some(Value::Object(m)));
                }
                Ok(())
            }
        }
    }
}
