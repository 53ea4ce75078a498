//! Unit tests of schema-guided evaluation.

use super::*;
use crate::schema::ResourceSchema;
use serde_json::{Value, json};

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223",
        "userName": "bjensen@example.com",
        "name": {"familyName": "O'Malley", "givenName": "Barbara"},
        "title": "",
        "nickName": null,
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "ims": [],
        "x509Certificates": [{"value": "TUlJRA=="}],
        "meta": {"lastModified": "2011-05-13T04:42:34Z", "resourceType": "User"},
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {
            "employeeNumber": "701984",
            "manager": {"value": "26118915", "displayName": "John Smith"}
        }
    })
}

fn m(filter: &str) -> bool {
    Filter::parse(filter)
        .unwrap()
        .matches(&user(), &ResourceSchema::user())
        .unwrap_or_else(|e| panic!("{filter}: {e}"))
}

fn invalid(filter: &str) -> String {
    let e = Filter::parse(filter)
        .unwrap()
        .matches(&user(), &ResourceSchema::user())
        .unwrap_err();
    assert_eq!(
        e.scim_type(),
        Some(crate::ScimType::InvalidFilter),
        "{filter}"
    );
    e.detail().to_string()
}

#[test]
fn presence_treats_null_empty_string_and_empty_array_as_absent() {
    assert!(m("userName pr"));
    assert!(!m("title pr"));
    assert!(!m("nickName pr"));
    assert!(!m("ims pr"));
    assert!(!m("displayName pr"));
    assert!(m("emails pr"));
    assert!(m("emails.primary pr"));
    assert!(m(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr"
    ));
    assert!(m("manager pr") && m("manager.displayName pr"));
}

#[test]
fn case_rules_and_key_lookup() {
    assert!(m(r#"USERNAME eq "BJENSEN@example.com""#));
    assert!(m(r#"id eq "2819c223""#));
    assert!(!m(r#"id eq "2819C223""#), "id is caseExact");
    assert!(m(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#
    ));
    assert!(m(r#"employeeNumber sw "70""#));
    assert!(m(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#
    ));
    assert!(m(r#"name.familyName co "o'malley""#));
}

#[test]
fn multi_valued_and_value_paths() {
    assert!(m(r#"emails co "jensen.org""#), "compared through value");
    assert!(m(r#"emails.type eq "home""#));
    assert!(m(r#"emails[type eq "work" and value co "@example.com"]"#));
    assert!(!m(r#"emails[type eq "home" and value co "@example.com"]"#));
    assert!(m(r#"emails[not (primary pr)]"#));
    assert!(m(r#"emails.type ne "work""#), "any value differs");
    assert!(!m(r#"ims[type eq "xmpp"]"#));
    assert!(m(
        r#"schemas eq "URN:ietf:params:scim:schemas:extension:enterprise:2.0:User""#
    ));
}

#[test]
fn typed_comparisons_and_null() {
    assert!(m(r#"meta.lastModified gt "2011-05-13T00:00:00Z""#));
    assert!(m(r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#));
    assert!(!m(r#"meta.lastModified lt "2011-05-13T04:42:34Z""#));
    assert!(m("active eq true") && !m("active ne true"));
    assert!(m("nickName eq null") && m("displayName eq null") && !m("userName eq null"));
    assert!(m("userName ne null"));
    assert!(m(r#"displayName ne "x""#));
    assert!(m(r#"x509Certificates eq "TUlJRA==""#));
    assert!(m(
        r#"title pr or userName sw "bj" and not (active eq false)"#
    ));
}

#[test]
fn nonsense_for_the_schema_is_an_error() {
    assert!(invalid("nosuch eq 1").contains("no such attribute"));
    assert!(invalid("active gt true").contains("eq or ne"));
    invalid(r#"x509Certificates gt "AA==""#);
    invalid(r#"meta.lastModified co "2011""#);
    invalid(r#"meta.lastModified eq "not a date""#);
    invalid("userName eq 12");
    invalid(r#"name eq "x""#);
    invalid(r#"emails[nosuch pr]"#);
    invalid(r#"userName[value pr]"#);
    invalid(r#"emails[urn:x:y:type pr]"#);
    invalid(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User eq "x""#);
    invalid(r#"userName gt null"#);
}

#[test]
fn compiled_element_filters_for_patch_paths() {
    let schema = ResourceSchema::user();
    let emails = schema.core().attribute("emails").unwrap();
    let f = Filter::parse(r#"type eq "WORK""#).unwrap();
    let c = CompiledFilter::for_elements(&f, emails).unwrap();
    assert!(c.matches(&json!({"type": "work", "value": "a@b"})));
    assert!(!c.matches(&json!({"type": "home"})));
    let user_name = schema.core().attribute("userName").unwrap();
    assert!(CompiledFilter::for_elements(&f, user_name).is_err());
}

#[test]
fn deepest_accepted_filter_compiles_and_evaluates_within_the_stack() {
    use crate::filter::ParseLimits;
    let n = ParseLimits::MAX_DEPTH / 2;
    let deep = format!(
        "{}userName pr{}",
        "title pr and (userName pr or (".repeat(n),
        "))".repeat(n)
    );
    let limits = ParseLimits::default()
        .with_max_length(usize::MAX)
        .with_max_depth(usize::MAX);
    let f = Filter::parse_with(&deep, &limits).unwrap();
    let c = f.compile(&ResourceSchema::user()).unwrap();
    assert!(
        !c.matches(&user()),
        "title is empty, so the outer and fails"
    );
    let mut with_title = user();
    with_title["title"] = json!("Tour Guide");
    assert!(c.matches(&with_title));
}

#[test]
fn public_types_are_send_sync_static() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Filter>();
    check::<CompiledFilter>();
    check::<crate::path::ParseError>();
}
