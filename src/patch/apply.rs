//! Applying a PATCH request to a resource under its schema
//! ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)): the dispatch on
//! the path's shape and attributes addressed without a value filter (path-less values are in
//! `pathless.rs`, extensions in `extension.rs`, value-filter paths in `filtered.rs`, singular
//! complex values and sub-attribute paths in `complex.rs`, runs of multi-valued adds/removes in
//! `multi.rs`).

use super::PatchPath;
use super::multi::{self, Step};
use super::op::{OpKind, PatchOperation};
use super::select::value_eq_key;
use super::target::{Res, Target, check_immutable, check_not_read_only, check_removable, resolve};
use super::tx::{Loc, Tx};
use super::value::{coerce_many, coerce_one, coerce_scalar, is_bare_complex, is_clear};
use crate::compat::Compat;
use crate::error::Error;
use crate::schema::names::{entry_ci, get_ci, key_ci};
use crate::schema::{AttributeType, Mutability, ResourceSchema};
use serde_json::Value;
use std::borrow::Cow;

/// What an operation does once its `op` and `value` are read together.
#[derive(Clone, Copy)]
pub(crate) enum Action<'v> {
    /// `add` or `replace` with a value.
    Set(OpKind, &'v Value),
    /// `remove`.
    Remove,
    /// `add`/`replace` with `null` or `""` under [`Compat::null_or_empty_clears`]: a remove that
    /// does not fail when a value filter matches nothing.
    Clear,
    /// `remove` with a value list under [`Compat::remove_with_value_list`].
    RemoveValues(&'v Value),
}

/// The engine: the resource in a transaction, the schema and the compatibility settings.
pub(crate) struct Engine<'a, 'r> {
    pub tx: Tx<'r, 'a>,
    pub schema: &'a ResourceSchema,
    pub compat: &'a Compat,
    /// The extensions this request wrote to or removed from (checked for emptiness at the end).
    pub(crate) touched_ext: super::extension::Touched<'a>,
}

impl<'a, 'r> Engine<'a, 'r> {
    pub fn new(tx: Tx<'r, 'a>, schema: &'a ResourceSchema, compat: &'a Compat) -> Self {
        Engine {
            tx,
            schema,
            compat,
            touched_ext: Default::default(),
        }
    }

    /// The transaction, to commit or roll back.
    pub fn into_tx(self) -> Tx<'r, 'a> {
        self.tx
    }

    /// Applies every operation, in order, batching runs on one multi-valued attribute.
    pub fn run(&mut self, ops: &[PatchOperation]) -> Result<(), Error> {
        let mut i = 0;
        while let Some(op) = ops.get(i) {
            // each path is resolved once, for both the run check and the application
            let res = self.resolve_op(op);
            let Some((target, first)) = self.run_step(op, res.as_ref())? else {
                self.apply_op(op, res)?;
                i += 1;
                continue;
            };
            let mut steps = vec![first];
            i += 1;
            while let Some(next) = ops.get(i) {
                match self.run_step(next, self.resolve_op(next).as_ref())? {
                    Some((t, s)) if t.same(&target) => {
                        steps.push(s);
                        i += 1;
                    }
                    _ => break,
                }
            }
            let loc = self.attr_loc(target);
            if let Some(ext) = target.ext
                && steps
                    .iter()
                    .any(|s| matches!(s, Step::Add(v) if !v.is_empty()))
            {
                self.ensure_ext(ext);
            }
            multi::apply_run(&mut self.tx, &loc, target.attr, steps, op.label())?;
        }
        self.drop_empty_extensions();
        Ok(())
    }

    /// The run step an operation is, when it is an `add` of values to, or a `remove` of
    /// values by `value` from, a multi-valued attribute.
    fn run_step(
        &self,
        op: &PatchOperation,
        res: Option<&Result<Res<'a>, Error>>,
    ) -> Result<Option<(Target<'a>, Step)>, Error> {
        let Some(p) = op.path() else { return Ok(None) };
        if p.attr.sub_attr.is_some() || p.sub_attr.is_some() {
            return Ok(None);
        }
        let Some(Ok(Res::Attr(t, None))) = res else {
            return Ok(None);
        };
        let t = *t;
        if !t.attr.multi_valued {
            return Ok(None);
        }
        let step = match (op.kind(), &p.filter, op.value()) {
            (OpKind::Add, None, Some(v)) if !v.is_null() && !is_clear(v, self.compat) => {
                check_not_read_only(t.attr, op.label())?;
                Step::Add(coerce_many(t.attr, v, self.compat, op.label())?)
            }
            (OpKind::Remove, Some(f), None) => match value_eq_key(f, t.attr) {
                Some(k) => Step::RemoveKey(k, op.label().to_owned()),
                None => return Ok(None),
            },
            (OpKind::Remove, None, Some(v))
                if self.compat.remove_with_value_list && !v.is_null() =>
            {
                let values = match v {
                    Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                Step::RemoveValues(values)
            }
            _ => return Ok(None),
        };
        Ok(Some((t, step)))
    }

    /// What an operation's path resolves to (`None`: a path-less operation).
    fn resolve_op(&self, op: &PatchOperation) -> Option<Result<Res<'a>, Error>> {
        op.path().map(|p| resolve(self.schema, &p.attr, op.label()))
    }

    fn apply_op(
        &mut self,
        op: &PatchOperation,
        res: Option<Result<Res<'a>, Error>>,
    ) -> Result<(), Error> {
        match (op.kind(), op.path()) {
            (OpKind::Remove, None) => Err(Error::no_target(
                "a remove operation needs a \"path\" (RFC 7644 §3.5.2.2)",
            )),
            (kind, None) => match op.value() {
                Some(v) => self.pathless(kind, v),
                None => Err(Error::invalid_value(format!(
                    "the {kind} operation has no \"value\""
                ))),
            },
            (kind, Some(p)) => {
                let res = match res {
                    Some(r) => r,
                    None => resolve(self.schema, &p.attr, op.label()),
                };
                self.apply_resolved(kind, p, res, op.value(), op.label())
            }
        }
    }

    pub(crate) fn action<'v>(
        &self,
        kind: OpKind,
        value: Option<&'v Value>,
        label: &str,
    ) -> Result<Action<'v>, Error> {
        action(self.compat, kind, value, label)
    }

    pub(crate) fn apply_path(
        &mut self,
        kind: OpKind,
        p: &PatchPath,
        value: Option<&Value>,
        label: &str,
    ) -> Result<(), Error> {
        let res = resolve(self.schema, &p.attr, label);
        self.apply_resolved(kind, p, res, value, label)
    }

    /// [`apply_path`](Self::apply_path) with the path already resolved (errors included: a
    /// bad `op`/`value` combination is reported before an unknown path, as always).
    fn apply_resolved(
        &mut self,
        kind: OpKind,
        p: &PatchPath,
        res: Result<Res<'a>, Error>,
        value: Option<&Value>,
        label: &str,
    ) -> Result<(), Error> {
        let action = self.action(kind, value, label)?;
        match res? {
            Res::Ext(ext) => {
                if p.filter.is_some() || p.sub_attr.is_some() {
                    return Err(Error::invalid_path(format!(
                        "\"{label}\": an extension URN takes no value filter"
                    )));
                }
                self.extension(action, ext, label)
            }
            Res::Attr(t, sub) => match (&p.filter, sub, &p.sub_attr) {
                (Some(f), None, tsub) => {
                    let tsub = match tsub {
                        Some(name) => Some(t.attr.sub_attribute(name).ok_or_else(|| {
                            Error::invalid_path(format!(
                                "\"{label}\": \"{name}\" is not a sub-attribute of \"{}\"",
                                t.attr.name
                            ))
                        })?),
                        None => None,
                    };
                    self.filtered(action, t, Some(f), tsub, label)
                }
                (None, Some(sub), None) if t.attr.multi_valued => {
                    self.filtered(action, t, None, Some(sub), label)
                }
                (None, Some(sub), None) => self.sub_attr(action, t, sub, label),
                (None, None, None) => self.whole(action, t, label),
                _ => Err(Error::invalid_path(format!(
                    "\"{label}\" is not a valid PATCH path"
                ))),
            },
        }
    }

    /// An attribute addressed by name alone (`displayName`, `emails`, `name`, `…:manager`).
    pub(crate) fn whole(
        &mut self,
        action: Action<'_>,
        t: Target<'a>,
        label: &str,
    ) -> Result<(), Error> {
        check_not_read_only(t.attr, label)?;
        let (loc, ext_present) = self.attr_loc_ext(t);
        // a singular simple value that is not immutable is replaced without looking at the
        // old one (the write itself compares them)
        let simple_set = matches!(action, Action::Set(..))
            && !t.attr.multi_valued
            && t.attr.kind != AttributeType::Complex
            && t.attr.mutability != Mutability::Immutable;
        let existing = if simple_set {
            None
        } else {
            self.tx.get(&loc).filter(|v| !v.is_null())
        };
        let v = match action {
            Action::RemoveValues(v) if t.attr.multi_valued => {
                let values = match v {
                    Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                return multi::apply_run(
                    &mut self.tx,
                    &loc,
                    t.attr,
                    vec![Step::RemoveValues(values)],
                    label,
                );
            }
            Action::Remove | Action::Clear | Action::RemoveValues(_) => {
                if existing.is_some() {
                    check_removable(t.attr, existing, label)?;
                    self.tx.put(loc, None);
                    self.touch(t);
                }
                return Ok(());
            }
            Action::Set(kind, v) => {
                if t.attr.multi_valued && kind == OpKind::Add {
                    let values = coerce_many(t.attr, v, self.compat, label)?;
                    if let Some(ext) = t.ext
                        && !values.is_empty()
                    {
                        self.ensure_ext(ext);
                    }
                    return multi::apply_run(
                        &mut self.tx,
                        &loc,
                        t.attr,
                        vec![Step::Add(values)],
                        label,
                    );
                }
                if t.attr.multi_valued {
                    let values = coerce_many(t.attr, v, self.compat, label)?;
                    let primaries = values.iter().filter(|e| is_primary_true(e)).count();
                    if primaries > 1 {
                        return Err(Error::invalid_value(format!(
                            "\"{label}\": at most one value may be primary (RFC 7643 §2.4)"
                        )));
                    }
                    Value::Array(values)
                } else if t.attr.kind == AttributeType::Complex
                    && !is_bare_complex(t.attr, v, self.compat)
                {
                    let new = coerce_one(t.attr, v, self.compat, label)?;
                    return self.merge_complex(t, loc, existing.cloned(), new, label);
                } else if t.attr.kind == AttributeType::Complex {
                    coerce_one(t.attr, v, self.compat, label)?
                } else {
                    coerce_scalar(t.attr, v, self.compat, label)?
                }
            }
        };
        let empty = v.as_array().is_some_and(Vec::is_empty);
        if empty {
            if existing.is_some() {
                check_removable(t.attr, existing, label)?;
                self.tx.put(loc, None);
                self.touch(t);
            }
            return Ok(());
        }
        check_immutable(t.attr, existing, Some(&v), label)?;
        if let Some(ext) = t.ext {
            // nothing was written since attr_loc_ext looked
            if ext_present {
                self.ensure_ext_present(ext);
            } else {
                self.ensure_ext(ext);
            }
        }
        self.tx.put(loc, Some(v));
        Ok(())
    }

    /// Where the attribute is (or will be) stored: keys as the resource spells them.
    pub(crate) fn attr_loc(&self, t: Target<'a>) -> Loc<'a> {
        self.attr_loc_ext(t).0
    }

    /// [`attr_loc`](Self::attr_loc), and whether the attribute's extension object (if it is
    /// an extension attribute) is in the resource.
    fn attr_loc_ext(&self, t: Target<'a>) -> (Loc<'a>, bool) {
        let root = self.tx.root();
        let name: &'a str = &t.attr.name;
        match t.ext {
            Some(urn) => match entry_ci(root, urn) {
                Some((ext_key, ext)) => {
                    let obj = ext.as_object();
                    let attr_key = obj
                        .and_then(|o| key_ci(o, name))
                        .unwrap_or(Cow::Borrowed(name));
                    (Loc::attr(Some(ext_key), attr_key), obj.is_some())
                }
                None => (
                    Loc::attr(Some(Cow::Borrowed(urn)), Cow::Borrowed(name)),
                    false,
                ),
            },
            None => {
                let key = key_ci(root, name).unwrap_or(Cow::Borrowed(name));
                (Loc::attr(None, key), true)
            }
        }
    }
}

/// Reads an operation's `op` and `value` together (see [`Action`]).
pub(crate) fn action<'v>(
    compat: &Compat,
    kind: OpKind,
    value: Option<&'v Value>,
    label: &str,
) -> Result<Action<'v>, Error> {
    Ok(match (kind, value) {
        (OpKind::Remove, None | Some(Value::Null)) => Action::Remove,
        (OpKind::Remove, Some(v)) => {
            if compat.remove_with_value_list {
                Action::RemoveValues(v)
            } else {
                return Err(Error::invalid_syntax(format!(
                    "\"{label}\": a remove operation takes no \"value\" (RFC 7644 §3.5.2.2)"
                )));
            }
        }
        (_, None) => {
            return Err(Error::invalid_value(format!(
                "\"{label}\": the {kind} operation has no \"value\""
            )));
        }
        (_, Some(v)) if is_clear(v, compat) => Action::Clear,
        (_, Some(Value::Null)) => {
            return Err(Error::invalid_value(format!(
                "\"{label}\": null is not a value to {kind}"
            )));
        }
        (kind, Some(v)) => Action::Set(kind, v),
    })
}

pub(crate) fn is_primary_true(v: &Value) -> bool {
    v.as_object()
        .and_then(|o| get_ci(o, "primary"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}
