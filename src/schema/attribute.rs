//! Attribute definitions and their characteristics
//! ([RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2),
//! [§7](https://www.rfc-editor.org/rfc/rfc7643#section-7)).

use serde::{Deserialize, Serialize};

/// An attribute's data type ([RFC 7643 §2.3](https://www.rfc-editor.org/rfc/rfc7643#section-2.3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    /// A sequence of Unicode characters (§2.3.1).
    String,
    /// `true` or `false` (§2.3.2).
    Boolean,
    /// A real number with at least one digit after the point (§2.3.3).
    Decimal,
    /// A whole number (§2.3.4).
    Integer,
    /// An `xsd:dateTime` instant (§2.3.5).
    DateTime,
    /// Base64-encoded bytes (§2.3.6).
    Binary,
    /// A URI for a resource (§2.3.7).
    Reference,
    /// A singular or multi-valued attribute with sub-attributes (§2.3.8).
    Complex,
}

impl AttributeType {
    /// The name RFC 7643 §7 gives the type (`dateTime`, `complex`, …).
    pub(crate) fn name(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Boolean => "boolean",
            AttributeType::Decimal => "decimal",
            AttributeType::Integer => "integer",
            AttributeType::DateTime => "dateTime",
            AttributeType::Binary => "binary",
            AttributeType::Reference => "reference",
            AttributeType::Complex => "complex",
        }
    }

    /// What a value of the type is, for error details: `expected {this}, got …`.
    pub(crate) fn expected(self) -> &'static str {
        match self {
            AttributeType::String => "a string",
            AttributeType::Boolean => "a boolean",
            AttributeType::Decimal => "a number",
            AttributeType::Integer => "an integer",
            AttributeType::DateTime => "a dateTime string (e.g. 2008-01-23T04:56:22Z)",
            AttributeType::Binary => "a base64 string",
            AttributeType::Reference => "a URI string",
            AttributeType::Complex => "an object",
        }
    }
}

/// Whether and how an attribute may be modified
/// ([RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2), "mutability").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// Cannot be modified by the client.
    ReadOnly,
    /// May be updated and read at any time (the default).
    #[default]
    ReadWrite,
    /// May be set at creation (or when unset) and never changed after.
    Immutable,
    /// May be written but is never returned (e.g. `password`).
    WriteOnly,
}

/// When an attribute is returned in a response
/// ([RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2), "returned").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// Always returned, whatever `attributes`/`excludedAttributes` say.
    Always,
    /// Never returned.
    Never,
    /// Returned by default, unless excluded (the default).
    #[default]
    Default,
    /// Returned only when named in `attributes`.
    Request,
}

/// How unique an attribute's value is
/// ([RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2), "uniqueness").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// No uniqueness (the default).
    #[default]
    None,
    /// Unique within the service provider's tenant.
    Server,
    /// Globally unique.
    Global,
}

/// An attribute definition with every characteristic of
/// [RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2), serialised as in the
/// schema representation of [§7](https://www.rfc-editor.org/rfc/rfc7643#section-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Attribute {
    /// The attribute's name (case-insensitive when matched).
    pub name: String,
    /// The data type.
    #[serde(rename = "type")]
    pub kind: AttributeType,
    /// Whether the attribute holds a list of values.
    #[serde(default)]
    pub multi_valued: bool,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Whether a value is required.
    #[serde(default)]
    pub required: bool,
    /// Whether string comparison is case-sensitive (strings and references).
    #[serde(default)]
    pub case_exact: bool,
    /// How the attribute may be modified.
    #[serde(default)]
    pub mutability: Mutability,
    /// When the attribute is returned.
    #[serde(default)]
    pub returned: Returned,
    /// How unique the value is.
    #[serde(default)]
    pub uniqueness: Uniqueness,
    /// The values the attribute may take, where the schema fixes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canonical_values: Vec<String>,
    /// For `reference` attributes: the resource types it may refer to (`User`, `external`, `uri`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_types: Vec<String>,
    /// For `complex` attributes: the sub-attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_attributes: Vec<Attribute>,
}

impl Attribute {
    /// A new attribute with the RFC 7643 §2.2 defaults: single-valued, optional, case-insensitive,
    /// `readWrite`, returned by `default`, no uniqueness.
    pub fn new(name: impl Into<String>, kind: AttributeType) -> Self {
        Attribute {
            name: name.into(),
            kind,
            multi_valued: false,
            description: String::new(),
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: Vec::new(),
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// Sets `multiValued`.
    pub fn multi_valued(mut self, yes: bool) -> Self {
        self.multi_valued = yes;
        self
    }
    /// Sets `description`.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = text.into();
        self
    }
    /// Sets `required`.
    pub fn required(mut self, yes: bool) -> Self {
        self.required = yes;
        self
    }
    /// Sets `caseExact`.
    pub fn case_exact(mut self, yes: bool) -> Self {
        self.case_exact = yes;
        self
    }
    /// Sets `mutability`.
    pub fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    /// Sets `returned`.
    pub fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    /// Sets `uniqueness`.
    pub fn uniqueness(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    /// Sets `canonicalValues`.
    pub fn canonical_values<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.canonical_values = values.into_iter().map(Into::into).collect();
        self
    }
    /// Sets `referenceTypes`.
    pub fn reference_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.reference_types = types.into_iter().map(Into::into).collect();
        self
    }
    /// Sets `subAttributes`.
    pub fn sub_attributes(mut self, subs: Vec<Attribute>) -> Self {
        self.sub_attributes = subs;
        self
    }

    /// The sub-attribute called `name`, matched case-insensitively (RFC 7643 §2.1).
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}
