//! Authorizations (Zitadel user grants) on existing project roles: the org's roles for every
//! new user, plus the roles mapped to the SCIM groups a user is in, reconciled idempotently
//! on user creation, member changes and group deletion
//! ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2) groups drive them).

use super::ZitadelBackend;
use super::config::ProjectRoles;
use super::wire::{Authorization, ListAuthorizationsResponse};
use crate::auth::Context;
use crate::backend::BackendError;
use crate::resource::{Group, Member};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn add(into: &mut BTreeMap<String, BTreeSet<String>>, roles: &[ProjectRoles]) {
    for r in roles {
        into.entry(r.project_id.clone())
            .or_default()
            .extend(r.role_keys.iter().cloned());
    }
}

impl ZitadelBackend {
    /// Whether the context's org maps any group to roles.
    pub(crate) fn has_group_roles(&self, ctx: &Context) -> bool {
        !self
            .config
            .org(ctx.tenant().as_str())
            .group_roles
            .is_empty()
    }

    async fn authorizations(
        &self,
        ctx: &Context,
        user_id: &str,
    ) -> Result<Vec<Authorization>, BackendError> {
        let caps = self.zcaps().await;
        // v2 filters by `inUserIds`, v2beta by `userId`.
        let user_filter = if caps.authorization_v2 {
            json!({"inUserIds": {"ids": [user_id]}})
        } else {
            json!({"userId": {"id": user_id}})
        };
        let r: ListAuthorizationsResponse = self
            .connect
            .call(
                &format!("{}/ListAuthorizations", caps.authorization_service()),
                &json!({"pagination": {"limit": 1000}, "filters": [
                    user_filter,
                    {"organizationId": {"id": ctx.tenant().as_str()}}]}),
            )
            .await?;
        Ok(r.authorizations)
    }

    /// The new user's authorizations: one `CreateAuthorization` per configured project.
    pub(crate) async fn grant_new_user(
        &self,
        ctx: &Context,
        user_id: &str,
    ) -> Result<(), BackendError> {
        let mut want = BTreeMap::new();
        add(&mut want, &self.config.org(ctx.tenant().as_str()).roles);
        for (project, keys) in want {
            self.create_authorization(ctx, user_id, &project, &keys)
                .await?;
        }
        Ok(())
    }

    async fn create_authorization(
        &self,
        ctx: &Context,
        user_id: &str,
        project: &str,
        keys: &BTreeSet<String>,
    ) -> Result<(), BackendError> {
        let service = self.zcaps().await.authorization_service();
        match self
            .connect
            .call::<_, Value>(
                &format!("{service}/CreateAuthorization"),
                &json!({"userId": user_id, "projectId": project,
                    "organizationId": ctx.tenant().as_str(), "roleKeys": keys}),
            )
            .await
        {
            Ok(_) => Ok(()),
            // A retry whose first attempt went through: reconcile the roles instead.
            Err(e) if e.is("already_exists", None) => self.reconcile_user(ctx, user_id).await,
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes every authorization of the user in the org (before the user is deleted).
    pub(crate) async fn revoke_all(
        &self,
        ctx: &Context,
        user_id: &str,
    ) -> Result<(), BackendError> {
        let service = self.zcaps().await.authorization_service();
        for a in self.authorizations(ctx, user_id).await? {
            self.connect
                .call::<_, Value>(
                    &format!("{service}/DeleteAuthorization"),
                    &json!({"id": a.id}),
                )
                .await?;
        }
        Ok(())
    }

    /// Brings the user's authorizations on configured projects to what its org and groups
    /// grant (create, update or delete; nothing when they already match).
    pub(crate) async fn reconcile_user(
        &self,
        ctx: &Context,
        user_id: &str,
    ) -> Result<(), BackendError> {
        let settings = self.config.org(ctx.tenant().as_str());
        let mut want = BTreeMap::new();
        add(&mut want, &settings.roles);
        let mut managed: BTreeSet<String> = want.keys().cloned().collect();
        for roles in settings.group_roles.values() {
            managed.extend(roles.iter().map(|r| r.project_id.clone()));
        }
        for g in self.groups_of(ctx, user_id).await? {
            if let Some(roles) = g.display.as_ref().and_then(|d| settings.group_roles.get(d)) {
                add(&mut want, roles);
            }
        }
        let service = self.zcaps().await.authorization_service();
        let have = self.authorizations(ctx, user_id).await?;
        for project in &managed {
            let wanted = want.get(project).cloned().unwrap_or_default();
            let existing = have
                .iter()
                .find(|a| a.project_id() == Some(project.as_str()));
            match existing {
                Some(a) if wanted.is_empty() => {
                    self.connect
                        .call::<_, Value>(
                            &format!("{service}/DeleteAuthorization"),
                            &json!({"id": a.id}),
                        )
                        .await?;
                }
                Some(a) => {
                    let current: BTreeSet<String> = a.role_keys().into_iter().collect();
                    if current != wanted {
                        self.connect
                            .call::<_, Value>(
                                &format!("{service}/UpdateAuthorization"),
                                &json!({"id": a.id, "roleKeys": wanted}),
                            )
                            .await?;
                    }
                }
                None if !wanted.is_empty() => {
                    self.connect
                        .call::<_, Value>(
                            &format!("{service}/CreateAuthorization"),
                            &json!({"userId": user_id, "projectId": project,
                                "organizationId": ctx.tenant().as_str(), "roleKeys": wanted}),
                        )
                        .await?;
                }
                None => {}
            }
        }
        Ok(())
    }

    /// Reconciles the users whose membership of `group` changed (`before`: its old members).
    pub(crate) async fn reconcile_group(
        &self,
        ctx: &Context,
        group: &Group,
        before: &[Member],
    ) -> Result<(), BackendError> {
        let settings = self.config.org(ctx.tenant().as_str());
        if !settings.group_roles.contains_key(&group.display_name) {
            return Ok(());
        }
        let now: BTreeSet<&str> = group.members.iter().map(|m| m.value.as_str()).collect();
        let then: BTreeSet<&str> = before.iter().map(|m| m.value.as_str()).collect();
        for user in now.symmetric_difference(&then) {
            self.reconcile_user(ctx, user).await?;
        }
        Ok(())
    }

    /// Reconciles the former members of a deleted group.
    pub(crate) async fn reconcile_deleted_group(
        &self,
        ctx: &Context,
        group: &Group,
    ) -> Result<(), BackendError> {
        if !self
            .config
            .org(ctx.tenant().as_str())
            .group_roles
            .contains_key(&group.display_name)
        {
            return Ok(());
        }
        for m in &group.members {
            self.reconcile_user(ctx, &m.value).await?;
        }
        Ok(())
    }
}
