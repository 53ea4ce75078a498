//! Parsing attribute paths, PATCH paths and attribute lists: the `attrPath` and `valuePath`
//! rules of [RFC 7644 §3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10) and
//! [§3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2), shared with the filter parser.

use super::error::{ParseError, ParseErrorKind};
use super::lexer::Lexer;
use super::{AttrPath, PatchPath};
use crate::filter::ParseLimits;
use crate::filter::parse::{End, check_length, parse_filter};

fn finish_at_end(lx: &mut Lexer<'_>) -> Result<(), ParseError> {
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

impl PatchPath {
    /// Parses a PATCH `path` (`attrPath / valuePath [subAttr]`,
    /// [RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)) with the default
    /// [`ParseLimits`], e.g. `members[value eq "2819c223"]` or `emails[type eq "work"].value`.
    ///
    /// ```
    /// use scimitar::path::PatchPath;
    /// let p = PatchPath::parse(r#"emails[type eq "work"].value"#)?;
    /// assert_eq!(&*p.attr.name, "emails");
    /// assert!(p.filter.is_some());
    /// assert_eq!(p.sub_attr.as_deref(), Some("value"));
    /// # Ok::<(), scimitar::path::ParseError>(())
    /// ```
    pub fn parse(input: &str) -> Result<PatchPath, ParseError> {
        Self::parse_with(input, &ParseLimits::DEFAULT)
    }

    /// Parses a PATCH path with explicit limits for its value filter.
    pub fn parse_with(input: &str, limits: &ParseLimits) -> Result<PatchPath, ParseError> {
        let mut lx = Lexer::new(input, ParseErrorKind::Path);
        check_length(&lx, limits)?;
        lx.skip_ws();
        let start = lx.pos;
        let attr = lx.attr_path()?;
        if lx.peek() != Some(b'[') {
            finish_at_end(&mut lx)?;
            return Ok(PatchPath {
                attr,
                filter: None,
                sub_attr: None,
            });
        }
        if attr.sub_attr.is_some() {
            return Err(lx.err(
                start..lx.pos,
                "expected a multi-valued attribute without a sub-attribute before '['",
            ));
        }
        if limits.depth() == 0 {
            return Err(lx.err(
                lx.pos..lx.pos + 1,
                "expected no value filter (depth limit 0)",
            ));
        }
        lx.pos += 1;
        let filter = parse_filter(&mut lx, limits, End::Bracket, 1)?;
        let sub_attr = if lx.peek() == Some(b'.') {
            lx.pos += 1;
            Some(lx.sub_attr_name()?)
        } else {
            None
        };
        finish_at_end(&mut lx)?;
        Ok(PatchPath {
            attr,
            filter: Some(filter),
            sub_attr,
        })
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
    use crate::filter::{CompValue, CompareOp, Filter};

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
    fn patch_paths_of_rfc7644_3_5_2() {
        let p = PatchPath::parse("members").unwrap();
        assert_eq!(p.attr, AttrPath::new("members"));
        assert!(p.filter.is_none() && p.sub_attr.is_none());
        let p = PatchPath::parse(r#"members[value eq "2819c223"].displayName"#).unwrap();
        assert_eq!(p.attr, AttrPath::new("members"));
        assert_eq!(
            p.filter,
            Some(Filter::Compare {
                path: AttrPath::new("value"),
                op: CompareOp::Eq,
                value: CompValue::String("2819c223".into())
            })
        );
        assert_eq!(p.sub_attr.as_deref(), Some("displayName"));
        let p = PatchPath::parse(&format!("{ENT}:manager")).unwrap();
        assert_eq!(p.attr, AttrPath::new("manager").with_urn(ENT));
    }

    #[test]
    fn bad_patch_paths() {
        for input in [
            "emails[",
            "emails[type eq \"work\"",
            "emails[type eq \"work\"]x",
            "emails[type eq \"work\"].",
            "emails[type eq \"work\"].1",
            "emails.value[type eq \"work\"]",
            "emails[type eq \"work\")",
            "emails[type[value pr]]",
            "emails]",
        ] {
            let e = PatchPath::parse(input).unwrap_err();
            assert_eq!(e.kind(), ParseErrorKind::Path, "{input}");
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
