//! A Group PATCH as a member delta ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2),
//! [RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2)): "add these members,
//! remove these, set the display name", so a backend changes a 100 000-member group without
//! reading or rewriting the other members.
//!
//! Every member form of Entra ID, Okta and the RFC maps to the delta: `add members [...]`,
//! `remove members[value eq "…"]` (and `or`-chains of them), Entra's `remove members` with a
//! value list, `remove members` (all), `replace members [...]` and path-less values holding
//! `members`. Operations the delta cannot express (a filter on `type`, a sub-attribute of a
//! member) make [`PatchRequest::group_delta`] answer `None`: apply the request to the whole
//! resource with [`PatchRequest::apply`] instead.
//!
//! Unlike the whole-resource engine, the delta does not know the current members, so removing
//! an id that is not a member is not `noTarget` here: backends treat it as already done.

use super::PatchPath;
use super::apply::{Action, Engine, action};
use super::multi::{self, Step, string_key};
use super::op::{OpKind, PatchOperation};
use super::request::PatchRequest;
use super::target::{Res, check_not_read_only, check_removable, key_path, resolve};
use super::tx::{Loc, Tx};
use super::value::{coerce_many, coerce_scalar};
use crate::error::Error;
use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::AttrPath;
use crate::schema::names::get_ci;
use crate::schema::{Attribute, ResourceSchema};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One member as a PATCH names it: the `members` sub-attributes of
/// [RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemberRef {
    /// The member's `id` (`value`).
    pub value: String,
    /// `display`, a human-readable name, if given.
    pub display: Option<String>,
    /// `type`: `User` or `Group`, if given.
    pub kind: Option<String>,
    /// `$ref`, the member's URI, if given.
    pub reference: Option<String>,
}

impl MemberRef {
    /// A member given by id alone.
    pub fn new(value: impl Into<String>) -> Self {
        MemberRef {
            value: value.into(),
            display: None,
            kind: None,
            reference: None,
        }
    }

    /// The member as the JSON object stored in a Group's `members`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("value".into(), Value::String(self.value.clone()));
        for (k, v) in [
            ("display", &self.display),
            ("type", &self.kind),
            ("$ref", &self.reference),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), Value::String(v.clone()));
            }
        }
        Value::Object(m)
    }

    fn from_json(v: &Value) -> Result<Self, Error> {
        let o = v.as_object();
        let s = |k: &str| {
            o.and_then(|o| get_ci(o, k))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let value = s("value")
            .ok_or_else(|| Error::invalid_value("a member needs a \"value\" (the member's id)"))?;
        Ok(MemberRef {
            value,
            display: s("display"),
            kind: s("type"),
            reference: s("$ref"),
        })
    }
}

/// What a Group PATCH ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2))
/// does to `members`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemberChange {
    /// The members are not touched.
    Unchanged,
    /// Remove the members with these ids (where present), then add these members (where
    /// absent). An id in both lists was removed and then added again: remove it first.
    Delta {
        /// Ids to remove.
        remove: Vec<String>,
        /// Members to add.
        add: Vec<MemberRef>,
    },
    /// The member list becomes exactly this one (`replace members`, `remove members`).
    Replace(Vec<MemberRef>),
}

/// A Group PATCH ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)) split
/// into what a backend can apply without the member list ([`PatchRequest::group_delta`]).
///
/// Every member form of Entra ID, Okta and RFC 7644 maps to it: `add members [...]`,
/// `remove members[value eq "…"]` (and `or`-chains of them), Entra's `remove members` with a
/// value list, `remove members` (all), `replace members [...]` and path-less values holding
/// `members`. The delta does not know the current members, so removing an id that is not a
/// member is not `noTarget` here (the whole-resource engine answers `noTarget`): a backend
/// treats it as already done.
///
/// To keep the request atomic a backend applies `rest` first (it is the only part that can
/// still fail on the stored group), then `display_name`/`external_id` and `members`, in one
/// transaction where it has them. [`GroupPatch::apply_to`] does exactly this on a JSON group.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GroupPatch {
    /// The change to `members`.
    pub members: MemberChange,
    /// The new `displayName`, if the request sets it.
    pub display_name: Option<String>,
    /// The new `externalId` (`Some(None)`: removed), if the request changes it.
    pub external_id: Option<Option<String>>,
    /// The remaining operations (on other attributes, e.g. of a Group extension), to apply to
    /// the group resource with [`PatchRequest::apply`]; they never touch `members`.
    pub rest: Option<PatchRequest>,
}

