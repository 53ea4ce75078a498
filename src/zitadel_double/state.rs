//! The double's in-memory instance: orgs (with their IdPs and projects), users, authorizations,
//! and the history that makes `ListUsers` lag behind writes as Zitadel's projections do
//! (RELEASED.md §3: `GetUserByID` triggers the projection, `ListUsers` does not).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::ZitadelVersion;
use super::wire::{encode_bytes, put, timestamp};

/// An organisation and what an org admin configured in it.
#[derive(Debug, Clone)]
pub(crate) struct Org {
    pub(crate) id: String,
    pub(crate) created: DateTime<Utc>,
    pub(crate) idps: Vec<Idp>,
    pub(crate) projects: Vec<Project>,
}

/// An identity provider active (or not) in the org's login settings.
#[derive(Debug, Clone)]
pub(crate) struct Idp {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) active: bool,
}

/// A project owned by the org and its role keys.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub(crate) id: String,
    pub(crate) roles: Vec<String>,
    pub(crate) created: DateTime<Utc>,
}

/// `zitadel.user.v2.UserState` (the states a v2-created user can reach).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserState {
    Active,
    Inactive,
}

impl UserState {
    pub(crate) fn name(self) -> &'static str {
        match self {
            UserState::Active => "USER_STATE_ACTIVE",
            UserState::Inactive => "USER_STATE_INACTIVE",
        }
    }
}

/// A human's profile, email and phone.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Human {
    pub(crate) given: String,
    pub(crate) family: String,
    pub(crate) nick: String,
    pub(crate) display: String,
    pub(crate) language: String,
    pub(crate) gender: Option<String>,
    pub(crate) email: String,
    pub(crate) email_verified: bool,
    pub(crate) phone: String,
    pub(crate) phone_verified: bool,
}

/// A human or a machine user.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Human(Human),
    Machine { name: String, description: String },
}

/// One metadata entry (value = raw bytes).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Meta {
    pub(crate) value: Vec<u8>,
    pub(crate) created: DateTime<Utc>,
    pub(crate) changed: DateTime<Utc>,
}

/// A link to a user in an external IdP.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Link {
    pub(crate) idp_id: String,
    pub(crate) user_id: String,
    pub(crate) user_name: String,
}

/// A user as Zitadel's event store holds it.
#[derive(Debug, Clone)]
pub(crate) struct UserRec {
    pub(crate) id: String,
    pub(crate) org: String,
    pub(crate) username: String,
    pub(crate) state: UserState,
    pub(crate) kind: Kind,
    pub(crate) metadata: BTreeMap<String, Meta>,
    pub(crate) links: Vec<Link>,
    pub(crate) created: DateTime<Utc>,
    pub(crate) changed: DateTime<Utc>,
    pub(crate) sequence: u64,
}

impl UserRec {
    /// `zitadel.object.v2.Details` of the user.
    pub(crate) fn details(&self) -> Value {
        json!({
            "sequence": self.sequence.to_string(),
            "changeDate": timestamp(self.changed),
            "resourceOwner": self.org,
            "creationDate": timestamp(self.created),
        })
    }

    /// `zitadel.user.v2.User` in protojson (zero values omitted).
    pub(crate) fn to_json(&self) -> Value {
        let mut user = json!({
            "userId": self.id,
            "details": self.details(),
            "state": self.state.name(),
            "username": self.username,
            "loginNames": [self.username],
            "preferredLoginName": self.username,
        });
        match &self.kind {
            Kind::Human(h) => {
                let mut profile = json!({"givenName": h.given, "familyName": h.family});
                for (key, value) in [
                    ("nickName", &h.nick),
                    ("displayName", &h.display),
                    ("preferredLanguage", &h.language),
                ] {
                    if !value.is_empty() {
                        put(&mut profile, &[key], json!(value));
                    }
                }
                if let Some(gender) = &h.gender {
                    put(&mut profile, &["gender"], json!(gender));
                }
                let mut email = json!({"email": h.email});
                if h.email_verified {
                    put(&mut email, &["isVerified"], json!(true));
                }
                let mut human = json!({"profile": profile, "email": email});
                if !h.phone.is_empty() {
                    let mut phone = json!({"phone": h.phone});
                    if h.phone_verified {
                        put(&mut phone, &["isVerified"], json!(true));
                    }
                    put(&mut human, &["phone"], phone);
                }
                put(&mut user, &["human"], human);
            }
            Kind::Machine { name, description } => {
                let mut machine = json!({"name": name});
                if !description.is_empty() {
                    put(&mut machine, &["description"], json!(description));
                }
                put(&mut user, &["machine"], machine);
            }
        }
        user
    }

