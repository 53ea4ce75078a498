//! Projection: which attributes of a resource a response carries, from the `attributes` and
//! `excludedAttributes` query parameters and each attribute's `returned` characteristic
//! ([RFC 7644 §3.4.2.5](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.5),
//! [§3.9](https://www.rfc-editor.org/rfc/rfc7644#section-3.9);
//! [RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2) and
//! [§7](https://www.rfc-editor.org/rfc/rfc7643#section-7), "returned").

use crate::error::Error;
use crate::path::{AttrPath, parse_attribute_list};
use crate::schema::{Attribute, AttributeType, Resolved, ResourceSchema, Returned, TopLevel};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The attributes a response returns for one resource type
/// ([RFC 7644 §3.9](https://www.rfc-editor.org/rfc/rfc7644#section-3.9)).
///
/// Built once per request from the parsed `attributes` / `excludedAttributes` lists and applied
/// to every resource of the response (one pass over each resource's keys):
///
/// - `schemas` and attributes whose `returned` is `always` (`id`) are always returned; they
///   cannot be excluded.
/// - `never` attributes (`password`) are never returned.
/// - `request` attributes are returned only when named in `attributes`.
/// - `default` attributes (including `meta`, RFC 7643 §3.1) are returned unless `attributes`
///   is given and does not name them, or `excludedAttributes` names them.
/// - A sub-attribute path (`name.givenName`, `emails.value`) selects or removes that
///   sub-attribute only, in every value of a multi-valued attribute.
/// - Extension attributes behave like core ones: `excludedAttributes=members` leaves the
///   extension object alone; `attributes=urn:…:enterprise:2.0:User:employeeNumber` returns only
///   that attribute inside the extension object; an extension URN alone selects (or removes)
///   the whole extension object.
/// - Names that no schema defines are ignored (RFC 7644 gives no error for them); attributes
///   of the resource that no schema defines count as `default` and match by name.
/// - When both lists are given, `attributes` wins (the RFC makes them alternatives).
///
/// Resource keys match case-insensitively. For write responses, the caller names the
/// attributes the client wrote so that `request` attributes come back (RFC 7643 §7).
#[derive(Debug, Clone)]
pub struct Projection {
    schema: Arc<ResourceSchema>,
    mode: Mode,
}

#[derive(Debug, Clone)]
enum Mode {
    Default,
    Include(Selection),
    Exclude(Selection),
}

/// The attributes a list names, by canonical (schema) spelling.
#[derive(Debug, Clone, Default)]
struct Selection {
    core: Vec<Pick>,
    extensions: Vec<ExtPick>,
    /// Names that resolve to nothing in the schemas, matched against unknown resource keys.
    unknown: Vec<Box<str>>,
}

#[derive(Debug, Clone)]
struct Pick {
    name: Box<str>,
    /// `None`: the whole attribute; `Some`: only these sub-attributes.
    subs: Option<Vec<Box<str>>>,
}

#[derive(Debug, Clone)]
struct ExtPick {
    urn: Box<str>,
    /// `None`: the whole extension object; `Some`: only these attributes of it.
    attrs: Option<Vec<Pick>>,
}