/// The member list while the operations are folded, keyed as `members.value` compares.
enum Members {
    Delta {
        remove: Vec<String>,
        removed: HashMap<String, usize>,
        add: Vec<Option<MemberRef>>,
        added: HashMap<String, usize>,
    },
    Replace(Vec<Option<MemberRef>>, HashMap<String, usize>),
}

impl Members {
    fn add(&mut self, m: MemberRef, key: String) {
        match self {
            Members::Delta { add, added, .. } => {
                upsert(add, added, m, key);
            }
            Members::Replace(list, index) => upsert(list, index, m, key),
        }
    }

    fn remove(&mut self, id: &str, key: String) {
        match self {
            Members::Delta {
                remove,
                removed,
                add,
                added,
            } => {
                if let Some(i) = added.remove(&key)
                    && let Some(a) = add.get_mut(i)
                {
                    *a = None;
                }
                removed.entry(key).or_insert_with(|| {
                    remove.push(id.to_owned());
                    remove.len() - 1
                });
            }
            Members::Replace(list, index) => {
                if let Some(i) = index.remove(&key)
                    && let Some(a) = list.get_mut(i)
                {
                    *a = None;
                }
            }
        }
    }

    fn finish(self, touched: bool) -> MemberChange {
        match self {
            Members::Delta { .. } if !touched => MemberChange::Unchanged,
            Members::Delta { remove, add, .. } => MemberChange::Delta {
                remove,
                add: add.into_iter().flatten().collect(),
            },
            Members::Replace(list, _) => {
                MemberChange::Replace(list.into_iter().flatten().collect())
            }
        }
    }
}

fn upsert(
    list: &mut Vec<Option<MemberRef>>,
    index: &mut HashMap<String, usize>,
    m: MemberRef,
    key: String,
) {
    match index.get(&key).and_then(|&i| list.get_mut(i)) {
        Some(Some(old)) => {
            old.display = m.display.or(old.display.take());
            old.kind = m.kind.or(old.kind.take());
            old.reference = m.reference.or(old.reference.take());
        }
        _ => {
            index.insert(key, list.len());
            list.push(Some(m));
        }
    }
}

