//! The audit hook: one event per successful change (resources and keys), none for a failed
//! request, and a failing sink that neither loses the change nor alters the answer.

use crate::server_support::{Call, KEY_B, builder, create_group, create_user};
use async_trait::async_trait;
use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use scimitar::audit::{AuditAction, AuditError, AuditEvent, AuditSink};
use scimitar::auth::{KeyAdmin, MemoryKeyStore, Secret, StaticTokenAuthenticator};
use scimitar::server::ScimServer;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Keeps every event; fails every call when `fail` is set.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<AuditEvent>>,
    fail: bool,
}

#[async_trait]
impl AuditSink for Recorder {
    async fn record(&self, event: &AuditEvent) -> Result<(), AuditError> {
        self.events.lock().unwrap().push(event.clone());
        if self.fail {
            Err("audit database unreachable".into())
        } else {
            Ok(())
        }
    }
}

impl Recorder {
    fn take(&self) -> Vec<AuditEvent> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }
}

async fn audited(fail: bool) -> (ScimServer, Arc<Recorder>) {
    let rec = Arc::new(Recorder {
        fail,
        ..Recorder::default()
    });
    let server = builder().await.audit(rec.clone()).build().unwrap();
    (server, rec)
}

#[track_caller]
fn one(events: Vec<AuditEvent>, action: AuditAction, resource_type: &str, id: &str) {
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e.action, action);
    assert_eq!(e.resource_type, resource_type);
    assert_eq!(e.resource_id, id);
    assert_eq!(e.tenant.as_str(), "a");
    assert!(
        e.principal.as_str().starts_with("key:"),
        "{:?}",
        e.principal
    );
    let age = SystemTime::now().duration_since(e.at).unwrap();
    assert!(age.as_secs() < 60);
}

#[tokio::test]
async fn every_kind_of_change_is_one_event() {
    let (s, rec) = audited(false).await;
    let user = create_user(&s, "adele@contoso.com").await;
    let uid = user["id"].as_str().unwrap().to_owned();
    one(rec.take(), AuditAction::Create, "User", &uid);

    let put = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                     "userName": "adele@contoso.com", "displayName": "Adele"});
    assert_eq!(
        Call::put(&format!("/Users/{uid}"), put)
            .send(&s)
            .await
            .status,
        200
    );
    one(rec.take(), AuditAction::Replace, "User", &uid);

    let patch = json!({"Operations": [{"op": "replace", "path": "active", "value": false}]});
    let a = Call::patch(&format!("/Users/{uid}"), patch).send(&s).await;
    assert_eq!(a.status, 200);
    one(rec.take(), AuditAction::Patch, "User", &uid);

    let group = create_group(&s, "Sales", &[]).await;
    let gid = group["id"].as_str().unwrap().to_owned();
    one(rec.take(), AuditAction::Create, "Group", &gid);

    let add = json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}]});
    let a = Call::patch(&format!("/Groups/{gid}"), add).send(&s).await;
    assert_eq!(a.status, 204);
    one(rec.take(), AuditAction::MembersChanged, "Group", &gid);

    let remove =
        json!({"Operations": [{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]});
    let a = Call::patch(&format!("/Groups/{gid}"), remove)
        .send(&s)
        .await;
    assert_eq!(a.status, 204);
    one(rec.take(), AuditAction::MembersChanged, "Group", &gid);

    let rename =
        json!({"Operations": [{"op": "replace", "path": "displayName", "value": "Sales EU"}]});
    let a = Call::patch(&format!("/Groups/{gid}"), rename)
        .send(&s)
        .await;
    assert_eq!(a.status, 204);
    one(rec.take(), AuditAction::Patch, "Group", &gid);

    assert_eq!(
        Call::delete(&format!("/Groups/{gid}"))
            .send(&s)
            .await
            .status,
        204
    );
    one(rec.take(), AuditAction::Delete, "Group", &gid);
    assert_eq!(
        Call::delete(&format!("/Users/{uid}")).send(&s).await.status,
        204
    );
    one(rec.take(), AuditAction::Delete, "User", &uid);

    // Reads are not changes.
    assert_eq!(Call::get("/Users").send(&s).await.status, 200);
    assert!(rec.take().is_empty());
}

