//! The RFC 7643 §8.7 schemas as data: they parse, serialise back to the same meaning, carry the
//! characteristics the RFC gives them, and resolve paths case-insensitively with or without URNs.

use scimitar::AttrPath;
use scimitar::schema::{
    self, AttributeType, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, Mutability, Resolved,
    ResourceSchema, ResourceType, Returned, Schema, SchemaRegistry, USER_SCHEMA, Uniqueness,
};
use serde_json::{Value, json};

/// Fills the RFC 7643 §2.2 defaults into an attribute definition so that two definitions that
/// differ only in spelled-out defaults compare equal.
fn normalise_attr(a: &mut Value) {
    let Value::Object(m) = a else { return };
    for (k, v) in [
        ("multiValued", json!(false)),
        ("required", json!(false)),
        ("caseExact", json!(false)),
        ("mutability", json!("readWrite")),
        ("returned", json!("default")),
        ("uniqueness", json!("none")),
        ("canonicalValues", json!([])),
        ("referenceTypes", json!([])),
        ("subAttributes", json!([])),
        ("description", json!("")),
    ] {
        m.entry(k).or_insert(v);
    }
    if let Some(Value::Array(subs)) = m.get_mut("subAttributes") {
        subs.iter_mut().for_each(normalise_attr);
    }
}

fn normalise_schema(mut s: Value) -> Value {
    if let Some(Value::Array(attrs)) = s.get_mut("attributes") {
        attrs.iter_mut().for_each(normalise_attr);
    }
    if let Value::Object(m) = &mut s {
        m.remove("meta");
        m.remove("schemas");
    }
    s
}

const FILES: [(&str, &str); 6] = [
    (
        USER_SCHEMA,
        include_str!("../../src/schema/rfc7643/user.json"),
    ),
    (
        GROUP_SCHEMA,
        include_str!("../../src/schema/rfc7643/group.json"),
    ),
    (
        ENTERPRISE_USER_SCHEMA,
        include_str!("../../src/schema/rfc7643/enterprise_user.json"),
    ),
    (
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
        include_str!("../../src/schema/rfc7643/service_provider_config.json"),
    ),
    (
        "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
        include_str!("../../src/schema/rfc7643/resource_type.json"),
    ),
    (
        "urn:ietf:params:scim:schemas:core:2.0:Schema",
        include_str!("../../src/schema/rfc7643/schema.json"),
    ),
];

#[test]
fn rfc_schemas_round_trip_in_meaning() {
    let all = schema::rfc_schemas();
    for (id, text) in FILES {
        let schema = all.iter().find(|s| s.id == id).unwrap();
        let file: Value = serde_json::from_str(text).unwrap();
        let served = schema.to_json(None);
        assert_eq!(
            normalise_schema(served.clone()),
            normalise_schema(file),
            "{id}"
        );
        // and the served form parses back into the same definition
        let back: Schema = serde_json::from_value(served).unwrap();
        assert_eq!(&back, schema.as_ref());
    }
}

#[test]
fn served_schema_carries_schemas_and_meta() {
    let v = schema::group_schema().to_json(Some("https://example.com/v2/"));
    assert_eq!(
        v["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:Schema"])
    );
    assert_eq!(v["meta"]["resourceType"], "Schema");
    assert_eq!(
        v["meta"]["location"],
        "https://example.com/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group"
    );
    assert_eq!(v["id"], GROUP_SCHEMA);
    assert_eq!(v["name"], "Group");
    assert_eq!(v["attributes"][0]["name"], "displayName");
    // RFC 7643 §8.7.1 spells every characteristic out; so do we.
    assert_eq!(
        v["attributes"][1]["subAttributes"][0]["mutability"],
        "immutable"
    );
    assert_eq!(v["attributes"][1]["multiValued"], true);
}

#[test]
fn user_attribute_names_are_those_of_rfc7643_4_1() {
    let names: Vec<&str> = schema::user_schema()
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "userName",
            "name",
            "displayName",
            "nickName",
            "profileUrl",
            "title",
            "userType",
            "preferredLanguage",
            "locale",
            "timezone",
            "active",
            "password",
            "emails",
            "phoneNumbers",
            "ims",
            "photos",
            "addresses",
            "groups",
            "entitlements",
            "roles",
            "x509Certificates"
        ]
    );
    let ent: Vec<&str> = schema::enterprise_user_schema()
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        ent,
        [
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
            "manager"
        ]
    );
}

