//! Cursor walks over one tenant's store: resources in ascending `id` order from a position,
//! forwards (`nextCursor`) or backwards (`previousCursor`), read from the ordered id sets
//! ([RFC 9865 §2](https://www.rfc-editor.org/rfc/rfc9865#section-2)).
//!
//! * Unfiltered: the next (or previous) `count` ids of the ordered set from the position:
//!   O(log n + page) however deep the walk is.
//! * Filtered by an indexed equality (`userName eq`, `externalId eq`, members, …): the index
//!   candidates (bounded by the scan limit as in index paging), in id order, from the position.
//! * Any other filter: the ordered set from the position, the filter evaluated on each id
//!   until the page is full: O(log n + page + skipped), where *skipped* is the non-matching
//!   resources between the position and the page's last match. A page examines at most the
//!   scan limit of them; when that is spent first it ends early (fewer than `count`
//!   resources, maybe none) with a cursor at the last one examined, so no request is
//!   unbounded and the walk still reaches every match.
//!
//! `totalResults` of a filtered walk is counted on its first page (bounded by the scan limit:
//! `tooMany` beyond it, as index paging) and carried in the position to later pages (an
//! estimate as of the walk's start, RFC 9865 §2); an unfiltered walk reads the set's size.
//! The position is the id of a resource, `total:id` when a total is carried.

use super::index::{Kind, plan};
use super::list::{Bounds, is_exact, json_of, resolve, too_many};
use super::store::TenantStore;
use super::uid::Uid;
use crate::backend::BackendError;
use crate::error::{Error, ScimType};
use crate::query::{CursorPosition, ListQuery};
use serde_json::Value;
use std::collections::BTreeSet;
use std::ops::Bound;

/// The ids of one page of a walk (ascending), how many matched in all, and the positions
/// after the page (when more may follow) and before it (when some may precede).
#[derive(Debug)]
pub(crate) struct Walk {
    pub(crate) ids: Vec<Uid>,
    pub(crate) total: usize,
    pub(crate) next: Option<String>,
    pub(crate) previous: Option<String>,
}

/// Where a page starts: forwards after an id (from the first one for `None`) or backwards
/// before one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Forward(Option<Uid>),
    Backward(Uid),
}

fn not_ours() -> BackendError {
    BackendError::from(Error::new(
        ScimType::InvalidCursor,
        "the cursor does not name a position in this store",
    ))
}

/// The step of `position` and the total it carries: `id` or `total:id`, or 400
/// `invalidCursor` (the server only seals positions a backend returned, so another form means
/// the cursor was issued for another kind of store sharing the key).
pub(crate) fn step(
    position: Option<&CursorPosition>,
) -> Result<(Step, Option<usize>), BackendError> {
    let (text, forward) = match position {
        None | Some(CursorPosition::Start) => return Ok((Step::Forward(None), None)),
        Some(CursorPosition::After(t)) => (t.as_str(), true),
        Some(CursorPosition::Before(t)) => (t.as_str(), false),
    };
    let (total, id) = match text.split_once(':') {
        Some((t, id)) => (Some(t.parse::<usize>().map_err(|_| not_ours())?), id),
        None => (None, text),
    };
    let id = Uid::parse(id).ok_or_else(not_ours)?;
    let s = if forward {
        Step::Forward(Some(id))
    } else {
        Step::Backward(id)
    };
    Ok((s, total))
}

/// A position: the id, with the carried total when there is one.
pub(crate) fn position(total: Option<usize>, id: Uid) -> String {
    match total {
        Some(t) => format!("{t}:{id}"),
        None => id.to_string(),
    }
}

/// A page (ascending) and the positions after and before it.
type Taken = (Vec<Uid>, Option<Uid>, Option<Uid>);

