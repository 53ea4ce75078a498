//! Evaluating filters against resources, guided by the schema
//! ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).
//!
//! A [`Filter`] is compiled once against a [`ResourceSchema`]: every path is resolved
//! (case-insensitively, URN-aware), every literal is checked against its attribute's type and
//! prepared (lower-cased, parsed). The [`CompiledFilter`] then tests any number of resources
//! without allocating (except to lower-case non-ASCII strings).

use super::ast::{CompareOp, Filter};
use super::compare::Operand;
use crate::error::Error;
use crate::path::AttrPath;
use crate::schema::names::get_ci;
use crate::schema::{Attribute, AttributeType, Resolved, ResourceSchema};
use serde_json::Value;

/// A filter checked against a schema and ready to test resources
/// ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).
/// Made by [`Filter::compile`] or [`CompiledFilter::for_elements`].
#[derive(Debug, Clone)]
pub struct CompiledFilter {
    root: Node,
}

#[derive(Debug, Clone)]
enum Node {
    Compare {
        access: Access,
        op: CompareOp,
        operand: Operand,
    },
    Present(Access),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    ValuePath {
        access: Access,
        filter: Box<Node>,
    },
}

/// Where a path's values are in a resource's JSON: keys as the schema spells them (looked up
/// exactly first, then case-insensitively).
#[derive(Debug, Clone)]
struct Access {
    /// The extension URN key the attribute lives under.
    ext: Option<Box<str>>,
    /// The attribute (none: the whole extension object).
    attr: Option<Box<str>>,
    /// The sub-attribute of each value.
    sub: Option<Box<str>>,
}

/// What the paths of a filter are relative to.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Resource(&'a ResourceSchema),
    /// The elements of a complex attribute (inside `[ … ]`).
    Element(&'a Attribute),
}

/// The `schemas` attribute (RFC 7643 §3): not in any schema's attribute list, yet filterable
/// (`schemas eq "urn:…:enterprise:2.0:User"`, RFC 7644 §3.4.2.2).
fn schemas_attribute() -> &'static Attribute {
    static CELL: std::sync::OnceLock<Attribute> = std::sync::OnceLock::new();
    CELL.get_or_init(|| Attribute::new("schemas", AttributeType::Reference).multi_valued(true))
}

impl Filter {
    /// Checks this filter against a resource type's schemas and prepares it for evaluation
    /// ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).
    ///
    /// Fails with `invalidFilter` when a path names no attribute of the schemas, or when a
    /// comparison makes no sense for the attribute's type (`gt` on a boolean or binary, `co`,
    /// `sw` or `ew` on a non-string, a literal of the wrong type, an unparsable dateTime, a
    /// complex attribute without a `value` sub-attribute, a value filter on a simple attribute).
    pub fn compile(&self, schema: &ResourceSchema) -> Result<CompiledFilter, Error> {
        Ok(CompiledFilter {
            root: compile(self, Scope::Resource(schema))?,
        })
    }

    /// Checks this filter against a resource type's schemas (as [`Filter::compile`] does).
    pub fn check(&self, schema: &ResourceSchema) -> Result<(), Error> {
        self.compile(schema).map(drop)
    }

    /// Whether `resource` (a resource's JSON, extension attributes under their URN key)
    /// matches this filter ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).
    /// To test many resources, [`Filter::compile`] once and use [`CompiledFilter::matches`].
    ///
    /// ```
    /// use scimitar::Filter;
    /// use scimitar::schema::ResourceSchema;
    ///
    /// let user = serde_json::json!({
    ///     "userName": "bjensen@example.com",
    ///     "emails": [{"value": "bjensen@example.com", "type": "work"}],
    ///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour Operations"}
    /// });
    /// let schema = ResourceSchema::user();
    /// let f = Filter::parse(r#"userName eq "BJensen@example.com" and emails[type eq "work"]"#)?;
    /// assert!(f.matches(&user, &schema)?);
    /// assert!(Filter::parse(r#"department sw "tour""#)?.matches(&user, &schema)?);
    /// // nonsense for the schema is an invalidFilter error, not a silent false
    /// let err = Filter::parse("active gt true")?.matches(&user, &schema).unwrap_err();
    /// assert_eq!(err.scim_type(), Some(scimitar::ScimType::InvalidFilter));
    /// # Ok::<(), scimitar::Error>(())
    /// ```
    pub fn matches(&self, resource: &Value, schema: &ResourceSchema) -> Result<bool, Error> {
        Ok(self.compile(schema)?.matches(resource))
    }
}