/// How to treat the attributes of one object (the resource, or an extension object).
#[derive(Clone, Copy)]
enum Rule<'a> {
    /// What a response carries by default: all but `never` and `request`.
    Default,
    /// Only `always` attributes (an extension not selected, or excluded whole).
    AlwaysOnly,
    /// Only the named (and `always`) attributes.
    Include(&'a [Pick]),
    /// All default attributes except the named ones.
    Exclude(&'a [Pick]),
}

/// How to treat the sub-attributes of one kept attribute.
#[derive(Clone, Copy)]
enum SubRule<'a> {
    Default,
    Only(&'a [Box<str>]),
    Except(&'a [Box<str>]),
}

impl Projection {
    /// The default projection: every attribute except `never` and `request` ones.
    pub fn all(schema: Arc<ResourceSchema>) -> Self {
        Projection {
            schema,
            mode: Mode::Default,
        }
    }

    /// The projection of the `attributes` and `excludedAttributes` lists
    /// ([RFC 7644 §3.4.2.5](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.5)), each as
    /// parsed attribute paths; empty lists mean "not given". Paths resolve case-insensitively,
    /// with or without a schema URN; paths that resolve to nothing are kept only to match
    /// resource keys no schema defines.
    pub fn new(
        schema: Arc<ResourceSchema>,
        attributes: &[AttrPath],
        excluded_attributes: &[AttrPath],
    ) -> Self {
        let mode = if !attributes.is_empty() {
            Mode::Include(Selection::build(&schema, attributes))
        } else if !excluded_attributes.is_empty() {
            Mode::Exclude(Selection::build(&schema, excluded_attributes))
        } else {
            Mode::Default
        };
        Projection { schema, mode }
    }

    /// The projection of the raw `attributes` and `excludedAttributes` query parameter values
    /// (comma-separated attribute paths, RFC 7644 §3.4.2.5); `None` or blank means "not
    /// given". A list that does not parse is a 400 `invalidPath` error; well-formed names the
    /// schemas do not define are ignored.
    ///
    /// ```
    /// use scimitar::query::projection::Projection;
    /// use scimitar::schema::ResourceSchema;
    /// use serde_json::json;
    /// use std::sync::Arc;
    ///
    /// let users = Arc::new(ResourceSchema::user());
    /// let p = Projection::from_query(users, Some("userName, name.givenName"), None)?;
    /// let user = json!({
    ///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    ///     "id": "2819c223", "userName": "bjensen", "password": "t1meMa$heen",
    ///     "name": {"givenName": "Barbara", "familyName": "Jensen"}, "active": true
    /// });
    /// assert_eq!(p.project(&user), json!({
    ///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    ///     "id": "2819c223", "userName": "bjensen", "name": {"givenName": "Barbara"}
    /// }));
    /// # Ok::<(), scimitar::Error>(())
    /// ```
    pub fn from_query(
        schema: Arc<ResourceSchema>,
        attributes: Option<&str>,
        excluded_attributes: Option<&str>,
    ) -> Result<Self, Error> {
        let attributes = parse_attribute_list(attributes.unwrap_or(""))?;
        let excluded = parse_attribute_list(excluded_attributes.unwrap_or(""))?;
        Ok(Projection::new(schema, &attributes, &excluded))
    }

    /// The resource type's schemas this projection was built for.
    pub fn schema(&self) -> &Arc<ResourceSchema> {
        &self.schema
    }

    /// `true` when neither list was given (only `returned` applies).
    pub fn is_default(&self) -> bool {
        matches!(self.mode, Mode::Default)
    }

    /// Whether a response may contain the top-level attribute or extension named `key`
    /// (an attribute name such as `members`, or an extension URN), case-insensitively. A
    /// backend can use it to skip loading what the response drops (the members of a large
    /// group under `excludedAttributes=members`). `false` means it is certainly dropped.
    pub fn returns(&self, key: &str) -> bool {
        self.may_keep(self.schema.top_level(key), key)
    }

    /// Applies the projection to a resource in place (keys not returned are removed).
    /// A value that is not a JSON object is left unchanged.
    pub fn apply(&self, resource: &mut Value) {
        if let Value::Object(map) = resource {
            map.retain(|key, value| self.keep_top(key, value));
        }
    }

    /// The projected copy of a resource; only the kept parts are cloned.
    pub fn project(&self, resource: &Value) -> Value {
        let Value::Object(map) = resource else {
            return resource.clone();
        };
        // keys come out of the map in order: collecting lets the map bulk-build
        let kept: Map<String, Value> = map
            .iter()
            .filter_map(|(key, value)| {
                let class = self.schema.top_level(key);
                if !self.may_keep(class, key) {
                    return None;
                }
                let mut value = value.clone();
                self.keep_classified(class, key, &mut value)
                    .then(|| (key.clone(), value))
            })
            .collect();
        Value::Object(kept)
    }

    /// Whether a top-level key of this class can survive, judged without its value.
    fn may_keep(&self, class: Option<TopLevel<'_>>, key: &str) -> bool {
        match class {
            Some(TopLevel::Schemas) => true,
            Some(TopLevel::Attribute(a)) => decide(a, self.top_rule()).is_some(),
            Some(TopLevel::Extension(ext)) => match self.extension_rule(&ext.id) {
                Rule::Default | Rule::Exclude(_) => true,
                rule => ext.attributes.iter().any(|a| decide(a, rule).is_some()),
            },
            None => self.keeps_unknown(key),
        }
    }

    fn top_rule(&self) -> Rule<'_> {
        match &self.mode {
            Mode::Default => Rule::Default,
            Mode::Include(sel) => Rule::Include(&sel.core),
            Mode::Exclude(sel) => Rule::Exclude(&sel.core),
        }
    }

    fn extension_rule(&self, urn: &str) -> Rule<'_> {
        match &self.mode {
            Mode::Default => Rule::Default,
            Mode::Include(sel) => match sel.extension(urn) {
                None => Rule::AlwaysOnly,
                Some(ExtPick { attrs: None, .. }) => Rule::Default,
                Some(ExtPick {
                    attrs: Some(picks), ..
                }) => Rule::Include(picks),
            },
            Mode::Exclude(sel) => match sel.extension(urn) {
                None => Rule::Default,
                Some(ExtPick { attrs: None, .. }) => Rule::AlwaysOnly,
                Some(ExtPick {
                    attrs: Some(picks), ..
                }) => Rule::Exclude(picks),
            },
        }
    }

    fn keeps_unknown(&self, key: &str) -> bool {
        match &self.mode {
            Mode::Default => true,
            Mode::Include(sel) => sel.names_unknown(key),
            Mode::Exclude(sel) => !sel.names_unknown(key),
        }
    }

    fn keep_top(&self, key: &str, value: &mut Value) -> bool {
        self.keep_classified(self.schema.top_level(key), key, value)
    }

    fn keep_classified(&self, class: Option<TopLevel<'_>>, key: &str, value: &mut Value) -> bool {
        match class {
            Some(TopLevel::Schemas) => true,
            Some(TopLevel::Attribute(a)) => keep_attr(a, value, self.top_rule()),
            Some(TopLevel::Extension(ext)) => {
                let rule = self.extension_rule(&ext.id);
                let Value::Object(obj) = value else {
                    return !matches!(rule, Rule::AlwaysOnly);
                };
                obj.retain(|k, v| match ext.attribute(k) {
                    Some(a) => keep_attr(a, v, rule),
                    None => matches!(rule, Rule::Default | Rule::Exclude(_)),
                });
                !obj.is_empty()
            }
            None => self.keeps_unknown(key),
        }
    }
}