#[tokio::test]
async fn failed_requests_produce_no_event() {
    let (s, rec) = audited(false).await;
    let user = create_user(&s, "adele@contoso.com").await;
    let uid = user["id"].as_str().unwrap().to_owned();
    rec.take();
    let dup = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ADELE@contoso.com"});
    Call::post("/Users", dup.clone())
        .send(&s)
        .await
        .assert_error(409, Some("uniqueness"));
    Call::post("/Users", dup)
        .anonymous()
        .send(&s)
        .await
        .assert_error(401, None);
    let patch = json!({"Operations": [{"op": "replace", "path": "id", "value": "x"}]});
    let a = Call::patch(&format!("/Users/{uid}"), patch).send(&s).await;
    assert_eq!(a.status, 400);
    let ok = json!({"Operations": [{"op": "replace", "path": "active", "value": false}]});
    let a = Call::patch(&format!("/Users/{uid}"), ok)
        .header("if-match", "W/\"not-the-version\"")
        .send(&s)
        .await;
    assert_eq!(a.status, 412);
    let a = Call::delete(&format!("/Users/{uid}"))
        .key(KEY_B)
        .send(&s)
        .await;
    assert_eq!(a.status, 404, "another tenant's delete fails");
    assert_eq!(Call::delete("/Groups/nope").send(&s).await.status, 404);
    assert!(rec.take().is_empty());
}

#[tokio::test]
async fn a_failing_sink_keeps_the_change_and_the_answer() {
    let (s, rec) = audited(true).await;
    let user = create_user(&s, "adele@contoso.com").await;
    let uid = user["id"].as_str().unwrap().to_owned();
    let a = Call::get(&format!("/Users/{uid}")).send(&s).await;
    assert_eq!(a.status, 200, "the change is stored");
    let a = Call::delete(&format!("/Users/{uid}")).send(&s).await;
    assert_eq!(a.status, 204);
    assert_eq!(
        Call::get(&format!("/Users/{uid}")).send(&s).await.status,
        404
    );
    assert_eq!(rec.take().len(), 2, "the sink was asked each time");
}

const ADMIN: &str = "admin-token-for-audit-tests-0123456789";

fn admin_request(method: Method, path: &str) -> Request<Bytes> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {ADMIN}"))
        .body(Bytes::new())
        .unwrap()
}

#[tokio::test]
async fn key_mint_and_revoke_are_events_of_the_keys_tenant() {
    for fail in [false, true] {
        let rec = Arc::new(Recorder {
            fail,
            ..Recorder::default()
        });
        let admin = KeyAdmin::new(
            Arc::new(MemoryKeyStore::new()),
            Arc::new(StaticTokenAuthenticator::admin(&Secret::new(ADMIN))),
        )
        .with_audit(rec.clone());
        let r = admin
            .handle(admin_request(Method::POST, "/tenants/org1/keys"))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let minted: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        let id = minted["id"].as_str().unwrap().to_owned();
        let events = rec.take();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, AuditAction::KeyMinted);
        assert_eq!(events[0].tenant.as_str(), "org1");
        assert_eq!(events[0].resource_type, "ApiKey");
        assert_eq!(events[0].resource_id, id);
        let secret = minted["secret"].as_str().unwrap();
        assert!(
            !format!("{events:?}").contains(secret),
            "no secret in events"
        );

        let listed = admin
            .handle(admin_request(Method::GET, "/tenants/org1/keys"))
            .await;
        assert_eq!(listed.status(), StatusCode::OK);
        assert!(rec.take().is_empty());

        let path = format!("/tenants/org1/keys/{id}");
        let r = admin.handle(admin_request(Method::DELETE, &path)).await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let events = rec.take();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, AuditAction::KeyRevoked);
        assert_eq!(events[0].resource_id, id);

        // Revoking it again fails: no event.
        let r = admin.handle(admin_request(Method::DELETE, &path)).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(rec.take().is_empty());
    }
}

#[tokio::test]
async fn admin_405_names_the_allowed_methods() {
    let admin = KeyAdmin::new(
        Arc::new(MemoryKeyStore::new()),
        Arc::new(StaticTokenAuthenticator::admin(&Secret::new(ADMIN))),
    );
    let r = admin
        .handle(admin_request(Method::PUT, "/tenants/org1/keys"))
        .await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()[header::ALLOW], "GET, POST");
    let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
    assert_eq!(body["status"], "405");
    let r = admin
        .handle(admin_request(Method::GET, "/tenants/org1/keys/k1"))
        .await;
    assert_eq!(r.headers()[header::ALLOW], "DELETE");
}
