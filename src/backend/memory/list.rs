//! Answering list queries from one tenant's store: index lookups for indexed equalities, a
//! bounded scan with the filter evaluator otherwise, then sorting and paging
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).

use super::index::{Kind, Lookup, fold, lookup, plan};
use super::store::TenantStore;
use super::uid::Uid;
use crate::backend::BackendError;
use crate::error::Error;
use crate::filter::Filter;
use crate::query::{ListQuery, SortKey, compare_keys, sort_key};
use crate::schema::ResourceSchema;
use serde_json::Value;
use std::collections::HashSet;

/// The ids of one page, in order, and how many matched in all.
#[derive(Debug)]
pub(crate) struct Window {
    pub(crate) ids: Vec<Uid>,
    pub(crate) total: usize,
}

/// Limits of the work one list request may do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// The most resources per page.
    pub(crate) max_results: usize,
    /// The most resources a scan (an unindexed filter, or a sort) may examine.
    pub(crate) scan_limit: usize,
}

pub(crate) fn resolve(store: &TenantStore, kind: Kind, l: &Lookup<'_>, out: &mut Vec<Uid>) {
    match *l {
        Lookup::Id(v) => {
            // `id` is caseExact: only the canonical (lower-case) spelling matches.
            if let Some(id) = Uid::parse(v).filter(|id| id.to_string() == v) {
                let exists = match kind {
                    Kind::User => store.users.contains_key(&id),
                    Kind::Group => store.groups.contains_key(&id),
                };
                if exists {
                    out.push(id);
                }
            }
        }
        Lookup::UserName(v) => out.extend(store.user_names.get(&fold(v)).copied()),
        Lookup::ExternalId(v) => match kind {
            Kind::User => out.extend_from_slice(store.user_external.get(v)),
            Kind::Group => out.extend_from_slice(store.group_external.get(v)),
        },
        Lookup::DisplayName(v) => out.extend_from_slice(store.group_names.get(&fold(v))),
        Lookup::Member(v) => {
            if let Some(m) = store.member_key(v) {
                if let Some(u) = store.users.get(&m) {
                    out.extend_from_slice(&u.groups);
                } else if let Some(g) = store.groups.get(&m) {
                    out.extend_from_slice(&g.member_of);
                } else if let Some(v) = store.foreign.as_ref().and_then(|f| f.groups.get(&m)) {
                    out.extend_from_slice(v);
                }
            }
        }
        Lookup::InGroup(v) => {
            if let Some(g) = Uid::parse(v).and_then(|g| store.groups.get(&g)) {
                out.extend(
                    g.members
                        .iter()
                        // (a foreign member is no user of this store)
                        .filter(|(m, e)| {
                            e.kind == super::store::MemberKind::User && store.users.contains_key(m)
                        })
                        .map(|(m, _)| *m),
                );
            }
        }
    }
}

/// Whether `f` is a lone `id`/`userName`/`externalId`/`displayName` equality, which the
/// indexes answer exactly (no evaluation needed).
pub(crate) fn is_exact(f: &Filter, kind: Kind) -> bool {
    lookup(f, kind).is_some_and(|l| {
        matches!(
            l,
            Lookup::Id(_) | Lookup::UserName(_) | Lookup::ExternalId(_) | Lookup::DisplayName(_)
        )
    })
}

pub(crate) fn json_of(store: &TenantStore, kind: Kind, id: Uid) -> Result<Value, BackendError> {
    match kind {
        Kind::User => store.user_json(id, true),
        Kind::Group => store.group_json(id, true),
    }
}

pub(crate) fn too_many(kind: Kind, n: usize, limit: usize, what: &str) -> BackendError {
    let (name, hint) = match kind {
        Kind::User => ("Users", "userName eq, externalId eq or id eq"),
        Kind::Group => ("Groups", "displayName eq, externalId eq or id eq"),
    };
    BackendError::from(Error::too_many(format!(
        "{what} would examine {n} {name}, more than the limit of {limit}; filter with {hint}"
    )))
}

