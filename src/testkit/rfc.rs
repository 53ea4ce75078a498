//! The example resources of [RFC 7643 §8](https://www.rfc-editor.org/rfc/rfc7643#section-8)
//! (embedded from `tests/data/rfc7643/`) through the whole lifecycle of
//! [RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3): create, get, list by
//! filter, replace, patch (with and without `If-Match`) and delete, through `ScimServer::handle`
//! over a fresh backend.

use super::failure::{Outcome, Step, ensure};
use super::harness::{Answer, BASE, Bench, Tenant, at, filter_query, patch_body, subset};
use super::{BackendFactory, Failure};
use http::Method;
use serde_json::{Value, json};

/// The §8.1–§8.3 Users, by name.
const USERS: [(&str, &str); 3] = [
    (
        "RFC 7643 §8.1 minimal user",
        include_str!("../../tests/data/rfc7643/minimal_user.json"),
    ),
    (
        "RFC 7643 §8.2 full user",
        include_str!("../../tests/data/rfc7643/full_user.json"),
    ),
    (
        "RFC 7643 §8.3 enterprise user",
        include_str!("../../tests/data/rfc7643/enterprise_user.json"),
    ),
];
/// The §8.4 Group.
const GROUP: &str = include_str!("../../tests/data/rfc7643/group.json");

/// Runs the [RFC 7643 §8](https://www.rfc-editor.org/rfc/rfc7643#section-8) examples through
/// create, get, list, replace, patch and delete on a fresh backend (check `rfc_examples`).
pub async fn check_rfc_examples<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    let run = async {
        let bench = Bench::new(factory).await?;
        for (name, text) in USERS {
            user_lifecycle(&bench, text)
                .await
                .map_err(|e| format!("{name}: {e}"))?;
        }
        group_lifecycle(&bench)
            .await
            .map_err(|e| format!("RFC 7643 §8.4 group: {e}"))
    };
    run.await.map_err(|e| Failure::new("rfc_examples", e))
}

/// The example as a request: without what the server assigns (`id`, `meta`, read-only `groups`).
fn request_body(text: &str) -> Outcome<Value> {
    let mut body: Value = serde_json::from_str(text).step("the example's JSON")?;
    if let Some(o) = body.as_object_mut() {
        o.remove("id");
        o.remove("meta");
        o.remove("groups");
    }
    Ok(body)
}

/// What a response must contain for this request: all of it but `password` (never returned,
/// RFC 7643 §4.1.1), `$ref`s (the server writes its own, RFC 7643 §2.3.7) and the read-only
/// `manager.displayName` (RFC 7643 §4.3).
fn expected(request: &Value) -> Value {
    let mut want = without_write_only(request);
    let manager = "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager";
    if let Some(m) = want.pointer_mut(manager).and_then(Value::as_object_mut) {
        m.remove("displayName");
    }
    want
}

fn without_write_only(request: &Value) -> Value {
    match request {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| *k != "password" && *k != "$ref")
                .map(|(k, v)| (k.clone(), without_write_only(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_write_only).collect()),
        other => other.clone(),
    }
}

/// A written resource: `expect` ⊆ it, no password, server-assigned `id` and `meta`, an ETag.
fn check_written(a: &Answer, want: &Value, kind: &str) -> Outcome<String> {
    subset(want, &a.body, "").map_err(|e| format!("{}: {e}", a.what))?;
    ensure!(
        a.body.get("password").is_none(),
        "{}: password returned",
        a.what
    );
    let id = a.str_at("/id")?;
    let location = format!("{BASE}/{kind}s/{id}");
    ensure!(
        at(at(&a.body, "meta"), "resourceType") == kind
            && at(at(&a.body, "meta"), "location") == location.as_str(),
        "{}: meta.resourceType/location wrong in {}",
        a.what,
        at(&a.body, "meta")
    );
    for field in ["created", "lastModified", "version"] {
        ensure!(
            at(at(&a.body, "meta"), field).is_string(),
            "{}: no meta.{field}",
            a.what
        );
    }
    ensure!(
        a.header("etag") == at(at(&a.body, "meta"), "version").as_str(),
        "{}: ETag {:?} is not meta.version {}",
        a.what,
        a.header("etag"),
        at(at(&a.body, "meta"), "version")
    );
    Ok(id)
}

/// `GET path` answers exactly `want` (after a write: the same resource, the same version).
async fn get_equals(bench: &Bench, path: &str, want: &Value) -> Outcome {
    let got = bench.get_ok(path).await?;
    ensure!(
        &got.body == want,
        "GET {path} gives {}, the write answered {want}",
        got.body
    );
    Ok(())
}