/// Every row: resource type, path, then type, plurality, required, caseExact, mutability,
/// returned and uniqueness as RFC 7643 §3.1, §4 and §8.7.1 give them (wire spellings).
const CHARACTERISTICS: &str = "
User  id                      string    single optional exact   readOnly  always  server
User  externalId              string    single optional exact   readWrite default none
User  meta                    complex   single optional inexact readOnly  default none
User  meta.created            dateTime  single optional inexact readOnly  default none
User  meta.location           reference single optional exact   readOnly  default none
User  userName                string    single required inexact readWrite default server
User  name.givenName          string    single optional inexact readWrite default none
User  profileUrl              reference single optional inexact readWrite default none
User  active                  boolean   single optional inexact readWrite default none
User  password                string    single optional inexact writeOnly never   none
User  emails                  complex   multi  optional inexact readWrite default none
User  emails.value            string    single optional inexact readWrite default none
User  emails.primary          boolean   single optional inexact readWrite default none
User  photos.value            reference single optional inexact readWrite default none
User  groups                  complex   multi  optional inexact readOnly  default none
User  groups.value            string    single optional inexact readOnly  default none
User  groups.$ref             reference single optional inexact readOnly  default none
User  x509Certificates.value  binary    single optional inexact readWrite default none
User  employeeNumber          string    single optional inexact readWrite default none
User  manager                 complex   single optional inexact readWrite default none
User  manager.displayName     string    single optional inexact readOnly  default none
Group displayName             string    single required inexact readWrite default none
Group members                 complex   multi  optional inexact readWrite default none
Group members.value           string    single optional inexact immutable default none
Group members.$ref            reference single optional inexact immutable default none
Group members.type            string    single optional inexact immutable default none
Group id                      string    single optional exact   readOnly  always  server
";

#[test]
fn characteristics_match_rfc7643() {
    let users = ResourceSchema::user();
    let groups = ResourceSchema::group();
    let wire = |s: &str| json!(s);
    for row in CHARACTERISTICS.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = row.split_whitespace().collect();
        let [
            rt,
            path,
            kind,
            plural,
            required,
            exact,
            mutability,
            returned,
            uniqueness,
        ] = f[..]
        else {
            panic!("bad row {row}");
        };
        let rs = if rt == "User" { &users } else { &groups };
        let a = rs
            .resolve_attr(&AttrPath::parse(path).unwrap())
            .unwrap_or_else(|| panic!("{path}"))
            .leaf();
        let want_kind: AttributeType = serde_json::from_value(wire(kind)).unwrap();
        let want_mutability: Mutability = serde_json::from_value(wire(mutability)).unwrap();
        let want_returned: Returned = serde_json::from_value(wire(returned)).unwrap();
        let want_uniqueness: Uniqueness = serde_json::from_value(wire(uniqueness)).unwrap();
        assert_eq!(
            (
                a.kind,
                a.multi_valued,
                a.required,
                a.case_exact,
                a.mutability,
                a.returned,
                a.uniqueness
            ),
            (
                want_kind,
                plural == "multi",
                required == "required",
                exact == "exact",
                want_mutability,
                want_returned,
                want_uniqueness
            ),
            "{rt} {path}"
        );
    }
}

#[test]
fn canonical_values_match_rfc7643() {
    let user = schema::user_schema();
    let canon = |attr: &str| {
        user.attribute(attr)
            .unwrap()
            .sub_attribute("type")
            .unwrap()
            .canonical_values
            .clone()
    };
    assert_eq!(canon("emails"), ["work", "home", "other"]);
    assert_eq!(canon("addresses"), ["work", "home", "other"]);
    assert_eq!(
        canon("phoneNumbers"),
        ["work", "home", "mobile", "fax", "pager", "other"]
    );
    assert_eq!(
        canon("ims"),
        ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]
    );
    assert_eq!(canon("photos"), ["photo", "thumbnail"]);
    assert_eq!(canon("groups"), ["direct", "indirect"]);
    let members = schema::group_schema().attribute("members").unwrap();
    assert_eq!(
        members.sub_attribute("type").unwrap().canonical_values,
        ["User", "Group"]
    );
    assert_eq!(
        members.sub_attribute("$ref").unwrap().reference_types,
        ["User", "Group"]
    );
}

#[test]
fn resolution_is_case_insensitive_with_and_without_urn() {
    let users = ResourceSchema::user();
    let cases = [
        (AttrPath::new("USERNAME"), "userName", false),
        (
            AttrPath::new("userName").with_urn(USER_SCHEMA.to_uppercase()),
            "userName",
            false,
        ),
        (
            AttrPath::new("Name").with_sub_attr("FAMILYNAME"),
            "familyName",
            false,
        ),
        (
            AttrPath::new("manager")
                .with_urn(ENTERPRISE_USER_SCHEMA)
                .with_sub_attr("value"),
            "value",
            true,
        ),
        (
            AttrPath::new("EMPLOYEENUMBER").with_urn(ENTERPRISE_USER_SCHEMA.to_lowercase()),
            "employeeNumber",
            true,
        ),
        (AttrPath::new("department"), "department", true),
        (AttrPath::new("id").with_urn(USER_SCHEMA), "id", false),
        (
            AttrPath::new("Meta").with_sub_attr("Version"),
            "version",
            false,
        ),
    ];
    for (p, leaf, in_ext) in cases {
        let a = users.resolve_attr(&p).unwrap_or_else(|| panic!("{p:?}"));
        assert_eq!(a.leaf().name, leaf);
        assert_eq!(a.in_extension, in_ext, "{p:?}");
    }
    // the enterprise URN alone ("...:enterprise:2.0" + "User") is the whole extension
    let whole =
        AttrPath::new("user").with_urn("URN:ietf:params:scim:schemas:extension:enterprise:2.0");
    assert!(
        matches!(users.resolve(&whole), Some(Resolved::Extension(s)) if s.id == ENTERPRISE_USER_SCHEMA)
    );
    // groups have no enterprise extension
    let groups = ResourceSchema::group();
    assert!(
        groups
            .resolve(&AttrPath::new("department").with_urn(ENTERPRISE_USER_SCHEMA))
            .is_none()
    );
    assert!(groups.resolve(&AttrPath::new("userName")).is_none());
}

