//! The `IdentityBackend` trait: where identities live
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3): create, retrieve, replace,
//! modify, delete and query Users and Groups).

use super::{BackendError, Capabilities, Page, StoredUser};
use crate::auth::Context;
use crate::patch::PatchRequest;
use crate::query::{ListQuery, Selection};
use crate::resource::{GenericResource, Group, Member, User, VersionCondition};
use crate::schema::ResourceSchema;
use async_trait::async_trait;

/// A store of Users and Groups that the SCIM server calls
/// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
///
/// Object-safe (`Arc<dyn IdentityBackend>`), so a service picks a backend at run time. Every
/// call carries the [`Context`] of the authenticated key: a backend keeps tenants apart, also
/// for lookups by `id` (an id of tenant A is "not found" for tenant B).
///
/// Required: create, get, replace, delete and list for each type. Provided, and overridable
/// when a backend can do better: `patch_user` and `patch_group` (get → apply → replace, with the
/// version checked), and `modify_group_members` (the member delta of a PATCH, so a backend can
/// add one member to a 100 000-member group without reading the other 99 999).
///
/// Versions: `if_match` is the client's `If-Match` header
/// ([RFC 7644 §3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)); when it does not
/// match the current `meta.version` the call fails with
/// [`BackendError::precondition_failed`] (412). Returned resources carry their new
/// `meta.version`, `meta.created`, `meta.lastModified` and `meta.resourceType`; the server adds
/// `meta.location`.
///
/// Resources of types registered at run time (e.g. a `Device`,
/// [RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6)) go through the
/// `*_resource` methods, which name the type by its [`ResourceSchema`]; the server has
/// validated each body against it. Their defaults answer 501 (the backend keeps no such
/// resources), so implementations written before them keep compiling; every backend of this
/// crate overrides them.
///
/// New methods (bulk, cursors) are added with default bodies, so existing implementations
/// keep compiling.
#[async_trait]
pub trait IdentityBackend: Send + Sync {
    /// What this backend supports: drives `/ServiceProviderConfig` and which filters the server
    /// accepts ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5)).
    fn capabilities(&self) -> &Capabilities;

    /// Creates a user ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)):
    /// assigns `id` and `meta`; 409 `uniqueness` when the `userName` is taken in the tenant.
    async fn create_user(&self, ctx: &Context, user: User) -> Result<User, BackendError>;

    /// The user with this `id` ([RFC 7644 §3.4.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.1));
    /// 404 when the tenant has none. `selection` says which attributes the answer needs (a
    /// backend may skip e.g. `groups`; the server projects exactly).
    async fn get_user(
        &self,
        ctx: &Context,
        id: &str,
        selection: &Selection,
    ) -> Result<User, BackendError>;

    /// Replaces a user ([RFC 7644 §3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1)):
    /// `id`, `meta.created` and the group memberships stay; every other attribute is `user`'s.
    /// 404, 409 `uniqueness` (a `userName` taken by another user), 412 (version mismatch).
    async fn replace_user(
        &self,
        ctx: &Context,
        id: &str,
        user: User,
        if_match: Option<&VersionCondition>,
    ) -> Result<User, BackendError>;

