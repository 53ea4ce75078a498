//! Decoding the query parameters of a list or search request, from a URL query string
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)) or from a
//! `SearchRequest` body ([RFC 7644 §3.4.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.3)).
//!
//! This stage only decodes and normalises (`startIndex` < 1 → 1, negative `count` → 0);
//! the filter, sort path and attribute lists are parsed by `query.rs`.

use crate::Error;
use serde_json::Value;

/// `sortOrder` (RFC 7644 §3.4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    Ascending,
    Descending,
}

/// `attributes` / `excludedAttributes`, each as the comma-separated list the client sent
/// (RFC 7644 §3.4.2.5). Allowed on every request that returns a resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProjectionParams {
    pub(crate) attributes: Option<String>,
    pub(crate) excluded_attributes: Option<String>,
}

/// Every list parameter, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListParams {
    pub(crate) filter: Option<String>,
    pub(crate) sort_by: Option<String>,
    pub(crate) sort_order: Option<Order>,
    /// 1-based; values below 1 are already raised to 1 (RFC 7644 §3.4.2.4).
    pub(crate) start_index: usize,
    /// Negative values are already 0 (RFC 7644 §3.4.2.4); not yet capped.
    pub(crate) count: Option<usize>,
    pub(crate) projection: ProjectionParams,
    /// `cursor` (RFC 9865 §2): `Some("")` starts a cursor walk; not yet decoded.
    pub(crate) cursor: Option<String>,
    /// Whether the client sent `startIndex` (RFC 9865 §2: not with `cursor`).
    pub(crate) start_index_given: bool,
}

impl Default for ListParams {
    fn default() -> Self {
        ListParams {
            filter: None,
            sort_by: None,
            sort_order: None,
            start_index: 1,
            count: None,
            projection: ProjectionParams::default(),
            cursor: None,
            start_index_given: false,
        }
    }
}

/// One query-string parameter name, matched case-insensitively.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Name {
    Filter,
    SortBy,
    SortOrder,
    StartIndex,
    Count,
    Attributes,
    ExcludedAttributes,
    Cursor,
}

const NAMES: [(&str, Name); 8] = [
    ("filter", Name::Filter),
    ("sortBy", Name::SortBy),
    ("sortOrder", Name::SortOrder),
    ("startIndex", Name::StartIndex),
    ("count", Name::Count),
    ("attributes", Name::Attributes),
    ("excludedAttributes", Name::ExcludedAttributes),
    ("cursor", Name::Cursor),
];

fn name_of(s: &str) -> Option<Name> {
    NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map(|(_, k)| *k)
}

impl ListParams {
    /// Decodes a URL query string (`application/x-www-form-urlencoded`, so `+` is a space as
    /// Entra sends it: `filter=userName+eq+%22x%22`). Unknown parameters are ignored; a known
    /// one given twice is 400 `invalidValue`. Text that is not UTF-8 once percent-decoded is
    /// refused, never decoded lossily: `invalidFilter` for `filter`, `invalidPath` for
    /// `sortBy`, `attributes` and `excludedAttributes`, `invalidValue` otherwise.
    pub(crate) fn from_query(query: Option<&str>) -> Result<ListParams, Error> {
        let mut p = ListParams::default();
        let mut seen = [false; NAMES.len()];
        for pair in query.unwrap_or("").split('&').filter(|s| !s.is_empty()) {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = form_decode(raw_key).ok_or_else(|| {
                Error::invalid_value("a query parameter name is not UTF-8 once percent-decoded")
            })?;
            let Some(name) = name_of(&key) else { continue };
            let value = form_decode(raw_value).ok_or_else(|| not_utf8(name, &key))?;
            let slot = NAMES.iter().position(|(_, n)| *n == name).unwrap_or(0);
            if let Some(s) = seen.get_mut(slot) {
                if *s {
                    return Err(Error::invalid_value(format!(
                        "query parameter {key} is given more than once"
                    )));
                }
                *s = true;
            }
            p.set_text(name, value)?;
        }
        Ok(p)
    }

    /// Decodes a `SearchRequest` body (RFC 7644 §3.4.3). `attributes` and
    /// `excludedAttributes` are JSON arrays of strings (a comma-separated string is accepted
    /// too); `startIndex` and `count` are integers (numeric strings are accepted too).
    pub(crate) fn from_search_body(body: &Value) -> Result<ListParams, Error> {
        let Value::Object(map) = body else {
            return Err(Error::invalid_syntax(
                "a SearchRequest body must be a JSON object",
            ));
        };
        let mut p = ListParams::default();
        for (key, value) in map {
            let Some(name) = name_of(key) else { continue };
            if value.is_null() {
                continue;
            }
            match (name, value) {
                (Name::Attributes | Name::ExcludedAttributes, Value::Array(items)) => {
                    let mut names = Vec::with_capacity(items.len());
                    for item in items {
                        match item {
                            Value::String(s) => names.push(s.as_str()),
                            _ => return Err(wrong_type(key, "an array of strings")),
                        }
                    }
                    p.set_text(name, names.join(","))?;
                }
                (Name::StartIndex | Name::Count, Value::Number(n)) => {
                    let v = match (n.as_i64(), n.as_u64()) {
                        (Some(i), _) => i,
                        (None, Some(_)) => i64::MAX,
                        _ => return Err(wrong_type(key, "an integer")),
                    };
                    p.set_int(name, v);
                }
                (_, Value::String(s)) => p.set_text(name, s.clone())?,
                _ => return Err(wrong_type(key, "a string")),
            }
        }
        Ok(p)
    }

