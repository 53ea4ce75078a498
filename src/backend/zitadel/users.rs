//! User reads and writes against Zitadel's `zitadel.user.v2.UserService`: fetch (scoped to the
//! org), metadata, create with a deterministic id, change only what changed, delete
//! ([RFC 7644 §3.3–§3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)).

use super::ZitadelBackend;
use super::mapping::{self, Metadata, Native, entry};
use super::wire::{GetUserResponse, ListMetadataResponse, Profile, ZUser};
use crate::auth::Context;
use crate::backend::BackendError;
use crate::resource::User;
use serde_json::{Map, Value, json};

pub(crate) const USER_SERVICE: &str = "zitadel.user.v2.UserService";
/// `CreateUser` with a `userId` that is taken (a retried create).
pub(crate) const USER_ID_TAKEN: &str = "COMMAND-7yiox1isql";
const ALREADY_INACTIVE: &str = "COMMAND-5gunjw0cd7";
const NOT_INACTIVE: &str = "COMMAND-s5qqcz97hf";

pub(crate) fn method(name: &str) -> String {
    format!("{USER_SERVICE}/{name}")
}

/// The native view of a Zitadel user (what [`mapping::split`] produces for it).
pub(crate) fn native_of(z: &ZUser) -> Native {
    let human = z.human.clone().unwrap_or_default();
    let p = human.profile;
    let preferred_language = p.language();
    Native {
        username: z.username.clone(),
        given_name: p.given_name.unwrap_or_default(),
        family_name: p.family_name.unwrap_or_default(),
        display_name: p.display_name,
        nick_name: p.nick_name,
        preferred_language,
        email: human.email.and_then(|e| e.email),
        phone: human.phone.and_then(|p| p.phone).filter(|p| !p.is_empty()),
    }
}

/// `human.profile` with the fields of `new` that differ from `old` (all of them for a create).
fn profile_json(new: &Native, old: Option<&Native>) -> Map<String, Value> {
    let mut p = Map::new();
    let mut put = |k: &str, n: Option<&String>, o: Option<Option<&String>>| {
        let changed = o.is_none_or(|o| {
            o.map(String::as_str).unwrap_or("") != n.map(String::as_str).unwrap_or("")
        });
        if changed && (n.is_some() || o.is_some()) {
            p.insert(k.to_owned(), n.cloned().unwrap_or_default().into());
        }
    };
    put(
        "givenName",
        Some(&new.given_name),
        old.map(|o| Some(&o.given_name)),
    );
    put(
        "familyName",
        Some(&new.family_name),
        old.map(|o| Some(&o.family_name)),
    );
    put(
        "displayName",
        new.display_name.as_ref(),
        old.map(|o| o.display_name.as_ref()),
    );
    put(
        "nickName",
        new.nick_name.as_ref(),
        old.map(|o| o.nick_name.as_ref()),
    );
    put(
        "preferredLanguage",
        new.preferred_language.as_ref(),
        old.map(|o| o.preferred_language.as_ref()),
    );
    p
}

impl ZitadelBackend {
    /// The user `id` of the context's org (404 for another org's user, a machine user, or none).
    pub(crate) async fn fetch(&self, ctx: &Context, id: &str) -> Result<ZUser, BackendError> {
        match self.fetch_any(id).await? {
            Some(z) if z.org() == Some(ctx.tenant().as_str()) && z.human.is_some() => Ok(z),
            found => {
                if found.is_none() {
                    // deleted outside SCIM, perhaps: what the companion holds of it goes
                    self.gone(ctx, id).await;
                }
                Err(BackendError::not_found(format!(
                    "no user {id:?} in this organisation"
                )))
            }
        }
    }

