//! Resource types and extensions registered at run time, through `ScimServer::handle`: a
//! `Device` type served at `/Devices` (CRUD, filter, sort, paging, projection, PATCH,
//! `.search`, uniqueness, mutability, tenant isolation, discovery), an `urn:acme:…:2.0:User`
//! extension and an Entra ID custom extension attribute on Users
//! ([RFC 7643 §3.3](https://www.rfc-editor.org/rfc/rfc7643#section-3.3),
//! [§6](https://www.rfc-editor.org/rfc/rfc7643#section-6), [§7](https://www.rfc-editor.org/rfc/rfc7643#section-7);
//! [RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

use super::server_support::*;
use scimitar::schema::{
    Attribute, AttributeType, Mutability, ResourceType, Returned, Schema, Uniqueness,
};
use scimitar::server::{ScimServer, ServerBuilder};
use serde_json::{Value, json};

pub const DEVICE: &str = "urn:example:params:scim:schemas:core:2.0:Device";
pub const ACME: &str = "urn:acme:params:scim:schemas:extension:2.0:User";
pub const ENTRA: &str = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User";

/// The `Device` core schema: a unique serial number, an immutable model, a readOnly `enrolled`,
/// a writeOnly `pin`, multi-valued tags.
pub fn device_schema() -> Schema {
    Schema::new(
        DEVICE,
        "Device",
        "A managed device",
        vec![
            Attribute::new("serialNumber", AttributeType::String)
                .required(true)
                .uniqueness(Uniqueness::Server),
            Attribute::new("displayName", AttributeType::String),
            Attribute::new("model", AttributeType::String).mutability(Mutability::Immutable),
            Attribute::new("enrolled", AttributeType::Boolean).mutability(Mutability::ReadOnly),
            Attribute::new("pin", AttributeType::String)
                .mutability(Mutability::WriteOnly)
                .returned(Returned::Never),
            Attribute::new("tags", AttributeType::String).multi_valued(true),
            Attribute::new("owner", AttributeType::Complex).sub_attributes(vec![
                Attribute::new("value", AttributeType::String),
                Attribute::new("display", AttributeType::String),
            ]),
        ],
    )
}

fn acme_schema() -> Schema {
    Schema::new(
        ACME,
        "AcmeUser",
        "Acme's user attributes",
        vec![
            Attribute::new("badge", AttributeType::String).uniqueness(Uniqueness::Server),
            Attribute::new("clearance", AttributeType::Integer),
        ],
    )
}

fn entra_schema() -> Schema {
    Schema::new(
        ENTRA,
        "Contoso",
        "Entra ID custom extension attributes",
        vec![Attribute::new("costCode", AttributeType::String)],
    )
}

/// The builder with the Device type and both User extensions registered.
pub fn with_custom(b: ServerBuilder) -> ServerBuilder {
    b.resource_type(
        device_schema(),
        ResourceType::new("Device", "/Devices", "Devices", DEVICE),
    )
    .schema_extension("User", acme_schema(), false)
    .schema_extension("User", entra_schema(), false)
}

async fn custom_server() -> ScimServer {
    with_custom(builder().await).build().unwrap()
}

fn device(serial: &str, name: &str) -> Value {
    json!({
        "schemas": [DEVICE],
        "serialNumber": serial,
        "displayName": name,
        "model": "X1",
        "pin": "1234",
        "enrolled": true,
        "tags": ["laptop"],
    })
}

