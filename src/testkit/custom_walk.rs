//! Cursor walks over a resource type registered at run time (check `custom_walk`;
//! [RFC 9865](https://www.rfc-editor.org/rfc/rfc9865),
//! [RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6)): a backend that walks
//! ([`Capabilities::cursor`](crate::backend::Capabilities::cursor)) walks `Device`s like users,
//! through [`IdentityBackend::list_resources`]: every match once in id order, filtered by
//! `id`, `externalId`, a unique attribute or anything else, while devices are created between
//! its pages; and backwards by the previous positions when it walks backwards.

use super::custom::{registry, schema};
use super::failure::{Outcome, Step as _, ensure};
use super::harness::Tenant;
use super::{BackendFactory, Failure};
use crate::Filter;
use crate::auth::Context;
use crate::backend::{IdentityBackend, Page};
use crate::query::{CursorPosition, ListQuery};
use crate::resource::GenericResource;
use crate::schema::ResourceSchema;
use serde_json::json;
use std::collections::HashSet;

const DEVICE: &str = "urn:example:params:scim:schemas:core:2.0:Device";
/// Devices of tenant A created before the walks.
const DEVICES: usize = 13;
/// The page size of the walks.
const COUNT: usize = 4;
/// Pages after which a walk is taken to never end.
const MAX_PAGES: usize = 500;

/// Walks a `Device` type registered at run time by cursor, forwards and (when the backend
/// walks backwards) backwards, unfiltered and filtered, also with creates between pages
/// (check `custom_walk`). A backend without cursor walks passes untested: the server refuses
/// `cursor` for every type alike.
pub async fn check_custom_walk<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    let b = factory.backend().await;
    if !b.capabilities().cursor {
        return Ok(());
    }
    run(b.as_ref())
        .await
        .map_err(|e| Failure::new("custom_walk", e))
}

fn device(i: usize, rack: bool) -> Outcome<GenericResource> {
    let mut body = json!({
        "schemas": [DEVICE],
        "serialNumber": format!("SN-{i:03}"),
        "displayName": if i % 2 == 1 { "odd" } else { "even" },
    });
    if rack && let Some(o) = body.as_object_mut() {
        o.insert("externalId".into(), json!("rack-1"));
    }
    GenericResource::from_json(body).step("a Device body")
}

