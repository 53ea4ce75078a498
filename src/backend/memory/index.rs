//! Secondary indexes of the memory backend (`userName`, `externalId`, group `displayName`) and
//! the filters they answer without a scan
//! ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2) `eq`).

use super::uid::Uid;
use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::AttrPath;
use crate::schema::{GROUP_SCHEMA, USER_SCHEMA};
use compact_str::CompactString;
use std::collections::HashMap;

/// An index key: a string kept inline up to 24 bytes (most `userName`s and display names),
/// so a lookup compares it without following a pointer to another cache line, and a short
/// key costs no allocation.
pub(crate) type Key = CompactString;

/// The key of a `caseExact: false` attribute: compared case-insensitively (RFC 7643 §2.2), so
/// indexed in lower case.
pub(crate) fn fold(s: &str) -> Key {
    if s.bytes().all(|b| !b.is_ascii_uppercase() && b.is_ascii()) {
        Key::from(s)
    } else {
        Key::from(s.to_lowercase())
    }
}

/// One id or several (an attribute that is not unique, e.g. `externalId`).
#[derive(Debug, Clone)]
enum Ids {
    One(Uid),
    Many(Vec<Uid>),
}

/// A value → ids index for attributes without uniqueness.
#[derive(Debug, Default)]
pub(crate) struct MultiIndex(HashMap<Key, Ids>);

