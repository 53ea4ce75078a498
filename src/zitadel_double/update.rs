//! `zitadel.user.v2.UserService/UpdateUser`: a partial update; a no-op is a success without a
//! new event; `human.phone = {"phone": ""}` removes the phone; root `metadata` (v4.13+) sets keys
//! and an empty value deletes one (RELEASED.md §3).

use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ZitadelVersion;
use super::input::{EmailIn, MetaIn, PhoneIn, ProfileIn, one_of};
use super::state::{Kind, Meta, State};
use super::wire::{Code, ConnectError, check_len, decode, timestamp};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateUserRequest {
    #[serde(default)]
    user_id: String,
    username: Option<String>,
    human: Option<HumanUpdate>,
    machine: Option<MachineUpdate>,
    metadata: Option<Vec<MetaIn>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HumanUpdate {
    profile: Option<ProfileIn>,
    email: Option<EmailIn>,
    phone: Option<PhoneIn>,
    password: Option<PasswordUpdate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PasswordUpdate {
    password: Option<super::input::PasswordIn>,
    hashed_password: Option<Value>,
    current_password: Option<String>,
    verification_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MachineUpdate {
    name: Option<String>,
    description: Option<String>,
}

/// `UpdateUser` → `{changeDate}`.
pub(crate) fn update_user(state: &mut State, body: &[u8]) -> Result<Value, ConnectError> {
    let req: UpdateUserRequest = decode("zitadel.user.v2.UpdateUserRequest", body)?;
    if req.metadata.is_some() && state.version < ZitadelVersion::V4_13 {
        return Err(ConnectError::invalid(
            "proto: unknown field \"metadata\" in zitadel.user.v2.UpdateUserRequest",
        ));
    }
    one_of(
        "user_type",
        &[req.human.is_some(), req.machine.is_some()],
        false,
    )?;
    check_len("UpdateUserRequest.UserId", &req.user_id, 1, 200)?;
    let before = state.users.get(&req.user_id).cloned().ok_or_else(|| {
        ConnectError::zitadel(
            Code::NotFound,
            "COMMAND-ugjs0upun6",
            "User could not be found",
        )
    })?;
    let mut after = before.clone();
    if let Some(username) = req.username {
        check_len("UpdateUserRequest.Username", &username, 1, 200)?;
        let taken = state
            .username_owner(&username)
            .is_some_and(|owner| *owner != req.user_id);
        if taken {
            return Err(ConnectError::zitadel(
                Code::AlreadyExists,
                "V3-DKcYh",
                "User already exists",
            ));
        }
        after.username = username;
    }
    match (&mut after.kind, req.human, req.machine) {
        (Kind::Human(h), Some(update), None) => {
            if let Some(p) = update.password {
                one_of(
                    "password_type",
                    &[p.password.is_some(), p.hashed_password.is_some()],
                    false,
                )?;
                one_of(
                    "verification",
                    &[p.current_password.is_some(), p.verification_code.is_some()],
                    false,
                )?;
                if let Some(p) = &p.password {
                    p.check()?;
                }
            }
            if let Some(profile) = update.profile {
                profile.apply(h)?;
            }
            if let Some(email) = update.email {
                email.apply(h)?;
            }
            if let Some(phone) = update.phone {
                phone.apply(h)?;
            }
        }
        (Kind::Machine { name, description }, None, Some(update)) => {
            if let Some(n) = update.name {
                check_len("UpdateUserRequest_Machine.Name", &n, 1, 200)?;
                *name = n;
            }
            if let Some(d) = update.description {
                *description = d;
            }
        }
        (_, None, None) => {}
        _ => {
            return Err(ConnectError::zitadel(
                Code::FailedPrecondition,
                "COMMAND-ugjs0upun7",
                "User type does not match",
            ));
        }
    }
    let now = Utc::now();
    let mut metadata_changed = false;
    for entry in req.metadata.unwrap_or_default() {
        let (key, value) = entry.check(true)?;
        if value.is_empty() {
            metadata_changed |= after.metadata.remove(&key).is_some();
            continue;
        }
        match after.metadata.get_mut(&key) {
            Some(m) if m.value == value => {}
            Some(m) => {
                m.value = value;
                m.changed = now;
                metadata_changed = true;
            }
            None => {
                after.metadata.insert(
                    key,
                    Meta {
                        value,
                        created: now,
                        changed: now,
                    },
                );
                metadata_changed = true;
            }
        }
    }
    let user_changed = after.username != before.username || after.kind != before.kind;
    if user_changed {
        // The users projection does not reduce metadata events: only user changes move
        // `changeDate` and `sequence`.
        after.changed = now;
        after.sequence = state.next_sequence();
    }
    let change_date = after.changed;
    if user_changed || metadata_changed {
        state.commit(&req.user_id, Some(after));
    }
    Ok(json!({"changeDate": timestamp(change_date)}))
}
