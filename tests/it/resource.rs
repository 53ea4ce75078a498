//! Typed resources (RFC 7643 §4, §8): round trips of every §8 example, extension and unknown
//! attribute preservation, write-only `password`, case-insensitive names, errors.

use scimitar::ScimType;
use scimitar::resource::{
    Email, EnterpriseUser, Group, Manager, Member, Meta, Resource, User, Version,
};
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn example(name: &str) -> Value {
    let path = format!("{}/tests/data/rfc7643/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// The example as a response carries it: without the write-only `password`.
fn without_password(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("password");
    v
}

fn user_round_trip(name: &str) -> User {
    let file = example(name);
    // Through plain serde …
    let user: User = serde_json::from_value(file.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        without_password(file.clone()),
        "{name}"
    );
    // … and through from_json, equal to serde's result.
    let user2 = User::from_json(file.clone()).unwrap();
    assert_eq!(user2, user, "{name}");
    assert_eq!(user2.to_json(), without_password(file), "{name}");
    user
}

#[test]
fn rfc7643_8_1_minimal_user_round_trips() {
    let u = user_round_trip("minimal_user.json");
    assert_eq!(u.user_name, "bjensen@example.com");
    let meta = u.meta.unwrap();
    assert_eq!(
        meta.version,
        Some(Version::weak("3694e05e9dff590").unwrap())
    );
    assert_eq!(
        meta.created.unwrap().to_rfc3339(),
        "2010-01-23T04:56:22+00:00"
    );
}

#[test]
fn rfc7643_8_2_full_user_round_trips() {
    let u = user_round_trip("full_user.json");
    assert_eq!(u.external_id.as_deref(), Some("701984"));
    assert_eq!(
        u.name.as_ref().unwrap().middle_name.as_deref(),
        Some("Jane")
    );
    assert_eq!(u.primary_email(), Some("bjensen@example.com"));
    assert_eq!(u.email_of_type("home"), Some("babs@jensen.org"));
    assert_eq!(u.primary_phone_number(), Some("555-555-5555"));
    assert_eq!(
        u.primary_address().unwrap().locality.as_deref(),
        Some("Hollywood")
    );
    assert_eq!(u.groups.len(), 3);
    assert_eq!(u.x509_certificates.len(), 1);
    assert_eq!(u.password.as_ref().unwrap().expose(), "t1meMa$heen");
    assert!(u.is_active());
    assert!(u.enterprise().is_none());
    assert!(u.extra().is_empty());
}

#[test]
fn rfc7643_8_3_enterprise_user_round_trips() {
    let u = user_round_trip("enterprise_user.json");
    assert_eq!(
        u.schemas(),
        ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]
    );
    let e = u.enterprise().unwrap();
    assert_eq!(e.employee_number.as_deref(), Some("701984"));
    assert_eq!(e.division.as_deref(), Some("Theme Park"));
    let m = e.manager.as_ref().unwrap();
    assert_eq!(
        m.value.as_deref(),
        Some("26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(
        m.reference.as_deref(),
        Some("../Users/26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(m.display_name.as_deref(), Some("John Smith"));
    assert!(
        u.extra().is_empty(),
        "the enterprise extension is typed, not extra"
    );
}

#[test]
fn rfc7643_8_4_group_round_trips() {
    let file = example("group.json");
    let g: Group = serde_json::from_value(file.clone()).unwrap();
    assert_eq!(serde_json::to_value(&g).unwrap(), file);
    let g2 = Group::from_json(file.clone()).unwrap();
    assert_eq!(g2, g);
    assert_eq!(g2.to_json(), file);
    assert_eq!(g.display_name, "Tour Guides");
    assert_eq!(
        g.member_ids().collect::<Vec<_>>(),
        [
            "2819c223-7f76-453a-919d-413861904646",
            "902c246b-6245-4190-8e05-00816be7344a"
        ]
    );
    assert_eq!(g.members[1].display.as_deref(), Some("Mandy Pepperidge"));
}

#[test]
fn rfc7643_8_5_and_8_6_meta_round_trips() {
    let spc = example("service_provider_config.json");
    let types = example("resource_types.json");
    let mut metas = vec![spc["meta"].clone()];
    metas.extend(types.as_array().unwrap().iter().map(|t| t["meta"].clone()));
    assert_eq!(metas.len(), 3);
    for m in metas {
        let meta: Meta = serde_json::from_value(m.clone()).unwrap();
        assert!(meta.resource_type.is_some());
        assert_eq!(serde_json::to_value(&meta).unwrap(), m);
    }
}

#[test]
fn password_is_never_serialised() {
    for name in ["full_user.json", "enterprise_user.json"] {
        let u = User::from_json(example(name)).unwrap();
        assert!(u.password.is_some());
        let text = serde_json::to_string(&u).unwrap();
        assert!(!text.contains("t1meMa$heen") && !text.contains("\"password\""));
        assert!(u.to_json().get("password").is_none());
        assert!(!format!("{u:?}").contains("t1meMa$heen"));
    }
}

#[test]
fn unknown_attributes_and_extensions_are_preserved() {
    let input = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, "urn:example:scim:ext:badge:1.0"],
        "userName": "adele@contoso.com",
        "customCore": {"any": ["thing", 1, null]},
        "name": {"givenName": "Adele", "pronunciation": "a-DELL"},
        "emails": [{"value": "adele@contoso.com", "type": "work", "verified": true}],
        "addresses": [{"type": "work", "country": "US", "geo": {"lat": 1.5}}],
        "urn:example:scim:ext:badge:1.0": {"badge": "B-7", "floors": [1, 2]},
        ENTERPRISE: {"department": "Retail", "costCenterCode": "X1", "manager": {"value": "m1", "email": "m@x"}}
    });
    let u = User::from_json(input.clone()).unwrap();
    assert_eq!(u.extra().len(), 2);
    assert_eq!(
        u.extension("urn:example:scim:ext:badge:1.0").unwrap()["badge"],
        "B-7"
    );
    assert_eq!(u.enterprise().unwrap().extra["costCenterCode"], "X1");
    assert_eq!(u.to_json(), input);
    let g_in = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "urn:example:ext:team"],
        "displayName": "Team",
        "urn:example:ext:team": {"room": "4.12"},
        "members": [{"value": "u1", "role": "lead"}],
        "owner": "u1"
    });
    let g = Group::from_json(g_in.clone()).unwrap();
    assert_eq!(g.to_json(), g_in);
}

