//! The audit hook: after each successful change — a resource created, replaced, patched or
//! deleted, a group's members changed, a key minted or revoked — the service is told who did
//! what and when, so it can keep an audit log
//! ([RFC 7644 §7](https://www.rfc-editor.org/rfc/rfc7644#section-7) leaves accountability to the
//! service provider).
//!
//! Set a sink with [`ServerBuilder::audit`](crate::server::ServerBuilder::audit) and
//! [`KeyAdmin::with_audit`](crate::auth::KeyAdmin::with_audit). The sink is called after the
//! change is stored and before the answer is sent; a sink that fails never undoes the change and
//! never changes the answer — the failure is logged (with the `tracing` feature) and dropped.
//! Events carry ids, never attribute values, secrets or request bodies.
//!
//! ```
//! use async_trait::async_trait;
//! use scimitar::audit::{AuditError, AuditEvent, AuditSink};
//!
//! /// Writes each change as one line on standard error.
//! struct StderrAudit;
//!
//! #[async_trait]
//! impl AuditSink for StderrAudit {
//!     async fn record(&self, event: &AuditEvent) -> Result<(), AuditError> {
//!         eprintln!(
//!             "{} {} {:?} {}/{}",
//!             event.tenant, event.principal, event.action, event.resource_type, event.resource_id
//!         );
//!         Ok(())
//!     }
//! }
//! ```

use crate::context::{Context, Principal, TenantId};
use async_trait::async_trait;
use std::time::SystemTime;

/// What a change did ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3): the
/// operations that modify resources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuditAction {
    /// `POST /Users`, `POST /Groups` ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)).
    Create,
    /// `PUT` ([RFC 7644 §3.5.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.1)).
    Replace,
    /// `PATCH` of anything but only a group's members
    /// ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).
    Patch,
    /// A Group `PATCH` whose every operation adds, removes or replaces `members`
    /// ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).
    MembersChanged,
    /// `DELETE` ([RFC 7644 §3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.6)).
    Delete,
    /// A SCIM key minted through [`KeyAdmin`](crate::auth::KeyAdmin).
    KeyMinted,
    /// A SCIM key revoked through [`KeyAdmin`](crate::auth::KeyAdmin).
    KeyRevoked,
}

/// One successful change: who, what and when
/// ([RFC 7644 §7](https://www.rfc-editor.org/rfc/rfc7644#section-7)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditEvent {
    /// The tenant the change was made in.
    pub tenant: TenantId,
    /// Who made it: the authenticated principal (for a SCIM key, `key:<key id>`).
    pub principal: Principal,
    /// What was done.
    pub action: AuditAction,
    /// The resource type: `User`, `Group`, or `ApiKey` for key minting and revocation.
    pub resource_type: String,
    /// The id of the resource (for a key, the key's id — never its secret).
    pub resource_id: String,
    /// When the change was stored (as seen by this server).
    pub at: SystemTime,
}

impl AuditEvent {
    /// An event stamped now, made by the caller `ctx`.
    pub fn new(
        ctx: &Context,
        action: AuditAction,
        resource_type: impl Into<String>,
        resource_id: impl Into<String>,
    ) -> Self {
        AuditEvent {
            tenant: ctx.tenant.clone(),
            principal: ctx.principal.clone(),
            action,
            resource_type: resource_type.into(),
            resource_id: resource_id.into(),
            at: SystemTime::now(),
        }
    }
}

/// Why a sink could not record an event (logged by the caller, never sent to a client).
pub type AuditError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where audit events go: a database table, a message queue, a log
/// ([RFC 7644 §7](https://www.rfc-editor.org/rfc/rfc7644#section-7)).
///
/// Called once per successful change, after it is stored, on the request's task: keep it quick
/// (hand the event to a channel when the destination is slow). An `Err` is logged and ignored.
#[async_trait]
pub trait AuditSink: Send + Sync {
    /// Records one change.
    async fn record(&self, event: &AuditEvent) -> Result<(), AuditError>;
}

/// Hands `event` to `sink`, if there is one; a failure is logged (with the `tracing` feature)
/// and never reaches the caller.
pub(crate) async fn notify(sink: Option<&dyn AuditSink>, event: AuditEvent) {
    let Some(sink) = sink else { return };
    if let Err(_e) = sink.record(&event).await {
        #[cfg(feature = "tracing")]
        tracing::error!(
            error = %_e,
            action = ?event.action,
            resource_type = %event.resource_type,
            resource_id = %event.resource_id,
            tenant = %event.tenant.as_str(),
            "the audit sink failed to record a change (the change is kept)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Log(Mutex<Vec<AuditEvent>>);

    #[async_trait]
    impl AuditSink for Log {
        async fn record(&self, event: &AuditEvent) -> Result<(), AuditError> {
            self.0
                .lock()
                .map_err(|e| e.to_string())?
                .push(event.clone());
            Err("and then it failed".into())
        }
    }

    #[tokio::test]
    async fn notify_swallows_failures_and_skips_without_a_sink() {
        let ctx = Context::new("acme", Principal::api_key("k1"));
        let log = Log(Mutex::new(Vec::new()));
        notify(
            None,
            AuditEvent::new(&ctx, AuditAction::Create, "User", "1"),
        )
        .await;
        notify(
            Some(&log),
            AuditEvent::new(&ctx, AuditAction::Delete, "User", "1"),
        )
        .await;
        let events = log.0.lock().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].principal.as_str(), "key:k1");
        assert_eq!(events[0].action, AuditAction::Delete);
    }
}