/// `filter` finds exactly `want` (as `GET /{kind}s/{id}` shows it).
async fn finds(bench: &Bench, kind: &str, filter: &str, want: &[&Value]) -> Outcome {
    let path = format!("/{kind}s?{}", filter_query(filter));
    let list = bench.get_ok(&path).await?;
    let empty = Vec::new();
    let got = at(&list.body, "Resources").as_array().unwrap_or(&empty);
    ensure!(
        list.total()? == want.len() as u64 && got.iter().eq(want.iter().copied()),
        "filter {filter:?} gives {}, expected {want:?}",
        list.body
    );
    Ok(())
}

async fn user_lifecycle(bench: &Bench, text: &str) -> Outcome {
    let body = request_body(text)?;
    let created = bench.create("/Users", &body).await?;
    let id = check_written(&created, &expected(&body), "User")?;
    let path = format!("/Users/{id}");
    get_equals(bench, &path, &created.body).await?;
    finds(
        bench,
        "User",
        "userName eq \"BJENSEN@example.com\"",
        &[&created.body],
    )
    .await?;
    finds(bench, "User", &format!("id eq \"{id}\""), &[&created.body]).await?;
    if let Some(external) = at(&body, "externalId").as_str() {
        finds(
            bench,
            "User",
            &format!("externalId eq \"{external}\""),
            &[&created.body],
        )
        .await?;
    }

    // replace: a changed displayName, a dropped nickName
    let mut replacement = body.clone();
    if let Some(o) = replacement.as_object_mut() {
        o.insert("displayName".into(), json!("Barbara Jensen (replaced)"));
        o.remove("nickName");
    }
    let v1 = created.str_at("/meta/version")?;
    let replaced = bench
        .write(Method::PUT, &path, Some(&replacement), Some(&v1))
        .await?
        .expect(200)?;
    ensure!(
        check_written(&replaced, &expected(&replacement), "User")? == id,
        "PUT changed the id"
    );
    ensure!(
        replaced.body.get("nickName").is_none(),
        "PUT kept the dropped nickName"
    );
    ensure!(
        at(at(&replaced.body, "meta"), "created") == at(at(&created.body, "meta"), "created"),
        "PUT changed meta.created"
    );
    let v2 = replaced.str_at("/meta/version")?;
    ensure!(v2 != v1, "PUT kept meta.version {v1}");
    get_equals(bench, &path, &replaced.body).await?;

    // patch: a stale If-Match is refused and changes nothing; a current one applies
    let patch = patch_body(json!([
        {"op": "replace", "path": "title", "value": "Chief Conformance Officer"},
        {"op": "add", "path": "emails", "value": [{"value": "kit@example.org", "type": "other"}]},
        {"op": "remove", "path": "displayName"}
    ]));
    bench
        .write(Method::PATCH, &path, Some(&patch), Some(&v1))
        .await?
        .expect(412)?;
    get_equals(bench, &path, &replaced.body).await?;
    let patched = bench
        .write(Method::PATCH, &path, Some(&patch), Some(&v2))
        .await?
        .expect(200)?;
    let mut want = replaced.body.clone();
    if let Some(o) = want.as_object_mut() {
        o.insert("title".into(), json!("Chief Conformance Officer"));
        o.remove("displayName");
        o.remove("meta");
        let mut emails = o
            .get("emails")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        emails.push(json!({"value": "kit@example.org", "type": "other"}));
        o.insert("emails".into(), Value::Array(emails));
    }
    check_written(&patched, &want, "User")?;
    ensure!(
        patched.body.get("displayName").is_none(),
        "PATCH remove kept displayName"
    );
    ensure!(
        patched.str_at("/meta/version")? != v2,
        "PATCH kept meta.version"
    );
    get_equals(bench, &path, &patched.body).await?;
    finds(
        bench,
        "User",
        "title eq \"Chief Conformance Officer\"",
        &[&patched.body],
    )
    .await?;

    // delete: a stale If-Match is refused; then the user and its userName are gone
    bench
        .write(Method::DELETE, &path, None, Some(&v2))
        .await?
        .expect(412)?;
    bench
        .call(Tenant::A, Method::DELETE, &path, None, &[])
        .await?
        .expect(204)?;
    bench
        .call(Tenant::A, Method::GET, &path, None, &[])
        .await?
        .expect(404)?;
    bench
        .call(Tenant::A, Method::DELETE, &path, None, &[])
        .await?
        .expect(404)?;
    finds(bench, "User", "userName eq \"bjensen@example.com\"", &[]).await
}