/// Takes one page from `ids` (in the step's direction, starting at the position): up to
/// `count` matches, examining at most `budget` non-matching ids. Returns the page ascending
/// and the positions around it (without a carried total).
pub(crate) fn take(
    ids: impl Iterator<Item = Uid>,
    step: Step,
    count: usize,
    budget: usize,
    matches: &mut dyn FnMut(Uid) -> Result<bool, BackendError>,
) -> Result<Taken, BackendError> {
    let mut page = Vec::new();
    let mut skipped = 0usize;
    // the page is full and one more match exists, or the budget ended it at this id
    let mut beyond: Option<Uid> = None;
    let mut more = false;
    for id in ids {
        if !matches(id)? {
            skipped += 1;
            if skipped > budget {
                beyond = Some(id);
                more = true;
                break;
            }
            continue;
        }
        if page.len() == count {
            more = true;
            break;
        }
        page.push(id);
    }
    // the far edge of the page: its last match, or the last id examined when the budget ran out
    let edge = beyond.or(page.last().copied());
    let far = if more { edge } else { None };
    match step {
        Step::Forward(after) => {
            // some may precede: the walk did not start at the beginning
            let near = after.and(page.first().copied());
            Ok((page, far, near))
        }
        Step::Backward(_) => {
            page.reverse();
            // what follows starts after the page's last resource; an empty page has nothing
            // to continue from (the client starts the walk again)
            let near = page.last().copied();
            Ok((page, near, far))
        }
    }
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
    let (step, carried) = step(q.cursor.as_ref())?;
    let count = q
        .count
        .unwrap_or(bounds.max_results)
        .min(bounds.max_results);
    let order: &BTreeSet<Uid> = match kind {
        Kind::User => &store.user_order,
        Kind::Group => &store.group_order,
    };
    let Some(filter) = &q.filter else {
        let (ids, next, previous) = take(range(order, step), step, count, 0, &mut |_| Ok(true))?;
        return Ok(Walk {
            ids,
            total: order.len(),
            next: next.map(|id| position(None, id)),
            previous: previous.map(|id| position(None, id)),
        });
    };
    let exact = is_exact(filter, kind);
    let mut test = |id: Uid| -> Result<bool, BackendError> {
        Ok(exact || matches(&json_of(store, kind, id)?))
    };
    let (ids, next, previous, total) = match plan(filter, kind) {
        Some(lookups) => {
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
            let set: BTreeSet<Uid> = candidates.into_iter().collect();
            let total = match carried {
                Some(t) => t,
                None if exact => set.len(),
                None => count_matches(set.iter().copied(), &mut test)?,
            };
            let (ids, n, p) = take(range(&set, step), step, count, usize::MAX, &mut test)?;
            (ids, n, p, total)
        }
        None => {
            let total = match carried {
                Some(t) => t,
                None => {
                    if order.len() > bounds.scan_limit {
                        return Err(too_many(
                            kind,
                            order.len(),
                            bounds.scan_limit,
                            "counting the matches of this filter",
                        ));
                    }
                    count_matches(order.iter().copied(), &mut test)?
                }
            };
            let (ids, n, p) = take(
                range(order, step),
                step,
                count,
                bounds.scan_limit,
                &mut test,
            )?;
            (ids, n, p, total)
        }
    };
    Ok(Walk {
        ids,
        total,
        next: next.map(|id| position(Some(total), id)),
        previous: previous.map(|id| position(Some(total), id)),
    })
}

/// Selects the page of a cursor walk over the resources of a type registered at run time
/// (`ids` in ascending order): unfiltered O(log n + page); filtered, the filter evaluated
/// from the position until the page is full, at most the scan limit skipped (the total
/// counted on the first page, bounded by the scan limit, and carried).
pub(crate) fn select_ids<V>(
    ids: &std::collections::BTreeMap<Uid, V>,
    q: &ListQuery,
    bounds: Bounds,
    matches: &mut dyn FnMut(Uid) -> Result<bool, BackendError>,
    what: &str,
) -> Result<Walk, BackendError> {
    let (step, carried) = step(q.cursor.as_ref())?;
    let count = q
        .count
        .unwrap_or(bounds.max_results)
        .min(bounds.max_results);
    let keys = |s: Step| -> Box<dyn Iterator<Item = Uid> + '_> {
        match s {
            Step::Forward(after) => {
                let from = after.map_or(Bound::Unbounded, Bound::Excluded);
                Box::new(ids.range((from, Bound::Unbounded)).map(|(k, _)| *k))
            }
            Step::Backward(before) => Box::new(
                ids.range((Bound::Unbounded, Bound::Excluded(before)))
                    .rev()
                    .map(|(k, _)| *k),
            ),
        }
    };
    if q.filter.is_none() {
        let (page, next, previous) = take(keys(step), step, count, 0, &mut |_| Ok(true))?;
        return Ok(Walk {
            ids: page,
            total: ids.len(),
            next: next.map(|id| position(None, id)),
            previous: previous.map(|id| position(None, id)),
        });
    }
    let total = match carried {
        Some(t) => t,
        None => {
            if ids.len() > bounds.scan_limit {
                return Err(BackendError::from(Error::too_many(format!(
                    "counting the matches of this filter would examine {} {what} resources, more than the limit of {}",
                    ids.len(),
                    bounds.scan_limit
                ))));
            }
            count_matches(ids.keys().copied(), matches)?
        }
    };
    let (page, next, previous) = take(keys(step), step, count, bounds.scan_limit, matches)?;
    Ok(Walk {
        ids: page,
        total,
        next: next.map(|id| position(Some(total), id)),
        previous: previous.map(|id| position(Some(total), id)),
    })
}

