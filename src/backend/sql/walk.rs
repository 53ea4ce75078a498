//! Cursor walks in SQL ([RFC 9865](https://www.rfc-editor.org/rfc/rfc9865)): resources in
//! ascending `id` order after (`nextCursor`) or before (`previousCursor`) the position the
//! server decoded from the client's cursor, read as a keyset:
//!
//! ```text
//! … WHERE tenant = $1 [AND (<pushed-down filter>)] AND id > $n ORDER BY id LIMIT count + 1
//! … WHERE tenant = $1 [AND (<pushed-down filter>)] AND id < $n ORDER BY id DESC LIMIT count + 1
//! ```
//!
//! (a backward page is reversed), on the `(tenant, id)` primary key or on an index that ends
//! in `id` (`(tenant, external_id, id)`, `(tenant, display_folded, id)`), so a page deep in a
//! walk reads what the first one reads.
//!
//! * Unfiltered, or filtered by what the SQL condition answers exactly (a lone `id`,
//!   `userName`, `externalId` or group `displayName` equality): one indexed query per page.
//! * Any other filter: the same keyset query (with the filter's indexed condition when it has
//!   one) in batches, the filter engine deciding on each row until the page is full:
//!   O(page + skipped non-matching) rows. A page skips at most the scan limit of rows; when
//!   that is spent first it ends early (fewer than `count` resources, maybe none) with a
//!   cursor at the last row read, so no request is unbounded and the walk still reaches
//!   every match.
//!
//! A resource created or deleted during a walk never shifts the others: the position is an
//! `id`, not an offset, so every resource that exists for the whole walk is seen exactly once.
//!
//! The position the server seals is `total:id`. A walk counts its matches on its first page
//! only (`COUNT(*)` with the exact condition, or the bounded scan of index paging, `tooMany`
//! beyond the scan limit) and carries that count as `totalResults` of its later pages: an
//! estimate as of the walk's start, which RFC 9865 §2 allows, so that no later page costs
//! more than O(page + skipped).

use super::dialect::Dialect;
use super::exec::{Arg, Cells, Db};
use super::list::{Bounds, Links, fetch, matching, table};
use super::pushdown::{self, Condition};
use super::rows::{REC_COLUMNS, Rec};
use crate::backend::BackendError;
use crate::backend::memory::index::Kind;
use crate::error::{Error, ScimType};
use crate::query::{CursorPosition, ListQuery};
use crate::schema::ResourceSchema;

/// Rows read per batch when the filter engine decides (a page of 1 still reads a useful batch).
const MIN_BATCH: usize = 64;

/// Where a page starts: after an id (from the first row for `None`), or before one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Forward(Option<String>),
    Backward(String),
}

impl Step {
    /// Where the next batch of a walk starts after a batch (`full`: it read all it asked for)
    /// whose last row was `last`; `None` when that batch was the last one.
    pub(crate) fn next_batch(self, full: bool, last: Option<String>) -> Option<Step> {
        match (full, last) {
            (true, Some(id)) => Some(match self {
                Step::Forward(_) => Step::Forward(Some(id)),
                Step::Backward(_) => Step::Backward(id),
            }),
            _ => None,
        }
    }

    fn bound(&self) -> Option<&str> {
        match self {
            Step::Forward(after) => after.as_deref(),
            Step::Backward(before) => Some(before),
        }
    }
}

/// The step of the query's position and the total it carries (`None, Forward(None)` for the
/// first page); 400 `invalidCursor` for a position this backend did not write (a cursor
/// sealed by another kind of store under the same key).
pub(crate) fn step(q: &ListQuery) -> Result<(Step, Option<usize>), BackendError> {
    let (text, forward) = match &q.cursor {
        None | Some(CursorPosition::Start) => return Ok((Step::Forward(None), None)),
        Some(CursorPosition::After(t)) => (t.as_str(), true),
        Some(CursorPosition::Before(t)) => (t.as_str(), false),
    };
    let parsed = text
        .split_once(':')
        .and_then(|(total, id)| Some((total.parse::<usize>().ok()?, id)));
    let Some((total, id)) = parsed else {
        return Err(BackendError::from(Error::new(
            ScimType::InvalidCursor,
            "the cursor does not name a position in this store",
        )));
    };
    let s = match forward {
        true => Step::Forward(Some(id.to_owned())),
        false => Step::Backward(id.to_owned()),
    };
    Ok((s, Some(total)))
}

