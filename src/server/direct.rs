//! Direct encoding: a typed resource serialised straight to the response bytes when that gives
//! exactly what the schema-driven path (typed → `serde_json::Value` → `$ref`/`meta` fill →
//! projection → bytes) gives, without the intermediate `Value`
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2) responses,
//! [RFC 7643 §7](https://www.rfc-editor.org/rfc/rfc7643#section-7) `returned`).
//!
//! It applies only to the default projection (no `attributes`/`excludedAttributes`), and only
//! when the resource schema marks no attribute `returned: request`/`never` other than those the
//! typed struct never writes (`password`) — decided once per schema when the server is built
//! ([`DirectPlan::for_schema`]). Per resource, an `extra` key that the schema-driven path would
//! treat specially (a differently-cased `groups`, `$ref`, `manager`, …) sends that resource down
//! the general path instead ([`Direct::prepare`] returns `false` without changing anything).

use super::refs::resource_url;
use super::response::Paging;
use crate::backend::StoredUser;
pub(crate) use crate::resource::direct_plan::{DirectPlan, USER_NEVER_WRITTEN, standard_user_plan};
use crate::resource::direct_plan::{REF, ref_extra_ok, user_attributes_ok};
use crate::resource::json_text;
use crate::resource::{Group, GroupRef, Meta, Resource, User};
use serde::Serialize;

/// A typed resource that direct encoding can serve.
pub(crate) trait Direct: Resource + Serialize {
    /// Sets `meta.resourceType` (when missing) and `meta.location`, and fills the missing
    /// `$ref`s as `refs::fill` does; `false` (and nothing changed) when the resource has an
    /// `extra` key that the general path would treat differently.
    fn prepare(&mut self, plan: &DirectPlan, base: &str, location: Option<String>) -> bool;
}

/// The `$ref` to fill in: `None` when one is present or there is no non-empty id.
fn missing_ref(
    reference: &Option<String>,
    value: Option<&str>,
    base: &str,
    endpoint: &str,
) -> Option<String> {
    if reference.is_some() {
        return None;
    }
    value
        .filter(|v| !v.is_empty())
        .map(|id| resource_url(base, endpoint, id))
}

fn set_meta<R: Resource>(resource: &mut R, location: Option<String>) {
    stamp_meta::<R>(
        resource.meta_mut().get_or_insert_with(Meta::default),
        location,
    );
}

/// Sets `meta.resourceType` (when missing) and `meta.location` as a response carries them.
fn stamp_meta<R: Resource>(meta: &mut Meta, location: Option<String>) {
    if meta.resource_type.is_none() {
        meta.resource_type = Some(R::RESOURCE_TYPE.to_owned());
    }
    if let Some(loc) = location {
        meta.location = Some(loc);
    }
}

/// Whether no `groups` value has an `extra` key that `$ref` filling reads.
fn groups_ok(groups: &[GroupRef]) -> bool {
    groups.iter().all(|g| ref_extra_ok(&g.extra, &REF))
}

/// Fills the missing `$ref` of each `groups` value (always a Group).
fn fill_group_refs(groups: &mut [GroupRef], base: &str) {
    for g in groups {
        if let Some(url) = missing_ref(&g.reference, g.value.as_deref(), base, "Groups") {
            g.reference = Some(url);
        }
    }
}

/// Appends `user` as direct encoding writes it, copying its body as is: `id`, `meta` (with
/// `location`, and `resourceType` when missing), `groups` (each missing `$ref` filled), then
/// the body's members. `false`, with nothing appended, when the body is not
/// [verbatim](crate::resource::direct_plan::user_body_verbatim) or a group reference is one the typed path treats specially
/// (the caller decodes the user and takes the typed path). The server calls it only when its
/// User plan is the standard one.
pub(crate) fn write_stored_user(
    out: &mut Vec<u8>,
    user: &mut StoredUser,
    base: &str,
    location: String,
) -> bool {
    if !user.body.is_verbatim() || !groups_ok(&user.groups) {
        return false;
    }
    fill_group_refs(&mut user.groups, base);
    stamp_meta::<User>(&mut user.meta, Some(location));
    let mark = out.len();
    out.extend_from_slice(b"{\"id\":");
    json_text::write_str(out, &user.id);
    out.extend_from_slice(b",\"meta\":");
    user.meta.write_json(out);
    if !user.groups.is_empty() {
        out.extend_from_slice(b",\"groups\":");
        if serde_json::to_writer(&mut *out, &user.groups).is_err() {
            out.truncate(mark);
            return false;
        }
    }
    match user.body.as_str().strip_prefix('{') {
        Some(rest) if !rest.trim_start().starts_with('}') => {
            out.push(b',');
            out.extend_from_slice(rest.as_bytes());
        }
        _ => out.push(b'}'),
    }
    true
}

