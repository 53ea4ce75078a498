//! `attributes` / `excludedAttributes` over the RFC 7643 §8 examples
//! (RFC 7644 §3.4.2.5, §3.9; RFC 7643 §2.2 `returned`).

use scimitar::AttrPath;
use scimitar::query::projection::Projection;
use scimitar::schema::{
    Attribute, AttributeType, ENTERPRISE_USER_SCHEMA, ResourceSchema, Returned, Schema,
    SchemaRegistry,
};
use serde_json::{Value, json};
use std::sync::Arc;

const FULL_USER: &str = include_str!("../data/rfc7643/full_user.json");
const ENTERPRISE_USER: &str = include_str!("../data/rfc7643/enterprise_user.json");
const MINIMAL_USER: &str = include_str!("../data/rfc7643/minimal_user.json");
const GROUP: &str = include_str!("../data/rfc7643/group.json");

fn load(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn path(text: &str) -> AttrPath {
    AttrPath::parse(text).unwrap()
}

fn list(items: &[&str]) -> Vec<AttrPath> {
    items.iter().map(|s| path(s)).collect()
}

fn users() -> Arc<ResourceSchema> {
    Arc::new(ResourceSchema::user())
}

fn include(rs: &Arc<ResourceSchema>, attrs: &[&str], resource: &Value) -> Value {
    let p = Projection::new(Arc::clone(rs), &list(attrs), &[]);
    let projected = p.project(resource);
    let mut in_place = resource.clone();
    p.apply(&mut in_place);
    assert_eq!(projected, in_place, "project and apply agree");
    projected
}

fn exclude(rs: &Arc<ResourceSchema>, attrs: &[&str], resource: &Value) -> Value {
    let p = Projection::new(Arc::clone(rs), &[], &list(attrs));
    let projected = p.project(resource);
    let mut in_place = resource.clone();
    p.apply(&mut in_place);
    assert_eq!(projected, in_place, "project and apply agree");
    projected
}

#[test]
fn attributes_user_name_on_full_user_returns_always_attributes_and_user_name() {
    let out = include(&users(), &["userName"], &load(FULL_USER));
    assert_eq!(
        out,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "userName": "bjensen@example.com"
        })
    );
}

#[test]
fn default_projection_never_returns_password() {
    let full = load(FULL_USER);
    assert!(
        full.get("password").is_some(),
        "the §8.2 example carries one"
    );
    let out = Projection::all(users()).project(&full);
    assert!(out.get("password").is_none());
    let mut expected = full.clone();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(out, expected);
    // naming it does not help: `never` is never
    let out = include(&users(), &["password", "userName"], &full);
    assert!(out.get("password").is_none());
}

#[test]
fn always_attributes_cannot_be_excluded() {
    let out = exclude(
        &users(),
        &["id", "schemas", "userName"],
        &load(MINIMAL_USER),
    );
    assert_eq!(out["id"], "2819c223-7f76-453a-919d-413861904646");
    assert!(out.get("schemas").is_some());
    assert!(out.get("userName").is_none());
    assert!(out.get("meta").is_some());
}

#[test]
fn sub_attribute_selection() {
    let full = load(FULL_USER);
    let out = include(&users(), &["name.givenName", "emails.value"], &full);
    assert_eq!(out["name"], json!({"givenName": "Barbara"}));
    assert_eq!(
        out["emails"],
        json!([{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}])
    );
    assert!(out.get("phoneNumbers").is_none());
    // both a sub-attribute and the whole attribute: the whole wins
    let out = include(&users(), &["name.givenName", "NAME"], &full);
    assert_eq!(out["name"], full["name"]);
    // excluding a sub-attribute keeps the rest of the attribute
    let out = exclude(&users(), &["name.middleName", "emails.type"], &full);
    assert!(out["name"].get("middleName").is_none());
    assert_eq!(out["name"]["givenName"], "Barbara");
    assert_eq!(
        out["emails"][0],
        json!({"value": "bjensen@example.com", "primary": true})
    );
}

