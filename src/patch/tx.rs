//! All-or-nothing application: every change to the resource goes through [`Tx`], which records
//! how to undo it ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2): "A
//! PATCH request, regardless of the number of operations, SHALL be treated as atomic").
//!
//! The log holds what a change displaced — moved out, never cloned — so undo costs what the
//! changes cost, not what the resource weighs: removing 100 members of a 10 000-member group
//! records the 100 removed elements and their positions, not a copy of the list.

use serde_json::{Map, Value};
use std::borrow::Cow;

/// Where a change happened: `[ext].attr[idx].sub` in the resource JSON (keys as stored).
///
/// Keys borrow the schema's names (`'k`) when the resource spells them that way, which is the
/// common case: building, cloning and logging a location then allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loc<'k> {
    /// The extension URN key when the attribute lives in an extension object.
    pub ext: Option<Cow<'k, str>>,
    /// The attribute's key.
    pub attr: Cow<'k, str>,
    /// The element index, for an element of a multi-valued attribute.
    pub idx: Option<usize>,
    /// The sub-attribute key.
    pub sub: Option<Cow<'k, str>>,
}

impl<'k> Loc<'k> {
    /// A top-level (or extension-level) attribute.
    pub fn attr(ext: Option<Cow<'k, str>>, attr: Cow<'k, str>) -> Self {
        Loc {
            ext,
            attr,
            idx: None,
            sub: None,
        }
    }
    /// The same attribute's element `idx`.
    pub fn elem(&self, idx: usize) -> Self {
        Loc {
            idx: Some(idx),
            sub: None,
            ..self.clone()
        }
    }
    /// The same attribute's (or element's) sub-attribute `sub`.
    pub fn sub(&self, sub: Cow<'k, str>) -> Self {
        Loc {
            sub: Some(sub),
            ..self.clone()
        }
    }
}

