//! One tenant's data in the memory backend: records, indexes and the member ↔ group links,
//! changed only through methods that keep them consistent
//! ([RFC 7643 §4](https://www.rfc-editor.org/rfc/rfc7643#section-4) Users and Groups,
//! [RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3) operations).
//!
//! Representation (the memory target is 1 000 000 users in under 2 KB each):
//! * a user is its JSON without `id`, `meta`, `groups` and `password` (the typed [`User`] is
//!   over 1 KB before its strings, compact JSON about half of that), plus timestamps, a version
//!   counter and the ids of its groups;
//! * a group is its JSON without `members` (the "shell"), its `displayName`, `externalId`, and
//!   its members in an ordered map of 16-byte ids, so a member change is O(log members) and
//!   never copies the list;
//! * ids are UUIDs kept as `u128`; `userName` and group `displayName` are indexed lower-cased
//!   (`caseExact: false`), `externalId` as is.

use super::index::{MultiIndex, fold};
use super::uid::Uid;
use crate::backend::{BackendError, check_if_match};
use crate::error::ScimType;
use crate::resource::{Group, GroupRef, Member, Meta, User, Version, VersionCondition};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// When and at which version a write happens.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Write {
    pub(crate) now: DateTime<Utc>,
    pub(crate) version: u64,
}

/// `meta` facts of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) created: DateTime<Utc>,
    pub(crate) modified: DateTime<Utc>,
    pub(crate) version: u64,
}

impl Stamp {
    pub(crate) fn new(w: Write) -> Self {
        Stamp {
            created: w.now,
            modified: w.now,
            version: w.version,
        }
    }

    fn touch(&mut self, w: Write) {
        self.modified = w.now.max(self.created);
        self.version = w.version;
    }

    fn meta(&self, resource_type: &str) -> Meta {
        Meta {
            resource_type: Some(resource_type.to_owned()),
            created: Some(self.created),
            last_modified: Some(self.modified),
            location: None,
            version: Some(Version::from_u64(self.version)),
        }
    }

    fn check(&self, if_match: Option<&VersionCondition>) -> Result<(), BackendError> {
        check_if_match(if_match, Some(&Version::from_u64(self.version)))
    }
}

/// Whether a member is a User or a Group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum MemberKind {
    User,
    Group,
}

impl MemberKind {
    fn as_str(self) -> &'static str {
        match self {
            MemberKind::User => "User",
            MemberKind::Group => "Group",
        }
    }
}

#[derive(Debug)]
pub(crate) struct UserRec {
    pub(crate) json: Box<[u8]>,
    pub(crate) stamp: Stamp,
    /// The groups this user is a direct member of.
    pub(crate) groups: Vec<Uid>,
}

#[derive(Debug)]
pub(crate) struct GroupRec {
    pub(crate) shell: Box<[u8]>,
    pub(crate) display: Box<str>,
    pub(crate) external: Option<Box<str>>,
    pub(crate) stamp: Stamp,
    pub(crate) members: BTreeMap<Uid, MemberKind>,
    /// The groups this group is a direct member of.
    pub(crate) member_of: Vec<Uid>,
}

/// One tenant's users and groups with their indexes.
#[derive(Debug, Default)]
pub(crate) struct TenantStore {
    pub(crate) users: HashMap<Uid, UserRec>,
    pub(crate) user_names: HashMap<Box<str>, Uid>,
    pub(crate) user_external: MultiIndex,
    pub(crate) groups: HashMap<Uid, GroupRec>,
    pub(crate) group_names: MultiIndex,
    pub(crate) group_external: MultiIndex,
}

fn internal(e: serde_json::Error) -> BackendError {
    BackendError::internal(e)
}

pub(crate) fn not_found(kind: &str, id: &str) -> BackendError {
    BackendError::not_found(format!("{kind} {id} not found"))
}

/// The id as this store knows it, or 404.
pub(crate) fn parse_id(kind: &str, id: &str) -> Result<Uid, BackendError> {
    Uid::parse(id).ok_or_else(|| not_found(kind, id))
}

/// The stored form of a user: its JSON without what the store keeps elsewhere or never keeps
/// (`id`, `meta`, `groups`, `password`); those are cleared in `user`, which is then the
/// resource as stored (ready to be returned once `id` and `meta` are set).
fn encode_user(user: &mut User) -> Result<Box<[u8]>, BackendError> {
    user.id = None;
    user.meta = None;
    user.groups.clear();
    user.password = None;
    serde_json::to_vec(&*user)
        .map(Vec::into_boxed_slice)
        .map_err(internal)
}

/// The index keys of a stored user, read without decoding the whole user.
#[derive(serde::Deserialize)]
struct UserKeys {
    #[serde(rename = "userName")]
    user_name: String,
    #[serde(rename = "externalId", default)]
    external_id: Option<String>,
}

fn user_keys(json: &[u8]) -> Result<UserKeys, BackendError> {
    serde_json::from_slice(json).map_err(internal)
}

