//! Validation for create, replace and whole-resource checks over the RFC 7643 §8 examples
//! (RFC 7643 §2.2, §2.3, §7; RFC 7644 §3.3, §3.5.1).

use scimitar::query::validate::{self, CanonicalValues, UnknownAttributes, ValidateOptions};
use scimitar::schema::{
    Attribute, AttributeType, ENTERPRISE_USER_SCHEMA, Mutability, ResourceSchema, Schema,
    SchemaRegistry, USER_SCHEMA,
};
use scimitar::{AttrPath, ScimType};
use serde_json::{Value, json};

const MINIMAL_USER: &str = include_str!("../data/rfc7643/minimal_user.json");
const FULL_USER: &str = include_str!("../data/rfc7643/full_user.json");
const ENTERPRISE_USER: &str = include_str!("../data/rfc7643/enterprise_user.json");
const GROUP: &str = include_str!("../data/rfc7643/group.json");

fn load(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn users() -> ResourceSchema {
    ResourceSchema::user()
}

fn lenient() -> ValidateOptions {
    ValidateOptions::default()
}

fn create(mut body: Value) -> Result<Value, scimitar::Error> {
    validate::for_create(&mut body, &users(), &lenient()).map(|()| body)
}

fn create_err(body: Value) -> scimitar::Error {
    create(body).expect_err("must be rejected")
}

#[test]
fn rfc_examples_validate_for_create_with_read_only_values_removed() {
    for text in [MINIMAL_USER, FULL_USER, ENTERPRISE_USER] {
        let original = load(text);
        let body = create(original.clone()).unwrap();
        assert!(body.get("id").is_none(), "id is readOnly");
        assert!(body.get("meta").is_none(), "meta is readOnly");
        assert!(body.get("groups").is_none(), "groups is readOnly");
        assert_eq!(body["userName"], original["userName"]);
        // writeOnly password is accepted on create
        assert_eq!(body.get("password"), original.get("password"));
    }
    let ent = create(load(ENTERPRISE_USER)).unwrap();
    let manager = &ent[ENTERPRISE_USER_SCHEMA]["manager"];
    assert!(
        manager.get("displayName").is_none(),
        "manager.displayName is readOnly"
    );
    assert_eq!(manager["value"], "26118915-6090-4610-87e4-49d8ca9f808d");

    let mut group = load(GROUP);
    validate::for_create(&mut group, &ResourceSchema::group(), &lenient()).unwrap();
    assert_eq!(group["members"][0]["display"], "Babs Jensen");
    assert!(group.get("id").is_none());
}

#[test]
fn stored_rfc_examples_pass_check_unchanged() {
    for text in [MINIMAL_USER, FULL_USER, ENTERPRISE_USER] {
        let user = load(text);
        validate::check(&user, &users(), &ValidateOptions::strict()).unwrap();
    }
    validate::check(
        &load(GROUP),
        &ResourceSchema::group(),
        &ValidateOptions::strict(),
    )
    .unwrap();
}

#[test]
fn required_attributes() {
    let e = create_err(json!({"schemas": [USER_SCHEMA], "displayName": "x"}));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert!(e.detail().contains("userName"), "{}", e.detail());
    for empty in [json!(""), json!(null)] {
        let e = create_err(json!({"schemas": [USER_SCHEMA], "userName": empty}));
        assert!(e.detail().contains("userName"));
    }
    let groups = ResourceSchema::group();
    let mut g = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "members": []});
    let e = validate::for_create(&mut g, &groups, &lenient()).unwrap_err();
    assert!(e.detail().contains("displayName"));
}