async fn create_device(s: &ScimServer, serial: &str, name: &str) -> Value {
    let a = Call::post("/Devices", device(serial, name)).send(s).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.body
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn device_crud_through_http() {
    device_crud(&custom_server().await).await;
}

async fn device_crud(s: &ScimServer) {
    let s = s.clone();
    let a = Call::post("/Devices", device("SN-1", "Laptop 1"))
        .send(&s)
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let did = id(&a.body);
    let location = format!("{BASE}/Devices/{did}");
    assert_eq!(a.header("location"), Some(location.as_str()));
    assert_eq!(a.body["meta"]["resourceType"], "Device");
    assert_eq!(a.body["meta"]["location"], location);
    assert_eq!(a.header("etag"), a.body["meta"]["version"].as_str());
    assert!(a.body.get("pin").is_none(), "writeOnly, returned never");
    assert!(
        a.body.get("enrolled").is_none(),
        "readOnly: the client's value is ignored"
    );
    assert_eq!(a.body["tags"], json!(["laptop"]));

    let g = Call::get(&format!("/devices/{did}")).send(&s).await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body["serialNumber"], "SN-1");
    let etag = g.header("etag").unwrap().to_owned();
    let nm = Call::get(&format!("/Devices/{did}"))
        .header("if-none-match", &etag)
        .send(&s)
        .await;
    assert_eq!(nm.status, 304);

    // PUT: the immutable model must stay; a stale If-Match is 412
    let mut body = device("SN-1", "Renamed");
    body["model"] = json!("X2");
    Call::put(&format!("/Devices/{did}"), body)
        .send(&s)
        .await
        .assert_error(400, Some("mutability"));
    let mut body = device("SN-1", "Renamed");
    body.as_object_mut().unwrap().remove("model");
    let p = Call::put(&format!("/Devices/{did}"), body.clone())
        .send(&s)
        .await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert_eq!(p.body["displayName"], "Renamed");
    assert_eq!(p.body["model"], "X1", "an omitted immutable value is kept");
    assert_ne!(p.header("etag"), Some(etag.as_str()));
    Call::put(&format!("/Devices/{did}"), body)
        .header("if-match", &etag)
        .send(&s)
        .await
        .assert_error(412, None);

    // PATCH through the same engine
    let patched = Call::patch(
        &format!("/Devices/{did}"),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [
                   {"op": "add", "path": "tags", "value": ["managed"]},
                   {"op": "replace", "path": "owner.display", "value": "Babs"},
                   {"op": "Replace", "path": "displayName", "value": "Patched"}]}),
    )
    .send(&s)
    .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.body["tags"], json!(["laptop", "managed"]));
    assert_eq!(patched.body["owner"]["display"], "Babs");
    assert_eq!(patched.body["displayName"], "Patched");
    for (op, scim_type) in [
        (
            json!({"op": "replace", "path": "model", "value": "X9"}),
            "mutability",
        ),
        (
            json!({"op": "replace", "path": "nope", "value": 1}),
            "invalidPath",
        ),
        (
            json!({"op": "replace", "path": "displayName", "value": 7}),
            "invalidValue",
        ),
        (
            json!({"op": "remove", "path": "serialNumber"}),
            "mutability",
        ),
    ] {
        let a = Call::patch(
            &format!("/Devices/{did}"),
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [op]}),
        )
        .send(&s)
        .await;
        a.assert_error(400, Some(scim_type));
    }

    let d = Call::delete(&format!("/Devices/{did}")).send(&s).await;
    assert_eq!(d.status, 204);
    Call::get(&format!("/Devices/{did}"))
        .send(&s)
        .await
        .assert_error(404, None);
    Call::delete(&format!("/Devices/{did}"))
        .send(&s)
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn device_validation_and_uniqueness_are_scim_errors() {
    device_validation(&custom_server().await).await;
}

async fn device_validation(s: &ScimServer) {
    let s = s.clone();
    create_device(&s, "SN-1", "one").await;
    Call::post("/Devices", device("sn-1", "dup"))
        .send(&s)
        .await
        .assert_error(409, Some("uniqueness"));
    Call::post(
        "/Devices",
        json!({"schemas": [DEVICE], "displayName": "no serial"}),
    )
    .send(&s)
    .await
    .assert_error(400, Some("invalidValue"));
    Call::post("/Devices", json!({"schemas": [DEVICE], "serialNumber": 42}))
        .send(&s)
        .await
        .assert_error(400, Some("invalidValue"));
    Call::post("/Devices", json!([1, 2]))
        .send(&s)
        .await
        .assert_error(400, Some("invalidSyntax"));
    let other = create_device(&s, "SN-2", "two").await;
    Call::put(&format!("/Devices/{}", id(&other)), device("SN-1", "steal"))
        .send(&s)
        .await
        .assert_error(409, Some("uniqueness"));
    // the same serial in another tenant is no clash, and tenant A's device is 404 there
    let b = Call::post("/Devices", device("SN-1", "b's"))
        .key(KEY_B)
        .send(&s)
        .await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    Call::get(&format!("/Devices/{}", id(&other)))
        .key(KEY_B)
        .send(&s)
        .await
        .assert_error(404, None);
    let listed = Call::get("/Devices").key(KEY_B).send(&s).await;
    assert_eq!(listed.body["totalResults"], 1);
    Call::new(http::Method::PATCH, "/Devices")
        .send(&s)
        .await
        .assert_error(405, None);
}

#[tokio::test]
async fn device_lists_filter_sort_page_and_project() {
    device_lists(&custom_server().await).await;
}

