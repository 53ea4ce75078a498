//! Which [`IdentityBackend`] method serves which typed resource: the one place the generic
//! handlers of `resource.rs` meet the per-type backend API
//! ([RFC 7644 §3.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.2), the endpoint table).

use super::direct::Direct;
use super::route::Kind;
use crate::auth::Context;
use crate::backend::{BackendError, IdentityBackend, Page};
use crate::patch::PatchRequest;
use crate::query::{ListQuery, Selection};
use crate::resource::{Group, User, VersionCondition};
use crate::schema::ResourceSchema;
use std::future::Future;
use std::pin::Pin;

/// The future a backend call returns (what `#[async_trait]` methods return).
pub(crate) type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// A typed resource the server serves, with the backend methods for it.
pub(crate) trait Served: Direct {
    /// The route kind.
    const KIND: Kind;
    /// Whether a PATCH that asks for no attributes is answered 204 without a body
    /// ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2) allows it):
    /// for Groups, whose answer would otherwise carry every member.
    const PATCH_NO_CONTENT: bool;
    fn create<'a>(b: &'a dyn IdentityBackend, ctx: &'a Context, r: Self) -> Call<'a, Self>;
    fn get<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        selection: &'a Selection,
    ) -> Call<'a, Self>;
    fn replace<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        r: Self,
        if_match: Option<&'a VersionCondition>,
    ) -> Call<'a, Self>;
    fn delete<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        if_match: Option<&'a VersionCondition>,
    ) -> Call<'a, ()>;
    fn list<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        q: &'a ListQuery,
    ) -> Call<'a, Page<Self>>;
    /// PATCH (RFC 7644 §3.5.2), all or nothing; `schema` is the served resource type.
    fn patch<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        request: &'a PatchRequest,
        schema: &'a ResourceSchema,
        if_match: Option<&'a VersionCondition>,
        selection: &'a Selection,
    ) -> Call<'a, Self>;
}

impl Served for User {
    const KIND: Kind = Kind::User;
    const PATCH_NO_CONTENT: bool = false;
    fn create<'a>(b: &'a dyn IdentityBackend, ctx: &'a Context, r: Self) -> Call<'a, Self> {
        b.create_user(ctx, r)
    }
    fn get<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        selection: &'a Selection,
    ) -> Call<'a, Self> {
        b.get_user(ctx, id, selection)
    }
    fn replace<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        r: Self,
        if_match: Option<&'a VersionCondition>,
    ) -> Call<'a, Self> {
        b.replace_user(ctx, id, r, if_match)
    }
    fn delete<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        if_match: Option<&'a VersionCondition>,
    ) -> Call<'a, ()> {
        b.delete_user(ctx, id, if_match)
    }
    fn list<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        q: &'a ListQuery,
    ) -> Call<'a, Page<Self>> {
        b.list_users(ctx, q)
    }
    fn patch<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        request: &'a PatchRequest,
        schema: &'a ResourceSchema,
        if_match: Option<&'a VersionCondition>,
        _selection: &'a Selection,
    ) -> Call<'a, Self> {
        b.patch_user(ctx, id, request, schema, if_match)
    }
}

impl Served for Group {
    const KIND: Kind = Kind::Group;
    const PATCH_NO_CONTENT: bool = true;
    fn create<'a>(b: &'a dyn IdentityBackend, ctx: &'a Context, r: Self) -> Call<'a, Self> {
        b.create_group(ctx, r)
    }
    fn get<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        selection: &'a Selection,
    ) -> Call<'a, Self> {
        b.get_group(ctx, id, selection)
    }
    fn replace<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        r: Self,
        if_match: Option<&'a VersionCondition>,
    ) -> Call<'a, Self> {
        b.replace_group(ctx, id, r, if_match)
    }
    fn delete<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        if_match: Option<&'a VersionCondition>,
    ) -> Call<'a, ()> {
        b.delete_group(ctx, id, if_match)
    }
    fn list<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        q: &'a ListQuery,
    ) -> Call<'a, Page<Self>> {
        b.list_groups(ctx, q)
    }
    fn patch<'a>(
        b: &'a dyn IdentityBackend,
        ctx: &'a Context,
        id: &'a str,
        request: &'a PatchRequest,
        schema: &'a ResourceSchema,
        if_match: Option<&'a VersionCondition>,
        selection: &'a Selection,
    ) -> Call<'a, Self> {
        b.patch_group(ctx, id, request, schema, if_match, selection)
    }
}
