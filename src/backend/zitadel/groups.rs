//! Groups in the companion store with Zitadel users as members: members are checked against
//! Zitadel (one `ListUsers` per batch), a user's `groups` come from the companion, and a
//! deleted user leaves every group
//! ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2)).

use super::ZitadelBackend;
use super::users::method;
use super::wire::ListUsersResponse;
use crate::auth::Context;
use crate::backend::BackendError;
use crate::filter::Filter;
use crate::query::{ListQuery, Selection};
use crate::resource::{GroupRef, Member};
use serde_json::json;
use std::collections::HashSet;

/// Members checked per `ListUsers` call.
const BATCH: usize = 100;

impl ZitadelBackend {
    /// 400 `invalidValue` unless every member is a human user of the context's org. Members in
    /// the companion's index were checked when this backend wrote them: no Zitadel call. The
    /// others: one `ListUsers` per batch; ids it does not list yet (it lags behind writes) are
    /// read with `GetUserByID`.
    pub(crate) async fn check_members(
        &self,
        ctx: &Context,
        members: &[Member],
    ) -> Result<(), BackendError> {
        let org = ctx.tenant().as_str();
        let all: Vec<&str> = members.iter().map(|m| m.value.as_str()).collect();
        let known = self.index_known(ctx, &all).await;
        let ids: Vec<&str> = all.into_iter().filter(|id| !known.contains(*id)).collect();
        for batch in ids.chunks(BATCH) {
            let r: ListUsersResponse = self
                .connect
                .call(
                    &method("ListUsers"),
                    &json!({"query": {"limit": batch.len()}, "queries": [
                        {"organizationIdQuery": {"organizationId": org}},
                        {"inUserIdsQuery": {"userIds": batch}}]}),
                )
                .await?;
            let listed: HashSet<&str> = r
                .result
                .iter()
                .filter(|z| z.org() == Some(org) && z.human.is_some())
                .map(|z| z.user_id.as_str())
                .collect();
            for id in batch.iter().filter(|id| !listed.contains(**id)) {
                if self.fetch(ctx, id).await.is_err() {
                    return Err(BackendError::invalid_value(format!(
                        "member {id:?} is not a user of this organisation"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The groups `user_id` is a direct member of, from the companion.
    pub(crate) async fn groups_of(
        &self,
        ctx: &Context,
        user_id: &str,
    ) -> Result<Vec<GroupRef>, BackendError> {
        let filter = Filter::parse(&format!(
            "members[value eq {}]",
            serde_json::Value::from(user_id)
        ))
        .map_err(|e| BackendError::internal_msg(e.to_string()))?;
        let query = ListQuery::new()
            .with_filter(filter)
            .with_selection(Selection::excluding(&["members"]));
        let page = self.companion.list_groups(ctx, &query).await?;
        Ok(page
            .resources
            .into_iter()
            .filter_map(|g| {
                Some(GroupRef {
                    value: Some(g.id?),
                    display: Some(g.display_name),
                    kind: Some("direct".into()),
                    ..GroupRef::default()
                })
            })
            .collect())
    }

    /// Removes a deleted user from every group of the companion.
    pub(crate) async fn leave_all_groups(
        &self,
        ctx: &Context,
        user_id: &str,
    ) -> Result<(), BackendError> {
        let remove = [user_id.to_owned()];
        for g in self.groups_of(ctx, user_id).await? {
            if let Some(gid) = g.value {
                match self
                    .companion
                    .modify_group_members(
                        ctx,
                        &gid,
                        &[],
                        &remove,
                        None,
                        &Selection::excluding(&["members"]),
                    )
                    .await
                {
                    Ok(_) => {}
                    Err(e) if e.status().as_u16() == 404 => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}
