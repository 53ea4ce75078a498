//! List queries and the helpers a backend uses to answer them: filtering, sorting and paging
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).
//!
//! The server parses `filter`, `sortBy`, `sortOrder`, `startIndex`, `count`, `attributes` and
//! `excludedAttributes` (from the query string or a `/.search` body) into a [`ListQuery`] and
//! hands it to the backend, which answers what it can natively; [`apply_query`],
//! [`sort_by_json`](super::sort_by_json) and [`page_window`] do the rest the same way for every
//! backend.

use super::sort::{Sort, SortOrder, sort_by_json};
use crate::error::Error;
use crate::filter::Filter;
use crate::path::AttrPath;
use crate::schema::ResourceSchema;
use serde_json::Value;
use std::ops::Range;
use std::sync::Arc;

/// A parsed list request ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ListQuery {
    /// `filter` ([§3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)), already
    /// parsed (and checked against the backend's [`Capabilities`](crate::backend::Capabilities)).
    pub filter: Option<Filter>,
    /// `sortBy` and `sortOrder` ([§3.4.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.3)).
    pub sort: Option<Sort>,
    /// `startIndex`, 1-based ([§3.4.2.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.4));
    /// always at least 1.
    pub start_index: usize,
    /// `count`: the most resources to return; `None` for the server's maximum, `Some(0)` for
    /// only `totalResults` ([§3.4.2.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.4)).
    pub count: Option<usize>,
    /// `attributes` / `excludedAttributes` ([§3.4.2.5](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.5)).
    pub selection: Selection,
    /// The resource type's schema the server resolved the query against (with the extensions
    /// registered at run time); a backend that evaluates filters or sorts by JSON uses it
    /// instead of its own copy. `None`: the backend uses the schema it was built with.
    pub schema: Option<Arc<ResourceSchema>>,
    /// Cursor paging ([RFC 9865](https://www.rfc-editor.org/rfc/rfc9865)): `Some` for a walk
    /// in `id` order (then `start_index` is 1 and `sort` is `None`), from the position the
    /// server decoded from the client's `cursor`. The backend answers the next `count`
    /// resources after it ([`CursorPosition::After`]) or the last `count` before it
    /// ([`CursorPosition::Before`], still in ascending order), and sets
    /// [`Page::next`](crate::backend::Page::next) when more may follow and
    /// [`Page::previous`](crate::backend::Page::previous) when some come before. `None`:
    /// index paging.
    pub cursor: Option<CursorPosition>,
}

/// Where a cursor walk continues ([RFC 9865 §2](https://www.rfc-editor.org/rfc/rfc9865#section-2)):
/// resources come in ascending `id` order (ids compared as strings, byte by byte), so a
/// resource created or deleted during the walk never shifts the others.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CursorPosition {
    /// The first page (`cursor=` empty).
    Start,
    /// The page after this position (a [`Page::next`](crate::backend::Page::next) the
    /// backend returned; the resource it names need not exist any more).
    After(String),
    /// The page before this position (a [`Page::previous`](crate::backend::Page::previous)
    /// the backend returned): the last `count` resources before it, in ascending order
    /// ([RFC 9865 §2.2](https://www.rfc-editor.org/rfc/rfc9865#section-2.2),
    /// `previousCursor`). Only backends whose
    /// [`Capabilities::cursor_previous`](crate::backend::Capabilities::cursor_previous) is
    /// set are handed one.
    Before(String),
}

impl CursorPosition {
    /// The position the page starts after, if any.
    pub fn after(&self) -> Option<&str> {
        match self {
            CursorPosition::After(id) => Some(id),
            CursorPosition::Start | CursorPosition::Before(_) => None,
        }
    }

    /// The position the page ends before, if any (a backward step).
    pub fn before(&self) -> Option<&str> {
        match self {
            CursorPosition::Before(id) => Some(id),
            CursorPosition::Start | CursorPosition::After(_) => None,
        }
    }
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            filter: None,
            sort: None,
            start_index: 1,
            count: None,
            selection: Selection::default(),
            schema: None,
            cursor: None,
        }
    }
}

impl ListQuery {
    /// A query for everything, first page, default size.
    pub fn new() -> Self {
        Self::default()
    }

    /// With a filter.
    pub fn with_filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// With a sort.
    pub fn with_sort(mut self, by: AttrPath, order: SortOrder) -> Self {
        self.sort = Some(Sort { by, order });
        self
    }

