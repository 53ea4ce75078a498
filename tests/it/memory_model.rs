//! Property: the memory backend behaves like a simple reference model under any sequence of
//! operations (creates, renames, deletes, member changes, in two tenants): the same successes
//! and failures, the same users, groups, members and `User.groups`.

use proptest::prelude::*;
use scimitar::auth::{Context, Principal};
use scimitar::backend::{BackendErrorKind, IdentityBackend, MemoryBackend};
use scimitar::query::{ListQuery, Selection};
use scimitar::resource::{Group, Member, User};
use std::collections::{BTreeMap, BTreeSet};

const NAMES: [&str; 4] = ["ann", "ANN", "bob", "cy"];

#[derive(Debug, Clone)]
enum Op {
    CreateUser(usize, usize),
    RenameUser(usize, usize, usize),
    DeleteUser(usize, usize),
    CreateGroup(usize, usize),
    DeleteGroup(usize, usize),
    AddMember(usize, usize, usize),
    RemoveMember(usize, usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let t = 0..2usize;
    let i = 0..4usize;
    prop_oneof![
        (t.clone(), i.clone()).prop_map(|(t, n)| Op::CreateUser(t, n)),
        (t.clone(), i.clone(), i.clone()).prop_map(|(t, u, n)| Op::RenameUser(t, u, n)),
        (t.clone(), i.clone()).prop_map(|(t, u)| Op::DeleteUser(t, u)),
        (t.clone(), i.clone()).prop_map(|(t, n)| Op::CreateGroup(t, n)),
        (t.clone(), i.clone()).prop_map(|(t, g)| Op::DeleteGroup(t, g)),
        (t.clone(), i.clone(), i.clone()).prop_map(|(t, g, u)| Op::AddMember(t, g, u)),
        (t, i.clone(), i).prop_map(|(t, g, u)| Op::RemoveMember(t, g, u)),
    ]
}

/// The reference: per tenant, users (slot → name) and groups (slot → (name, member slots)).
#[derive(Default, Debug)]
struct Model {
    users: BTreeMap<usize, String>,
    groups: BTreeMap<usize, (String, BTreeSet<usize>)>,
}

/// Slots map the model's users/groups to the backend's ids, in creation order per tenant.
#[derive(Default)]
struct Ids {
    users: Vec<Option<String>>,
    groups: Vec<Option<String>>,
}

type Outcome = Result<(), BackendErrorKind>;

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async move {
        let b = MemoryBackend::new();
        let ctxs = [
            Context::new("t0", Principal::new("p")),
            Context::new("t1", Principal::new("p")),
        ];
        let mut models = [Model::default(), Model::default()];
        let mut ids = [Ids::default(), Ids::default()];
        let all = Selection::all();
        for op in ops {
            let (got, want): (Outcome, Outcome) = match op {
                Op::CreateUser(t, n) => {
                    let m = &mut models[t];
                    let taken = m.users.values().any(|u| u.eq_ignore_ascii_case(NAMES[n]));
                    let got = b.create_user(&ctxs[t], User::new(NAMES[n])).await;
                    let slot = ids[t].users.len();
                    ids[t]
                        .users
                        .push(got.as_ref().ok().and_then(|u| u.id.clone()));
                    let want = if taken {
                        Err(BackendErrorKind::Uniqueness)
                    } else {
                        m.users.insert(slot, NAMES[n].to_owned());
                        Ok(())
                    };
                    (got.map(drop).map_err(|e| e.kind()), want)
                }
                Op::RenameUser(t, u, n) => {
                    let Some(Some(id)) = ids[t].users.get(u).cloned() else {
                        continue;
                    };
                    let m = &mut models[t];
                    let want = if !m.users.contains_key(&u) {
                        Err(BackendErrorKind::NotFound)
                    } else if m
                        .users
                        .iter()
                        .any(|(k, v)| *k != u && v.eq_ignore_ascii_case(NAMES[n]))
                    {
                        Err(BackendErrorKind::Uniqueness)
                    } else {
                        m.users.insert(u, NAMES[n].to_owned());
                        Ok(())
                    };
                    let got = b
                        .replace_user(&ctxs[t], &id, User::new(NAMES[n]), None)
                        .await;
                    (got.map(drop).map_err(|e| e.kind()), want)
                }
                Op::DeleteUser(t, u) => {
                    let Some(Some(id)) = ids[t].users.get(u).cloned() else {
                        continue;
                    };
                    let m = &mut models[t];
                    let want = if m.users.remove(&u).is_some() {
                        for g in m.groups.values_mut() {
                            g.1.remove(&u);
                        }
                        Ok(())
                    } else {
                        Err(BackendErrorKind::NotFound)
                    };
                    (
                        b.delete_user(&ctxs[t], &id, None)
                            .await
                            .map_err(|e| e.kind()),
                        want,
                    )
                }
                Op::CreateGroup(t, n) => {
                    let got = b.create_group(&ctxs[t], Group::new(NAMES[n])).await;
                    let slot = ids[t].groups.len();
                    ids[t]
                        .groups
                        .push(got.as_ref().ok().and_then(|g| g.id.clone()));
                    models[t]
                        .groups
                        .insert(slot, (NAMES[n].to_owned(), BTreeSet::new()));
                    (got.map(drop).map_err(|e| e.kind()), Ok(()))
                }
                Op::DeleteGroup(t, g) => {
                    let Some(Some(id)) = ids[t].groups.get(g).cloned() else {
                        continue;
                    };
                    let want = match models[t].groups.remove(&g) {
                        Some(_) => Ok(()),
                        None => Err(BackendErrorKind::NotFound),
                    };
                    (
                        b.delete_group(&ctxs[t], &id, None)
                            .await
                            .map_err(|e| e.kind()),
                        want,
                    )
                }
                Op::AddMember(t, g, u) | Op::RemoveMember(t, g, u) => {
                    let add = matches!(op, Op::AddMember(..));
                    let Some(Some(gid)) = ids[t].groups.get(g).cloned() else {
                        continue;
                    };
                    // a user slot of the *other* tenant, sometimes: it must never be accepted
                    let (ut, uid) = match ids[t].users.get(u).cloned().flatten() {
                        Some(id) => (t, id),
                        None => match ids[1 - t].users.get(u).cloned().flatten() {
                            Some(id) => (1 - t, id),
                            None => continue,
                        },
                    };
                    let m = &mut models[t];
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
                        .modify_group_members(&ctxs[t], &gid, &a, &r, None, &all)
                        .await;
                    (got.map(drop).map_err(|e| e.kind()), want)
                }
            };
            prop_assert_eq!(got, want, "{:?}", op);
        }
        // final state: users, groups, members and User.groups agree with the model
        for t in 0..2 {
            let page = b.list_users(&ctxs[t], &ListQuery::new()).await.unwrap();
            let mut names: Vec<String> =
                page.resources.iter().map(|u| u.user_name.clone()).collect();
            names.sort();
            let mut want: Vec<String> = models[t].users.values().cloned().collect();
            want.sort();
            prop_assert_eq!(names, want);
            for (slot, (name, members)) in &models[t].groups {
                let gid = ids[t].groups[*slot].clone().unwrap();
                let g = b.get_group(&ctxs[t], &gid, &all).await.unwrap();
                prop_assert_eq!(&g.display_name, name);
                let got: BTreeSet<String> = g.member_ids().map(str::to_owned).collect();
                let want: BTreeSet<String> = members
                    .iter()
                    .map(|u| ids[t].users[*u].clone().unwrap())
                    .collect();
                prop_assert_eq!(got, want);
            }
            for slot in models[t].users.keys() {
                let uid = ids[t].users[*slot].clone().unwrap();
                let u = b.get_user(&ctxs[t], &uid, &all).await.unwrap();
                let got: BTreeSet<String> =
                    u.groups.iter().filter_map(|g| g.value.clone()).collect();
                let want: BTreeSet<String> = models[t]
                    .groups
                    .iter()
                    .filter(|(_, (_, m))| m.contains(slot))
                    .map(|(g, _)| ids[t].groups[*g].clone().unwrap())
                    .collect();
                prop_assert_eq!(got, want);
            }
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
    #[test]
    fn memory_backend_behaves_like_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        run(ops)?;
    }
}
