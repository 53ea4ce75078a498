//! Operations on the elements of a multi-valued attribute selected by a value filter
//! (`emails[type eq "work"]`, `addresses[type eq "work"].streetAddress`) or on a sub-attribute of
//! all its elements (`emails.value`): RFC 7644
//! [§3.5.2.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.1)–[§3.5.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.3).
//!
//! - `remove` with a filter that matches nothing is `noTarget`; an emptied attribute is removed.
//! - `replace` with a filter that matches nothing is `noTarget` (§3.5.2.3), unless
//!   [`Compat::replace_creates_filtered_value`](crate::Compat::replace_creates_filtered_value):
//!   then, like `add`, it creates the element from the filter's `eq` terms and the value.
//! - Setting `primary` to `true` on one element sets it to `false` on the others (§3.5.2).

use super::apply::{Action, Engine, is_primary_true};
use super::multi::{clear_other_primaries, merged};
use super::op::OpKind;
use super::select::{Selector, eq_terms, literal};
use super::target::{Target, check_immutable, check_immutable_subs, check_not_read_only};
use super::value::{coerce_many, coerce_one, coerce_scalar};
use crate::error::Error;
use crate::filter::Filter;
use crate::schema::names::{get_ci, key_ci};
use crate::schema::{Attribute, AttributeType};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The indices of the elements a filter selects: the first inline (a filter usually selects
/// one element), the others in a `Vec`.
#[derive(Default)]
struct Matched {
    first: Option<usize>,
    rest: Vec<usize>,
}

impl Matched {
    fn push(&mut self, i: usize) {
        if self.first.is_none() {
            self.first = Some(i);
        } else {
            self.rest.push(i);
        }
    }
    fn first(&self) -> Option<usize> {
        self.first
    }
    fn is_empty(&self) -> bool {
        self.first.is_none()
    }
    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.first.into_iter().chain(self.rest.iter().copied())
    }
}

