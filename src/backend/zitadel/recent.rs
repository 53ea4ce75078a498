//! The users this process deleted a moment ago: Zitadel's `ListUsers` reads an eventually
//! consistent projection, so a user deleted a moment ago may still be in its answers
//! (`GetUserByID` is current). Lists drop them
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)); another replica
//! drops them when their metadata read finds them gone.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a delete is remembered (far longer than Zitadel's projections lag).
const TTL: Duration = Duration::from_secs(60);
/// At most this many remembered deletes (older ones are dropped first).
const MAX: usize = 100_000;

/// Recent deletes of this process (bounded, expiring).
#[derive(Default)]
pub(crate) struct Recent(Mutex<HashMap<String, Instant>>);

impl Recent {
    fn inner(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `id` was deleted.
    pub(crate) fn deleted(&self, id: &str) {
        let now = Instant::now();
        let mut deleted = self.inner();
        if deleted.len() >= MAX {
            deleted.retain(|_, t| now.duration_since(*t) < TTL);
            if deleted.len() >= MAX {
                deleted.clear();
            }
        }
        deleted.insert(id.to_owned(), now);
    }

    /// `id` was (re)created: it is no longer deleted.
    pub(crate) fn created(&self, id: &str) {
        self.inner().remove(id);
    }

    /// Whether `id` was deleted a moment ago.
    pub(crate) fn is_deleted(&self, id: &str) -> bool {
        self.inner().get(id).is_some_and(|t| t.elapsed() < TTL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_deletes_until_recreated() {
        let r = Recent::default();
        assert!(!r.is_deleted("u1"));
        r.deleted("u1");
        assert!(r.is_deleted("u1"));
        assert!(!r.is_deleted("u2"));
        r.created("u1");
        assert!(!r.is_deleted("u1"));
    }
}
