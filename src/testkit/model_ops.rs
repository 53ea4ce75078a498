//! The reference model of the model check: the operations it draws (renames by PUT and by
//! PATCH), what each does to a
//! tenant's users and groups, and the comparison of the backend's final state with the model
//! ([RFC 7644 §3.3–§3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)).

use super::failure::{Outcome, Step, ensure};
use crate::Filter;
use crate::auth::Context;
use crate::backend::{BackendError, BackendErrorKind, IdentityBackend};
use crate::compat::Compat;
use crate::patch::{PatchLimits, PatchRequest};
use crate::query::{ListQuery, Selection};
use crate::resource::{Group, Member, User};
use crate::schema::ResourceSchema;
use proptest::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The user names the model draws from: two differ only by case (`userName` is unique
/// case-insensitively, RFC 7643 §4.1.1).
const NAMES: [&str; 4] = ["ann", "ANN", "bob", "cy"];

/// One operation; slots number a tenant's users and groups in creation order.
#[derive(Debug, Clone)]
pub(super) enum Op {
    CreateUser {
        tenant: usize,
        name: &'static str,
    },
    RenameUser {
        tenant: usize,
        user: usize,
        name: &'static str,
    },
    /// A rename by PATCH (`replace` of `userName`), through `patch_user`.
    PatchUserName {
        tenant: usize,
        user: usize,
        name: &'static str,
    },
    DeleteUser {
        tenant: usize,
        user: usize,
    },
    CreateGroup {
        tenant: usize,
        name: &'static str,
    },
    DeleteGroup {
        tenant: usize,
        group: usize,
    },
    AddMember {
        tenant: usize,
        group: usize,
        user: usize,
    },
    RemoveMember {
        tenant: usize,
        group: usize,
        user: usize,
    },
    SetMembers {
        tenant: usize,
        group: usize,
        users: [usize; 2],
    },
}

pub(super) fn op() -> impl Strategy<Value = Op> {
    let t = 0..2usize;
    let i = 0..4usize;
    let n = (0..NAMES.len()).prop_map(|n| NAMES.get(n).copied().unwrap_or("ann"));
    prop_oneof![
        (t.clone(), n.clone()).prop_map(|(tenant, name)| Op::CreateUser { tenant, name }),
        (t.clone(), i.clone(), n.clone()).prop_map(|(tenant, user, name)| Op::PatchUserName {
            tenant,
            user,
            name
        }),
        (t.clone(), i.clone(), n.clone()).prop_map(|(tenant, user, name)| Op::RenameUser {
            tenant,
            user,
            name
        }),
        (t.clone(), i.clone()).prop_map(|(tenant, user)| Op::DeleteUser { tenant, user }),
        (t.clone(), n).prop_map(|(tenant, name)| Op::CreateGroup { tenant, name }),
        (t.clone(), i.clone()).prop_map(|(tenant, group)| Op::DeleteGroup { tenant, group }),
        (t.clone(), i.clone(), i.clone()).prop_map(|(tenant, group, user)| Op::AddMember {
            tenant,
            group,
            user
        }),
        (t.clone(), i.clone(), i.clone()).prop_map(|(tenant, group, user)| Op::RemoveMember {
            tenant,
            group,
            user
        }),
        (t, i.clone(), i.clone(), i).prop_map(|(tenant, group, a, b)| Op::SetMembers {
            tenant,
            group,
            users: [a, b]
        }),
    ]
}

/// The reference of one tenant: users (slot → name) and groups (slot → (name, member slots)).
#[derive(Default, Debug)]
pub(super) struct Model {
    users: BTreeMap<usize, String>,
    groups: BTreeMap<usize, (String, BTreeSet<usize>)>,
}

/// Slots map the model's users/groups to the backend's ids, in creation order per tenant.
#[derive(Default)]
pub(super) struct Ids {
    users: Vec<Option<String>>,
    groups: Vec<Option<String>>,
}

impl Ids {
    fn user(&self, slot: usize) -> Option<String> {
        self.users.get(slot).cloned().flatten()
    }
    fn group(&self, slot: usize) -> Option<String> {
        self.groups.get(slot).cloned().flatten()
    }
}

type Result2 = Result<(), BackendErrorKind>;

fn kind<T>(r: Result<T, BackendError>) -> Result2 {
    r.map(drop).map_err(|e| e.kind())
}

/// The PATCH that renames a user (`replace` of `userName`, RFC 7644 §3.5.2.3).
fn rename_patch(name: &str) -> Result<PatchRequest, crate::Error> {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "userName", "value": name}]
    });
    PatchRequest::from_value(body, &Compat::default(), &PatchLimits::default())
}