    /// With a page: `startIndex` (values below 1 mean 1, as §3.4.2.4 says) and `count`.
    pub fn with_page(mut self, start_index: usize, count: Option<usize>) -> Self {
        self.start_index = start_index.max(1);
        self.count = count;
        self
    }

    /// A cursor walk from `position` ([`ListQuery::cursor`]); index paging is reset to the
    /// first index.
    pub fn with_cursor(mut self, position: CursorPosition) -> Self {
        self.cursor = Some(position);
        self.start_index = 1;
        self
    }

    /// With the resource type's schema.
    pub fn with_schema(mut self, schema: Arc<ResourceSchema>) -> Self {
        self.schema = Some(schema);
        self
    }

    /// With `attributes` / `excludedAttributes`.
    pub fn with_selection(mut self, selection: Selection) -> Self {
        self.selection = selection;
        self
    }

    /// The 0-based window of `total` sorted results this query asks for, with `count` capped at
    /// `max_results` ([`page_window`]).
    pub fn window(&self, total: usize, max_results: usize) -> Range<usize> {
        page_window(self.start_index, self.count, total, max_results)
    }
}

/// The attribute lists of a request, unresolved: `attributes` and `excludedAttributes`
/// ([RFC 7644 §3.4.2.5](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.5)). A backend may
/// use them to skip work (e.g. not load a group's members when `members` is excluded); the
/// server applies the exact projection to what the backend returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    /// `attributes`: when not empty, only these (plus those `returned: always`).
    pub attributes: Vec<AttrPath>,
    /// `excludedAttributes`.
    pub excluded_attributes: Vec<AttrPath>,
}

impl Selection {
    /// Everything (no `attributes`, no `excludedAttributes`).
    pub fn all() -> Self {
        Self::default()
    }

    /// Everything except these top-level attributes of the core schema.
    pub fn excluding(names: &[&str]) -> Self {
        Selection {
            attributes: Vec::new(),
            excluded_attributes: names.iter().map(|n| AttrPath::new(*n)).collect(),
        }
    }

    /// Whether the answer needs the top-level attribute `name` (of the resource's core schema;
    /// matched case-insensitively, with or without a URN prefix): `false` when it is excluded,
    /// or when `attributes` is given and names neither it nor one of its sub-attributes.
    /// Conservative: when in doubt, `true`.
    pub fn wants(&self, name: &str) -> bool {
        let names = |p: &AttrPath| p.name.eq_ignore_ascii_case(name);
        let core = |p: &AttrPath| {
            p.urn.as_deref().is_none_or(|u| {
                u.eq_ignore_ascii_case(crate::schema::USER_SCHEMA)
                    || u.eq_ignore_ascii_case(crate::schema::GROUP_SCHEMA)
            })
        };
        // `urn:…:core:2.0:User` parses as URN `urn:…:core:2.0` and name `User`: a whole schema.
        let whole_schema = |p: &AttrPath| {
            p.urn.is_some()
                && p.sub_attr.is_none()
                && p.name.starts_with(|c: char| c.is_ascii_uppercase())
        };
        if self
            .excluded_attributes
            .iter()
            .any(|p| names(p) && p.sub_attr.is_none() && core(p))
        {
            return false;
        }
        self.attributes.is_empty() || self.attributes.iter().any(|p| names(p) || whole_schema(p))
    }
}

/// The 0-based range of a sorted result list of `total` items that a page covers
/// ([RFC 7644 §3.4.2.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.4)):
/// `start_index` is 1-based (values below 1 mean 1), `count` is the page size (`None` means
/// `max_results`; larger values are clamped to `max_results`; 0 gives an empty page).
/// A start past the end gives an empty range at `total`.
pub fn page_window(
    start_index: usize,
    count: Option<usize>,
    total: usize,
    max_results: usize,
) -> Range<usize> {
    let start = start_index.max(1).saturating_sub(1).min(total);
    let count = count.unwrap_or(max_results).min(max_results);
    start..start.saturating_add(count).min(total)
}

