//! PATCH inside the memory backend's write lock: read, apply and store in one critical section,
//! so concurrent PATCHes never lose an update
//! ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).
//!
//! A Group PATCH that the engine can express as a member delta
//! ([`PatchRequest::group_delta`]) touches only the named members: O(changes · log members),
//! whatever the group's size.

use super::groups::GroupChange;
use super::store::{TenantStore, Write};
use super::uid::Uid;
use crate::backend::BackendError;
use crate::backend::check_if_match;
use crate::patch::{MemberChange, PatchRequest};
use crate::resource::{Group, Member, User, Version, VersionCondition};
use crate::schema::ResourceSchema;

fn version_of(meta: Option<&crate::resource::Meta>) -> Option<Version> {
    meta.and_then(|m| m.version.clone())
}

impl TenantStore {
    /// Applies `patch` to user `id` atomically; returns the user as it now is.
    pub(crate) fn patch_user(
        &mut self,
        id: Uid,
        patch: &PatchRequest,
        schema: &ResourceSchema,
        if_match: Option<&VersionCondition>,
        w: Write,
    ) -> Result<User, BackendError> {
        let current = self.user(id, true)?;
        check_if_match(if_match, version_of(current.meta.as_ref()).as_ref())?;
        let mut json = current.to_json();
        if !patch.apply(&mut json, schema)?.changed {
            return Ok(current);
        }
        let patched = User::from_json(json)?;
        self.replace_user(id, patched, None, w)
    }

    /// Applies `patch` to group `id` atomically, through the member delta when possible;
    /// `false` when nothing changed.
    pub(crate) fn patch_group(
        &mut self,
        id: Uid,
        patch: &PatchRequest,
        schema: &ResourceSchema,
        if_match: Option<&VersionCondition>,
        w: Write,
    ) -> Result<bool, BackendError> {
        let Some(delta) = patch.group_delta(schema)? else {
            return self.patch_whole_group(id, patch, schema, if_match, w);
        };
        let rec = self
            .groups
            .get(&id)
            .ok_or_else(|| super::store::not_found("Group", &id.to_string()))?;
        check_if_match(if_match, Some(&Version::from_u64(rec.stamp.version)))?;
        // The non-member attributes first (the only part that can still fail on the stored
        // group), on the group without its members.
        let shell = if delta.changes_shell() {
            Some(delta.shell_of(&self.group(id, false)?, schema)?)
        } else {
            None
        };
        let to_member = super::super::defaults::member_of_ref;
        let (add, remove, replace): (Vec<Member>, &[String], Option<Vec<Member>>) =
            match &delta.members {
                MemberChange::Delta { remove, add } => {
                    (add.iter().map(to_member).collect(), remove, None)
                }
                MemberChange::Replace(list) => {
                    (Vec::new(), &[], Some(list.iter().map(to_member).collect()))
                }
                _ => (Vec::new(), &[], None),
            };
        let change = GroupChange {
            shell,
            replace_members: replace.as_deref(),
            remove,
            add: &add,
        };
        self.change_group(id, change, None, w)
    }

    fn patch_whole_group(
        &mut self,
        id: Uid,
        patch: &PatchRequest,
        schema: &ResourceSchema,
        if_match: Option<&VersionCondition>,
        w: Write,
    ) -> Result<bool, BackendError> {
        let current = self.group(id, true)?;
        check_if_match(if_match, version_of(current.meta.as_ref()).as_ref())?;
        let mut json = current.to_json();
        if !patch.apply(&mut json, schema)?.changed {
            return Ok(false);
        }
        let patched = Group::from_json(json)?;
        self.replace_group(id, patched, None, w)?;
        Ok(true)
    }
}
