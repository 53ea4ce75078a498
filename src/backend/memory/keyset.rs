//! Cursor walks over one tenant's store: resources in ascending `id` order from a position,
//! read from the ordered id sets, so a page costs O(log n + page) however deep the walk is
//! ([RFC 9865 §2](https://www.rfc-editor.org/rfc/rfc9865#section-2)).
//!
//! * Unfiltered: the next `count` ids of the ordered set after the position.
//! * Filtered by an indexed equality (`userName eq`, `externalId eq`, members, …): the index
//!   candidates (bounded by the scan limit as in index paging), in id order.
//! * Any other filter: a scan of the tenant in id order, refused with `tooMany` beyond the scan
//!   limit exactly as index paging refuses it (`totalResults` needs every match counted).

use super::index::{Kind, plan};
use super::list::{Bounds, is_exact, json_of, resolve, too_many};
use super::store::TenantStore;
use super::uid::Uid;
use crate::backend::BackendError;
use crate::error::{Error, ScimType};
use crate::query::ListQuery;
use serde_json::Value;
use std::collections::BTreeSet;
use std::ops::Bound;

/// The ids of one page of a walk, how many matched in all, and the position after the page
/// when more may follow.
#[derive(Debug)]
pub(crate) struct Walk {
    pub(crate) ids: Vec<Uid>,
    pub(crate) total: usize,
    pub(crate) next: Option<Uid>,
}

/// The position a walk continues after: an id of this store's form, or 400 `invalidCursor`
/// (the server only seals positions a backend returned, so another form means the cursor was
/// issued for another kind of store sharing the key).
fn position(q: &ListQuery) -> Result<Option<Uid>, BackendError> {
    match q.cursor.as_ref().and_then(|c| c.after()) {
        None => Ok(None),
        Some(s) => Uid::parse(s).map(Some).ok_or_else(|| {
            BackendError::from(Error::new(
                ScimType::InvalidCursor,
                "the cursor does not name a position in this store",
            ))
        }),
    }
}

/// Keeps the first `count` of `ids` (at most `count + 1` given) and the position after them
/// when there was one more.
fn cut(mut ids: Vec<Uid>, count: usize, total: usize) -> Walk {
    let more = ids.len() > count;
    ids.truncate(count);
    let next = if more { ids.last().copied() } else { None };
    Walk { ids, total, next }
}

/// Selects the page of a cursor walk `q` asks for. `matches` evaluates the whole filter on a
/// resource's JSON.
pub(crate) fn select(
    store: &TenantStore,
    kind: Kind,
    q: &ListQuery,
    bounds: Bounds,
    matches: &dyn Fn(&Value) -> bool,
) -> Result<Walk, BackendError> {
    let after = position(q)?;
    let count = q
        .count
        .unwrap_or(bounds.max_results)
        .min(bounds.max_results);
    let order: &BTreeSet<Uid> = match kind {
        Kind::User => &store.user_order,
        Kind::Group => &store.group_order,
    };
    let from = after.map_or(Bound::Unbounded, Bound::Excluded);
    let rest = || order.range((from, Bound::Unbounded));

    let Some(filter) = &q.filter else {
        // One more than the page tells whether another page follows.
        let ids = rest().take(count.saturating_add(1)).copied().collect();
        return Ok(cut(ids, count, order.len()));
    };

    if let Some(lookups) = plan(filter, kind) {
        let mut candidates = Vec::new();
        for l in &lookups {
            resolve(store, kind, l, &mut candidates);
        }
        if candidates.len() > bounds.scan_limit {
            return Err(too_many(
                kind,
                candidates.len(),
                bounds.scan_limit,
                "this filter",
            ));
        }
        candidates.sort_unstable();
        candidates.dedup();
        let exact = is_exact(filter, kind);
        let mut total = 0usize;
        let mut page = Vec::new();
        for id in candidates {
            if !exact && !matches(&json_of(store, kind, id)?) {
                continue;
            }
            total += 1;
            if after.is_none_or(|a| id > a) && page.len() <= count {
                page.push(id);
            }
        }
        return Ok(cut(page, count, total));
    }

    if order.len() > bounds.scan_limit {
        return Err(too_many(
            kind,
            order.len(),
            bounds.scan_limit,
            "this filter",
        ));
    }
    let mut total = 0usize;
    let mut page = Vec::new();
    for &id in order {
        if matches(&json_of(store, kind, id)?) {
            total += 1;
            if after.is_none_or(|a| id > a) && page.len() <= count {
                page.push(id);
            }
        }
    }
    Ok(cut(page, count, total))
}