impl<'a> Engine<'a, '_> {
    /// Applies `action` to the elements of `t` that `filter` selects (all when `None`), or to
    /// their sub-attribute `tsub`.
    pub(crate) fn filtered(
        &mut self,
        action: Action<'_>,
        t: Target<'a>,
        filter: Option<&Filter>,
        tsub: Option<&'a Attribute>,
        label: &str,
    ) -> Result<(), Error> {
        if !t.attr.multi_valued {
            return Err(Error::invalid_path(format!(
                "\"{label}\": \"{}\" is single-valued and takes no value filter",
                t.attr.name
            )));
        }
        check_not_read_only(t.attr, label)?;
        if let Some(s) = tsub {
            check_not_read_only(s, label)?;
        }
        // the filter's paths are sub-attributes of the elements; checked against the
        // attribute and prepared once for the whole list
        let compiled = match filter {
            Some(f) => Some(
                Selector::new(f, t.attr)
                    .map_err(|e| Error::invalid_path(format!("\"{label}\": {}", e.detail())))?,
            ),
            None => None,
        };
        let loc = self.attr_loc(t);
        let elems: &[Value] = self
            .tx
            .get(&loc)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let total = elems.len();
        // indices only: the selected elements are read in place, never copied
        let mut matched = Matched::default();
        for (i, e) in elems.iter().enumerate() {
            if compiled.as_ref().is_none_or(|c| c.matches(e)) {
                matched.push(i);
            }
        }
        let no_target = || {
            Error::no_target(format!(
                "\"{label}\": the value filter matches no value of \"{}\"",
                t.attr.name
            ))
        };

        match action {
            Action::Remove | Action::Clear | Action::RemoveValues(_) => {
                if matched.is_empty() {
                    return match (action, filter) {
                        (Action::Clear, _) | (_, None) => Ok(()),
                        _ => Err(no_target()),
                    };
                }
                let mut mask = vec![false; total];
                match tsub {
                    None => {
                        for i in matched.iter() {
                            if let Some(m) = mask.get_mut(i) {
                                *m = true;
                            }
                        }
                    }
                    Some(s) => {
                        for i in matched.iter() {
                            let eloc = loc.elem(i);
                            let Some(obj) = self.tx.get(&eloc).and_then(Value::as_object) else {
                                continue;
                            };
                            let Some(k) = key_ci(obj, &s.name) else {
                                continue;
                            };
                            check_immutable(s, obj.get(k.as_ref()), None, label)?;
                            let last = obj.len() == 1;
                            self.tx.put(eloc.sub(k), None);
                            if last && let Some(m) = mask.get_mut(i) {
                                *m = true;
                            }
                        }
                    }
                }
                let emptied = mask.iter().filter(|m| **m).count() == total;
                if emptied && t.attr.required {
                    return Err(Error::mutability(format!(
                        "\"{label}\": attribute \"{}\" is required and cannot become empty",
                        t.attr.name
                    )));
                }
                self.tx.remove_where(&loc, &mask);
                if emptied {
                    self.tx.put(loc, None);
                }
                self.touch(t);
                Ok(())
            }
            Action::Set(kind, v) => {
                if matched.is_empty() {
                    let creatable = filter.is_none()
                        || kind == OpKind::Add
                        || self.compat.replace_creates_filtered_value;
                    if !creatable {
                        return Err(no_target());
                    }
                    let elem = self.new_element(t.attr, filter, tsub, v, label)?;
                    let Some(elem) = elem else {
                        return Err(no_target());
                    };
                    let primary = is_primary_true(&elem);
                    if let Some(ext) = t.ext {
                        self.ensure_ext(ext);
                    }
                    self.tx.extend(&loc, vec![elem]);
                    if primary {
                        clear_other_primaries(&mut self.tx, &loc, total);
                    }
                    return Ok(());
                }
                let new = match tsub {
                    Some(s) if s.multi_valued => {
                        Value::Array(coerce_many(s, v, self.compat, label)?)
                    }
                    Some(s) => coerce_scalar(s, v, self.compat, label)?,
                    None => coerce_one(t.attr, v, self.compat, label)?,
                };
                let sets_primary = match tsub {
                    Some(s) => s.name == "primary" && new == Value::Bool(true),
                    None => is_primary_true(&new),
                };
                if sets_primary && matched.len() > 1 {
                    return Err(Error::invalid_value(format!(
                        "\"{label}\": the filter selects {} values and at most one may be primary",
                        matched.len()
                    )));
                }
                // the last element takes `new` itself, the others a copy
                let mut new = Some(new);
                let last = matched.len().saturating_sub(1);
                for (j, i) in matched.iter().enumerate() {
                    let Some(n) = new.as_ref() else { break };
                    let eloc = loc.elem(i);
                    let Some(e) = self.tx.get(&eloc) else {
                        continue;
                    };
                    match tsub {
                        Some(s) => {
                            let obj = e.as_object();
                            let key = obj
                                .and_then(|o| key_ci(o, &s.name))
                                .unwrap_or(Cow::Borrowed(s.name.as_str()));
                            check_immutable(
                                s,
                                obj.and_then(|o| get_ci(o, &s.name)),
                                Some(n),
                                label,
                            )?;
                            if obj.is_some() {
                                let x = if j == last {
                                    new.take()
                                } else {
                                    Some(n.clone())
                                };
                                self.tx.put(eloc.sub(key), x);
                            }
                        }
                        None => {
                            check_immutable_subs(t.attr, e, n, label)?;
                            let replacement = if kind == OpKind::Add {
                                Some(merged(e, n))
                            } else if j == last {
                                new.take()
                            } else {
                                Some(n.clone())
                            };
                            self.tx.put(eloc, replacement);
                        }
                    }
                }
                if sets_primary && let Some(i) = matched.first() {
                    clear_other_primaries(&mut self.tx, &loc, i);
                }
                Ok(())
            }
        }
    }

    /// The element an unmatched `add`/`replace` creates: the filter's `eq` terms plus the value
    /// (`None` when the filter is not a conjunction of `eq` terms).
    fn new_element(
        &self,
        attr: &Attribute,
        filter: Option<&Filter>,
        tsub: Option<&Attribute>,
        v: &Value,
        label: &str,
    ) -> Result<Option<Value>, Error> {
        if attr.kind != AttributeType::Complex {
            return Ok(Some(coerce_one(attr, v, self.compat, label)?));
        }
        let terms = match filter {
            Some(f) => match eq_terms(f, attr) {
                Some(t) => t,
                None => return Ok(None),
            },
            None => Vec::new(),
        };
        let mut elem = Map::new();
        for (sub, lit) in terms {
            let x = coerce_scalar(sub, &literal(lit), self.compat, label)?;
            elem.insert(sub.name.clone(), x);
        }
        match tsub {
            Some(s) => {
                let x = if s.multi_valued {
                    Value::Array(coerce_many(s, v, self.compat, label)?)
                } else {
                    coerce_scalar(s, v, self.compat, label)?
                };
                elem.insert(s.name.clone(), x);
            }
            None => {
                if let Value::Object(o) = coerce_one(attr, v, self.compat, label)? {
                    elem.extend(o);
                }
            }
        }
        Ok(Some(Value::Object(elem)))
    }
}
