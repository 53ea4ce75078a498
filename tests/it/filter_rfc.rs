//! Every filter example of RFC 7644 §3.4.2.2 (the list after Table 3): its syntax tree, its
//! canonical text, and its result over the RFC 7643 §8 example resources.

use scimitar::AttrPath;
use scimitar::filter::{CompValue, CompareOp, Filter};
use scimitar::schema::ResourceSchema;
use serde_json::Value;

pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub(crate) fn resource(name: &str) -> Value {
    let text = match name {
        "minimal_user" => include_str!("../data/rfc7643/minimal_user.json"),
        "full_user" => include_str!("../data/rfc7643/full_user.json"),
        "enterprise_user" => include_str!("../data/rfc7643/enterprise_user.json"),
        "group" => include_str!("../data/rfc7643/group.json"),
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(text).unwrap()
}

fn path(p: &str) -> AttrPath {
    AttrPath::parse(p).unwrap()
}
fn cmp(p: &str, op: CompareOp, v: &str) -> Filter {
    Filter::Compare {
        path: path(p),
        op,
        value: CompValue::String(v.into()),
    }
}
fn pr(p: &str) -> Filter {
    Filter::Present(path(p))
}
fn and(terms: Vec<Filter>) -> Filter {
    Filter::And(terms)
}
fn or(terms: Vec<Filter>) -> Filter {
    Filter::Or(terms)
}
fn vp(p: &str, f: Filter) -> Filter {
    Filter::ValuePath {
        path: path(p),
        filter: Box::new(f),
    }
}
use CompareOp::*;

/// (filter as the RFC prints it, expected tree, [minimal §8.1, full §8.2, enterprise §8.3])
fn examples() -> Vec<(&'static str, Filter, [bool; 3])> {
    let lm = "2011-05-13T04:42:34Z";
    vec![
        (
            r#"userName eq "bjensen""#,
            cmp("userName", Eq, "bjensen"),
            [false; 3],
        ),
        (
            r#"name.familyName co "O'Malley""#,
            cmp("name.familyName", Co, "O'Malley"),
            [false; 3],
        ),
        (r#"userName sw "J""#, cmp("userName", Sw, "J"), [false; 3]),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            Filter::Compare {
                path: AttrPath::new("userName")
                    .with_urn("urn:ietf:params:scim:schemas:core:2.0:User"),
                op: Sw,
                value: CompValue::String("J".into()),
            },
            [false; 3],
        ),
        ("title pr", pr("title"), [false, true, true]),
        (
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            cmp("meta.lastModified", Gt, lm),
            [false; 3],
        ),
        (
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            cmp("meta.lastModified", Ge, lm),
            [true; 3],
        ),
        (
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            cmp("meta.lastModified", Lt, lm),
            [false; 3],
        ),
        (
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            cmp("meta.lastModified", Le, lm),
            [true; 3],
        ),
        (
            r#"title pr and userType eq "Employee""#,
            and(vec![pr("title"), cmp("userType", Eq, "Employee")]),
            [false, true, true],
        ),
        (
            r#"title pr or userType eq "Intern""#,
            or(vec![pr("title"), cmp("userType", Eq, "Intern")]),
            [false, true, true],
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            cmp("schemas", Eq, ENTERPRISE),
            [false, false, true],
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            and(vec![
                cmp("userType", Eq, "Employee"),
                or(vec![
                    cmp("emails", Co, "example.com"),
                    cmp("emails.value", Co, "example.org"),
                ]),
            ]),
            [false, true, true],
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            and(vec![
                cmp("userType", Ne, "Employee"),
                Filter::Not(Box::new(or(vec![
                    cmp("emails", Co, "example.com"),
                    cmp("emails.value", Co, "example.org"),
                ]))),
            ]),
            // the minimal user has no userType (ne holds) and no emails (not (...) holds)
            [true, false, false],
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            and(vec![
                cmp("userType", Eq, "Employee"),
                cmp("emails.type", Eq, "work"),
            ]),
            [false, true, true],
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            and(vec![
                cmp("userType", Eq, "Employee"),
                vp(
                    "emails",
                    and(vec![
                        cmp("type", Eq, "work"),
                        cmp("value", Co, "@example.com"),
                    ]),
                ),
            ]),
            [false, true, true],
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            or(vec![
                vp(
                    "emails",
                    and(vec![
                        cmp("type", Eq, "work"),
                        cmp("value", Co, "@example.com"),
                    ]),
                ),
                vp(
                    "ims",
                    and(vec![cmp("type", Eq, "xmpp"), cmp("value", Co, "@foo.com")]),
                ),
            ]),
            [false, true, true],
        ),
    ]
}

