//! Group PATCH as a member delta: every member form of Entra ID, Okta and RFC 7644 §3.5.2, and
//! the delta applied to a whole group agrees with the whole-resource engine.

use super::patch_common::*;
use scimitar::patch::{GroupPatch, MemberChange, MemberRef, PatchLimits, PatchRequest};
use scimitar::schema::ResourceSchema;
use scimitar::{Compat, ScimType};
use serde_json::{Value, json};

fn decode(body: &Value) -> PatchRequest {
    PatchRequest::from_value(body.clone(), &Compat::default(), &PatchLimits::default()).unwrap()
}

fn delta(body: &Value) -> Option<GroupPatch> {
    decode(body).group_delta(&ResourceSchema::group()).unwrap()
}

fn ids(list: &[MemberRef]) -> Vec<&str> {
    list.iter().map(|m| m.value.as_str()).collect()
}

fn members(n: usize) -> Value {
    Value::Array((0..n).map(|i| json!({"value": format!("u{i}")})).collect())
}

fn a_group() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g", "displayName": "Sales", "members": members(5)
    })
}

#[test]
fn entra_add_and_remove_member_lists_become_a_delta() {
    let d = delta(&ops(json!([
        {"op": "Add", "path": "members", "value": [{"$ref": null, "value": "a"}, {"$ref": null, "value": "b"}]},
        {"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u1"}]}
    ])))
    .unwrap();
    let MemberChange::Delta { remove, add } = &d.members else {
        panic!("{d:?}")
    };
    assert_eq!(remove, &["u1"]);
    assert_eq!(ids(add), ["a", "b"]);
    assert_eq!(d.display_name, None);
    assert!(d.rest.is_none());
}

#[test]
fn rfc_filter_removals_and_or_chains_become_a_delta() {
    let d = delta(&ops(json!([
        {"op": "remove", "path": "members[value eq \"u1\"]"},
        {"op": "remove", "path": "members[value eq \"u2\" or value eq \"u3\"]"}
    ])))
    .unwrap();
    assert_eq!(
        d.members,
        MemberChange::Delta {
            remove: vec!["u1".into(), "u2".into(), "u3".into()],
            add: vec![]
        }
    );
}

#[test]
fn add_then_remove_cancels_the_add_and_remove_then_add_keeps_both() {
    let d = delta(&ops(json!([
        {"op": "add", "path": "members", "value": [{"value": "x"}]},
        {"op": "remove", "path": "members[value eq \"X\"]"},
        {"op": "remove", "path": "members[value eq \"y\"]"},
        {"op": "add", "path": "members", "value": [{"value": "y", "display": "Y"}]}
    ])))
    .unwrap();
    let MemberChange::Delta { remove, add } = &d.members else {
        panic!("{d:?}")
    };
    assert_eq!(remove, &["X", "y"]);
    assert_eq!(ids(add), ["y"]);
}