#[test]
fn schemas_made_consistent_on_input() {
    // Extension data without its URN in schemas, schemas missing entirely.
    let u = User::from_json(json!({
        "userName": "a",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"employeeNumber": "7"},
        "urn:example:other": {"x": 1}
    }))
    .unwrap();
    assert_eq!(
        u.schemas(),
        [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            ENTERPRISE,
            "urn:example:other"
        ]
    );
    let v = u.to_json();
    assert_eq!(v[ENTERPRISE]["employeeNumber"], "7");
}

#[test]
fn attribute_names_are_case_insensitive() {
    let u = User::from_json(json!({
        "SCHEMAS": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "username": "Adele@Contoso.com",
        "EXTERNALID": "obj-1",
        "Name": {"GIVENNAME": "Adele", "familyname": "Vance"},
        "Emails": [{"VALUE": "adele@contoso.com", "Type": "work", "Primary": true}],
        "PhoneNumbers": [{"value": "1", "type": "mobile"}],
        "Active": true,
        "META": {"ResourceType": "User"}
    }))
    .unwrap();
    assert_eq!(u.user_name, "Adele@Contoso.com");
    assert_eq!(u.external_id.as_deref(), Some("obj-1"));
    assert_eq!(
        u.name.as_ref().unwrap().family_name.as_deref(),
        Some("Vance")
    );
    assert_eq!(u.primary_email(), Some("adele@contoso.com"));
    assert_eq!(u.phone_numbers.len(), 1);
    assert_eq!(u.meta.unwrap().resource_type.as_deref(), Some("User"));
}

#[test]
fn errors_name_the_attribute_path() {
    let e = User::from_json(json!({"userName": "a", "emails": [{"value": "x", "primary": "yes"}]}))
        .unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert_eq!(e.status(), 400);
    assert!(
        e.detail().starts_with("User.emails[0].primary:"),
        "{}",
        e.detail()
    );

    let e = User::from_json(json!({"userName": 7})).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert!(e.detail().contains("userName"), "{}", e.detail());

    let e = User::from_json(json!({"userName": "a", "name": "Babs"})).unwrap_err();
    assert!(e.detail().starts_with("User.name:"), "{}", e.detail());

    let e = User::from_json(json!("bjensen")).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));

    let e = User::from_json(json!({"userName": "a", "USERNAME": "b"})).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));

    let e = Group::from_json(json!({"members": []})).unwrap_err();
    assert!(e.detail().contains("displayName"), "{}", e.detail());
}