#[test]
fn rfc7644_3_4_2_2_examples_parse_to_their_trees() {
    let all = examples();
    assert_eq!(all.len(), 17, "the RFC lists 17 filter examples");
    for (text, tree, _) in &all {
        let parsed = Filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(&parsed, tree, "{text}");
        // the RFC's text is already canonical, except for the parentheses around a single term
        let canon = parsed.to_string();
        assert_eq!(Filter::parse(&canon).unwrap(), parsed, "{canon}");
        if !text.contains("(emails.type") {
            assert_eq!(&canon, text);
        }
    }
}

#[test]
fn rfc7644_3_4_2_2_examples_over_rfc7643_8_users() {
    let schema = ResourceSchema::user();
    let users = ["minimal_user", "full_user", "enterprise_user"].map(resource);
    for (text, _, expected) in examples() {
        let compiled = Filter::parse(text).unwrap().compile(&schema).unwrap();
        for (user, want) in users.iter().zip(expected) {
            assert_eq!(
                compiled.matches(user),
                want,
                "{text} over {}",
                user["userName"]
            );
        }
    }
}

#[test]
fn operators_and_attribute_names_are_case_insensitive() {
    // RFC 7644 §3.4.2.2: `userName Eq "john"` and `Username eq "john"` are the same filter
    let a = Filter::parse(r#"filter Eq "john""#).unwrap();
    let b = Filter::parse(r#"filter eq "john""#).unwrap();
    assert_eq!(a, b);
    let schema = ResourceSchema::user();
    let user = resource("full_user");
    for f in [
        r#"userName Eq "BJENSEN@EXAMPLE.COM""#,
        r#"Username eq "bjensen@example.com""#,
        r#"NAME.FAMILYNAME SW "jen""#,
        r#"EMAILS[TYPE EQ "WORK"] AND NOT (TITLE EQ "intern")"#,
    ] {
        assert!(
            Filter::parse(f).unwrap().matches(&user, &schema).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn group_example_filters() {
    let schema = ResourceSchema::group();
    let group = resource("group");
    for (f, want) in [
        (r#"displayName eq "tour guides""#, true),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            true,
        ),
        // RFC 7643 §8.7.1 declares Group members.value caseExact=false
        (
            r#"members[value eq "2819C223-7F76-453A-919D-413861904646"]"#,
            true,
        ),
        (r#"members[value eq "2819c223"]"#, false),
        (r#"members.display co "Pepperidge""#, true),
        (r#"members eq "902c246b-6245-4190-8e05-00816be7344a""#, true),
        ("members pr and not (externalId pr)", true),
    ] {
        assert_eq!(
            Filter::parse(f).unwrap().matches(&group, &schema).unwrap(),
            want,
            "{f}"
        );
    }
}

#[test]
fn enterprise_extension_attributes_under_their_urn() {
    let schema = ResourceSchema::user();
    let user = resource("enterprise_user");
    for (f, want) in [
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName eq "john smith""#,
            true,
        ),
        (
            r#"department eq "Tour Operations" and costCenter eq "4130""#,
            true,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr",
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division sw "Zoo""#,
            false,
        ),
    ] {
        assert_eq!(
            Filter::parse(f).unwrap().matches(&user, &schema).unwrap(),
            want,
            "{f}"
        );
    }
    let full = resource("full_user");
    assert!(
        !Filter::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr")
            .unwrap()
            .matches(&full, &schema)
            .unwrap()
    );
}
