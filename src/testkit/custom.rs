//! Resource types and extensions registered at run time: a `Device` type through create, get,
//! list (filter, sort, paging), PATCH, replace and delete, with its declared uniqueness,
//! versions and tenant isolation; and a User extension's attributes stored, filtered and
//! patched ([RFC 7643 §3.3](https://www.rfc-editor.org/rfc/rfc7643#section-3.3),
//! [§6](https://www.rfc-editor.org/rfc/rfc7643#section-6);
//! [RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

use super::failure::{Outcome, Step, ensure};
use super::harness::Tenant;
use super::{BackendFactory, Failure};
use crate::backend::{BackendError, BackendErrorKind, IdentityBackend};
use crate::patch::{PatchLimits, PatchRequest};
use crate::query::{ListQuery, Selection, SortOrder};
use crate::resource::{GenericResource, User, VersionCondition};
use crate::schema::{
    Attribute, AttributeType, ResourceSchema, ResourceType, Schema, SchemaRegistry, Uniqueness,
};
use crate::{AttrPath, Compat, Filter};
use serde_json::{Value, json};
use std::sync::Arc;

const DEVICE: &str = "urn:example:params:scim:schemas:core:2.0:Device";
const PRINTER: &str = "urn:example:params:scim:schemas:core:2.0:Printer";
const ACME: &str = "urn:acme:params:scim:schemas:extension:2.0:User";

/// The kit's registry: `Device` (`serialNumber` unique per tenant, case-insensitively),
/// `Printer` (the same schema shape, another type) and an acme User extension.
pub(super) fn registry() -> Outcome<SchemaRegistry> {
    let attrs = || {
        vec![
            Attribute::new("serialNumber", AttributeType::String)
                .required(true)
                .uniqueness(Uniqueness::Server),
            Attribute::new("displayName", AttributeType::String),
            Attribute::new("tags", AttributeType::String).multi_valued(true),
        ]
    };
    let mut reg = SchemaRegistry::rfc();
    reg.register_schema(Schema::new(DEVICE, "Device", "", attrs()));
    reg.register_schema(Schema::new(PRINTER, "Printer", "", attrs()));
    reg.register_schema(Schema::new(
        ACME,
        "Acme",
        "",
        vec![
            Attribute::new("badge", AttributeType::String),
            Attribute::new("clearance", AttributeType::Integer),
        ],
    ));
    reg.register_resource_type(ResourceType::new("Device", "/Devices", "", DEVICE))
        .step("registering Device")?;
    reg.register_resource_type(ResourceType::new("Printer", "/Printers", "", PRINTER))
        .step("registering Printer")?;
    reg.add_extension("User", ACME, false)
        .step("registering the acme extension")?;
    Ok(reg)
}

pub(super) fn schema(reg: &SchemaRegistry, name: &str) -> Outcome<Arc<ResourceSchema>> {
    reg.resource_type(name).cloned().step(name)
}

fn device(serial: &str, name: &str) -> Outcome<GenericResource> {
    GenericResource::from_json(json!({
        "schemas": [DEVICE], "serialNumber": serial, "displayName": name, "tags": ["t"]
    }))
    .step("a Device body")
}

fn patch(ops: Value) -> Outcome<PatchRequest> {
    let body =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    PatchRequest::from_value(body, &Compat::default(), &PatchLimits::default()).step("a PATCH")
}

fn filter(text: &str) -> Outcome<Filter> {
    Filter::parse(text).step(text)
}

fn expect_kind<T: std::fmt::Debug>(
    what: &str,
    r: Result<T, BackendError>,
    kind: BackendErrorKind,
) -> Outcome {
    match r {
        Err(e) if e.kind() == kind => Ok(()),
        other => Err(format!("{what}: gave {other:?}, expected {kind:?}")),
    }
}

fn id_of(r: &GenericResource) -> Outcome<String> {
    r.id().map(str::to_owned).step("the created resource's id")
}

/// Runs [`check_custom_types`], [`check_extension_attributes`] and
/// [`check_custom_walk`](super::check_custom_walk), each on a fresh backend.
pub async fn check_custom<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    check_custom_types(factory).await?;
    check_extension_attributes(factory).await?;
    super::check_custom_walk(factory).await
}

/// A `Device` type registered at run time through the `*_resource` methods: create assigns
/// `id` and `meta` (`resourceType: Device`, a version); get returns what was stored; a taken
/// `serialNumber` (any case) is 409, also on replace, and free again once its holder is
/// deleted; lists filter, sort and page; PATCH applies and moves the version, a stale
/// `If-Match` is 412; another custom type never sees a Device; tenant B finds, reads, changes
/// and deletes none of tenant A's devices and may reuse their serial numbers (check
/// `custom_types`).
pub async fn check_custom_types<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    run_custom_types(factory.backend().await)
        .await
        .map_err(|e| Failure::new("custom_types", e))
}