#[test]
fn wrong_types_name_the_attribute_path() {
    let cases = [
        (json!({"active": "yes"}), "active"),
        (
            json!({"emails": [{"value": "a@b"}, {"value": 7}]}),
            "emails[1].value",
        ),
        (json!({"name": "Barbara"}), "name"),
        (json!({"name": {"givenName": ["a"]}}), "name.givenName"),
        (json!({"emails": [[{"value": "a@b"}]]}), "emails[0]"),
        (
            json!({"x509Certificates": [{"value": "%%%"}]}),
            "x509Certificates[0].value",
        ),
        (json!({"profileUrl": 5}), "profileUrl"),
        (json!({"userType": {"a": 1}}), "userType"),
        (
            json!({ENTERPRISE_USER_SCHEMA: {"employeeNumber": 701984}}),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        ),
        (
            json!({ENTERPRISE_USER_SCHEMA: {"manager": {"value": true}}}),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ),
        (json!({ENTERPRISE_USER_SCHEMA: "x"}), ENTERPRISE_USER_SCHEMA),
    ];
    for (extra, path) in cases {
        let mut body = json!({"schemas": [USER_SCHEMA], "userName": "bjensen"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let e = create_err(body);
        assert_eq!(e.scim_type(), Some(ScimType::InvalidValue), "{path}");
        assert_eq!(e.status(), 400);
        assert!(
            e.detail().contains(&format!("\"{path}\"")),
            "{path}: {}",
            e.detail()
        );
    }
}

#[test]
fn scalar_types_of_a_custom_schema() {
    let urn = "urn:example:scim:schemas:core:1.0:Meter";
    let mut reg = SchemaRegistry::empty();
    reg.register_schema(Schema::new(
        urn,
        "Meter",
        "",
        vec![
            Attribute::new("count", AttributeType::Integer),
            Attribute::new("ratio", AttributeType::Decimal),
            Attribute::new("since", AttributeType::DateTime),
            Attribute::new("blob", AttributeType::Binary),
        ],
    ));
    reg.register_resource_type(scimitar::ResourceType::new("Meter", "/Meters", "", urn))
        .unwrap();
    let meters = reg.resource_type("Meter").unwrap();
    let ok = json!({"schemas": [urn], "count": 3, "ratio": 0.5, "since": "2008-01-23T04:56:22Z", "blob": "aGk="});
    validate::check(&ok, meters, &lenient()).unwrap();
    let ratio_int = json!({"schemas": [urn], "ratio": 2});
    validate::check(&ratio_int, meters, &lenient()).unwrap();
    for (k, bad) in [
        ("count", json!(1.5)),
        ("count", json!("3")),
        ("ratio", json!("0.5")),
        ("since", json!("23/01/2008")),
        ("since", json!(1_200_000_000)),
        ("blob", json!("not base64!")),
    ] {
        let mut v = ok.clone();
        v[k] = bad;
        let e = validate::check(&v, meters, &lenient()).unwrap_err();
        assert!(e.detail().contains(&format!("\"{k}\"")), "{}", e.detail());
    }
}

#[test]
fn lone_value_for_multi_valued_attribute_is_wrapped_when_lenient() {
    let body = json!({"schemas": [USER_SCHEMA], "userName": "b", "emails": {"value": "b@example.com", "type": "work"}});
    let out = create(body.clone()).unwrap();
    assert_eq!(
        out["emails"],
        json!([{"value": "b@example.com", "type": "work"}])
    );
    let mut strict = body;
    let e = validate::for_create(&mut strict, &users(), &ValidateOptions::strict()).unwrap_err();
    assert!(e.detail().contains("\"emails\""));
}

#[test]
fn boolean_strings_are_booleans_when_lenient() {
    let body = json!({"schemas": [USER_SCHEMA], "userName": "b", "active": "False", "emails": [{"value": "x", "primary": "TRUE"}]});
    let out = create(body.clone()).unwrap();
    assert_eq!(out["active"], false);
    assert_eq!(out["emails"][0]["primary"], true);
    let mut strict = body;
    assert!(validate::for_create(&mut strict, &users(), &ValidateOptions::strict()).is_err());
}

#[test]
fn canonical_values_are_not_binding_unless_asked() {
    let body = json!({
        "schemas": [USER_SCHEMA], "userName": "b",
        "emails": [{"value": "x@y", "type": "internal"}],
        "phoneNumbers": [{"value": "1", "type": "satellite"}]
    });
    create(body.clone()).unwrap();

    let mut all = lenient();
    all.canonical_values = CanonicalValues::EnforceAll;
    let e = validate::for_create(&mut body.clone(), &users(), &all).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));

    let mut emails_only = lenient();
    emails_only.canonical_values =
        CanonicalValues::Enforce(vec![AttrPath::new("emails").with_sub_attr("type")]);
    let e = validate::for_create(&mut body.clone(), &users(), &emails_only).unwrap_err();
    assert!(e.detail().contains("emails[0].type"), "{}", e.detail());
    let mut fixed = body;
    fixed["emails"][0]["type"] = json!("WORK"); // caseExact false
    validate::for_create(&mut fixed, &users(), &emails_only).unwrap();
}