impl PatchRequest {
    /// Splits a Group PATCH into a member delta, `displayName`/`externalId` changes and the
    /// remaining operations ([`GroupPatch`]), checking values as
    /// [`apply`](Self::apply) does. `Ok(None)` when a member operation cannot be expressed as a
    /// delta (apply the request to the whole group instead). The cost is O(operations + values),
    /// independent of the group's size.
    pub fn group_delta(&self, schema: &ResourceSchema) -> Result<Option<GroupPatch>, Error> {
        let compat = self.compat();
        let mut out = GroupPatch {
            members: MemberChange::Unchanged,
            display_name: None,
            external_id: None,
            rest: None,
        };
        let mut members = Members::Delta {
            remove: Vec::new(),
            removed: HashMap::new(),
            add: Vec::new(),
            added: HashMap::new(),
        };
        let mut touched = false;
        let mut rest = Vec::new();
        // path-less values split into one operation per key
        let mut flat: Vec<PatchOperation> = Vec::new();
        for op in self.operations() {
            match (op.kind(), op.path(), op.value()) {
                (OpKind::Add | OpKind::Replace, None, Some(Value::Object(obj))) => {
                    for (k, v) in obj {
                        if k.eq_ignore_ascii_case("id") && compat.ignore_id_in_values {
                            continue;
                        }
                        let path = if k.contains(['.', ':']) && compat.pathless_path_keys {
                            key_path(k)
                        } else if k.eq_ignore_ascii_case("schemas") || k.contains(['.', ':']) {
                            None
                        } else {
                            Some(AttrPath::new(k.as_str()))
                        };
                        match path {
                            Some(attr) => flat.push(PatchOperation::new(
                                op.kind(),
                                Some(PatchPath {
                                    attr,
                                    filter: None,
                                    sub_attr: None,
                                }),
                                Some(k.clone()),
                                Some(v.clone()),
                            )),
                            None => {
                                let mut m = Map::new();
                                m.insert(k.clone(), v.clone());
                                flat.push(PatchOperation::new(
                                    op.kind(),
                                    None,
                                    None,
                                    Some(Value::Object(m)),
                                ));
                            }
                        }
                    }
                }
                _ => flat.push(op.clone()),
            }
        }
        for op in flat {
            let label = op.label().to_owned();
            let Some(p) = op.path() else {
                rest.push(op);
                continue;
            };
            let res = resolve(schema, &p.attr, &label)?;
            let Res::Attr(t, sub) = res else {
                rest.push(op);
                continue;
            };
            // readOnly targets (id, meta) fail here, before a backend starts applying
            check_not_read_only(t.attr, &label)?;
            if let Some(s) = sub {
                check_not_read_only(s, &label)?;
            }
            if t.ext.is_some() {
                rest.push(op);
                continue;
            }
            let name = t.attr.name.as_str();
            let action = action(compat, op.kind(), op.value(), &label)?;
            if name == "members" {
                if sub.is_some() || p.sub_attr.is_some() {
                    return Ok(None);
                }
                touched = true;
                let attr = t.attr;
                let key = |id: &str| member_key(attr, id);
                match (action, &p.filter) {
                    (Action::Set(kind, v), None) => {
                        let list = coerce_many(attr, v, compat, &label)?
                            .iter()
                            .map(MemberRef::from_json)
                            .collect::<Result<Vec<_>, _>>()?;
                        if kind == OpKind::Replace {
                            members = Members::Replace(Vec::new(), HashMap::new());
                        }
                        for m in list {
                            let k = key(&m.value);
                            members.add(m, k);
                        }
                    }
                    (Action::Remove | Action::Clear, None) => {
                        members = Members::Replace(Vec::new(), HashMap::new());
                    }
                    (Action::RemoveValues(v), None) => {
                        let values = match v {
                            Value::Array(a) => a.as_slice(),
                            other => std::slice::from_ref(other),
                        };
                        for x in values {
                            let id = MemberRef::from_json(x)?.value;
                            members.remove(&id, key(&id));
                        }
                    }
                    (Action::Remove | Action::Clear | Action::RemoveValues(_), Some(f)) => {
                        let Some(ids) = value_eq_ids(f) else {
                            return Ok(None);
                        };
                        for id in ids {
                            members.remove(id, key(id));
                        }
                    }
                    (Action::Set(..), Some(_)) => return Ok(None),
                }
                continue;
            }
            if (name == "displayName" || name == "externalId")
                && p.filter.is_none()
                && sub.is_none()
            {
                // the type and mutability checks of the engine
                let v = match action {
                    Action::Set(_, v) => coerce_scalar(t.attr, v, compat, &label)?
                        .as_str()
                        .map(str::to_owned),
                    _ => {
                        check_removable(t.attr, None, &label)?;
                        None
                    }
                };
                if name == "displayName" {
                    out.display_name = v;
                } else {
                    out.external_id = Some(v);
                }
                continue;
            }
            rest.push(op);
        }
        out.members = members.finish(touched);
        if !rest.is_empty() {
            out.rest = Some(PatchRequest::new(rest, *compat));
        }
        Ok(Some(out))
    }
}

fn member_key(attr: &Attribute, id: &str) -> String {
    let case_exact = attr.sub_attribute("value").is_some_and(|s| s.case_exact);
    string_key(id, case_exact)
}

/// The ids of `value eq "a"` or `value eq "a" or value eq "b" …`.
fn value_eq_ids(f: &Filter) -> Option<Vec<&str>> {
    match f {
        Filter::Or(fs) => fs.iter().map(value_eq_id).collect(),
        f => value_eq_id(f).map(|id| vec![id]),
    }
}

