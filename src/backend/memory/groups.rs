//! Groups in one tenant's store: members in an ordered map of ids with back links from each
//! member to its groups, changed only together
//! ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2)).

use super::foreign::MAX_ID_LEN;
use super::index::{Key, fold};
use super::store::GroupRec;
use super::store::{MemberEntry, MemberKind, Stamp, TenantStore, Write, internal, not_found};
use super::uid::Uid;
use crate::backend::BackendError;
use crate::error::ScimType;
use crate::resource::{Group, Member, VersionCondition};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

fn encode_shell(mut group: Group) -> Result<Box<str>, BackendError> {
    group.id = None;
    group.meta = None;
    group.members.clear();
    serde_json::to_string(&group)
        .map(String::into_boxed_str)
        .map_err(internal)
}

fn remove_one(v: &mut Vec<Uid>, x: Uid) {
    if let Some(i) = v.iter().position(|y| *y == x) {
        v.swap_remove(i);
    }
}

impl TenantStore {
    /// The key of member `value` in this store's member maps, if it is one of its users or
    /// groups or a foreign member it holds.
    pub(crate) fn member_key(&self, value: &str) -> Option<Uid> {
        if let Some(id) = Uid::parse(value)
            && (self.users.contains_key(&id) || self.groups.contains_key(&id))
        {
            return Some(id);
        }
        self.foreign.as_ref()?.find(value)
    }

    /// The member `value` of key `m` as the API shows it.
    pub(crate) fn member_value(&self, m: Uid) -> String {
        match self.foreign.as_ref().and_then(|f| f.name(m)) {
            Some(name) => name.to_owned(),
            None => m.to_string(),
        }
    }