impl Selection {
    fn build(schema: &ResourceSchema, paths: &[AttrPath]) -> Self {
        let mut sel = Selection::default();
        for path in paths {
            match schema.resolve(path) {
                Some(Resolved::Extension(ext)) => sel.with_extension(&ext.id, |e| e.attrs = None),
                Some(Resolved::Attribute(a)) => {
                    let sub = a.sub_attribute.map(|s| s.name.as_str());
                    if a.in_extension {
                        sel.with_extension(&a.schema.id, |e| {
                            if let Some(picks) = &mut e.attrs {
                                add_pick(picks, &a.attribute.name, sub);
                            }
                        });
                    } else {
                        add_pick(&mut sel.core, &a.attribute.name, sub);
                    }
                }
                None => sel.unknown.push(match &path.urn {
                    Some(urn) => format!("{urn}:{}", path.name).into(),
                    None => path.name.clone(),
                }),
            }
        }
        sel
    }

    fn extension(&self, urn: &str) -> Option<&ExtPick> {
        self.extensions.iter().find(|e| *e.urn == *urn)
    }

    /// Runs `f` on the entry of extension `urn`, created (selecting nothing yet) if needed.
    fn with_extension(&mut self, urn: &str, f: impl FnOnce(&mut ExtPick)) {
        if let Some(ext) = self.extensions.iter_mut().find(|e| *e.urn == *urn) {
            return f(ext);
        }
        let mut ext = ExtPick {
            urn: urn.into(),
            attrs: Some(Vec::new()),
        };
        f(&mut ext);
        self.extensions.push(ext);
    }

    fn names_unknown(&self, key: &str) -> bool {
        self.unknown.iter().any(|n| n.eq_ignore_ascii_case(key))
    }
}

fn add_pick(picks: &mut Vec<Pick>, name: &str, sub: Option<&str>) {
    match picks.iter_mut().find(|p| *p.name == *name) {
        None => picks.push(Pick {
            name: name.into(),
            subs: sub.map(|s| vec![s.into()]),
        }),
        Some(pick) => match (&mut pick.subs, sub) {
            (None, _) => {}
            (subs @ Some(_), None) => *subs = None,
            (Some(list), Some(s)) => {
                if !list.iter().any(|x| **x == *s) {
                    list.push(s.into());
                }
            }
        },
    }
}

fn find_pick<'a>(picks: &'a [Pick], name: &str) -> Option<&'a Pick> {
    picks.iter().find(|p| *p.name == *name)
}