/// Answers `query` over resources a backend fetched without filtering, sorting or paging them
/// natively: keeps those matching the filter (compiled once against `schema`), sorts them,
/// and cuts the page ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).
/// `json` gives a resource's SCIM JSON. At most `max_results` per page; more than `max_scan`
/// items is refused with 400 `tooMany` instead of evaluating an unbounded list.
pub fn apply_query<T>(
    items: Vec<T>,
    query: &ListQuery,
    schema: &ResourceSchema,
    max_results: usize,
    max_scan: usize,
    json: impl Fn(&T) -> Value,
) -> Result<super::Page<T>, Error> {
    if items.len() > max_scan {
        return Err(Error::too_many(format!(
            "the query would examine {} resources, more than the limit of {max_scan}",
            items.len()
        )));
    }
    let mut kept = match &query.filter {
        Some(f) => {
            let compiled = f.compile(schema)?;
            items
                .into_iter()
                .filter(|i| compiled.matches(&json(i)))
                .collect()
        }
        None => items,
    };
    if let Some(sort) = &query.sort {
        sort_by_json(&mut kept, sort, schema, &json)?;
    }
    let total = kept.len();
    let range = query.window(total, max_results);
    let page: Vec<T> = kept
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .collect();
    Ok(super::Page::new(page, total, query.start_index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_window_follows_rfc7644_3_4_2_4() {
        assert_eq!(page_window(1, None, 10, 100), 0..10);
        assert_eq!(page_window(0, None, 10, 100), 0..10);
        assert_eq!(page_window(3, Some(2), 10, 100), 2..4);
        assert_eq!(page_window(9, Some(5), 10, 100), 8..10);
        assert_eq!(page_window(11, Some(5), 10, 100), 10..10);
        assert_eq!(page_window(1, Some(0), 10, 100), 0..0);
        assert_eq!(page_window(1, Some(50), 100, 20), 0..20);
        assert_eq!(page_window(usize::MAX, Some(usize::MAX), 3, 100), 3..3);
        let q = ListQuery::new().with_page(0, Some(2));
        assert_eq!(q.start_index, 1);
        assert_eq!(q.window(5, 10), 0..2);
    }

    #[test]
    fn selection_wants() {
        assert!(Selection::all().wants("members"));
        assert!(!Selection::excluding(&["members"]).wants("MEMBERS"));
        assert!(Selection::excluding(&["members"]).wants("displayName"));
        let only = Selection {
            attributes: vec![AttrPath::new("displayName")],
            excluded_attributes: vec![],
        };
        assert!(!only.wants("members"));
        let sub = Selection {
            attributes: vec![AttrPath::new("members").with_sub_attr("value")],
            excluded_attributes: vec![],
        };
        assert!(sub.wants("members"));
        let ex_sub = Selection {
            attributes: vec![],
            excluded_attributes: vec![AttrPath::new("members").with_sub_attr("display")],
        };
        assert!(ex_sub.wants("members"));
        let parse = |s: &str| AttrPath::parse(s).unwrap();
        let whole = Selection {
            attributes: vec![parse("urn:ietf:params:scim:schemas:core:2.0:User")],
            excluded_attributes: vec![],
        };
        assert!(whole.wants("groups"));
        let ext = Selection {
            attributes: vec![],
            excluded_attributes: vec![parse(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:groups",
            )],
        };
        assert!(ext.wants("groups"));
        let core = Selection {
            attributes: vec![],
            excluded_attributes: vec![parse("urn:ietf:params:scim:schemas:core:2.0:Group:members")],
        };
        assert!(!core.wants("members"));
    }

    #[test]
    fn apply_query_filters_sorts_and_pages() {
        let schema = ResourceSchema::user();
        let users: Vec<Value> = ["d", "a", "c", "b", "e"]
            .iter()
            .map(|n| serde_json::json!({"userName": n, "active": *n != "c"}))
            .collect();
        let q = ListQuery::new()
            .with_filter(Filter::parse("active eq true").unwrap())
            .with_sort(AttrPath::new("userName"), SortOrder::Descending)
            .with_page(2, Some(2));
        let page = apply_query(users.clone(), &q, &schema, 100, 100, Value::clone).unwrap();
        assert_eq!(page.total_results, 4);
        assert_eq!(page.start_index, 2);
        let names: Vec<_> = page
            .resources
            .iter()
            .map(|u| u["userName"].clone())
            .collect();
        assert_eq!(names, ["d", "b"]);
        let e = apply_query(users.clone(), &q, &schema, 100, 4, Value::clone).unwrap_err();
        assert_eq!(e.scim_type(), Some(crate::ScimType::TooMany));
        let bad = ListQuery::new().with_filter(Filter::parse("active gt true").unwrap());
        let e = apply_query(users, &bad, &schema, 100, 100, Value::clone).unwrap_err();
        assert_eq!(e.scim_type(), Some(crate::ScimType::InvalidFilter));
    }
}