async fn create_user(bench: &Bench, user_name: &str, display: &str) -> Outcome<String> {
    let body = json!({"userName": user_name, "displayName": display});
    bench.create("/Users", &body).await?.str_at("/id")
}

/// The `groups` of a user, as `(value, display)` pairs.
async fn user_groups(bench: &Bench, id: &str) -> Outcome<Vec<(String, String)>> {
    let user = bench.get_ok(&format!("/Users/{id}")).await?;
    let empty = Vec::new();
    Ok(at(&user.body, "groups")
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|g| {
            (
                at(g, "value").as_str().unwrap_or_default().to_owned(),
                at(g, "display").as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

async fn group_lifecycle(bench: &Bench) -> Outcome {
    let babs = create_user(bench, "bjensen@example.com", "Babs Jensen").await?;
    let mandy = create_user(bench, "mpepperidge@example.com", "Mandy Pepperidge").await?;
    // the example's member ids are those of users of another server: use ours
    let text = GROUP
        .replace("2819c223-7f76-453a-919d-413861904646", &babs)
        .replace("902c246b-6245-4190-8e05-00816be7344a", &mandy);
    let body = request_body(&text)?;
    let created = bench.create("/Groups", &body).await?;
    let gid = check_written(&created, &expected(&body), "Group")?;
    let path = format!("/Groups/{gid}");
    get_equals(bench, &path, &created.body).await?;
    finds(
        bench,
        "Group",
        "displayName eq \"Tour Guides\"",
        &[&created.body],
    )
    .await?;
    finds(
        bench,
        "Group",
        &format!("members[value eq \"{mandy}\"]"),
        &[&created.body],
    )
    .await?;
    let tour = vec![(gid.clone(), "Tour Guides".to_owned())];
    for user in [&babs, &mandy] {
        let groups = user_groups(bench, user).await?;
        ensure!(
            groups == tour,
            "user {user} has groups {groups:?}, expected {tour:?}"
        );
    }

    // replace: renamed, Babs only
    let replacement = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Tour Guides EU",
        "members": [{"value": babs, "display": "Babs Jensen"}]
    });
    let replaced = bench
        .call(Tenant::A, Method::PUT, &path, Some(&replacement), &[])
        .await?
        .expect(200)?;
    check_written(&replaced, &replacement, "Group")?;
    let groups = user_groups(bench, &babs).await?;
    ensure!(
        groups == [(gid.clone(), "Tour Guides EU".to_owned())],
        "after PUT, Babs has groups {groups:?}"
    );
    ensure!(
        user_groups(bench, &mandy).await?.is_empty(),
        "after PUT, Mandy is still a member"
    );

    // patch: add Mandy, remove Babs (the way Entra ID sends it)
    let patch = patch_body(json!([
        {"op": "add", "path": "members", "value": [{"value": mandy}]},
        {"op": "remove", "path": format!("members[value eq \"{babs}\"]")}
    ]));
    let v = replaced.str_at("/meta/version")?;
    let patched = bench
        .write(Method::PATCH, &path, Some(&patch), Some(&v))
        .await?;
    ensure!(
        patched.status == 200 || patched.status == 204,
        "{}: status {} {}",
        patched.what,
        patched.status,
        patched.body
    );
    let got = bench.get_ok(&path).await?;
    subset(
        &json!({"displayName": "Tour Guides EU", "members": [{"value": mandy}]}),
        &got.body,
        "",
    )
    .map_err(|e| format!("after PATCH: {e}"))?;
    ensure!(
        got.str_at("/meta/version")? != v,
        "PATCH of members kept meta.version"
    );
    ensure!(
        user_groups(bench, &babs).await?.is_empty(),
        "after PATCH, Babs is still a member"
    );
    bench
        .write(Method::PATCH, &path, Some(&patch), Some(&v))
        .await?
        .expect(412)?;

    // delete: gone, and gone from its members' groups
    bench
        .call(Tenant::A, Method::DELETE, &path, None, &[])
        .await?
        .expect(204)?;
    bench
        .call(Tenant::A, Method::GET, &path, None, &[])
        .await?
        .expect(404)?;
    ensure!(
        user_groups(bench, &mandy).await?.is_empty(),
        "a deleted group stays in Mandy's groups"
    );
    finds(bench, "Group", "displayName eq \"Tour Guides EU\"", &[]).await?;
    for user in [babs, mandy] {
        let p = format!("/Users/{user}");
        bench
            .call(Tenant::A, Method::DELETE, &p, None, &[])
            .await?
            .expect(204)?;
    }
    Ok(())
}
