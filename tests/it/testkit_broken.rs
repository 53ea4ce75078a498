//! No check of the conformance kit "cannot fail": each deliberately broken wrapper of the
//! memory backend has one bug a real backend could have, and the kit check meant for that bug
//! must catch it (the key store's: `testkit_broken_keys.rs`).

use async_trait::async_trait;
use scimitar::auth::{Context, Principal};
use scimitar::backend::{
    BackendError, BackendErrorKind, Capabilities, IdentityBackend, MemoryBackend, Page,
};
use scimitar::patch::PatchRequest;
use scimitar::query::{ListQuery, Selection};
use scimitar::resource::{GenericResource, Group, Member, User, VersionCondition};
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
    /// A user PATCH reads the user, waits, and writes back what it read with the PATCH applied.
    LosesConcurrentPatches,
    /// A create of a taken `userName` returns the existing user.
    UpsertsOnCreate,
    /// Deleting an unknown user succeeds.
    IdempotentDelete,
    /// `addresses` are not stored.
    DropsAddresses,
    /// Lists ignore the filter.
    IgnoresFilters,
    /// Resources of custom types are not stored (the trait's 501 defaults).
    NoCustomTypes,
    /// Cursor walks are offset paging in disguise: the cursor holds how many were served.
    WalksByOffset,
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
        let ctx = self.ctx(ctx, &b);
        if self.bug != Bug::LosesConcurrentPatches {
            return self
                .inner
                .patch_user(ctx, id, patch, schema, self.if_match(v))
                .await;
        }
        let mut json = self
            .inner
            .get_user(ctx, id, &Selection::all())
            .await?
            .to_json();
        tokio::time::sleep(Duration::from_millis(5)).await;
        patch.apply(&mut json, schema)?;
        let user = User::from_json(json)?;
        self.inner.replace_user(ctx, id, user, v).await
    }

    async fn list_users(&self, ctx: &Context, q: &ListQuery) -> Result<Page<User>, BackendError> {
        if self.bug == Bug::WalksByOffset
            && let Some(c) = &q.cursor
        {
            let served: usize = c.after().and_then(|s| s.parse().ok()).unwrap_or(0);
            let mut by_index = q.clone();
            by_index.cursor = None;
            by_index.start_index = served + 1;
            let page = self.inner.list_users(ctx, &by_index).await?;
            let served = served + page.resources.len();
            let next = (served < page.total_results).then(|| served.to_string());
            return Ok(page.with_next(next));
        }
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

    async fn create_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        r: GenericResource,
    ) -> Result<GenericResource, BackendError> {
        if self.bug == Bug::NoCustomTypes {
            return Err(BackendError::not_implemented("no custom types"));
        }
        let b = blind();
        self.inner
            .create_resource(self.ctx(ctx, &b), schema, r)
            .await
    }

    async fn get_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
    ) -> Result<GenericResource, BackendError> {
        let b = blind();
        self.inner.get_resource(self.ctx(ctx, &b), schema, id).await
    }

    async fn replace_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        r: GenericResource,
        v: Option<&VersionCondition>,
    ) -> Result<GenericResource, BackendError> {
        let b = blind();
        self.inner
            .replace_resource(self.ctx(ctx, &b), schema, id, r, self.if_match(v))
            .await
    }

    async fn delete_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        v: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        let b = blind();
        self.inner
            .delete_resource(self.ctx(ctx, &b), schema, id, self.if_match(v))
            .await
    }

    async fn list_resources(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        q: &ListQuery,
    ) -> Result<Page<GenericResource>, BackendError> {
        let b = blind();
        self.inner
            .list_resources(self.ctx(ctx, &b), schema, &self.query(q))
            .await
    }

    async fn patch_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        p: &PatchRequest,
        v: Option<&VersionCondition>,
    ) -> Result<GenericResource, BackendError> {
        let b = blind();
        self.inner
            .patch_resource(self.ctx(ctx, &b), schema, id, p, self.if_match(v))
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
async fn lost_user_patches_fail_the_user_race() {
    let f = Broken::factory(Bug::LosesConcurrentPatches);
    let failure = fails(
        "concurrent_user_patches",
        testkit::check_concurrent_user_patches(&f),
    )
    .await;
    assert!(failure.detail().contains("lost or phantom"), "{failure}");
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
async fn an_offset_walk_fails_the_cursor_walk_check() {
    let failure = fails(
        "cursor_walk",
        testkit::check_cursor_walk(&Broken::factory(Bug::WalksByOffset)),
    )
    .await;
    assert!(
        failure
            .detail()
            .contains("creates and deletes between pages")
            || failure.detail().contains("already on an earlier page")
            || failure.detail().contains("not in ascending id order"),
        "{failure}"
    );
}

#[tokio::test]
async fn the_concurrency_checks_refuse_a_current_thread_runtime() {
    let memory = || async { Arc::new(MemoryBackend::new()) as Arc<dyn IdentityBackend> };
    let failure = fails("uniqueness_race", testkit::check_uniqueness_race(&memory)).await;
    assert!(failure.detail().contains("multi_thread"), "{failure}");
}

#[tokio::test]
async fn custom_types_fail_when_not_stored_tenant_blind_or_unfiltered() {
    for bug in [
        Bug::NoCustomTypes,
        Bug::TenantBlind,
        Bug::IgnoresIfMatch,
        Bug::IgnoresFilters,
    ] {
        let f = Broken::factory(bug);
        fails("custom_types", testkit::check_custom_types(&f)).await;
    }
    let f = Broken::factory(Bug::IgnoresFilters);
    fails(
        "extension_attributes",
        testkit::check_extension_attributes(&f),
    )
    .await;
}
