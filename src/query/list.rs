//! List queries and the helpers a backend uses to answer them: filtering, sorting and paging
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).
//!
//! The server parses `filter`, `sortBy`, `sortOrder`, `startIndex`, `count`, `attributes` and
//! `excludedAttributes` (from the query string or a `/.search` body) into a [`ListQuery`] and
//! hands it to the backend, which answers what it can natively; [`sort_by_json`] and
//! [`page_window`] do the rest the same way for every backend.

use crate::error::Error;
use crate::filter::Filter;
use crate::path::AttrPath;
use crate::schema::ResourceSchema;
use serde_json::Value;
use std::cmp::Ordering;
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

/// `sortBy` with `sortOrder` ([RFC 7644 §3.4.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.3)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// The attribute to sort by (`name.givenName`, `emails`, `meta.lastModified`, …).
    pub by: AttrPath,
    /// The order.
    pub order: SortOrder,
}

/// `sortOrder` ([RFC 7644 §3.4.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.3));
/// `ascending` when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// `ascending`.
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}

impl SortOrder {
    /// Parses `ascending` / `descending` (case-insensitively, as clients vary); anything else is
    /// 400 `invalidValue`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.eq_ignore_ascii_case("ascending") {
            Ok(SortOrder::Ascending)
        } else if s.eq_ignore_ascii_case("descending") {
            Ok(SortOrder::Descending)
        } else {
            Err(Error::invalid_value(format!(
                "sortOrder must be \"ascending\" or \"descending\", not {s:?}"
            )))
        }
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
        if self
            .excluded_attributes
            .iter()
            .any(|p| names(p) && p.sub_attr.is_none())
        {
            return false;
        }
        self.attributes.is_empty() || self.attributes.iter().any(names)
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

/// A comparable sort key taken from a resource's JSON
/// ([RFC 7644 §3.4.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.3)): strings of
/// `caseExact: false` attributes are compared lower-cased, date-times as instants, numbers as
/// numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    /// A boolean (`false` < `true`).
    Bool(bool),
    /// A number.
    Number(f64),
    /// A date-time, as nanoseconds since the epoch (or a string that did not parse).
    Instant(i64),
    /// A string, lower-cased when the attribute is not case-exact.
    String(String),
}

impl SortKey {
    fn rank(&self) -> u8 {
        match self {
            SortKey::Bool(_) => 0,
            SortKey::Number(_) => 1,
            SortKey::Instant(_) => 2,
            SortKey::String(_) => 3,
        }
    }