#[test]
fn unknown_attributes_kept_or_rejected() {
    let body = json!({
        "schemas": [USER_SCHEMA, "urn:vendor:1.0:User"], "userName": "b",
        "favouriteColour": "blue",
        "name": {"givenName": "B", "nick": "x"},
        "urn:vendor:1.0:User": {"level": 3}
    });
    let out = create(body.clone()).unwrap();
    assert_eq!(out["favouriteColour"], "blue");
    assert_eq!(out["name"]["nick"], "x");
    assert_eq!(out["urn:vendor:1.0:User"], json!({"level": 3}));

    let mut strict = lenient();
    strict.unknown_attributes = UnknownAttributes::Reject;
    let e = validate::for_create(&mut body.clone(), &users(), &strict).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    let mut only_sub = json!({"schemas": [USER_SCHEMA], "userName": "b", "name": {"nick": "x"}});
    let e = validate::for_create(&mut only_sub, &users(), &strict).unwrap_err();
    assert!(e.detail().contains("name.nick"), "{}", e.detail());
}

#[test]
fn names_take_their_schema_spelling() {
    let body = json!({
        "SCHEMAS": [USER_SCHEMA], "USERNAME": "b",
        "Name": {"GIVENNAME": "B"},
        "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User": {"EMPLOYEENUMBER": "7"}
    });
    let out = create(body).unwrap();
    assert_eq!(
        out,
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "userName": "b",
            "name": {"givenName": "B"},
            ENTERPRISE_USER_SCHEMA: {"employeeNumber": "7"}
        })
    );
    let e = create_err(json!({"schemas": [USER_SCHEMA], "userName": "a", "USERNAME": "b"}));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    // check() sees the same duplicates without renaming
    let dup = json!({"schemas": [USER_SCHEMA], "userName": "a", "USERNAME": "b"});
    assert!(validate::check(&dup, &users(), &lenient()).is_err());
    let dup = json!({"schemas": [USER_SCHEMA], "Schemas": [USER_SCHEMA], "userName": "a"});
    assert!(validate::check(&dup, &users(), &lenient()).is_err());
    assert!(create(dup).is_err());
}

#[test]
fn schemas_are_fixed_or_rejected() {
    // core URN missing and an extension present without its URN
    let body = json!({"userName": "b", ENTERPRISE_USER_SCHEMA: {"department": "Tour Operations"}});
    let out = create(body.clone()).unwrap();
    assert_eq!(out["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
    let e =
        validate::for_create(&mut body.clone(), &users(), &ValidateOptions::strict()).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    let mut no_ext_urn = json!({"schemas": [USER_SCHEMA], "userName": "b", ENTERPRISE_USER_SCHEMA: {"department": "x"}});
    let e =
        validate::for_create(&mut no_ext_urn, &users(), &ValidateOptions::strict()).unwrap_err();
    assert!(e.detail().contains(ENTERPRISE_USER_SCHEMA));
    // Entra's extra Microsoft URN in `schemas` is fine
    let mut group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"],
        "externalId": "8aa1a0c0", "displayName": "Sales", "members": []
    });
    validate::for_create(
        &mut group,
        &ResourceSchema::group(),
        &ValidateOptions::strict(),
    )
    .unwrap();
    let bad = json!({"schemas": USER_SCHEMA, "userName": "b"});
    assert!(validate::check(&bad, &users(), &lenient()).is_err());
}

#[test]
fn required_extension_must_be_present() {
    let mut reg = SchemaRegistry::rfc();
    reg.add_extension("User", ENTERPRISE_USER_SCHEMA, true)
        .unwrap();
    let users = reg.resource_type("User").unwrap();
    let mut body = json!({"schemas": [USER_SCHEMA], "userName": "b"});
    let e = validate::for_create(&mut body, users, &lenient()).unwrap_err();
    assert!(e.detail().contains(ENTERPRISE_USER_SCHEMA));
    let mut body = json!({"schemas": [USER_SCHEMA], "userName": "b", ENTERPRISE_USER_SCHEMA: {"costCenter": "4130"}});
    validate::for_create(&mut body, users, &lenient()).unwrap();
}

#[test]
fn non_object_bodies_are_invalid_syntax() {
    for body in [json!([]), json!("user"), json!(null)] {
        let e = create_err(body);
        assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    }
}

