//! Durability for the memory backend: the whole state to a JSON file and back, written
//! atomically (a temporary file in the same directory, synced, then renamed over the target),
//! so a crash leaves either the old snapshot or the new one, never half of one.
//!
//! The file holds, per tenant, each user and group as its SCIM JSON (without `meta`), with the
//! id, timestamps and version, and each group's member ids; the data of RFC 7643 §4, nothing
//! else. Keys are not part of it (they belong to the key store).

use super::foreign::MAX_ID_LEN;
use super::resources::ResourceRec;
use super::store::{MemberEntry, MemberKind, Stamp, TenantStore};
use super::uid::Uid;
use super::{MemoryBackend, read, write};
use crate::auth::TenantId;
use crate::backend::{BackendError, UniqueValue, UserBody};
use crate::resource::{Group, User};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, RwLock};

type UserCopy = (Uid, Stamp, UserBody);
type GroupCopy = (Uid, Stamp, Box<str>, Vec<(String, MemberEntry)>);
type ResourceCopy = BTreeMap<String, Vec<(Uid, ResourceRec)>>;

const FORMAT: &str = "scimitar-memory-1";

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    tenants: BTreeMap<String, TenantFile>,
}

#[derive(Serialize, Deserialize, Default)]
struct TenantFile {
    users: Vec<UserFile>,
    groups: Vec<GroupFile>,
    /// Resources of types registered at run time, by lower-cased type name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    resources: BTreeMap<String, Vec<ResourceFile>>,
}

/// A resource of a custom type: its body, stamp and the unique values it holds (so the
/// uniqueness index is rebuilt without the type's schema).
#[derive(Serialize, Deserialize)]
struct ResourceFile {
    id: String,
    meta: StampFile,
    resource: serde_json::Map<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unique: Vec<UniqueValue>,
}

#[derive(Serialize, Deserialize)]
struct StampFile {
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    version: u64,
}

#[derive(Serialize, Deserialize)]
struct UserFile {
    id: String,
    meta: StampFile,
    user: Value,
}

#[derive(Serialize, Deserialize)]
struct GroupFile {
    id: String,
    meta: StampFile,
    group: Value,
    members: Vec<MemberFile>,
}

/// One member in a snapshot: `{"value": id, "type": "User"|"Group", "display"?: …}`.
#[derive(Serialize, Deserialize)]
struct MemberFile {
    value: String,
    #[serde(rename = "type")]
    kind: MemberKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display: Option<Box<str>>,
}

fn stamp_file(s: &Stamp) -> StampFile {
    StampFile {
        created: s.created,
        modified: s.modified,
        version: s.version,
    }
}

fn bad(detail: String) -> BackendError {
    BackendError::internal_msg(format!("invalid snapshot: {detail}"))
}

fn io(e: std::io::Error) -> BackendError {
    BackendError::internal(e)
}

fn parse_uid(s: &str) -> Result<Uid, BackendError> {
    Uid::parse(s).ok_or_else(|| bad(format!("{s:?} is not an id")))
}

