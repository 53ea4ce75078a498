//! Resource versions: the entity tags of `meta.version` and the `ETag`, `If-Match` and
//! `If-None-Match` headers ([RFC 7644 §3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14),
//! [RFC 7232 §2.3](https://www.rfc-editor.org/rfc/rfc7232#section-2.3)).

use crate::Error;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A resource version: an entity tag, weak (`W/"3694e05e9dff591"`) or strong (`"abc"`)
/// ([RFC 7232 §2.3](https://www.rfc-editor.org/rfc/rfc7232#section-2.3), as
/// [RFC 7644 §3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14) uses it for
/// `meta.version` and the `ETag` header).
///
/// `Display` gives the header form; serde reads and writes that form as a JSON string.
///
/// ```
/// use scimitar::resource::Version;
/// let v: Version = r#"W/"3694e05e9dff591""#.parse()?;
/// assert!(v.is_weak());
/// assert_eq!(v.tag(), "3694e05e9dff591");
/// assert_eq!(Version::from_u64(7).to_string(), r#"W/"7""#);
/// # Ok::<(), scimitar::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    weak: bool,
    tag: Box<str>,
}

/// `etagc = %x21 / %x23-7E / obs-text` (RFC 7232 §2.3).
fn is_etagc(c: char) -> bool {
    c == '\x21' || ('\x23'..='\x7e').contains(&c) || (c as u32) >= 0x80
}

impl Version {
    fn checked(weak: bool, tag: String) -> Result<Self, Error> {
        if let Some(c) = tag.chars().find(|c| !is_etagc(*c)) {
            return Err(Error::invalid_value(format!(
                "invalid version: {c:?} is not allowed in an entity tag"
            )));
        }
        Ok(Version {
            weak,
            tag: tag.into_boxed_str(),
        })
    }

    /// A strong version with the given opaque tag (without quotes). Fails when the tag has a
    /// character that an entity tag cannot hold (`"`, a control character or a space).
    pub fn strong(tag: impl Into<String>) -> Result<Self, Error> {
        Self::checked(false, tag.into())
    }

    /// A weak version (`W/"tag"`) with the given opaque tag (without quotes); see [`Version::strong`].
    pub fn weak(tag: impl Into<String>) -> Result<Self, Error> {
        Self::checked(true, tag.into())
    }

    /// A weak version from a change counter: `W/"<n>"`. Weak because SCIM representations of
    /// one version differ byte-wise (`attributes`, `excludedAttributes`), which is what weak
    /// entity tags are for (RFC 7232 §2.1).
    pub fn from_u64(counter: u64) -> Self {
        Version {
            weak: true,
            tag: itoa::Buffer::new().format(counter).into(),
        }
    }

    /// Parses one entity tag: `W/"tag"` or `"tag"` (RFC 7232 §2.3; `W/` is case-sensitive).
    /// Leniently, a bare unquoted tag (`abc`) is read as the strong tag `"abc"`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let s = s.trim_matches(|c| c == ' ' || c == '\t');
        let (weak, rest) = match s.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let tag = match rest.strip_prefix('"') {
            Some(inner) => inner.strip_suffix('"').ok_or_else(|| {
                Error::invalid_value(format!("invalid version {s:?}: missing closing quote"))
            })?,
            None if !weak && !rest.is_empty() && !rest.contains(',') => rest,
            None => {
                return Err(Error::invalid_value(format!(
                    "invalid version {s:?}: expected W/\"tag\" or \"tag\""
                )));
            }
        };
        Self::checked(weak, tag.to_owned())
    }

    /// Whether the tag is weak (`W/"…"`).
    pub fn is_weak(&self) -> bool {
        self.weak
    }

    /// The opaque tag, without quotes and without `W/`.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Strong comparison (RFC 7232 §2.3.2): both strong and the same tag.
    pub fn strong_eq(&self, other: &Version) -> bool {
        !self.weak && !other.weak && self.tag == other.tag
    }

    /// Weak comparison (RFC 7232 §2.3.2): the same tag, weak or not.
    pub fn weak_eq(&self, other: &Version) -> bool {
        self.tag == other.tag
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header())
    }
}

impl FromStr for Version {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Version::parse(s)
    }
}

impl Version {
    /// The header form, `W/"tag"` or `"tag"`, as one string (what [`fmt::Display`] writes).
    pub(crate) fn header(&self) -> String {
        let mut out = String::with_capacity(self.tag.len() + 4);
        if self.weak {
            out.push_str("W/");
        }
        out.push('"');
        out.push_str(&self.tag);
        out.push('"');
        out
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // one string, not `collect_str`: serde_json escapes each piece `collect_str` hands it
        s.serialize_str(&self.header())
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Version::parse(&s).map_err(|e| serde::de::Error::custom(e.detail()))
    }
}

/// The value of an `If-Match` or `If-None-Match` header: `*` or a list of entity tags
/// ([RFC 7232 §3.1, §3.2](https://www.rfc-editor.org/rfc/rfc7232#section-3.1);
/// [RFC 7644 §3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).
///
/// ```
/// use scimitar::resource::{Version, VersionCondition};
/// let current = Version::parse(r#"W/"e180ee84f0671b1""#)?;
/// let if_match = VersionCondition::parse(r#"W/"e180ee84f0671b1""#)?;
/// assert!(if_match.matches(&current));
/// assert!(VersionCondition::parse("*")?.matches(&current));
/// assert!(!VersionCondition::parse(r#""other", W/"x""#)?.matches(&current));
/// # Ok::<(), scimitar::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionCondition {
    /// `*`: any current version of an existing resource.
    Any,
    /// One of these versions.
    OneOf(Vec<Version>),
}

