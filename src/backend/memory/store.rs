//! One tenant's data in the memory backend: records, indexes and the member ↔ group links,
//! changed only through methods that keep them consistent
//! ([RFC 7643 §4](https://www.rfc-editor.org/rfc/rfc7643#section-4) Users and Groups,
//! [RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3) operations).
//!
//! Representation (the memory target is 1 000 000 users in under 2 KB each):
//! * a user is its compact JSON without `id`, `meta`, `groups` and `password`, as a
//!   [`UserBody`] (shared text: a list answer hands it to the server, which copies it into the
//!   response without decoding it), plus timestamps, a version and the ids of its groups: a
//!   typical Entra ID user takes ~1 KB this way and 2.8 KB as a typed [`User`] (1 064 bytes
//!   before its strings); 1 000 000 such users peak at ~1.5 KB each, indexes included;
//! * a group is its JSON without `members` (the "shell"), its `displayName`, `externalId`, and
//!   its members in an ordered map of 16-byte ids (each with its kind and the client's
//!   `display`, if any), so a member change is O(log members) and never copies the list;
//! * ids are UUIDs kept as `u128`; `userName` and group `displayName` are indexed lower-cased
//!   (`caseExact: false`), `externalId` as is; index keys of up to 24 bytes are kept inline.

use super::index::{Key, MultiIndex, fold};
use super::uid::Uid;
use crate::backend::{BackendError, StoredUser, UserBody, check_if_match};

use crate::resource::{GroupRef, Meta, User, Version, VersionCondition};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

    pub(crate) fn touch(&mut self, w: Write) {
        self.modified = w.now.max(self.created);
        self.version = w.version;
    }

    pub(crate) fn meta(&self, resource_type: &str) -> Meta {
        Meta {
            resource_type: Some(resource_type.to_owned()),
            created: Some(self.created),
            last_modified: Some(self.modified),
            location: None,
            version: Some(Version::from_u64(self.version)),
        }
    }

    pub(crate) fn check(&self, if_match: Option<&VersionCondition>) -> Result<(), BackendError> {
        check_if_match(if_match, Some(&Version::from_u64(self.version)))
    }
}

/// Whether a member is a User or a Group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum MemberKind {
    User,
    Group,
}

/// One member of a group: whether it is a User or a Group, and the `display` the client gave
/// (RFC 7643 §4.2 `members`; kept as written so a client reads back what it sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MemberEntry {
    pub(crate) kind: MemberKind,
    pub(crate) display: Option<Box<str>>,
}

impl MemberKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MemberKind::User => "User",
            MemberKind::Group => "Group",
        }
    }
}

#[derive(Debug)]
pub(crate) struct UserRec {
    /// The user's JSON without `id`, `meta`, `groups` and `password`.
    pub(crate) body: UserBody,
    pub(crate) stamp: Stamp,
    /// The groups this user is a direct member of.
    pub(crate) groups: Vec<Uid>,
}

#[derive(Debug)]
pub(crate) struct GroupRec {
    pub(crate) shell: Box<str>,
    pub(crate) display: Box<str>,
    pub(crate) external: Option<Box<str>>,
    pub(crate) stamp: Stamp,
    pub(crate) members: BTreeMap<Uid, MemberEntry>,
    /// The groups this group is a direct member of.
    pub(crate) member_of: Vec<Uid>,
}

/// One tenant's users and groups with their indexes.
#[derive(Debug, Default)]
pub(crate) struct TenantStore {
    pub(crate) users: HashMap<Uid, UserRec>,
    pub(crate) user_names: HashMap<Key, Uid>,
    pub(crate) user_external: MultiIndex,
    pub(crate) groups: HashMap<Uid, GroupRec>,
    pub(crate) group_names: MultiIndex,
    pub(crate) group_external: MultiIndex,
    /// The user ids in order, for cursor walks (RFC 9865): a walk continues from a position in
    /// O(log n) (16 bytes and a share of a B-tree node per user).
    pub(crate) user_order: BTreeSet<Uid>,
    /// The group ids in order, for cursor walks.
    pub(crate) group_order: BTreeSet<Uid>,
    /// The last version handed out in this tenant.
    pub(crate) clock: u64,
    /// With [`MemoryBackend::with_foreign_members`](super::MemoryBackend::with_foreign_members):
    /// the members that are not users of this store (e.g. Zitadel users).
    pub(crate) foreign: Option<super::foreign::Foreign>,
    /// The resources of types registered at run time, by lower-cased type name.
    pub(crate) resources: HashMap<String, super::resources::TypeStore>,
}

