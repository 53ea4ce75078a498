//! Every PATCH example of RFC 7644 §3.5.2.1–§3.5.2.3, applied to the RFC 7643 §8 example
//! resources, and the rules of those sections that the examples do not show.

use super::patch_common::*;
use scimitar::ScimType;
use serde_json::{Value, json};

const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
const MANDY: &str = "902c246b-6245-4190-8e05-00816be7344a";
const JAMES: &str = "08e1d05d-121c-4561-8b96-473d93df9210";

fn babs_member() -> Value {
    json!({
        "display": "Babs Jensen",
        "$ref": format!("https://example.com/v2/Users/{BABS}"),
        "value": BABS
    })
}

fn james_member() -> Value {
    json!({
        "display": "James Smith",
        "$ref": format!("https://example.com/v2/Users/{JAMES}"),
        "value": JAMES
    })
}

fn member_ids(g: &Value) -> Vec<&str> {
    g["members"]
        .as_array()
        .map(|a| a.iter().map(|m| m["value"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

fn scim_type(r: Result<scimitar::patch::PatchOutcome, scimitar::Error>) -> Option<ScimType> {
    r.unwrap_err().scim_type()
}

// §3.5.2.1 Add Operation

#[test]
fn rfc7644_3_5_2_1_add_member_already_present_changes_nothing() {
    // §8.4's group already has Babs: "no changes SHOULD be made to the resource"
    let mut g = group();
    let before = g.clone();
    let out = apply(
        &mut g,
        &ops(json!([{"op": "add", "path": "members", "value": [babs_member()]}])),
    )
    .unwrap();
    assert!(!out.changed);
    assert_eq!(g, before);
}

#[test]
fn rfc7644_3_5_2_1_add_member() {
    let mut g = group();
    apply(
        &mut g,
        &ops(json!([{"op": "add", "path": "members", "value": [james_member()]}])),
    )
    .unwrap();
    assert_eq!(member_ids(&g), [BABS, MANDY, JAMES]);
    assert_eq!(g["members"][2], james_member());
}

#[test]
fn rfc7644_3_5_2_1_add_without_path() {
    let body = ops(json!([{
        "op": "add",
        "value": {
            "emails": [{"value": "babs@jensen.org", "type": "home"}],
            "nickname": "Babs"
        }
    }]));
    // to the minimal user: both are added, `nickname` under the schema's spelling
    let mut u = minimal_user();
    apply(&mut u, &body).unwrap();
    assert_eq!(
        u["emails"],
        json!([{"value": "babs@jensen.org", "type": "home"}])
    );
    assert_eq!(u["nickName"], "Babs");
    // to the full user: both already hold these values, nothing changes
    let mut full = full_user();
    let before = full.clone();
    assert!(!apply(&mut full, &body).unwrap().changed);
    assert_eq!(full, before);
}

#[test]
fn rfc7644_3_5_2_1_add_replaces_a_single_valued_attribute() {
    let mut u = full_user();
    apply(
        &mut u,
        &ops(json!([{"op": "add", "value": {"nickname": "Barbie"}}])),
    )
    .unwrap();
    assert_eq!(u["nickName"], "Barbie");
    assert!(u.get("nickname").is_none());
}

#[test]
fn rfc7644_3_5_2_1_add_merges_complex_sub_attributes() {
    let mut u = full_user();
    apply(
        &mut u,
        &ops(json!([{"op": "add", "path": "name", "value": {"givenName": "Barb"}}])),
    )
    .unwrap();
    assert_eq!(u["name"]["givenName"], "Barb");
    assert_eq!(u["name"]["familyName"], "Jensen");
}

// §3.5.2.2 Remove Operation

#[test]
fn rfc7644_3_5_2_2_remove_single_member() {
    let mut g = group();
    let path = format!("members[value eq \"{BABS}\"]");
    apply(&mut g, &ops(json!([{"op": "remove", "path": path}]))).unwrap();
    assert_eq!(member_ids(&g), [MANDY]);
}

#[test]
fn rfc7644_3_5_2_2_remove_all_members() {
    let mut g = group();
    apply(&mut g, &ops(json!([{"op": "remove", "path": "members"}]))).unwrap();
    assert!(g.get("members").is_none());
    assert_eq!(g["displayName"], "Tour Guides");
}

#[test]
fn rfc7644_3_5_2_2_remove_with_complex_filter() {
    let mut u = full_user();
    apply(
        &mut u,
        &ops(json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"}])),
    )
    .unwrap();
    assert_eq!(
        u["emails"],
        json!([{"value": "babs@jensen.org", "type": "home"}])
    );
}

#[test]
fn rfc7644_3_5_2_2_replace_all_members_by_remove_then_add() {
    let mut g = group();
    apply(
        &mut g,
        &ops(json!([
            {"op": "remove", "path": "members"},
            {"op": "add", "path": "members", "value": [babs_member(), james_member()]}
        ])),
    )
    .unwrap();
    assert_eq!(g["members"], json!([babs_member(), james_member()]));
}

#[test]
fn rfc7644_3_5_2_2_remove_without_path_is_no_target() {
    let mut u = full_user();
    assert_eq!(
        scim_type(apply(&mut u, &ops(json!([{"op": "remove"}])))),
        Some(ScimType::NoTarget)
    );
}

#[test]
fn rfc7644_3_5_2_2_remove_with_filter_matching_nothing_is_no_target() {
    let mut g = group();
    let r = apply(
        &mut g,
        &ops(json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}])),
    );
    assert_eq!(scim_type(r), Some(ScimType::NoTarget));
    let mut u = full_user();
    let r = apply(
        &mut u,
        &ops(json!([{"op": "remove", "path": "emails[type eq \"other\"]"}])),
    );
    assert_eq!(scim_type(r), Some(ScimType::NoTarget));
}

#[test]
fn rfc7644_3_5_2_2_remove_of_an_absent_attribute_is_a_no_op() {
    let mut u = minimal_user();
    let before = u.clone();
    let out = apply(&mut u, &ops(json!([{"op": "remove", "path": "nickName"}]))).unwrap();
    assert!(!out.changed);
    assert_eq!(u, before);
}

#[test]
fn rfc7644_3_5_2_2_removing_required_or_read_only_is_mutability() {
    for path in ["userName", "id", "meta", "groups", "meta.created"] {
        let mut u = full_user();
        let r = apply(&mut u, &ops(json!([{"op": "remove", "path": path}])));
        assert_eq!(scim_type(r), Some(ScimType::Mutability), "{path}");
    }
}

#[test]
fn rfc7644_3_5_2_2_remove_sub_attribute() {
    let mut u = full_user();
    apply(
        &mut u,
        &ops(json!([
            {"op": "remove", "path": "name.middleName"},
            {"op": "remove", "path": "addresses[type eq \"home\"].formatted"}
        ])),
    )
    .unwrap();
    assert!(u["name"].get("middleName").is_none());
    assert_eq!(u["name"]["givenName"], "Barbara");
    assert!(u["addresses"][1].get("formatted").is_none());
    assert_eq!(u["addresses"][1]["streetAddress"], "456 Hollywood Blvd");
}

// §3.5.2.3 Replace Operation

#[test]
fn rfc7644_3_5_2_3_replace_all_members() {
    let mut g = group();
    apply(
        &mut g,
        &ops(
            json!([{"op": "replace", "path": "members", "value": [babs_member(), james_member()]}]),
        ),
    )
    .unwrap();
    assert_eq!(g["members"], json!([babs_member(), james_member()]));
}

#[test]
fn rfc7644_3_5_2_3_replace_work_address() {
    let mut u = full_user();
    let work = json!({
        "type": "work",
        "streetAddress": "911 Universal City Plaza",
        "locality": "Hollywood",
        "region": "CA",
        "postalCode": "91608",
        "country": "US",
        "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
        "primary": true
    });
    apply(
        &mut u,
        &ops(json!([{"op": "replace", "path": "addresses[type eq \"work\"]", "value": work}])),
    )
    .unwrap();
    assert_eq!(u["addresses"][0], work);
    assert_eq!(u["addresses"][1]["type"], "home");
}

#[test]
fn rfc7644_3_5_2_3_replace_work_street_address() {
    let mut u = full_user();
    apply(
        &mut u,
        &ops(json!([{
            "op": "replace",
            "path": "addresses[type eq \"work\"].streetAddress",
            "value": "1010 Broadway Ave"
        }])),
    )
    .unwrap();
    assert_eq!(u["addresses"][0]["streetAddress"], "1010 Broadway Ave");
    assert_eq!(u["addresses"][0]["locality"], "Hollywood");
    assert_eq!(u["addresses"][1]["streetAddress"], "456 Hollywood Blvd");
}

#[test]
fn rfc7644_3_5_2_3_replace_without_path() {
    let mut u = full_user();
    apply(
        &mut u,
        &ops(json!([{
            "op": "replace",
            "value": {
                "emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"}
                ],
                "nickname": "Babs"
            }
        }])),
    )
    .unwrap();
    assert_eq!(u["emails"], full_user()["emails"]);
    assert_eq!(u["nickName"], "Babs");
    // and replacing with fewer values drops the others
    apply(
        &mut u,
        &ops(json!([{"op": "replace", "value": {"emails": [{"value": "x@y.org", "type": "other"}]}}])),
    )
    .unwrap();
    assert_eq!(u["emails"], json!([{"value": "x@y.org", "type": "other"}]));
}

