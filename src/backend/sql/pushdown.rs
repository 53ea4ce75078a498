//! Filters as SQL: the indexed equalities a filter names become a `WHERE` condition with bound
//! parameters (never a filter value in the SQL text) that selects the candidates; the crate's
//! filter engine then decides on each candidate, exactly as in the memory backend
//! ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).
//!
//! The candidates are the memory backend's: `id`, `userName` (folded), `externalId`, group
//! `displayName` (folded), `members.value` and `groups.value` equalities, alone, as one term
//! of an `and`, or `or`-ed together; anything else is a bounded scan of the tenant.

use super::members::member_id;
use crate::backend::memory::index::{Kind, Lookup, fold, lookup, plan};
use crate::backend::memory::uid::Uid;
use crate::filter::Filter;

/// A condition on the rows of the resource table, `$1` being the tenant: its SQL text and the
/// values bound to `$2, $3, …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    pub(crate) sql: String,
    pub(crate) params: Vec<String>,
}

/// The SQL condition that selects every resource `filter` can match, when the indexes can
/// tell; `None`: the filter needs a scan.
pub(crate) fn condition(filter: &Filter, kind: Kind) -> Option<Condition> {
    let lookups = plan(filter, kind)?;
    let mut params: Vec<String> = Vec::new();
    let mut terms: Vec<String> = Vec::with_capacity(lookups.len());
    for l in lookups {
        let n = params.len() + 2;
        let (term, value) = match l {
            Lookup::Id(v) => (format!("id = ${n}"), Some(v.to_owned())),
            Lookup::UserName(v) => (format!("user_name = ${n}"), Some(fold(v).to_string())),
            Lookup::ExternalId(v) => (format!("external_id = ${n}"), Some(v.to_owned())),
            Lookup::DisplayName(v) => (format!("display_folded = ${n}"), Some(fold(v).to_string())),
            // Any id: a foreign member's (e.g. a Zitadel user's) need not be a UUID.
            Lookup::Member(v) => match member_id(v, true) {
                Some(m) => (
                    format!(
                        "id IN (SELECT group_id FROM scim_group_members \
                         WHERE tenant = $1 AND member_id = ${n})"
                    ),
                    Some(m),
                ),
                None => ("1 = 0".to_owned(), None),
            },
            Lookup::InGroup(v) => match Uid::parse(v) {
                Some(g) => (
                    format!(
                        "id IN (SELECT member_id FROM scim_group_members \
                         WHERE tenant = $1 AND group_id = ${n} AND kind = 'User')"
                    ),
                    Some(g.to_string()),
                ),
                None => ("1 = 0".to_owned(), None),
            },
        };
        terms.push(term);
        params.extend(value);
    }
    Some(Condition {
        sql: terms.join(" OR "),
        params,
    })
}

/// Whether `f` is a lone `id`/`userName`/`externalId`/`displayName` equality: the condition
/// answers it exactly, no evaluation needed.
pub(crate) fn is_exact(f: &Filter, kind: Kind) -> bool {
    lookup(f, kind).is_some_and(|l| {
        matches!(
            l,
            Lookup::Id(_) | Lookup::UserName(_) | Lookup::ExternalId(_) | Lookup::DisplayName(_)
        )
    })
}

/// Whether the filter names the top-level attribute `name` anywhere (e.g. `groups`, which a
/// candidate's JSON then needs).
pub(crate) fn mentions(f: &Filter, name: &str) -> bool {
    match f {
        Filter::Compare { path, .. } | Filter::Present(path) => {
            path.name.eq_ignore_ascii_case(name)
        }
        Filter::And(v) | Filter::Or(v) => v.iter().any(|t| mentions(t, name)),
        Filter::Not(t) => mentions(t, name),
        Filter::ValuePath { path, .. } => path.name.eq_ignore_ascii_case(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str, kind: Kind) -> Option<Condition> {
        condition(&Filter::parse(s).unwrap(), kind)
    }

    #[test]
    fn indexed_equalities_become_bound_parameters() {
        let got = c(r#"userName eq "Adele@Contoso.com""#, Kind::User).unwrap();
        assert_eq!(got.sql, "user_name = $2");
        assert_eq!(got.params, ["adele@contoso.com"]);
        // the value never reaches the SQL text, whatever it holds
        let evil = c(r#"externalId eq "x' OR '1'='1""#, Kind::User).unwrap();
        assert_eq!(evil.sql, "external_id = $2");
        assert_eq!(evil.params, ["x' OR '1'='1"]);
        let g = c(r#"displayName eq "Sales""#, Kind::Group).unwrap();
        assert_eq!(
            (g.sql.as_str(), g.params[0].as_str()),
            ("display_folded = $2", "sales")
        );
    }

    #[test]
    fn and_uses_one_indexed_term_or_needs_all() {
        let a = c(r#"active eq true and externalId eq "x""#, Kind::User).unwrap();
        assert_eq!(a.sql, "external_id = $2");
        let o = c(r#"id eq "a" or displayName eq "B""#, Kind::Group).unwrap();
        assert_eq!(o.sql, "id = $2 OR display_folded = $3");
        assert_eq!(o.params, ["a", "b"]);
        assert!(c(r#"id eq "a" or title eq "b""#, Kind::User).is_none());
        assert!(c(r#"not (userName eq "a")"#, Kind::User).is_none());
        assert!(c(r#"userName co "a""#, Kind::User).is_none());
    }

    #[test]
    fn member_links_use_the_member_table() {
        let id = "2819c223-7f76-453a-919d-413861904646";
        let m = c(&format!(r#"members[value eq "{id}"]"#), Kind::Group).unwrap();
        assert!(m.sql.contains("member_id = $2"), "{}", m.sql);
        assert_eq!(m.params, [id]);
        let upper = c(
            &format!(r#"members.value eq "{}""#, id.to_uppercase()),
            Kind::Group,
        );
        assert_eq!(upper.unwrap().params, [id]);
        let g = c(&format!(r#"groups.value eq "{id}""#), Kind::User).unwrap();
        assert!(
            g.sql.contains("group_id = $2 AND kind = 'User'"),
            "{}",
            g.sql
        );
        // a foreign member's id (a Zitadel user's is numeric) as written
        let z = c(r#"members[value eq "285073629412356867"]"#, Kind::Group).unwrap();
        assert!(z.sql.contains("member_id = $2"), "{}", z.sql);
        assert_eq!(z.params, ["285073629412356867"]);
        let none = c(r#"members[value eq ""]"#, Kind::Group).unwrap();
        assert_eq!((none.sql.as_str(), none.params.len()), ("1 = 0", 0));
    }

    #[test]
    fn exactness_and_mentions() {
        let p = |s: &str| Filter::parse(s).unwrap();
        assert!(is_exact(&p(r#"userName eq "a""#), Kind::User));
        assert!(!is_exact(&p(r#"members[value eq "a"]"#), Kind::Group));
        assert!(!is_exact(
            &p(r#"userName eq "a" and active eq true"#),
            Kind::User
        ));
        assert!(mentions(
            &p(r#"title eq "x" or groups[display sw "S"]"#),
            "groups"
        ));
        assert!(mentions(&p(r#"not (groups.display eq "S")"#), "GROUPS"));
        assert!(!mentions(&p(r#"userName eq "a""#), "groups"));
    }
}
