//! User metadata (`Set/List/DeleteUserMetadata`) and IdP links (`AddIDPLink`, `ListIDPLinks`,
//! `RemoveIDPLink`) of `zitadel.user.v2.UserService` (RELEASED.md §3, API.md §2, §3).
//!
//! Metadata-only changes do not move the user's `changeDate`/`sequence`; setting an unchanged
//! value is a no-op; deleting an unknown key fails the whole call (`META-2nnds`); a missing
//! user is `failed_precondition` (`COMMAND-uXHNj`, `COMMAND-vzktar7b7f` for links).

use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::input::{LinkIn, MetaIn};
use super::list::{Pagination, text_matches};
use super::state::{Meta, State};
use super::users::{check_links, precondition_user_missing};
use super::wire::{Code, ConnectError, check_len, decode, put, timestamp};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetRequest {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    metadata: Vec<MetaIn>,
}

/// `SetUserMetadata` → `{setDate}` (upsert; other keys untouched).
pub(crate) fn set(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: SetRequest = decode("zitadel.user.v2.SetUserMetadataRequest", body)?;
    check_len("SetUserMetadataRequest.UserId", &req.user_id, 1, 200)?;
    if req.metadata.is_empty() {
        // No validator rule: the command refuses an empty bulk (id: the double's own).
        return Err(ConnectError::zitadel(
            Code::FailedPrecondition,
            "META-9mm2d",
            "No metadata given",
        ));
    }
    let mut user = state
        .users
        .get(&req.user_id)
        .cloned()
        .ok_or_else(precondition_user_missing)?;
    let now = Utc::now();
    let mut changed = false;
    for entry in &req.metadata {
        let (key, value) = entry.check(false)?;
        match user.metadata.get_mut(&key) {
            Some(m) if m.value == value => {}
            Some(m) => {
                m.value = value;
                m.changed = now;
                changed = true;
            }
            None => {
                user.metadata.insert(
                    key,
                    Meta {
                        value,
                        created: now,
                        changed: now,
                    },
                );
                changed = true;
            }
        }
    }
    if changed {
        state.commit(&req.user_id, Some(user));
    }
    Ok(json!({"setDate": timestamp(now)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListRequest {
    #[serde(default)]
    user_id: String,
    pagination: Option<Pagination>,
    #[serde(default)]
    filters: Vec<MetadataFilter>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
enum MetadataFilter {
    KeyFilter(KeyFilter),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyFilter {
    #[serde(default)]
    key: String,
    method: Option<String>,
}

/// `ListUserMetadata` → `{pagination, metadata[]}`.
pub(crate) fn list(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: ListRequest = decode("zitadel.user.v2.ListUserMetadataRequest", body)?;
    check_len("ListUserMetadataRequest.UserId", &req.user_id, 1, 200)?;
    let (offset, limit, _) = Pagination::resolve(req.pagination.as_ref())?;
    let Some(user) = state.users.get(&req.user_id) else {
        return Ok(json!({"pagination": {"appliedLimit": limit.to_string()}}));
    };
    let mut entries = Vec::new();
    for (entry, (key, _)) in user.metadata_json().into_iter().zip(&user.metadata) {
        let mut keep = true;
        for MetadataFilter::KeyFilter(f) in &req.filters {
            keep &= text_matches(key, &f.key, f.method.as_deref(), "TEXT_FILTER_METHOD_")?;
        }
        if keep {
            entries.push(entry);
        }
    }
    let total = entries.len();
    let page: Vec<Value> = entries.into_iter().skip(offset).take(limit).collect();
    let mut out = json!({"pagination": {"appliedLimit": limit.to_string()}});
    if total > 0 {
        put(
            &mut out,
            &["pagination", "totalResult"],
            json!(total.to_string()),
        );
        put(&mut out, &["metadata"], json!(page));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeleteRequest {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    keys: Vec<String>,
}

/// `DeleteUserMetadata` → `{deletionDate}`; any unknown key fails the call.
pub(crate) fn delete(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: DeleteRequest = decode("zitadel.user.v2.DeleteUserMetadataRequest", body)?;
    check_len("DeleteUserMetadataRequest.UserId", &req.user_id, 1, 200)?;
    if req.keys.is_empty() {
        // No validator rule: the command refuses an empty bulk (id: the double's own).
        return Err(ConnectError::zitadel(
            Code::FailedPrecondition,
            "META-9mw2d",
            "No metadata given",
        ));
    }
    for key in &req.keys {
        check_len("DeleteUserMetadataRequest.Keys[]", key, 1, 200)?;
    }
    let mut user = state
        .users
        .get(&req.user_id)
        .cloned()
        .ok_or_else(precondition_user_missing)?;
    for key in &req.keys {
        if user.metadata.remove(key).is_none() {
            return Err(ConnectError::zitadel(
                Code::NotFound,
                "META-2nnds",
                "Metadata key does not exist",
            ));
        }
    }
    state.commit(&req.user_id, Some(user));
    Ok(json!({"deletionDate": timestamp(Utc::now())}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AddLinkRequest {
    #[serde(default)]
    user_id: String,
    idp_link: Option<LinkIn>,
}

/// `AddIDPLink` → `{details}`; a link held by anyone in the instance is `already_exists`.
pub(crate) fn add_link(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: AddLinkRequest = decode("zitadel.user.v2.AddIDPLinkRequest", body)?;
    check_len("AddIDPLinkRequest.UserId", &req.user_id, 1, 200)?;
    let link = req.idp_link.ok_or_else(|| {
        ConnectError::invalid("invalid AddIDPLinkRequest.IdpLink: value is required")
    })?;
    let mut user = state.users.get(&req.user_id).cloned().ok_or_else(|| {
        ConnectError::zitadel(
            Code::FailedPrecondition,
            "COMMAND-vzktar7b7f",
            "User could not be found",
        )
    })?;
    let mut links = check_links(state, std::slice::from_ref(&link))?;
    user.links.append(&mut links);
    user.changed = Utc::now();
    user.sequence = state.next_sequence();
    let details = user.details();
    state.commit(&req.user_id, Some(user));
    Ok(json!({"details": details}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListLinksRequest {
    #[serde(default)]
    user_id: String,
    query: Option<Pagination>,
}

/// `ListIDPLinks` → `{details, result[]}`.
pub(crate) fn list_links(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: ListLinksRequest = decode("zitadel.user.v2.ListIDPLinksRequest", body)?;
    check_len("ListIDPLinksRequest.UserId", &req.user_id, 1, 200)?;
    let (offset, limit, _) = Pagination::resolve(req.query.as_ref())?;
    let links: Vec<Value> = state
        .users
        .get(&req.user_id)
        .map(|u| {
            u.links
                .iter()
                .map(|l| json!({"idpId": l.idp_id, "userId": l.user_id, "userName": l.user_name}))
                .collect()
        })
        .unwrap_or_default();
    let mut out = json!({"details": {"timestamp": timestamp(Utc::now())}});
    if !links.is_empty() {
        put(
            &mut out,
            &["details", "totalResult"],
            json!(links.len().to_string()),
        );
        put(
            &mut out,
            &["result"],
            json!(
                links
                    .into_iter()
                    .skip(offset)
                    .take(limit)
                    .collect::<Vec<_>>()
            ),
        );
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RemoveLinkRequest {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    idp_id: String,
    #[serde(default)]
    linked_user_id: String,
}

/// `RemoveIDPLink` → `{details}`; a link the user does not have is `not_found`.
pub(crate) fn remove_link(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: RemoveLinkRequest = decode("zitadel.user.v2.RemoveIDPLinkRequest", body)?;
    check_len("RemoveIDPLinkRequest.UserId", &req.user_id, 1, 200)?;
    check_len("RemoveIDPLinkRequest.IdpId", &req.idp_id, 1, 200)?;
    check_len(
        "RemoveIDPLinkRequest.LinkedUserId",
        &req.linked_user_id,
        1,
        200,
    )?;
    let not_found =
        || ConnectError::zitadel(Code::NotFound, "COMMAND-1M9xR", "External IDP not found");
    let mut user = state
        .users
        .get(&req.user_id)
        .cloned()
        .ok_or_else(not_found)?;
    let before = user.links.len();
    user.links
        .retain(|l| !(l.idp_id == req.idp_id && l.user_id == req.linked_user_id));
    if user.links.len() == before {
        return Err(not_found());
    }
    user.changed = Utc::now();
    user.sequence = state.next_sequence();
    let details = user.details();
    state.commit(&req.user_id, Some(user));
    Ok(json!({"details": details}))
}
