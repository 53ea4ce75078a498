//! Rows of the SQL backend as resources: users and groups from their columns, `meta` from the
//! stored version and timestamps, and database errors as backend errors
//! ([RFC 7643 §3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1) `meta`,
//! [RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12) errors).

use super::exec::Cells;
use crate::backend::BackendError;
use crate::resource::{Group, GroupRef, Member, Meta, User, Version};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::time::Duration;

/// The detail of the 503 a write gets when the database chose it as the loser of a conflict
/// (deadlock, serialization failure, busy SQLite file); such writes are retried first.
pub(crate) const CONFLICT: &str = "the database is busy with a conflicting write; retry";

/// A database error as a backend error: a lost conflict or an unreachable database is 503
/// (with `Retry-After`), anything else 500 with the cause kept for the logs.
pub(crate) fn db_err(e: sqlx::Error) -> BackendError {
    let retry = Some(Duration::from_secs(1));
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            // PostgreSQL 40001/40P01; SQLite BUSY (5, 261, 517) and LOCKED (6, 262)
            if matches!(
                code.as_str(),
                "40001" | "40P01" | "5" | "6" | "261" | "262" | "517"
            ) {
                BackendError::unavailable(CONFLICT, retry)
            } else {
                BackendError::internal(e)
            }
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => {
            BackendError::unavailable("the database is unavailable", retry)
        }
        _ => BackendError::internal(e),
    }
}

/// Whether `e` says a unique index refused the row.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// Whether a failed write transaction is worth running again.
pub(crate) fn is_conflict(e: &BackendError) -> bool {
    e.detail() == CONFLICT
}

pub(crate) fn json_err(e: serde_json::Error) -> BackendError {
    BackendError::internal(e)
}

pub(crate) fn not_found(kind: &str, id: &str) -> BackendError {
    BackendError::not_found(format!("{kind} {id} not found"))
}

/// Now, to the microsecond the database keeps.
pub(crate) fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

fn time(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

/// The `meta` of a stored resource.
pub(crate) fn meta(resource_type: &str, version: i64, created: i64, modified: i64) -> Meta {
    Meta {
        resource_type: Some(resource_type.to_owned()),
        created: Some(time(created)),
        last_modified: Some(time(modified)),
        location: None,
        version: Some(Version::from_u64(u64::try_from(version).unwrap_or(0))),
    }
}

/// A stored resource's row: `id, version, created, modified, body` (the body is the
/// resource's JSON without `id`, `meta`, and `groups`/`members`).
#[derive(Debug, Clone)]
pub(crate) struct Rec {
    pub(crate) id: String,
    pub(crate) version: i64,
    pub(crate) created: i64,
    pub(crate) modified: i64,
    pub(crate) body: String,
    /// `User.groups`, when the query read them with the row (a sixth column: their JSON).
    pub(crate) groups: Option<Vec<GroupRef>>,
}

/// One entry of the groups column ([`Dialect::user_groups`](super::dialect::Dialect)).
#[derive(serde::Deserialize)]
struct Membership {
    value: String,
    display: String,
}

/// The columns [`Rec::of`] reads, in order.
pub(crate) const REC_COLUMNS: &str = "id, version, created, modified, body";

impl Rec {
    pub(crate) fn of(row: &dyn Cells) -> Result<Rec, BackendError> {
        Ok(Rec {
            id: row.text(0)?,
            version: row.int(1)?,
            created: row.int(2)?,
            modified: row.int(3)?,
            body: row.text(4)?,
            groups: if row.width() > 5 {
                let json: Option<String> = row.opt_text(5)?;
                let list: Vec<Membership> = match json {
                    Some(j) => serde_json::from_str(&j).map_err(json_err)?,
                    None => Vec::new(),
                };
                Some(
                    list.into_iter()
                        .map(|m| group_ref(m.value, m.display))
                        .collect(),
                )
            } else {
                None
            },
        })
    }

    pub(crate) fn user(&self, groups: Vec<GroupRef>) -> Result<User, BackendError> {
        let mut user: User = serde_json::from_str(&self.body).map_err(json_err)?;
        user.id = Some(self.id.clone());
        user.meta = Some(meta("User", self.version, self.created, self.modified));
        user.groups = groups;
        Ok(user)
    }

    pub(crate) fn group(&self, members: Vec<Member>) -> Result<Group, BackendError> {
        let mut group: Group = serde_json::from_str(&self.body).map_err(json_err)?;
        group.id = Some(self.id.clone());
        group.meta = Some(meta("Group", self.version, self.created, self.modified));
        group.members = members;
        Ok(group)
    }

    /// The user's JSON as the API shows it, for filters and sorting (as the memory backend
    /// builds it: `groups` only when there are some).
    pub(crate) fn user_json(&self, groups: &[GroupRef]) -> Result<Value, BackendError> {
        let mut v: Value = serde_json::from_str(&self.body).map_err(json_err)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("id".into(), Value::String(self.id.clone()));
            let m = meta("User", self.version, self.created, self.modified);
            o.insert("meta".into(), serde_json::to_value(m).map_err(json_err)?);
            if !groups.is_empty() {
                o.insert(
                    "groups".into(),
                    serde_json::to_value(groups).map_err(json_err)?,
                );
            }
        }
        Ok(v)
    }

    /// The group's JSON as the API shows it, for filters and sorting.
    pub(crate) fn group_json(&self, members: Vec<Member>) -> Result<Value, BackendError> {
        serde_json::to_value(self.group(members)?).map_err(json_err)
    }
}

/// A group membership as `User.groups` shows it.
pub(crate) fn group_ref(group_id: String, display: String) -> GroupRef {
    let mut r = GroupRef::direct(group_id);
    r.display = Some(display);
    r
}

/// A member as `Group.members` shows it: its type and the `display` the client gave.
pub(crate) fn member(id: String, kind: String, display: Option<String>) -> Member {
    let mut m = Member::new(id);
    m.kind = Some(kind);
    m.display = display;
    m
}

/// `$first, $first+1, …` for `n` values: the placeholders of an `IN (…)` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 4);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('$');
        s.push_str(&(first + i).to_string());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_lists() {
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
        assert_eq!(placeholders(1, 0), "");
    }

    #[test]
    fn meta_from_columns() {
        let m = meta("User", 3, 1_000_000, 2_000_000);
        assert_eq!(m.version, Some(Version::from_u64(3)));
        assert_eq!(m.created.map(|t| t.timestamp()), Some(1));
        assert_eq!(m.last_modified.map(|t| t.timestamp()), Some(2));
        assert_eq!(m.resource_type.as_deref(), Some("User"));
    }

    #[test]
    fn conflicts_are_retryable_503s() {
        let e = BackendError::unavailable(CONFLICT, None);
        assert!(is_conflict(&e));
        assert_eq!(e.status().as_u16(), 503);
        assert!(!is_conflict(&BackendError::unavailable("down", None)));
        let timeout = db_err(sqlx::Error::PoolTimedOut);
        assert_eq!(timeout.status().as_u16(), 503);
        assert!(!is_conflict(&timeout));
        let other = db_err(sqlx::Error::RowNotFound);
        assert!(other.is_internal());
    }
}