fn encode_shell(mut group: Group) -> Result<Box<[u8]>, BackendError> {
    group.id = None;
    group.meta = None;
    group.members.clear();
    serde_json::to_vec(&group)
        .map(Vec::into_boxed_slice)
        .map_err(internal)
}

fn remove_one(v: &mut Vec<Uid>, x: Uid) {
    if let Some(i) = v.iter().position(|y| *y == x) {
        v.swap_remove(i);
    }
}

impl TenantStore {
    fn fresh_id(&self) -> Uid {
        loop {
            let id = Uid::random();
            if !self.users.contains_key(&id) && !self.groups.contains_key(&id) {
                return id;
            }
        }
    }

    fn check_user_name(
        &self,
        user_name: &str,
        except: Option<Uid>,
    ) -> Result<Box<str>, BackendError> {
        let key = fold(user_name);
        match self.user_names.get(&key) {
            Some(owner) if Some(*owner) != except => Err(BackendError::uniqueness(format!(
                "userName {user_name:?} is already taken"
            ))),
            _ => Ok(key),
        }
    }

    // ---- users ----------------------------------------------------------------------------

    /// Creates a user; returns it as the API shows it.
    pub(crate) fn create_user(&mut self, user: User, w: Write) -> Result<User, BackendError> {
        let id = self.fresh_id();
        self.insert_user(id, user, Stamp::new(w))
    }

    /// Stores a user under `id` (which must be free) with its indexes.
    pub(crate) fn insert_user(
        &mut self,
        id: Uid,
        user: User,
        stamp: Stamp,
    ) -> Result<User, BackendError> {
        let mut user = user;
        let key = self.check_user_name(&user.user_name, None)?;
        let external = user.external_id.clone();
        let json = encode_user(&mut user)?;
        self.users.insert(
            id,
            UserRec {
                json,
                stamp,
                groups: Vec::new(),
            },
        );
        self.user_names.insert(key, id);
        if let Some(x) = external {
            self.user_external.insert(x.into_boxed_str(), id);
        }
        user.id = Some(id.to_string());
        user.meta = Some(stamp.meta("User"));
        Ok(user)
    }

    fn decode_user(&self, rec: &UserRec) -> Result<User, BackendError> {
        serde_json::from_slice(&rec.json).map_err(internal)
    }

    /// The user as the API shows it; `groups` filled from the membership links when asked.
    pub(crate) fn user(&self, id: Uid, with_groups: bool) -> Result<User, BackendError> {
        let rec = self
            .users
            .get(&id)
            .ok_or_else(|| not_found("User", &id.to_string()))?;
        let mut user = self.decode_user(rec)?;
        user.id = Some(id.to_string());
        user.meta = Some(rec.stamp.meta("User"));
        if with_groups {
            user.groups = rec.groups.iter().map(|g| self.group_ref(*g)).collect();
        }
        Ok(user)
    }

    fn group_ref(&self, g: Uid) -> GroupRef {
        let mut r = GroupRef::direct(g.to_string());
        r.display = self.groups.get(&g).map(|rec| rec.display.to_string());
        r
    }