#[test]
fn read_only_meta_that_does_not_parse_is_ignored() {
    let u = User::from_json(json!({"userName": "a", "meta": {"created": "last tuesday"}})).unwrap();
    assert!(u.meta.is_none());
    let u = User::from_json(json!({"userName": "a", "meta": "nonsense", "id": "x"})).unwrap();
    assert!(u.meta.is_none());
}

#[test]
fn builders_make_valid_resources() {
    let mut u = User::new("bjensen@example.com")
        .with_external_id("701984")
        .with_display_name("Babs Jensen")
        .with_email(
            Email::new("bjensen@example.com")
                .with_type("work")
                .primary(),
        );
    u.set_enterprise(Some(EnterpriseUser {
        manager: Some(Manager::new("26118915")),
        ..EnterpriseUser::default()
    }));
    let mut back = User::from_json(u.to_json()).unwrap();
    assert_eq!(back, u);
    let e = back.take_enterprise().unwrap();
    assert_eq!(e.manager.unwrap().value.as_deref(), Some("26118915"));
    assert_eq!(
        back.schemas(),
        ["urn:ietf:params:scim:schemas:core:2.0:User"]
    );
    assert!(back.to_json().get(ENTERPRISE).is_none());

    let g = Group::new("Tour Guides")
        .with_external_id("tg")
        .with_member(Member::user("2819c223").with_display("Babs Jensen"))
        .with_member(Member::group("sub"));
    assert_eq!(Group::from_json(g.to_json()).unwrap(), g);
}

/// What a backend does on create and replace, written once for both resource types.
fn create_then_replace<R: Resource + PartialEq + std::fmt::Debug>(
    created: Value,
    replacement: Value,
) {
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-11-29T01:00:00Z")
        .unwrap()
        .to_utc();
    let t1 = chrono::DateTime::parse_from_rfc3339("2026-11-29T02:00:00Z")
        .unwrap()
        .to_utc();
    let mut r = R::from_json(created).unwrap();
    r.stamp_created("id-1".into(), t0, Version::from_u64(1));
    let mut next = R::from_json(replacement).unwrap();
    next.stamp_updated(&r, t1, Version::from_u64(2));
    assert_eq!(next.id(), Some("id-1"));
    let j = next.to_json();
    assert_eq!(j["meta"]["resourceType"], R::RESOURCE_TYPE);
    assert_eq!(j["meta"]["created"], "2026-11-29T01:00:00Z");
    assert_eq!(j["meta"]["lastModified"], "2026-11-29T02:00:00Z");
    assert_eq!(j["meta"]["version"], "W/\"2\"");
    assert_eq!(j["schemas"][0], R::SCHEMA);
}

#[test]
fn resource_trait_stamps_users_and_groups() {
    // The RFC examples carry a client-side id and meta; stamping replaces them.
    create_then_replace::<User>(example("full_user.json"), example("enterprise_user.json"));
    create_then_replace::<Group>(
        example("group.json"),
        json!({"displayName": "Renamed", "id": "x"}),
    );
}

#[test]
fn member_and_group_ref_entries_from_resources() {
    let mut babs = User::from_json(example("enterprise_user.json")).unwrap();
    assert_eq!(babs.display_label(), "Babs Jensen");
    babs.display_name = None;
    assert_eq!(babs.display_label(), "Ms. Barbara J Jensen, III");
    babs.name = None;
    assert_eq!(babs.display_label(), "bjensen@example.com");
    let m = Member::for_user(&babs).unwrap();
    assert_eq!(m.value, "2819c223-7f76-453a-919d-413861904646");
    assert_eq!(m.kind.as_deref(), Some("User"));
    assert!(Member::for_user(&User::new("no-id")).is_none());

    let g = Group::from_json(example("group.json")).unwrap();
    let r = scimitar::resource::GroupRef::for_group(&g)
        .unwrap()
        .with_reference(g.meta.as_ref().unwrap().location.clone().unwrap());
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({
            "value": "e9e30dba-f08f-4109-8486-d5c6a331660a",
            "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
            "display": "Tour Guides",
            "type": "direct"
        })
    );
    let nested = Member::for_group(&g).unwrap();
    assert!(nested.is_group());
    assert_eq!(nested.display.as_deref(), Some("Tour Guides"));
}