/// A User type with an immutable attribute in a custom extension (the RFC schemas have none
/// at the top level; Group `members` sub-attributes are immutable per value).
fn users_with_badge() -> (SchemaRegistry, &'static str) {
    let urn = "urn:example:scim:schemas:extension:badge:1.0:User";
    let mut reg = SchemaRegistry::rfc();
    reg.register_schema(Schema::new(
        urn,
        "Badge",
        "",
        vec![
            Attribute::new("serial", AttributeType::String).mutability(Mutability::Immutable),
            Attribute::new("issuer", AttributeType::Complex).sub_attributes(vec![
                Attribute::new("code", AttributeType::String)
                    .mutability(Mutability::Immutable)
                    .case_exact(true),
                Attribute::new("label", AttributeType::String),
            ]),
        ],
    ));
    reg.add_extension("User", urn, false).unwrap();
    (reg, urn)
}

#[test]
fn replace_rejects_changed_immutable_values_and_keeps_omitted_ones() {
    let (reg, urn) = users_with_badge();
    let users = reg.resource_type("User").unwrap();
    let existing = json!({
        "schemas": [USER_SCHEMA, urn], "id": "1", "userName": "b",
        urn: {"serial": "S-1", "issuer": {"code": "AB", "label": "HQ"}},
        "meta": {"resourceType": "User"}
    });
    // same values (serial compared case-insensitively: caseExact false) and a new userName
    let mut same = json!({"schemas": [USER_SCHEMA, urn], "id": "other", "userName": "c",
                          urn: {"serial": "s-1", "issuer": {"code": "AB", "label": "Annex"}}});
    validate::for_replace(&mut same, &existing, users, &lenient()).unwrap();
    assert!(
        same.get("id").is_none(),
        "readOnly id from the client is ignored"
    );
    assert_eq!(same["userName"], "c");

    let mut changed =
        json!({"schemas": [USER_SCHEMA, urn], "userName": "b", urn: {"serial": "S-2"}});
    let e = validate::for_replace(&mut changed, &existing, users, &lenient()).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::Mutability));
    assert!(
        e.detail().contains(&format!("{urn}:serial")),
        "{}",
        e.detail()
    );

    let mut sub_changed = json!({"schemas": [USER_SCHEMA, urn], "userName": "b",
                                 urn: {"serial": "S-1", "issuer": {"code": "ab"}}});
    let e = validate::for_replace(&mut sub_changed, &existing, users, &lenient()).unwrap_err();
    assert!(
        e.detail().contains(&format!("{urn}:issuer.code")),
        "{}",
        e.detail()
    );

    // omitted: carried over from the existing resource
    let mut omitted = json!({"schemas": [USER_SCHEMA], "userName": "b"});
    validate::for_replace(&mut omitted, &existing, users, &lenient()).unwrap();
    assert_eq!(
        omitted[urn],
        json!({"serial": "S-1", "issuer": {"code": "AB"}})
    );
    assert_eq!(omitted["schemas"], json!([USER_SCHEMA, urn]));

    // not set before: may be set now
    let unset = json!({"schemas": [USER_SCHEMA], "id": "1", "userName": "b"});
    let mut set_now =
        json!({"schemas": [USER_SCHEMA, urn], "userName": "b", urn: {"serial": "S-9"}});
    validate::for_replace(&mut set_now, &unset, users, &lenient()).unwrap();
}

#[test]
fn replace_may_change_group_members() {
    let groups = ResourceSchema::group();
    let existing = load(GROUP);
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Tour Guides",
        "members": [{"value": "someone-else"}]
    });
    validate::for_replace(&mut body, &existing, &groups, &lenient()).unwrap();
    assert_eq!(body["members"], json!([{"value": "someone-else"}]));
}

#[test]
fn check_does_not_strip_read_only_values_and_reports_bad_ones() {
    let mut user = load(FULL_USER);
    validate::check(&user, &users(), &lenient()).unwrap();
    user["meta"]["created"] = json!("last tuesday");
    let e = validate::check(&user, &users(), &lenient()).unwrap_err();
    assert!(e.detail().contains("meta.created"), "{}", e.detail());
    let mut user = load(FULL_USER);
    user.as_object_mut().unwrap().remove("userName");
    assert!(validate::check(&user, &users(), &lenient()).is_err());
}