async fn run_custom_types(b: Arc<dyn IdentityBackend>) -> Outcome {
    let reg = registry()?;
    let devices = schema(&reg, "Device")?;
    let printers = schema(&reg, "Printer")?;
    let (a, bc) = (Tenant::A.ctx(), Tenant::B.ctx());

    let d1 = b
        .create_resource(&a, &devices, device("SN-1", "one")?)
        .await
        .step("create_resource Device SN-1")?;
    let id1 = id_of(&d1)?;
    let meta = d1.meta().step("meta of the created Device")?;
    ensure!(
        meta.resource_type.as_deref() == Some("Device") && meta.version.is_some(),
        "the created Device's meta is {meta:?}: expected resourceType Device and a version"
    );
    ensure!(
        d1.body().get("displayName") == Some(&json!("one"))
            && d1.body().get("tags") == Some(&json!(["t"])),
        "create_resource returned {d1:?}"
    );
    let d2 = b
        .create_resource(&a, &devices, device("SN-2", "two")?)
        .await
        .step("create_resource Device SN-2")?;
    let id2 = id_of(&d2)?;
    expect_kind(
        "a second Device with serialNumber sn-1 (uniqueness: server, caseExact: false)",
        b.create_resource(&a, &devices, device("sn-1", "dup")?)
            .await,
        BackendErrorKind::Uniqueness,
    )?;
    let got = b
        .get_resource(&a, &devices, &id1)
        .await
        .step("get_resource")?;
    ensure!(got == d1, "get_resource gave {got:?}, created was {d1:?}");

    // lists
    let q = ListQuery::new()
        .with_filter(filter("serialNumber eq \"sn-2\"")?)
        .with_schema(Arc::clone(&devices));
    let page = b
        .list_resources(&a, &devices, &q)
        .await
        .step("list_resources with a filter")?;
    ensure!(
        page.total_results == 1 && page.resources.first().and_then(|r| r.id()) == Some(&id2),
        "serialNumber eq \"sn-2\" found {page:?}"
    );
    let q = ListQuery::new()
        .with_sort(AttrPath::new("serialNumber"), SortOrder::Descending)
        .with_page(2, Some(1))
        .with_schema(Arc::clone(&devices));
    let page = b
        .list_resources(&a, &devices, &q)
        .await
        .step("list_resources sorted and paged")?;
    ensure!(
        page.total_results == 2
            && page.resources.len() == 1
            && page.resources.first().and_then(|r| r.id()) == Some(&id1),
        "sortBy serialNumber descending, startIndex 2, count 1 gave {page:?}"
    );
    let other = b
        .list_resources(&a, &printers, &ListQuery::new())
        .await
        .step("list_resources of another custom type")?;
    ensure!(
        other.total_results == 0,
        "the Printer type lists Devices: {other:?}"
    );
    expect_kind(
        "get_resource of a Device id as a Printer",
        b.get_resource(&a, &printers, &id1).await,
        BackendErrorKind::NotFound,
    )?;

    // PATCH, versions, replace
    let v1 = d1.version().cloned().step("the Device's version")?;
    let patched = b
        .patch_resource(
            &a,
            &devices,
            &id1,
            &patch(
                json!([{"op": "replace", "path": "displayName", "value": "uno"},
                           {"op": "add", "path": "tags", "value": ["u"]}]),
            )?,
            None,
        )
        .await
        .step("patch_resource")?;
    ensure!(
        patched.body().get("displayName") == Some(&json!("uno"))
            && patched.body().get("tags") == Some(&json!(["t", "u"]))
            && patched.version() != Some(&v1),
        "patch_resource gave {patched:?} (the version was {v1})"
    );
    let stale = VersionCondition::OneOf(vec![v1]);
    expect_kind(
        "patch_resource with a stale If-Match",
        b.patch_resource(
            &a,
            &devices,
            &id1,
            &patch(json!([{"op": "replace", "path": "displayName", "value": "x"}]))?,
            Some(&stale),
        )
        .await,
        BackendErrorKind::PreconditionFailed,
    )?;
    let read = b
        .get_resource(&a, &devices, &id1)
        .await
        .step("get_resource after PATCH")?;
    ensure!(
        read == patched,
        "after PATCH get_resource gave {read:?}, the PATCH returned {patched:?}"
    );
    expect_kind(
        "replace_resource taking another Device's serialNumber",
        b.replace_resource(&a, &devices, &id2, device("SN-1", "steal")?, None)
            .await,
        BackendErrorKind::Uniqueness,
    )?;
    let replaced = b
        .replace_resource(&a, &devices, &id2, device("SN-3", "three")?, None)
        .await
        .step("replace_resource")?;
    ensure!(
        replaced.id() == Some(&id2)
            && replaced.body().get("serialNumber") == Some(&json!("SN-3"))
            && replaced.meta().and_then(|m| m.created) == d2.meta().and_then(|m| m.created),
        "replace_resource gave {replaced:?} (created was {d2:?})"
    );

    // tenant isolation
    expect_kind(
        "tenant B: get_resource of tenant A's Device",
        b.get_resource(&bc, &devices, &id1).await,
        BackendErrorKind::NotFound,
    )?;
    expect_kind(
        "tenant B: replace_resource of tenant A's Device",
        b.replace_resource(&bc, &devices, &id1, device("SN-9", "b")?, None)
            .await,
        BackendErrorKind::NotFound,
    )?;
    expect_kind(
        "tenant B: patch_resource of tenant A's Device",
        b.patch_resource(
            &bc,
            &devices,
            &id1,
            &patch(json!([{"op": "replace", "path": "displayName", "value": "b"}]))?,
            None,
        )
        .await,
        BackendErrorKind::NotFound,
    )?;
    expect_kind(
        "tenant B: delete_resource of tenant A's Device",
        b.delete_resource(&bc, &devices, &id1, None).await,
        BackendErrorKind::NotFound,
    )?;
    let q = ListQuery::new()
        .with_filter(filter("serialNumber pr")?)
        .with_schema(Arc::clone(&devices));
    let page = b
        .list_resources(&bc, &devices, &q)
        .await
        .step("tenant B: list_resources")?;
    ensure!(
        page.total_results == 0,
        "tenant B lists tenant A's Devices: {page:?}"
    );
    b.create_resource(&bc, &devices, device("SN-1", "b's")?)
        .await
        .step("tenant B: a serialNumber of tenant A is free in B")?;
    let still = b
        .get_resource(&a, &devices, &id1)
        .await
        .step("tenant A: get_resource after tenant B's attempts")?;
    ensure!(
        still == patched,
        "tenant B changed tenant A's Device: {still:?}, was {patched:?}"
    );

    // delete
    b.delete_resource(&a, &devices, &id1, None)
        .await
        .step("delete_resource")?;
    expect_kind(
        "get_resource of a deleted Device",
        b.get_resource(&a, &devices, &id1).await,
        BackendErrorKind::NotFound,
    )?;
    expect_kind(
        "delete_resource of a deleted Device",
        b.delete_resource(&a, &devices, &id1, None).await,
        BackendErrorKind::NotFound,
    )?;
    b.create_resource(&a, &devices, device("SN-1", "again")?)
        .await
        .step("a deleted Device's serialNumber is free again")?;
    Ok(())
}

