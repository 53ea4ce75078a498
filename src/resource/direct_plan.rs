//! Which typed resources serialise exactly as a response writes them
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2) responses,
//! [RFC 7643 §7](https://www.rfc-editor.org/rfc/rfc7643#section-7) `returned`).
//!
//! The server writes a resource straight from its typed form ("direct encoding") when that
//! gives exactly what its schema-driven path gives; a backend that keeps users as JSON text
//! ([`UserBody`](crate::backend::UserBody)) records, when it encodes a user, whether that text
//! can be copied into a response as is. Both ask the same questions, answered here, so neither
//! depends on the other.

use super::User;
use crate::schema::{Attribute, ENTERPRISE_USER_SCHEMA, ResourceSchema, Returned};
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
    pub(crate) fn extra_ok(&self, extra: &Map<String, Value>) -> bool {
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

/// No key of a reference's `extra` names one of the sub-attributes `$ref` filling reads.
pub(crate) fn ref_extra_ok(extra: &Map<String, Value>, names: &[&str]) -> bool {
    extra
        .keys()
        .all(|k| !names.iter().any(|n| k.eq_ignore_ascii_case(n)))
}

/// The sub-attributes of a `groups` value or a `manager` that `$ref` filling reads.
pub(crate) const REF: [&str; 2] = ["$ref", "value"];

/// The top-level attributes the typed [`User`] never writes (`returned: never`).
pub(crate) const USER_NEVER_WRITTEN: &[&str] = &["password"];

/// The plan of the standard User resource type (RFC 7643 §4.1 with the Enterprise User
/// extension), which [`user_body_verbatim`] assumes.
pub(crate) fn standard_user_plan() -> &'static DirectPlan {
    static PLAN: OnceLock<DirectPlan> = OnceLock::new();
    PLAN.get_or_init(|| DirectPlan::for_schema(&ResourceSchema::user(), USER_NEVER_WRITTEN))
}

/// Whether direct encoding accepts the user's `extra` and Enterprise User extension.
pub(crate) fn user_attributes_ok(user: &User, plan: &DirectPlan) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_follow_returned() {
        let user = ResourceSchema::user();
        assert!(DirectPlan::for_schema(&user, &["password"]).enabled());
        assert!(!DirectPlan::for_schema(&user, &[]).enabled());
        assert!(DirectPlan::for_schema(&ResourceSchema::group(), &[]).enabled());
    }
}
