//! What a backend can do: the facts `/ServiceProviderConfig` publishes and the filters it can
//! serve ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5),
//! [RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).

use crate::error::Error;
use crate::filter::{CompareOp, Filter};
use crate::path::AttrPath;
use serde_json::{Map, Value, json};

/// A backend's capabilities ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5)):
/// they drive `/ServiceProviderConfig` ([`Capabilities::to_service_provider_config`]) and let
/// the server refuse, with 400 `invalidFilter`, a filter the backend cannot serve
/// ([`Capabilities::check_filter`]) instead of failing later or scanning without bound.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Which filters the backend serves.
    pub filter: FilterSupport,
    /// `filter.maxResults`: the most resources one list answer returns (larger `count`s are
    /// clamped, larger scans are refused with `tooMany`).
    pub max_results: usize,
    /// `sort.supported`: `sortBy`/`sortOrder` are honoured.
    pub sort: bool,
    /// `etag.supported`: resources carry `meta.version` and `If-Match` is honoured.
    pub etag: bool,
    /// `patch.supported`.
    pub patch: bool,
    /// `bulk`, as far as the backend is concerned. The server runs `/Bulk` itself (each
    /// operation through the single-resource path), so `/ServiceProviderConfig` advertises
    /// what the server's `Limits` allow, not this.
    pub bulk: BulkSupport,
    /// `changePassword.supported`: `password` may be set by PUT/PATCH.
    pub change_password: bool,
    /// `pagination.cursor` ([RFC 9865 §4](https://www.rfc-editor.org/rfc/rfc9865#section-4)):
    /// the backend answers a [`ListQuery::cursor`](crate::query::ListQuery::cursor) walk in
    /// `id` order and fills [`Page::next`](crate::backend::Page::next), for Users, Groups and
    /// the resource types registered at run time it stores
    /// ([`IdentityBackend::list_resources`](crate::backend::IdentityBackend::list_resources)).
    /// When `false`, a `cursor` parameter is refused with 400 `invalidCursor` on every type.
    pub cursor: bool,
    /// `previousCursor` ([RFC 9865 §2.2](https://www.rfc-editor.org/rfc/rfc9865#section-2.2)):
    /// the backend also walks backwards, answering a
    /// [`CursorPosition::Before`](crate::query::CursorPosition::Before) and filling
    /// [`Page::previous`](crate::backend::Page::previous). RFC 9865 defines no
    /// `/ServiceProviderConfig` attribute for it (returning `previousCursor` is optional), so
    /// it is not advertised; when `false` no `previousCursor` is issued and one from another
    /// replica is refused with 400 `invalidCursor`.
    pub cursor_previous: bool,
    /// How far a walk is stable: `true` (memory, SQL) for a keyset walk in `id` order, where
    /// resources created or deleted during the walk never shift the others; `false` for a
    /// walk by position in another stable order (Zitadel: creation date), where a resource
    /// created during the walk sorts last and shifts nothing, but one deleted before the
    /// walk's position shifts it by one (a resource may be skipped).
    pub cursor_keyset: bool,
}

/// `bulk` of `/ServiceProviderConfig` ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5),
/// [RFC 7644 §3.7](https://www.rfc-editor.org/rfc/rfc7644#section-3.7)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct BulkSupport {
    /// Whether `/Bulk` is served.
    pub supported: bool,
    /// The most operations in one bulk request.
    pub max_operations: usize,
    /// The largest bulk payload in bytes.
    pub max_payload_size: usize,
}

/// Which filter expressions a backend serves
/// ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterSupport {
    /// No filtering at all (`filter.supported: false`).
    None,
    /// Every valid filter (e.g. evaluated by a scan, bounded by `max_results`).
    Any,
    /// Only what these rules allow (e.g. a remote API that looks users up by `userName` only).
    Rules(FilterRules),
}

/// The filters a backend with native lookups serves: each comparison must match a
/// [`FilterRule`], and `and`/`or`/`not` are allowed only if enabled
/// ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FilterRules {
    /// The allowed comparisons.
    pub rules: Vec<FilterRule>,
    /// Whether `and` may combine allowed comparisons.
    pub and: bool,
    /// Whether `or` may combine allowed comparisons.
    pub or: bool,
    /// Whether `not` may negate an allowed expression.
    pub not: bool,
}

/// One allowed comparison: an attribute of a resource type with the operators that work on it
/// ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2), Table 3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FilterRule {
    /// The resource type (`User`, `Group`, …), or `None` for every type.
    pub resource_type: Option<String>,
    /// The attribute (`userName`, `emails.value`, …); matched case-insensitively, with or
    /// without its schema URN.
    pub attribute: AttrPath,
    /// The comparison operators allowed.
    pub ops: Vec<CompareOp>,
    /// Whether `pr` (present) is allowed.
    pub present: bool,
}

