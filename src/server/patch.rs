//! Serving PATCH ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)) on
//! the backend's primitives: a Group PATCH that only adds or removes members becomes one
//! [`modify_group_members`](crate::backend::IdentityBackend::modify_group_members) call (no
//! member list is read); everything else is read → apply (all or nothing) → validate →
//! replace with the read version, retried when another writer came in between (and the client
//! sent no `If-Match`: with one, a concurrent change is a 412).

use super::ScimServer;
use super::resource::{backend_error, check_if_match};
use super::response::Reply;
use super::served::Served;
use crate::auth::Context;
use crate::backend::BackendErrorKind;
use crate::patch::{MemberChange, MemberRef, PatchRequest};
use crate::query::Selection;
use crate::query::validate;
use crate::resource::{Group, Member, VersionCondition};

/// How often a read → apply → replace is retried after losing a race to another writer.
const MAX_ATTEMPTS: usize = 5;

impl ScimServer {
    /// Applies a PATCH to any served resource by read → apply → validate → replace.
    pub(super) async fn patch_whole<R: Served>(
        &self,
        ctx: &Context,
        id: &str,
        request: &PatchRequest,
        if_match: Option<&VersionCondition>,
    ) -> Result<R, Reply> {
        let schema = self.resource_schema(R::KIND);
        let options = self.validate_options();
        let all = Selection::all();
        let mut attempt = 0;
        loop {
            let current = R::get(self.backend(), ctx, id, &all)
                .await
                .map_err(backend_error)?;
            check_if_match(if_match, &current)?;
            let mut json = current.to_json();
            let outcome = request.apply(&mut json, schema)?;
            if !outcome.changed {
                // RFC 7644 §3.5.2: a PATCH that changes nothing leaves the resource (and its
                // version and lastModified) as it was.
                return Ok(current);
            }
            validate::check(&json, schema, &options)?;
            let next = R::from_json(json)?;
            let read = current
                .version()
                .map(|v| VersionCondition::OneOf(vec![v.clone()]));
            let condition = if_match.or(read.as_ref());
            match R::replace(self.backend(), ctx, id, next, condition).await {
                Ok(done) => return Ok(done),
                Err(e)
                    if e.kind() == BackendErrorKind::PreconditionFailed
                        && if_match.is_none()
                        && attempt + 1 < MAX_ATTEMPTS =>
                {
                    attempt += 1;
                }
                Err(e) => return Err(backend_error(e)),
            }
        }
    }

    /// A Group PATCH: a pure member add/remove goes to the backend as a delta; anything else
    /// is applied to the whole group.
    pub(super) async fn patch_group(
        &self,
        ctx: &Context,
        id: &str,
        request: &PatchRequest,
        if_match: Option<&VersionCondition>,
        selection: &Selection,
    ) -> Result<Group, Reply> {
        let schema = self.resource_schema(Group::KIND);
        let delta = match request.group_delta(schema)? {
            Some(d) if d.rest.is_none() && d.display_name.is_none() && d.external_id.is_none() => {
                d.members
            }
            _ => return self.patch_whole::<Group>(ctx, id, request, if_match).await,
        };
        match delta {
            MemberChange::Delta { remove, add } => {
                let add: Vec<Member> = add.iter().map(member).collect();
                self.backend()
                    .modify_group_members(ctx, id, &add, &remove, if_match, selection)
                    .await
                    .map_err(backend_error)
            }
            MemberChange::Unchanged => {
                let current = Group::get(self.backend(), ctx, id, selection)
                    .await
                    .map_err(backend_error)?;
                check_if_match(if_match, &current)?;
                Ok(current)
            }
            _ => self.patch_whole::<Group>(ctx, id, request, if_match).await,
        }
    }
}

/// A PATCH member as a typed group member.
fn member(m: &MemberRef) -> Member {
    Member {
        reference: m.reference.clone(),
        display: m.display.clone(),
        kind: m.kind.clone(),
        ..Member::new(m.value.clone())
    }
}
