//! What Microsoft Entra ID and Okta really send as filters (shared/CLIENTS.md), parsed and
//! evaluated over the RFC 7643 §8 users; and errors that must be 400 invalidFilter.

use crate::filter_rfc::resource;
use scimitar::schema::ResourceSchema;
use scimitar::{Error, Filter, ScimType};

fn matches(f: &str, user: &serde_json::Value) -> bool {
    Filter::parse(f)
        .unwrap()
        .matches(user, &ResourceSchema::user())
        .unwrap()
}

#[test]
fn entra_test_connection_with_a_random_guid_matches_nothing() {
    let f = r#"userName eq "6b1e7d0c-0b8e-4b7a-9f8f-6d2b0f6f9a11""#;
    for u in ["minimal_user", "full_user", "enterprise_user"] {
        assert!(!matches(f, &resource(u)));
    }
}

#[test]
fn entra_matching_lookups() {
    let user = resource("enterprise_user");
    assert!(
        matches(r#"userName eq "BJensen@Example.com""#, &user),
        "userName is caseExact=false"
    );
    assert!(matches(r#"externalId eq "701984""#, &user));
    assert!(!matches(r#"externalId eq "701984x""#, &user));
    assert!(matches(
        r#"id eq "2819c223-7f76-453a-919d-413861904646""#,
        &user
    ));
    assert!(
        !matches(r#"id eq "2819C223-7F76-453A-919D-413861904646""#, &user),
        "id is caseExact"
    );
    let groups = ResourceSchema::group();
    let f = Filter::parse(r#"displayName eq "Tour Guides""#).unwrap();
    assert!(f.matches(&resource("group"), &groups).unwrap());
}

#[test]
fn entra_work_email_matching_form() {
    // `emails[type eq "work"].value eq "…"` is read as one value filter
    let user = resource("full_user");
    let f = Filter::parse(r#"emails[type eq "work"].value eq "bjensen@example.com""#).unwrap();
    assert_eq!(
        f.to_string(),
        r#"emails[type eq "work" and value eq "bjensen@example.com"]"#
    );
    assert!(f.matches(&user, &ResourceSchema::user()).unwrap());
    assert!(!matches(
        r#"emails[type eq "home"].value eq "bjensen@example.com""#,
        &user
    ));
}

#[test]
fn okta_lookups() {
    let user = resource("full_user");
    assert!(matches(r#"userName eq "bjensen@example.com""#, &user));
    assert!(matches(
        r#"userName eq "bjensen@example.com" and active eq true"#,
        &user
    ));
}

#[test]
fn parse_errors_become_400_invalid_filter_with_position() {
    let e = Filter::parse(r#"userName equals "x""#).unwrap_err();
    assert_eq!(e.span(), 9..15);
    let err: Error = e.into();
    assert_eq!(err.status(), 400);
    assert_eq!(err.scim_type(), Some(ScimType::InvalidFilter));
    assert_eq!(
        err.detail(),
        "invalid filter at 9..15: expected a comparison operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr)"
    );
}

#[test]
fn filters_that_make_no_sense_for_the_schema_are_invalid_filter() {
    let schema = ResourceSchema::user();
    for f in [
        "active gt false",
        r#"x509Certificates.value ge "AAAA""#,
        r#"meta.created co "2011""#,
        r#"userName sw 1"#,
        r#"noSuchAttribute eq "x""#,
        r#"name.noSuchSub pr"#,
        r#"urn:example:unknown:1.0:User:x eq "y""#,
        r#"meta.lastModified gt "last tuesday""#,
        r#"emails[display eq 1]"#,
        r#"userName[type eq "work"]"#,
        "userName lt null",
    ] {
        let err = Filter::parse(f).unwrap().check(&schema).unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidFilter), "{f}");
        assert_eq!(err.status(), 400, "{f}");
    }
}
