//! Replays of the PATCH bodies Microsoft Entra ID and Okta send (shared/CLIENTS.md), each
//! asserting the resulting resource, and one strict-mode test per [`Compat`] switch showing the
//! deviation is refused when the switch is off.

use super::patch_common::*;
use scimitar::patch::{PatchLimits, PatchRequest};
use scimitar::{Compat, ScimType};
use serde_json::{Value, json};

const MANAGER_ID: &str = "26118915-6090-4610-87e4-49d8ca9f808d";

/// The §8.1 minimal user as Entra creates it, plus a work email and a group to patch.
fn entra_user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "adele@contoso.com",
        "active": true,
        "displayName": "Adele Vance",
        "emails": [{"type": "work", "value": "adele@contoso.com", "primary": true}]
    })
}

fn entra_group() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Sales",
        "externalId": "8aa1a0c0-c4c3-4bc0-99a8-42e35da8f1c4",
        "members": [{"value": "u1"}, {"value": "u2"}, {"value": "u3"}]
    })
}

/// One Entra operation, wrapped as Entra wraps it.
fn entra(op: Value) -> Value {
    ops(json!([op]))
}

fn member_ids(g: &Value) -> Vec<&str> {
    g["members"]
        .as_array()
        .map(|a| a.iter().map(|m| m["value"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

fn err_type(r: Result<scimitar::patch::PatchOutcome, scimitar::Error>) -> Option<ScimType> {
    r.unwrap_err().scim_type()
}

// Microsoft Entra ID, default (non-RFC) forms

#[test]
fn entra_replace_display_name_capitalised_op() {
    let mut u = entra_user();
    apply(
        &mut u,
        &entra(json!({"op": "Replace", "path": "displayName", "value": "Adele V."})),
    )
    .unwrap();
    assert_eq!(u["displayName"], "Adele V.");
}

#[test]
fn entra_add_nick_name() {
    let mut u = entra_user();
    apply(
        &mut u,
        &entra(json!({"op": "Add", "path": "nickName", "value": "Babs"})),
    )
    .unwrap();
    assert_eq!(u["nickName"], "Babs");
}

#[test]
fn entra_replace_work_email_value() {
    let mut u = entra_user();
    apply(
        &mut u,
        &entra(json!({"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@contoso.com"})),
    )
    .unwrap();
    assert_eq!(
        u["emails"],
        json!([{"type": "work", "value": "new@contoso.com", "primary": true}])
    );
}

#[test]
fn entra_replace_work_email_creates_it_when_missing() {
    let mut u = minimal_user();
    apply(
        &mut u,
        &entra(json!({"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@contoso.com"})),
    )
    .unwrap();
    assert_eq!(
        u["emails"],
        json!([{"type": "work", "value": "new@contoso.com"}])
    );
    // and a second attribute of the same element lands in it, not in a new one
    apply(
        &mut u,
        &entra(
            json!({"op": "Replace", "path": "emails[type eq \"work\"].primary", "value": "True"}),
        ),
    )
    .unwrap();
    assert_eq!(
        u["emails"],
        json!([{"type": "work", "value": "new@contoso.com", "primary": true}])
    );
}

#[test]
fn entra_replace_work_address_fields_create_the_address() {
    let mut u = minimal_user();
    let body = ops(json!([
        {"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Microsoft Way"},
        {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Redmond"},
        {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"},
        {"op": "Replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": "+1 555 0101"}
    ]));
    apply(&mut u, &body).unwrap();
    assert_eq!(
        u["addresses"],
        json!([{"type": "work", "streetAddress": "1 Microsoft Way", "locality": "Redmond"}])
    );
    assert_eq!(
        u["phoneNumbers"],
        json!([{"type": "mobile", "value": "+1 555 0100"}, {"type": "fax", "value": "+1 555 0101"}])
    );
}

#[test]
fn entra_replace_active_false_string() {
    let mut u = entra_user();
    apply(
        &mut u,
        &entra(json!({"op": "Replace", "path": "active", "value": "False"})),
    )
    .unwrap();
    assert_eq!(u["active"], false);
    apply(
        &mut u,
        &entra(json!({"op": "Replace", "path": "active", "value": "True"})),
    )
    .unwrap();
    assert_eq!(u["active"], true);
}

#[test]
fn entra_replace_enterprise_department() {
    let mut u = entra_user();
    apply(
        &mut u,
        &entra(
            json!({"op": "Replace", "path": format!("{ENTERPRISE}:department"), "value": "Retail"}),
        ),
    )
    .unwrap();
    assert_eq!(u[ENTERPRISE], json!({"department": "Retail"}));
    assert_eq!(u["schemas"][1], ENTERPRISE);
}

#[test]
fn entra_add_manager_bare_id() {
    let mut u = entra_user();
    apply(
        &mut u,
        &entra(json!({"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": MANAGER_ID})),
    )
    .unwrap();
    assert_eq!(u[ENTERPRISE]["manager"], json!({"value": MANAGER_ID}));
    // a new manager replaces the old one entirely (no stale displayName/$ref)
    let mut e = enterprise_user();
    apply(
        &mut e,
        &entra(json!({"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": "m2"})),
    )
    .unwrap();
    assert_eq!(e[ENTERPRISE]["manager"], json!({"value": "m2"}));
}

#[test]
fn entra_remove_manager() {
    let mut e = enterprise_user();
    apply(
        &mut e,
        &entra(json!({"op": "Remove", "path": format!("{ENTERPRISE}:manager")})),
    )
    .unwrap();
    assert!(e[ENTERPRISE].get("manager").is_none());
    assert_eq!(e[ENTERPRISE]["department"], "Tour Operations");
}

#[test]
fn entra_replace_manager_empty_string_clears() {
    let mut e = enterprise_user();
    apply(
        &mut e,
        &entra(json!({"op": "Replace", "path": format!("{ENTERPRISE}:manager"), "value": ""})),
    )
    .unwrap();
    assert!(e[ENTERPRISE].get("manager").is_none());
    // null clears too, and clearing the last extension value drops the extension
    let mut u = entra_user();
    apply(
        &mut u,
        &entra(json!({"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": MANAGER_ID})),
    )
    .unwrap();
    apply(
        &mut u,
        &entra(json!({"op": "Replace", "path": format!("{ENTERPRISE}:manager"), "value": null})),
    )
    .unwrap();
    assert_eq!(u, entra_user());
}

#[test]
fn entra_replace_null_or_empty_clears_plain_attributes() {
    let mut u = entra_user();
    apply(
        &mut u,
        &ops(json!([
            {"op": "Replace", "path": "displayName", "value": ""},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": null},
            {"op": "Replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": ""}
        ])),
    )
    .unwrap();
    assert!(u.get("displayName").is_none());
    assert_eq!(u["emails"], json!([{"type": "work", "primary": true}]));
    assert!(u.get("phoneNumbers").is_none());
}

#[test]
fn entra_remove_members_value_list() {
    let mut g = entra_group();
    apply(
        &mut g,
        &entra(
            json!({"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u2"}]}),
        ),
    )
    .unwrap();
    assert_eq!(member_ids(&g), ["u1", "u3"]);
}

#[test]
fn entra_add_members_value_list() {
    let mut g = entra_group();
    apply(
        &mut g,
        &entra(json!({"op": "Add", "path": "members", "value": [
            {"$ref": null, "value": "u3"}, {"$ref": null, "value": "u4"}, {"$ref": null, "value": "u5"}
        ]})),
    )
    .unwrap();
    assert_eq!(member_ids(&g), ["u1", "u2", "u3", "u4", "u5"]);
    assert_eq!(g["members"][3], json!({"value": "u4"}));
}

#[test]
fn entra_create_group_then_add_members_to_empty_list() {
    let mut g = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"],
        "id": "g1", "displayName": "Sales", "members": []
    });
    apply(
        &mut g,
        &entra(json!({"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u1"}]})),
    )
    .unwrap();
    assert_eq!(member_ids(&g), ["u1"]);
}