impl FilterRule {
    /// `attribute eq "…"` on `resource_type`.
    pub fn eq(resource_type: &str, attribute: AttrPath) -> Self {
        FilterRule {
            resource_type: Some(resource_type.to_owned()),
            attribute,
            ops: vec![CompareOp::Eq],
            present: false,
        }
    }

    fn applies(&self, resource_type: &str, path: &AttrPath) -> bool {
        let ci = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        self.resource_type
            .as_deref()
            .is_none_or(|t| ci(t, resource_type))
            && ci(&self.attribute.name, &path.name)
            && match (&self.attribute.sub_attr, &path.sub_attr) {
                (None, None) => true,
                (Some(a), Some(b)) => ci(a, b),
                _ => false,
            }
            && match (&self.attribute.urn, &path.urn) {
                (Some(a), Some(b)) => ci(a, b),
                _ => true,
            }
    }
}

impl Capabilities {
    /// What a backend that evaluates any filter by scanning supports: filter (any), sort,
    /// etag, patch; no bulk, no password change; at most `max_results` per answer.
    pub fn scan(max_results: usize) -> Self {
        Capabilities {
            filter: FilterSupport::Any,
            max_results,
            sort: true,
            etag: true,
            patch: true,
            bulk: BulkSupport::default(),
            change_password: false,
            cursor: false,
            cursor_previous: false,
            cursor_keyset: true,
        }
    }

    /// The same capabilities with cursor paging on or off (see [`Capabilities::cursor`]).
    pub fn with_cursor(mut self, cursor: bool) -> Self {
        self.cursor = cursor;
        self
    }

    /// The same capabilities with backward cursor steps on or off (see
    /// [`Capabilities::cursor_previous`]).
    pub fn with_cursor_previous(mut self, previous: bool) -> Self {
        self.cursor_previous = previous;
        self
    }

    /// The same capabilities with another filter support.
    pub fn with_filter(mut self, filter: FilterSupport) -> Self {
        self.filter = filter;
        self
    }

    /// Whether the backend can serve `filter` on `resource_type`; otherwise 400 `invalidFilter`
    /// naming what it cannot do ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2):
    /// "the filter ... is not supported").
    pub fn check_filter(&self, resource_type: &str, filter: &Filter) -> Result<(), Error> {
        let rules = match &self.filter {
            FilterSupport::Any => return Ok(()),
            FilterSupport::None => {
                return Err(Error::invalid_filter(
                    "this service provider does not support filtering",
                ));
            }
            FilterSupport::Rules(r) => r,
        };
        // (node, parent multi-valued attribute for paths inside a value filter)
        let mut stack: Vec<(&Filter, Option<&AttrPath>)> = vec![(filter, None)];
        while let Some((f, parent)) = stack.pop() {
            match f {
                Filter::Compare { path, op, .. } => {
                    let full = qualify(parent, path);
                    let ok = rules
                        .rules
                        .iter()
                        .any(|r| r.applies(resource_type, &full) && r.ops.contains(op));
                    if !ok {
                        return Err(unsupported(resource_type, &full, op.as_str(), rules));
                    }
                }
                Filter::Present(path) => {
                    let full = qualify(parent, path);
                    let ok = rules
                        .rules
                        .iter()
                        .any(|r| r.applies(resource_type, &full) && r.present);
                    if !ok {
                        return Err(unsupported(resource_type, &full, "pr", rules));
                    }
                }
                Filter::And(terms) | Filter::Or(terms) => {
                    let (allowed, name) = match f {
                        Filter::And(_) => (rules.and, "and"),
                        _ => (rules.or, "or"),
                    };
                    if !allowed {
                        return Err(Error::invalid_filter(format!(
                            "this service provider cannot combine filters with `{name}`"
                        )));
                    }
                    stack.extend(terms.iter().map(|t| (t, parent)));
                }
                Filter::Not(inner) => {
                    if !rules.not {
                        return Err(Error::invalid_filter(
                            "this service provider cannot serve `not` filters",
                        ));
                    }
                    stack.push((inner, parent));
                }
                Filter::ValuePath { path, filter } => stack.push((filter, Some(path))),
            }
        }
        Ok(())
    }

    /// The capability part of `/ServiceProviderConfig`
    /// ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5)): `patch`, `bulk`,
    /// `filter`, `changePassword`, `sort` and `etag`. The server adds `schemas`,
    /// `documentationUri`, `authenticationSchemes` and `meta`.
    pub fn to_service_provider_config(&self) -> Map<String, Value> {
        let supported = |b: bool| json!({ "supported": b });
        let mut m = Map::new();
        m.insert("patch".into(), supported(self.patch));
        m.insert(
            "bulk".into(),
            json!({
                "supported": self.bulk.supported,
                "maxOperations": self.bulk.max_operations,
                "maxPayloadSize": self.bulk.max_payload_size,
            }),
        );
        m.insert(
            "filter".into(),
            json!({
                "supported": self.filter != FilterSupport::None,
                "maxResults": self.max_results,
            }),
        );
        m.insert("changePassword".into(), supported(self.change_password));
        m.insert("sort".into(), supported(self.sort));
        m.insert("etag".into(), supported(self.etag));
        m
    }
}