#[test]
fn rfc7644_3_5_2_3_replace_with_unmatched_filter_is_no_target_in_strict_mode() {
    let mut u = full_user();
    let body = ops(
        json!([{"op": "replace", "path": "addresses[type eq \"other\"].locality", "value": "Paris"}]),
    );
    let r = apply_with(&mut u, &body, &scimitar::Compat::strict());
    assert_eq!(scim_type(r), Some(ScimType::NoTarget));
}

#[test]
fn rfc7644_3_5_2_3_replace_of_an_absent_attribute_adds_it() {
    let mut u = minimal_user();
    apply(
        &mut u,
        &ops(json!([{"op": "replace", "path": "name.givenName", "value": "Barbara"}])),
    )
    .unwrap();
    assert_eq!(u["name"], json!({"givenName": "Barbara"}));
}

#[test]
fn rfc7644_3_5_2_path_example_with_display_name_sub_attribute_is_invalid_path() {
    // §3.5.2's example path `members[value eq "…"].displayName`: members has no displayName
    // (it is `display`, RFC 7643 §4.2), so it names no attribute.
    let mut g = group();
    let path = format!("members[value eq \"{BABS}\"].displayName");
    let r = apply(
        &mut g,
        &ops(json!([{"op": "replace", "path": path, "value": "B"}])),
    );
    assert_eq!(scim_type(r), Some(ScimType::InvalidPath));
}