/// The ids of `set` from the step's position, in its direction.
pub(crate) fn range(set: &BTreeSet<Uid>, step: Step) -> Box<dyn Iterator<Item = Uid> + '_> {
    match step {
        Step::Forward(after) => {
            let from = after.map_or(Bound::Unbounded, Bound::Excluded);
            Box::new(set.range((from, Bound::Unbounded)).copied())
        }
        Step::Backward(before) => Box::new(
            set.range((Bound::Unbounded, Bound::Excluded(before)))
                .rev()
                .copied(),
        ),
    }
}

fn count_matches(
    ids: impl Iterator<Item = Uid>,
    test: &mut dyn FnMut(Uid) -> Result<bool, BackendError>,
) -> Result<usize, BackendError> {
    let mut n = 0usize;
    for id in ids {
        if test(id)? {
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u8) -> Vec<Uid> {
        let mut v: Vec<Uid> = (0..n).map(|_| Uid::random()).collect();
        v.sort();
        v
    }

    /// Walks `all` forwards with `keep` as the filter, then backwards from the end, by
    /// pages of `count` with a budget: both give exactly the kept ids, in order.
    fn both_ways(all: &[Uid], keep: &dyn Fn(usize) -> bool, count: usize, budget: usize) {
        let set: BTreeSet<Uid> = all.iter().copied().collect();
        let want: Vec<Uid> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, id)| *id)
            .collect();
        let index = |id: Uid| all.iter().position(|x| *x == id).unwrap();
        let mut test = |id: Uid| Ok(keep(index(id)));
        let mut step = Step::Forward(None);
        let mut got = Vec::new();
        for _ in 0..1000 {
            let (page, next, prev) =
                take(range(&set, step), step, count, budget, &mut test).unwrap();
            assert!(page.len() <= count);
            if step != Step::Forward(None) && !page.is_empty() {
                assert_eq!(prev, page.first().copied());
            }
            got.extend(page);
            match next {
                Some(n) => step = Step::Forward(Some(n)),
                None => break,
            }
        }
        assert_eq!(got, want, "forwards");
        // backwards from past the last id
        let mut back = Vec::new();
        let end = Uid::parse("ffffffff-ffff-ffff-ffff-ffffffffffff").unwrap();
        let mut step = Step::Backward(end);
        for _ in 0..1000 {
            let (page, _next, prev) =
                take(range(&set, step), step, count, budget, &mut test).unwrap();
            assert!(page.len() <= count);
            let mut p = page;
            p.extend(back);
            back = p;
            match prev {
                Some(b) => step = Step::Backward(b),
                None => break,
            }
        }
        assert_eq!(back, want, "backwards");
    }

    #[test]
    fn pages_both_ways_give_every_match_once_in_order() {
        let all = ids(37);
        for count in [1, 3, 4, 10, 40] {
            for budget in [0, 1, 5, usize::MAX] {
                both_ways(&all, &|_| true, count, usize::MAX);
                both_ways(&all, &|i| i % 3 == 1, count, budget.max(1));
                both_ways(&all, &|i| i > 30, count, budget.max(1));
                both_ways(&all, &|_| false, count, budget.max(1));
            }
        }
    }

    #[test]
    fn positions_round_trip_and_foreign_ones_are_refused() {
        let id = Uid::random();
        let p = CursorPosition::After(position(Some(12), id));
        assert_eq!(step(Some(&p)).unwrap(), (Step::Forward(Some(id)), Some(12)));
        let p = CursorPosition::Before(position(None, id));
        assert_eq!(step(Some(&p)).unwrap(), (Step::Backward(id), None));
        for bad in ["x", "1:x", "x:2819c223-7f76-453a-919d-413861904646", ""] {
            let e = step(Some(&CursorPosition::After(bad.into()))).unwrap_err();
            assert!(!e.to_string().is_empty());
        }
    }
}
