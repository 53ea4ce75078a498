//! What real clients send that the RFC does not allow, accepted by the typed resources
//! (CLIENTS.md): each test is named after the client.

use scimitar::resource::{Group, Manager, User, lenient};
use serde_json::json;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[test]
fn entra_active_and_primary_as_strings() {
    let u = User::from_json(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": "False",
        "emails": [{"primary": "True", "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
        "addresses": [{"type": "work", "primary": "false", "country": "US"}]
    }))
    .unwrap();
    assert_eq!(u.active, Some(false));
    assert!(!u.is_active());
    assert!(u.emails[0].is_primary());
    assert_eq!(u.addresses[0].primary, Some(false));
    // Written back as real booleans.
    let v = u.to_json();
    assert_eq!(v["active"], json!(false));
    assert_eq!(v["emails"][0]["primary"], json!(true));
}

#[test]
fn entra_manager_as_bare_id() {
    let u = User::from_json(json!({
        "userName": "a",
        ENTERPRISE: {"department": "Retail", "manager": "26118915-6090-4610-87e4-49d8ca9f808d"}
    }))
    .unwrap();
    let m = u.enterprise().unwrap().manager.as_ref().unwrap();
    assert_eq!(m, &Manager::new("26118915-6090-4610-87e4-49d8ca9f808d"));
    assert_eq!(
        u.to_json()[ENTERPRISE]["manager"],
        json!({"value": "26118915-6090-4610-87e4-49d8ca9f808d"})
    );
}

#[test]
fn entra_manager_cleared_with_empty_string() {
    let u = User::from_json(json!({"userName": "a", ENTERPRISE: {"manager": ""}})).unwrap();
    assert!(u.enterprise().unwrap().manager.is_none());
}

#[test]
fn entra_group_member_with_null_ref() {
    let g = Group::from_json(json!({
        "displayName": "Sales",
        "members": [{"$ref": null, "value": "u1"}, {"$ref": null, "value": "u2"}]
    }))
    .unwrap();
    assert_eq!(g.member_ids().collect::<Vec<_>>(), ["u1", "u2"]);
    assert_eq!(g.to_json()["members"][0], json!({"value": "u1"}));
}

#[test]
fn null_multi_valued_attributes_are_empty() {
    let u =
        User::from_json(json!({"userName": "a", "emails": null, "groups": null, "schemas": null}))
            .unwrap();
    assert!(u.emails.is_empty());
    assert_eq!(u.schemas(), ["urn:ietf:params:scim:schemas:core:2.0:User"]);
}

#[test]
fn okta_group_member_without_type() {
    let g = Group::from_json(
        json!({"displayName": "Eng", "members": [{"value": "00u1", "display": "a@b"}]}),
    )
    .unwrap();
    assert_eq!(g.members[0].kind, None);
    assert!(!g.members[0].is_group());
}

#[test]
fn value_level_helpers_for_patch() {
    assert_eq!(lenient::bool_value(&json!("True")), Some(true));
    assert_eq!(lenient::bool_value(&json!(false)), Some(false));
    assert_eq!(lenient::bool_value(&json!("maybe")), None);
    assert_eq!(lenient::manager_value(json!("m")), json!({"value": "m"}));
}

#[test]
fn non_boolean_strings_are_still_rejected() {
    let e = User::from_json(json!({"userName": "a", "active": "yes"})).unwrap_err();
    assert!(e.detail().starts_with("User.active:"), "{}", e.detail());
}

#[test]
fn strict_compat_refuses_boolean_strings() {
    use scimitar::Compat;
    let strict = Compat::strict();
    let e = User::from_json_with(json!({"userName": "a", "active": "False"}), &strict).unwrap_err();
    assert_eq!(e.scim_type(), Some(scimitar::ScimType::InvalidValue));
    assert!(e.detail().starts_with("User.active:"), "{}", e.detail());
    let e = User::from_json_with(
        json!({"userName": "a", "addresses": [{}, {"primary": "True"}]}),
        &strict,
    )
    .unwrap_err();
    assert!(
        e.detail().starts_with("User.addresses[1].primary:"),
        "{}",
        e.detail()
    );
    // Real booleans are fine in strict mode, and one switch turns the quirk back on.
    assert!(User::from_json_with(json!({"userName": "a", "active": false}), &strict).is_ok());
    let mut compat = Compat::strict();
    compat.boolean_strings = true;
    let u = User::from_json_with(json!({"userName": "a", "active": "False"}), &compat).unwrap();
    assert_eq!(u.active, Some(false));
}

#[test]
fn strict_compat_refuses_bare_manager() {
    use scimitar::Compat;
    let body = json!({"userName": "a", ENTERPRISE: {"manager": "m1"}});
    let e = User::from_json_with(body.clone(), &Compat::strict()).unwrap_err();
    assert!(e.detail().contains("manager"), "{}", e.detail());
    let mut compat = Compat::strict();
    compat.complex_as_bare_value = true;
    assert!(User::from_json_with(body, &compat).is_ok());
    let ok = json!({"userName": "a", ENTERPRISE: {"manager": {"value": "m1"}}});
    assert!(User::from_json_with(ok, &Compat::strict()).is_ok());
}