#[test]
fn values_emptied_by_normalisation_are_dropped() {
    let body = json!({
        "schemas": USER_SCHEMA,
        "userName": "b",
        ENTERPRISE_USER_SCHEMA: {"manager": {"displayName": "Boss", "$ref": null}},
        "emails": [{"value": null}, null, {"value": "x@y"}],
        "name": {}
    });
    let out = create(body).unwrap();
    assert_eq!(
        out,
        json!({
            "schemas": [USER_SCHEMA],
            "userName": "b",
            "emails": [{"value": "x@y"}],
            "name": {}
        })
    );
}

#[test]
fn sub_attribute_given_twice_is_an_error_not_data_loss() {
    let e = create_err(json!({
        "schemas": [USER_SCHEMA], "userName": "b",
        "name": {"givenName": "A", "GIVENNAME": "B"}
    }));
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    assert!(e.detail().contains("givenName"));
}

#[test]
fn create_normalisation_is_idempotent_and_its_output_checks() {
    for text in [MINIMAL_USER, FULL_USER, ENTERPRISE_USER] {
        let once = create(load(text)).unwrap();
        let twice = create(once.clone()).unwrap();
        assert_eq!(once, twice);
        validate::check(&once, &users(), &ValidateOptions::strict()).unwrap();
    }
}

/// The create-user body of Microsoft's "Develop and plan provisioning for a SCIM endpoint"
/// tutorial (request 1), as Entra ID sends it.
#[test]
fn entra_create_user_body_validates_strictly() {
    let mut body = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": true,
        "emails": [{
            "primary": true,
            "type": "work",
            "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
        }],
        "meta": {"resourceType": "User"},
        "name": {
            "formatted": "givenName familyName",
            "familyName": "familyName",
            "givenName": "givenName"
        },
        "roles": []
    });
    validate::for_create(&mut body, &users(), &ValidateOptions::strict()).unwrap();
    assert!(body.get("meta").is_none());
    assert_eq!(body["externalId"], "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
}

/// Entra ID's create-group body: an extra Microsoft URN in `schemas`, `meta` and `members: []`.
#[test]
fn entra_create_group_body_validates_strictly() {
    let mut body = json!({
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {"resourceType": "Group"},
        "members": [],
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"]
    });
    validate::for_create(
        &mut body,
        &ResourceSchema::group(),
        &ValidateOptions::strict(),
    )
    .unwrap();
    assert_eq!(body["members"], json!([]));
}

/// Okta's create-user body: `groups: []` (readOnly: ignored, not an error) and a password.
#[test]
fn okta_create_user_body_validates() {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    });
    validate::for_create(&mut body, &users(), &ValidateOptions::strict()).unwrap();
    assert!(body.get("groups").is_none());
    assert_eq!(body["password"], "1mz050nq");
}

/// Okta pushes group membership with PUT and the full member list.
#[test]
fn okta_put_group_with_full_member_list() {
    let existing = load(GROUP);
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
            {"value": "00u1dhhb1fkIGP7RL1d8", "display": "new.member@okta.local"}
        ]
    });
    validate::for_replace(
        &mut body,
        &existing,
        &ResourceSchema::group(),
        &ValidateOptions::strict(),
    )
    .unwrap();
    assert_eq!(body["members"].as_array().unwrap().len(), 2);
    assert!(body.get("id").is_none());
}

/// Entra ID sends the enterprise `manager` as a bare id string, and "" to clear it.
#[test]
fn entra_manager_as_bare_id_string() {
    let body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "userName": "adele@contoso.com",
        ENTERPRISE_USER_SCHEMA: {"manager": "26118915-6090-4610-87e4-49d8ca9f808d", "department": "Retail"}
    });
    let out = create(body.clone()).unwrap();
    assert_eq!(
        out[ENTERPRISE_USER_SCHEMA]["manager"],
        json!({"value": "26118915-6090-4610-87e4-49d8ca9f808d"})
    );
    let e =
        validate::for_create(&mut body.clone(), &users(), &ValidateOptions::strict()).unwrap_err();
    assert!(e.detail().contains("manager"), "{}", e.detail());

    let cleared = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "userName": "adele@contoso.com",
        ENTERPRISE_USER_SCHEMA: {"manager": "", "department": "Retail"}
    });
    let out = create(cleared).unwrap();
    assert_eq!(out[ENTERPRISE_USER_SCHEMA], json!({"department": "Retail"}));
    // a bare string in a multi-valued complex attribute becomes one value
    let out = create(json!({"schemas": [USER_SCHEMA], "userName": "a", "emails": "a@example.com"}))
        .unwrap();
    assert_eq!(out["emails"], json!([{"value": "a@example.com"}]));
}
