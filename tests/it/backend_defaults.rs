//! The provided methods of `IdentityBackend` (patch and member delta as get → modify →
//! replace), run on a minimal backend that implements only the required methods.

use async_trait::async_trait;
use scimitar::auth::{Context, Principal};
use scimitar::backend::{
    BackendError, BackendErrorKind, Capabilities, IdentityBackend, Page, check_if_match,
};
use scimitar::query::{ListQuery, Selection};
use scimitar::resource::{Group, Member, Meta, User, Version, VersionCondition};
use scimitar::schema::ResourceSchema;
use scimitar::{Compat, PatchLimits, PatchRequest};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Users and groups in maps, one version counter; `interfere` makes the next N replaces fail
/// as if another writer had come first.
#[derive(Default)]
struct Minimal {
    users: Mutex<HashMap<String, User>>,
    groups: Mutex<HashMap<String, Group>>,
    counter: AtomicUsize,
    interfere: AtomicUsize,
    replaces: AtomicUsize,
    caps: Option<Capabilities>,
}

impl Minimal {
    fn meta(&self, kind: &str) -> Meta {
        let n = self.counter.fetch_add(1, Ordering::SeqCst) as u64 + 1;
        Meta::new(kind, chrono::Utc::now()).with_version(Version::from_u64(n))
    }
    fn raced(&self) -> bool {
        self.interfere
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

fn version(meta: &Option<Meta>) -> Option<&Version> {
    meta.as_ref().and_then(|m| m.version.as_ref())
}

#[async_trait]
impl IdentityBackend for Minimal {
    fn capabilities(&self) -> &Capabilities {
        self.caps.as_ref().unwrap()
    }
    async fn create_user(&self, _: &Context, mut user: User) -> Result<User, BackendError> {
        let id = format!("u{}", self.counter.load(Ordering::SeqCst));
        user.id = Some(id.clone());
        user.meta = Some(self.meta("User"));
        self.users.lock().unwrap().insert(id, user.clone());
        Ok(user)
    }
    async fn get_user(&self, _: &Context, id: &str, _: &Selection) -> Result<User, BackendError> {
        self.users
            .lock()
            .unwrap()
            .get(id)
            .cloned()
            .ok_or_else(|| BackendError::not_found(id))
    }
    async fn replace_user(
        &self,
        _: &Context,
        id: &str,
        mut user: User,
        if_match: Option<&VersionCondition>,
    ) -> Result<User, BackendError> {
        self.replaces.fetch_add(1, Ordering::SeqCst);
        let mut users = self.users.lock().unwrap();
        let cur = users
            .get_mut(id)
            .ok_or_else(|| BackendError::not_found(id))?;
        if self.raced() {
            cur.meta = Some(self.meta("User"));
        }
        check_if_match(if_match, version(&cur.meta))?;
        user.id = Some(id.to_owned());
        user.meta = Some(self.meta("User"));
        *cur = user.clone();
        Ok(user)
    }
    async fn delete_user(
        &self,
        _: &Context,
        id: &str,
        _: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        self.users
            .lock()
            .unwrap()
            .remove(id)
            .map(drop)
            .ok_or_else(|| BackendError::not_found(id))
    }
    async fn list_users(&self, _: &Context, q: &ListQuery) -> Result<Page<User>, BackendError> {
        let all: Vec<User> = self.users.lock().unwrap().values().cloned().collect();
        let n = all.len();
        Ok(Page::new(all, n, q.start_index))
    }
    async fn create_group(&self, _: &Context, mut group: Group) -> Result<Group, BackendError> {
        let id = format!("g{}", self.counter.load(Ordering::SeqCst));
        group.id = Some(id.clone());
        group.meta = Some(self.meta("Group"));
        self.groups.lock().unwrap().insert(id, group.clone());
        Ok(group)
    }
    async fn get_group(&self, _: &Context, id: &str, _: &Selection) -> Result<Group, BackendError> {
        self.groups
            .lock()
            .unwrap()
            .get(id)
            .cloned()
            .ok_or_else(|| BackendError::not_found(id))
    }
    async fn replace_group(
        &self,
        _: &Context,
        id: &str,
        mut group: Group,
        if_match: Option<&VersionCondition>,
    ) -> Result<Group, BackendError> {
        self.replaces.fetch_add(1, Ordering::SeqCst);
        let mut groups = self.groups.lock().unwrap();
        let cur = groups
            .get_mut(id)
            .ok_or_else(|| BackendError::not_found(id))?;
        if self.raced() {
            cur.meta = Some(self.meta("Group"));
        }
        check_if_match(if_match, version(&cur.meta))?;
        group.id = Some(id.to_owned());
        group.meta = Some(self.meta("Group"));
        *cur = group.clone();
        Ok(group)
    }
    async fn delete_group(
        &self,
        _: &Context,
        id: &str,
        _: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        self.groups
            .lock()
            .unwrap()
            .remove(id)
            .map(drop)
            .ok_or_else(|| BackendError::not_found(id))
    }
    async fn list_groups(&self, _: &Context, q: &ListQuery) -> Result<Page<Group>, BackendError> {
        let all: Vec<Group> = self.groups.lock().unwrap().values().cloned().collect();
        let n = all.len();
        Ok(Page::new(all, n, q.start_index))
    }
}

fn backend() -> Minimal {
    Minimal {
        caps: Some(Capabilities::scan(100)),
        ..Minimal::default()
    }
}

fn ctx() -> Context {
    Context::new("t", Principal::new("p"))
}

fn patch(ops: serde_json::Value) -> PatchRequest {
    PatchRequest::from_value(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}),
        &Compat::default(),
        &PatchLimits::default(),
    )
    .unwrap()
}