    /// Resolves members: each must be a User or Group of this tenant (or, with foreign
    /// members, any other id of at most [`MAX_ID_LEN`] bytes: a User kept elsewhere), and a
    /// group cannot contain itself. Changes nothing: [`Self::admit`] keys foreign members.
    fn resolve_members<'m>(
        &self,
        members: &'m [Member],
        group: Option<Uid>,
    ) -> Result<Vec<(Resolved<'m>, MemberEntry)>, BackendError> {
        members
            .iter()
            .map(|m| {
                let unknown = || {
                    BackendError::invalid(
                        ScimType::InvalidValue,
                        format!("member {:?} is not a User or Group of this tenant", m.value),
                    )
                };
                let local = Uid::parse(&m.value);
                if local.is_some() && local == group {
                    return Err(BackendError::invalid_value(
                        "a group cannot be its own member",
                    ));
                }
                let display = m.display.as_deref().map(Box::from);
                let (key, kind) = match local {
                    Some(id) if self.users.contains_key(&id) => {
                        (Resolved::Local(id), MemberKind::User)
                    }
                    Some(id) if self.groups.contains_key(&id) => {
                        (Resolved::Local(id), MemberKind::Group)
                    }
                    _ if self.foreign.is_some()
                        && !m.value.is_empty()
                        && m.value.len() <= MAX_ID_LEN =>
                    {
                        (Resolved::Foreign(&m.value), MemberKind::User)
                    }
                    _ => return Err(unknown()),
                };
                Ok((key, MemberEntry { kind, display }))
            })
            .collect()
    }

    /// The keys of resolved members, once every check passed: a foreign id not held yet gets
    /// its key now.
    fn admit(&mut self, resolved: Vec<(Resolved<'_>, MemberEntry)>) -> Vec<(Uid, MemberEntry)> {
        resolved
            .into_iter()
            .filter_map(|(r, entry)| match r {
                Resolved::Local(id) => Some((id, entry)),
                Resolved::Foreign(value) => {
                    let (users, groups) = (&self.users, &self.groups);
                    let taken = |u: Uid| users.contains_key(&u) || groups.contains_key(&u);
                    // (resolve_members names foreign ids only when the store takes them)
                    let f = self.foreign.as_mut()?;
                    Some((f.key(value, taken), entry))
                }
            })
            .collect()
    }

    fn link(&mut self, group: Uid, member: Uid, kind: MemberKind) {
        let back = match kind {
            MemberKind::User => match self.users.get_mut(&member) {
                Some(r) => Some(&mut r.groups),
                None => self
                    .foreign
                    .as_mut()
                    .map(|f| f.groups.entry(member).or_default()),
            },
            MemberKind::Group => self.groups.get_mut(&member).map(|r| &mut r.member_of),
        };
        if let Some(v) = back
            && !v.contains(&group)
        {
            v.push(group);
        }
    }

    fn unlink(&mut self, group: Uid, member: Uid, kind: MemberKind) {
        match kind {
            MemberKind::User => {
                if let Some(r) = self.users.get_mut(&member) {
                    remove_one(&mut r.groups, group);
                } else if let Some(f) = self.foreign.as_mut()
                    && let Some(v) = f.groups.get_mut(&member)
                {
                    remove_one(v, group);
                    if v.is_empty() {
                        f.forget(member);
                    }
                }
            }
            MemberKind::Group => {
                if let Some(r) = self.groups.get_mut(&member) {
                    remove_one(&mut r.member_of, group);
                }
            }
        }
    }

    pub(crate) fn create_group(&mut self, mut group: Group, w: Write) -> Result<Uid, BackendError> {
        let members = std::mem::take(&mut group.members);
        let id = self.fresh_id();
        let resolved = self.resolve_members(&members, Some(id))?;
        self.insert_group(id, group, Stamp::new(w))?;
        for (m, entry) in self.admit(resolved) {
            self.add_member(id, m, entry);
        }
        Ok(id)
    }

    /// Stores a group under `id` (which must be free) with its indexes, without members.
    pub(crate) fn insert_group(
        &mut self,
        id: Uid,
        group: Group,
        stamp: Stamp,
    ) -> Result<(), BackendError> {
        let display = group.display_name.clone().into_boxed_str();
        let external = group.external_id.clone().map(String::into_boxed_str);
        let shell = encode_shell(group)?;
        self.group_names.insert(fold(&display), id);
        self.group_order.insert(id);
        if let Some(x) = &external {
            self.group_external.insert(Key::from(&**x), id);
        }
        self.groups.insert(
            id,
            GroupRec {
                shell,
                display,
                external,
                stamp,
                members: BTreeMap::new(),
                member_of: Vec::new(),
            },
        );
        Ok(())
    }

    /// Adds a member and its back link; for an existing member, takes a new `display` if one
    /// is given. `false` when nothing changed.
    pub(crate) fn add_member(&mut self, group: Uid, member: Uid, entry: MemberEntry) -> bool {
        let Some(g) = self.groups.get_mut(&group) else {
            return false;
        };
        let kind = entry.kind;
        match g.members.entry(member) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(entry);
                self.link(group, member, kind);
                true
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                if entry.display.is_some() && o.get().display != entry.display {
                    o.get_mut().display = entry.display;
                    true
                } else {
                    false
                }
            }
        }
    }

    fn remove_member(&mut self, group: Uid, member: Uid) -> bool {
        let removed = self
            .groups
            .get_mut(&group)
            .and_then(|g| g.members.remove(&member));
        if let Some(entry) = &removed {
            self.unlink(group, member, entry.kind);
        }
        removed.is_some()
    }

    fn group_rec(&self, id: Uid) -> Result<&GroupRec, BackendError> {
        self.groups
            .get(&id)
            .ok_or_else(|| not_found("Group", &id.to_string()))
    }

    /// The group as the API shows it; `members` filled when asked.
    pub(crate) fn group(&self, id: Uid, with_members: bool) -> Result<Group, BackendError> {
        let rec = self.group_rec(id)?;
        let mut group: Group = serde_json::from_str(&rec.shell).map_err(internal)?;
        group.id = Some(id.to_string());
        group.meta = Some(rec.stamp.meta("Group"));
        if with_members {
            group.members = rec
                .members
                .iter()
                .map(|(m, entry)| {
                    let mut member = Member::new(self.member_value(*m));
                    member.kind = Some(entry.kind.as_str().to_owned());
                    member.display = entry.display.as_deref().map(str::to_owned);
                    member
                })
                .collect();
        }
        Ok(group)
    }

    /// The group's JSON as the API shows it (for filters and sorting).
    pub(crate) fn group_json(&self, id: Uid, with_members: bool) -> Result<Value, BackendError> {
        serde_json::to_value(self.group(id, with_members)?).map_err(internal)
    }

    fn reindex_group(&mut self, id: Uid, display: Box<str>, external: Option<Box<str>>) {
        let Some(rec) = self.groups.get_mut(&id) else {
            return;
        };
        let old_display = std::mem::replace(&mut rec.display, display.clone());
        let old_external = std::mem::replace(&mut rec.external, external.clone());
        if fold(&old_display) != fold(&display) {
            self.group_names.remove(&fold(&old_display), id);
            self.group_names.insert(fold(&display), id);
        }
        if old_external != external {
            if let Some(x) = &old_external {
                self.group_external.remove(x, id);
            }
            if let Some(x) = external {
                self.group_external.insert(Key::from(&*x), id);
            }
        }
    }

    pub(crate) fn replace_group(
        &mut self,
        id: Uid,
        mut group: Group,
        if_match: Option<&VersionCondition>,
        w: Write,
    ) -> Result<(), BackendError> {
        self.group_rec(id)?.stamp.check(if_match)?;
        let members = std::mem::take(&mut group.members);
        let resolved = self.resolve_members(&members, Some(id))?;
        let display = group.display_name.clone().into_boxed_str();
        let external = group.external_id.clone().map(String::into_boxed_str);
        let shell = encode_shell(group)?;
        let resolved = self.admit(resolved);
        self.set_members(id, resolved);
        self.reindex_group(id, display, external);
        if let Some(rec) = self.groups.get_mut(&id) {
            rec.shell = shell;
            rec.stamp.touch(w);
        }
        Ok(())
    }

    /// Makes the member list exactly `members`, touching only what differs.
    fn set_members(&mut self, id: Uid, members: Vec<(Uid, MemberEntry)>) {
        let wanted: HashMap<Uid, MemberEntry> = members.into_iter().collect();
        let gone: Vec<Uid> = self
            .groups
            .get(&id)
            .map(|g| {
                g.members
                    .keys()
                    .filter(|m| !wanted.contains_key(m))
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        for m in gone {
            self.remove_member(id, m);
        }
        for (m, entry) in wanted {
            // a full member list sets `display` exactly as given, also back to none
            let existing = self.groups.get_mut(&id).and_then(|g| g.members.get_mut(&m));
            match existing {
                Some(e) => e.display = entry.display,
                None => {
                    self.add_member(id, m, entry);
                }
            }
        }
    }

    pub(crate) fn delete_group(
        &mut self,
        id: Uid,
        if_match: Option<&VersionCondition>,
        w: Write,
    ) -> Result<(), BackendError> {
        self.group_rec(id)?.stamp.check(if_match)?;
        let Some(rec) = self.groups.remove(&id) else {
            return Ok(());
        };
        self.group_order.remove(&id);
        self.group_names.remove(&fold(&rec.display), id);
        if let Some(x) = &rec.external {
            self.group_external.remove(x, id);
        }
        for (m, entry) in &rec.members {
            self.unlink(id, *m, entry.kind);
        }
        for parent in rec.member_of {
            if let Some(p) = self.groups.get_mut(&parent)
                && p.members.remove(&id).is_some()
            {
                p.stamp.touch(w);
            }
        }
        Ok(())
    }

    /// Applies a group change atomically: the new shell fields (if any), then removals, then
    /// additions; bumps the version only if something changed. All checks run before any change.
    pub(crate) fn change_group(
        &mut self,
        id: Uid,
        change: GroupChange<'_>,
        if_match: Option<&VersionCondition>,
        w: Write,
    ) -> Result<bool, BackendError> {
        let rec = self.group_rec(id)?;
        rec.stamp.check(if_match)?;
        let add = self.resolve_members(change.add, Some(id))?;
        let replace = match change.replace_members {
            Some(list) => Some(self.resolve_members(list, Some(id))?),
            None => None,
        };
        let shell = match change.shell {
            Some(group) => {
                let display = group.display_name.clone().into_boxed_str();
                let external = group.external_id.clone().map(String::into_boxed_str);
                Some((encode_shell(group)?, display, external))
            }
            None => None,
        };
        let mut changed = false;
        if let Some((shell, display, external)) = shell {
            if let Some(rec) = self.groups.get_mut(&id) {
                changed |= rec.shell != shell || rec.display != display || rec.external != external;
                rec.shell = shell;
            }
            self.reindex_group(id, display, external);
        }
        if let Some(list) = replace {
            let list = self.admit(list);
            let before: Vec<(Uid, MemberEntry)> = self
                .groups
                .get(&id)
                .map(|g| g.members.iter().map(|(a, b)| (*a, b.clone())).collect())
                .unwrap_or_default();
            let mut sorted = list.clone();
            sorted.sort_by_key(|(u, _)| *u);
            sorted.dedup_by_key(|(u, _)| *u);
            changed |= before != sorted;
            self.set_members(id, list);
        }
        for r in change.remove {
            if let Some(m) = self.member_key(r) {
                changed |= self.remove_member(id, m);
            }
        }
        // keyed after the removals: a foreign member removed and added again is keyed anew
        for (m, entry) in self.admit(add) {
            changed |= self.add_member(id, m, entry);
        }
        if changed && let Some(rec) = self.groups.get_mut(&id) {
            rec.stamp.touch(w);
        }
        Ok(changed)
    }
}

/// A member checked by [`TenantStore::resolve_members`]: a user or group of the store, or a
/// foreign id (keyed by [`TenantStore::admit`]).
enum Resolved<'a> {
    Local(Uid),
    Foreign(&'a str),
}

/// A change to one group, applied atomically by [`TenantStore::change_group`].
#[derive(Debug, Default)]
pub(crate) struct GroupChange<'a> {
    /// The group's new non-member attributes (its `members` are ignored).
    pub(crate) shell: Option<Group>,
    /// The new member list, replacing the old one (applied before `remove` and `add`).
    pub(crate) replace_members: Option<&'a [Member]>,
    /// Member ids to remove.
    pub(crate) remove: &'a [String],
    /// Members to add.
    pub(crate) add: &'a [Member],
}
