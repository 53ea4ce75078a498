//! What the backend reads about an org: `OrganizationService/ListOrganizations`,
//! `SettingsService/GetActiveIdentityProviders` (the IdPs active in the org's login settings)
//! and `ProjectService/ListProjectRoles` (API.md §4, §D.9, §D.10).

use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::list::{Pagination, text_matches};
use super::state::State;
use super::wire::{Code, ConnectError, check_len, decode, put, timestamp};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListOrganizationsRequest {
    query: Option<Pagination>,
    sorting_column: Option<String>,
    #[serde(default)]
    queries: Vec<OrgQuery>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(clippy::enum_variant_names)] // the protojson oneof names
enum OrgQuery {
    NameQuery {
        #[serde(default)]
        name: String,
        method: Option<String>,
    },
    DomainQuery {
        #[serde(default)]
        domain: String,
        method: Option<String>,
    },
    StateQuery {
        state: String,
    },
    IdQuery {
        #[serde(default)]
        id: String,
    },
    DefaultQuery {},
}

/// `ListOrganizations` → `{details, sortingColumn?, result[]}`. The first org is the
/// instance's default org; an org's name is its id and its primary domain `<id>.localhost`.
pub(crate) fn list_organizations(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: ListOrganizationsRequest = decode("zitadel.org.v2.ListOrganizationsRequest", body)?;
    let (offset, limit, asc) = Pagination::resolve(req.query.as_ref())?;
    let default_org = state.orgs.keys().next().cloned();
    let mut hits = Vec::new();
    for org in state.orgs.values() {
        let domain = format!("{}.localhost", org.id);
        let mut keep = true;
        for q in &req.queries {
            keep &= match q {
                OrgQuery::NameQuery { name, method } => {
                    text_matches(&org.id, name, method.as_deref(), "TEXT_QUERY_METHOD_")?
                }
                OrgQuery::DomainQuery { domain: d, method } => {
                    text_matches(&domain, d, method.as_deref(), "TEXT_QUERY_METHOD_")?
                }
                OrgQuery::StateQuery { state } => state == "ORGANIZATION_STATE_ACTIVE",
                OrgQuery::IdQuery { id } => *id == org.id,
                OrgQuery::DefaultQuery {} => default_org.as_deref() == Some(org.id.as_str()),
            };
        }
        if keep {
            hits.push(json!({
                "id": org.id,
                "details": {
                    "sequence": "1",
                    "changeDate": timestamp(org.created),
                    "resourceOwner": org.id,
                    "creationDate": timestamp(org.created),
                },
                "state": "ORGANIZATION_STATE_ACTIVE",
                "name": org.id,
                "primaryDomain": domain,
            }));
        }
    }
    if !asc {
        hits.reverse();
    }
    let total = hits.len();
    let mut out = json!({"details": {"timestamp": timestamp(Utc::now())}});
    if total > 0 {
        put(
            &mut out,
            &["details", "totalResult"],
            json!(total.to_string()),
        );
        put(
            &mut out,
            &["result"],
            json!(
                hits.into_iter()
                    .skip(offset)
                    .take(limit)
                    .collect::<Vec<_>>()
            ),
        );
    }
    if let Some(c) = req
        .sorting_column
        .filter(|c| c != "ORGANIZATION_FIELD_NAME_UNSPECIFIED")
    {
        put(&mut out, &["sortingColumn"], json!(c));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ActiveIdpsRequest {
    ctx: Option<RequestContext>,
    creation_allowed: Option<bool>,
    linking_allowed: Option<bool>,
    auto_creation: Option<bool>,
    auto_linking: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RequestContext {
    org_id: Option<String>,
    instance: Option<bool>,
}

/// `GetActiveIdentityProviders` → `{details, identityProviders[]}` of the org in `ctx`.
pub(crate) fn active_idps(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: ActiveIdpsRequest = decode(
        "zitadel.settings.v2.GetActiveIdentityProvidersRequest",
        body,
    )?;
    let org_id = match req.ctx {
        Some(RequestContext {
            org_id: Some(id),
            instance: None,
        }) => id,
        _ => state.orgs.keys().next().cloned().unwrap_or_default(),
    };
    let org = state.orgs.get(&org_id).ok_or_else(|| {
        ConnectError::zitadel(Code::NotFound, "QUERY-6sRZR", "Organisation not found")
    })?;
    // The double's IdPs allow linking and creation, without auto creation or auto linking.
    let wanted = |filter: Option<bool>, has: bool| filter.is_none_or(|f| f == has);
    let idps: Vec<Value> = org
        .idps
        .iter()
        .filter(|i| i.active)
        .filter(|_| {
            wanted(req.creation_allowed, true)
                && wanted(req.linking_allowed, true)
                && wanted(req.auto_creation, false)
                && wanted(req.auto_linking, false)
        })
        .map(|i| {
            json!({
                "id": i.id,
                "name": i.name,
                "type": "IDENTITY_PROVIDER_TYPE_AZURE_AD",
                "options": {"isLinkingAllowed": true, "isCreationAllowed": true, "isAutoUpdate": true},
            })
        })
        .collect();
    let mut out = json!({"details": {"timestamp": timestamp(Utc::now())}});
    if !idps.is_empty() {
        put(
            &mut out,
            &["details", "totalResult"],
            json!(idps.len().to_string()),
        );
        put(&mut out, &["identityProviders"], json!(idps));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListRolesRequest {
    #[serde(default)]
    project_id: String,
    pagination: Option<Pagination>,
    sorting_column: Option<String>,
    #[serde(default)]
    filters: Vec<RoleFilter>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
enum RoleFilter {
    RoleKeyFilter {
        #[serde(default)]
        key: String,
        method: Option<String>,
    },
    DisplayNameFilter {
        #[serde(default, rename = "displayName")]
        display_name: String,
        method: Option<String>,
    },
}

/// `ListProjectRoles` → `{pagination, projectRoles[]}`; a role's display name is its key.
pub(crate) fn list_project_roles(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: ListRolesRequest = decode("zitadel.project.v2beta.ListProjectRolesRequest", body)?;
    check_len("ListProjectRolesRequest.ProjectId", &req.project_id, 1, 200)?;
    let _ = req.sorting_column;
    let (offset, limit, _) = Pagination::resolve(req.pagination.as_ref())?;
    let project = state
        .orgs
        .values()
        .flat_map(|o| o.projects.iter())
        .find(|p| p.id == req.project_id);
    let mut roles = Vec::new();
    for p in project.into_iter() {
        for key in &p.roles {
            let mut keep = true;
            for f in &req.filters {
                keep &= match f {
                    RoleFilter::RoleKeyFilter { key: k, method }
                    | RoleFilter::DisplayNameFilter {
                        display_name: k,
                        method,
                    } => text_matches(key, k, method.as_deref(), "TEXT_FILTER_METHOD_")?,
                };
            }
            if keep {
                roles.push(json!({
                    "projectId": p.id,
                    "key": key,
                    "creationDate": timestamp(p.created),
                    "changeDate": timestamp(p.created),
                    "displayName": key,
                }));
            }
        }
    }
    let mut out = json!({"pagination": {"appliedLimit": limit.to_string()}});
    if !roles.is_empty() {
        put(
            &mut out,
            &["pagination", "totalResult"],
            json!(roles.len().to_string()),
        );
        put(
            &mut out,
            &["projectRoles"],
            json!(
                roles
                    .into_iter()
                    .skip(offset)
                    .take(limit)
                    .collect::<Vec<_>>()
            ),
        );
    }
    Ok(out)
}