async fn run(b: &dyn IdentityBackend) -> Outcome {
    let reg = registry()?;
    let devices = schema(&reg, "Device")?;
    let printers = schema(&reg, "Printer")?;
    let (a, other) = (Tenant::A.ctx(), Tenant::B.ctx());
    let mut all = Vec::new();
    let (mut odd, mut rack, mut seventh) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..DEVICES {
        let created = b
            .create_resource(&a, &devices, device(i, i % 3 == 0)?)
            .await
            .step("create_resource Device")?;
        let id = created.id().step("the created Device's id")?.to_owned();
        if i % 2 == 1 {
            odd.push(id.clone());
        }
        if i % 3 == 0 {
            rack.push(id.clone());
        }
        if i == 7 {
            seventh.push(id.clone());
        }
        all.push(id);
    }
    // neither tenant B's devices nor tenant A's printers belong to the walks
    for i in 0..2 {
        b.create_resource(&other, &devices, device(i, true)?)
            .await
            .step("create_resource Device of tenant B")?;
        let printer = GenericResource::from_json(json!({
            "schemas": ["urn:example:params:scim:schemas:core:2.0:Printer"],
            "serialNumber": format!("P-{i}"),
            "externalId": "rack-1",
        }))
        .step("a Printer body")?;
        b.create_resource(&a, &printers, printer)
            .await
            .step("create_resource Printer")?;
    }
    let backwards = b.capabilities().cursor_previous;
    for (filter, want) in [
        (None, &all),
        (Some(r#"displayName eq "odd""#), &odd),
        (Some(r#"externalId eq "rack-1""#), &rack),
        (Some(r#"serialNumber eq "sn-007""#), &seventh),
        (
            Some(r#"id eq "00000000-0000-4000-8000-000000000000""#),
            &Vec::new(),
        ),
    ] {
        let what = format!("a Device walk filtered by {filter:?}");
        let mut q = ListQuery::new().with_page(1, Some(COUNT));
        if let Some(f) = filter {
            q = q.with_filter(Filter::parse(f).step(f)?);
        }
        let pages = walk(b, &a, &devices, &q, &mut |_| Ok(None)).await?;
        let ids: Vec<String> = pages.iter().flat_map(ids_of).collect();
        let mut sorted = want.clone();
        sorted.sort();
        ensure!(
            ids == sorted,
            "{what}: gave {ids:?}, expected {sorted:?} (every match once, in id order)"
        );
        let total = pages.first().map_or(0, |p| p.total_results);
        ensure!(
            total == want.len(),
            "{what}: totalResults {total}, expected {}",
            want.len()
        );
        if backwards {
            back(b, &a, &devices, &q, &pages, &what).await?;
        }
    }

    // creates between pages: every device that existed for the whole walk, once, in order
    let mut n = DEVICES;
    let q = ListQuery::new().with_page(1, Some(COUNT));
    let mut fresh = Vec::new();
    let pages = walk(b, &a, &devices, &q, &mut |_| {
        n += 1;
        Ok(Some(device(n, false)?))
    })
    .await?;
    for p in &pages {
        fresh.extend(ids_of(p));
    }
    let seen: HashSet<&String> = fresh.iter().collect();
    ensure!(
        seen.len() == fresh.len() && fresh.iter().zip(fresh.iter().skip(1)).all(|(x, y)| x < y),
        "a Device walk with creates between pages saw a device twice or out of id order: {fresh:?}"
    );
    for id in &all {
        ensure!(
            seen.contains(id),
            "a Device walk with creates between pages skipped {id}"
        );
    }
    Ok(())
}

fn ids_of(p: &Page<GenericResource>) -> Vec<String> {
    p.resources
        .iter()
        .filter_map(|r| r.id().map(str::to_owned))
        .collect()
}

async fn page(
    b: &dyn IdentityBackend,
    ctx: &Context,
    schema: &ResourceSchema,
    q: &ListQuery,
    at: CursorPosition,
) -> Outcome<Page<GenericResource>> {
    let p = b
        .list_resources(ctx, schema, &q.clone().with_cursor(at))
        .await
        .step("list_resources with a cursor")?;
    ensure!(
        p.resources.len() <= COUNT,
        "a Device walk page has {} resources, more than count {COUNT}",
        p.resources.len()
    );
    Ok(p)
}

/// Follows the next positions from the start; `between` may give a device to create after
/// each page.
async fn walk(
    b: &dyn IdentityBackend,
    ctx: &Context,
    schema: &ResourceSchema,
    q: &ListQuery,
    between: &mut dyn FnMut(usize) -> Outcome<Option<GenericResource>>,
) -> Outcome<Vec<Page<GenericResource>>> {
    let mut at = CursorPosition::Start;
    let mut pages = Vec::new();
    for n in 0..MAX_PAGES {
        let p = page(b, ctx, schema, q, at).await?;
        let next = p.next.clone();
        pages.push(p);
        if let Some(d) = between(n)? {
            b.create_resource(ctx, schema, d)
                .await
                .step("create_resource Device between pages")?;
        }
        match next {
            Some(n) => at = CursorPosition::After(n),
            None => return Ok(pages),
        }
    }
    Err(format!("a Device walk has no last page after {MAX_PAGES}"))
}

/// From the last page of `pages`, the previous positions lead back to the first page, which
/// has none; the pages are the walk's own.
async fn back(
    b: &dyn IdentityBackend,
    ctx: &Context,
    schema: &ResourceSchema,
    q: &ListQuery,
    pages: &[Page<GenericResource>],
    what: &str,
) -> Outcome {
    ensure!(
        pages.first().is_some_and(|p| p.previous.is_none()),
        "{what}: the first page has a previous position"
    );
    let Some(last) = pages.last() else {
        return Ok(());
    };
    let Some(from) = last.previous.clone() else {
        ensure!(
            pages.len() == 1,
            "{what}: a page after the first has no previous position"
        );
        return Ok(());
    };
    let want: Vec<String> = pages
        .iter()
        .take(pages.len().saturating_sub(1))
        .flat_map(ids_of)
        .collect();
    let mut got: Vec<String> = Vec::new();
    let mut at = from;
    for _ in 0..MAX_PAGES {
        let p = page(b, ctx, schema, q, CursorPosition::Before(at)).await?;
        let mut ids = ids_of(&p);
        ids.extend(got);
        got = ids;
        match p.previous {
            Some(prev) => at = prev,
            None => break,
        }
    }
    ensure!(
        got == want,
        "{what}: the previous positions from the last page gave {got:?}, expected {want:?}"
    );
    Ok(())
}
