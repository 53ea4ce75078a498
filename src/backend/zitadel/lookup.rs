//! SCIM filters → `ListUsers` queries: what Zitadel answers exactly is pushed down, the rest
//! is a superset pushed down (or the whole org) and filtered here within a bound
//! ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).

use super::probe::ZCaps;
use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::AttrPath;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// How a filter reaches Zitadel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    /// Queries ANDed to the org and type queries.
    pub queries: Vec<Value>,
    /// Whether Zitadel's answer is exactly the filter's (else post-filter).
    pub exact: bool,
}

/// Metadata value filters take at most this many bytes.
const MAX_VALUE_FILTER: usize = 200;

fn is(path: &AttrPath, name: &str, sub: Option<&str>) -> bool {
    path.name.eq_ignore_ascii_case(name)
        && match (&path.sub_attr, sub) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
        && path
            .urn
            .as_deref()
            .is_none_or(|u| u.eq_ignore_ascii_case(crate::schema::USER_SCHEMA))
}

fn text_method(op: CompareOp) -> Option<&'static str> {
    Some(match op {
        CompareOp::Eq => "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE",
        CompareOp::Co => "TEXT_QUERY_METHOD_CONTAINS_IGNORE_CASE",
        CompareOp::Sw => "TEXT_QUERY_METHOD_STARTS_WITH_IGNORE_CASE",
        CompareOp::Ew => "TEXT_QUERY_METHOD_ENDS_WITH_IGNORE_CASE",
        _ => return None,
    })
}

fn active_query() -> Value {
    json!({"orQuery": {"queries": [
        {"stateQuery": {"state": "USER_STATE_ACTIVE"}},
        {"stateQuery": {"state": "USER_STATE_INITIAL"}}
    ]}})
}

/// The exact Zitadel query for a comparison, `(query, exact)`.
fn compare(
    path: &AttrPath,
    op: CompareOp,
    value: &CompValue,
    caps: ZCaps,
    ext_key: &str,
) -> Option<(Value, bool)> {
    if let CompValue::Bool(b) = value {
        if is(path, "active", None) && matches!(op, CompareOp::Eq | CompareOp::Ne) {
            let q = active_query();
            return Some((
                if *b == (op == CompareOp::Eq) {
                    q
                } else {
                    json!({"notQuery": {"query": q}})
                },
                true,
            ));
        }
        return None;
    }
    let CompValue::String(s) = value else {
        return None;
    };
    let s: &str = s;
    let text = |field: &str, query: &str, exact: bool| {
        if op == CompareOp::Ne {
            let m = "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE";
            return exact.then(|| {
                (
                    json!({"notQuery": {"query": {query: {field: s, "method": m}}}}),
                    true,
                )
            });
        }
        text_method(op).map(|m| (json!({query: {field: s, "method": m}}), exact))
    };
    if is(path, "userName", None) {
        text("userName", "userNameQuery", true)
    } else if is(path, "nickName", None) {
        text("nickName", "nickNameQuery", true)
    } else if is(path, "name", Some("givenName")) {
        // Zitadel requires a given name, so users without one hold a derived value.
        text("firstName", "firstNameQuery", false).filter(|_| op != CompareOp::Ne)
    } else if is(path, "name", Some("familyName")) {
        text("lastName", "lastNameQuery", false).filter(|_| op != CompareOp::Ne)
    } else if is(path, "displayName", None) {
        text("displayName", "displayNameQuery", false).filter(|_| op != CompareOp::Ne)
    } else if is(path, "id", None) && matches!(op, CompareOp::Eq | CompareOp::Ne) {
        let q = json!({"inUserIdsQuery": {"userIds": [s]}});
        Some((
            if op == CompareOp::Eq {
                q
            } else {
                json!({"notQuery": {"query": q}})
            },
            true,
        ))
    } else if is(path, "externalId", None)
        && op == CompareOp::Eq
        && caps.metadata_filters
        && s.len() <= MAX_VALUE_FILTER
    {
        Some((
            json!({"andQuery": {"queries": [
                {"metadataKeyFilter": {"key": ext_key, "method": "TEXT_FILTER_METHOD_EQUALS"}},
                {"metadataValueFilter": {"value": STANDARD.encode(s.as_bytes()), "method": "BYTE_FILTER_METHOD_EQUALS"}}
            ]}}),
            true,
        ))
    } else {
        None
    }
}