/// Whether `attr` is kept under `rule`, and how its sub-attributes are treated.
fn decide<'a>(attr: &Attribute, rule: Rule<'a>) -> Option<SubRule<'a>> {
    match attr.returned {
        Returned::Never => None,
        Returned::Always => Some(SubRule::Default),
        returned => match rule {
            Rule::AlwaysOnly => None,
            Rule::Default => (returned == Returned::Default).then_some(SubRule::Default),
            Rule::Include(picks) => find_pick(picks, &attr.name).map(|p| match &p.subs {
                None => SubRule::Default,
                Some(subs) => SubRule::Only(subs),
            }),
            Rule::Exclude(picks) => {
                if returned == Returned::Request {
                    return None;
                }
                match find_pick(picks, &attr.name) {
                    None => Some(SubRule::Default),
                    Some(Pick { subs: None, .. }) => None,
                    Some(Pick {
                        subs: Some(subs), ..
                    }) => Some(SubRule::Except(subs)),
                }
            }
        },
    }
}

/// Applies `rule` to one attribute's value; `false` when the attribute is dropped.
fn keep_attr(attr: &Attribute, value: &mut Value, rule: Rule<'_>) -> bool {
    let Some(sub_rule) = decide(attr, rule) else {
        return false;
    };
    if attr.kind != AttributeType::Complex || attr.sub_attributes.is_empty() {
        return true;
    }
    if matches!(sub_rule, SubRule::Default)
        && !attr
            .sub_attributes
            .iter()
            .any(|s| matches!(s.returned, Returned::Never | Returned::Request))
    {
        return true;
    }
    let prune = !matches!(sub_rule, SubRule::Default);
    match value {
        Value::Object(obj) => {
            filter_subs(attr, obj, sub_rule);
            !(prune && obj.is_empty())
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                if let Value::Object(obj) = item {
                    filter_subs(attr, obj, sub_rule);
                }
            }
            if prune {
                items.retain(|v| !matches!(v, Value::Object(o) if o.is_empty()));
                !items.is_empty()
            } else {
                true
            }
        }
        _ => true,
    }
}

fn filter_subs(attr: &Attribute, obj: &mut Map<String, Value>, rule: SubRule<'_>) {
    obj.retain(|key, _| {
        let Some(sub) = attr.sub_attribute(key) else {
            // not in the schema: returned by default, and cannot have been named
            return !matches!(rule, SubRule::Only(_));
        };
        let named = |list: &[Box<str>]| list.iter().any(|n| **n == *sub.name);
        match sub.returned {
            Returned::Never => false,
            Returned::Always => true,
            Returned::Request => matches!(rule, SubRule::Only(list) if named(list)),
            Returned::Default => match rule {
                SubRule::Default => true,
                SubRule::Only(list) => named(list),
                SubRule::Except(list) => !named(list),
            },
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(names: &[&str]) -> Vec<AttrPath> {
        names
            .iter()
            .map(|n| match n.split_once('.') {
                Some((a, b)) => AttrPath::new(a).with_sub_attr(b),
                None => AttrPath::new(*n),
            })
            .collect()
    }

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "1",
            "userName": "bjensen",
            "password": "secret",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "a@example.com", "type": "work"}, {"value": "b@example.com"}],
            "meta": {"resourceType": "User"},
            "x-custom": 1
        })
    }

    #[test]
    fn default_drops_never_only() {
        let p = Projection::all(Arc::new(ResourceSchema::user()));
        let mut u = user();
        p.apply(&mut u);
        let mut expected = user();
        expected.as_object_mut().unwrap().remove("password");
        assert_eq!(u, expected);
        assert_eq!(p.project(&user()), expected);
        assert!(!p.returns("PASSWORD"));
        assert!(p.returns("x-custom"));
    }

    #[test]
    fn include_with_sub_attributes() {
        let rs = Arc::new(ResourceSchema::user());
        let p = Projection::new(
            rs,
            &paths(&["NAME.givenname", "emails.type", "x-CUSTOM"]),
            &[],
        );
        assert_eq!(
            p.project(&user()),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": "1",
                "name": {"givenName": "Barbara"},
                "emails": [{"type": "work"}],
                "x-custom": 1
            })
        );
    }

    #[test]
    fn exclude_with_sub_attributes_cannot_drop_always() {
        let rs = Arc::new(ResourceSchema::user());
        let p = Projection::new(rs, &[], &paths(&["id", "emails.value", "meta", "nope"]));
        let mut u = user();
        p.apply(&mut u);
        assert_eq!(u["id"], "1");
        assert_eq!(u["emails"], json!([{"type": "work"}]));
        assert!(u.get("meta").is_none());
        assert!(u.get("password").is_none());
        assert!(!p.returns("meta"));
        assert!(p.returns("emails"));
    }
}