impl MemoryBackend {
    /// Writes every tenant's users and groups to `path` as JSON, atomically (temporary file +
    /// rename; on Unix the file is created readable by its owner only). Each tenant is copied
    /// under its read lock, then written without holding it.
    pub fn snapshot(&self, path: impl AsRef<Path>) -> Result<(), BackendError> {
        let path = path.as_ref();
        let tenants: Vec<(TenantId, Arc<RwLock<TenantStore>>)> = read(&self.tenants)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut file = File {
            format: FORMAT.to_owned(),
            tenants: BTreeMap::new(),
        };
        for (tenant, store) in tenants {
            let copied: (Vec<UserCopy>, Vec<GroupCopy>, ResourceCopy) = {
                let s = read(&store);
                (
                    s.users
                        .iter()
                        .map(|(id, r)| (*id, r.stamp, r.body.clone()))
                        .collect(),
                    s.groups
                        .iter()
                        .map(|(id, r)| {
                            let members = r
                                .members
                                .iter()
                                .map(|(m, e)| (s.member_value(*m), e.clone()))
                                .collect();
                            (*id, r.stamp, r.shell.clone(), members)
                        })
                        .collect(),
                    s.resources
                        .iter()
                        .map(|(name, t)| {
                            let recs = t.recs.iter().map(|(id, r)| (*id, r.clone())).collect();
                            (name.clone(), recs)
                        })
                        .collect(),
                )
            };
            let mut tf = TenantFile::default();
            for (id, stamp, json) in copied.0 {
                tf.users.push(UserFile {
                    id: id.to_string(),
                    meta: stamp_file(&stamp),
                    user: serde_json::from_str(json.as_str()).map_err(BackendError::internal)?,
                });
            }
            for (id, stamp, shell, members) in copied.1 {
                tf.groups.push(GroupFile {
                    id: id.to_string(),
                    meta: stamp_file(&stamp),
                    group: serde_json::from_str(&shell).map_err(BackendError::internal)?,
                    members: members
                        .into_iter()
                        .map(|(m, e)| MemberFile {
                            value: m,
                            kind: e.kind,
                            display: e.display,
                        })
                        .collect(),
                });
            }
            for (name, recs) in copied.2 {
                let files = recs
                    .into_iter()
                    .map(|(id, r)| ResourceFile {
                        id: id.to_string(),
                        meta: stamp_file(&r.stamp),
                        resource: r.body,
                        unique: r.unique,
                    })
                    .collect();
                tf.resources.insert(name, files);
            }
            tf.users.sort_by(|a, b| a.id.cmp(&b.id));
            tf.groups.sort_by(|a, b| a.id.cmp(&b.id));
            file.tenants.insert(tenant.as_str().to_owned(), tf);
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "snapshot".into());
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let result = (|| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            // identities are personal data: readable by the owner only
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let f = options.open(&tmp).map_err(io)?;
            let mut w = std::io::BufWriter::new(f);
            serde_json::to_writer(&mut w, &file).map_err(BackendError::internal)?;
            w.flush().map_err(io)?;
            w.get_ref().sync_all().map_err(io)?;
            std::fs::rename(&tmp, path).map_err(io)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// [`MemoryBackend::restore`] when `path` exists; `Ok(false)` (and nothing changed) when it
    /// does not, as on a first start.
    pub fn restore_if_exists(&self, path: impl AsRef<Path>) -> Result<bool, BackendError> {
        match std::fs::metadata(path.as_ref()) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            _ => self.restore(path).map(|()| true),
        }
    }

    /// Replaces the backend's contents with the snapshot at `path` (all or nothing: on any error
    /// the current contents stay). Each tenant's version counter continues after its highest
    /// version restored, so ETags never repeat.
    pub fn restore(&self, path: impl AsRef<Path>) -> Result<(), BackendError> {
        let f = std::fs::File::open(path.as_ref()).map_err(io)?;
        let file: File =
            serde_json::from_reader(std::io::BufReader::new(f)).map_err(|e| bad(e.to_string()))?;
        if file.format != FORMAT {
            return Err(bad(format!("unknown format {:?}", file.format)));
        }
        let mut tenants = HashMap::new();
        for (name, tf) in file.tenants {
            let mut s = TenantStore::new(self.foreign_members);
            let mut max_version = 0;
            for u in tf.users {
                let id = parse_uid(&u.id)?;
                max_version = max_version.max(u.meta.version);
                let user: User = serde_json::from_value(u.user).map_err(|e| bad(e.to_string()))?;
                let stamp = Stamp {
                    created: u.meta.created,
                    modified: u.meta.modified,
                    version: u.meta.version,
                };
                if s.users.contains_key(&id) {
                    return Err(bad(format!("user {id} twice")));
                }
                s.insert_user(id, user, stamp)
                    .map_err(|e| bad(e.to_string()))?;
            }
            let mut links = Vec::new();
            for g in tf.groups {
                let id = parse_uid(&g.id)?;
                max_version = max_version.max(g.meta.version);
                let group: Group =
                    serde_json::from_value(g.group).map_err(|e| bad(e.to_string()))?;
                let stamp = Stamp {
                    created: g.meta.created,
                    modified: g.meta.modified,
                    version: g.meta.version,
                };
                if s.groups.contains_key(&id) || s.users.contains_key(&id) {
                    return Err(bad(format!("id {id} twice")));
                }
                s.insert_group(id, group, stamp)?;
                for m in g.members {
                    let entry = MemberEntry {
                        kind: m.kind,
                        display: m.display,
                    };
                    links.push((id, m.value, entry));
                }
            }
            for (g, m, entry) in links {
                s.restore_member(g, &m, entry)?;
            }
            for (name, files) in tf.resources {
                let store = s.resources.entry(name.to_ascii_lowercase()).or_default();
                for r in files {
                    let id = parse_uid(&r.id)?;
                    max_version = max_version.max(r.meta.version);
                    if store.recs.contains_key(&id) {
                        return Err(bad(format!("{name} {id} twice")));
                    }
                    let stamp = Stamp {
                        created: r.meta.created,
                        modified: r.meta.modified,
                        version: r.meta.version,
                    };
                    let rec = ResourceRec {
                        body: r.resource,
                        stamp,
                        unique: r.unique,
                    };
                    store.put(id, rec);
                }
            }
            s.clock = max_version;
            tenants.insert(TenantId::from(name), Arc::new(RwLock::new(s)));
        }
        *write(&self.tenants) = tenants;
        Ok(())
    }
}

impl TenantStore {
    fn restore_member(
        &mut self,
        g: Uid,
        value: &str,
        entry: MemberEntry,
    ) -> Result<(), BackendError> {
        let unknown = || bad(format!("group {g} has unknown member {value:?}"));
        if !self.groups.contains_key(&g) {
            return Err(unknown());
        }
        let local = Uid::parse(value);
        let m = match (entry.kind, local) {
            (MemberKind::Group, Some(m)) if self.groups.contains_key(&m) && m != g => m,
            (MemberKind::User, Some(m)) if self.users.contains_key(&m) => m,
            (MemberKind::User, _) if !value.is_empty() && value.len() <= MAX_ID_LEN => {
                let (users, groups) = (&self.users, &self.groups);
                let taken = |u: Uid| users.contains_key(&u) || groups.contains_key(&u);
                match self.foreign.as_mut() {
                    Some(f) => f.key(value, taken),
                    None => return Err(unknown()),
                }
            }
            _ => return Err(unknown()),
        };
        self.add_member(g, m, entry);
        Ok(())
    }
}
