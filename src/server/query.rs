//! Parsing the decoded list parameters: the filter (with the configured length and depth
//! limits), the sort path, the page and the attribute lists
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).

use super::Limits;
use super::params::{ListParams, Order, ProjectionParams};
use crate::filter::{Filter, ParseLimits};
use crate::path::{AttrPath, parse_attribute_list};
use crate::{Error, ScimType};

/// Parsed `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Projection {
    pub(crate) attributes: Vec<AttrPath>,
    pub(crate) excluded: Vec<AttrPath>,
}

/// Parsed list parameters (RFC 7644 §3.4.2).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedList {
    pub(crate) filter: Option<Filter>,
    pub(crate) sort_by: Option<AttrPath>,
    pub(crate) descending: bool,
    /// 1-based.
    pub(crate) start_index: usize,
    /// Already capped (or refused) per [`Limits::max_count`].
    pub(crate) count: usize,
    pub(crate) projection: Projection,
}

impl ParsedList {
    /// Parses every list parameter. A filter too long or too deep is 400 `invalidFilter`;
    /// a bad `sortBy` or attribute list is 400 `invalidPath`.
    pub(crate) fn parse(params: &ListParams, limits: &Limits) -> Result<ParsedList, Error> {
        let filter = match params.filter.as_deref() {
            Some(text) => Some(parse_filter(text, limits)?),
            None => None,
        };
        let sort_by = match params.sort_by.as_deref() {
            Some(text) if !text.trim().is_empty() => {
                Some(AttrPath::parse(text.trim()).map_err(Error::from)?)
            }
            _ => None,
        };
        Ok(ParsedList {
            filter,
            sort_by,
            descending: params.sort_order == Some(Order::Descending),
            start_index: params.start_index,
            count: limits.page_size(params.count)?,
            projection: Projection::parse(&params.projection, limits)?,
        })
    }
}

impl Projection {
    /// Parses `attributes` and `excludedAttributes`, each bounded by
    /// [`Limits::max_attribute_list`].
    pub(crate) fn parse(params: &ProjectionParams, limits: &Limits) -> Result<Projection, Error> {
        Ok(Projection {
            attributes: attribute_list(params.attributes.as_deref(), limits)?,
            excluded: attribute_list(params.excluded_attributes.as_deref(), limits)?,
        })
    }
}

fn parse_filter(text: &str, limits: &Limits) -> Result<Filter, Error> {
    let parse_limits = ParseLimits::DEFAULT
        .with_max_length(limits.max_filter_len)
        .with_max_depth(limits.max_filter_depth);
    Filter::parse_with(text, &parse_limits).map_err(|e| {
        // A filter error is always reported as invalidFilter, whatever part failed.
        Error::new(ScimType::InvalidFilter, e.to_string())
    })
}

fn attribute_list(text: Option<&str>, limits: &Limits) -> Result<Vec<AttrPath>, Error> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    // Bound the work before parsing: each name takes at least one byte and one comma.
    if text.matches(',').count() >= limits.max_attribute_list {
        return Err(Error::invalid_value(format!(
            "at most {} attribute names are accepted",
            limits.max_attribute_list
        )));
    }
    parse_attribute_list(text).map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(q: &str, limits: &Limits) -> Result<ParsedList, Error> {
        ParsedList::parse(&ListParams::from_query(Some(q))?, limits)
    }

    #[test]
    fn entra_lookup_parses() {
        let p = parsed(
            "filter=userName+eq+%22adele%40contoso.com%22&startIndex=1&count=100",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            p.filter.unwrap().to_string(),
            "userName eq \"adele@contoso.com\""
        );
        assert_eq!((p.start_index, p.count), (1, 100));
        assert_eq!(p.projection, Projection::default());
    }

    #[test]
    fn groups_lookup_excluding_members() {
        let p = parsed(
            "filter=displayName+eq+%22Sales%22&excludedAttributes=members",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(p.projection.excluded, vec![AttrPath::new("members")]);
    }

    #[test]
    fn filter_limits_are_invalid_filter() {
        let limits = Limits::default()
            .with_max_filter_len(20)
            .with_max_filter_depth(2);
        let long = format!("filter={}", "userName eq \"aaaaaaaaaaaaaaaaaaaa\"");
        let deep = "filter=(((userName pr)))";
        for q in [long.as_str(), deep, "filter=userName+equals+1", "filter="] {
            let e = parsed(q, &limits).unwrap_err();
            assert_eq!(e.scim_type(), Some(ScimType::InvalidFilter), "{q}: {e}");
        }
    }

    #[test]
    fn sort_and_attributes() {
        let p = parsed(
            "sortBy=name.familyName&sortOrder=descending&attributes=userName,%20emails",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            p.sort_by,
            Some(AttrPath::new("name").with_sub_attr("familyName"))
        );
        assert!(p.descending);
        assert_eq!(p.projection.attributes.len(), 2);
        let e = parsed("sortBy=a[b", &Limits::default()).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidPath));
        let e = parsed("attributes=a,,b", &Limits::default()).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidPath));
        let many = format!("attributes={}", vec!["a"; 300].join(","));
        assert!(parsed(&many, &Limits::default()).is_err());
    }

    #[test]
    fn count_policy_applies() {
        let l = Limits::default().with_max_count(5);
        assert_eq!(parsed("count=50", &l).unwrap().count, 5);
        assert_eq!(parsed("", &l).unwrap().count, 5);
    }
}
