//! Path syntax trees ([RFC 7644 §3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10)).

/// An `attrPath`: `[URI ":"] ATTRNAME ["." subAttr]`
/// ([RFC 7644 §3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10)).
///
/// `urn` is the schema URI prefix as written (it may contain dots, e.g.
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`), without the final `:`.
/// Names keep the client's spelling; comparison against the schema is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URI prefix, if the path had one.
    pub urn: Option<Box<str>>,
    /// The attribute name.
    pub name: Box<str>,
    /// The sub-attribute name, if any.
    pub sub_attr: Option<Box<str>>,
}

impl AttrPath {
    /// A path to a top-level attribute of the resource's core schema.
    pub fn new(name: impl Into<Box<str>>) -> Self {
        AttrPath {
            urn: None,
            name: name.into(),
            sub_attr: None,
        }
    }

    /// The same path with a sub-attribute.
    pub fn with_sub_attr(mut self, sub: impl Into<Box<str>>) -> Self {
        self.sub_attr = Some(sub.into());
        self
    }

    /// The same path with a schema URI prefix.
    pub fn with_urn(mut self, urn: impl Into<Box<str>>) -> Self {
        self.urn = Some(urn.into());
        self
    }
}