/// Applies one operation to the backend and the model: (what the backend did, what the model
/// says), or `None` when the operation names a slot that was never filled.
pub(super) async fn apply(
    b: &dyn IdentityBackend,
    ctxs: &[Context; 2],
    models: &mut [Model; 2],
    ids: &mut [Ids; 2],
    op: &Op,
) -> Option<(Result2, Result2)> {
    let all = Selection::all();
    match *op {
        Op::CreateUser { tenant: t, name } => {
            let m = models.get_mut(t)?;
            let taken = m.users.values().any(|u| u.eq_ignore_ascii_case(name));
            let got = b.create_user(ctxs.get(t)?, User::new(name)).await;
            let ids = ids.get_mut(t)?;
            let slot = ids.users.len();
            ids.users.push(got.as_ref().ok().and_then(|u| u.id.clone()));
            let want = if taken {
                Err(BackendErrorKind::Uniqueness)
            } else {
                m.users.insert(slot, name.to_owned());
                Ok(())
            };
            Some((kind(got), want))
        }
        Op::RenameUser {
            tenant: t,
            user: u,
            name,
        }
        | Op::PatchUserName {
            tenant: t,
            user: u,
            name,
        } => {
            let id = ids.get(t)?.user(u)?;
            let m = models.get_mut(t)?;
            let want = if !m.users.contains_key(&u) {
                Err(BackendErrorKind::NotFound)
            } else if m
                .users
                .iter()
                .any(|(k, v)| *k != u && v.eq_ignore_ascii_case(name))
            {
                Err(BackendErrorKind::Uniqueness)
            } else {
                m.users.insert(u, name.to_owned());
                Ok(())
            };
            let ctx = ctxs.get(t)?;
            let got = if matches!(op, Op::RenameUser { .. }) {
                kind(b.replace_user(ctx, &id, User::new(name), None).await)
            } else {
                let patch = rename_patch(name).ok()?;
                kind(
                    b.patch_user(ctx, &id, &patch, &ResourceSchema::user(), None)
                        .await,
                )
            };
            Some((got, want))
        }
        Op::DeleteUser { tenant: t, user: u } => {
            let id = ids.get(t)?.user(u)?;
            let m = models.get_mut(t)?;
            let want = if m.users.remove(&u).is_some() {
                for g in m.groups.values_mut() {
                    g.1.remove(&u);
                }
                Ok(())
            } else {
                Err(BackendErrorKind::NotFound)
            };
            Some((kind(b.delete_user(ctxs.get(t)?, &id, None).await), want))
        }
        Op::CreateGroup { tenant: t, name } => {
            let got = b.create_group(ctxs.get(t)?, Group::new(name)).await;
            let ids = ids.get_mut(t)?;
            let slot = ids.groups.len();
            ids.groups
                .push(got.as_ref().ok().and_then(|g| g.id.clone()));
            models
                .get_mut(t)?
                .groups
                .insert(slot, (name.to_owned(), BTreeSet::new()));
            Some((kind(got), Ok(())))
        }
        Op::DeleteGroup {
            tenant: t,
            group: g,
        } => {
            let id = ids.get(t)?.group(g)?;
            let want = match models.get_mut(t)?.groups.remove(&g) {
                Some(_) => Ok(()),
                None => Err(BackendErrorKind::NotFound),
            };
            Some((kind(b.delete_group(ctxs.get(t)?, &id, None).await), want))
        }
        Op::AddMember {
            tenant: t,
            group: g,
            user: u,
        }
        | Op::RemoveMember {
            tenant: t,
            group: g,
            user: u,
        } => {
            let add = matches!(op, Op::AddMember { .. });
            let gid = ids.get(t)?.group(g)?;
            // a user slot of the *other* tenant, sometimes: it must never be accepted
            let (ut, uid) = match ids.get(t)?.user(u) {
                Some(id) => (t, id),
                None => (1 - t, ids.get(1 - t)?.user(u)?),
            };
            let m = models.get_mut(t)?;
            let user_here = ut == t && m.users.contains_key(&u);
            let want = match m.groups.get_mut(&g) {
                None => Err(BackendErrorKind::NotFound),
                Some(_) if add && !user_here => Err(BackendErrorKind::Invalid),
                Some((_, members)) => {
                    if add {
                        members.insert(u);
                    } else if ut == t {
                        members.remove(&u);
                    }
                    Ok(())
                }
            };
            let (a, r) = if add {
                (vec![Member::new(&uid)], vec![])
            } else {
                (vec![], vec![uid.clone()])
            };
            let got = b
                .modify_group_members(ctxs.get(t)?, &gid, &a, &r, None, &all)
                .await;
            Some((kind(got), want))
        }
        Op::SetMembers {
            tenant: t,
            group: g,
            users,
        } => {
            let gid = ids.get(t)?.group(g)?;
            let slots: BTreeSet<usize> = users.into_iter().collect();
            let mut group = Group::new(models.get(t)?.groups.get(&g).map_or("gone", |x| &x.0));
            for slot in &slots {
                group = group.with_member(Member::user(ids.get(t)?.user(*slot)?));
            }
            let m = models.get_mut(t)?;
            let want = match m.groups.get_mut(&g) {
                None => Err(BackendErrorKind::NotFound),
                Some(_) if !slots.iter().all(|s| m.users.contains_key(s)) => {
                    Err(BackendErrorKind::Invalid)
                }
                Some((_, members)) => {
                    *members = slots;
                    Ok(())
                }
            };
            let got = b.replace_group(ctxs.get(t)?, &gid, group, None).await;
            Some((kind(got), want))
        }
    }
}