    /// The user's JSON as the API shows it (for filters and sorting).
    pub(crate) fn user_json(&self, id: Uid, with_groups: bool) -> Result<Value, BackendError> {
        let rec = self
            .users
            .get(&id)
            .ok_or_else(|| not_found("User", &id.to_string()))?;
        let mut v: Value = serde_json::from_slice(&rec.json).map_err(internal)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("id".into(), Value::String(id.to_string()));
            let meta = serde_json::to_value(rec.stamp.meta("User")).map_err(internal)?;
            o.insert("meta".into(), meta);
            if with_groups && !rec.groups.is_empty() {
                let groups = rec
                    .groups
                    .iter()
                    .map(|g| serde_json::to_value(self.group_ref(*g)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(internal)?;
                o.insert("groups".into(), Value::Array(groups));
            }
        }
        Ok(v)
    }

    pub(crate) fn replace_user(
        &mut self,
        id: Uid,
        user: User,
        if_match: Option<&VersionCondition>,
        w: Write,
    ) -> Result<User, BackendError> {
        let mut user = user;
        let rec = self
            .users
            .get(&id)
            .ok_or_else(|| not_found("User", &id.to_string()))?;
        rec.stamp.check(if_match)?;
        let old = user_keys(&rec.json)?;
        let key = self.check_user_name(&user.user_name, Some(id))?;
        let external = user.external_id.clone();
        let json = encode_user(&mut user)?;
        self.user_names.remove(&fold(&old.user_name));
        self.user_names.insert(key, id);
        if old.external_id != external {
            if let Some(x) = &old.external_id {
                self.user_external.remove(x, id);
            }
            if let Some(x) = external {
                self.user_external.insert(x.into_boxed_str(), id);
            }
        }
        if let Some(rec) = self.users.get_mut(&id) {
            rec.json = json;
            rec.stamp.touch(w);
            user.meta = Some(rec.stamp.meta("User"));
        }
        user.id = Some(id.to_string());
        if let Some(rec) = self.users.get(&id) {
            user.groups = rec.groups.iter().map(|g| self.group_ref(*g)).collect();
        }
        Ok(user)
    }

    pub(crate) fn delete_user(
        &mut self,
        id: Uid,
        if_match: Option<&VersionCondition>,
        w: Write,
    ) -> Result<(), BackendError> {
        let rec = self
            .users
            .get(&id)
            .ok_or_else(|| not_found("User", &id.to_string()))?;
        rec.stamp.check(if_match)?;
        let old = user_keys(&rec.json)?;
        let Some(rec) = self.users.remove(&id) else {
            return Ok(());
        };
        self.user_names.remove(&fold(&old.user_name));
        if let Some(x) = &old.external_id {
            self.user_external.remove(x, id);
        }
        for g in rec.groups {
            if let Some(grec) = self.groups.get_mut(&g)
                && grec.members.remove(&id).is_some()
            {
                grec.stamp.touch(w);
            }
        }
        Ok(())
    }

    // ---- groups ---------------------------------------------------------------------------

    /// Resolves members to (id, kind): each must be a User or Group of this tenant, and a group
    /// cannot contain itself.
    fn resolve_members(
        &self,
        members: &[Member],
        group: Option<Uid>,
    ) -> Result<Vec<(Uid, MemberKind)>, BackendError> {
        members
            .iter()
            .map(|m| {
                let unknown = || {
                    BackendError::invalid(
                        ScimType::InvalidValue,
                        format!("member {:?} is not a User or Group of this tenant", m.value),
                    )
                };
                let id = Uid::parse(&m.value).ok_or_else(unknown)?;
                if Some(id) == group {
                    return Err(BackendError::invalid_value(
                        "a group cannot be its own member",
                    ));
                }
                if self.users.contains_key(&id) {
                    Ok((id, MemberKind::User))
                } else if self.groups.contains_key(&id) {
                    Ok((id, MemberKind::Group))
                } else {
                    Err(unknown())
                }
            })
            .collect()
    }

    fn link(&mut self, group: Uid, member: Uid, kind: MemberKind) {
        let back = match kind {
            MemberKind::User => self.users.get_mut(&member).map(|r| &mut r.groups),
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
        for (m, kind) in resolved {
            self.add_member(id, m, kind);
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
        if let Some(x) = &external {
            self.group_external.insert(x.clone(), id);
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

    /// Adds a member and its back link; `false` when it was already a member.
    pub(crate) fn add_member(&mut self, group: Uid, member: Uid, kind: MemberKind) -> bool {
        let added = self
            .groups
            .get_mut(&group)
            .is_some_and(|g| g.members.insert(member, kind).is_none());
        if added {
            self.link(group, member, kind);
        }
        added
    }

    fn remove_member(&mut self, group: Uid, member: Uid) -> bool {
        let removed = self
            .groups
            .get_mut(&group)
            .and_then(|g| g.members.remove(&member));
        if let Some(kind) = removed {
            self.unlink(group, member, kind);
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
        let mut group: Group = serde_json::from_slice(&rec.shell).map_err(internal)?;
        group.id = Some(id.to_string());
        group.meta = Some(rec.stamp.meta("Group"));
        if with_members {
            group.members = rec
                .members
                .iter()
                .map(|(m, kind)| {
                    let mut member = Member::new(m.to_string());
                    member.kind = Some(kind.as_str().to_owned());
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
                self.group_external.insert(x, id);
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
        self.set_members(id, resolved);
        self.reindex_group(id, display, external);
        if let Some(rec) = self.groups.get_mut(&id) {
            rec.shell = shell;
            rec.stamp.touch(w);
        }
        Ok(())
    }

    /// Makes the member list exactly `members`, touching only what differs.
    fn set_members(&mut self, id: Uid, members: Vec<(Uid, MemberKind)>) {
        let wanted: HashMap<Uid, MemberKind> = members.into_iter().collect();
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
        for (m, kind) in wanted {
            self.add_member(id, m, kind);
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
        self.group_names.remove(&fold(&rec.display), id);
        if let Some(x) = &rec.external {
            self.group_external.remove(x, id);
        }
        for (m, kind) in &rec.members {
            self.unlink(id, *m, *kind);
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
            let before: Vec<(Uid, MemberKind)> = self
                .groups
                .get(&id)
                .map(|g| g.members.iter().map(|(a, b)| (*a, *b)).collect())
                .unwrap_or_default();
            let mut sorted = list.clone();
            sorted.sort_by_key(|(u, _)| *u);
            sorted.dedup_by_key(|(u, _)| *u);
            changed |= before != sorted;
            self.set_members(id, list);
        }
        for r in change.remove {
            if let Some(m) = Uid::parse(r) {
                changed |= self.remove_member(id, m);
            }
        }
        for (m, kind) in add {
            changed |= self.add_member(id, m, kind);
        }
        if changed && let Some(rec) = self.groups.get_mut(&id) {
            rec.stamp.touch(w);
        }
        Ok(changed)
    }
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
