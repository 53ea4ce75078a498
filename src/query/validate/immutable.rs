//! `immutable` on replace: a value already set must not change; an omitted one is carried over
//! ([RFC 7644 §3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1)).

use super::present;
use super::types::Loc;
use crate::error::Error;
use crate::schema::names::get_ci as get;
use crate::schema::{Attribute, Mutability, ResourceSchema};
use serde_json::{Map, Value};

/// RFC 7644 §3.5.1 `immutable`: a value already set must not change; an omitted one is kept.
pub(super) fn keep_immutable(
    new: &mut Map<String, Value>,
    old: &Map<String, Value>,
    schema: &ResourceSchema,
) -> Result<(), Error> {
    keep_immutable_in(new, old, &schema.core().attributes, None)?;
    for ext in schema.extensions() {
        let Some(Value::Object(old_ext)) = get(old, &ext.id) else {
            continue;
        };
        if !ext
            .attributes
            .iter()
            .any(|a| a.mutability == Mutability::Immutable || has_immutable_sub(a))
        {
            continue;
        }
        let created = !new.contains_key(&ext.id);
        let entry = new
            .entry(ext.id.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(new_ext) = entry {
            keep_immutable_in(new_ext, old_ext, &ext.attributes, Some(&ext.id))?;
            if new_ext.is_empty() {
                new.remove(&ext.id);
            } else if created {
                // the carried-over values bring their extension: list it (RFC 7643 §3)
                if let Some(Value::Array(list)) = new.get_mut("schemas") {
                    list.push(Value::String(ext.id.clone()));
                }
            }
        }
    }
    Ok(())
}

fn has_immutable_sub(a: &Attribute) -> bool {
    !a.multi_valued
        && a.sub_attributes
            .iter()
            .any(|s| s.mutability == Mutability::Immutable)
}

fn keep_immutable_in(
    new: &mut Map<String, Value>,
    old: &Map<String, Value>,
    attributes: &[Attribute],
    ext: Option<&str>,
) -> Result<(), Error> {
    let ext_loc = ext.map(Loc::ext);
    for a in attributes {
        let loc = match &ext_loc {
            Some(e) => e.child(&a.name),
            None => Loc::root(&a.name),
        };
        if a.mutability == Mutability::Immutable {
            let Some(before) = get(old, &a.name).filter(|v| present(Some(v))) else {
                continue;
            };
            match new.get(&a.name) {
                None => {
                    new.insert(a.name.clone(), before.clone());
                }
                Some(after) if !same(a, before, after) => {
                    return Err(Error::mutability(format!(
                        "attribute \"{loc}\" is immutable and already set"
                    )));
                }
                Some(_) => {}
            }
        } else if has_immutable_sub(a) {
            let Some(Value::Object(before)) = get(old, &a.name) else {
                continue;
            };
            let created = !new.contains_key(&a.name);
            let entry = new
                .entry(a.name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(after) = entry {
                for sub in a
                    .sub_attributes
                    .iter()
                    .filter(|s| s.mutability == Mutability::Immutable)
                {
                    let Some(b) = get(before, &sub.name).filter(|v| present(Some(v))) else {
                        continue;
                    };
                    match after.get(&sub.name) {
                        None => {
                            after.insert(sub.name.clone(), b.clone());
                        }
                        Some(x) if !same(sub, b, x) => {
                            return Err(Error::mutability(format!(
                                "attribute \"{}\" is immutable and already set",
                                loc.child(&sub.name)
                            )));
                        }
                        Some(_) => {}
                    }
                }
                if created && after.is_empty() {
                    new.remove(&a.name);
                }
            }
        }
    }
    Ok(())
}

/// Equality under the attribute's `caseExact` (RFC 7643 §2.2).
fn same(attr: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if !attr.case_exact => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}
