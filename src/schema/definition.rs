//! A schema: a named collection of attribute definitions
//! ([RFC 7643 §7](https://www.rfc-editor.org/rfc/rfc7643#section-7)).

use super::Attribute;
use serde::{Deserialize, Serialize};

/// The URN of the schema that describes schemas (RFC 7643 §7).
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// A schema definition ([RFC 7643 §7](https://www.rfc-editor.org/rfc/rfc7643#section-7)),
/// serialised as `/Schemas` serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Schema {
    /// The schema URI, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// A human-readable name, e.g. `User`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The top-level attributes.
    pub attributes: Vec<Attribute>,
}

impl Schema {
    /// A schema with the given URI, name, description and attributes.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
        attributes: Vec<Attribute>,
    ) -> Self {
        Schema {
            id: id.into(),
            name: name.into(),
            description: description.into(),
            attributes,
        }
    }

    /// The schema as `/Schemas` serves it
    /// ([RFC 7643 §7](https://www.rfc-editor.org/rfc/rfc7643#section-7),
    /// [RFC 7644 §4](https://www.rfc-editor.org/rfc/rfc7644#section-4)): the definition plus
    /// `schemas: [urn:ietf:params:scim:schemas:core:2.0:Schema]` and
    /// `meta: {resourceType: "Schema", location}`. `location` is `{base_url}/Schemas/{id}`, or
    /// the relative `/Schemas/{id}` without a base URL.
    pub fn to_json(&self, base_url: Option<&str>) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("schemas".into(), serde_json::json!([SCHEMA_SCHEMA]));
            map.insert(
                "meta".into(),
                serde_json::json!({
                    "resourceType": "Schema",
                    "location": location(base_url, "Schemas", &self.id),
                }),
            );
        }
        value
    }

    /// The same schema without the named attributes: `name` removes a top-level attribute,
    /// `name.sub` one sub-attribute (case-insensitive; unknown names are ignored). For services
    /// that do not store everything the RFC defines, and for Microsoft's SCIM validator, which
    /// probes every attribute `/Schemas` lists (it rejects `password` and `emails.display`
    /// although RFC 7643 §8.7.1 defines them). Register the result in place of the original
    /// with [`SchemaRegistry::register_schema`](super::SchemaRegistry::register_schema).
    ///
    /// ```
    /// use scimitar::schema::user_schema;
    /// let trimmed = user_schema().as_ref().clone().without_attributes(&["password", "emails.display"]);
    /// assert!(trimmed.attribute("password").is_none());
    /// let emails = trimmed.attribute("emails").expect("kept");
    /// assert!(emails.sub_attribute("display").is_none() && emails.sub_attribute("value").is_some());
    /// ```
    pub fn without_attributes(mut self, names: &[&str]) -> Self {
        for name in names {
            match name.split_once('.') {
                None => self
                    .attributes
                    .retain(|a| !a.name.eq_ignore_ascii_case(name)),
                Some((attr, sub)) => {
                    if let Some(a) = self
                        .attributes
                        .iter_mut()
                        .find(|a| a.name.eq_ignore_ascii_case(attr))
                    {
                        a.sub_attributes
                            .retain(|s| !s.name.eq_ignore_ascii_case(sub));
                    }
                }
            }
        }
        self
    }

    /// The top-level attribute called `name`, matched case-insensitively (RFC 7643 §2.1).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// `{base}/{collection}/{id}` with the base URL's trailing `/` removed, or `/{collection}/{id}`.
pub(crate) fn location(base_url: Option<&str>, collection: &str, id: &str) -> String {
    let base = base_url.unwrap_or("").trim_end_matches('/');
    format!("{base}/{collection}/{id}")
}
