//! Request decoding: content type, JSON body, and the conditional headers
//! ([RFC 7644 §3.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.1),
//! [§3.8](https://www.rfc-editor.org/rfc/rfc7644#section-3.8),
//! [§3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).

use crate::{Compat, Error};
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderName};
use serde_json::Value;

/// Accepts `application/scim+json` and (unless [`Compat::json_content_type`] is off)
/// `application/json`, with parameters such as `; charset=utf-8` (Entra sends that),
/// case-insensitively. A request without a `Content-Type` is read as JSON; any other type is
/// 415 ([RFC 7644 §3.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.1), §8.1).
pub(crate) fn check_content_type(headers: &HeaderMap, compat: &Compat) -> Result<(), Error> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(());
    };
    let ok = value.to_str().ok().is_some_and(|v| {
        let essence = v.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("application/scim+json")
            || (compat.json_content_type && essence.eq_ignore_ascii_case("application/json"))
    });
    if ok {
        Ok(())
    } else {
        Err(Error::with_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
            if compat.json_content_type {
                "the request body must be application/scim+json or application/json"
            } else {
                "the request body must be application/scim+json"
            },
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

/// The text of a header that may be sent several times (a list header such as `If-Match`),
/// its values joined with `, ` (RFC 9110 §5.3); `None` when absent, 400 when not ASCII.
pub(crate) fn header_text(headers: &HeaderMap, name: &HeaderName) -> Result<Option<String>, Error> {
    let mut out: Option<String> = None;
    for value in headers.get_all(name) {
        let text = value
            .to_str()
            .map_err(|_| Error::invalid_syntax(format!("the {name} header is not valid ASCII")))?;
        match &mut out {
            Some(acc) => {
                acc.push_str(", ");
                acc.push_str(text);
            }
            None => out = Some(text.to_owned()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use http::header::{IF_MATCH, IF_NONE_MATCH};

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
                check_content_type(&headers(CONTENT_TYPE, ok), &Compat::default()).is_ok(),
                "{ok}"
            );
        }
        assert!(check_content_type(&HeaderMap::new(), &Compat::strict()).is_ok());
        let json = headers(CONTENT_TYPE, "application/json");
        assert_eq!(
            check_content_type(&json, &Compat::strict())
                .unwrap_err()
                .status(),
            415
        );
        let scim = headers(CONTENT_TYPE, "application/scim+json");
        assert!(check_content_type(&scim, &Compat::strict()).is_ok());
        for bad in ["text/plain", "application/xml", "application/jsonx", ""] {
            assert_eq!(
                check_content_type(&headers(CONTENT_TYPE, bad), &Compat::default())
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
    fn list_headers_are_joined() {
        let mut h = headers(IF_MATCH, r#"W/"1""#);
        h.append(IF_MATCH, HeaderValue::from_static(r#""2""#));
        assert_eq!(
            header_text(&h, &IF_MATCH).unwrap().as_deref(),
            Some(r#"W/"1", "2""#)
        );
        assert!(header_text(&h, &IF_NONE_MATCH).unwrap().is_none());
        let bad = headers(IF_MATCH, "x");
        let mut bad2 = HeaderMap::new();
        bad2.insert(IF_MATCH, HeaderValue::from_bytes(b"\xff").unwrap());
        assert!(header_text(&bad, &IF_MATCH).is_ok());
        assert!(header_text(&bad2, &IF_MATCH).is_err());
    }
}
