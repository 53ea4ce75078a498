//! Users as JSON text: what a backend that keeps a user as its JSON (the memory backend, a
//! document store, a `jsonb` column) hands the server so a list answer is written without
//! decoding and re-encoding every user
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2) ListResponse,
//! [RFC 7643 §4.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1) User).
//!
//! A [`UserBody`] is made only by [`UserBody::encode`] (or checked by [`UserBody::from_json`]),
//! so its text is always what the typed [`User`] writes: the server can copy it into a response
//! next to `id`, `meta` and `groups` and get the same resource as the typed path, or decode it
//! when the request needs the typed path (a projection, a schema with other `returned` rules).

use super::BackendError;
use crate::resource::{GroupRef, Meta, User};
use std::sync::Arc;

/// A user's attributes other than `id`, `meta`, `groups` and `password`, as the JSON object
/// text [`User`]'s `Serialize` writes ([RFC 7643 §4.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserBody {
    /// Shared: a list answer hands the server the body without copying it.
    json: Arc<str>,
    /// Whether the text is the response form as is under the standard User resource type: no
    /// `$ref` to fill in, no attribute name the server treats specially.
    verbatim: bool,
}

impl UserBody {
    /// The body of `user`: encodes it without `id`, `meta`, `groups` and `password` (which are
    /// left in `user` unchanged).
    pub fn encode(user: &mut User) -> Result<Self, BackendError> {
        let id = user.id.take();
        let meta = user.meta.take();
        let groups = std::mem::take(&mut user.groups);
        let password = user.password.take();
        let json = serde_json::to_string(&*user).map(Arc::from);
        let verbatim = crate::resource::direct_plan::user_body_verbatim(user);
        user.id = id;
        user.meta = meta;
        user.groups = groups;
        user.password = password;
        Ok(UserBody {
            json: json.map_err(BackendError::internal)?,
            verbatim,
        })
    }

    /// A body from JSON text kept earlier (a snapshot, a database column): decoded once, and
    /// encoded again, so the result is exactly what [`encode`](Self::encode) makes.
    pub fn from_json(json: &str) -> Result<Self, BackendError> {
        let mut user: User = serde_json::from_str(json).map_err(BackendError::internal)?;
        Self::encode(&mut user)
    }

    /// The user this body describes (no `id`, `meta`, `groups` or `password`).
    pub fn decode(&self) -> Result<User, BackendError> {
        serde_json::from_str(&self.json).map_err(BackendError::internal)
    }

    /// The JSON object text.
    pub fn as_str(&self) -> &str {
        &self.json
    }

    /// Whether the server may copy the text into a response as is (see [`StoredUser`]).
    pub(crate) fn is_verbatim(&self) -> bool {
        self.verbatim
    }
}

/// A user as a JSON-keeping backend answers a list with
/// ([`IdentityBackend::list_users_stored`](super::IdentityBackend::list_users_stored)): the
/// server-side attributes typed, the rest as a [`UserBody`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StoredUser {
    /// The user's `id`.
    pub id: String,
    /// `meta` (the server sets `location`; `resourceType` when missing).
    pub meta: Meta,
    /// `groups`, the groups the user is a member of (the server fills in each `$ref`).
    pub groups: Vec<GroupRef>,
    /// The other attributes.
    pub body: UserBody,
}

impl StoredUser {
    /// A stored user from its parts.
    pub fn new(id: String, meta: Meta, groups: Vec<GroupRef>, body: UserBody) -> Self {
        StoredUser {
            id,
            meta,
            groups,
            body,
        }
    }

    /// The typed user: the body decoded with `id`, `meta` and `groups` set.
    pub fn into_user(self) -> Result<User, BackendError> {
        let mut user = self.body.decode()?;
        user.id = Some(self.id);
        user.meta = Some(self.meta);
        user.groups = self.groups;
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Manager, Password};

    fn sample() -> User {
        let mut u = User::new("bjensen@example.com");
        u.id = Some("2819c223".into());
        u.meta = Some(Meta::default());
        u.groups.push(GroupRef::direct("g1"));
        u.password = Some(Password::new("t1meMa$heen"));
        u.display_name = Some("Babs".into());
        u
    }

    #[test]
    fn encodes_without_server_attributes_and_leaves_the_user_as_it_was() {
        let mut u = sample();
        let before = u.clone();
        let body = UserBody::encode(&mut u).unwrap();
        assert_eq!(u, before);
        let json: serde_json::Value = serde_json::from_str(body.as_str()).unwrap();
        for gone in ["id", "meta", "groups", "password"] {
            assert!(json.get(gone).is_none(), "{gone}");
        }
        assert_eq!(json["displayName"], "Babs");
        assert!(body.is_verbatim());
        assert_eq!(UserBody::from_json(body.as_str()).unwrap(), body);
        let back = StoredUser::new("2819c223".into(), Meta::default(), vec![], body)
            .into_user()
            .unwrap();
        assert_eq!(back.user_name, "bjensen@example.com");
        assert_eq!(back.id.as_deref(), Some("2819c223"));
        assert!(back.password.is_none());
    }

    #[test]
    fn a_manager_without_ref_is_not_verbatim() {
        let mut u = sample();
        u.enterprise_mut().manager = Some(Manager::new("26118915"));
        assert!(!UserBody::encode(&mut u).unwrap().is_verbatim());
        let mut m = Manager::new("26118915");
        m.reference = Some("https://x/Users/26118915".into());
        u.enterprise_mut().manager = Some(m);
        assert!(UserBody::encode(&mut u).unwrap().is_verbatim());
        assert!(UserBody::from_json("{\"userName\": 1}").is_err());
    }
}
