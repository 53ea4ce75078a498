//! Adding and removing values of one multi-valued attribute in one pass
//! ([RFC 7644 §3.5.2.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.1),
//! [§3.5.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.2)).
//!
//! A run of consecutive operations on the same attribute — `add members [...]`,
//! `remove members[value eq "…"]`, Entra's `remove members` with a value list — is planned against
//! a hash index of the current values, then committed with one `retain` and one `extend`: the
//! cost is O(values + changes), never O(values × changes), whatever the interleaving.
//!
//! Values are identified by their `value` sub-attribute (compared as its `caseExact` says) where
//! the attribute has one — two values with the same `value` and different `type`s are distinct —
//! and by their whole JSON otherwise. Adding a value that is already there merges its
//! sub-attributes into the existing one (usually no change at all, as §3.5.2.1 wants).

use super::select::norm;
use super::target::{check_immutable_subs, check_not_read_only};
use super::tx::{Loc, Tx};
use crate::error::Error;
use crate::schema::names::{get_ci, key_ci};
use crate::schema::{Attribute, AttributeType};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// Hash maps keyed by request-controlled strings: foldhash is randomly seeded per map (no
/// predictable collisions) and several times faster than SipHash on short ids.
type IdMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// One step of a run.
#[derive(Debug)]
pub(crate) enum Step {
    /// Add these (already coerced) values.
    Add(Vec<Value>),
    /// Remove the values with this key (`members[value eq "…"]`); `noTarget` when none.
    RemoveKey(String, String),
    /// Remove the listed values where present (Entra's `remove` with a value list).
    RemoveValues(Vec<Value>),
}

/// The identity key of a string `value`: `s:` and the string, lower-cased unless `caseExact`.
/// (Other values are keyed `j:` and their JSON text.)
pub(crate) fn string_key(s: &str, case_exact: bool) -> String {
    let mut k = String::with_capacity(s.len() + 2);
    k.push_str("s:");
    k.push_str(&norm(s, case_exact));
    k
}

/// How the elements of one attribute are keyed.
struct Keyer {
    complex: bool,
    /// `caseExact` of the `value` sub-attribute (complex) or of the attribute (simple);
    /// `None` for a complex attribute without `value` (keyed by its whole JSON).
    value_case_exact: Option<bool>,
}

impl Keyer {
    fn new(attr: &Attribute) -> Self {
        let complex = attr.kind == AttributeType::Complex;
        let value_case_exact = if complex {
            attr.sub_attribute("value").map(|v| v.case_exact)
        } else {
            Some(attr.case_exact)
        };
        Keyer {
            complex,
            value_case_exact,
        }
    }

    /// The key without its prefix, and whether it is a string key (`s:`) or a JSON one (`j:`);
    /// borrowed (no allocation) for the common case of a string already in normal form.
    fn key_ref<'a>(&self, elem: &'a Value) -> (bool, Cow<'a, str>) {
        let scalar = match (self.complex, self.value_case_exact) {
            (false, _) => Some(elem),
            (true, Some(_)) => elem.as_object().and_then(|o| get_ci(o, "value")),
            (true, None) => None,
        };
        match (scalar, self.value_case_exact) {
            (Some(Value::String(s)), Some(ce)) => (true, norm(s, ce)),
            (Some(v), _) => (false, Cow::Owned(v.to_string())),
            (None, _) => (false, Cow::Owned(elem.to_string())),
        }
    }

    fn key(&self, elem: &Value) -> String {
        let (is_str, k) = self.key_ref(elem);
        let mut out = String::with_capacity(k.len() + 2);
        out.push_str(if is_str { "s:" } else { "j:" });
        out.push_str(&k);
        out
    }
}

/// The existing elements whose keys the run mentions: built in one pass over the values,
/// allocating only for the keys of the request.
#[derive(Default)]
struct Index {
    strs: IdMap<String, Vec<usize>>,
    jsons: IdMap<String, Vec<usize>>,
}

impl Index {
    fn split(key: &str) -> (bool, &str) {
        match key.strip_prefix("s:") {
            Some(rest) => (true, rest),
            None => (false, key.strip_prefix("j:").unwrap_or(key)),
        }
    }
    fn want(&mut self, key: &str) {
        let (is_str, k) = Self::split(key);
        let map = if is_str {
            &mut self.strs
        } else {
            &mut self.jsons
        };
        if !map.contains_key(k) {
            map.insert(k.to_owned(), Vec::new());
        }
    }
    fn get(&self, key: &str) -> Option<&Vec<usize>> {
        let (is_str, k) = Self::split(key);
        if is_str {
            self.strs.get(k)
        } else {
            self.jsons.get(k)
        }
    }
    fn scan(&mut self, keyer: &Keyer, existing: &[Value]) {
        if self.strs.is_empty() && self.jsons.is_empty() {
            return;
        }
        for (i, e) in existing.iter().enumerate() {
            let (is_str, k) = keyer.key_ref(e);
            let map = if is_str {
                &mut self.strs
            } else {
                &mut self.jsons
            };
            if let Some(slot) = map.get_mut(k.as_ref()) {
                slot.push(i);
            }
        }
    }
}