// Microsoft Entra ID with the aadOptscim062020 flag (RFC forms)

#[test]
fn entra_optscim_pathless_replace_dotted_and_urn_keys() {
    let mut u = entra_user();
    apply(
        &mut u,
        &entra(json!({"op": "replace", "value": {
            "name.givenName": "Adele",
            "name.familyName": "Vance",
            format!("{ENTERPRISE}:employeeNumber"): "7",
            format!("{ENTERPRISE}:manager"): {"value": MANAGER_ID},
            "active": false
        }})),
    )
    .unwrap();
    assert_eq!(
        u["name"],
        json!({"givenName": "Adele", "familyName": "Vance"})
    );
    assert_eq!(
        u[ENTERPRISE],
        json!({"employeeNumber": "7", "manager": {"value": MANAGER_ID}})
    );
    assert_eq!(u["active"], false);
}

#[test]
fn entra_optscim_pathless_replace_with_extension_object() {
    let mut u = entra_user();
    apply(
        &mut u,
        &entra(json!({"op": "replace", "value": {ENTERPRISE: {"department": "Retail", "costCenter": "4130"}}})),
    )
    .unwrap();
    assert_eq!(
        u[ENTERPRISE],
        json!({"department": "Retail", "costCenter": "4130"})
    );
}

/// scim2-tester (and SDKs built on typed models) serialise an extension as a resource of its own,
/// with `schemas` inside, when they PATCH the whole extension by its URN.
#[test]
fn scim2_tester_add_whole_extension_with_schemas_inside() {
    let mut u = entra_user();
    apply(
        &mut u,
        &json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": ENTERPRISE, "value": {
            "schemas": [ENTERPRISE], "employeeNumber": "42", "division": "R&D"
        }}]}),
    )
    .unwrap();
    assert_eq!(u[ENTERPRISE]["employeeNumber"], "42");
    assert_eq!(u[ENTERPRISE]["division"], "R&D");
    assert!(u[ENTERPRISE].get("schemas").is_none());
    // a `schemas` naming a schema the resource type lacks is still refused
    let before = u.clone();
    let r = apply(
        &mut u,
        &json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": ENTERPRISE, "value": {
            "schemas": ["urn:example:not-ours"], "employeeNumber": "43"
        }}]}),
    );
    assert_eq!(err_type(r), Some(ScimType::InvalidValue));
    assert_eq!(u, before);
}