// rules of §3.5.2 the examples do not show

#[test]
fn primary_true_on_one_value_clears_it_on_the_others() {
    let mut u = full_user();
    apply(
        &mut u,
        &ops(json!([{"op": "add", "path": "emails", "value": [{"value": "b@new.org", "type": "other", "primary": true}]}])),
    )
    .unwrap();
    assert_eq!(u["emails"][0]["primary"], false);
    assert_eq!(u["emails"][2]["primary"], true);
    let mut u = full_user();
    apply(
        &mut u,
        &ops(json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}])),
    )
    .unwrap();
    assert_eq!(u["emails"][0]["primary"], false);
    assert_eq!(u["emails"][1]["primary"], true);
}

#[test]
fn two_primaries_in_one_value_list_are_invalid() {
    let mut u = full_user();
    let r = apply(
        &mut u,
        &ops(json!([{"op": "replace", "path": "emails", "value": [
            {"value": "a@x.org", "primary": true}, {"value": "b@x.org", "primary": true}
        ]}])),
    );
    assert_eq!(scim_type(r), Some(ScimType::InvalidValue));
}

#[test]
fn read_only_and_unknown_targets() {
    let cases = [
        (
            json!({"op": "replace", "path": "id", "value": "x"}),
            ScimType::Mutability,
        ),
        (
            json!({"op": "add", "path": "groups", "value": [{"value": "g"}]}),
            ScimType::Mutability,
        ),
        (
            json!({"op": "replace", "path": "meta.version", "value": "x"}),
            ScimType::Mutability,
        ),
        (
            json!({"op": "replace", "path": "schemas", "value": ["x"]}),
            ScimType::Mutability,
        ),
        (
            json!({"op": "replace", "value": {"meta": {"version": "x"}}}),
            ScimType::Mutability,
        ),
        (
            json!({"op": "add", "path": "__proto__", "value": {"x": 1}}),
            ScimType::InvalidPath,
        ),
        (
            json!({"op": "add", "path": "name.nope", "value": "x"}),
            ScimType::InvalidPath,
        ),
        (
            json!({"op": "add", "value": {"constructor": 1}}),
            ScimType::InvalidPath,
        ),
        (
            json!({"op": "add", "path": "userName[value eq \"x\"]", "value": "y"}),
            ScimType::InvalidPath,
        ),
        (
            json!({"op": "add", "path": "urn:x:y:z", "value": "y"}),
            ScimType::InvalidPath,
        ),
    ];
    for (op, want) in cases {
        let mut u = full_user();
        let r = apply_with(
            &mut u,
            &ops(json!([op.clone()])),
            &scimitar::Compat::strict(),
        );
        assert_eq!(scim_type(r), Some(want), "{op}");
    }
}

