//! The provided bodies of [`IdentityBackend`]'s default methods, built from the required ones
//! ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2): PATCH as read →
//! modify → replace, with the version checked so a concurrent writer is never overwritten).

use super::{BackendError, BackendErrorKind, IdentityBackend};
use crate::auth::Context;
use crate::patch::{MemberChange, MemberRef, PatchRequest};
use crate::query::Selection;
use crate::resource::{Group, Member, User, Version, VersionCondition};
use crate::schema::ResourceSchema;
use std::collections::HashSet;

/// How often a default read → modify → replace is retried when another writer changed the
/// resource in between (only when the client sent no `If-Match`: with one, that is a 412).
pub(crate) const MAX_ATTEMPTS: usize = 5;

/// 412 unless `if_match` (the client's `If-Match`) matches `current`
/// ([RFC 7644 §3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)). A resource without
/// a version matches only `*`.
pub fn check_if_match(
    if_match: Option<&VersionCondition>,
    current: Option<&Version>,
) -> Result<(), BackendError> {
    let ok = match (if_match, current) {
        (None, _) | (Some(VersionCondition::Any), _) => true,
        (Some(cond), Some(v)) => cond.matches(v),
        (Some(_), None) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(BackendError::precondition_failed(
            "the resource was modified: its version no longer matches If-Match",
        ))
    }
}

/// The condition a default read → modify → replace sends with its replace: the version it read.
pub(crate) fn read_version(version: Option<&Version>) -> Option<VersionCondition> {
    version.map(|v| VersionCondition::OneOf(vec![v.clone()]))
}

/// Whether a failed replace is worth another read → modify → replace round.
pub(crate) fn retry(e: &BackendError, if_match: Option<&VersionCondition>, attempt: usize) -> bool {
    e.kind() == BackendErrorKind::PreconditionFailed
        && if_match.is_none()
        && attempt + 1 < MAX_ATTEMPTS
}

/// Removes `remove` (ids) then adds `add` (unless present) in a group's member list: O(members
/// + changes).
pub(crate) fn apply_member_delta(group: &mut Group, add: &[Member], remove: &[String]) -> bool {
    let before = group.members.len();
    let mut changed = false;
    if !remove.is_empty() {
        let gone: HashSet<&str> = remove.iter().map(String::as_str).collect();
        group.members.retain(|m| !gone.contains(m.value.as_str()));
        changed |= group.members.len() != before;
    }
    let mut present: HashSet<String> = group.members.iter().map(|m| m.value.clone()).collect();
    for m in add {
        if present.insert(m.value.clone()) {
            group.members.push(m.clone());
            changed = true;
        }
    }
    changed
}

/// The default [`IdentityBackend::modify_group_members`]: get → change → replace.
pub(crate) async fn modify_group_members<B: IdentityBackend + ?Sized>(
    backend: &B,
    ctx: &Context,
    id: &str,
    add: &[Member],
    remove: &[String],
    if_match: Option<&VersionCondition>,
) -> Result<Group, BackendError> {
    let mut attempt = 0;
    loop {
        let mut group = backend.get_group(ctx, id, &Selection::all()).await?;
        let version = group.meta.as_ref().and_then(|m| m.version.clone());
        check_if_match(if_match, version.as_ref())?;
        if !apply_member_delta(&mut group, add, remove) {
            return Ok(group);
        }
        let cond = read_version(version.as_ref());
        match backend.replace_group(ctx, id, group, cond.as_ref()).await {
            Err(e) if retry(&e, if_match, attempt) => attempt += 1,
            other => return other,
        }
    }
}

/// A member named by a PATCH as a typed [`Member`].
pub(crate) fn member_of_ref(m: &MemberRef) -> Member {
    let mut member = Member::new(m.value.clone());
    member.display = m.display.clone();
    member.kind = m.kind.clone();
    member.reference = m.reference.clone();
    member
}

/// The default [`IdentityBackend::patch_user`]: get → apply → replace.
pub(crate) async fn patch_user<B: IdentityBackend + ?Sized>(
    backend: &B,
    ctx: &Context,
    id: &str,
    patch: &PatchRequest,
    schema: &ResourceSchema,
    if_match: Option<&VersionCondition>,
) -> Result<User, BackendError> {
    let mut attempt = 0;
    loop {
        let user = backend.get_user(ctx, id, &Selection::all()).await?;
        let version = user.meta.as_ref().and_then(|m| m.version.clone());
        check_if_match(if_match, version.as_ref())?;
        let mut json = user.to_json();
        if !patch.apply(&mut json, schema)?.changed {
            return Ok(user);
        }
        let patched = User::from_json(json)?;
        let cond = read_version(version.as_ref());
        match backend.replace_user(ctx, id, patched, cond.as_ref()).await {
            Err(e) if retry(&e, if_match, attempt) => attempt += 1,
            other => return other,
        }
    }
}

/// The default [`IdentityBackend::patch_group`]: the member delta when the request only adds
/// or removes members, else get → apply → replace.
pub(crate) async fn patch_group<B: IdentityBackend + ?Sized>(
    backend: &B,
    ctx: &Context,
    id: &str,
    patch: &PatchRequest,
    schema: &ResourceSchema,
    if_match: Option<&VersionCondition>,
    selection: &Selection,
) -> Result<Group, BackendError> {
    if let Some(delta) = patch.group_delta(schema)?
        && delta.display_name.is_none()
        && delta.external_id.is_none()
        && delta.rest.is_none()
        && let MemberChange::Delta { remove, add } = &delta.members
    {
        let add: Vec<Member> = add.iter().map(member_of_ref).collect();
        return backend
            .modify_group_members(ctx, id, &add, remove, if_match, selection)
            .await;
    }
    let mut attempt = 0;
    loop {
        let group = backend.get_group(ctx, id, &Selection::all()).await?;
        let version = group.meta.as_ref().and_then(|m| m.version.clone());
        check_if_match(if_match, version.as_ref())?;
        let mut json = group.to_json();
        if !patch.apply(&mut json, schema)?.changed {
            return Ok(group);
        }
        let patched = Group::from_json(json)?;
        let cond = read_version(version.as_ref());
        match backend.replace_group(ctx, id, patched, cond.as_ref()).await {
            Err(e) if retry(&e, if_match, attempt) => attempt += 1,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_rules() {
        let v = Version::from_u64(3);
        let same = VersionCondition::OneOf(vec![Version::from_u64(3)]);
        let other = VersionCondition::OneOf(vec![Version::from_u64(4)]);
        assert!(check_if_match(None, Some(&v)).is_ok());
        assert!(check_if_match(Some(&VersionCondition::Any), None).is_ok());
        assert!(check_if_match(Some(&same), Some(&v)).is_ok());
        let e = check_if_match(Some(&other), Some(&v)).unwrap_err();
        assert_eq!(e.status().as_u16(), 412);
        assert!(check_if_match(Some(&same), None).is_err());
    }

    #[test]
    fn member_delta_removes_then_adds_once() {
        let mut g = Group::new("g")
            .with_member(Member::user("a"))
            .with_member(Member::user("b"));
        let changed = apply_member_delta(
            &mut g,
            &[Member::user("c"), Member::user("c"), Member::user("a")],
            &["b".to_owned(), "zz".to_owned()],
        );
        assert!(changed);
        assert_eq!(g.member_ids().collect::<Vec<_>>(), ["a", "c"]);
        assert!(!apply_member_delta(
            &mut g,
            &[Member::user("a")],
            &["q".into()]
        ));
    }
}