#[test]
fn entra_optscim_remove_member_filter() {
    let mut g = entra_group();
    apply(
        &mut g,
        &entra(json!({"op": "remove", "path": "members[value eq \"u1\"]"})),
    )
    .unwrap();
    assert_eq!(member_ids(&g), ["u2", "u3"]);
}

#[test]
fn entra_optscim_real_booleans() {
    let mut u = entra_user();
    apply(
        &mut u,
        &entra(json!({"op": "replace", "path": "active", "value": false})),
    )
    .unwrap();
    assert_eq!(u["active"], false);
}

// Okta

#[test]
fn okta_deactivate_pathless_replace() {
    let mut u = entra_user();
    apply(
        &mut u,
        &entra(json!({"op": "replace", "value": {"active": false}})),
    )
    .unwrap();
    assert_eq!(u["active"], false);
    let mut expected = entra_user();
    expected["active"] = json!(false);
    assert_eq!(u, expected);
}

#[test]
fn okta_group_rename_with_id_in_value() {
    let mut g = entra_group();
    apply(
        &mut g,
        &entra(json!({"op": "replace", "value": {"id": "e9e30dba-f08f-4109-8486-d5c6a331660a", "displayName": "Sales EMEA"}})),
    )
    .unwrap();
    assert_eq!(g["displayName"], "Sales EMEA");
    assert_eq!(g["id"], "e9e30dba-f08f-4109-8486-d5c6a331660a");
}

#[test]
fn okta_add_member_without_type() {
    let mut g = entra_group();
    g["members"][0]["type"] = json!("User");
    apply(
        &mut g,
        &entra(json!({"op": "add", "path": "members", "value": [
            {"value": "u1", "display": "user1@example.com"},
            {"value": "u9", "display": "user9@example.com"}
        ]})),
    )
    .unwrap();
    assert_eq!(member_ids(&g), ["u1", "u2", "u3", "u9"]);
    // u1 is the same member (no type given matches any type): not duplicated
    assert_eq!(
        g["members"][0],
        json!({"value": "u1", "type": "User", "display": "user1@example.com"})
    );
    assert_eq!(
        g["members"][3],
        json!({"value": "u9", "display": "user9@example.com"})
    );
}

// every Compat switch can be turned off

fn strict_err(resource: &mut Value, body: Value, compat: Compat) -> Option<ScimType> {
    let before = resource.clone();
    let r = apply_with(resource, &body, &compat);
    assert_eq!(*resource, before);
    err_type(r)
}

#[test]
fn strict_refuses_capitalized_op_names() {
    let body = entra(json!({"op": "Replace", "path": "displayName", "value": "x"}));
    let mut c = Compat::default();
    c.capitalized_op_names = false;
    assert_eq!(
        strict_err(&mut entra_user(), body, c),
        Some(ScimType::InvalidSyntax)
    );
}

#[test]
fn strict_refuses_boolean_strings() {
    let body = entra(json!({"op": "replace", "path": "active", "value": "False"}));
    let mut c = Compat::default();
    c.boolean_strings = false;
    assert_eq!(
        strict_err(&mut entra_user(), body, c),
        Some(ScimType::InvalidValue)
    );
}

