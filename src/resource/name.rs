//! The User's `name` complex attribute
//! ([RFC 7643 §4.1.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1)).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The components of a User's real name
/// ([RFC 7643 §4.1.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1)).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    /// The full name formatted for display, e.g. `Ms. Barbara J Jensen, III`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// The family name (last name in most Western languages), e.g. `Jensen`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// The given name (first name in most Western languages), e.g. `Barbara`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The middle name(s), e.g. `Jane`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// The honorific prefix(es) or title, e.g. `Ms.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    /// The honorific suffix(es), e.g. `III`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
    /// Sub-attributes not defined by RFC 7643, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Name {
    /// A name with the given and family names set.
    pub fn new(given_name: impl Into<String>, family_name: impl Into<String>) -> Self {
        Name {
            given_name: Some(given_name.into()),
            family_name: Some(family_name.into()),
            ..Name::default()
        }
    }

    /// Sets `formatted` (builder style).
    pub fn with_formatted(mut self, formatted: impl Into<String>) -> Self {
        self.formatted = Some(formatted.into());
        self
    }

    /// `formatted` if set, else the set components joined by spaces (prefix, given, middle,
    /// family, suffix); `None` when nothing is set.
    pub fn display(&self) -> Option<String> {
        if let Some(f) = &self.formatted {
            return Some(f.clone());
        }
        let parts: Vec<&str> = [
            &self.honorific_prefix,
            &self.given_name,
            &self.middle_name,
            &self.family_name,
            &self.honorific_suffix,
        ]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .filter(|p| !p.is_empty())
        .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_prefers_formatted() {
        let n = Name::new("Barbara", "Jensen");
        assert_eq!(n.display().as_deref(), Some("Barbara Jensen"));
        let n = n.with_formatted("Ms. Barbara J Jensen, III");
        assert_eq!(n.display().as_deref(), Some("Ms. Barbara J Jensen, III"));
        assert_eq!(Name::default().display(), None);
    }
}
