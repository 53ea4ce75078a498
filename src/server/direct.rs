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
use crate::backend::StoredUser;
use crate::resource::json_text;
use crate::resource::{Group, GroupRef, Meta, Resource, User};
use crate::schema::{Attribute, ENTERPRISE_USER_SCHEMA, ResourceSchema, Returned};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Whether a resource type's default projection can be served by direct encoding, decided
/// once per [`ResourceSchema`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DirectPlan {
    /// `None`: never direct. `Some(names)`: direct, and these top-level attributes (the
    /// `request`/`never` ones the typed struct never writes) must not appear in `extra`.
    hidden: Option<Vec<Box<str>>>,
    /// The schema's extension URNs: the general path drops an empty extension object.
    extensions: Vec<Box<str>>,
}

fn is_hidden(a: &Attribute) -> bool {
    matches!(a.returned, Returned::Never | Returned::Request)
}

impl DirectPlan {
    /// The plan for `schema`, whose typed struct never writes the top-level attributes named in
    /// `typed_never_written` (case-insensitively).
    pub(crate) fn for_schema(schema: &ResourceSchema, typed_never_written: &[&str]) -> Self {
        let mut hidden = Vec::new();
        for attr in &schema.core().attributes {
            if attr.sub_attributes.iter().any(is_hidden) {
                return DirectPlan::default();
            }
            if is_hidden(attr) {
                if !typed_never_written
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&attr.name))
                {
                    return DirectPlan::default();
                }
                hidden.push(attr.name.as_str().into());
            }
        }
        let mut extensions = Vec::new();
        for ext in schema.extensions() {
            extensions.push(ext.id.as_str().into());
            if ext
                .attributes
                .iter()
                .any(|a| is_hidden(a) || a.sub_attributes.iter().any(is_hidden))
            {
                return DirectPlan::default();
            }
        }
        DirectPlan {
            hidden: Some(hidden),
            extensions,
        }
    }

    /// Whether direct encoding is possible at all for this resource type.
    pub(crate) fn enabled(&self) -> bool {
        self.hidden.is_some()
    }

    /// Whether a resource's top-level `extra` keys leave direct encoding exact.
    fn extra_ok(&self, extra: &Map<String, Value>) -> bool {
        let Some(hidden) = &self.hidden else {
            return false;
        };
        const SPECIAL: [&str; 4] = ["members", "groups", "meta", ENTERPRISE_USER_SCHEMA];
        let empty_object = |v: &Value| v.as_object().is_some_and(Map::is_empty);
        extra.iter().all(|(k, v)| {
            let special = SPECIAL.iter().any(|s| k.eq_ignore_ascii_case(s))
                || hidden.iter().any(|h| k.eq_ignore_ascii_case(h));
            let empty_extension =
                empty_object(v) && self.extensions.iter().any(|e| k.eq_ignore_ascii_case(e));
            !special && !empty_extension
        })
    }
}

/// A typed resource that direct encoding can serve.
pub(crate) trait Direct: Resource + Serialize {
    /// Sets `meta.resourceType` (when missing) and `meta.location`, and fills the missing
    /// `$ref`s as `refs::fill` does; `false` (and nothing changed) when the resource has an
    /// `extra` key that the general path would treat differently.
    fn prepare(&mut self, plan: &DirectPlan, base: &str, location: Option<String>) -> bool;
}

/// No key of a reference's `extra` names one of the sub-attributes `$ref` filling reads.
fn ref_extra_ok(extra: &Map<String, Value>, names: &[&str]) -> bool {
    extra
        .keys()
        .all(|k| !names.iter().any(|n| k.eq_ignore_ascii_case(n)))
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

/// The sub-attributes of a `groups` value or a `manager` that `$ref` filling reads.
const REF: [&str; 2] = ["$ref", "value"];

/// The top-level attributes the typed [`User`] never writes (`returned: never`).
pub(crate) const USER_NEVER_WRITTEN: &[&str] = &["password"];

/// The plan of the standard User resource type (RFC 7643 §4.1 with the Enterprise User
/// extension), which [`user_body_verbatim`] assumes.
pub(crate) fn standard_user_plan() -> &'static DirectPlan {
    static PLAN: OnceLock<DirectPlan> = OnceLock::new();
    PLAN.get_or_init(|| DirectPlan::for_schema(&ResourceSchema::user(), USER_NEVER_WRITTEN))
}

/// Whether direct encoding accepts the user's `extra` and Enterprise User extension.
fn user_attributes_ok(user: &User, plan: &DirectPlan) -> bool {
    plan.extra_ok(user.extra())
        && user.enterprise().is_none_or(|e| {
            // an empty extension object is dropped by the general path
            !e.is_empty()
                && ref_extra_ok(&e.extra, &["manager"])
                && e.manager
                    .as_ref()
                    .is_none_or(|m| ref_extra_ok(&m.extra, &REF))
        })
}

/// Whether a user's stored body (its attributes but `id`, `meta`, `groups`, `password`) is,
/// as its typed `Serialize` writes it, exactly what direct encoding writes for those
/// attributes under the [standard plan](standard_user_plan): accepted, and with no `manager`
/// whose `$ref` would be filled in.
pub(crate) fn user_body_verbatim(user: &User) -> bool {
    user_attributes_ok(user, standard_user_plan())
        && user
            .enterprise()
            .and_then(|e| e.manager.as_ref())
            .is_none_or(|m| m.reference.is_some() || m.value.as_deref().is_none_or(str::is_empty))
}

/// Appends `user` as direct encoding writes it, copying its body as is: `id`, `meta` (with
/// `location`, and `resourceType` when missing), `groups` (each missing `$ref` filled), then
/// the body's members. `false`, with nothing appended, when the body is not
/// [verbatim](user_body_verbatim) or a group reference is one the typed path treats specially
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

/// The end of a `ListResponse` opened by [`list_open`] once its `count` resources are written.
pub(crate) fn list_close(out: &mut Vec<u8>, total: usize, start_index: usize, count: usize) {
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(b"],\"itemsPerPage\":");
    out.extend_from_slice(n.format(count).as_bytes());
    out.extend_from_slice(b",\"schemas\":[\"");
    out.extend_from_slice(super::response::LIST_RESPONSE.as_bytes());
    out.extend_from_slice(b"\"],\"startIndex\":");
    out.extend_from_slice(n.format(start_index).as_bytes());
    out.extend_from_slice(b",\"totalResults\":");
    out.extend_from_slice(n.format(total).as_bytes());
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Manager;
    use crate::server::response::list_response;
    use serde_json::json;

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
        list_close(&mut out, total, start_index, resources.len());
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
    }

    #[test]
    fn plans_follow_returned() {
        let user = ResourceSchema::user();
        assert!(DirectPlan::for_schema(&user, &["password"]).enabled());
        assert!(!DirectPlan::for_schema(&user, &[]).enabled());
        assert!(DirectPlan::for_schema(&ResourceSchema::group(), &[]).enabled());
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
