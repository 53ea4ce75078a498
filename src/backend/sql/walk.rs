//! Cursor walks in SQL ([RFC 9865](https://www.rfc-editor.org/rfc/rfc9865)): resources in
//! ascending `id` order after the position the server decoded from the client's cursor.
//!
//! * Unfiltered: one keyset query, `… WHERE tenant = $1 AND id > $2 ORDER BY id LIMIT count + 1`,
//!   on the `(tenant, id)` primary key, so a page deep in a walk reads what the first one reads.
//! * Filtered: the candidates of the filter's indexed condition (or a bounded scan) and the
//!   filter engine, as index paging does (`tooMany` beyond the scan limit, since
//!   `totalResults` needs every match counted), then the matches after the position. An
//!   indexed equality (`userName`, `externalId`, group `displayName`) has few candidates; the
//!   condition is not ordered in SQL, because SQLite would then walk the primary key instead
//!   of the condition's index (see `list.rs`).
//!
//! A resource created or deleted during a walk never shifts the others: the position is an
//! `id`, not an offset, so every resource that exists for the whole walk is seen exactly once.
//!
//! The position the server seals is `total:id`. An unfiltered walk counts the tenant's
//! resources on its first page only (a `COUNT(*)` reads every row of the tenant) and carries
//! that count as `totalResults` of its later pages: an estimate as of the walk's start, which
//! RFC 9865 §2 allows, so that no page of the walk costs more than O(page). Filtered walks
//! count their (bounded) matches on every page.

use super::dialect::Dialect;
use super::exec::Db;
use super::list::{Bounds, Slice, fetch, matching};
use super::pushdown;
use super::rows::Rec;
use crate::backend::BackendError;
use crate::backend::memory::index::Kind;
use crate::error::{Error, ScimType};
use crate::query::ListQuery;
use crate::schema::ResourceSchema;

/// The page of a cursor walk: its records in id order, how many match in all, and the
/// position after the page when more may follow.
pub(crate) async fn walk(
    conn: &mut Db<'_>,
    d: Dialect,
    kind: Kind,
    tenant: &str,
    q: &ListQuery,
    schema: &ResourceSchema,
    bounds: Bounds,
) -> Result<(Vec<Rec>, usize, Option<String>), BackendError> {
    let count = q
        .count
        .unwrap_or(bounds.max_results)
        .min(bounds.max_results);
    let (carried, after) = position(q)?;
    // one more than the page tells whether another page follows
    let limit = i64::try_from(count.saturating_add(1)).unwrap_or(i64::MAX);
    let (mut page, total) = match &q.filter {
        None => {
            let inline =
                (kind == Kind::User && q.selection.wants("groups")).then(|| d.user_groups());
            let slice = Slice::After { after, limit };
            let (recs, _) = fetch(conn, kind, tenant, None, false, Some(slice), inline).await?;
            let total = match carried {
                Some(total) => total,
                None => {
                    let (_, n) = fetch(conn, kind, tenant, None, true, None, None).await?;
                    usize::try_from(n).unwrap_or(0)
                }
            };
            (recs, total)
        }
        Some(f) => {
            let compiled = match pushdown::is_exact(f, kind) {
                true => None,
                false => Some(f.compile(schema)?),
            };
            let (hits, _) =
                matching(conn, kind, tenant, q, compiled.as_ref(), bounds, None).await?;
            let total = hits.len();
            // `matching` reads in id order
            let page = hits
                .into_iter()
                .map(|(r, _)| r)
                .filter(|r| after.is_none_or(|a| r.id.as_str() > a))
                .take(count.saturating_add(1))
                .collect();
            (page, total)
        }
    };
    let more = page.len() > count;
    page.truncate(count);
    let next = match (more, page.last()) {
        (true, Some(r)) => Some(format!("{total}:{}", r.id)),
        _ => None,
    };
    Ok((page, total, next))
}

/// The walk's carried total and the `id` it continues after (`None, None` for the first
/// page); 400 `invalidCursor` for a position this backend did not write (a cursor sealed by
/// another kind of store under the same key).
fn position(q: &ListQuery) -> Result<(Option<usize>, Option<&str>), BackendError> {
    let Some(text) = q.cursor.as_ref().and_then(|c| c.after()) else {
        return Ok((None, None));
    };
    text.split_once(':')
        .and_then(|(total, id)| Some((Some(total.parse().ok()?), Some(id))))
        .ok_or_else(|| {
            BackendError::from(Error::new(
                ScimType::InvalidCursor,
                "the cursor does not name a position in this store",
            ))
        })
}