/// Selects the page `q` asks for. `matches` evaluates the whole filter on a resource's JSON.
pub(crate) fn select(
    store: &TenantStore,
    kind: Kind,
    q: &ListQuery,
    schema: &ResourceSchema,
    bounds: Bounds,
    matches: &dyn Fn(&Value) -> bool,
) -> Result<Window, BackendError> {
    let all = match kind {
        Kind::User => store.users.len(),
        Kind::Group => store.groups.len(),
    };
    let window = |total: usize| q.window(total, bounds.max_results);

    // Unfiltered, unsorted: page straight through the map.
    let Some(filter) = &q.filter else {
        if q.sort.is_none() {
            let range = window(all);
            let ids: Vec<Uid> = match kind {
                Kind::User => store
                    .users
                    .keys()
                    .skip(range.start)
                    .take(range.len())
                    .copied()
                    .collect(),
                Kind::Group => store
                    .groups
                    .keys()
                    .skip(range.start)
                    .take(range.len())
                    .copied()
                    .collect(),
            };
            return Ok(Window { ids, total: all });
        }
        if all > bounds.scan_limit {
            return Err(too_many(kind, all, bounds.scan_limit, "sorting"));
        }
        let ids: Vec<Uid> = match kind {
            Kind::User => store.users.keys().copied().collect(),
            Kind::Group => store.groups.keys().copied().collect(),
        };
        return finish(
            store,
            kind,
            q,
            schema,
            bounds,
            ids.into_iter().map(|id| (id, None)).collect(),
        );
    };

    // Candidates from the indexes, or every resource (bounded).
    let (candidates, exact) = match plan(filter, kind) {
        Some(lookups) => {
            let mut ids = Vec::new();
            for l in &lookups {
                resolve(store, kind, l, &mut ids);
            }
            if lookups.len() > 1 || ids.len() > 1 {
                let mut seen = HashSet::with_capacity(ids.len());
                ids.retain(|id| seen.insert(*id));
            }
            let exact = is_exact(filter, kind);
            (ids, exact)
        }
        None => {
            if all > bounds.scan_limit {
                return Err(too_many(kind, all, bounds.scan_limit, "this filter"));
            }
            let ids = match kind {
                Kind::User => store.users.keys().copied().collect(),
                Kind::Group => store.groups.keys().copied().collect(),
            };
            (ids, false)
        }
    };
    if candidates.len() > bounds.scan_limit {
        return Err(too_many(
            kind,
            candidates.len(),
            bounds.scan_limit,
            "this filter",
        ));
    }
    let mut hits: Vec<(Uid, Option<Value>)> = Vec::new();
    for id in candidates {
        if exact {
            hits.push((id, None));
            continue;
        }
        let v = json_of(store, kind, id)?;
        if matches(&v) {
            hits.push((id, Some(v)));
        }
    }
    finish(store, kind, q, schema, bounds, hits)
}

fn finish(
    store: &TenantStore,
    kind: Kind,
    q: &ListQuery,
    schema: &ResourceSchema,
    bounds: Bounds,
    mut hits: Vec<(Uid, Option<Value>)>,
) -> Result<Window, BackendError> {
    let total = hits.len();
    if let Some(sort) = &q.sort {
        let mut keyed: Vec<(Option<SortKey>, Uid)> = Vec::with_capacity(hits.len());
        for (id, v) in hits.drain(..) {
            let v = match v {
                Some(v) => v,
                None => json_of(store, kind, id)?,
            };
            keyed.push((sort_key(&v, &sort.by, schema)?, id));
        }
        keyed.sort_by(|(a, x), (b, y)| {
            compare_keys(a.as_ref(), b.as_ref(), sort.order).then(x.cmp(y))
        });
        let range = q.window(total, bounds.max_results);
        let ids = keyed
            .into_iter()
            .skip(range.start)
            .take(range.len())
            .map(|(_, id)| id)
            .collect();
        return Ok(Window { ids, total });
    }
    let range = q.window(total, bounds.max_results);
    let ids = hits
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .map(|(id, _)| id)
        .collect();
    Ok(Window { ids, total })
}
