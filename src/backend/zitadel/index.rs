//! The index of the users this backend wrote, kept in the companion store: `userName` and
//! `externalId` → Zitadel user id. Zitadel's `ListUsers` lags behind writes and `GetUserByID`
//! does not, so a lookup right after a create or a change, by this process, another replica or
//! after a restart, reads the id here and confirms the user with `GetUserByID`
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2): a client finds
//! what it just wrote). The SCIM server keeps no state of its own: the index is as durable and
//! as shared as the companion (a SQL store in production).
//!
//! An entry is a companion user of the org: its `userName` and `externalId` are the SCIM
//! user's, its `nickName` the Zitadel id (`userName` and `externalId` equalities are the
//! companion's indexed lookups). Entries are hints, never answers: each is confirmed against
//! Zitadel, so one left stale by a change made outside SCIM (in Zitadel's console) is ignored,
//! and replaced by the next write of that `userName`. A failed index write loses nothing but
//! the shortcut: the lookup falls back to `ListUsers`.

use super::ZitadelBackend;
use crate::auth::Context;
use crate::backend::BackendError;
use crate::filter::Filter;
use crate::query::ListQuery;
use crate::resource::User;

/// At most this many entries are read for one `externalId` (it is not unique).
const MAX_PER_EXTERNAL_ID: usize = 10;

/// An index entry: the companion's id of it and the Zitadel id it names.
struct Entry {
    key: String,
    zitadel_id: String,
    external_id: Option<String>,
}

fn eq(attr: &str, value: &str) -> Result<Filter, BackendError> {
    Filter::parse(&format!("{attr} eq {}", serde_json::Value::from(value)))
        .map_err(|e| BackendError::internal_msg(e.to_string()))
}

impl ZitadelBackend {
    async fn index_entries(
        &self,
        ctx: &Context,
        attr: &str,
        value: &str,
    ) -> Result<Vec<Entry>, BackendError> {
        let query = ListQuery::new()
            .with_filter(eq(attr, value)?)
            .with_page(1, Some(MAX_PER_EXTERNAL_ID));
        let page = self.companion.list_users(ctx, &query).await?;
        Ok(page
            .resources
            .into_iter()
            .filter_map(|u| {
                Some(Entry {
                    key: u.id?,
                    zitadel_id: u.nick_name?,
                    external_id: u.external_id,
                })
            })
            .collect())
    }

    /// The Zitadel ids the index names for this `userName` (case-insensitive) or `externalId`.
    pub(crate) async fn index_find(
        &self,
        ctx: &Context,
        by_external_id: bool,
        value: &str,
    ) -> Vec<String> {
        let attr = if by_external_id {
            "externalId"
        } else {
            "userName"
        };
        // A companion that cannot answer costs the shortcut only.
        self.index_entries(ctx, attr, value)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.zitadel_id)
            .collect()
    }

    /// Zitadel user `id` now has `user_name` (it had `old_name`, if it changed) and
    /// `external_id` (`None`: unchanged, not read). Best effort: see the module docs.
    pub(crate) async fn index_put(
        &self,
        ctx: &Context,
        id: &str,
        old_name: Option<&str>,
        user_name: &str,
        external_id: Option<Option<&str>>,
    ) {
        let _ = self
            .index_write(ctx, id, old_name, user_name, external_id)
            .await;
    }

    async fn index_write(
        &self,
        ctx: &Context,
        id: &str,
        old_name: Option<&str>,
        user_name: &str,
        external_id: Option<Option<&str>>,
    ) -> Result<(), BackendError> {
        let mut kept_external = None;
        if let Some(old) = old_name.filter(|o| !o.eq_ignore_ascii_case(user_name)) {
            for e in self.index_entries(ctx, "userName", old).await? {
                if e.zitadel_id == id {
                    kept_external = e.external_id.clone();
                    self.companion.delete_user(ctx, &e.key, None).await?;
                }
            }
        }
        let current = self.index_entries(ctx, "userName", user_name).await?;
        let external = match external_id {
            Some(x) => x.map(str::to_owned),
            None => current
                .iter()
                .find(|e| e.zitadel_id == id)
                .map_or(kept_external, |e| e.external_id.clone()),
        };
        let mut entry = User::new(user_name.to_owned());
        entry.external_id = external.filter(|x| !x.is_empty());
        entry.nick_name = Some(id.to_owned());
        match current.first() {
            Some(e) if e.zitadel_id == id && e.external_id == entry.external_id => Ok(()),
            // Zitadel keeps userNames unique: an entry of another id is stale.
            Some(e) => self
                .companion
                .replace_user(ctx, &e.key, entry, None)
                .await
                .map(drop),
            None => self.companion.create_user(ctx, entry).await.map(drop),
        }
    }

    /// Zitadel user `id`, which had `user_name`, was deleted.
    pub(crate) async fn index_drop(&self, ctx: &Context, id: &str, user_name: &str) {
        if let Ok(entries) = self.index_entries(ctx, "userName", user_name).await {
            for e in entries.into_iter().filter(|e| e.zitadel_id == id) {
                let _ = self.companion.delete_user(ctx, &e.key, None).await;
            }
        }
    }
}