/// Whether `a` and `b`, with the same key, are the same value: their `type`s (where both
/// have one) agree.
fn same(attr: &Attribute, a: &Value, b: &Value) -> bool {
    let Some(tsub) = attr.sub_attribute("type") else {
        return true;
    };
    match (type_of(a), type_of(b)) {
        (Some(x), Some(y)) => norm(x, tsub.case_exact) == norm(y, tsub.case_exact),
        _ => true,
    }
}

fn type_of(v: &Value) -> Option<&str> {
    v.as_object()
        .and_then(|o| get_ci(o, "type"))
        .and_then(Value::as_str)
}

/// `old` with `new`'s members merged in (for complex values), else `new`.
pub(crate) fn merged(old: &Value, new: &Value) -> Value {
    match (old.as_object(), new.as_object()) {
        (Some(o), Some(n)) => {
            let mut m: Map<String, Value> = o.clone();
            for (k, v) in n {
                let key = key_ci(&m, k).map_or_else(|| k.clone(), Cow::into_owned);
                m.insert(key, v.clone());
            }
            Value::Object(m)
        }
        _ => new.clone(),
    }
}

fn is_primary(v: &Value) -> bool {
    v.as_object()
        .and_then(|o| get_ci(o, "primary"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Where the value that was last set `primary: true` ends up.
#[derive(Clone, Copy)]
enum Winner {
    Existing(usize),
    Appended(usize),
}

/// Applies a run of steps to the multi-valued attribute at `loc`.
pub(crate) fn apply_run<'k>(
    tx: &mut Tx<'_, 'k>,
    loc: &Loc<'k>,
    attr: &Attribute,
    steps: Vec<Step>,
    label: &str,
) -> Result<(), Error> {
    check_not_read_only(attr, label)?;
    let empty = Vec::new();
    let existing = tx.get(loc).and_then(Value::as_array).unwrap_or(&empty);
    let n = existing.len();
    let keyer = Keyer::new(attr);
    // the keys of the request, then one pass over the existing values
    let mut steps: Vec<(Step, Vec<String>)> = steps
        .into_iter()
        .map(|step| {
            let keys = match &step {
                Step::Add(values) | Step::RemoveValues(values) => {
                    values.iter().map(|v| keyer.key(v)).collect()
                }
                Step::RemoveKey(k, _) => vec![k.clone()],
            };
            (step, keys)
        })
        .collect();
    let mut index = Index::default();
    for k in steps.iter().flat_map(|(_, keys)| keys) {
        index.want(k);
    }
    index.scan(&keyer, existing);
    let mut removed = vec![false; n];
    let mut merges: IdMap<usize, Value> = IdMap::default();
    let mut appended: Vec<Option<Value>> = Vec::new();
    let mut app_index: IdMap<String, Vec<usize>> = IdMap::default();
    let mut winner = None;
    let track_primary = attr.sub_attribute("primary").is_some();

    for (step, keys) in steps.drain(..) {
        match step {
            Step::Add(values) => {
                for (v, key) in values.into_iter().zip(keys) {
                    let cur = |i: usize| merges.get(&i).or_else(|| existing.get(i));
                    let hit = index.get(&key).and_then(|is| {
                        is.iter().copied().find(|&i| {
                            !removed.get(i).copied().unwrap_or(true)
                                && cur(i).is_some_and(|c| same(attr, c, &v))
                        })
                    });
                    let primary = track_primary && is_primary(&v);
                    if let Some((i, c)) = hit.and_then(|i| Some((i, cur(i)?))) {
                        check_immutable_subs(attr, c, &v, label)?;
                        let m = merged(c, &v);
                        if &m != c {
                            merges.insert(i, m);
                        }
                        if primary {
                            winner = Some(Winner::Existing(i));
                        }
                        continue;
                    }
                    let app_hit = app_index.get(&key).and_then(|js| {
                        js.iter().copied().find(|&j| {
                            appended
                                .get(j)
                                .and_then(Option::as_ref)
                                .is_some_and(|a| same(attr, a, &v))
                        })
                    });
                    if let Some(j) = app_hit {
                        if let Some(slot) = appended.get_mut(j) {
                            *slot = slot.as_ref().map(|a| merged(a, &v));
                        }
                        if primary {
                            winner = Some(Winner::Appended(j));
                        }
                        continue;
                    }
                    if primary {
                        winner = Some(Winner::Appended(appended.len()));
                    }
                    app_index.entry(key).or_default().push(appended.len());
                    appended.push(Some(v));
                }
            }
            Step::RemoveKey(key, what) => {
                if !remove_key(&key, &index, &mut removed, &app_index, &mut appended) {
                    return Err(Error::no_target(format!(
                        "\"{what}\" matches no value of \"{}\"",
                        attr.name
                    )));
                }
            }
            Step::RemoveValues(_) => {
                for key in &keys {
                    remove_key(key, &index, &mut removed, &app_index, &mut appended);
                }
            }
        }
    }

    // commit: merges at the original indices, one retain, one extend
    let removed_count = |upto: usize| removed.iter().take(upto).filter(|r| **r).count();
    let final_winner = match winner {
        Some(Winner::Existing(i)) if !removed.get(i).copied().unwrap_or(true) => {
            Some(i - removed_count(i))
        }
        Some(Winner::Appended(j)) if appended.get(j).is_some_and(Option::is_some) => {
            let kept = n - removed_count(n);
            Some(kept + appended.iter().take(j).filter(|a| a.is_some()).count())
        }
        _ => None,
    };
    let mut merges: Vec<(usize, Value)> = merges.into_iter().collect();
    merges.sort_unstable_by_key(|(i, _)| *i);
    for (i, m) in merges {
        tx.put(loc.elem(i), Some(m));
    }
    tx.remove_where(loc, &removed);
    let adds: Vec<Value> = appended.into_iter().flatten().collect();
    let had = n > 0;
    tx.extend(loc, adds);
    let now_empty = tx
        .get(loc)
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty);
    if now_empty && had {
        if attr.required {
            return Err(Error::mutability(format!(
                "\"{label}\": attribute \"{}\" is required and cannot become empty",
                attr.name
            )));
        }
        tx.put(loc.clone(), None);
    }
    if let Some(w) = final_winner {
        clear_other_primaries(tx, loc, w);
    }
    Ok(())
}

fn remove_key(
    key: &str,
    index: &Index,
    removed: &mut [bool],
    app_index: &IdMap<String, Vec<usize>>,
    appended: &mut [Option<Value>],
) -> bool {
    let mut hit = false;
    for &i in index.get(key).into_iter().flatten() {
        if let Some(r) = removed.get_mut(i) {
            hit |= !*r;
            *r = true;
        }
    }
    for &j in app_index.get(key).into_iter().flatten() {
        if let Some(a) = appended.get_mut(j) {
            hit |= a.take().is_some();
        }
    }
    hit
}

/// Sets `primary` to `false` on every element but `keep` (RFC 7644 §3.5.2: setting one value
/// primary makes the server clear it on the others).
pub(crate) fn clear_other_primaries<'k>(tx: &mut Tx<'_, 'k>, loc: &Loc<'k>, keep: usize) {
    let Some(arr) = tx.get(loc).and_then(Value::as_array) else {
        return;
    };
    let clear: Vec<(usize, Cow<'static, str>)> = arr
        .iter()
        .enumerate()
        .filter(|(i, e)| *i != keep && is_primary(e))
        .filter_map(|(i, e)| Some((i, key_ci(e.as_object()?, "primary")?)))
        .collect();
    for (i, k) in clear {
        tx.put(loc.elem(i).sub(k), Some(Value::Bool(false)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn members() -> Attribute {
        Attribute::new("members", AttributeType::Complex)
            .multi_valued(true)
            .sub_attributes(vec![
                Attribute::new("value", AttributeType::String),
                Attribute::new("display", AttributeType::String),
                Attribute::new("type", AttributeType::String),
            ])
    }

    fn run(doc: &mut Value, steps: Vec<Step>) -> Result<(), Error> {
        let attr = members();
        let mut tx = Tx::new(doc.as_object_mut().unwrap());
        let loc = Loc::attr(None, "members".into());
        let r = apply_run(&mut tx, &loc, &attr, steps, "members");
        if r.is_err() {
            tx.rollback();
        }
        r
    }

    #[test]
    fn interleaved_adds_and_removes_follow_operation_order() {
        let mut g = json!({"members": [{"value": "a", "display": "A"}, {"value": "b"}]});
        run(
            &mut g,
            vec![
                Step::Add(vec![json!({"value": "a"}), json!({"value": "c"})]),
                Step::RemoveKey(string_key("b", false), "b".into()),
                Step::RemoveKey(string_key("c", false), "c".into()),
                Step::Add(vec![json!({"value": "c", "type": "User"})]),
                Step::RemoveValues(vec![json!({"value": "zzz"})]),
            ],
        )
        .unwrap();
        assert_eq!(
            g,
            json!({"members": [{"value": "a", "display": "A"}, {"value": "c", "type": "User"}]})
        );
    }

    #[test]
    fn removing_a_missing_key_is_no_target_and_rolls_back() {
        let mut g = json!({"members": [{"value": "a"}]});
        let before = g.clone();
        let e = run(
            &mut g,
            vec![
                Step::Add(vec![json!({"value": "x"})]),
                Step::RemoveKey(string_key("a", false), "a".into()),
                Step::RemoveKey(string_key("a", false), "a".into()),
            ],
        )
        .unwrap_err();
        assert_eq!(e.scim_type(), Some(crate::error::ScimType::NoTarget));
        assert_eq!(g, before);
    }

    #[test]
    fn removing_the_last_value_unassigns_the_attribute() {
        let mut g = json!({"displayName": "x", "members": [{"value": "a"}]});
        run(
            &mut g,
            vec![Step::RemoveValues(vec![json!({"value": "A"})])],
        )
        .unwrap();
        assert_eq!(g, json!({"displayName": "x"}));
    }
}
