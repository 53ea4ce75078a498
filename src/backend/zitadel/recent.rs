//! This process's recent user writes, laid over `ListUsers` for a while: Zitadel's `ListUsers`
//! reads an eventually consistent projection, so a user created, renamed or deleted a moment
//! ago may be missing from (or still in) its answers; `GetUserByID` is current. Lookups by
//! `userName` or `externalId` check here first and confirm with `GetUserByID`
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2): a client finds
//! what it just wrote).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a write is remembered (far longer than Zitadel's projections lag).
const TTL: Duration = Duration::from_secs(60);
/// At most this many remembered writes (older ones are dropped first).
const MAX: usize = 100_000;

type Key = (String, String);

#[derive(Default)]
struct Inner {
    names: HashMap<Key, (String, Instant)>,
    externals: HashMap<Key, (String, Instant)>,
    deleted: HashMap<String, Instant>,
}

impl Inner {
    fn prune(&mut self, now: Instant) {
        if self.names.len() + self.externals.len() + self.deleted.len() < MAX {
            return;
        }
        let live = |t: &Instant| now.duration_since(*t) < TTL;
        self.names.retain(|_, (_, t)| live(t));
        self.externals.retain(|_, (_, t)| live(t));
        self.deleted.retain(|_, t| live(t));
        if self.names.len() + self.externals.len() + self.deleted.len() >= MAX {
            *self = Inner::default();
        }
    }
}

/// Recent writes of this process (bounded, expiring).
#[derive(Default)]
pub(crate) struct Recent(Mutex<Inner>);

impl Recent {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `id` now has this `userName` and `externalId` in `org`.
    pub(crate) fn wrote(&self, org: &str, id: &str, user_name: &str, external_id: Option<&str>) {
        let now = Instant::now();
        let mut inner = self.inner();
        inner.prune(now);
        inner.deleted.remove(id);
        inner.names.insert(
            (org.to_owned(), user_name.to_lowercase()),
            (id.to_owned(), now),
        );
        if let Some(x) = external_id {
            inner
                .externals
                .insert((org.to_owned(), x.to_owned()), (id.to_owned(), now));
        }
    }

    /// `id` was deleted.
    pub(crate) fn deleted(&self, id: &str) {
        let now = Instant::now();
        let mut inner = self.inner();
        inner.prune(now);
        inner.deleted.insert(id.to_owned(), now);
    }

    /// Whether `id` was deleted a moment ago.
    pub(crate) fn is_deleted(&self, id: &str) -> bool {
        self.inner()
            .deleted
            .get(id)
            .is_some_and(|t| t.elapsed() < TTL)
    }

    /// The id recently written with this `userName` in `org`.
    pub(crate) fn by_name(&self, org: &str, user_name: &str) -> Option<String> {
        let inner = self.inner();
        let (id, t) = inner
            .names
            .get(&(org.to_owned(), user_name.to_lowercase()))?;
        (t.elapsed() < TTL).then(|| id.clone())
    }

    /// The id recently written with this `externalId` in `org`.
    pub(crate) fn by_external_id(&self, org: &str, external_id: &str) -> Option<String> {
        let inner = self.inner();
        let (id, t) = inner
            .externals
            .get(&(org.to_owned(), external_id.to_owned()))?;
        (t.elapsed() < TTL).then(|| id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_per_org_case_insensitively_and_forgets_deleted() {
        let r = Recent::default();
        r.wrote("a", "u1", "Adele@Contoso.com", Some("x1"));
        assert_eq!(r.by_name("a", "adele@contoso.com").as_deref(), Some("u1"));
        assert_eq!(r.by_name("b", "adele@contoso.com"), None);
        assert_eq!(r.by_external_id("a", "x1").as_deref(), Some("u1"));
        assert_eq!(r.by_external_id("a", "X1"), None);
        r.deleted("u1");
        assert!(r.is_deleted("u1"));
        r.wrote("a", "u1", "adele@contoso.com", None);
        assert!(!r.is_deleted("u1"));
    }
}