    /// `GetUserByID` (read-your-writes in Zitadel): `None` when there is no such user.
    pub(crate) async fn fetch_any(&self, id: &str) -> Result<Option<ZUser>, BackendError> {
        if id.is_empty() || id.len() > 200 {
            return Ok(None);
        }
        match self
            .connect
            .call::<_, GetUserResponse>(&method("GetUserByID"), &json!({"userId": id}))
            .await
        {
            Ok(r) => Ok(Some(r.user)),
            Err(e) if e.is("not_found", None) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The user's `urn:zitadel:scim:*` metadata (404 when the user is gone).
    pub(crate) async fn metadata(&self, id: &str) -> Result<Metadata, BackendError> {
        self.metadata_opt(id)
            .await?
            .ok_or_else(|| BackendError::not_found(format!("no user {id:?}")))
    }

    /// The user's `urn:zitadel:scim:*` metadata, `None` when the user is gone (a list answer
    /// that lags may still name a deleted user).
    pub(crate) async fn metadata_opt(&self, id: &str) -> Result<Option<Metadata>, BackendError> {
        let r: ListMetadataResponse = match self
            .connect
            .call(
                &method("ListUserMetadata"),
                &json!({"userId": id, "pagination": {"limit": 1000},
                    "filters": [{"keyFilter": {"key": mapping::PREFIX, "method": "TEXT_FILTER_METHOD_STARTS_WITH"}}]}),
            )
            .await
        {
            Ok(r) => r,
            Err(e) if e.is("not_found", None) || e.is("failed_precondition", None) => {
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Some(mapping::decode_metadata(&r.metadata)))
    }

    /// The `CreateUser` body.
    pub(crate) async fn create_body(
        &self,
        ctx: &Context,
        id: &str,
        user: &User,
        native: &Native,
        meta: &Metadata,
    ) -> Result<Value, BackendError> {
        let org = ctx.tenant().as_str();
        let caps = self.zcaps().await;
        let email = native.email.clone().ok_or_else(|| {
            BackendError::invalid_value("Zitadel needs an email address: `emails` is empty")
        })?;
        let mut human = Map::new();
        human.insert("profile".into(), Value::Object(profile_json(native, None)));
        human.insert("email".into(), json!({"email": email, "isVerified": true}));
        if let Some(p) = &native.phone {
            human.insert("phone".into(), json!({"phone": p, "isVerified": true}));
        }
        if let Some(ext) = user.external_id.as_deref().filter(|x| !x.is_empty())
            && let Some(idp) = self.idp_of(org).await?
        {
            human.insert(
                "idpLinks".into(),
                json!([{"idpId": idp, "userId": ext, "userName": user.user_name}]),
            );
        }
        let entries: Vec<Value> = meta.iter().map(|(k, v)| entry(k, v)).collect();
        let mut body = Map::new();
        body.insert("organizationId".into(), org.into());
        body.insert("userId".into(), id.into());
        body.insert("username".into(), native.username.clone().into());
        if !entries.is_empty() {
            if caps.root_metadata {
                body.insert("metadata".into(), Value::Array(entries));
            } else {
                human.insert("metadata".into(), Value::Array(entries));
            }
        }
        body.insert("human".into(), Value::Object(human));
        Ok(Value::Object(body))
    }

    /// Sends what changed between (`z`, `old_meta`) and `new` (`old_meta` `None`: metadata is
    /// left alone) and returns the user as now stored.
    pub(crate) async fn change(
        &self,
        ctx: &Context,
        z: &ZUser,
        old_meta: Option<&Metadata>,
        new: &User,
    ) -> Result<User, BackendError> {
        let caps = self.zcaps().await;
        let (native, meta) = mapping::split(new, &self.ext_key)?;
        let old = native_of(z);
        let mut body = Map::new();
        if native.username != old.username {
            body.insert("username".into(), native.username.clone().into());
        }
        let mut human = Map::new();
        let profile = profile_json(&native, Some(&old));
        if !profile.is_empty() {
            human.insert("profile".into(), Value::Object(profile));
        }
        if let Some(e) = native
            .email
            .as_ref()
            .filter(|e| Some(*e) != old.email.as_ref())
        {
            human.insert("email".into(), json!({"email": e, "isVerified": true}));
        }
        match (&native.phone, &old.phone) {
            (Some(p), o) if o.as_deref().is_none_or(|o| !same_phone(p, o)) => {
                human.insert("phone".into(), json!({"phone": p, "isVerified": true}));
            }
            (None, Some(_)) => {
                human.insert("phone".into(), json!({"phone": ""}));
            }
            _ => {}
        }
        let (mut set, mut delete) = (Vec::new(), Vec::new());
        if let Some(old_meta) = old_meta {
            for (k, v) in &meta {
                if old_meta.get(k) != Some(v) {
                    set.push(entry(k, v));
                }
            }
            delete = old_meta
                .keys()
                .filter(|k| mapping::managed(k, &self.ext_key) && !meta.contains_key(*k))
                .cloned()
                .collect();
        }
        if caps.root_metadata && !(set.is_empty() && delete.is_empty()) {
            // v4.13+: one UpdateUser; an empty value deletes a key.
            let mut all = std::mem::take(&mut set);
            all.extend(delete.drain(..).map(|k| json!({"key": k, "value": ""})));
            body.insert("metadata".into(), Value::Array(all));
        }
        if !human.is_empty() {
            body.insert("human".into(), Value::Object(human));
        }
        if !body.is_empty() {
            body.insert("userId".into(), z.user_id.clone().into());
            self.connect
                .call::<_, Value>(&method("UpdateUser"), &Value::Object(body))
                .await
                .map_err(|e| {
                    if e.is("already_exists", None) {
                        BackendError::uniqueness(format!("userName {:?} is taken", native.username))
                    } else {
                        e.into()
                    }
                })?;
        }
        if !set.is_empty() {
            self.connect
                .call::<_, Value>(
                    &method("SetUserMetadata"),
                    &json!({"userId": z.user_id, "metadata": set}),
                )
                .await?;
        }
        if !delete.is_empty() {
            match self
                .connect
                .call::<_, Value>(
                    &method("DeleteUserMetadata"),
                    &json!({"userId": z.user_id, "keys": delete}),
                )
                .await
            {
                Ok(_) => {}
                Err(e) if e.is("not_found", None) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let mut state = z.state.clone();
        if let Some(active) = new.active
            && active != z.active()
        {
            self.set_active(&z.user_id, active).await?;
            state = Some(
                if active {
                    "USER_STATE_ACTIVE"
                } else {
                    "USER_STATE_INACTIVE"
                }
                .to_owned(),
            );
        }
        let mut stored = z.clone();
        stored.username = native.username.clone();
        stored.state = state;
        let mut h = stored.human.clone().unwrap_or_default();
        h.profile = Profile {
            given_name: Some(native.given_name.clone()),
            family_name: Some(native.family_name.clone()),
            nick_name: native.nick_name.clone(),
            display_name: native.display_name.clone(),
            preferred_language: native.preferred_language.clone(),
        };
        h.email = native
            .email
            .clone()
            .map(|e| super::wire::ZEmail { email: Some(e) })
            .or(h.email);
        h.phone = Some(super::wire::ZPhone {
            phone: native.phone.clone(),
        });
        stored.human = Some(h);
        stored.details.change_date =
            Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        if native.username != old.username {
            self.index_put(ctx, &z.user_id, &native.username).await;
        }
        let meta_now = old_meta.map(|_| meta);
        let mut user = mapping::join(&stored, meta_now.as_ref(), &self.ext_key)?;
        if old_meta.is_none() {
            // Metadata not read: keep the attributes the caller had.
            user = merge_unread(user, new);
        }
        user.groups = self.groups_of(ctx, &z.user_id).await?;
        Ok(user)
    }

    /// Deactivates or reactivates; a repeat Zitadel refuses is already the wanted state.
    pub(crate) async fn set_active(&self, id: &str, active: bool) -> Result<(), BackendError> {
        let (rpc, repeat) = if active {
            ("ReactivateUser", NOT_INACTIVE)
        } else {
            ("DeactivateUser", ALREADY_INACTIVE)
        };
        match self
            .connect
            .call::<_, Value>(&method(rpc), &json!({"userId": id}))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is("failed_precondition", Some(repeat)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Whether two phone numbers are the same once Zitadel's formatting is ignored (it stores
/// `+41 79 123 45 67` as `+41791234567`).
fn same_phone(a: &str, b: &str) -> bool {
    let digits = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect::<String>()
    };
    digits(a) == digits(b)
}

/// `user` (native attributes as stored) with the metadata-backed attributes of `patched`.
fn merge_unread(user: User, patched: &User) -> User {
    let mut json = patched.to_json();
    let stored = user.to_json();
    if let (Some(o), Some(s)) = (json.as_object_mut(), stored.as_object()) {
        for (k, v) in s {
            o.insert(k.clone(), v.clone());
        }
    }
    User::from_json(json).unwrap_or(user)
}
