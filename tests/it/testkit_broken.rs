//! No check of the conformance kit "cannot fail": each deliberately broken wrapper of the
//! memory backend (or key store) has one bug a real backend could have, and the kit check
//! meant for that bug must catch it.

use async_trait::async_trait;
use scimitar::auth::{ApiKeyStore, Context, KeyInfo, MemoryKeyStore, Principal, Secret, TenantId};
use scimitar::backend::{
    BackendError, BackendErrorKind, Capabilities, IdentityBackend, MemoryBackend, Page,
};
use scimitar::patch::PatchRequest;
use scimitar::query::{ListQuery, Selection};
use scimitar::resource::{Group, Member, User, VersionCondition};
use scimitar::schema::ResourceSchema;
use scimitar::testkit::{self, Failure};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bug {
    /// Every call acts in one tenant, whatever the key.
    TenantBlind,
    /// Member changes read the group, wait, and write it back unconditionally.
    LosesConcurrentMemberChanges,
    /// `If-Match` is never checked.
    IgnoresIfMatch,
    /// A create of a taken `userName` returns the existing user.
    UpsertsOnCreate,
    /// Deleting an unknown user succeeds.
    IdempotentDelete,
    /// `addresses` are not stored.
    DropsAddresses,
    /// Lists ignore the filter.
    IgnoresFilters,
}

struct Broken {
    inner: MemoryBackend,
    bug: Bug,
}

impl Broken {
    fn factory(bug: Bug) -> impl testkit::BackendFactory {
        move || async move {
            Arc::new(Broken {
                inner: MemoryBackend::new(),
                bug,
            }) as Arc<dyn IdentityBackend>
        }
    }

    fn ctx<'a>(&self, ctx: &'a Context, blind: &'a Context) -> &'a Context {
        if self.bug == Bug::TenantBlind {
            blind
        } else {
            ctx
        }
    }

    fn if_match<'a>(&self, v: Option<&'a VersionCondition>) -> Option<&'a VersionCondition> {
        if self.bug == Bug::IgnoresIfMatch {
            None
        } else {
            v
        }
    }

    fn query(&self, q: &ListQuery) -> ListQuery {
        let mut q = q.clone();
        if self.bug == Bug::IgnoresFilters {
            q.filter = None;
        }
        q
    }
}

fn blind() -> Context {
    Context::new("one-tenant-for-all", Principal::new("broken"))
}