#[derive(Debug)]
enum Undo<'k> {
    /// Put `old` back at the location (`None`: remove the key).
    Put(Loc<'k>, Option<Value>),
    /// Truncate the array at the location back to this length.
    Truncate(Loc<'k>, usize),
    /// Re-insert removed elements at their original indices (ascending).
    Reinsert(Loc<'k>, Vec<(usize, Value)>),
}

/// A resource being patched, with the undo log of the changes made so far.
pub(crate) struct Tx<'r, 'k> {
    root: &'r mut Map<String, Value>,
    log: Vec<Undo<'k>>,
}

impl<'r, 'k> Tx<'r, 'k> {
    pub fn new(root: &'r mut Map<String, Value>) -> Self {
        Self::with_capacity(root, 0)
    }

    /// A transaction expecting about `changes` changes (one log allocation for a typical
    /// request instead of several as the log grows).
    pub fn with_capacity(root: &'r mut Map<String, Value>, changes: usize) -> Self {
        Tx {
            root,
            log: Vec::with_capacity(changes),
        }
    }

    /// The resource, read-only.
    pub fn root(&self) -> &Map<String, Value> {
        self.root
    }

    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        !self.log.is_empty()
    }

    /// The value at `loc`, if present.
    pub fn get(&self, loc: &Loc<'_>) -> Option<&Value> {
        let container = match &loc.ext {
            Some(e) => self.root.get(e.as_ref())?.as_object()?,
            None => &*self.root,
        };
        let mut v = container.get(loc.attr.as_ref())?;
        if let Some(i) = loc.idx {
            v = v.as_array()?.get(i)?;
        }
        if let Some(s) = &loc.sub {
            v = v.as_object()?.get(s.as_ref())?;
        }
        Some(v)
    }

    /// Sets (`Some`) or removes (`None`) the value at `loc`. The parents must exist (the engine
    /// creates them first); an unreachable location is left alone. Equal values are not logged.
    pub fn put(&mut self, loc: Loc<'k>, new: Option<Value>) {
        // one walk to the location: compared and written there
        if let Some(Wrote::Displaced(old)) = write(self.root, &loc, new) {
            self.log.push(Undo::Put(loc, old));
        }
    }

    /// Appends to the array at `loc`, creating it when absent.
    pub fn extend(&mut self, loc: &Loc<'k>, items: Vec<Value>) {
        if items.is_empty() {
            return;
        }
        if !self.get(loc).is_some_and(Value::is_array) {
            self.put(loc.clone(), Some(Value::Array(Vec::new())));
        }
        if let Some(arr) = array_mut(self.root, loc) {
            self.log.push(Undo::Truncate(loc.clone(), arr.len()));
            arr.extend(items);
        }
    }

    /// Removes the elements whose `remove[i]` is true from the array at `loc` in one pass.
    pub fn remove_where(&mut self, loc: &Loc<'k>, remove: &[bool]) {
        let Some(arr) = array_mut(self.root, loc) else {
            return;
        };
        if !remove.iter().any(|r| *r) {
            return;
        }
        // compact in place (no new allocation for a large list): kept values move down,
        // removed ones move to the log with their original index
        let mut removed = Vec::new();
        let mut kept = 0;
        for i in 0..arr.len() {
            if remove.get(i).copied().unwrap_or(false) {
                if let Some(slot) = arr.get_mut(i) {
                    removed.push((i, std::mem::take(slot)));
                }
            } else {
                arr.swap(kept, i);
                kept += 1;
            }
        }
        arr.truncate(kept);
        self.log.push(Undo::Reinsert(loc.clone(), removed));
    }

    /// Undoes every change, newest first: the resource is as it was before the first change.
    pub fn rollback(mut self) {
        while let Some(u) = self.log.pop() {
            match u {
                Undo::Put(loc, old) => {
                    write(self.root, &loc, old);
                }
                Undo::Truncate(loc, len) => {
                    if let Some(arr) = array_mut(self.root, &loc) {
                        arr.truncate(len);
                    }
                }
                Undo::Reinsert(loc, items) => {
                    if let Some(arr) = array_mut(self.root, &loc) {
                        let rest = std::mem::take(arr);
                        let mut rest = rest.into_iter();
                        let mut items = items.into_iter().peekable();
                        let total = rest.len() + items.len();
                        for pos in 0..total {
                            match items.next_if(|(i, _)| *i == pos) {
                                Some((_, v)) => arr.push(v),
                                None => arr.extend(rest.next()),
                            }
                        }
                    }
                }
            }
        }
    }
}

fn array_mut<'m>(root: &'m mut Map<String, Value>, loc: &Loc<'_>) -> Option<&'m mut Vec<Value>> {
    let container = match &loc.ext {
        Some(e) => root.get_mut(e.as_ref())?.as_object_mut()?,
        None => root,
    };
    container.get_mut(loc.attr.as_ref())?.as_array_mut()
}

/// What [`write`] did at a reachable location.
enum Wrote {
    /// The location already holds that value (or nothing, for a removal): nothing changed.
    Same,
    /// The value was written (or removed); what it displaced (`None`: nothing).
    Displaced(Option<Value>),
}

/// Writes `new` at `loc` unless it is there already, or `None` when the location cannot be
/// reached (a parent is not an object/array).
fn write(root: &mut Map<String, Value>, loc: &Loc<'_>, new: Option<Value>) -> Option<Wrote> {
    let container = match &loc.ext {
        Some(e) => root.get_mut(e.as_ref())?.as_object_mut()?,
        None => root,
    };
    let map: &mut Map<String, Value> = match (loc.idx, &loc.sub) {
        (None, None) => container,
        (None, Some(_)) => container.get_mut(loc.attr.as_ref())?.as_object_mut()?,
        (Some(i), sub) => {
            let elem = container
                .get_mut(loc.attr.as_ref())?
                .as_array_mut()?
                .get_mut(i)?;
            match sub {
                Some(_) => elem.as_object_mut()?,
                None => {
                    let new = new?;
                    if *elem == new {
                        return Some(Wrote::Same);
                    }
                    return Some(Wrote::Displaced(Some(std::mem::replace(elem, new))));
                }
            }
        }
    };
    let key = loc.sub.as_deref().unwrap_or(loc.attr.as_ref());
    Some(match new {
        // an existing key keeps its allocation: only the value is swapped
        Some(v) => match map.get_mut(key) {
            Some(slot) if *slot == v => Wrote::Same,
            Some(slot) => Wrote::Displaced(Some(std::mem::replace(slot, v))),
            None => Wrote::Displaced(map.insert(key.to_owned(), v)),
        },
        None => match map.remove(key) {
            Some(old) => Wrote::Displaced(Some(old)),
            None => Wrote::Same,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rollback_restores_byte_identical() {
        let mut v = json!({
            "userName": "a",
            "emails": [{"value": "1"}, {"value": "2"}, {"value": "3"}, {"value": "4"}],
            "name": {"givenName": "A"},
            "urn:x": {"k": 1}
        });
        let before = v.to_string();
        let root = v.as_object_mut().unwrap();
        let mut tx = Tx::new(root);
        let emails = Loc::attr(None, "emails".into());
        tx.put(Loc::attr(None, "userName".into()), Some(json!("b")));
        tx.put(Loc::attr(None, "nickName".into()), Some(json!("n")));
        tx.put(Loc::attr(None, "name".into()).sub("givenName".into()), None);
        tx.put(emails.elem(1).sub("type".into()), Some(json!("work")));
        tx.remove_where(&emails, &[true, false, true, false]);
        tx.extend(&emails, vec![json!({"value": "5"})]);
        tx.put(emails.elem(0), Some(json!({"value": "x"})));
        tx.put(Loc::attr(Some("urn:x".into()), "k".into()), Some(json!(2)));
        tx.extend(
            &Loc::attr(None, "phoneNumbers".into()),
            vec![json!({"value": "p"})],
        );
        assert!(tx.changed());
        assert_eq!(tx.root()["emails"].as_array().unwrap().len(), 3);
        assert_eq!(tx.root()["emails"][0]["value"], "x");
        tx.rollback();
        assert_eq!(v.to_string(), before);
    }

    #[test]
    fn equal_puts_are_not_changes() {
        let mut v = json!({"a": 1});
        let tx = {
            let mut tx = Tx::new(v.as_object_mut().unwrap());
            tx.put(Loc::attr(None, "a".into()), Some(json!(1)));
            tx.put(Loc::attr(None, "b".into()), None);
            tx.changed()
        };
        assert!(!tx);
    }
}