#[test]
fn registry_serves_rfc_resource_types() {
    let reg = SchemaRegistry::default();
    let types: Vec<Value> = reg
        .resource_types()
        .map(|t| t.resource_type().to_json(Some("https://example.com/v2")))
        .collect();
    // RFC 7643 §8.6, except that the default registry makes the enterprise extension optional
    // (§8.6 shows `required: true`): Entra and Okta users often come without it.
    assert_eq!(
        types,
        [
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": "User",
                "name": "User",
                "endpoint": "/Users",
                "description": "User Account",
                "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
                "schemaExtensions": [{
                    "schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                    "required": false
                }],
                "meta": {
                    "location": "https://example.com/v2/ResourceTypes/User",
                    "resourceType": "ResourceType"
                }
            }),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": "Group",
                "name": "Group",
                "endpoint": "/Groups",
                "description": "Group",
                "schema": "urn:ietf:params:scim:schemas:core:2.0:Group",
                "meta": {
                    "location": "https://example.com/v2/ResourceTypes/Group",
                    "resourceType": "ResourceType"
                }
            }),
        ]
    );
    let rt: ResourceType = serde_json::from_value(types[0].clone()).unwrap();
    assert_eq!(rt, ResourceType::user());
}

#[test]
fn custom_extension_registered_at_run_time_resolves_with_dotted_version() {
    let urn = "urn:example:scim:schemas:extension:acme:1.5:User";
    let mut reg = SchemaRegistry::rfc();
    reg.register_schema(Schema::new(
        urn,
        "Acme",
        "",
        vec![
            schema::Attribute::new("badge", AttributeType::Complex).sub_attributes(vec![
                schema::Attribute::new("number", AttributeType::Integer),
            ]),
        ],
    ));
    reg.add_extension("User", urn, false).unwrap();
    let users = reg.by_endpoint("/Users").unwrap();
    // `urn:...:acme:1.5:User:badge.number`: the URN holds a dot and the path holds one too
    let p = AttrPath::new("BADGE")
        .with_urn(urn.to_uppercase())
        .with_sub_attr("Number");
    let a = users.resolve_attr(&p).unwrap();
    assert!(a.in_extension);
    assert_eq!(a.schema.id, urn);
    assert_eq!(a.leaf().kind, AttributeType::Integer);
    assert!(users.resolve_attr(&AttrPath::new("badge")).is_some());
    // and /Schemas now lists it
    assert!(reg.schemas().any(|s| s.id == urn));
    assert!(reg.schema(&urn.to_uppercase()).is_some());
}

#[test]
fn a_trimmed_user_schema_replaces_the_rfc_one() {
    let trimmed = schema::user_schema().as_ref().clone().without_attributes(&[
        "PASSWORD",
        "emails.Display",
        "x509Certificates",
        "nope.x",
    ]);
    let mut reg = SchemaRegistry::rfc();
    reg.register_schema(trimmed);
    let user = reg.schema(USER_SCHEMA).unwrap();
    assert!(user.attribute("password").is_none());
    assert!(user.attribute("x509Certificates").is_none());
    assert_eq!(user.attributes.len(), 19);
    let users = reg.resource_type("User").unwrap();
    assert!(
        users
            .resolve_attr(&AttrPath::parse("emails.display").unwrap())
            .is_none()
    );
    assert!(
        users
            .resolve_attr(&AttrPath::parse("emails.value").unwrap())
            .is_some()
    );
    // the embedded RFC schema itself is untouched
    assert!(schema::user_schema().attribute("password").is_some());
}

/// The issue's own example, through the shared path grammar.
#[test]
fn parsed_extension_path_with_dotted_version_resolves() {
    let users = ResourceSchema::user();
    for text in [
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Manager.Value",
    ] {
        let a = users.resolve_attr(&AttrPath::parse(text).unwrap()).unwrap();
        assert!(a.in_extension);
        assert_eq!(a.schema.id, ENTERPRISE_USER_SCHEMA);
        assert_eq!(
            (a.attribute.name.as_str(), a.leaf().name.as_str()),
            ("manager", "value")
        );
    }
    let whole = AttrPath::parse(ENTERPRISE_USER_SCHEMA).unwrap();
    assert!(matches!(
        users.resolve(&whole),
        Some(Resolved::Extension(_))
    ));
    let core =
        AttrPath::parse("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName").unwrap();
    assert_eq!(users.resolve_attr(&core).unwrap().leaf().name, "givenName");
}
