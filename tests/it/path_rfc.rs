//! The PATCH path examples of RFC 7644 §3.5.2 (and §3.5.2.1–3), `sortBy` paths (§3.4.2.3)
//! and attribute lists (§3.4.2.5, §3.9) through the public API.

use scimitar::filter::{CompValue, CompareOp, Filter};
use scimitar::patch::PatchPath;
use scimitar::path::{ParseErrorKind, parse_attribute_list};
use scimitar::{AttrPath, Error, ScimType};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const MEMBER: &str = "2819c223-7f76-453a-919d-413861904646";

fn eq(p: &str, v: &str) -> Filter {
    Filter::Compare {
        path: AttrPath::parse(p).unwrap(),
        op: CompareOp::Eq,
        value: CompValue::String(v.into()),
    }
}

fn patch(attr: AttrPath, filter: Option<Filter>, sub: Option<&str>) -> PatchPath {
    PatchPath {
        attr,
        filter,
        sub_attr: sub.map(Into::into),
    }
}

#[test]
fn rfc7644_3_5_2_path_examples() {
    let cases = vec![
        ("members", patch(AttrPath::new("members"), None, None)),
        (
            "name.familyName",
            patch(
                AttrPath::new("name").with_sub_attr("familyName"),
                None,
                None,
            ),
        ),
        (
            r#"addresses[type eq "work"]"#,
            patch(AttrPath::new("addresses"), Some(eq("type", "work")), None),
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            patch(AttrPath::new("members"), Some(eq("value", MEMBER)), None),
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
            patch(
                AttrPath::new("members"),
                Some(eq("value", MEMBER)),
                Some("displayName"),
            ),
        ),
        (
            r#"emails[type eq "work" and value ew "example.com"]"#,
            patch(
                AttrPath::new("emails"),
                Some(Filter::And(vec![
                    eq("type", "work"),
                    Filter::Compare {
                        path: AttrPath::new("value"),
                        op: CompareOp::Ew,
                        value: CompValue::String("example.com".into()),
                    },
                ])),
                None,
            ),
        ),
        (
            r#"addresses[type eq "work"].streetAddress"#,
            patch(
                AttrPath::new("addresses"),
                Some(eq("type", "work")),
                Some("streetAddress"),
            ),
        ),
    ];
    for (text, want) in cases {
        let got = PatchPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(got, want, "{text}");
        assert_eq!(got.to_string(), text);
    }
}

#[test]
fn entra_patch_paths() {
    let p = PatchPath::parse(&format!("{ENTERPRISE}:manager")).unwrap();
    assert_eq!(p.attr, AttrPath::new("manager").with_urn(ENTERPRISE));
    let p = PatchPath::parse(&format!("{ENTERPRISE}:department")).unwrap();
    assert_eq!(&*p.attr.name, "department");
    let p = PatchPath::parse(r#"emails[type eq "work"].value"#).unwrap();
    assert_eq!(p.sub_attr.as_deref(), Some("value"));
    let p = PatchPath::parse(r#"phoneNumbers[type eq "mobile"].value"#).unwrap();
    assert_eq!(&*p.attr.name, "phoneNumbers");
    let p = PatchPath::parse(&format!(r#"members[value eq "{MEMBER}"]"#)).unwrap();
    assert_eq!(p.filter, Some(eq("value", MEMBER)));
}

#[test]
fn sort_by_paths() {
    assert_eq!(
        AttrPath::parse("userName").unwrap(),
        AttrPath::new("userName")
    );
    assert_eq!(
        AttrPath::parse("meta.lastModified").unwrap(),
        AttrPath::new("meta").with_sub_attr("lastModified")
    );
    assert_eq!(
        AttrPath::parse(&format!("{ENTERPRISE}:manager.value")).unwrap(),
        AttrPath::new("manager")
            .with_urn(ENTERPRISE)
            .with_sub_attr("value")
    );
}

#[test]
fn attribute_lists() {
    let list = parse_attribute_list(&format!(
        "userName, name.givenName,{ENTERPRISE}:employeeNumber , {ENTERPRISE}"
    ))
    .unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(
        list[2],
        AttrPath::new("employeeNumber").with_urn(ENTERPRISE)
    );
    assert_eq!(list[3].to_string(), ENTERPRISE);
    assert!(parse_attribute_list("").unwrap().is_empty());
}

#[test]
fn path_errors_are_invalid_path() {
    for bad in [
        "",
        "emails[type eq \"work\"",
        "emails[type eq]",
        "name..givenName",
        "name.givenName.x",
        "1name",
        "emails[type eq \"work\"]value",
    ] {
        let e = PatchPath::parse(bad).unwrap_err();
        assert_eq!(e.kind(), ParseErrorKind::Path, "{bad}");
        let err: Error = e.into();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidPath), "{bad}");
    }
    assert_eq!(
        AttrPath::parse("a b").unwrap_err().to_string(),
        "invalid path at 2..3: expected the end of the path"
    );
}