impl CompiledFilter {
    /// Whether `resource` matches. Attributes are found case-insensitively; an attribute that
    /// is absent, null, `""`, `[]` or `{}` is not present (`pr`), equals `null`, and is
    /// different (`ne`) from any other literal. A multi-valued attribute matches when any of
    /// its values does.
    #[inline]
    pub fn matches(&self, resource: &Value) -> bool {
        eval(&self.root, resource)
    }

    /// Compiles the filter of a value path (e.g. the `type eq "work"` of a PATCH path
    /// `emails[type eq "work"].value`, [RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)),
    /// whose paths name sub-attributes of the complex `attribute`; [`CompiledFilter::matches`]
    /// then tests one element of that attribute.
    pub fn for_elements(filter: &Filter, attribute: &Attribute) -> Result<CompiledFilter, Error> {
        if attribute.kind != AttributeType::Complex {
            return Err(Error::invalid_filter(format!(
                "a value filter needs a complex attribute; {} is not",
                attribute.name
            )));
        }
        Ok(CompiledFilter {
            root: compile(filter, Scope::Element(attribute))?,
        })
    }
}

fn compile(f: &Filter, scope: Scope<'_>) -> Result<Node, Error> {
    Ok(match f {
        Filter::And(terms) => Node::And(compile_all(terms, scope)?),
        Filter::Or(terms) => Node::Or(compile_all(terms, scope)?),
        Filter::Not(inner) => Node::Not(Box::new(compile(inner, scope)?)),
        Filter::Present(path) => {
            let (access, _) = resolve(path, scope, true)?;
            Node::Present(access)
        }
        Filter::Compare { path, op, value } => {
            let (mut access, leaf) = resolve(path, scope, false)?;
            let leaf = leaf.ok_or_else(|| unknown(path, "a whole extension cannot be compared"))?;
            let leaf = if leaf.kind == AttributeType::Complex && access.sub.is_none() {
                // `emails co "example.com"` compares the `value` sub-attribute.
                let value = leaf.sub_attribute("value").ok_or_else(|| {
                    unknown(
                        path,
                        "a complex attribute without 'value' needs a sub-attribute",
                    )
                })?;
                access.sub = Some(value.name.as_str().into());
                value
            } else {
                leaf
            };
            let operand = Operand::new(leaf, &path.to_string(), *op, value)?;
            Node::Compare {
                access,
                op: *op,
                operand,
            }
        }
        Filter::ValuePath { path, filter } => {
            let (access, leaf) = resolve(path, scope, false)?;
            let element_scope = match (scope, leaf) {
                (Scope::Resource(_), Some(attr))
                    if attr.kind == AttributeType::Complex && access.sub.is_none() =>
                {
                    Scope::Element(attr)
                }
                _ => return Err(unknown(path, "a value filter needs a complex attribute")),
            };
            Node::ValuePath {
                access,
                filter: Box::new(compile(filter, element_scope)?),
            }
        }
    })
}

fn compile_all(terms: &[Filter], scope: Scope<'_>) -> Result<Vec<Node>, Error> {
    terms.iter().map(|t| compile(t, scope)).collect()
}

fn unknown(path: &AttrPath, why: &str) -> Error {
    Error::invalid_filter(format!("'{path}': {why}"))
}