    /// The metadata as `zitadel.metadata.v2.Metadata` entries.
    pub(crate) fn metadata_json(&self) -> Vec<Value> {
        self.metadata
            .iter()
            .map(|(key, m)| {
                json!({
                    "creationDate": timestamp(m.created),
                    "changeDate": timestamp(m.changed),
                    "key": key,
                    "value": encode_bytes(&m.value),
                })
            })
            .collect()
    }
}

/// An authorization (user grant) on a project's roles.
#[derive(Debug, Clone)]
pub(crate) struct Authz {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) project_id: String,
    pub(crate) org: String,
    pub(crate) roles: Vec<String>,
    pub(crate) created: DateTime<Utc>,
    pub(crate) changed: DateTime<Utc>,
}

/// The whole instance.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) version: ZitadelVersion,
    pub(crate) orgs: BTreeMap<String, Org>,
    pub(crate) users: BTreeMap<String, UserRec>,
    pub(crate) authz: BTreeMap<String, Authz>,
    /// Per user id: what `ListUsers` saw since when (`None` = absent), oldest first.
    history: HashMap<String, Vec<(Instant, Option<UserRec>)>>,
    /// Lower-cased username → user id (usernames are unique per instance, case-insensitively).
    usernames: HashMap<String, String>,
    /// (idp id, lower-cased external user id) → user id (links are unique per instance).
    links: HashMap<(String, String), String>,
    next_id: u64,
    sequence: u64,
    /// How long `ListUsers` lags behind writes.
    pub(crate) lag: Duration,
}

impl State {
    pub(crate) fn new(version: ZitadelVersion) -> Self {
        State {
            version,
            orgs: BTreeMap::new(),
            users: BTreeMap::new(),
            authz: BTreeMap::new(),
            history: HashMap::new(),
            usernames: HashMap::new(),
            links: HashMap::new(),
            next_id: 336_400_000_000_000_100,
            sequence: 0,
            lag: Duration::ZERO,
        }
    }

    /// A fresh numeric id, as Zitadel's snowflake-like ids look.
    pub(crate) fn new_id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    /// The next event sequence.
    pub(crate) fn next_sequence(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    /// Who holds this username (case-insensitively), if anyone.
    pub(crate) fn username_owner(&self, username: &str) -> Option<&String> {
        self.usernames.get(&username.to_lowercase())
    }

    /// Who holds this IdP link, if anyone.
    pub(crate) fn link_owner(&self, idp_id: &str, external_id: &str) -> Option<&String> {
        self.links
            .get(&(idp_id.to_owned(), external_id.to_lowercase()))
    }

    /// Whether `idp_id` is an IdP of the instance (any org).
    pub(crate) fn idp_exists(&self, idp_id: &str) -> bool {
        self.orgs
            .values()
            .any(|o| o.idps.iter().any(|i| i.id == idp_id))
    }

    /// Writes a user (or its removal) and keeps the unique indexes and the list history.
    pub(crate) fn commit(&mut self, id: &str, after: Option<UserRec>) {
        if let Some(old) = self.users.remove(id) {
            self.usernames.remove(&old.username.to_lowercase());
            for l in &old.links {
                self.links
                    .remove(&(l.idp_id.clone(), l.user_id.to_lowercase()));
            }
        }
        if let Some(new) = &after {
            self.usernames
                .insert(new.username.to_lowercase(), id.to_owned());
            for l in &new.links {
                self.links
                    .insert((l.idp_id.clone(), l.user_id.to_lowercase()), id.to_owned());
            }
            self.users.insert(id.to_owned(), new.clone());
        }
        let now = Instant::now();
        let keep = self.lag.max(Duration::from_secs(5));
        let entries = self.history.entry(id.to_owned()).or_default();
        entries.push((now, after));
        // Drop entries no lagging reader can see any more: keep the newest one older than
        // the window (it is what a reader at the window's edge sees) and all newer ones.
        if let Some(edge) = now.checked_sub(keep) {
            let older = entries.iter().filter(|(t, _)| *t <= edge).count();
            if older > 1 {
                entries.drain(..older - 1);
            }
        }
    }

    /// The users as `ListUsers` sees them now: the state of `lag` ago.
    pub(crate) fn listed_users(&self) -> Vec<&UserRec> {
        if self.lag.is_zero() {
            return self.users.values().collect();
        }
        let Some(cutoff) = Instant::now().checked_sub(self.lag) else {
            return Vec::new();
        };
        let mut out: Vec<&UserRec> = self
            .history
            .values()
            .filter_map(|entries| {
                entries
                    .iter()
                    .rev()
                    .find(|(t, _)| *t <= cutoff)
                    .and_then(|(_, u)| u.as_ref())
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}
