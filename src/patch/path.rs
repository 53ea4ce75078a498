//! The PATCH `path`: `attrPath / valuePath [subAttr]`
//! ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)), e.g.
//! `emails[type eq "work"].value`. It joins the two lower grammars, attribute paths
//! ([`crate::path`]) and filters ([`crate::filter`]), so it lives above both.

use crate::filter::parse::{End, parse_filter};
use crate::filter::{Filter, ParseLimits};
use crate::path::lexer::Lexer;
use crate::path::limits::check_length;
use crate::path::parser::finish_at_end;
use crate::path::{AttrPath, ParseError, ParseErrorKind};
use std::fmt;

/// A PATCH `path` ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)):
/// `attrPath / valuePath [subAttr]`, e.g. `emails[type eq "work"].value`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute (with its URN and, when there is no value filter, its sub-attribute).
    pub attr: AttrPath,
    /// The value filter in `[...]`, if any; it selects elements of the multi-valued `attr`.
    pub filter: Option<Filter>,
    /// The sub-attribute after a value filter (`].value`), if any.
    pub sub_attr: Option<Box<str>>,
}

impl PatchPath {
    /// Parses a PATCH `path` (`attrPath / valuePath [subAttr]`,
    /// [RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)) with the default
    /// [`ParseLimits`], e.g. `members[value eq "2819c223"]` or `emails[type eq "work"].value`.
    ///
    /// ```
    /// use scimitar::patch::PatchPath;
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

impl fmt::Display for PatchPath {
    /// `attrPath`, or `attrPath "[" filter "]" ["." subAttr]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub_attr {
            f.write_str(".")?;
            f.write_str(sub)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{CompValue, CompareOp};

    const ENT: &str = crate::schema::ENTERPRISE_USER_SCHEMA;

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
    fn patch_paths_are_send_sync_static() {
        fn check<T: Send + Sync + 'static>() {}
        check::<PatchPath>();
    }

    #[test]
    fn paths_print_canonically_and_reparse() {
        for (s, canon) in [
            ("members", "members"),
            (
                r#"emails[type EQ "work" AND value co "x"].value"#,
                r#"emails[type eq "work" and value co "x"].value"#,
            ),
            (r#"members[value eq "a"]"#, r#"members[value eq "a"]"#),
        ] {
            let p = PatchPath::parse(s).unwrap();
            assert_eq!(p.to_string(), canon);
            assert_eq!(PatchPath::parse(canon).unwrap(), p);
        }
    }
}