/// Resolves a path in its scope: where its values are, and the attribute it names (`None`
/// for a whole extension, which only `pr` accepts).
fn resolve<'a>(
    path: &AttrPath,
    scope: Scope<'a>,
    presence: bool,
) -> Result<(Access, Option<&'a Attribute>), Error> {
    match scope {
        Scope::Element(parent) => {
            if path.urn.is_some() || path.sub_attr.is_some() {
                return Err(unknown(
                    path,
                    "inside [ ] paths name sub-attributes of the attribute before '['",
                ));
            }
            let sub = parent.sub_attribute(&path.name).ok_or_else(|| {
                unknown(path, &format!("{} has no such sub-attribute", parent.name))
            })?;
            let access = Access {
                ext: None,
                attr: Some(sub.name.as_str().into()),
                sub: None,
            };
            Ok((access, Some(sub)))
        }
        Scope::Resource(schema) => match schema.resolve(path) {
            Some(Resolved::Attribute(r)) => {
                let access = Access {
                    ext: r.in_extension.then(|| r.schema.id.as_str().into()),
                    attr: Some(r.attribute.name.as_str().into()),
                    sub: r.sub_attribute.map(|s| s.name.as_str().into()),
                };
                Ok((access, Some(r.leaf())))
            }
            Some(Resolved::Extension(ext)) if presence => {
                let access = Access {
                    ext: Some(ext.id.as_str().into()),
                    attr: None,
                    sub: None,
                };
                Ok((access, None))
            }
            Some(Resolved::Extension(_)) => {
                Err(unknown(path, "a whole extension only supports 'pr'"))
            }
            None if path.urn.is_none()
                && path.sub_attr.is_none()
                && path.name.eq_ignore_ascii_case("schemas") =>
            {
                let access = Access {
                    ext: None,
                    attr: Some("schemas".into()),
                    sub: None,
                };
                Ok((access, Some(schemas_attribute())))
            }
            None => Err(unknown(
                path,
                &format!(
                    "no such attribute in the {} resource type",
                    schema.resource_type().name
                ),
            )),
        },
    }
}

/// `obj[key]`, the key matched exactly first and then case-insensitively (RFC 7643 §2.1).
#[inline]
fn get<'v>(obj: &'v Value, key: &str) -> Option<&'v Value> {
    get_ci(obj.as_object()?, key)
}

/// Absent in the sense of `pr` (RFC 7644 §3.4.2.2; RFC 7643 §2.5).
fn is_absent(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

impl Access {
    /// Calls `f` on each value the path names (`None` once when there is none) until it
    /// returns `true`; returns whether it did.
    #[inline]
    fn any(&self, root: &Value, mut f: impl FnMut(Option<&Value>) -> bool) -> bool {
        let obj = match &self.ext {
            Some(ext) => match get(root, ext) {
                Some(o) => o,
                None => return f(None),
            },
            None => root,
        };
        let value = match &self.attr {
            Some(attr) => get(obj, attr),
            None => Some(obj),
        };
        match value {
            None | Some(Value::Null) => f(None),
            Some(Value::Array(items)) if items.is_empty() => f(None),
            Some(Value::Array(items)) => items.iter().any(|item| match &self.sub {
                Some(s) => f(get(item, s)),
                None => f(Some(item)),
            }),
            Some(v) => match &self.sub {
                Some(s) => f(get(v, s)),
                None => f(Some(v)),
            },
        }
    }
}

fn eval(node: &Node, root: &Value) -> bool {
    match node {
        Node::Compare {
            access,
            op,
            operand,
        } => access.any(root, |v| operand.test(*op, v)),
        Node::Present(access) => access.any(root, |v| v.is_some_and(|v| !is_absent(v))),
        Node::And(terms) => terms.iter().all(|t| eval(t, root)),
        Node::Or(terms) => terms.iter().any(|t| eval(t, root)),
        Node::Not(inner) => !eval(inner, root),
        Node::ValuePath { access, filter } => {
            access.any(root, |el| el.is_some_and(|el| eval(filter, el)))
        }
    }
}