    fn set_text(&mut self, name: Name, value: String) -> Result<(), Error> {
        match name {
            Name::Filter => self.filter = Some(value),
            Name::SortBy => self.sort_by = Some(value),
            Name::SortOrder => self.sort_order = Some(parse_order(&value)?),
            Name::StartIndex => self.set_int(name, parse_int("startIndex", &value)?),
            Name::Count => self.set_int(name, parse_int("count", &value)?),
            Name::Attributes => self.projection.attributes = Some(value),
            Name::ExcludedAttributes => self.projection.excluded_attributes = Some(value),
            Name::Cursor => self.cursor = Some(value),
        }
        Ok(())
    }

    fn set_int(&mut self, name: Name, v: i64) {
        let clamped = usize::try_from(v.max(0)).unwrap_or(usize::MAX);
        match name {
            Name::StartIndex => {
                self.start_index = clamped.max(1);
                self.start_index_given = true;
            }
            Name::Count => self.count = Some(clamped),
            _ => {}
        }
    }
}

impl ProjectionParams {
    /// The `attributes`/`excludedAttributes` of a query string; the list parameters are
    /// decoded too (so their errors are reported) and dropped.
    pub(crate) fn from_query(query: Option<&str>) -> Result<ProjectionParams, Error> {
        ListParams::from_query(query).map(|p| p.projection)
    }
}

/// One `application/x-www-form-urlencoded` component: `+` is a space, then percent-decoding;
/// `None` when the bytes are not UTF-8 (an invalid sequence, a lone surrogate such as
/// `%ED%A0%80`, a truncated sequence).
fn form_decode(raw: &str) -> Option<String> {
    let spaced = if raw.contains('+') {
        std::borrow::Cow::Owned(raw.replace('+', " "))
    } else {
        std::borrow::Cow::Borrowed(raw)
    };
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// The error for a parameter whose value is not UTF-8, typed as the parameter's own errors are.
fn not_utf8(name: Name, key: &str) -> Error {
    let detail = format!("query parameter {key} is not UTF-8 once percent-decoded");
    match name {
        Name::Filter => Error::invalid_filter(detail),
        Name::SortBy | Name::Attributes | Name::ExcludedAttributes => Error::invalid_path(detail),
        Name::SortOrder | Name::StartIndex | Name::Count => Error::invalid_value(detail),
        Name::Cursor => Error::new(crate::ScimType::InvalidCursor, detail),
    }
}

fn parse_order(s: &str) -> Result<Order, Error> {
    if s.eq_ignore_ascii_case("ascending") {
        Ok(Order::Ascending)
    } else if s.eq_ignore_ascii_case("descending") {
        Ok(Order::Descending)
    } else {
        Err(Error::invalid_value(
            "sortOrder must be \"ascending\" or \"descending\"",
        ))
    }
}

/// An integer parameter. Out-of-range integers saturate (so `count=99999999999999999999` is
/// simply "very many"); anything that is not an integer is 400 `invalidValue`.
fn parse_int(param: &str, s: &str) -> Result<i64, Error> {
    let t = s.trim();
    if let Ok(v) = t.parse::<i64>() {
        return Ok(v);
    }
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(if neg { i64::MIN } else { i64::MAX });
    }
    Err(Error::invalid_value(format!("{param} must be an integer")))
}