#[async_trait]
impl IdentityBackend for Broken {
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }

    async fn create_user(&self, ctx: &Context, mut user: User) -> Result<User, BackendError> {
        let b = blind();
        let ctx = self.ctx(ctx, &b);
        if self.bug == Bug::DropsAddresses {
            user.addresses.clear();
        }
        let name = user.user_name.clone();
        match self.inner.create_user(ctx, user).await {
            Err(e)
                if self.bug == Bug::UpsertsOnCreate && e.kind() == BackendErrorKind::Uniqueness =>
            {
                let filter = scimitar::Filter::parse(&format!("userName eq \"{name}\"")).unwrap();
                let page = self
                    .inner
                    .list_users(ctx, &ListQuery::new().with_filter(filter))
                    .await?;
                page.resources.into_iter().next().ok_or(e)
            }
            other => other,
        }
    }

    async fn get_user(&self, ctx: &Context, id: &str, s: &Selection) -> Result<User, BackendError> {
        let b = blind();
        self.inner.get_user(self.ctx(ctx, &b), id, s).await
    }

    async fn replace_user(
        &self,
        ctx: &Context,
        id: &str,
        user: User,
        v: Option<&VersionCondition>,
    ) -> Result<User, BackendError> {
        let b = blind();
        self.inner
            .replace_user(self.ctx(ctx, &b), id, user, self.if_match(v))
            .await
    }

    async fn delete_user(
        &self,
        ctx: &Context,
        id: &str,
        v: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        let b = blind();
        match self
            .inner
            .delete_user(self.ctx(ctx, &b), id, self.if_match(v))
            .await
        {
            Err(e)
                if self.bug == Bug::IdempotentDelete && e.kind() == BackendErrorKind::NotFound =>
            {
                Ok(())
            }
            other => other,
        }
    }

    /// The memory backend's atomic PATCH, as a backend that overrides `patch_user` has it.
    async fn patch_user(
        &self,
        ctx: &Context,
        id: &str,
        patch: &PatchRequest,
        schema: &ResourceSchema,
        v: Option<&VersionCondition>,
    ) -> Result<User, BackendError> {
        let b = blind();
        self.inner
            .patch_user(self.ctx(ctx, &b), id, patch, schema, self.if_match(v))
            .await
    }

    async fn list_users(&self, ctx: &Context, q: &ListQuery) -> Result<Page<User>, BackendError> {
        let b = blind();
        self.inner
            .list_users(self.ctx(ctx, &b), &self.query(q))
            .await
    }

    async fn create_group(&self, ctx: &Context, group: Group) -> Result<Group, BackendError> {
        let b = blind();
        self.inner.create_group(self.ctx(ctx, &b), group).await
    }

    async fn get_group(
        &self,
        ctx: &Context,
        id: &str,
        s: &Selection,
    ) -> Result<Group, BackendError> {
        let b = blind();
        self.inner.get_group(self.ctx(ctx, &b), id, s).await
    }

    async fn replace_group(
        &self,
        ctx: &Context,
        id: &str,
        group: Group,
        v: Option<&VersionCondition>,
    ) -> Result<Group, BackendError> {
        let b = blind();
        self.inner
            .replace_group(self.ctx(ctx, &b), id, group, self.if_match(v))
            .await
    }

    async fn delete_group(
        &self,
        ctx: &Context,
        id: &str,
        v: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        let b = blind();
        self.inner
            .delete_group(self.ctx(ctx, &b), id, self.if_match(v))
            .await
    }

    async fn list_groups(&self, ctx: &Context, q: &ListQuery) -> Result<Page<Group>, BackendError> {
        let b = blind();
        self.inner
            .list_groups(self.ctx(ctx, &b), &self.query(q))
            .await
    }

    async fn modify_group_members(
        &self,
        ctx: &Context,
        id: &str,
        add: &[Member],
        remove: &[String],
        v: Option<&VersionCondition>,
        s: &Selection,
    ) -> Result<Group, BackendError> {
        let b = blind();
        let ctx = self.ctx(ctx, &b);
        if self.bug != Bug::LosesConcurrentMemberChanges {
            return self
                .inner
                .modify_group_members(ctx, id, add, remove, self.if_match(v), s)
                .await;
        }
        // read, let the other writers read too, write back what was read: last writer wins
        let mut group = self.inner.get_group(ctx, id, &Selection::all()).await?;
        tokio::time::sleep(Duration::from_millis(5)).await;
        group.members.retain(|m| !remove.contains(&m.value));
        for m in add {
            if !group.members.iter().any(|x| x.value == m.value) {
                group.members.push(m.clone());
            }
        }
        self.inner.replace_group(ctx, id, group, None).await
    }
}