    /// Deletes a user ([RFC 7644 §3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.6)) and
    /// its group memberships; 404, 412.
    async fn delete_user(
        &self,
        ctx: &Context,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError>;

    /// The users matching `query`, sorted and paged
    /// ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)). No match is an
    /// empty page, never 404.
    async fn list_users(
        &self,
        ctx: &Context,
        query: &ListQuery,
    ) -> Result<Page<User>, BackendError>;

    /// [`list_users`](Self::list_users) for a backend that keeps each user as JSON text: the
    /// page with each user as a [`StoredUser`], whose body the server copies into the
    /// ListResponse without decoding it when the request allows (the default projection of
    /// the standard User resource type), and decodes otherwise
    /// ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).
    ///
    /// The default answers `None`, and the server calls [`list_users`](Self::list_users).
    async fn list_users_stored(
        &self,
        ctx: &Context,
        query: &ListQuery,
    ) -> Result<Option<Page<StoredUser>>, BackendError> {
        let _ = (ctx, query);
        Ok(None)
    }

    /// Applies a PATCH to a user ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)),
    /// all or nothing. `schema` is the User resource type as the server serves it (with the
    /// extensions registered at run time); the PATCH engine resolves paths and checks values
    /// against it. A PATCH that changes nothing keeps `meta.version` and `meta.lastModified`.
    ///
    /// The default reads the user, applies the request to its JSON and replaces it with the
    /// version it read (retried when another writer came between; 412 when the client's
    /// `If-Match` does not match). Backends that can apply a PATCH atomically in place override it.
    async fn patch_user(
        &self,
        ctx: &Context,
        id: &str,
        patch: &PatchRequest,
        schema: &ResourceSchema,
        if_match: Option<&VersionCondition>,
    ) -> Result<User, BackendError> {
        super::defaults::patch_user(self, ctx, id, patch, schema, if_match).await
    }

    /// Creates a group ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)).
    async fn create_group(&self, ctx: &Context, group: Group) -> Result<Group, BackendError>;

    /// The group with this `id`; `selection` lets a backend skip `members` when the answer does
    /// not need them (Entra ID: `excludedAttributes=members`).
    async fn get_group(
        &self,
        ctx: &Context,
        id: &str,
        selection: &Selection,
    ) -> Result<Group, BackendError>;

    /// Replaces a group, its member list included
    /// ([RFC 7644 §3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1); Okta pushes
    /// membership this way).
    async fn replace_group(
        &self,
        ctx: &Context,
        id: &str,
        group: Group,
        if_match: Option<&VersionCondition>,
    ) -> Result<Group, BackendError>;

    /// Deletes a group ([RFC 7644 §3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.6)).
    async fn delete_group(
        &self,
        ctx: &Context,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError>;

    /// The groups matching `query`, sorted and paged
    /// ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).
    async fn list_groups(
        &self,
        ctx: &Context,
        query: &ListQuery,
    ) -> Result<Page<Group>, BackendError>;

    /// Applies a PATCH to a group ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)),
    /// all or nothing, and returns the group as `selection` needs it.
    ///
    /// The default uses the member delta ([`PatchRequest::group_delta`]) when the request only
    /// adds or removes members, calling [`IdentityBackend::modify_group_members`]; otherwise it
    /// reads the group, applies the request to its JSON and replaces it (as `patch_user` does).
    async fn patch_group(
        &self,
        ctx: &Context,
        id: &str,
        patch: &PatchRequest,
        schema: &ResourceSchema,
        if_match: Option<&VersionCondition>,
        selection: &Selection,
    ) -> Result<Group, BackendError> {
        super::defaults::patch_group(self, ctx, id, patch, schema, if_match, selection).await
    }

    /// Adds and removes members of a group: the member delta of a PATCH
    /// ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2); Entra ID's
    /// `add`/`remove` of `members`). Adding a present member or removing an absent one changes
    /// nothing. Returns the group as `selection` needs it.
    ///
    /// The default reads the whole group, changes it and replaces it (with the version checked,
    /// retried when another writer came between); a backend with native member operations
    /// overrides it to touch only the changed members.
    async fn modify_group_members(
        &self,
        ctx: &Context,
        id: &str,
        add: &[Member],
        remove: &[String],
        if_match: Option<&VersionCondition>,
        selection: &Selection,
    ) -> Result<Group, BackendError> {
        let _ = selection;
        super::defaults::modify_group_members(self, ctx, id, add, remove, if_match).await
    }

    /// Creates a resource of a type registered at run time
    /// ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)): assigns `id` and
    /// `meta` (`resourceType` is `schema`'s name); 409 `uniqueness` when a value the type
    /// declares unique ([`unique_values`](super::unique_values)) is taken in the tenant.
    ///
    /// The default answers 501: this backend stores no custom resource types.
    async fn create_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        resource: GenericResource,
    ) -> Result<GenericResource, BackendError> {
        let _ = (ctx, resource);
        Err(super::generic::not_stored(schema))
    }

    /// The resource of type `schema` with this `id`; 404 when the tenant has none
    /// ([RFC 7644 §3.4.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.1)). The default
    /// answers 501.
    async fn get_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
    ) -> Result<GenericResource, BackendError> {
        let _ = (ctx, id);
        Err(super::generic::not_stored(schema))
    }

    /// Replaces a resource of type `schema`
    /// ([RFC 7644 §3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1)): `id` and
    /// `meta.created` stay; 404, 409 `uniqueness`, 412. The default answers 501.
    async fn replace_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        resource: GenericResource,
        if_match: Option<&VersionCondition>,
    ) -> Result<GenericResource, BackendError> {
        let _ = (ctx, id, resource, if_match);
        Err(super::generic::not_stored(schema))
    }

    /// Deletes a resource of type `schema`
    /// ([RFC 7644 §3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.6)); 404, 412. The
    /// default answers 501.
    async fn delete_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        let _ = (ctx, id, if_match);
        Err(super::generic::not_stored(schema))
    }

    /// The resources of type `schema` matching `query`, sorted and paged
    /// ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)). Every filter
    /// the crate parses must be answered (the server checks no [`Capabilities`] rules for
    /// custom types): [`apply_query`](crate::query::apply_query) does it over the resources'
    /// JSON. A backend whose [`Capabilities::cursor`] is set answers cursor walks
    /// ([`ListQuery::cursor`]) here too, as `list_users` does. The default answers 501.
    async fn list_resources(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        query: &ListQuery,
    ) -> Result<Page<GenericResource>, BackendError> {
        let _ = (ctx, query);
        Err(super::generic::not_stored(schema))
    }

    /// Applies a PATCH to a resource of type `schema`
    /// ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)), all or
    /// nothing; a PATCH that changes nothing keeps `meta.version`. The default reads the
    /// resource, applies the request to its JSON and replaces it with the version it read
    /// (retried when another writer came between).
    async fn patch_resource(
        &self,
        ctx: &Context,
        schema: &ResourceSchema,
        id: &str,
        patch: &PatchRequest,
        if_match: Option<&VersionCondition>,
    ) -> Result<GenericResource, BackendError> {
        super::generic::patch_resource(self, ctx, schema, id, patch, if_match).await
    }
}
