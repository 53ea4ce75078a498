//! Authorizations (user grants) on existing project roles: `zitadel.authorization.v2` (GA since
//! v4.6, `organizationId` required) and `zitadel.authorization.v2beta` (all v4; flat shape,
//! `userId` filter, roles as strings) — RELEASED.md §3, `@zitadel/proto@1.3.1` v2beta schemas.

use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::list::{Pagination, text_matches};
use super::state::{Authz, State};
use super::users::precondition_user_missing;
use super::wire::{Code, ConnectError, check_len, decode, put, timestamp};

/// Which generation of the service answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    V2,
    V2Beta,
}

impl Api {
    fn package(self) -> &'static str {
        match self {
            Api::V2 => "zitadel.authorization.v2",
            Api::V2Beta => "zitadel.authorization.v2beta",
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateRequest {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    project_id: String,
    organization_id: Option<String>,
    #[serde(default)]
    role_keys: Vec<String>,
}

/// protoc-gen-validate on `roleKeys`: `repeated.unique`, items 1..200.
fn validate_keys(keys: &[String]) -> Result<(), ConnectError> {
    for (i, key) in keys.iter().enumerate() {
        check_len("AuthorizationRequest.RoleKeys[]", key, 1, 200)?;
        if keys.iter().take(i).any(|k| k == key) {
            return Err(ConnectError::invalid(
                "invalid AuthorizationRequest.RoleKeys: repeated value must contain unique items",
            ));
        }
    }
    Ok(())
}

fn check_roles(state: &State, project_id: &str, keys: &[String]) -> Result<(), ConnectError> {
    let project = state
        .orgs
        .values()
        .flat_map(|o| o.projects.iter())
        .find(|p| p.id == project_id)
        .ok_or_else(|| {
            ConnectError::zitadel(
                Code::FailedPrecondition,
                "PROJECT-m9fsL",
                "Project not found",
            )
        })?;
    if keys.iter().any(|k| !project.roles.contains(k)) {
        return Err(ConnectError::zitadel(
            Code::FailedPrecondition,
            "COMMAND-4m9vS",
            "Project role not found",
        ));
    }
    Ok(())
}

/// `CreateAuthorization` → `{id, creationDate}`; one per (org, user, project).
pub(crate) fn create(state: &mut State, body: &[u8], api: Api) -> Result<Value, ConnectError> {
    let req: CreateRequest = decode(
        &format!("{}.CreateAuthorizationRequest", api.package()),
        body,
    )?;
    check_len("CreateAuthorizationRequest.UserId", &req.user_id, 1, 200)?;
    check_len(
        "CreateAuthorizationRequest.ProjectId",
        &req.project_id,
        1,
        200,
    )?;
    validate_keys(&req.role_keys)?;
    if api == Api::V2 && req.organization_id.is_none() {
        return Err(ConnectError::invalid(
            "invalid CreateAuthorizationRequest.OrganizationId: value length must be between 1 and 200 runes, inclusive",
        ));
    }
    if !state.users.contains_key(&req.user_id) {
        return Err(precondition_user_missing());
    }
    check_roles(state, &req.project_id, &req.role_keys)?;
    let owner = state
        .orgs
        .values()
        .find(|o| o.projects.iter().any(|p| p.id == req.project_id))
        .map(|o| o.id.clone())
        .unwrap_or_default();
    let org = req.organization_id.unwrap_or_else(|| owner.clone());
    if org != owner {
        return Err(ConnectError::zitadel(
            Code::FailedPrecondition,
            "COMMAND-3M9sd",
            "Project is not owned by or granted to the organization",
        ));
    }
    let duplicate = state
        .authz
        .values()
        .any(|a| a.user_id == req.user_id && a.project_id == req.project_id && a.org == org);
    if duplicate {
        return Err(ConnectError::zitadel(
            Code::AlreadyExists,
            "V3-DKcYh",
            "User grant already exists",
        ));
    }
    let now = Utc::now();
    let id = state.new_id();
    state.authz.insert(
        id.clone(),
        Authz {
            id: id.clone(),
            user_id: req.user_id,
            project_id: req.project_id,
            org,
            roles: req.role_keys,
            created: now,
            changed: now,
        },
    );
    Ok(json!({"id": id, "creationDate": timestamp(now)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateRequest {
    #[serde(default)]
    id: String,
    #[serde(default)]
    role_keys: Vec<String>,
}

/// `UpdateAuthorization` → `{changeDate}`; replaces the role keys.
pub(crate) fn update(state: &mut State, body: &[u8], api: Api) -> Result<Value, ConnectError> {
    let req: UpdateRequest = decode(
        &format!("{}.UpdateAuthorizationRequest", api.package()),
        body,
    )?;
    check_len("UpdateAuthorizationRequest.Id", &req.id, 1, 200)?;
    validate_keys(&req.role_keys)?;
    let project = state
        .authz
        .get(&req.id)
        .map(|a| a.project_id.clone())
        .ok_or_else(|| {
            ConnectError::zitadel(Code::NotFound, "COMMAND-5m9sd", "User grant not found")
        })?;
    check_roles(state, &project, &req.role_keys)?;
    let now = Utc::now();
    let a = state.authz.get_mut(&req.id).ok_or_else(|| {
        ConnectError::zitadel(Code::NotFound, "COMMAND-5m9sd", "User grant not found")
    })?;
    if a.roles != req.role_keys {
        a.roles = req.role_keys;
        a.changed = now;
    }
    Ok(json!({"changeDate": timestamp(a.changed)}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteRequest {
    #[serde(default)]
    id: String,
}

/// `DeleteAuthorization` → `{deletionDate}`; success when it does not exist.
pub(crate) fn delete(state: &mut State, body: &[u8], api: Api) -> Result<Value, ConnectError> {
    let req: DeleteRequest = decode(
        &format!("{}.DeleteAuthorizationRequest", api.package()),
        body,
    )?;
    check_len("DeleteAuthorizationRequest.Id", &req.id, 1, 200)?;
    state.authz.remove(&req.id);
    Ok(json!({"deletionDate": timestamp(Utc::now())}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListRequest {
    pagination: Option<Pagination>,
    sorting_column: Option<String>,
    #[serde(default)]
    filters: Vec<Filter>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ids {
    #[serde(default)]
    ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Id {
    #[serde(default)]
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
enum Filter {
    AuthorizationIds(Ids),
    OrganizationId(Id),
    State {
        state: String,
    },
    /// v2beta only.
    UserId(Id),
    /// v2 only.
    InUserIds(Ids),
    UserOrganizationId(Id),
    ProjectId(Id),
    RoleKey {
        #[serde(default)]
        key: String,
        method: Option<String>,
    },
}

/// `ListAuthorizations` → `{pagination, authorizations[]}` in the shape of `api`.
pub(crate) fn list(state: &mut State, body: &[u8], api: Api) -> Result<Value, ConnectError> {
    let req: ListRequest = decode(
        &format!("{}.ListAuthorizationsRequest", api.package()),
        body,
    )?;
    let _ = req.sorting_column;
    let (offset, limit, asc) = Pagination::resolve(req.pagination.as_ref())?;
    let mut hits = Vec::new();
    for a in state.authz.values() {
        let user = state.users.get(&a.user_id);
        let mut keep = true;
        for f in &req.filters {
            keep &= match f {
                Filter::AuthorizationIds(ids) => ids.ids.contains(&a.id),
                Filter::OrganizationId(id) => a.org == id.id,
                Filter::State { state } => state == "STATE_ACTIVE",
                Filter::UserId(id) if api == Api::V2Beta => a.user_id == id.id,
                Filter::InUserIds(ids) if api == Api::V2 => ids.ids.contains(&a.user_id),
                Filter::UserId(_) | Filter::InUserIds(_) => {
                    let name = if matches!(f, Filter::UserId(_)) {
                        "userId"
                    } else {
                        "inUserIds"
                    };
                    return Err(ConnectError::invalid(format!(
                        "proto: unknown field \"{name}\" in {}.AuthorizationsSearchFilter",
                        api.package()
                    )));
                }
                Filter::UserOrganizationId(id) => user.is_some_and(|u| u.org == id.id),
                Filter::ProjectId(id) => a.project_id == id.id,
                Filter::RoleKey { key, method } => {
                    let mut any = false;
                    for r in &a.roles {
                        any |= text_matches(r, key, method.as_deref(), "TEXT_FILTER_METHOD_")?;
                    }
                    any
                }
            };
        }
        if keep {
            hits.push(to_json(a, state, api));
        }
    }
    if !asc {
        hits.reverse();
    }
    let mut out = json!({"pagination": {"appliedLimit": limit.to_string()}});
    if !hits.is_empty() {
        put(
            &mut out,
            &["pagination", "totalResult"],
            json!(hits.len().to_string()),
        );
        put(
            &mut out,
            &["authorizations"],
            json!(
                hits.into_iter()
                    .skip(offset)
                    .take(limit)
                    .collect::<Vec<_>>()
            ),
        );
    }
    Ok(out)
}

fn to_json(a: &Authz, state: &State, api: Api) -> Value {
    let mut user = json!({"id": a.user_id});
    if let Some(u) = state.users.get(&a.user_id) {
        put(&mut user, &["preferredLoginName"], json!(u.username));
        put(&mut user, &["organizationId"], json!(u.org));
        if let super::state::Kind::Human(h) = &u.kind {
            put(&mut user, &["displayName"], json!(h.display));
        }
    }
    let mut out = json!({
        "id": a.id,
        "creationDate": timestamp(a.created),
        "changeDate": timestamp(a.changed),
        "state": "STATE_ACTIVE",
        "user": user,
    });
    match api {
        Api::V2Beta => {
            put(&mut out, &["projectId"], json!(a.project_id));
            put(&mut out, &["projectName"], json!(a.project_id));
            put(&mut out, &["projectOrganizationId"], json!(a.org));
            put(&mut out, &["organizationId"], json!(a.org));
            if !a.roles.is_empty() {
                put(&mut out, &["roles"], json!(a.roles));
            }
        }
        Api::V2 => {
            put(
                &mut out,
                &["project"],
                json!({"id": a.project_id, "name": a.project_id, "organizationId": a.org}),
            );
            put(
                &mut out,
                &["organization"],
                json!({"id": a.org, "name": a.org}),
            );
            if !a.roles.is_empty() {
                let roles: Vec<Value> = a
                    .roles
                    .iter()
                    .map(|r| json!({"key": r, "displayName": r}))
                    .collect();
                put(&mut out, &["roles"], json!(roles));
            }
        }
    }
    out
}
