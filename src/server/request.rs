//! Request decoding: content type, JSON body, and the conditional headers
//! ([RFC 7644 §3.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.1),
//! [§3.8](https://www.rfc-editor.org/rfc/rfc7644#section-3.8),
//! [§3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).

use crate::Error;
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderName, IF_MATCH, IF_NONE_MATCH};
use serde_json::Value;

/// Accepts `application/scim+json` and `application/json`, with parameters such as
/// `; charset=utf-8` (Entra sends that), case-insensitively. A request without a
/// `Content-Type` is read as JSON; any other type is 415.
pub(crate) fn check_content_type(headers: &HeaderMap) -> Result<(), Error> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(());
    };
    let ok = value.to_str().ok().is_some_and(|v| {
        let essence = v.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("application/scim+json")
            || essence.eq_ignore_ascii_case("application/json")
    });
    if ok {
        Ok(())
    } else {
        Err(Error::with_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
            "the request body must be application/scim+json or application/json",
        ))
    }
}

/// Parses a request body as JSON: 400 `invalidSyntax` when it is empty or malformed.
/// serde_json bounds nesting depth (128), so a deeply nested body cannot exhaust the stack.
pub(crate) fn parse_json(body: &[u8]) -> Result<Value, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::invalid_syntax("the request body is empty"));
    }
    serde_json::from_slice(body)
        .map_err(|e| Error::invalid_syntax(format!("the request body is not valid JSON: {e}")))
}

/// A parsed `If-Match` / `If-None-Match` header
/// ([RFC 9110 §13.1.1](https://www.rfc-editor.org/rfc/rfc9110#section-13.1.1)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Condition {
    /// `*`: any current representation.
    Any,
    /// A list of entity tags, kept as sent (e.g. `W/"3"`, `"3"`).
    Tags(Vec<String>),
}

impl Condition {
    /// Whether `etag` (as the server formats it) matches, by weak comparison
    /// (RFC 9110 §8.8.3.2: the opaque tags are equal, `W/` ignored). SCIM versions are weak
    /// validators (RFC 7644 §3.14), so weak comparison is the one that applies.
    pub(crate) fn matches(&self, etag: &str) -> bool {
        match self {
            Condition::Any => true,
            Condition::Tags(tags) => {
                let ours = opaque(etag);
                tags.iter().any(|t| opaque(t) == ours)
            }
        }
    }

    /// The tags as a list (for a backend that takes a version to check).
    pub(crate) fn tags(&self) -> &[String] {
        match self {
            Condition::Any => &[],
            Condition::Tags(t) => t,
        }
    }
}

fn opaque(tag: &str) -> &str {
    let t = tag.trim();
    let t = t.strip_prefix("W/").unwrap_or(t);
    t.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(t)
}

/// The `If-Match` header, if any.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<Condition>, Error> {
    condition(headers, &IF_MATCH)
}

/// The `If-None-Match` header, if any.
pub(crate) fn if_none_match(headers: &HeaderMap) -> Result<Option<Condition>, Error> {
    condition(headers, &IF_NONE_MATCH)
}

fn condition(headers: &HeaderMap, name: &HeaderName) -> Result<Option<Condition>, Error> {
    let mut tags = Vec::new();
    let mut any = false;
    let mut present = false;
    for value in headers.get_all(name) {
        present = true;
        let text = value
            .to_str()
            .map_err(|_| Error::invalid_value(format!("{name} is not valid ASCII")))?;
        for tag in split_tags(text) {
            if tag == "*" {
                any = true;
            } else {
                // `W/"3"` or `"3"`; leniently also a bare `3`, read as that opaque tag.
                tags.push(tag.to_owned());
            }
        }
    }
    Ok(match (present, any) {
        (false, _) => None,
        (true, true) => Some(Condition::Any),
        (true, false) if tags.is_empty() => {
            return Err(Error::invalid_value(format!("{name} holds no entity tag")));
        }
        (true, false) => Some(Condition::Tags(tags)),
    })
}

/// Splits a header list on commas that are outside quoted strings.
fn split_tags(text: &str) -> impl Iterator<Item = &str> {
    let mut parts = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => {
                parts.push(text.get(start..i).unwrap_or("").trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text.get(start..).unwrap_or("").trim());
    parts.into_iter().filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(name: HeaderName, v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn content_types() {
        for ok in [
            "application/scim+json",
            "application/scim+json; charset=utf-8",
            "Application/JSON",
            "application/json;charset=UTF-8",
        ] {
            assert!(
                check_content_type(&headers(CONTENT_TYPE, ok)).is_ok(),
                "{ok}"
            );
        }
        assert!(check_content_type(&HeaderMap::new()).is_ok());
        for bad in ["text/plain", "application/xml", "application/jsonx", ""] {
            assert_eq!(
                check_content_type(&headers(CONTENT_TYPE, bad))
                    .unwrap_err()
                    .status(),
                415,
                "{bad}"
            );
        }
    }

    #[test]
    fn json_bodies() {
        assert!(parse_json(br#"{"a":1}"#).is_ok());
        for bad in [&b""[..], b"  ", b"{", b"nul", b"\xff"] {
            let e = parse_json(bad).unwrap_err();
            assert_eq!(e.scim_type(), Some(crate::ScimType::InvalidSyntax));
        }
        let deep = "[".repeat(100_000);
        assert_eq!(parse_json(deep.as_bytes()).unwrap_err().status(), 400);
    }

    #[test]
    fn conditions() {
        let h = headers(IF_MATCH, r#"W/"3", "a,b""#);
        let c = if_match(&h).unwrap().unwrap();
        assert!(c.matches(r#"W/"3""#));
        assert!(c.matches(r#""3""#));
        assert!(c.matches(r#"W/"a,b""#));
        assert!(!c.matches(r#"W/"4""#));
        assert_eq!(c.tags().len(), 2);
        let any = if_none_match(&headers(IF_NONE_MATCH, "*"))
            .unwrap()
            .unwrap();
        assert!(any.matches(r#"W/"anything""#));
        assert!(if_match(&HeaderMap::new()).unwrap().is_none());
        assert!(if_match(&headers(IF_MATCH, " , ")).is_err());
    }
}