#[test]
fn extension_attribute_with_urn_keeps_only_that_attribute() {
    let ent = load(ENTERPRISE_USER);
    let urn_path = format!("{ENTERPRISE_USER_SCHEMA}:employeeNumber");
    let out = include(&users(), &[&urn_path], &ent);
    assert_eq!(
        out,
        json!({
            "schemas": ent["schemas"],
            "id": "2819c223-7f76-453a-919d-413861904646",
            ENTERPRISE_USER_SCHEMA: {"employeeNumber": "701984"}
        })
    );
    // the same without the URN, and with another case
    assert_eq!(include(&users(), &["EMPLOYEENUMBER"], &ent), out);
    // a sub-attribute of an extension attribute
    let manager_value = format!("{ENTERPRISE_USER_SCHEMA}:manager.value");
    let out = include(&users(), &[&manager_value], &ent);
    assert_eq!(
        out[ENTERPRISE_USER_SCHEMA],
        json!({"manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}})
    );
}

#[test]
fn extension_urn_alone_selects_the_whole_extension() {
    let ent = load(ENTERPRISE_USER);
    let out = include(&users(), &[ENTERPRISE_USER_SCHEMA, "userName"], &ent);
    assert_eq!(out[ENTERPRISE_USER_SCHEMA], ent[ENTERPRISE_USER_SCHEMA]);
    assert_eq!(out["userName"], "bjensen@example.com");
    assert!(out.get("name").is_none());
    // and excluding the URN drops the whole extension only
    let out = exclude(&users(), &[&ENTERPRISE_USER_SCHEMA.to_lowercase()], &ent);
    assert!(out.get(ENTERPRISE_USER_SCHEMA).is_none());
    assert_eq!(out["name"], ent["name"]);
}

#[test]
fn excluding_an_extension_attribute_keeps_the_rest_of_the_extension() {
    let ent = load(ENTERPRISE_USER);
    let out = exclude(&users(), &["manager"], &ent);
    let mut expected = ent[ENTERPRISE_USER_SCHEMA].clone();
    expected.as_object_mut().unwrap().remove("manager");
    assert_eq!(out[ENTERPRISE_USER_SCHEMA], expected);
    assert_eq!(out["userName"], ent["userName"]);
}

#[test]
fn excluded_members_keeps_group_extension_data() {
    // a Group extension registered at run time, as a service would
    let urn = "urn:example:scim:schemas:extension:acme:1.0:Group";
    let mut reg = SchemaRegistry::rfc();
    reg.register_schema(Schema::new(
        urn,
        "AcmeGroup",
        "",
        vec![Attribute::new("costCenter", AttributeType::String)],
    ));
    reg.add_extension("Group", urn, false).unwrap();
    let groups = Arc::clone(reg.resource_type("Group").unwrap());
    let mut group = load(GROUP);
    group[urn] = json!({"costCenter": "4130"});
    group["schemas"].as_array_mut().unwrap().push(json!(urn));

    let p = Projection::new(Arc::clone(&groups), &[], &list(&["members"]));
    assert!(!p.returns("members"));
    assert!(p.returns(urn));
    let out = exclude(&groups, &["members"], &group);
    assert!(out.get("members").is_none());
    assert_eq!(out[urn], json!({"costCenter": "4130"}));
    assert_eq!(out["displayName"], "Tour Guides");
    assert_eq!(out["meta"], group["meta"]);
}

#[test]
fn unknown_names_in_the_lists_are_ignored() {
    let full = load(FULL_USER);
    assert_eq!(
        include(&users(), &["nope", "userName", "name.nope"], &full),
        include(&users(), &["userName"], &full)
    );
    let mut expected = full.clone();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(exclude(&users(), &["nope", "urn:x:y:z"], &full), expected);
    // the core URN prefix is optional, never harmful
    assert_eq!(
        include(
            &users(),
            &["urn:ietf:params:scim:schemas:core:2.0:User:userName"],
            &full
        ),
        include(&users(), &["userName"], &full)
    );
}

#[test]
fn resource_keys_match_case_insensitively() {
    let resource = json!({
        "SCHEMAS": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "Id": "1",
        "USERNAME": "bjensen",
        "DisplayName": "Babs",
        "Password": "x",
        "NAME": {"GIVENNAME": "Barbara", "familyName": "Jensen"}
    });
    let out = include(&users(), &["userName", "name.givenName"], &resource);
    assert_eq!(
        out,
        json!({
            "SCHEMAS": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "Id": "1",
            "USERNAME": "bjensen",
            "NAME": {"GIVENNAME": "Barbara"}
        })
    );
}

#[test]
fn attributes_the_schema_does_not_define_count_as_default() {
    let resource = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "1",
        "userName": "bjensen",
        "urn:vendor:ext:1.0:User": {"x": 1},
        "vendorFlag": true
    });
    assert_eq!(Projection::all(users()).project(&resource), resource);
    let out = include(
        &users(),
        &["urn:vendor:ext:1.0:User", "userName"],
        &resource,
    );
    assert_eq!(out["urn:vendor:ext:1.0:User"], json!({"x": 1}));
    assert!(out.get("vendorFlag").is_none());
    let out = exclude(&users(), &["VENDORFLAG"], &resource);
    assert!(out.get("vendorFlag").is_none());
    assert!(out.get("urn:vendor:ext:1.0:User").is_some());
}