async fn device_lists(s: &ScimServer) {
    let s = s.clone();
    for (serial, name) in [("SN-3", "c"), ("SN-1", "a"), ("SN-2", "b")] {
        create_device(&s, serial, name).await;
    }
    let q = "/Devices?filter=serialNumber+eq+%22sn-2%22&attributes=displayName";
    let a = Call::get(q).send(&s).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["totalResults"], 1);
    let r = &a.body["Resources"][0];
    assert_eq!(r["displayName"], "b");
    assert!(r.get("serialNumber").is_none(), "projected away");
    assert!(r.get("id").is_some(), "id is returned always");

    let full = format!("/Devices?filter={DEVICE}:displayName+sw+%22a%22");
    let a = Call::get(&full).send(&s).await;
    assert_eq!(a.body["totalResults"], 1, "{:?}", a.body);

    let a = Call::get("/Devices?sortBy=serialNumber&sortOrder=descending&startIndex=2&count=1")
        .send(&s)
        .await;
    assert_eq!(a.body["totalResults"], 3);
    assert_eq!(a.body["itemsPerPage"], 1);
    assert_eq!(a.body["Resources"][0]["serialNumber"], "SN-2");

    let a = Call::get("/Devices?excludedAttributes=tags,displayName")
        .send(&s)
        .await;
    assert!(a.body["Resources"][0].get("tags").is_none());
    assert!(a.body["Resources"][0].get("serialNumber").is_some());

    let a = Call::post(
        "/Devices/.search",
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
               "filter": "displayName eq \"c\" or displayName eq \"a\"",
               "sortBy": "displayName"}),
    )
    .send(&s)
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let names: Vec<&str> = a.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "c"]);

    Call::get("/Devices?filter=userName+eq+%22x%22")
        .send(&s)
        .await
        .assert_error(400, Some("invalidFilter"));
    Call::get("/Devices?filter=displayName+eq")
        .send(&s)
        .await
        .assert_error(400, Some("invalidFilter"));
}

#[tokio::test]
async fn discovery_lists_the_custom_type_and_schemas() {
    let s = custom_server().await;
    let a = Call::get("/ResourceTypes/Device").send(&s).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["endpoint"], "/Devices");
    assert_eq!(a.body["schema"], DEVICE);
    let a = Call::get(&format!("/Schemas/{DEVICE}")).send(&s).await;
    assert_eq!(a.status, 200);
    let serial = &a.body["attributes"][0];
    assert_eq!(serial["name"], "serialNumber");
    assert_eq!(serial["uniqueness"], "server");
    assert_eq!(serial["required"], true);
    let users = Call::get("/ResourceTypes/User").send(&s).await;
    let exts: Vec<&str> = users.body["schemaExtensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["schema"].as_str().unwrap())
        .collect();
    assert!(exts.contains(&ACME) && exts.contains(&ENTRA), "{exts:?}");
    assert_eq!(
        Call::get(&format!("/Schemas/{ENTRA}"))
            .send(&s)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_clashing_or_reserved_type_fails_the_build() {
    let reserved = builder()
        .await
        .resource_type(
            device_schema(),
            ResourceType::new("Device", "/Schemas", "", DEVICE),
        )
        .build();
    assert!(reserved.is_err());
    let clash = builder()
        .await
        .resource_type(
            device_schema(),
            ResourceType::new("Device", "/Users", "", DEVICE),
        )
        .build();
    assert!(clash.is_err());
    let unknown = builder()
        .await
        .schema_extension("Gadget", acme_schema(), false)
        .build();
    assert!(unknown.is_err());
}

#[tokio::test]
async fn bulk_creates_and_patches_devices() {
    let s = custom_server().await;
    let a = Call::post(
        "/Bulk",
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
               "Operations": [
                   {"method": "POST", "path": "/Devices", "bulkId": "d1", "data": device("SN-9", "bulk")},
                   {"method": "PATCH", "path": "/Devices/bulkId:d1", "data": {
                       "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                       "Operations": [{"op": "replace", "path": "displayName", "value": "bulk2"}]}}]}),
    )
    .send(&s)
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let ops = a.body["Operations"].as_array().unwrap();
    assert_eq!(ops[0]["status"], "201", "{:?}", a.body);
    assert!(ops[0]["location"].as_str().unwrap().contains("/Devices/"));
    assert_eq!(ops[1]["status"], "200", "{:?}", a.body);
    let listed = Call::get("/Devices?filter=displayName+eq+%22bulk2%22")
        .send(&s)
        .await;
    assert_eq!(listed.body["totalResults"], 1);
}

#[tokio::test]
async fn acme_user_extension_is_validated_filtered_patched_and_projected() {
    acme_extension(&custom_server().await).await;
}

async fn acme_extension(s: &ScimServer) {
    let s = s.clone();
    let a = Call::post(
        "/Users",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ACME],
               "userName": "adele", ACME: {"badge": "B-7", "clearance": 3}}),
    )
    .send(&s)
    .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let uid = id(&a.body);
    assert_eq!(a.body[ACME]["badge"], "B-7");
    create_user(&s, "bob").await;

    Call::post(
        "/Users",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ACME],
               "userName": "carol", ACME: {"clearance": "high"}}),
    )
    .send(&s)
    .await
    .assert_error(400, Some("invalidValue"));

    let q = format!("/Users?filter={ACME}:badge+eq+%22b-7%22");
    let a = Call::get(&q).send(&s).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["totalResults"], 1);
    assert_eq!(a.body["Resources"][0]["userName"], "adele");
    let q = format!("/Users?filter={ACME}:clearance+gt+2");
    assert_eq!(Call::get(&q).send(&s).await.body["totalResults"], 1);

    let p = Call::patch(
        &format!("/Users/{uid}"),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "Replace", "path": format!("{ACME}:clearance"), "value": 5}]}),
    )
    .send(&s)
    .await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert_eq!(p.body[ACME]["clearance"], 5);
    let bad = Call::patch(
        &format!("/Users/{uid}"),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "path": format!("{ACME}:nope"), "value": 5}]}),
    )
    .send(&s)
    .await;
    assert_eq!(bad.status, 400, "{:?}", bad.body);

    let a = Call::get(&format!("/Users/{uid}?attributes={ACME}:badge"))
        .send(&s)
        .await;
    assert_eq!(a.body[ACME], json!({"badge": "B-7"}));
    assert!(a.body.get("userName").is_none());
    let a = Call::get(&format!("/Users/{uid}?excludedAttributes={ACME}"))
        .send(&s)
        .await;
    assert!(a.body.get(ACME).is_none());
    assert_eq!(a.body["userName"], "adele");
}