#[tokio::test]
async fn default_patch_user_applies_and_checks_if_match() {
    let b = backend();
    let c = ctx();
    let u = b.create_user(&c, User::new("a")).await.unwrap();
    let id = u.id.clone().unwrap();
    let p = patch(json!([{"op": "replace", "path": "title", "value": "CEO"}]));
    let out = b
        .patch_user(&c, &id, &p, &ResourceSchema::user(), None)
        .await
        .unwrap();
    assert_eq!(out.title.as_deref(), Some("CEO"));
    let stale = VersionCondition::OneOf(vec![u.meta.unwrap().version.unwrap()]);
    let e = b
        .patch_user(&c, &id, &p, &ResourceSchema::user(), Some(&stale))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), BackendErrorKind::PreconditionFailed);
    // no change: no replace
    let before = b.replaces.load(Ordering::SeqCst);
    b.patch_user(&c, &id, &p, &ResourceSchema::user(), None)
        .await
        .unwrap();
    assert_eq!(b.replaces.load(Ordering::SeqCst), before);
}

#[tokio::test]
async fn default_patch_retries_a_lost_race_without_if_match() {
    let b = backend();
    let c = ctx();
    let id = b.create_user(&c, User::new("a")).await.unwrap().id.unwrap();
    b.interfere.store(2, Ordering::SeqCst);
    let p = patch(json!([{"op": "replace", "path": "title", "value": "CEO"}]));
    let out = b
        .patch_user(&c, &id, &p, &ResourceSchema::user(), None)
        .await
        .unwrap();
    assert_eq!(out.title.as_deref(), Some("CEO"));
    assert_eq!(b.replaces.load(Ordering::SeqCst), 3);
    // with If-Match a lost race is the client's 412
    let cur = b.get_user(&c, &id, &Selection::all()).await.unwrap();
    let cond = VersionCondition::OneOf(vec![cur.meta.unwrap().version.unwrap()]);
    b.interfere.store(1, Ordering::SeqCst);
    let p2 = patch(json!([{"op": "replace", "path": "title", "value": "CFO"}]));
    let e = b
        .patch_user(&c, &id, &p2, &ResourceSchema::user(), Some(&cond))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), BackendErrorKind::PreconditionFailed);
    // a race that never ends gives up with 412 instead of looping
    b.interfere.store(1000, Ordering::SeqCst);
    let p3 = patch(json!([{"op": "replace", "path": "title", "value": "CTO"}]));
    let e = b
        .patch_user(&c, &id, &p3, &ResourceSchema::user(), None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), BackendErrorKind::PreconditionFailed);
}

#[tokio::test]
async fn default_patch_group_uses_the_member_delta_and_whole_resource_otherwise() {
    let b = backend();
    let c = ctx();
    let g = b
        .create_group(&c, Group::new("G").with_member(Member::user("x")))
        .await
        .unwrap()
        .id
        .unwrap();
    let s = ResourceSchema::group();
    let all = Selection::all();
    let out = b
        .patch_group(
            &c,
            &g,
            &patch(json!([
                {"op": "Add", "path": "members", "value": [{"value": "y"}, {"value": "z"}]},
                {"op": "Remove", "path": "members", "value": [{"value": "x"}]}
            ])),
            &s,
            None,
            &all,
        )
        .await
        .unwrap();
    assert_eq!(out.member_ids().collect::<Vec<_>>(), ["y", "z"]);
    let out = b
        .patch_group(
            &c,
            &g,
            &patch(json!([{"op": "replace", "path": "displayName", "value": "H"}])),
            &s,
            None,
            &all,
        )
        .await
        .unwrap();
    assert_eq!(out.display_name, "H");
    assert_eq!(out.members.len(), 2);
    let out = b
        .modify_group_members(&c, &g, &[Member::new("y")], &["z".into()], None, &all)
        .await
        .unwrap();
    assert_eq!(out.member_ids().collect::<Vec<_>>(), ["y"]);
}

/// RFC 9865 §2: a backend that cannot walk by cursor (`Capabilities::cursor` false, the
/// default) has `cursor` refused with 400 `invalidCursor`, and says so in
/// `/ServiceProviderConfig`; index paging still works.
#[tokio::test]
async fn cursor_on_a_backend_without_cursor_support_is_invalid_cursor() {
    use scimitar::auth::{Secret, StaticTokenAuthenticator};
    use scimitar::server::ScimServer;
    use std::sync::Arc;
    let server = ScimServer::builder()
        .backend(Arc::new(backend()))
        .authenticator(Arc::new(StaticTokenAuthenticator::new(
            &Secret::new("k"),
            ctx(),
        )))
        .base_url("https://x.example/scim")
        .build()
        .unwrap();
    let get = |uri: &str| {
        http::Request::get(uri)
            .header("authorization", "Bearer k")
            .body(bytes::Bytes::new())
            .unwrap()
    };
    let res = server.handle(get("/scim/Users?cursor=")).await;
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = serde_json::from_slice(res.body()).unwrap();
    assert_eq!(body["scimType"], "invalidCursor");
    let res = server.handle(get("/scim/Users?startIndex=1")).await;
    assert_eq!(res.status(), 200);
    let res = server.handle(get("/scim/ServiceProviderConfig")).await;
    let body: serde_json::Value = serde_json::from_slice(res.body()).unwrap();
    assert_eq!(body["pagination"]["cursor"], false);
    assert!(body["pagination"].get("cursorTimeout").is_none());
}