impl TenantStore {
    /// An empty store; `foreign` accepts member ids that are not its own users.
    pub(crate) fn new(foreign: bool) -> Self {
        TenantStore {
            foreign: foreign.then(super::foreign::Foreign::default),
            ..TenantStore::default()
        }
    }
}

pub(crate) fn internal(e: serde_json::Error) -> BackendError {
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
fn encode_user(user: &mut User) -> Result<UserBody, BackendError> {
    user.password = None;
    let body = UserBody::encode(user)?;
    user.id = None;
    user.meta = None;
    user.groups.clear();
    Ok(body)
}

/// The index keys of a stored user, read without decoding the whole user.
#[derive(serde::Deserialize)]
struct UserKeys {
    #[serde(rename = "userName")]
    user_name: String,
    #[serde(rename = "externalId", default)]
    external_id: Option<String>,
}

fn user_keys(json: &str) -> Result<UserKeys, BackendError> {
    serde_json::from_str(json).map_err(internal)
}

impl TenantStore {
    /// The time and the next version of a write in this tenant (under its write lock).
    pub(crate) fn next_write(&mut self, now: DateTime<Utc>) -> Write {
        self.clock += 1;
        Write {
            now,
            version: self.clock,
        }
    }

    pub(crate) fn fresh_id(&self) -> Uid {
        loop {
            let id = Uid::random();
            if !self.users.contains_key(&id)
                && !self.groups.contains_key(&id)
                && !self.foreign.as_ref().is_some_and(|f| f.holds(id))
            {
                return id;
            }
        }
    }

    fn check_user_name(&self, user_name: &str, except: Option<Uid>) -> Result<Key, BackendError> {
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
        let body = encode_user(&mut user)?;
        self.users.insert(
            id,
            UserRec {
                body,
                stamp,
                groups: Vec::new(),
            },
        );
        self.user_names.insert(key, id);
        self.user_order.insert(id);
        if let Some(x) = external {
            self.user_external.insert(Key::from(x), id);
        }
        user.id = Some(id.to_string());
        user.meta = Some(stamp.meta("User"));
        Ok(user)
    }

    fn decode_user(&self, rec: &UserRec) -> Result<User, BackendError> {
        rec.body.decode()
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

    /// The user as a [`StoredUser`]: its body as kept, `groups` filled when asked.
    pub(crate) fn stored_user(
        &self,
        id: Uid,
        with_groups: bool,
    ) -> Result<StoredUser, BackendError> {
        let rec = self
            .users
            .get(&id)
            .ok_or_else(|| not_found("User", &id.to_string()))?;
        let groups = if with_groups {
            rec.groups.iter().map(|g| self.group_ref(*g)).collect()
        } else {
            Vec::new()
        };
        Ok(StoredUser::new(
            id.to_string(),
            rec.stamp.meta("User"),
            groups,
            rec.body.clone(),
        ))
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
        let mut v: Value = serde_json::from_str(rec.body.as_str()).map_err(internal)?;
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
        let old = user_keys(rec.body.as_str())?;
        let key = self.check_user_name(&user.user_name, Some(id))?;
        let external = user.external_id.clone();
        let body = encode_user(&mut user)?;
        self.user_names.remove(&fold(&old.user_name));
        self.user_names.insert(key, id);
        if old.external_id != external {
            if let Some(x) = &old.external_id {
                self.user_external.remove(x, id);
            }
            if let Some(x) = external {
                self.user_external.insert(Key::from(x), id);
            }
        }
        if let Some(rec) = self.users.get_mut(&id) {
            rec.body = body;
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
        let old = user_keys(rec.body.as_str())?;
        let Some(rec) = self.users.remove(&id) else {
            return Ok(());
        };
        self.user_order.remove(&id);
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
}