#[tokio::test]
async fn entra_custom_extension_attribute_round_trips() {
    entra_extension(&custom_server().await).await;
}

async fn entra_extension(s: &ScimServer) {
    let s = s.clone();
    // Entra sends the custom attribute in the body on create, without listing the URN
    let a = Call::post(
        "/Users",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
               "userName": "adele@contoso.com", "active": "True",
               ENTRA: {"costCode": "CC-1"}}),
    )
    .send(&s)
    .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    let uid = id(&a.body);
    assert!(
        a.body["schemas"]
            .as_array()
            .unwrap()
            .contains(&json!(ENTRA)),
        "{:?}",
        a.body
    );
    // and PATCHes it with its full path, capitalised op
    let p = Call::patch(
        &format!("/Users/{uid}"),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "Add", "path": format!("{ENTRA}:costCode"), "value": "CC-2"}]}),
    )
    .send(&s)
    .await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert_eq!(p.body[ENTRA]["costCode"], "CC-2");
    let q = format!("/Users?filter={ENTRA}:costCode+eq+%22CC-2%22");
    assert_eq!(Call::get(&q).send(&s).await.body["totalResults"], 1);
    let g = Call::get(&format!("/Users/{uid}")).send(&s).await;
    assert_eq!(g.body[ENTRA]["costCode"], "CC-2");
}

/// The same HTTP surface over SQLite (and PostgreSQL when `SCIM_TEST_POSTGRES_URL` is set).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[tokio::test]
async fn sql_backends_serve_custom_types_and_extensions_over_http() {
    let dbs = super::sql_support::default_dbs("custom_types").await;
    for (name, backend) in &dbs.backends {
        eprintln!("custom types over {name}");
        let s = with_custom(builder().await)
            .backend(std::sync::Arc::new(backend.clone()))
            .build()
            .unwrap();
        device_crud(&s).await;
        device_lists(&s).await;
        acme_extension(&s).await;
        entra_extension(&s).await;
    }
    // validation creates SN-1 and SN-2 and keeps them, as device_lists does: its own store
    let dbs = super::sql_support::default_dbs("custom_types_validation").await;
    for (name, backend) in &dbs.backends {
        eprintln!("custom type validation over {name}");
        let s = with_custom(builder().await)
            .backend(std::sync::Arc::new(backend.clone()))
            .build()
            .unwrap();
        device_validation(&s).await;
    }
}

/// RFC 7644 §3.4.3: the root `/.search` (and `GET /`) searches every resource type, those
/// registered at run time included, paged as one list after Users and Groups.
#[tokio::test]
async fn the_root_search_finds_custom_resources_too() {
    let s = custom_server().await;
    let d = create_device(&s, "SN-9", "root").await;
    let all = Call::post(
        "/.search",
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
               "attributes": ["displayName"]}),
    )
    .send(&s)
    .await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    let found: Vec<&Value> = all.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"] == d["id"])
        .collect();
    assert_eq!(found.len(), 1, "{:?}", all.body);
    assert_eq!(found[0]["displayName"], "root");
    assert!(found[0].get("serialNumber").is_none(), "projected");
    let total = all.body["totalResults"].as_u64().unwrap();
    // a window past the users and groups still reaches the device
    let last = Call::get(&format!("/?startIndex={total}&count=1"))
        .send(&s)
        .await;
    assert_eq!(last.status, 200, "{:?}", last.body);
    assert_eq!(last.body["Resources"][0]["id"], d["id"]);
}