impl Direct for User {
    fn prepare(&mut self, plan: &DirectPlan, base: &str, location: Option<String>) -> bool {
        if !user_attributes_ok(self, plan) || !groups_ok(&self.groups) {
            return false;
        }
        fill_group_refs(&mut self.groups, base);
        if self.enterprise().and_then(|e| e.manager.as_ref()).is_some()
            && let Some(m) = self.enterprise_mut().manager.as_mut()
            && let Some(url) = missing_ref(&m.reference, m.value.as_deref(), base, "Users")
        {
            m.reference = Some(url);
        }
        set_meta(self, location);
        true
    }
}

impl Direct for Group {
    fn prepare(&mut self, plan: &DirectPlan, base: &str, location: Option<String>) -> bool {
        let ok = plan.extra_ok(self.extra())
            && self
                .members
                .iter()
                .all(|m| ref_extra_ok(&m.extra, &["$ref", "value", "type"]));
        if !ok {
            return false;
        }
        for m in &mut self.members {
            let endpoint = match m.kind.as_deref() {
                Some(t) if t.eq_ignore_ascii_case("User") => "Users",
                Some(t) if t.eq_ignore_ascii_case("Group") => "Groups",
                _ => continue,
            };
            if let Some(url) = missing_ref(&m.reference, Some(&m.value), base, endpoint) {
                m.reference = Some(url);
            }
        }
        set_meta(self, location);
        true
    }
}

/// The start of a `ListResponse` (RFC 7644 §3.4.2) whose resources are written next, in the
/// key order of the `Value` path: `{"Resources":[`.
pub(crate) fn list_open(out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"Resources\":[");
}