fn value_eq_id(f: &Filter) -> Option<&str> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(s),
        } if path.urn.is_none()
            && path.sub_attr.is_none()
            && path.name.eq_ignore_ascii_case("value") =>
        {
            Some(s.as_ref())
        }
        _ => None,
    }
}

impl GroupPatch {
    /// Applies the patch to a whole Group resource, all or nothing: what a backend that stores
    /// groups as JSON does with it (and the reference the delta is tested against). Member
    /// changes cost O(members + changes).
    pub fn apply_to(&self, group: &mut Value, schema: &ResourceSchema) -> Result<(), Error> {
        let Some(root) = group.as_object_mut() else {
            return Err(Error::invalid_value(
                "the resource to patch is not a JSON object",
            ));
        };
        let compat = self.rest.as_ref().map(|r| *r.compat()).unwrap_or_default();
        let mut engine = Engine::new(Tx::new(root), schema, &compat);
        match self.apply_in(&mut engine, schema) {
            Ok(()) => Ok(()),
            Err(e) => {
                engine.into_tx().rollback();
                Err(e)
            }
        }
    }

    /// Whether the patch changes anything of the group besides `members`.
    pub(crate) fn changes_shell(&self) -> bool {
        self.rest.is_some() || self.display_name.is_some() || self.external_id.is_some()
    }

    /// The group's new non-member attributes: `rest`, then `displayName` and `externalId`,
    /// applied to `current` as stored (its members are left as they are). What a backend
    /// that stores the member list apart writes before its member change.
    pub(crate) fn shell_of(
        &self,
        current: &crate::resource::Group,
        schema: &ResourceSchema,
    ) -> Result<crate::resource::Group, Error> {
        let mut json = current.to_json();
        if let Some(rest) = &self.rest {
            rest.apply(&mut json, schema)?;
        }
        if let Some(obj) = json.as_object_mut() {
            if let Some(name) = &self.display_name {
                obj.insert("displayName".into(), Value::String(name.clone()));
            }
            match &self.external_id {
                Some(Some(x)) => {
                    obj.insert("externalId".into(), Value::String(x.clone()));
                }
                Some(None) => {
                    obj.remove("externalId");
                }
                None => {}
            }
        }
        crate::resource::Group::from_json(json)
    }

    fn apply_in<'a>(
        &self,
        engine: &mut Engine<'a, '_>,
        schema: &'a ResourceSchema,
    ) -> Result<(), Error> {
        if let Some(rest) = &self.rest {
            engine.run(rest.operations())?;
        }
        let attr_of = |name: &str| match resolve(schema, &AttrPath::new(name), name) {
            Ok(Res::Attr(t, None)) => Ok(t),
            Ok(_) => Err(Error::invalid_path(format!(
                "\"{name}\" is not an attribute"
            ))),
            Err(e) => Err(e),
        };
        for (name, v) in [
            ("displayName", self.display_name.clone().map(Some)),
            ("externalId", self.external_id.clone()),
        ] {
            let Some(v) = v else { continue };
            let t = attr_of(name)?;
            let value = v.map(Value::String);
            let action = match &value {
                Some(v) => Action::Set(OpKind::Replace, v),
                None => Action::Remove,
            };
            engine.whole(action, t, name)?;
        }
        let steps = match &self.members {
            MemberChange::Unchanged => return Ok(()),
            MemberChange::Replace(list) => {
                let t = attr_of("members")?;
                let value = Value::Array(list.iter().map(MemberRef::to_json).collect());
                return engine.whole(Action::Set(OpKind::Replace, &value), t, "members");
            }
            MemberChange::Delta { remove, add } => vec![
                Step::RemoveValues(
                    remove
                        .iter()
                        .map(|id| MemberRef::new(id.clone()).to_json())
                        .collect(),
                ),
                Step::Add(add.iter().map(MemberRef::to_json).collect()),
            ],
        };
        let t = attr_of("members")?;
        let loc: Loc = engine.attr_loc(t);
        multi::apply_run(&mut engine.tx, &loc, t.attr, steps, "members")
    }
}
