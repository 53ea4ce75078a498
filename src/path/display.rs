//! Canonical text of attribute paths ([RFC 7644 §3.10](https://www.rfc-editor.org/rfc/rfc7644#section-3.10)):
//! what the parser reads back to an equal value.

use super::AttrPath;
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
    }
}
