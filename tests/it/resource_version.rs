//! `Version` (entity tags, RFC 7232 §2.3 as RFC 7644 §3.14 uses them) and `If-Match` /
//! `If-None-Match` conditions.

use scimitar::ScimType;
use scimitar::resource::{Meta, Version, VersionCondition};

#[test]
fn rfc7644_3_14_etag_examples() {
    // ETag: W/"e180ee84f0671b1" on a GET; the same tag in If-Match / If-None-Match.
    let etag: Version = r#"W/"e180ee84f0671b1""#.parse().unwrap();
    assert!(etag.is_weak());
    assert_eq!(etag.to_string(), r#"W/"e180ee84f0671b1""#);
    let if_none_match = VersionCondition::parse(r#"W/"e180ee84f0671b1""#).unwrap();
    assert!(if_none_match.matches(&etag), "unchanged: 304 Not Modified");
    let changed = Version::weak("e180ee84f0671b2").unwrap();
    assert!(
        !if_none_match.matches(&changed),
        "changed: 200 with the new body"
    );
    let if_match = VersionCondition::parse(r#"W/"e180ee84f0671b1""#).unwrap();
    assert!(
        if_match.matches(&etag),
        "SCIM If-Match with a weak tag succeeds"
    );
    assert!(!if_match.matches(&changed), "stale If-Match: 412");
}

#[test]
fn weak_versus_strong() {
    let weak = Version::weak("1").unwrap();
    let strong = Version::strong("1").unwrap();
    assert!(weak.weak_eq(&strong));
    assert!(!weak.strong_eq(&strong));
    assert!(strong.strong_eq(&strong));
    assert_ne!(weak, strong);
    let cond = VersionCondition::parse(r#""1""#).unwrap();
    assert!(cond.matches(&weak));
    assert!(!cond.matches_strong(&weak));
    assert!(cond.matches_strong(&strong));
}

#[test]
fn star_matches_any_version() {
    let any = VersionCondition::parse(" * ").unwrap();
    assert_eq!(any, VersionCondition::Any);
    assert!(any.matches(&Version::from_u64(99)));
    assert!(any.matches_strong(&Version::strong("x").unwrap()));
}

#[test]
fn lists_with_commas_inside_tags() {
    let c = VersionCondition::parse(r#""xyzzy", "r2d2xxxx", "c3piozzzz", W/"a,b""#).unwrap();
    assert!(c.matches(&Version::strong("c3piozzzz").unwrap()));
    assert!(c.matches(&Version::weak("a,b").unwrap()));
    assert!(!c.matches(&Version::weak("a").unwrap()));
}

#[test]
fn malformed_headers_are_invalid_syntax() {
    for bad in ["", ",", r#""abc"#, r#""a" "b""#, r#"W/"#, "\"a\"\u{1}"] {
        let e = VersionCondition::parse(bad).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax), "{bad:?}");
    }
    let e = Version::parse(r#""a"b""#).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn counter_versions() {
    let v = Version::from_u64(42);
    assert_eq!(v.to_string(), r#"W/"42""#);
    assert_eq!(Version::parse(&v.to_string()).unwrap(), v);
    assert_ne!(Version::from_u64(1), Version::from_u64(2));
}

#[test]
fn serde_uses_header_form() {
    let v = Version::weak("3694e05e9dff591").unwrap();
    assert_eq!(
        serde_json::to_string(&v).unwrap(),
        r#""W/\"3694e05e9dff591\"""#
    );
    // The RFC examples escape the slash: "W\/\"…\"" is the same JSON string.
    let back: Version = serde_json::from_str(r#""W\/\"3694e05e9dff591\"""#).unwrap();
    assert_eq!(back, v);
    assert!(serde_json::from_str::<Version>(r#""W/\"unterminated""#).is_err());
}

#[test]
fn meta_touch_moves_version_and_time() {
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let t1 = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:01Z")
        .unwrap()
        .to_utc();
    let mut m = Meta::new("User", t0)
        .with_location("https://example.com/v2/Users/1")
        .with_version(Version::from_u64(1));
    m.touch(t1, Some(Version::from_u64(2)));
    let j = serde_json::to_value(&m).unwrap();
    assert_eq!(j["created"], "2026-01-01T00:00:00Z");
    assert_eq!(j["lastModified"], "2026-01-01T00:00:01Z");
    assert_eq!(j["version"], r#"W/"2""#);
    assert_eq!(j["resourceType"], "User");
}