/// A query Zitadel answers exactly, `None` when it cannot.
fn exact(f: &Filter, caps: ZCaps, ext_key: &str) -> Option<Value> {
    match f {
        Filter::Compare { path, op, value } => {
            compare(path, *op, value, caps, ext_key).and_then(|(q, e)| e.then_some(q))
        }
        Filter::Present(path) if is(path, "externalId", None) && caps.metadata_filters => Some(
            json!({"metadataKeyFilter": {"key": ext_key, "method": "TEXT_FILTER_METHOD_EQUALS"}}),
        ),
        Filter::And(terms) | Filter::Or(terms) => {
            let qs: Option<Vec<Value>> = terms.iter().map(|t| exact(t, caps, ext_key)).collect();
            let key = if matches!(f, Filter::And(_)) {
                "andQuery"
            } else {
                "orQuery"
            };
            qs.map(|qs| json!({key: {"queries": qs}}))
        }
        Filter::Not(inner) => {
            exact(inner, caps, ext_key).map(|q| json!({"notQuery": {"query": q}}))
        }
        _ => None,
    }
}

/// Plans `filter` (`None`: every user of the org).
pub(crate) fn plan(filter: Option<&Filter>, caps: ZCaps, ext_key: &str) -> Plan {
    let Some(f) = filter else {
        return Plan {
            queries: Vec::new(),
            exact: true,
        };
    };
    if let Some(q) = exact(f, caps, ext_key) {
        return Plan {
            queries: vec![q],
            exact: true,
        };
    }
    // A superset: the pushable terms of a top-level `and`, or a lone superset comparison.
    let terms: &[Filter] = match f {
        Filter::And(t) => t,
        other => std::slice::from_ref(other),
    };
    let queries = terms
        .iter()
        .filter_map(|t| match t {
            Filter::Compare { path, op, value } => {
                compare(path, *op, value, caps, ext_key).map(|(q, _)| q)
            }
            other => exact(other, caps, ext_key),
        })
        .collect();
    Plan {
        queries,
        exact: false,
    }
}

/// The `ListUsers` sorting column for a SCIM `sortBy`, when Zitadel can sort by it exactly.
pub(crate) fn sort_column(path: &AttrPath) -> Option<&'static str> {
    if is(path, "userName", None) {
        Some("USER_FIELD_NAME_USER_NAME")
    } else if is(path, "nickName", None) {
        Some("USER_FIELD_NAME_NICK_NAME")
    } else if is(path, "meta", Some("created")) {
        Some("USER_FIELD_NAME_CREATION_DATE")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(metadata_filters: bool) -> ZCaps {
        ZCaps {
            metadata_filters,
            ..ZCaps::default()
        }
    }

    #[test]
    fn entra_lookups_push_down_exactly() {
        let f = Filter::parse(r#"externalId eq "6f1c""#).unwrap();
        let p = plan(Some(&f), caps(true), "urn:zitadel:scim:externalId");
        assert!(p.exact);
        let q = serde_json::to_string(&p.queries).unwrap();
        assert!(
            q.contains("metadataKeyFilter") && q.contains("NmYxYw=="),
            "{q}"
        );
        let f = Filter::parse(r#"userName eq "Adele@Contoso.com""#).unwrap();
        let p = plan(Some(&f), caps(false), "k");
        assert!(p.exact);
        assert_eq!(
            p.queries[0]["userNameQuery"]["method"],
            "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE"
        );
    }

    #[test]
    fn older_servers_and_unpushable_terms_post_filter() {
        let f = Filter::parse(r#"externalId eq "6f1c""#).unwrap();
        let p = plan(Some(&f), caps(false), "k");
        assert!(!p.exact && p.queries.is_empty());
        let f = Filter::parse(r#"userName sw "a" and title eq "x""#).unwrap();
        let p = plan(Some(&f), caps(true), "k");
        assert!(!p.exact);
        assert_eq!(p.queries.len(), 1);
        let f = Filter::parse(r#"name.givenName eq "A""#).unwrap();
        let p = plan(Some(&f), caps(true), "k");
        assert!(!p.exact && p.queries.len() == 1);
        let f = Filter::parse(r#"active eq false or id eq "1""#).unwrap();
        assert!(plan(Some(&f), caps(true), "k").exact);
    }
}