#[test]
fn write_only_password_is_accepted() {
    let mut u = minimal_user();
    apply(
        &mut u,
        &ops(json!([{"op": "replace", "path": "password", "value": "n3wSecret!"}])),
    )
    .unwrap();
    assert_eq!(u["password"], "n3wSecret!");
}

#[test]
fn immutable_values_can_only_be_set_when_unset() {
    // members' sub-attributes are immutable (RFC 7643 §8.7.1)
    let mut g = group();
    let path = format!("members[value eq \"{BABS}\"].display");
    let r = apply(
        &mut g,
        &ops(json!([{"op": "replace", "path": path, "value": "Barbara"}])),
    );
    assert_eq!(scim_type(r), Some(ScimType::Mutability));
    let path = format!("members[value eq \"{MANDY}\"].type");
    apply(
        &mut g,
        &ops(json!([{"op": "add", "path": path, "value": "User"}])),
    )
    .unwrap();
    assert_eq!(g["members"][1]["type"], "User");
}

#[test]
fn wrong_types_are_invalid_value_naming_the_path() {
    let cases = [
        json!({"op": "replace", "path": "active", "value": "maybe"}),
        json!({"op": "replace", "path": "userName", "value": 7}),
        json!({"op": "replace", "path": "name", "value": "Babs"}),
        json!({"op": "replace", "path": "emails[type eq \"work\"].primary", "value": "yes"}),
        json!({"op": "add", "path": "x509Certificates", "value": [{"value": "!!!"}]}),
        json!({"op": "add", "path": "emails", "value": [{"value": "a@b", "bogus": 1}]}),
        json!({"op": "replace", "path": "profileUrl", "value": false}),
    ];
    for op in cases {
        let mut u = full_user();
        let path = op.get("path").and_then(Value::as_str).unwrap().to_owned();
        let e = apply(&mut u, &ops(json!([op]))).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidValue), "{path}");
        assert!(e.detail().contains(&path), "{path}: {}", e.detail());
    }
}

#[test]
fn extension_values_live_under_the_urn_and_join_schemas() {
    let mut u = full_user();
    apply(
        &mut u,
        &ops(json!([{"op": "add", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "701984"}])),
    )
    .unwrap();
    assert_eq!(u[ENTERPRISE], json!({"employeeNumber": "701984"}));
    assert_eq!(
        u["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE])
    );
    // removing its last value removes the extension and its URN
    apply(
        &mut u,
        &ops(json!([{"op": "remove", "path": format!("{ENTERPRISE}:employeeNumber")}])),
    )
    .unwrap();
    assert_eq!(u, full_user());
}

#[test]
fn whole_extension_paths() {
    let mut u = enterprise_user();
    apply(
        &mut u,
        &ops(json!([{"op": "replace", "path": ENTERPRISE, "value": {"department": "Retail"}}])),
    )
    .unwrap();
    assert_eq!(u[ENTERPRISE]["department"], "Retail");
    assert_eq!(u[ENTERPRISE]["employeeNumber"], "701984");
    apply(&mut u, &ops(json!([{"op": "remove", "path": ENTERPRISE}]))).unwrap();
    assert!(u.get(ENTERPRISE).is_none());
    assert_eq!(
        u["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User"])
    );
}