impl MultiIndex {
    pub(crate) fn insert(&mut self, key: Key, id: Uid) {
        match self.0.get_mut(&key) {
            None => {
                self.0.insert(key, Ids::One(id));
            }
            Some(Ids::One(x)) if *x == id => {}
            Some(slot @ Ids::One(_)) => {
                if let Ids::One(x) = *slot {
                    *slot = Ids::Many(vec![x, id]);
                }
            }
            Some(Ids::Many(v)) => {
                if !v.contains(&id) {
                    v.push(id);
                }
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &str, id: Uid) {
        let empty = match self.0.get_mut(key) {
            None => false,
            Some(Ids::One(x)) => *x == id,
            Some(Ids::Many(v)) => {
                v.retain(|x| *x != id);
                v.is_empty()
            }
        };
        if empty {
            self.0.remove(key);
        }
    }

    pub(crate) fn get(&self, key: &str) -> &[Uid] {
        match self.0.get(key) {
            None => &[],
            Some(Ids::One(x)) => std::slice::from_ref(x),
            Some(Ids::Many(v)) => v,
        }
    }
}

/// Which resource type a filter is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
}

/// An indexed equality a filter names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup<'f> {
    /// `id eq "…"`.
    Id(&'f str),
    /// `userName eq "…"` (Users).
    UserName(&'f str),
    /// `externalId eq "…"`.
    ExternalId(&'f str),
    /// `displayName eq "…"` (Groups).
    DisplayName(&'f str),
    /// `members.value eq "…"` / `members[value eq "…"]` (Groups).
    Member(&'f str),
    /// `groups.value eq "…"` / `groups[value eq "…"]` (Users).
    InGroup(&'f str),
}

fn core_urn(kind: Kind) -> &'static str {
    match kind {
        Kind::User => USER_SCHEMA,
        Kind::Group => GROUP_SCHEMA,
    }
}

fn is(path: &AttrPath, kind: Kind, name: &str, sub: Option<&str>) -> bool {
    path.urn
        .as_deref()
        .is_none_or(|u| u.eq_ignore_ascii_case(core_urn(kind)))
        && path.name.eq_ignore_ascii_case(name)
        && match (path.sub_attr.as_deref(), sub) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
}

fn string_eq(f: &Filter) -> Option<(&AttrPath, &str)> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(v),
        } => Some((path, v)),
        _ => None,
    }
}

/// The indexed equality `f` is, if it is one.
pub(crate) fn lookup(f: &Filter, kind: Kind) -> Option<Lookup<'_>> {
    if let Filter::ValuePath { path, filter } = f {
        let (inner, v) = string_eq(filter)?;
        if inner.urn.is_some()
            || inner.sub_attr.is_some()
            || !inner.name.eq_ignore_ascii_case("value")
        {
            return None;
        }
        return match kind {
            Kind::Group if is(path, kind, "members", None) => Some(Lookup::Member(v)),
            Kind::User if is(path, kind, "groups", None) => Some(Lookup::InGroup(v)),
            _ => None,
        };
    }
    let (path, v) = string_eq(f)?;
    if is(path, kind, "id", None) {
        return Some(Lookup::Id(v));
    }
    if is(path, kind, "externalId", None) {
        return Some(Lookup::ExternalId(v));
    }
    match kind {
        Kind::User if is(path, kind, "userName", None) => Some(Lookup::UserName(v)),
        Kind::User if is(path, kind, "groups", Some("value")) => Some(Lookup::InGroup(v)),
        Kind::Group if is(path, kind, "displayName", None) => Some(Lookup::DisplayName(v)),
        Kind::Group if is(path, kind, "members", Some("value")) => Some(Lookup::Member(v)),
        _ => None,
    }
}

/// The lookups whose union holds every resource `f` can match, when the indexes can tell:
/// an indexed equality; an `and` with one among its terms; an `or` of them only.
/// `None`: the filter needs a scan.
pub(crate) fn plan(f: &Filter, kind: Kind) -> Option<Vec<Lookup<'_>>> {
    if let Some(l) = lookup(f, kind) {
        return Some(vec![l]);
    }
    match f {
        Filter::And(terms) => terms.iter().find_map(|t| plan(t, kind)),
        Filter::Or(terms) => {
            let mut all = Vec::new();
            for t in terms {
                all.extend(plan(t, kind)?);
            }
            Some(all)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Filter {
        Filter::parse(s).unwrap()
    }

    #[test]
    fn multi_index_one_and_many() {
        let mut ix = MultiIndex::default();
        let (a, b) = (Uid(1), Uid(2));
        ix.insert("k".into(), a);
        ix.insert("k".into(), a);
        assert_eq!(ix.get("k"), &[a]);
        ix.insert("k".into(), b);
        assert_eq!(ix.get("k"), &[a, b]);
        ix.remove("k", a);
        assert_eq!(ix.get("k"), &[b]);
        ix.remove("k", b);
        assert!(ix.get("k").is_empty());
        assert!(ix.0.is_empty());
        ix.remove("nope", a);
    }

    #[test]
    fn fold_lowercases_unicode() {
        assert_eq!(&*fold("Adele@Contoso.COM"), "adele@contoso.com");
        assert_eq!(&*fold("ÅSA"), "åsa");
        assert_eq!(&*fold("plain"), "plain");
    }

    #[test]
    fn plans() {
        assert_eq!(
            plan(&p(r#"userName eq "A""#), Kind::User),
            Some(vec![Lookup::UserName("A")])
        );
        assert_eq!(
            plan(
                &p(r#"urn:ietf:params:scim:schemas:core:2.0:User:USERNAME eq "A""#),
                Kind::User
            ),
            Some(vec![Lookup::UserName("A")])
        );
        assert_eq!(plan(&p(r#"userName eq "A""#), Kind::Group), None);
        assert_eq!(
            plan(&p(r#"active eq true and externalId eq "x""#), Kind::User),
            Some(vec![Lookup::ExternalId("x")])
        );
        assert_eq!(
            plan(&p(r#"id eq "a" or displayName eq "b""#), Kind::Group),
            Some(vec![Lookup::Id("a"), Lookup::DisplayName("b")])
        );
        assert_eq!(plan(&p(r#"id eq "a" or title eq "b""#), Kind::User), None);
        assert_eq!(plan(&p(r#"userName co "a""#), Kind::User), None);
        assert_eq!(plan(&p(r#"userName eq 1"#), Kind::User), None);
        assert_eq!(plan(&p(r#"not (userName eq "a")"#), Kind::User), None);
        assert_eq!(
            plan(&p(r#"members[value eq "m"]"#), Kind::Group),
            Some(vec![Lookup::Member("m")])
        );
        assert_eq!(
            plan(&p(r#"members.value eq "m""#), Kind::Group),
            Some(vec![Lookup::Member("m")])
        );
        assert_eq!(
            plan(&p(r#"groups[value eq "g"]"#), Kind::User),
            Some(vec![Lookup::InGroup("g")])
        );
        assert_eq!(plan(&p(r#"members[type eq "User"]"#), Kind::Group), None);
        assert_eq!(plan(&p(r#"name.givenName eq "x""#), Kind::User), None);
    }
}
