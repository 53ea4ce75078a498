//! `zitadel.user.v2.UserService`: create, read, update, delete, deactivate and reactivate users
//! (RELEASED.md §3; errors by Connect code and Zitadel id, as released v4.x answers them).

use std::collections::BTreeMap;

use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ZitadelVersion;
use super::input::{EmailIn, LinkIn, MetaIn, PasswordIn, PhoneIn, ProfileIn, one_of};
use super::state::{Kind, Link, Meta, State, UserRec, UserState};
use super::wire::{Code, ConnectError, check_len, decode, timestamp};

fn user_not_found(id: &'static str) -> ConnectError {
    ConnectError::zitadel(Code::NotFound, id, "User could not be found")
}

/// `failed_precondition` for writes on a missing user (`COMMAND-uXHNj`).
pub(crate) fn precondition_user_missing() -> ConnectError {
    ConnectError::zitadel(
        Code::FailedPrecondition,
        "COMMAND-uXHNj",
        "User could not be found",
    )
}

fn username_taken() -> ConnectError {
    ConnectError::zitadel(Code::AlreadyExists, "V3-DKcYh", "User already exists")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateUserRequest {
    organization_id: String,
    user_id: Option<String>,
    username: Option<String>,
    human: Option<CreateHuman>,
    machine: Option<MachineIn>,
    metadata: Option<Vec<MetaIn>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateHuman {
    profile: Option<ProfileIn>,
    email: Option<EmailIn>,
    phone: Option<PhoneIn>,
    password: Option<PasswordIn>,
    hashed_password: Option<Value>,
    #[serde(default)]
    idp_links: Vec<LinkIn>,
    totp_secret: Option<String>,
    metadata: Option<Vec<MetaIn>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MachineIn {
    name: Option<String>,
    description: Option<String>,
}

/// What both create RPCs hand to [`create`].
struct NewUser {
    org: String,
    user_id: Option<String>,
    username: Option<String>,
    kind: Kind,
    links: Vec<LinkIn>,
    metadata: Vec<MetaIn>,
}

/// `CreateUser` → `{id, creationDate}`.
pub(crate) fn create_user(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: CreateUserRequest = decode("zitadel.user.v2.CreateUserRequest", body)?;
    let root_meta = req.metadata;
    if root_meta.is_some() && state.version < ZitadelVersion::V4_13 {
        return Err(ConnectError::invalid(
            "proto: unknown field \"metadata\" in zitadel.user.v2.CreateUserRequest",
        ));
    }
    one_of(
        "user_type",
        &[req.human.is_some(), req.machine.is_some()],
        true,
    )?;
    let (kind, links, metadata) = match (req.human, req.machine) {
        (Some(h), _) => {
            if root_meta.is_some() && h.metadata.is_some() {
                return Err(ConnectError::invalid(
                    "invalid CreateUserRequest: only one of metadata and human.metadata may be set",
                ));
            }
            if let Some(p) = &h.password {
                p.check()?;
            }
            let _ = (&h.hashed_password, &h.totp_secret);
            let email = h.email.ok_or_else(|| {
                ConnectError::invalid("invalid CreateUserRequest_Human.Email: value is required")
            })?;
            let mut human = h
                .profile
                .ok_or_else(|| {
                    ConnectError::invalid(
                        "invalid CreateUserRequest_Human.Profile: value is required",
                    )
                })?
                .into_new_human()?;
            email.apply(&mut human)?;
            if let Some(phone) = h.phone {
                phone.apply(&mut human)?;
            }
            let meta = root_meta.or(h.metadata).unwrap_or_default();
            (Kind::Human(human), h.idp_links, meta)
        }
        (None, Some(m)) => {
            let name = m.name.unwrap_or_default();
            check_len("CreateUserRequest_Machine.Name", &name, 1, 200)?;
            let kind = Kind::Machine {
                name,
                description: m.description.unwrap_or_default(),
            };
            (kind, Vec::new(), root_meta.unwrap_or_default())
        }
        (None, None) => {
            return Err(ConnectError::invalid(
                "invalid CreateUserRequest: user_type is required",
            ));
        }
    };
    let user = create(
        state,
        NewUser {
            org: req.organization_id,
            user_id: req.user_id,
            username: req.username,
            kind,
            links,
            metadata,
        },
    )?;
    Ok(json!({"id": user.id, "creationDate": timestamp(user.created)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AddHumanUserRequest {
    user_id: Option<String>,
    username: Option<String>,
    organization: Option<OrganizationIn>,
    profile: Option<ProfileIn>,
    email: Option<EmailIn>,
    phone: Option<PhoneIn>,
    #[serde(default)]
    metadata: Vec<MetaIn>,
    password: Option<PasswordIn>,
    hashed_password: Option<Value>,
    #[serde(default)]
    idp_links: Vec<LinkIn>,
    totp_secret: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OrganizationIn {
    org_id: Option<String>,
    org_domain: Option<String>,
}

/// `AddHumanUser` (deprecated in v4, still served) → `{userId, details}`.
pub(crate) fn add_human_user(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: AddHumanUserRequest = decode("zitadel.user.v2.AddHumanUserRequest", body)?;
    let org = match req.organization {
        Some(OrganizationIn {
            org_id: Some(id),
            org_domain: None,
        }) => id,
        Some(OrganizationIn {
            org_id: None,
            org_domain: Some(domain),
        }) => state
            .orgs
            .keys()
            .find(|id| format!("{id}.localhost") == domain)
            .cloned()
            .unwrap_or(domain),
        _ => {
            return Err(ConnectError::invalid(
                "invalid AddHumanUserRequest.Organization: exactly one of org_id, org_domain is required",
            ));
        }
    };
    if let Some(p) = &req.password {
        p.check()?;
    }
    let _ = (&req.hashed_password, &req.totp_secret);
    let mut human = req
        .profile
        .ok_or_else(|| {
            ConnectError::invalid("invalid AddHumanUserRequest.Profile: value is required")
        })?
        .into_new_human()?;
    req.email
        .ok_or_else(|| {
            ConnectError::invalid("invalid AddHumanUserRequest.Email: value is required")
        })?
        .apply(&mut human)?;
    if let Some(phone) = req.phone {
        phone.apply(&mut human)?;
    }
    let user = create(
        state,
        NewUser {
            org,
            user_id: req.user_id,
            username: req.username,
            kind: Kind::Human(human),
            links: req.idp_links,
            metadata: req.metadata,
        },
    )?;
    Ok(json!({"userId": user.id, "details": user.details()}))
}

/// The command both create RPCs share: ids, uniqueness, links and metadata in one event push.
fn create(state: &mut State, new: NewUser) -> Result<UserRec, ConnectError> {
    check_len("CreateUserRequest.OrganizationId", &new.org, 1, 200)?;
    if !state.orgs.contains_key(&new.org) {
        // Zitadel checks the resource owner before anything else.
        return Err(ConnectError::zitadel(
            Code::FailedPrecondition,
            "COMMAND-3m9fs",
            "Organisation not found",
        ));
    }
    let id = match new.user_id {
        Some(id) => {
            check_len("CreateUserRequest.UserId", &id, 1, 200)?;
            if state.users.contains_key(&id) {
                return Err(ConnectError::zitadel(
                    Code::FailedPrecondition,
                    "COMMAND-7yiox1isql",
                    "User already exists",
                ));
            }
            id
        }
        None => state.new_id(),
    };
    let username = match (new.username, &new.kind) {
        (Some(u), _) => u,
        (None, Kind::Human(h)) => h.email.clone(),
        (None, Kind::Machine { .. }) => id.clone(),
    };
    check_len("CreateUserRequest.Username", &username, 1, 200)?;
    if state.username_owner(&username).is_some() {
        return Err(username_taken());
    }
    let links = check_links(state, &new.links)?;
    let now = Utc::now();
    let metadata = metadata_entries(&new.metadata, now)?;
    let sequence = state.next_sequence();
    let user = UserRec {
        id: id.clone(),
        org: new.org,
        username,
        state: UserState::Active,
        kind: new.kind,
        metadata,
        links,
        created: now,
        changed: now,
        sequence,
    };
    state.commit(&id, Some(user.clone()));
    Ok(user)
}

/// Validates IdP links: known IdP, not taken by another user, not twice in the request.
pub(crate) fn check_links(state: &State, links: &[LinkIn]) -> Result<Vec<Link>, ConnectError> {
    let mut out: Vec<Link> = Vec::with_capacity(links.len());
    for l in links {
        let link = l.check()?;
        if !state.idp_exists(&link.idp_id) {
            return Err(ConnectError::zitadel(
                Code::FailedPrecondition,
                "COMMAND-39nf2",
                "IDP Config does not exist",
            ));
        }
        let taken = state.link_owner(&link.idp_id, &link.user_id).is_some()
            || out.iter().any(|o| {
                o.idp_id == link.idp_id && o.user_id.to_lowercase() == link.user_id.to_lowercase()
            });
        if taken {
            return Err(ConnectError::zitadel(
                Code::AlreadyExists,
                "V3-DKcYh",
                "External IDP already exists",
            ));
        }
        out.push(link);
    }
    Ok(out)
}

/// Metadata entries of a create or update (key 1..200, value 1..500000 bytes).
pub(crate) fn metadata_entries(
    entries: &[MetaIn],
    now: chrono::DateTime<Utc>,
) -> Result<BTreeMap<String, Meta>, ConnectError> {
    let mut out = BTreeMap::new();
    for m in entries {
        let (key, value) = m.check(false)?;
        out.insert(
            key,
            Meta {
                value,
                created: now,
                changed: now,
            },
        );
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserIdRequest {
    #[serde(default)]
    user_id: String,
}

/// `GetUserByID` → `{details, user}`: read-your-writes (the projection is triggered).
pub(crate) fn get_user_by_id(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: UserIdRequest = decode("zitadel.user.v2.GetUserByIDRequest", body)?;
    check_len("GetUserByIDRequest.UserId", &req.user_id, 1, 200)?;
    let user = state
        .users
        .get(&req.user_id)
        .ok_or_else(|| user_not_found("QUERY-Dfbg2"))?;
    Ok(json!({"details": user.details(), "user": user.to_json()}))
}

/// `DeleteUser` → `{details}`; frees the username and the IdP links, removes the user's
/// authorizations; a second call is `not_found`.
pub(crate) fn delete_user(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: UserIdRequest = decode("zitadel.user.v2.DeleteUserRequest", body)?;
    check_len("DeleteUserRequest.UserId", &req.user_id, 1, 200)?;
    let user = state
        .users
        .get(&req.user_id)
        .cloned()
        .ok_or_else(|| user_not_found("COMMAND-bd4ir1mblj"))?;
    state.authz.retain(|_, a| a.user_id != user.id);
    let sequence = state.next_sequence();
    state.commit(&user.id, None);
    let now = Utc::now();
    Ok(json!({"details": {
        "sequence": sequence.to_string(),
        "changeDate": timestamp(now),
        "resourceOwner": user.org,
    }}))
}

/// `DeactivateUser` / `ReactivateUser` → `{details}`; repeats are `failed_precondition`.
pub(crate) fn set_active(
    state: &mut State,
    body: &[u8],
    active: bool,
) -> Result<Value, ConnectError> {
    let (message, missing) = if active {
        (
            "zitadel.user.v2.ReactivateUserRequest",
            "COMMAND-9hy5kzbuk6",
        )
    } else {
        (
            "zitadel.user.v2.DeactivateUserRequest",
            "COMMAND-5gp2p62iin",
        )
    };
    let req: UserIdRequest = decode(message, body)?;
    check_len("UserId", &req.user_id, 1, 200)?;
    let mut user = state
        .users
        .get(&req.user_id)
        .cloned()
        .ok_or_else(|| user_not_found(missing))?;
    match (active, user.state) {
        (false, UserState::Inactive) => {
            return Err(ConnectError::zitadel(
                Code::FailedPrecondition,
                "COMMAND-5gunjw0cd7",
                "User is already deactivated",
            ));
        }
        (true, UserState::Active) => {
            return Err(ConnectError::zitadel(
                Code::FailedPrecondition,
                "COMMAND-s5qqcz97hf",
                "User is not deactivated",
            ));
        }
        _ => {}
    }
    user.state = if active {
        UserState::Active
    } else {
        UserState::Inactive
    };
    user.changed = Utc::now();
    user.sequence = state.next_sequence();
    let details = user.details();
    state.commit(&req.user_id, Some(user));
    Ok(json!({"details": details}))
}