async fn fails(check: &str, run: impl Future<Output = Result<(), Failure>>) -> Failure {
    match run.await {
        Ok(()) => panic!("the kit's `{check}` check passed a broken backend"),
        Err(f) => {
            assert_eq!(f.check(), check, "{f}");
            f
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_blind_backend_fails_every_isolation_check_and_the_model() {
    let f = Broken::factory(Bug::TenantBlind);
    fails("isolation_by_id", testkit::check_isolation_by_id(&f)).await;
    fails(
        "isolation_by_filter",
        testkit::check_isolation_by_filter(&f),
    )
    .await;
    fails(
        "isolation_by_search",
        testkit::check_isolation_by_search(&f),
    )
    .await;
    fails("isolation_by_key", testkit::check_isolation_by_key(&f)).await;
    let model = fails("model", testkit::check_model(&f)).await;
    assert!(model.detail().contains("operations"), "{model}");
    fails("isolation_by_id", testkit::check_isolation(&f)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_member_changes_fail_the_group_race() {
    let f = Broken::factory(Bug::LosesConcurrentMemberChanges);
    let failure = fails(
        "concurrent_group_members",
        testkit::check_concurrent_group_members(&f),
    )
    .await;
    assert!(failure.detail().contains("lost or duplicated"), "{failure}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignoring_if_match_fails_the_races_and_the_rfc_examples() {
    let f = Broken::factory(Bug::IgnoresIfMatch);
    fails(
        "concurrent_user_patches",
        testkit::check_concurrent_user_patches(&f),
    )
    .await;
    fails(
        "concurrent_group_members",
        testkit::check_concurrent_group_members(&f),
    )
    .await;
    let rfc = fails("rfc_examples", testkit::check_rfc_examples(&f)).await;
    assert!(rfc.detail().contains("expected 412"), "{rfc}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upserting_create_fails_the_uniqueness_race_and_the_model() {
    let f = Broken::factory(Bug::UpsertsOnCreate);
    fails("uniqueness_race", testkit::check_uniqueness_race(&f)).await;
    fails("model", testkit::check_model(&f)).await;
}

#[tokio::test]
async fn an_idempotent_delete_fails_the_model_with_a_short_sequence() {
    let failure = fails(
        "model",
        testkit::check_model(&Broken::factory(Bug::IdempotentDelete)),
    )
    .await;
    // shrunk to: create a user, delete it, delete it again
    assert!(failure.detail().contains("to 3 operations"), "{failure}");
    assert!(failure.detail().contains("DeleteUser"), "{failure}");
}

#[tokio::test]
async fn dropped_attributes_fail_the_rfc_examples() {
    let failure = fails(
        "rfc_examples",
        testkit::check_rfc_examples(&Broken::factory(Bug::DropsAddresses)),
    )
    .await;
    assert!(failure.detail().contains("addresses"), "{failure}");
}

#[tokio::test]
async fn ignored_filters_fail_the_replays() {
    let failure = fails(
        "replays",
        testkit::check_replays(&Broken::factory(Bug::IgnoresFilters)),
    )
    .await;
    assert!(failure.detail().contains("step"), "{failure}");
}

#[tokio::test]
async fn the_concurrency_checks_refuse_a_current_thread_runtime() {
    let memory = || async { Arc::new(MemoryBackend::new()) as Arc<dyn IdentityBackend> };
    let failure = fails("uniqueness_race", testkit::check_uniqueness_race(&memory)).await;
    assert!(failure.detail().contains("multi_thread"), "{failure}");
}

/// A key store with one bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyBug {
    /// `list` shows every tenant's keys.
    ListsEveryTenant,
    /// `revoke` answers true and keeps the key live.
    RevokeKeepsTheKey,
    /// `insert_known` of another tenant's secret returns that tenant's key.
    InsertAcrossTenants,
    /// `verify` accepts any secret that starts with a live one.
    PrefixVerify,
}

struct BrokenKeys {
    inner: MemoryKeyStore,
    bug: KeyBug,
    secrets: std::sync::Mutex<Vec<String>>,
}

#[async_trait]
impl ApiKeyStore for BrokenKeys {
    async fn mint(&self, t: &TenantId, l: Option<&str>) -> Result<(KeyInfo, Secret), BackendError> {
        let (info, secret) = self.inner.mint(t, l).await?;
        self.secrets
            .lock()
            .unwrap()
            .push(secret.expose().to_owned());
        Ok((info, secret))
    }

    async fn insert_known(
        &self,
        t: &TenantId,
        l: Option<&str>,
        s: &Secret,
    ) -> Result<KeyInfo, BackendError> {
        match self.inner.insert_known(t, l, s).await {
            Err(e)
                if self.bug == KeyBug::InsertAcrossTenants
                    && e.kind() == BackendErrorKind::Uniqueness =>
            {
                self.inner.verify(s.expose()).await?.ok_or(e)
            }
            other => other,
        }
    }

    async fn verify(&self, secret: &str) -> Result<Option<KeyInfo>, BackendError> {
        if self.bug == KeyBug::PrefixVerify {
            let known = self.secrets.lock().unwrap().clone();
            if let Some(live) = known.iter().find(|k| secret.starts_with(k.as_str())) {
                return self.inner.verify(live).await;
            }
        }
        self.inner.verify(secret).await
    }

    async fn list(&self, t: &TenantId) -> Result<Vec<KeyInfo>, BackendError> {
        let mut keys = self.inner.list(t).await?;
        if self.bug == KeyBug::ListsEveryTenant {
            for other in ["kit-tenant-a", "kit-tenant-b"] {
                if other != t.as_str() {
                    keys.extend(self.inner.list(&TenantId::new(other)).await?);
                }
            }
        }
        Ok(keys)
    }

    async fn revoke(&self, t: &TenantId, id: &str) -> Result<bool, BackendError> {
        if self.bug == KeyBug::RevokeKeepsTheKey {
            return Ok(self.inner.list(t).await?.iter().any(|k| k.id == id));
        }
        self.inner.revoke(t, id).await
    }
}

#[tokio::test]
async fn every_key_store_bug_fails_the_key_check() {
    for bug in [
        KeyBug::ListsEveryTenant,
        KeyBug::RevokeKeepsTheKey,
        KeyBug::InsertAcrossTenants,
        KeyBug::PrefixVerify,
    ] {
        let factory = move || async move {
            Arc::new(BrokenKeys {
                inner: MemoryKeyStore::new(),
                bug,
                secrets: Default::default(),
            }) as Arc<dyn ApiKeyStore>
        };
        let failure = testkit::check_key_store(&factory).await;
        assert!(failure.is_err(), "{bug:?} passed the key store check");
        assert_eq!(failure.unwrap_err().check(), "key_store");
    }
}