#[test]
fn replace_and_remove_all_give_the_whole_list() {
    let d = delta(&ops(json!([
        {"op": "replace", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
        {"op": "add", "path": "members", "value": [{"value": "c"}]},
        {"op": "remove", "path": "members[value eq \"a\"]"}
    ])))
    .unwrap();
    let MemberChange::Replace(list) = &d.members else {
        panic!("{d:?}")
    };
    assert_eq!(ids(list), ["b", "c"]);
    let d = delta(&ops(json!([{"op": "remove", "path": "members"}]))).unwrap();
    assert_eq!(d.members, MemberChange::Replace(vec![]));
}

#[test]
fn okta_pathless_replace_with_id_display_name_and_members() {
    let d = delta(&ops(json!([{"op": "replace", "value": {
        "id": "g", "displayName": "Sales EMEA", "externalId": "x1",
        "members": [{"value": "a", "display": "a@example.com"}]
    }}])))
    .unwrap();
    assert_eq!(d.display_name.as_deref(), Some("Sales EMEA"));
    assert_eq!(d.external_id, Some(Some("x1".into())));
    let MemberChange::Replace(list) = &d.members else {
        panic!("{d:?}")
    };
    assert_eq!(list[0].display.as_deref(), Some("a@example.com"));
}

#[test]
fn checks_values_and_mutability_like_the_engine() {
    let s = ResourceSchema::group();
    let check = |body: Value| decode(&body).group_delta(&s).unwrap_err().scim_type();
    assert_eq!(
        check(ops(json!([{"op": "remove", "path": "displayName"}]))),
        Some(ScimType::Mutability)
    );
    assert_eq!(
        check(ops(
            json!([{"op": "replace", "path": "displayName", "value": 5}])
        )),
        Some(ScimType::InvalidValue)
    );
    assert_eq!(
        check(ops(
            json!([{"op": "add", "path": "members", "value": [{"display": "no id"}]}])
        )),
        Some(ScimType::InvalidValue)
    );
    assert_eq!(
        check(ops(json!([{"op": "add", "path": "nope", "value": 1}]))),
        Some(ScimType::InvalidPath)
    );
    assert_eq!(
        check(ops(
            json!([{"op": "replace", "path": "meta.version", "value": "x"}])
        )),
        Some(ScimType::Mutability)
    );
}

#[test]
fn forms_the_delta_cannot_express_answer_none() {
    for op in [
        json!({"op": "remove", "path": "members[type eq \"Group\"]"}),
        json!({"op": "replace", "path": "members[value eq \"u1\"]", "value": {"value": "u1"}}),
        json!({"op": "remove", "path": "members.display"}),
    ] {
        assert!(delta(&ops(json!([op.clone()]))).is_none(), "{op}");
    }
}

#[test]
fn the_delta_applied_to_the_group_equals_the_whole_resource_engine() {
    let s = ResourceSchema::group();
    let bodies = [
        ops(json!([{"op": "Add", "path": "members", "value": [{"value": "a"}, {"value": "u2"}]}])),
        ops(json!([{"op": "remove", "path": "members[value eq \"u3\"]"},
                   {"op": "add", "path": "members", "value": [{"value": "u3", "type": "User"}]}])),
        ops(
            json!([{"op": "Remove", "path": "members", "value": [{"value": "u0"}, {"value": "u4"}]},
                   {"op": "Replace", "path": "displayName", "value": "Sales EMEA"}]),
        ),
        ops(
            json!([{"op": "replace", "value": {"id": "g", "displayName": "X", "externalId": "e"}}]),
        ),
        ops(
            json!([{"op": "replace", "path": "members", "value": [{"value": "z"}]},
                   {"op": "remove", "path": "externalId"}]),
        ),
        ops(json!([{"op": "remove", "path": "members"}])),
    ];
    for body in bodies {
        let req = decode(&body);
        let mut whole = a_group();
        req.apply(&mut whole, &s).unwrap();
        let mut via_delta = a_group();
        req.group_delta(&s)
            .unwrap()
            .unwrap()
            .apply_to(&mut via_delta, &s)
            .unwrap();
        assert_eq!(via_delta, whole, "{body}");
    }
}

#[test]
fn the_delta_ignores_the_group_size() {
    // the delta is computed from the request alone: the same for any group
    let body = ops(json!([{"op": "remove", "path": "members[value eq \"u7\"]"}]));
    let d = delta(&body).unwrap();
    for n in [10, 10_000] {
        let mut g = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                           "id": "g", "displayName": "G", "members": members(n)});
        d.apply_to(&mut g, &ResourceSchema::group()).unwrap();
        assert_eq!(g["members"].as_array().unwrap().len(), n - 1);
    }
}

#[test]
fn a_failing_delta_leaves_the_group_unchanged() {
    let s = ResourceSchema::group();
    // `rest` holds what the delta does not interpret (here a path-less `schemas`); when it
    // fails on the group, the member change is not applied either
    let req = decode(&ops(json!([
        {"op": "add", "path": "members", "value": [{"value": "new"}]},
        {"op": "add", "value": {"schemas": ["urn:x:unknown"]}}
    ])));
    let d = req.group_delta(&s).unwrap().unwrap();
    assert!(d.rest.is_some());
    let mut g = a_group();
    let before = g.clone();
    assert_eq!(
        d.apply_to(&mut g, &s).unwrap_err().scim_type(),
        Some(ScimType::InvalidValue)
    );
    assert_eq!(g, before);
}
