//! Canonical text of paths ([RFC 7644 §3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10),
//! [§3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)): what the parser reads back
//! to an equal value.

use super::{AttrPath, PatchPath};
use std::fmt;

impl fmt::Display for AttrPath {
    /// `[urn ":"] name ["." subAttr]`, names as written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            f.write_str(urn)?;
            f.write_str(":")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            f.write_str(".")?;
            f.write_str(sub)?;
        }
        Ok(())
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

    #[test]
    fn paths_print_canonically_and_reparse() {
        for s in [
            "userName",
            "name.givenName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ] {
            let p = AttrPath::parse(s).unwrap();
            assert_eq!(p.to_string(), s);
        }
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