    /// A total order: within a kind by value, across kinds by kind.
    pub fn total_cmp(&self, other: &SortKey) -> Ordering {
        match (self, other) {
            (SortKey::Bool(a), SortKey::Bool(b)) => a.cmp(b),
            (SortKey::Number(a), SortKey::Number(b)) => a.total_cmp(b),
            (SortKey::Instant(a), SortKey::Instant(b)) => a.cmp(b),
            (SortKey::String(a), SortKey::String(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// Compares two optional sort keys in `order`; resources without a value come last when
/// ascending and first when descending (RFC 7644 §3.4.2.3).
pub fn compare_keys(a: Option<&SortKey>, b: Option<&SortKey>, order: SortOrder) -> Ordering {
    let asc = match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    match order {
        SortOrder::Ascending => asc,
        SortOrder::Descending => asc.reverse(),
    }
}

fn get_ci<'a>(obj: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The sort key of one resource (its JSON representation) for `by`
/// ([RFC 7644 §3.4.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.3)): the
/// attribute's value; for a multi-valued attribute the `primary` value, else the first; for a
/// complex value without a sub-attribute in the path, its `value` sub-attribute. `Ok(None)`
/// when the resource has no value. 400 `invalidPath` when `by` names no attribute of the schema.
pub fn sort_key(
    resource: &Value,
    by: &AttrPath,
    schema: &ResourceSchema,
) -> Result<Option<SortKey>, Error> {
    let attr = schema.resolve_attr(by).ok_or_else(|| {
        Error::invalid_path(format!(
            "sortBy: no attribute {:?} in this resource type",
            by.name
        ))
    })?;
    let Some(obj) = resource.as_object() else {
        return Ok(None);
    };
    let holder = if attr.in_extension {
        match get_ci(obj, &attr.schema.id).and_then(Value::as_object) {
            Some(o) => o,
            None => return Ok(None),
        }
    } else {
        obj
    };
    let Some(mut v) = get_ci(holder, &attr.attribute.name) else {
        return Ok(None);
    };
    if let Value::Array(items) = v {
        let primary = items.iter().find(|i| {
            i.as_object()
                .and_then(|o| get_ci(o, "primary"))
                .and_then(Value::as_bool)
                == Some(true)
        });
        match primary.or_else(|| items.first()) {
            Some(p) => v = p,
            None => return Ok(None),
        }
    }
    let leaf = attr.leaf();
    if let Value::Object(o) = v {
        let sub = attr.sub_attribute.map_or("value", |s| s.name.as_str());
        match get_ci(o, sub) {
            Some(x) => v = x,
            None => return Ok(None),
        }
    }
    let case_exact = if attr.sub_attribute.is_none() && leaf.kind == crate::AttributeType::Complex {
        attr.attribute
            .sub_attribute("value")
            .is_some_and(|s| s.case_exact)
    } else {
        leaf.case_exact
    };
    Ok(match v {
        Value::Bool(b) => Some(SortKey::Bool(*b)),
        Value::Number(n) => n.as_f64().map(SortKey::Number),
        Value::String(s) if leaf.kind == crate::AttributeType::DateTime => {
            match chrono::DateTime::parse_from_rfc3339(s) {
                Ok(t) => t.timestamp_nanos_opt().map(SortKey::Instant),
                Err(_) => Some(SortKey::String(s.clone())),
            }
        }
        Value::String(s) if case_exact => Some(SortKey::String(s.clone())),
        Value::String(s) => Some(SortKey::String(s.to_lowercase())),
        _ => None,
    })
}

/// Sorts resources by `sort` using their JSON representations (a stable sort; keys are
/// computed once per resource). `json` gives the representation of one item.
pub fn sort_by_json<T>(
    items: &mut Vec<T>,
    sort: &Sort,
    schema: &ResourceSchema,
    json: impl Fn(&T) -> Value,
) -> Result<(), Error> {
    let mut keyed: Vec<(Option<SortKey>, T)> = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        let key = sort_key(&json(&item), &sort.by, schema)?;
        keyed.push((key, item));
    }
    keyed.sort_by(|(a, _), (b, _)| compare_keys(a.as_ref(), b.as_ref(), sort.order));
    items.extend(keyed.into_iter().map(|(_, t)| t));
    Ok(())
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
) -> Result<crate::backend::Page<T>, Error> {
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
    Ok(crate::backend::Page::new(page, total, query.start_index))
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
    fn sort_order_parse() {
        assert_eq!(
            SortOrder::parse("Descending").unwrap(),
            SortOrder::Descending
        );
        assert_eq!(SortOrder::parse("ascending").unwrap(), SortOrder::Ascending);
        assert!(SortOrder::parse("up").is_err());
    }

    #[test]
    fn missing_values_last_ascending_first_descending() {
        let k = SortKey::String("a".into());
        assert_eq!(
            compare_keys(Some(&k), None, SortOrder::Ascending),
            Ordering::Less
        );
        assert_eq!(
            compare_keys(Some(&k), None, SortOrder::Descending),
            Ordering::Greater
        );
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
    }

    #[test]
    fn sort_by_json_uses_schema_case_exactness_primary_and_dates() {
        let schema = ResourceSchema::user();
        let mut users = vec![
            serde_json::json!({"userName": "bob", "emails": [{"value": "z@x"}, {"value": "a@x", "primary": true}],
                "meta": {"lastModified": "2024-01-02T00:00:00Z"}}),
            serde_json::json!({"userName": "Alice", "emails": [{"value": "m@x"}],
                "meta": {"lastModified": "2023-12-31T23:00:00-02:00"}}),
            serde_json::json!({"id": "no-name"}),
        ];
        let by = |p: &str| Sort {
            by: crate::path::AttrPath::parse(p).unwrap(),
            order: SortOrder::Ascending,
        };
        let names = |v: &Vec<Value>| {
            v.iter()
                .map(|u| u["userName"].as_str().unwrap_or("-").to_owned())
                .collect::<Vec<_>>()
        };
        sort_by_json(&mut users, &by("userName"), &schema, Value::clone).unwrap();
        assert_eq!(names(&users), ["Alice", "bob", "-"]);
        let mut desc = by("USERNAME");
        desc.order = SortOrder::Descending;
        sort_by_json(&mut users, &desc, &schema, Value::clone).unwrap();
        assert_eq!(names(&users), ["-", "bob", "Alice"]);
        // the primary email of bob (a@x) sorts before Alice's only email (m@x)
        sort_by_json(&mut users, &by("emails"), &schema, Value::clone).unwrap();
        assert_eq!(names(&users), ["bob", "Alice", "-"]);
        // 2023-12-31T23:00-02:00 is 2024-01-01T01:00Z, before bob's
        sort_by_json(&mut users, &by("meta.lastModified"), &schema, Value::clone).unwrap();
        assert_eq!(names(&users), ["Alice", "bob", "-"]);
        let err = sort_by_json(&mut users, &by("nope"), &schema, Value::clone).unwrap_err();
        assert_eq!(err.scim_type(), Some(crate::ScimType::InvalidPath));
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
