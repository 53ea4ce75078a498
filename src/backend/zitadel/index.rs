//! The index of the users this backend wrote, kept in the companion store: `userName` →
//! Zitadel user id, and the set of Zitadel ids of the org written through SCIM. Zitadel's
//! `ListUsers` lags behind writes and `GetUserByID` does not, so a `userName` lookup right after
//! a create or a rename, by this process, another replica or after a restart, reads the id here
//! and confirms the user with `GetUserByID`
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2): a client finds
//! what it just wrote); and a group member that is in the index was checked against Zitadel
//! when it was written, so adding it costs no Zitadel call. The SCIM server keeps no state of
//! its own: the index is as durable and as shared as the companion (a SQL store in production).
//!
//! An entry is a companion user of the org whose `userName` is the SCIM user's and whose
//! `externalId` is the Zitadel id (both are the companion's indexed equalities). Only this
//! backend writes entries, after Zitadel accepted the write in the key's org, so an entry never
//! names another org's user. For lookups an entry is a hint, confirmed against Zitadel: one
//! left stale by a change made outside SCIM (in Zitadel's console) is corrected when a lookup
//! reads it (a user renamed there: the entry takes its new name; a user deleted there: the
//! entry goes and the user leaves every group, as when `GetUserByID` of any read by id finds
//! no such user), and the lookup goes on (`ListUsers`). Until then a member check trusts the
//! entry (no Zitadel call), so a user deleted in the console and not looked up since can be
//! added to a group; it leaves it when noticed. A failed index write loses nothing but the
//! shortcut: the lookup falls back to `ListUsers`, the member check to one `ListUsers` per
//! batch.

use super::ZitadelBackend;
use crate::auth::Context;
use crate::backend::BackendError;
use crate::filter::Filter;
use crate::query::ListQuery;
use crate::resource::User;
use std::collections::HashSet;

/// Ids asked in one companion query.
const BATCH: usize = 50;

/// An index entry: the companion's id of it, the `userName` and the Zitadel id it names.
struct Entry {
    key: String,
    user_name: String,
    zitadel_id: String,
}

fn either(attr: &str, values: &[&str]) -> Result<Filter, BackendError> {
    let terms: Vec<String> = values
        .iter()
        .map(|v| format!("{attr} eq {}", serde_json::Value::from(*v)))
        .collect();
    Filter::parse(&terms.join(" or ")).map_err(|e| BackendError::internal_msg(e.to_string()))
}

impl ZitadelBackend {
    async fn index_entries(
        &self,
        ctx: &Context,
        attr: &str,
        values: &[&str],
    ) -> Result<Vec<Entry>, BackendError> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let query = ListQuery::new().with_filter(either(attr, values)?);
        let page = self.companion.list_users(ctx, &query).await?;
        Ok(page
            .resources
            .into_iter()
            .filter_map(|u| {
                Some(Entry {
                    key: u.id?,
                    zitadel_id: u.external_id?,
                    user_name: u.user_name,
                })
            })
            .collect())
    }

    /// The Zitadel id the index names for this `userName` (case-insensitive).
    pub(crate) async fn index_find(&self, ctx: &Context, user_name: &str) -> Option<String> {
        // A companion that cannot answer costs the shortcut only.
        let entries = self.index_entries(ctx, "userName", &[user_name]).await;
        entries.ok()?.into_iter().next().map(|e| e.zitadel_id)
    }

    /// Which of `ids` the index holds: users of the context's org written through SCIM.
    pub(crate) async fn index_known(&self, ctx: &Context, ids: &[&str]) -> HashSet<String> {
        let mut known = HashSet::new();
        for batch in ids.chunks(BATCH) {
            if let Ok(entries) = self.index_entries(ctx, "externalId", batch).await {
                known.extend(entries.into_iter().map(|e| e.zitadel_id));
            }
        }
        known
    }

    /// Zitadel user `id` of the context's org now has `user_name`. Best effort: see the
    /// module docs.
    pub(crate) async fn index_put(&self, ctx: &Context, id: &str, user_name: &str) {
        let _ = self.index_write(ctx, id, user_name).await;
    }

    async fn index_write(
        &self,
        ctx: &Context,
        id: &str,
        user_name: &str,
    ) -> Result<(), BackendError> {
        let mut present = false;
        for e in self.index_entries(ctx, "externalId", &[id]).await? {
            if e.user_name.eq_ignore_ascii_case(user_name) && !present {
                present = true;
            } else {
                // its old name (a rename), or a duplicate
                self.companion.delete_user(ctx, &e.key, None).await?;
            }
        }
        if present {
            return Ok(());
        }
        let mut entry = User::new(user_name.to_owned());
        entry.external_id = Some(id.to_owned());
        // Zitadel keeps userNames unique: an entry of another id under this name is stale.
        match self
            .index_entries(ctx, "userName", &[user_name])
            .await?
            .first()
        {
            Some(stale) => self
                .companion
                .replace_user(ctx, &stale.key, entry, None)
                .await
                .map(drop),
            None => self.companion.create_user(ctx, entry).await.map(drop),
        }
    }

    /// Zitadel says user `id` does not exist (`GetUserByID`: not found), e.g. deleted in
    /// Zitadel's console: it leaves every group of the context's tenant, then its index entry
    /// goes. Best effort: if leaving fails, the entry stays, so the next lookup that reads it
    /// tries again.
    pub(crate) async fn gone(&self, ctx: &Context, id: &str) {
        if self.leave_all_groups(ctx, id).await.is_ok() {
            self.index_drop(ctx, id).await;
        }
    }

    /// Zitadel user `id` was deleted.
    pub(crate) async fn index_drop(&self, ctx: &Context, id: &str) {
        if let Ok(entries) = self.index_entries(ctx, "externalId", &[id]).await {
            for e in entries {
                let _ = self.companion.delete_user(ctx, &e.key, None).await;
            }
        }
    }
}
