//! Parsing attribute paths and attribute lists: the `attrPath` rule of
//! [RFC 7644 §3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10), shared with the
//! filter parser and the PATCH path parser.

use super::AttrPath;
use super::error::{ParseError, ParseErrorKind};
use super::lexer::Lexer;
use super::limits::{ParseLimits, check_length};

/// The end of the input, whitespace aside; else an error at what follows.
pub(crate) fn finish_at_end(lx: &mut Lexer<'_>) -> Result<(), ParseError> {
    lx.skip_ws();
    if lx.at_end() {
        Ok(())
    } else {
        Err(lx.err_here("expected the end of the path"))
    }
}

impl AttrPath {
    /// Parses an `attrPath` (`[URI ":"] ATTRNAME ["." subAttr]`,
    /// [RFC 7644 §3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10)), as a `sortBy`
    /// value or one entry of an attribute list. Surrounding whitespace is ignored; the URI
    /// prefix ends at the last `:`, so `…:enterprise:2.0:User:manager.value` names `manager`'s
    /// `value` in the enterprise extension, and a URN alone (`…:enterprise:2.0:User`) parses
    /// as URN `…:enterprise:2.0` with name `User` (which
    /// [`ResourceSchema::resolve`](crate::schema::ResourceSchema::resolve) recognises).
    ///
    /// ```
    /// use scimitar::AttrPath;
    /// let p = AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")?;
    /// assert_eq!(p.urn.as_deref(), Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
    /// assert_eq!((&*p.name, p.sub_attr.as_deref()), ("manager", Some("value")));
    /// # Ok::<(), scimitar::path::ParseError>(())
    /// ```
    pub fn parse(input: &str) -> Result<AttrPath, ParseError> {
        let mut lx = Lexer::new(input, ParseErrorKind::Path);
        check_length(&lx, &ParseLimits::DEFAULT)?;
        lx.skip_ws();
        let path = lx.attr_path()?;
        finish_at_end(&mut lx)?;
        Ok(path)
    }
}

/// Parses an `attributes` or `excludedAttributes` list
/// ([RFC 7644 §3.4.2.5](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.5),
/// [§3.9](https://www.rfc-editor.org/rfc/rfc7644#section-3.9)): comma-separated attribute
/// paths, whitespace around each ignored. An empty or all-blank input is an empty list.
///
/// ```
/// let list = scimitar::path::parse_attribute_list("userName, name.givenName ,emails")?;
/// assert_eq!(list.len(), 3);
/// assert_eq!(list[1].to_string(), "name.givenName");
/// # Ok::<(), scimitar::path::ParseError>(())
/// ```
pub fn parse_attribute_list(input: &str) -> Result<Vec<AttrPath>, ParseError> {
    let mut lx = Lexer::new(input, ParseErrorKind::Path);
    check_length(&lx, &ParseLimits::DEFAULT)?;
    let mut out = Vec::new();
    lx.skip_ws();
    if lx.at_end() {
        return Ok(out);
    }
    loop {
        lx.skip_ws();
        out.push(lx.attr_path()?);
        lx.skip_ws();
        match lx.peek() {
            None => return Ok(out),
            Some(b',') => lx.pos += 1,
            Some(_) => return Err(lx.err_here("expected ',' or the end of the list")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    #[test]
    fn attr_paths() {
        assert_eq!(
            AttrPath::parse("userName").unwrap(),
            AttrPath::new("userName")
        );
        assert_eq!(
            AttrPath::parse(" name.familyName ").unwrap(),
            AttrPath::new("name").with_sub_attr("familyName")
        );
        assert_eq!(
            AttrPath::parse(&format!("{ENT}:manager.value")).unwrap(),
            AttrPath::new("manager")
                .with_urn(ENT)
                .with_sub_attr("value")
        );
        assert_eq!(
            AttrPath::parse(ENT).unwrap(),
            AttrPath::new("User").with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0")
        );
        assert_eq!(
            AttrPath::parse("members.$ref").unwrap(),
            AttrPath::new("members").with_sub_attr("$ref")
        );
        assert_eq!(AttrPath::parse("$ref").unwrap(), AttrPath::new("$ref"));
    }

    #[test]
    fn bad_attr_paths() {
        for (input, span) in [
            ("", 0..0),
            ("1abc", 0..4),
            ("a.b.c", 2..5),
            ("a.", 2..2),
            ("foo:bar", 0..4),
            ("urn:x:", 6..6),
            ("a b", 2..3),
            ("a[", 1..2),
        ] {
            let e = AttrPath::parse(input).unwrap_err();
            assert_eq!(e.kind(), ParseErrorKind::Path, "{input}");
            assert_eq!(e.span(), span, "{input}: {e}");
        }
    }

    #[test]
    fn attribute_lists() {
        assert_eq!(parse_attribute_list("  ").unwrap(), vec![]);
        assert_eq!(
            parse_attribute_list("userName, name.givenName ,emails").unwrap(),
            vec![
                AttrPath::new("userName"),
                AttrPath::new("name").with_sub_attr("givenName"),
                AttrPath::new("emails")
            ]
        );
        assert_eq!(parse_attribute_list(ENT).unwrap().len(), 1);
        assert_eq!(parse_attribute_list("a,,b").unwrap_err().span(), 2..3);
        assert!(parse_attribute_list("a,").is_err());
        assert!(parse_attribute_list("a b").is_err());
    }
}