/// The backend's final state of one tenant agrees with the model: users (listed and found by
/// `userName`), groups, members and `User.groups`.
pub(super) async fn check_state(
    b: &dyn IdentityBackend,
    ctx: &Context,
    model: &Model,
    ids: &Ids,
) -> Outcome {
    let all = Selection::all();
    let page = b
        .list_users(ctx, &ListQuery::new())
        .await
        .step("list_users")?;
    let mut names: Vec<String> = page.resources.iter().map(|u| u.user_name.clone()).collect();
    names.sort();
    let mut want: Vec<String> = model.users.values().cloned().collect();
    want.sort();
    ensure!(
        names == want,
        "list_users gives {names:?}, the model has {want:?}"
    );
    ensure!(
        page.total_results == want.len(),
        "list_users says totalResults {}, the model has {}",
        page.total_results,
        want.len()
    );
    for (slot, name) in &model.users {
        let filter =
            Filter::parse(&format!("userName eq \"{}\"", name.to_uppercase())).step("filter")?;
        let found = b
            .list_users(ctx, &ListQuery::new().with_filter(filter))
            .await
            .step("list_users by userName")?;
        let found: Vec<Option<String>> = found.resources.into_iter().map(|u| u.id).collect();
        ensure!(
            found == [ids.user(*slot)],
            "userName eq \"{}\" finds {found:?}, the model has user {slot}",
            name.to_uppercase()
        );
    }
    let groups = b
        .list_groups(ctx, &ListQuery::new())
        .await
        .step("list_groups")?;
    ensure!(
        groups.total_results == model.groups.len(),
        "list_groups finds {} groups, the model has {}",
        groups.total_results,
        model.groups.len()
    );
    for (slot, (name, members)) in &model.groups {
        let gid = ids.group(*slot).step("group id")?;
        let g = b.get_group(ctx, &gid, &all).await.step("get_group")?;
        ensure!(
            &g.display_name == name,
            "group {slot} is named {:?}, not {name:?}",
            g.display_name
        );
        let got: BTreeSet<String> = g.member_ids().map(str::to_owned).collect();
        let want: BTreeSet<String> = members.iter().filter_map(|u| ids.user(*u)).collect();
        ensure!(
            got == want,
            "group {slot} has members {got:?}, the model has {want:?}"
        );
        ensure!(
            g.members.len() == want.len(),
            "group {slot} lists a member twice: {:?}",
            g.members
        );
    }
    for slot in model.users.keys() {
        let uid = ids.user(*slot).step("user id")?;
        let u = b.get_user(ctx, &uid, &all).await.step("get_user")?;
        let got: BTreeSet<String> = u.groups.iter().filter_map(|g| g.value.clone()).collect();
        let want: BTreeSet<String> = model
            .groups
            .iter()
            .filter(|(_, (_, m))| m.contains(slot))
            .filter_map(|(g, _)| ids.group(*g))
            .collect();
        ensure!(
            got == want,
            "user {slot} has groups {got:?}, the model has {want:?}"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_makes_a_rename_patch() {
        for name in NAMES {
            assert_eq!(rename_patch(name).unwrap().operations().len(), 1);
        }
    }
}