fn qualify(parent: Option<&AttrPath>, path: &AttrPath) -> AttrPath {
    match parent {
        Some(p) if path.urn.is_none() && path.sub_attr.is_none() => AttrPath {
            urn: p.urn.clone(),
            name: p.name.clone(),
            sub_attr: Some(path.name.clone()),
        },
        _ => path.clone(),
    }
}

fn unsupported(resource_type: &str, path: &AttrPath, op: &str, rules: &FilterRules) -> Error {
    let mut allowed: Vec<String> = rules
        .rules
        .iter()
        .filter(|r| {
            r.resource_type
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case(resource_type))
        })
        .flat_map(|r| {
            let name = r.attribute.to_string();
            let pr = r.present.then(|| format!("{name} pr"));
            r.ops
                .iter()
                .map(move |o| format!("{name} {}", o.as_str()))
                .chain(pr)
        })
        .collect();
    allowed.dedup();
    Error::invalid_filter(format!(
        "this service provider cannot filter {resource_type} by `{} {op}`; supported: {}",
        path,
        if allowed.is_empty() {
            "none".to_owned()
        } else {
            allowed.join(", ")
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScimType;
    use crate::filter::CompValue;

    fn eq(name: &str, v: &str) -> Filter {
        Filter::Compare {
            path: AttrPath::new(name),
            op: CompareOp::Eq,
            value: CompValue::String(v.into()),
        }
    }

    fn lookup_only() -> Capabilities {
        Capabilities::scan(100).with_filter(FilterSupport::Rules(FilterRules {
            rules: vec![
                FilterRule::eq("User", AttrPath::new("userName")),
                FilterRule::eq("User", AttrPath::new("externalId")),
                FilterRule::eq("Group", AttrPath::new("displayName")),
            ],
            and: true,
            or: false,
            not: false,
        }))
    }

    #[test]
    fn any_accepts_everything_none_nothing() {
        let f = eq("title", "x");
        assert!(Capabilities::scan(10).check_filter("User", &f).is_ok());
        let none = Capabilities::scan(10).with_filter(FilterSupport::None);
        let e = none.check_filter("User", &f).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidFilter));
    }

    #[test]
    fn rules_allow_indexed_equality_only() {
        let c = lookup_only();
        assert!(c.check_filter("User", &eq("USERNAME", "a")).is_ok());
        assert!(
            c.check_filter(
                "User",
                &Filter::And(vec![eq("userName", "a"), eq("externalId", "b")])
            )
            .is_ok()
        );
        let e = c.check_filter("User", &eq("title", "x")).unwrap_err();
        assert_eq!(e.status().as_u16(), 400);
        assert!(e.detail().contains("title eq"), "{}", e.detail());
        assert!(e.detail().contains("userName eq"), "{}", e.detail());
        // the Group rule does not apply to Users
        assert!(c.check_filter("User", &eq("displayName", "x")).is_err());
        assert!(c.check_filter("Group", &eq("displayName", "x")).is_ok());
        let co = Filter::Compare {
            path: AttrPath::new("userName"),
            op: CompareOp::Co,
            value: CompValue::String("a".into()),
        };
        assert!(c.check_filter("User", &co).is_err());
        assert!(
            c.check_filter(
                "User",
                &Filter::Or(vec![eq("userName", "a"), eq("userName", "b")])
            )
            .is_err()
        );
        assert!(
            c.check_filter("User", &Filter::Not(Box::new(eq("userName", "a"))))
                .is_err()
        );
        assert!(
            c.check_filter("User", &Filter::Present(AttrPath::new("userName")))
                .is_err()
        );
    }

    #[test]
    fn value_paths_are_checked_as_sub_attributes() {
        let c = Capabilities::scan(10).with_filter(FilterSupport::Rules(FilterRules {
            rules: vec![FilterRule::eq(
                "User",
                AttrPath::new("emails").with_sub_attr("value"),
            )],
            ..FilterRules::default()
        }));
        let vp = Filter::ValuePath {
            path: AttrPath::new("emails"),
            filter: Box::new(eq("value", "a@b")),
        };
        assert!(c.check_filter("User", &vp).is_ok());
        let vp2 = Filter::ValuePath {
            path: AttrPath::new("emails"),
            filter: Box::new(eq("type", "work")),
        };
        assert!(c.check_filter("User", &vp2).is_err());
    }

    #[test]
    fn service_provider_config_shape() {
        let m = Capabilities::scan(200).to_service_provider_config();
        let v = Value::Object(m);
        assert_eq!(v["filter"], json!({"supported": true, "maxResults": 200}));
        assert_eq!(v["patch"]["supported"], json!(true));
        assert_eq!(v["bulk"]["supported"], json!(false));
        assert_eq!(v["changePassword"]["supported"], json!(false));
        assert_eq!(v["sort"]["supported"], json!(true));
        assert_eq!(v["etag"]["supported"], json!(true));
    }
}