fn wrong_type(key: &str, what: &str) -> Error {
    Error::invalid_value(format!("SearchRequest {key} must be {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScimType;
    use serde_json::json;

    #[test]
    fn entra_test_connection_query() {
        let p = ListParams::from_query(Some(
            "filter=userName+eq+%2255b2d3f4-0b8e-4a9c-9a3b-6c1d2e3f4a5b%22",
        ))
        .unwrap();
        assert_eq!(
            p.filter.as_deref(),
            Some("userName eq \"55b2d3f4-0b8e-4a9c-9a3b-6c1d2e3f4a5b\"")
        );
        assert_eq!(p.start_index, 1);
        assert_eq!(p.count, None);
    }

    #[test]
    fn paging_is_normalised() {
        let p = ListParams::from_query(Some("startIndex=0&count=-5")).unwrap();
        assert_eq!((p.start_index, p.count), (1, Some(0)));
        let p = ListParams::from_query(Some("StartIndex=3&COUNT=99999999999999999999999")).unwrap();
        assert_eq!((p.start_index, p.count), (3, Some(i64::MAX as usize)));
        let p = ListParams::from_query(Some("startIndex=-99999999999999999999999")).unwrap();
        assert_eq!(p.start_index, 1);
    }

    #[test]
    fn cursor_rfc9865_2() {
        // `cursor` without a value starts a walk (RFC 9865 §2 example: `?cursor&count=10`).
        let p = ListParams::from_query(Some("filter=userName%20sw%20J&cursor&count=10")).unwrap();
        assert_eq!(p.cursor.as_deref(), Some(""));
        assert!(!p.start_index_given);
        let p = ListParams::from_query(Some("cursor=VZUTiyhEQJ94IR&startIndex=1")).unwrap();
        assert_eq!(p.cursor.as_deref(), Some("VZUTiyhEQJ94IR"));
        assert!(p.start_index_given);
        assert!(ListParams::from_query(Some("cursor=a&Cursor=b")).is_err());
    }

    #[test]
    fn bad_values_are_invalid_value() {
        for q in [
            "count=ten",
            "startIndex=1.5",
            "sortOrder=up",
            "count=1&count=2",
            "count=",
        ] {
            let e = ListParams::from_query(Some(q)).unwrap_err();
            assert_eq!(e.scim_type(), Some(ScimType::InvalidValue), "{q}");
        }
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_never_lossy() {
        let bad = [
            "%ff%fe",
            "%ED%A0%80",
            "%C3",
            "%E2%82",
            "%80",
            "a%F8%88%80%80%80",
        ];
        for b in bad {
            let cases = [
                (
                    format!("filter=userName+eq+%22{b}%22"),
                    ScimType::InvalidFilter,
                ),
                (format!("sortBy={b}"), ScimType::InvalidPath),
                (format!("attributes=userName,{b}"), ScimType::InvalidPath),
                (format!("excludedAttributes={b}"), ScimType::InvalidPath),
                (format!("sortOrder={b}"), ScimType::InvalidValue),
                (format!("startIndex={b}"), ScimType::InvalidValue),
                (format!("count=1{b}"), ScimType::InvalidValue),
                (format!("{b}=1"), ScimType::InvalidValue),
            ];
            for (q, t) in cases {
                let e = ListParams::from_query(Some(&q)).unwrap_err();
                assert_eq!((e.status().as_u16(), e.scim_type()), (400, Some(t)), "{q}");
            }
        }
        // Decoded text keeps `%2B` as `+`, `+` as a space, and real UTF-8 as is.
        let p = ListParams::from_query(Some("filter=a%2Bb+c%C3%A9&x")).unwrap();
        assert_eq!(p.filter.as_deref(), Some("a+b cé"));
        // An unknown parameter whose value is not UTF-8 is still ignored.
        assert!(ListParams::from_query(Some("other=%ff")).is_ok());
    }

    #[test]
    fn all_parameters_and_unknown_ones_ignored() {
        let p = ListParams::from_query(Some(
            "filter=a&sortBy=userName&sortOrder=Descending&attributes=userName,emails&excludedAttributes=groups&x=1",
        ))
        .unwrap();
        assert_eq!(p.sort_by.as_deref(), Some("userName"));
        assert_eq!(p.sort_order, Some(Order::Descending));
        assert_eq!(p.projection.attributes.as_deref(), Some("userName,emails"));
        assert_eq!(p.projection.excluded_attributes.as_deref(), Some("groups"));
    }

    #[test]
    fn search_body_rfc7644_3_4_3_example() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "attributes": ["displayName", "userName"],
            "filter": "displayName sw \"smith\"",
            "startIndex": 1,
            "count": 10
        });
        let p = ListParams::from_search_body(&body).unwrap();
        assert_eq!(p.filter.as_deref(), Some("displayName sw \"smith\""));
        assert_eq!(
            p.projection.attributes.as_deref(),
            Some("displayName,userName")
        );
        assert_eq!((p.start_index, p.count), (1, Some(10)));
    }

    #[test]
    fn search_body_lenient_and_bad_types() {
        let p = ListParams::from_search_body(
            &json!({"count": "5", "startIndex": -3, "sortOrder": "ascending", "filter": null}),
        )
        .unwrap();
        assert_eq!((p.start_index, p.count), (1, Some(5)));
        assert_eq!(p.sort_order, Some(Order::Ascending));
        assert!(p.filter.is_none());
        for b in [
            json!([]),
            json!({"filter": 3}),
            json!({"attributes": [1]}),
            json!({"count": 1.5}),
        ] {
            assert!(ListParams::from_search_body(&b).is_err(), "{b}");
        }
        let p = ListParams::from_search_body(&json!({"count": 1e300})).unwrap_err();
        assert_eq!(p.status(), 400);
        let p = ListParams::from_search_body(&json!({"cursor": "", "count": 10})).unwrap();
        assert_eq!(
            (p.cursor.as_deref(), p.start_index_given),
            (Some(""), false)
        );
        let p = ListParams::from_search_body(&json!({"cursor": 5})).unwrap_err();
        assert_eq!(p.status(), 400);
    }
}