#[test]
fn strict_refuses_remove_with_value_list() {
    let body = entra(json!({"op": "remove", "path": "members", "value": [{"value": "u2"}]}));
    let mut c = Compat::default();
    c.remove_with_value_list = false;
    assert_eq!(
        strict_err(&mut entra_group(), body, c),
        Some(ScimType::InvalidSyntax)
    );
}

#[test]
fn strict_refuses_complex_as_bare_value() {
    let body =
        entra(json!({"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": MANAGER_ID}));
    let mut c = Compat::default();
    c.complex_as_bare_value = false;
    assert_eq!(
        strict_err(&mut entra_user(), body, c),
        Some(ScimType::InvalidValue)
    );
}

#[test]
fn strict_refuses_null_or_empty_clears() {
    let mut c = Compat::default();
    c.null_or_empty_clears = false;
    let body =
        entra(json!({"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": null}));
    assert_eq!(
        strict_err(&mut enterprise_user(), body, c),
        Some(ScimType::InvalidValue)
    );
    let body = entra(json!({"op": "replace", "path": "displayName", "value": null}));
    assert_eq!(
        strict_err(&mut entra_user(), body, c),
        Some(ScimType::InvalidValue)
    );
    // "" is an ordinary string then
    let mut u = entra_user();
    apply_with(
        &mut u,
        &entra(json!({"op": "replace", "path": "displayName", "value": ""})),
        &c,
    )
    .unwrap();
    assert_eq!(u["displayName"], "");
}

#[test]
fn strict_refuses_id_in_values() {
    let body = entra(
        json!({"op": "replace", "value": {"id": "e9e30dba-f08f-4109-8486-d5c6a331660a", "displayName": "x"}}),
    );
    let mut c = Compat::default();
    c.ignore_id_in_values = false;
    assert_eq!(
        strict_err(&mut entra_group(), body, c),
        Some(ScimType::Mutability)
    );
}

#[test]
fn strict_refuses_pathless_path_keys() {
    let mut c = Compat::default();
    c.pathless_path_keys = false;
    let body = entra(json!({"op": "replace", "value": {"name.givenName": "A"}}));
    assert_eq!(
        strict_err(&mut entra_user(), body, c),
        Some(ScimType::InvalidPath)
    );
    let body =
        entra(json!({"op": "replace", "value": {format!("{ENTERPRISE}:employeeNumber"): "7"}}));
    assert_eq!(
        strict_err(&mut entra_user(), body, c),
        Some(ScimType::InvalidPath)
    );
}

#[test]
fn strict_refuses_missing_patch_schema() {
    let body = json!({"Operations": [{"op": "replace", "path": "displayName", "value": "x"}]});
    let mut c = Compat::default();
    c.missing_patch_schema = false;
    assert_eq!(
        strict_err(&mut entra_user(), body.clone(), c),
        Some(ScimType::InvalidSyntax)
    );
    let mut u = entra_user();
    apply(&mut u, &body).unwrap();
    assert_eq!(u["displayName"], "x");
}

#[test]
fn strict_refuses_replace_creating_filtered_value() {
    let body =
        entra(json!({"op": "replace", "path": "emails[type eq \"home\"].value", "value": "a@b.c"}));
    let mut c = Compat::default();
    c.replace_creates_filtered_value = false;
    assert_eq!(
        strict_err(&mut entra_user(), body, c),
        Some(ScimType::NoTarget)
    );
    // add still creates it (RFC 7644 §3.5.2.1)
    let mut u = entra_user();
    let add =
        entra(json!({"op": "add", "path": "emails[type eq \"home\"].value", "value": "a@b.c"}));
    apply_with(&mut u, &add, &c).unwrap();
    assert_eq!(u["emails"][1], json!({"type": "home", "value": "a@b.c"}));
}

#[test]
fn strict_profile_turns_the_content_type_switch_off() {
    // read by the server layer; here only its setting is checked
    assert!(Compat::default().json_content_type);
    assert!(!Compat::strict().json_content_type);
}

#[test]
fn strict_profile_accepts_the_rfc_forms() {
    let mut u = entra_user();
    let body = ops(json!([
        {"op": "replace", "path": "active", "value": false},
        {"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": {"value": MANAGER_ID}},
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x@contoso.com"}
    ]));
    let req = PatchRequest::from_slice(
        &serde_json::to_vec(&body).unwrap(),
        &Compat::strict(),
        &PatchLimits::default(),
    )
    .unwrap();
    req.apply(&mut u, &scimitar::schema::ResourceSchema::user())
        .unwrap();
    assert_eq!(u["active"], false);
    assert_eq!(u["emails"][0]["value"], "x@contoso.com");
}