/// The rows of one keyset batch: `SELECT cols FROM table WHERE base [AND (cond)] AND id >/<
/// bound ORDER BY id [DESC] LIMIT limit`. `base` binds `binds` from `$1`; the condition's
/// values follow them.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn keyset<T>(
    conn: &mut Db<'_>,
    cols: &str,
    table: &str,
    base: &str,
    binds: &[&str],
    cond: Option<&Condition>,
    step: &Step,
    limit: usize,
    decode: impl Fn(&dyn Cells) -> Result<T, BackendError> + Send,
) -> Result<Vec<T>, BackendError> {
    let mut sql = format!("SELECT {cols} FROM {table} WHERE {base}");
    if let Some(c) = cond {
        sql.push_str(" AND (");
        sql.push_str(&c.sql);
        sql.push(')');
    }
    let mut n = binds.len() + cond.map_or(0, |c| c.params.len()) + 1;
    let backward = matches!(step, Step::Backward(_));
    if step.bound().is_some() {
        sql.push_str(if backward {
            " AND id < $"
        } else {
            " AND id > $"
        });
        sql.push_str(&n.to_string());
        n += 1;
    }
    sql.push_str(if backward {
        " ORDER BY id DESC LIMIT $"
    } else {
        " ORDER BY id LIMIT $"
    });
    sql.push_str(&n.to_string());
    let mut args: Vec<Arg<'_>> = binds.iter().map(|b| Arg::Text(b)).collect();
    args.extend(
        cond.iter()
            .flat_map(|c| c.params.iter().map(|p| Arg::Text(p))),
    );
    args.extend(step.bound().map(Arg::Text));
    args.push(Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
    conn.rows(&sql, &args, decode).await
}

/// Gathers one page from rows offered in the step's direction: up to `count` matches, at
/// most `budget` non-matching rows skipped.
#[derive(Debug)]
pub(crate) struct Taker<T> {
    count: usize,
    budget: usize,
    page: Vec<(String, T)>,
    skipped: usize,
    /// The walk goes on past the page: one more match exists, or the budget ended the page at
    /// this row.
    more: bool,
    beyond: Option<String>,
}

impl<T> Taker<T> {
    pub(crate) fn new(count: usize, budget: usize) -> Self {
        Taker {
            count,
            budget,
            page: Vec::new(),
            skipped: 0,
            more: false,
            beyond: None,
        }
    }

    /// Offers the next row; `false` once the page is complete.
    pub(crate) fn offer(&mut self, id: String, item: T, matched: bool) -> bool {
        if !matched {
            self.skipped += 1;
            if self.skipped > self.budget {
                self.more = true;
                self.beyond = Some(id);
                return false;
            }
            return true;
        }
        if self.page.len() == self.count {
            self.more = true;
            return false;
        }
        self.page.push((id, item));
        true
    }

    /// The page (ascending) and the positions after it (when more may follow) and before it
    /// (when some may precede), as ids.
    pub(crate) fn finish(self, step: &Step) -> (Vec<T>, Option<String>, Option<String>) {
        let Taker {
            mut page,
            more,
            beyond,
            ..
        } = self;
        let edge = beyond.or_else(|| page.last().map(|(id, _)| id.clone()));
        let far = if more { edge } else { None };
        match step {
            Step::Forward(after) => {
                let near = after
                    .as_ref()
                    .and_then(|_| page.first().map(|(id, _)| id.clone()));
                (page.into_iter().map(|(_, t)| t).collect(), far, near)
            }
            Step::Backward(_) => {
                page.reverse();
                // an empty page has nothing to continue from: the client starts again
                let near = page.last().map(|(id, _)| id.clone());
                (page.into_iter().map(|(_, t)| t).collect(), near, far)
            }
        }
    }
}

/// The rows per batch: the page and one more when every row read is a match, else at least
/// [`MIN_BATCH`], never more than the skip budget allows.
pub(crate) fn batch(count: usize, exact: bool, budget: usize) -> usize {
    let page = count.saturating_add(1);
    match exact {
        true => page,
        false => page.max(MIN_BATCH).min(budget.saturating_add(page)),
    }
}

/// The page of a cursor walk of users or groups: its records in id order, how many match in
/// all, and the positions after and before it.
pub(crate) async fn walk(
    conn: &mut Db<'_>,
    d: Dialect,
    kind: Kind,
    tenant: &str,
    q: &ListQuery,
    schema: &ResourceSchema,
    bounds: Bounds,
) -> Result<Page, BackendError> {
    let count = q
        .count
        .unwrap_or(bounds.max_results)
        .min(bounds.max_results);
    let (mut step, carried) = step(q)?;
    let filter = q.filter.as_ref();
    let cond = filter.and_then(|f| pushdown::condition(f, kind));
    let exact = filter.is_none_or(|f| pushdown::is_exact(f, kind));
    let compiled = match filter {
        Some(f) if !exact => Some(f.compile(schema)?),
        _ => None,
    };
    let total = match carried {
        Some(t) => t,
        None if exact => {
            let (_, n) = fetch(conn, kind, tenant, cond.as_ref(), true, None, None).await?;
            usize::try_from(n).unwrap_or(0)
        }
        None => {
            let (hits, _) =
                matching(conn, kind, tenant, q, compiled.as_ref(), bounds, None).await?;
            hits.len()
        }
    };
    // a user's groups come with its row when the answer or the filter needs them
    let mentions = |name: &str| filter.is_some_and(|f| pushdown::mentions(f, name));
    let inline = (kind == Kind::User && (q.selection.wants("groups") || mentions("groups")))
        .then(|| d.user_groups());
    let cols = match inline {
        Some(x) => format!("{REC_COLUMNS}, {x}"),
        None => REC_COLUMNS.to_owned(),
    };
    let need_members = kind == Kind::Group && mentions("members");
    let budget = if exact { 0 } else { bounds.scan_limit };
    let size = batch(count, exact, budget);
    let mut taker = Taker::new(count, budget);
    let first = step.clone();
    'batches: loop {
        let recs = keyset(
            conn,
            &cols,
            table(kind),
            "tenant = $1",
            &[tenant],
            cond.as_ref(),
            &step,
            size,
            Rec::of,
        )
        .await?;
        let read = recs.len();
        let links = match (&compiled, need_members) {
            (Some(_), true) => Links::load(conn, kind, tenant, &recs).await?,
            _ => Links::default(),
        };
        let mut last = None;
        for rec in recs {
            let matched = match &compiled {
                None => true,
                Some(c) => c.matches(&match &rec.groups {
                    Some(groups) => rec.user_json(groups)?,
                    None => links.json(kind, &rec)?,
                }),
            };
            last = Some(rec.id.clone());
            if !taker.offer(rec.id.clone(), rec, matched) {
                break 'batches;
            }
        }
        match step.next_batch(read >= size, last) {
            Some(next) => step = next,
            None => break,
        }
    }
    let (recs, next, previous) = taker.finish(&first);
    let at = |id: String| format!("{total}:{id}");
    Ok(Page {
        recs,
        total,
        next: next.map(at),
        previous: previous.map(at),
    })
}