#[test]
fn request_attributes_only_when_named() {
    let urn = "urn:example:scim:schemas:core:1.0:Device";
    let core = Schema::new(
        urn,
        "Device",
        "",
        vec![
            Attribute::new("serial", AttributeType::String),
            Attribute::new("secretHint", AttributeType::String).returned(Returned::Request),
            Attribute::new("ports", AttributeType::Complex)
                .multi_valued(true)
                .sub_attributes(vec![
                    Attribute::new("name", AttributeType::String),
                    Attribute::new("mac", AttributeType::String).returned(Returned::Request),
                    Attribute::new("pin", AttributeType::String).returned(Returned::Never),
                ]),
        ],
    );
    let mut reg = SchemaRegistry::empty();
    reg.register_schema(core);
    reg.register_resource_type(scimitar::ResourceType::new("Device", "/Devices", "", urn))
        .unwrap();
    let devices = Arc::clone(reg.by_endpoint("/Devices").unwrap());
    let device = json!({
        "schemas": [urn],
        "id": "d1",
        "serial": "S1",
        "secretHint": "h",
        "ports": [{"name": "eth0", "mac": "aa", "pin": "1"}]
    });
    let default = Projection::all(Arc::clone(&devices)).project(&device);
    assert_eq!(
        default,
        json!({"schemas": [urn], "id": "d1", "serial": "S1", "ports": [{"name": "eth0"}]})
    );
    let out = include(&devices, &["secretHint", "ports.mac"], &device);
    assert_eq!(
        out,
        json!({"schemas": [urn], "id": "d1", "secretHint": "h", "ports": [{"mac": "aa"}]})
    );
    let out = exclude(&devices, &["serial"], &device);
    assert!(out.get("secretHint").is_none());
    assert_eq!(out["ports"], json!([{"name": "eth0"}]));
}

#[test]
fn attributes_wins_over_excluded_attributes() {
    let full = load(FULL_USER);
    let p = Projection::new(users(), &list(&["userName"]), &list(&["userName"]));
    assert_eq!(p.project(&full)["userName"], "bjensen@example.com");
    assert!(!p.is_default());
    assert!(Projection::new(users(), &[], &[]).is_default());
}

#[test]
fn group_members_sub_attribute() {
    let groups = Arc::new(ResourceSchema::group());
    let out = include(&groups, &["members.value", "displayName"], &load(GROUP));
    assert_eq!(
        out,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
            "displayName": "Tour Guides",
            "members": [
                {"value": "2819c223-7f76-453a-919d-413861904646"},
                {"value": "902c246b-6245-4190-8e05-00816be7344a"}
            ]
        })
    );
}

#[test]
fn non_object_values_are_left_alone() {
    let p = Projection::new(users(), &list(&["name.givenName"]), &[]);
    assert_eq!(p.project(&json!("x")), json!("x"));
    let odd = json!({"schemas": [], "id": "1", "name": "not an object", "emails": "x"});
    assert_eq!(
        p.project(&odd),
        json!({"schemas": [], "id": "1", "name": "not an object"})
    );
}

#[test]
fn from_query_parses_the_lists() {
    let ent = load(ENTERPRISE_USER);
    let p = Projection::from_query(
        users(),
        Some(
            " userName , urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ),
        Some("ignored when attributes is given"),
    );
    // the excluded list does not parse ("ignored when…" has spaces): still an error
    assert!(p.is_err());
    let p = Projection::from_query(
        users(),
        Some(
            " userName , urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ),
        None,
    )
    .unwrap();
    assert_eq!(
        p.project(&ent),
        json!({
            "schemas": ent["schemas"],
            "id": ent["id"],
            "userName": "bjensen@example.com",
            ENTERPRISE_USER_SCHEMA: {"manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}}
        })
    );
    let p = Projection::from_query(
        users(),
        None,
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
    )
    .unwrap();
    assert!(p.project(&ent).get(ENTERPRISE_USER_SCHEMA).is_none());
    assert!(
        Projection::from_query(users(), Some("  "), None)
            .unwrap()
            .is_default()
    );
    let e = Projection::from_query(users(), Some("userName,,"), None).unwrap_err();
    assert_eq!(e.scim_type(), Some(scimitar::ScimType::InvalidPath));
}