/// The end of a `ListResponse` opened by [`list_open`] once its `count` resources are written,
/// for either kind of paging: `startIndex` for index paging, `nextCursor`
/// (when there is a next page) and `previousCursor` (when there is a previous one) for a
/// cursor walk (RFC 9865 §2.2). Keys in the order
/// `serde_json` writes them, so both encodings give the same bytes.
pub(crate) fn list_close_paged(out: &mut Vec<u8>, total: usize, paging: &Paging, count: usize) {
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(b"],\"itemsPerPage\":");
    out.extend_from_slice(n.format(count).as_bytes());
    if let Paging::Cursor { next, previous } = paging {
        for (key, cursor) in [
            (&b",\"nextCursor\":"[..], next),
            (b",\"previousCursor\":", previous),
        ] {
            if let Some(c) = cursor {
                out.extend_from_slice(key);
                // base64url: nothing to escape, but written through the JSON encoder all the same.
                let _ = serde_json::to_writer(&mut *out, c);
            }
        }
    }
    out.extend_from_slice(b",\"schemas\":[\"");
    out.extend_from_slice(super::response::LIST_RESPONSE.as_bytes());
    out.extend_from_slice(b"\"]");
    if let Paging::Index(start_index) = paging {
        out.extend_from_slice(b",\"startIndex\":");
        out.extend_from_slice(n.format(*start_index).as_bytes());
    }
    out.extend_from_slice(b",\"totalResults\":");
    out.extend_from_slice(n.format(total).as_bytes());
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Manager;
    use crate::schema::ResourceSchema;
    use crate::server::response::list_response;
    use serde_json::{Value, json};

    /// A ListResponse around already-encoded resources.
    fn list_bytes(total: usize, start_index: usize, resources: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        list_open(&mut out);
        for (i, r) in resources.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(r);
        }
        list_close_paged(
            &mut out,
            total,
            &Paging::Index(start_index),
            resources.len(),
        );
        out
    }

    #[test]
    fn list_envelope_equals_the_value_form() {
        let a = json!({"id": "1", "userName": "a"});
        let b = json!({"id": "2", "userName": "b\"x"});
        let bytes = list_bytes(
            7,
            3,
            &[
                serde_json::to_vec(&a).unwrap(),
                serde_json::to_vec(&b).unwrap(),
            ],
        );
        let want = serde_json::to_vec(&list_response(7, 3, vec![a, b])).unwrap();
        assert_eq!(bytes, want);
        let empty = list_bytes(0, 1, &[]);
        let want = serde_json::to_vec(&list_response(0, 1, Vec::new())).unwrap();
        assert_eq!(empty, want);
        // RFC 9865 §2.2: a cursor page has nextCursor (while more follow), previousCursor
        // (when some precede) and no startIndex.
        let c = |s: &str| Some(s.to_owned());
        for (next, previous) in [
            (c("VZUTiyhEQJ94IR"), None),
            (None, None),
            (c("VZUTiyhEQJ94IR"), c("ZVUTiyhEQJ94IR")),
            (None, c("ZVUTiyhEQJ94IR")),
        ] {
            let paging = Paging::Cursor { next, previous };
            let mut out = Vec::new();
            list_open(&mut out);
            out.extend_from_slice(br#"{"id":"1"}"#);
            list_close_paged(&mut out, 9, &paging, 1);
            let want =
                crate::server::response::list_response_paged(9, &paging, vec![json!({"id": "1"})]);
            assert_eq!(out, serde_json::to_vec(&want).unwrap());
        }
    }

    #[test]
    fn odd_extra_keys_take_the_general_path() {
        let plan = DirectPlan::for_schema(&ResourceSchema::user(), &["password"]);
        let mut u = User::new("a");
        u.set_extension("urn:x:Ext", json!({"a": 1})).unwrap();
        assert!(u.clone().prepare(&plan, "https://x", None));
        let mut odd = User::from_json(json!({"userName": "a", "Password2": 1})).unwrap();
        assert!(odd.prepare(&plan, "https://x", None));
        let mut manager = Manager::new("m");
        manager.extra.insert("Value".into(), json!("n"));
        let mut m = User::new("a");
        m.enterprise_mut().manager = Some(manager);
        let before = m.clone();
        assert!(!m.prepare(&plan, "https://x", None));
        assert_eq!(m, before);
        let mut empty = User::new("a");
        empty.enterprise_mut();
        assert!(!empty.prepare(&plan, "https://x", None));
    }

    /// What the general path makes of a resource (`ScimServer::resource_json`'s steps).
    fn general<R: Resource>(r: &R, schema: ResourceSchema, base: &str, loc: &str) -> Value {
        let mut json = r.to_json();
        if let Value::Object(map) = &mut json {
            crate::server::refs::fill(map, base);
            let meta = map.entry("meta").or_insert_with(|| json!({}));
            if let Value::Object(meta) = meta {
                meta.entry("resourceType")
                    .or_insert_with(|| json!(R::RESOURCE_TYPE));
                meta.insert("location".into(), json!(loc));
            }
        }
        crate::query::projection::Projection::all(std::sync::Arc::new(schema)).apply(&mut json);
        json
    }

    #[test]
    fn direct_equals_general_for_the_rfc_examples() {
        let base = "https://x.example/scim/v2";
        let loc = "https://x.example/scim/v2/Users/1";
        for file in [
            "enterprise_user.json",
            "full_user.json",
            "minimal_user.json",
        ] {
            let text = std::fs::read_to_string(format!("tests/data/rfc7643/{file}")).unwrap();
            let mut user = User::from_json(serde_json::from_str(&text).unwrap()).unwrap();
            user.groups.push(crate::resource::GroupRef::direct("g 1"));
            user.password = Some(crate::resource::Password::new("secret"));
            let ent = user.enterprise_mut();
            ent.department.get_or_insert_with(|| "Sales".into());
            if let Some(m) = ent.manager.as_mut() {
                m.reference = None;
            }
            let want = general(&user, ResourceSchema::user(), base, loc);
            let plan = DirectPlan::for_schema(&ResourceSchema::user(), &["password"]);
            assert!(user.prepare(&plan, base, Some(loc.into())), "{file}");
            let got: Value = serde_json::from_slice(&serde_json::to_vec(&user).unwrap()).unwrap();
            assert_eq!(got, want, "{file}");
        }
        let text = std::fs::read_to_string("tests/data/rfc7643/group.json").unwrap();
        let mut group = Group::from_json(serde_json::from_str(&text).unwrap()).unwrap();
        group.members.push(crate::resource::Member::group("g/2"));
        group.members.push(crate::resource::Member::new("untyped"));
        group.meta = None;
        let want = general(&group, ResourceSchema::group(), base, loc);
        let plan = DirectPlan::for_schema(&ResourceSchema::group(), &[]);
        assert!(group.prepare(&plan, base, Some(loc.into())));
        let got: Value = serde_json::from_slice(&serde_json::to_vec(&group).unwrap()).unwrap();
        assert_eq!(got, want);
    }
}