impl VersionCondition {
    /// Parses a header value: `*`, or a comma-separated list of entity tags (empty list
    /// elements are allowed, RFC 7230 §7). Lenient like [`Version::parse`] about unquoted tags.
    pub fn parse(header: &str) -> Result<Self, Error> {
        let trimmed = header.trim_matches(|c| c == ' ' || c == '\t');
        if trimmed == "*" {
            return Ok(VersionCondition::Any);
        }
        let mut tags = Vec::new();
        let mut rest = trimmed;
        loop {
            rest = rest.trim_start_matches([' ', '\t', ',']);
            if rest.is_empty() {
                break;
            }
            let (weak, body) = match rest.strip_prefix("W/") {
                Some(b) => (true, b),
                None => (false, rest),
            };
            let end = match body.strip_prefix('"') {
                // Inside quotes a comma is part of the tag; the tag ends at the next quote.
                Some(inner) => inner.find('"').map(|i| i + 2).ok_or_else(|| {
                    Error::invalid_syntax(format!(
                        "invalid entity tag list {trimmed:?}: missing closing quote"
                    ))
                })?,
                None => body.find([',', ' ', '\t']).unwrap_or(body.len()),
            };
            let (tag, after) = body.split_at(end);
            let full = if weak {
                format!("W/{tag}")
            } else {
                tag.to_owned()
            };
            tags.push(Version::parse(&full).map_err(|e| Error::invalid_syntax(e.detail()))?);
            rest = after.trim_start_matches([' ', '\t']);
            if !rest.is_empty() && !rest.starts_with(',') {
                return Err(Error::invalid_syntax(format!(
                    "invalid entity tag list {trimmed:?}: expected a comma after {full}"
                )));
            }
        }
        if tags.is_empty() {
            return Err(Error::invalid_syntax("empty entity tag list"));
        }
        Ok(VersionCondition::OneOf(tags))
    }

    /// Whether `current` (the version of an existing resource) matches, with the **weak**
    /// comparison. RFC 7232 §3.2 prescribes weak comparison for `If-None-Match`; for `If-Match`
    /// it prescribes strong comparison, but SCIM's own examples (RFC 7644 §3.14) send weak tags
    /// in `If-Match`, which a strong comparison never matches, so SCIM servers compare weakly
    /// there too. A server that wants the RFC 7232 rule uses [`VersionCondition::matches_strong`].
    ///
    /// `If-Match` succeeds when this is `true`; `If-None-Match` succeeds when it is `false`.
    pub fn matches(&self, current: &Version) -> bool {
        match self {
            VersionCondition::Any => true,
            VersionCondition::OneOf(tags) => tags.iter().any(|t| t.weak_eq(current)),
        }
    }

    /// Like [`VersionCondition::matches`] with the strong comparison (RFC 7232 §3.1 for `If-Match`).
    pub fn matches_strong(&self, current: &Version) -> bool {
        match self {
            VersionCondition::Any => true,
            VersionCondition::OneOf(tags) => tags.iter().any(|t| t.strong_eq(current)),
        }
    }
}

impl FromStr for VersionCondition {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        VersionCondition::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format() {
        let w = Version::parse(r#"W/"a330bc54f0671c9""#).unwrap();
        assert!(w.is_weak());
        assert_eq!(w.tag(), "a330bc54f0671c9");
        assert_eq!(w.to_string(), r#"W/"a330bc54f0671c9""#);
        let s = Version::parse(r#""xyzzy""#).unwrap();
        assert!(!s.is_weak());
        assert_eq!(s.to_string(), r#""xyzzy""#);
        assert_eq!(Version::parse(r#""""#).unwrap().tag(), "");
        // lenient: bare tag
        assert_eq!(
            Version::parse("abc").unwrap(),
            Version::strong("abc").unwrap()
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            r#"W/abc"#,
            r#""abc"#,
            r#"w/"x" extra"#,
            r#""a"b""#,
            "",
            "W/",
            "a,b",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Version::strong("has space").is_err());
        assert!(Version::weak("q\"").is_err());
    }

    #[test]
    fn comparison_rfc7232_table() {
        // RFC 7232 §2.3.2 example table.
        let w1 = Version::parse(r#"W/"1""#).unwrap();
        let w2 = Version::parse(r#"W/"2""#).unwrap();
        let s1 = Version::parse(r#""1""#).unwrap();
        assert!(!w1.strong_eq(&w1) && w1.weak_eq(&w1));
        assert!(!w1.strong_eq(&w2) && !w1.weak_eq(&w2));
        assert!(!w1.strong_eq(&s1) && w1.weak_eq(&s1));
        assert!(s1.strong_eq(&s1) && s1.weak_eq(&s1));
    }

    #[test]
    fn condition_lists() {
        let c = VersionCondition::parse(r#" "a,b" , W/"c",,"d" "#).unwrap();
        let VersionCondition::OneOf(tags) = &c else {
            panic!("list expected")
        };
        assert_eq!(tags.len(), 3);
        assert_eq!(tags[0].tag(), "a,b");
        assert!(c.matches(&Version::strong("c").unwrap()));
        assert!(!c.matches_strong(&Version::strong("c").unwrap()));
        assert!(c.matches_strong(&Version::strong("d").unwrap()));
        assert!(VersionCondition::parse("").is_err());
        assert!(VersionCondition::parse(r#""a" "b""#).is_err());
        assert!(VersionCondition::parse(r#""a"#).is_err());
        assert_eq!(VersionCondition::parse("*").unwrap(), VersionCondition::Any);
    }
}