/// One page of a walk as the SQL backend reads it.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) recs: Vec<Rec>,
    pub(crate) total: usize,
    pub(crate) next: Option<String>,
    pub(crate) previous: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's plan of a walk's page filtered by `externalId eq` or group `displayName eq`:
    /// the lookup index, in order (no sort of the matches), from the position on.
    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn filtered_pages_read_the_lookup_index_in_order() {
        use crate::backend::sql::SqlBackend;
        use sqlx::Row;
        let b = SqlBackend::connect("sqlite::memory:").await.unwrap();
        let mut conn = b.inner.pool.acquire().await.unwrap();
        for (kind, filter, index) in [
            (Kind::User, r#"externalId eq "e""#, "scim_users_external_id"),
            (Kind::Group, r#"displayName eq "g""#, "scim_groups_display"),
            (
                Kind::Group,
                r#"externalId eq "e""#,
                "scim_groups_external_id",
            ),
        ] {
            let f = crate::filter::Filter::parse(filter).unwrap();
            let cond = pushdown::condition(&f, kind).unwrap();
            for step in [Step::Forward(Some("x".into())), Step::Backward("x".into())] {
                let sql = format!(
                    "EXPLAIN QUERY PLAN SELECT {REC_COLUMNS} FROM {} WHERE tenant = $1 AND ({}) AND id {} $3 \
                     ORDER BY id {} LIMIT $4",
                    table(kind),
                    cond.sql,
                    if matches!(step, Step::Forward(_)) {
                        ">"
                    } else {
                        "<"
                    },
                    if matches!(step, Step::Forward(_)) {
                        ""
                    } else {
                        "DESC"
                    },
                );
                let rows = sqlx::query(&sql)
                    .bind("t")
                    .bind(&cond.params[0])
                    .bind("x")
                    .bind(5_i64)
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap();
                let plan: Vec<String> = rows.iter().map(|r| r.try_get(3).unwrap()).collect();
                let plan = plan.join("; ");
                assert!(
                    plan.contains(&format!("USING INDEX {index} ")),
                    "{filter}: {plan}"
                );
                assert!(!plan.contains("TEMP B-TREE"), "{filter}: {plan}");
            }
        }
    }

    /// Pages through `0..n` (as zero-padded ids) both ways with `keep` as the filter.
    fn pages(n: usize, keep: &dyn Fn(usize) -> bool, count: usize, budget: usize) {
        let all: Vec<String> = (0..n).map(|i| format!("{i:04}")).collect();
        let want: Vec<String> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, s)| s.clone())
            .collect();
        let run = |step: &Step| {
            let mut t = Taker::new(count, budget);
            let rows: Vec<&String> = match step {
                Step::Forward(a) => all
                    .iter()
                    .filter(|s| a.as_ref().is_none_or(|a| *s > a))
                    .collect(),
                Step::Backward(b) => all.iter().rev().filter(|s| *s < b).collect(),
            };
            for s in rows {
                let i: usize = s.parse().unwrap();
                if !t.offer(s.clone(), s.clone(), keep(i)) {
                    break;
                }
            }
            t.finish(step)
        };
        let mut got = Vec::new();
        let mut step = Step::Forward(None);
        for _ in 0..10_000 {
            let (page, next, _) = run(&step);
            assert!(page.len() <= count);
            got.extend(page);
            match next {
                Some(n) => step = Step::Forward(Some(n)),
                None => break,
            }
        }
        assert_eq!(got, want, "forwards");
        let mut back: Vec<String> = Vec::new();
        let mut step = Step::Backward("9999".into());
        for _ in 0..10_000 {
            let (mut page, _, prev) = run(&step);
            page.extend(back);
            back = page;
            match prev {
                Some(p) => step = Step::Backward(p),
                None => break,
            }
        }
        assert_eq!(back, want, "backwards");
    }

    #[test]
    fn taker_pages_both_ways() {
        for count in [1, 2, 5, 50] {
            for budget in [1, 3, 1000] {
                pages(23, &|_| true, count, budget);
                pages(23, &|i| i % 4 == 3, count, budget);
                pages(23, &|i| i < 2, count, budget);
                pages(23, &|_| false, count, budget);
                pages(0, &|_| true, count, budget);
            }
        }
    }

    #[test]
    fn positions_carry_the_total() {
        let q = ListQuery::new().with_cursor(CursorPosition::Before("7:abc".into()));
        assert_eq!(step(&q).unwrap(), (Step::Backward("abc".into()), Some(7)));
        let q = ListQuery::new().with_cursor(CursorPosition::Start);
        assert_eq!(step(&q).unwrap(), (Step::Forward(None), None));
        let bad = ListQuery::new().with_cursor(CursorPosition::After("abc".into()));
        assert!(step(&bad).is_err());
        assert_eq!(batch(4, true, 0), 5);
        assert_eq!(batch(4, false, 10), 15);
        assert_eq!(batch(4, false, 1000), MIN_BATCH);
    }
}