/// A User extension registered at run time (`urn:acme:params:scim:schemas:extension:2.0:User`):
/// its object is stored with the user and read back, a filter on its full path
/// (`urn:…:2.0:User:badge eq "…"`) finds the user, and a PATCH of one of its attributes
/// (with the extended schema) is kept (check `extension_attributes`).
pub async fn check_extension_attributes<F: BackendFactory + ?Sized>(
    factory: &F,
) -> Result<(), Failure> {
    run_extension_attributes(factory.backend().await)
        .await
        .map_err(|e| Failure::new("extension_attributes", e))
}

async fn run_extension_attributes(b: Arc<dyn IdentityBackend>) -> Outcome {
    let reg = registry()?;
    let users = schema(&reg, "User")?;
    let a = Tenant::A.ctx();
    let user = User::from_json(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ACME],
        "userName": "acme-user@example.com",
        ACME: {"badge": "B-1", "clearance": 3}
    }))
    .step("a User with the acme extension")?;
    let created = b
        .create_user(&a, user)
        .await
        .step("create_user with an extension")?;
    let id = created.id.clone().step("the created user's id")?;
    let expected = json!({"badge": "B-1", "clearance": 3});
    let read = b
        .get_user(&a, &id, &Selection::all())
        .await
        .step("get_user")?;
    ensure!(
        read.extension(ACME) == Some(&expected),
        "the acme extension of the stored user is {:?}, expected {expected}",
        read.extension(ACME)
    );
    b.create_user(&a, crate::resource::User::new("plain@example.com"))
        .await
        .step("create_user without the extension")?;
    let q = ListQuery::new()
        .with_filter(filter(&format!("{ACME}:badge eq \"B-1\""))?)
        .with_schema(Arc::clone(&users));
    let page = b
        .list_users(&a, &q)
        .await
        .step("list_users filtered on an extension attribute")?;
    ensure!(
        page.total_results == 1
            && page.resources.first().and_then(|u| u.id.as_deref()) == Some(&id),
        "{ACME}:badge eq \"B-1\" found {page:?}"
    );
    let patched = b
        .patch_user(
            &a,
            &id,
            &patch(json!([{"op": "replace", "path": format!("{ACME}:clearance"), "value": 5}]))?,
            &users,
            None,
        )
        .await
        .step("patch_user of an extension attribute")?;
    let expected = json!({"badge": "B-1", "clearance": 5});
    ensure!(
        patched.extension(ACME) == Some(&expected),
        "after the PATCH the acme extension is {:?}, expected {expected}",
        patched.extension(ACME)
    );
    let read = b
        .get_user(&a, &id, &Selection::all())
        .await
        .step("get_user after the PATCH")?;
    ensure!(
        read.extension(ACME) == Some(&expected),
        "after the PATCH the stored acme extension is {:?}, expected {expected}",
        read.extension(ACME)
    );
    Ok(())
}
