//! Group members a store does not hold (with
//! [`MemoryBackend::with_foreign_members`](super::MemoryBackend::with_foreign_members)): the
//! users of another system, such as Zitadel. Their ids are any string: a UUID is kept as its
//! [`Uid`], any other id (Zitadel's own ids are numeric, e.g. `285073629412356867`) gets a
//! random stand-in `Uid`, so member maps stay keyed by 16-byte ids; the id is shown as written
//! ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2) `members.value`).
//!
//! A UUID is matched in either case (its canonical form is lower-case); any other id exactly
//! as written. A stand-in lives while its member is in a group: the last group it leaves
//! forgets it.

use super::uid::Uid;
use std::collections::HashMap;

/// The longest foreign id accepted, in bytes (Zitadel's user ids are at most 200).
pub(crate) const MAX_ID_LEN: usize = 200;

/// The foreign members of one tenant's store.
#[derive(Debug, Default)]
pub(crate) struct Foreign {
    /// The groups of each foreign member.
    pub(crate) groups: HashMap<Uid, Vec<Uid>>,
    /// The id each stand-in stands for.
    names: HashMap<Uid, Box<str>>,
    /// The stand-in of each id that is not a UUID.
    by_name: HashMap<Box<str>, Uid>,
}

impl Foreign {
    /// Whether `id` is taken by a foreign member (a new resource id must not be).
    pub(crate) fn holds(&self, id: Uid) -> bool {
        self.groups.contains_key(&id) || self.names.contains_key(&id)
    }

    /// The key of a foreign id this store knows, if it does.
    pub(crate) fn find(&self, value: &str) -> Option<Uid> {
        match Uid::parse(value) {
            Some(u) if !self.names.contains_key(&u) => Some(u),
            _ => self.by_name.get(value).copied(),
        }
    }

    /// The key of foreign id `value`: its UUID, a known stand-in, or a new one (never a `Uid`
    /// for which `taken` is true).
    pub(crate) fn key(&mut self, value: &str, mut taken: impl FnMut(Uid) -> bool) -> Uid {
        if let Some(u) = self.find(value) {
            return u;
        }
        loop {
            let u = Uid::random();
            if !taken(u) && !self.holds(u) {
                self.names.insert(u, value.into());
                self.by_name.insert(value.into(), u);
                return u;
            }
        }
    }

    /// The id `key` stands for, when it is a stand-in.
    pub(crate) fn name(&self, key: Uid) -> Option<&str> {
        self.names.get(&key).map(|n| &**n)
    }

    /// `key` left its last group: forgets it.
    pub(crate) fn forget(&mut self, key: Uid) {
        self.groups.remove(&key);
        if let Some(n) = self.names.remove(&key) {
            self.by_name.remove(&n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_their_own_key_other_ids_get_a_stand_in() {
        let mut f = Foreign::default();
        let uuid = "2819c223-7f76-453a-919d-413861904646";
        let k = f.key(uuid, |_| false);
        assert_eq!(Some(k), Uid::parse(uuid));
        assert_eq!(f.find(&uuid.to_uppercase()), Some(k));
        assert_eq!(f.name(k), None);

        let snowflake = "285073629412356867";
        let s = f.key(snowflake, |_| false);
        assert_eq!(f.key(snowflake, |_| false), s);
        assert_eq!(f.find(snowflake), Some(s));
        assert_eq!(f.name(s), Some(snowflake));
        assert_eq!(f.find("285073629412356868"), None);
        assert!(f.holds(s));
        f.forget(s);
        assert_eq!(f.find(snowflake), None);
        assert!(!f.holds(s));
    }

    #[test]
    fn a_stand_in_never_takes_a_used_id() {
        let mut f = Foreign::default();
        let mut refused = 0;
        let s = f.key("x", |_| {
            refused += 1;
            refused < 3
        });
        assert_eq!(refused, 3);
        assert_eq!(f.name(s), Some("x"));
        // a UUID that happens to equal a stand-in is a name of its own
        let same = s.to_string();
        let other = f.key(&same, |_| false);
        assert_ne!(other, s);
        assert_eq!(f.name(other), Some(same.as_str()));
    }
}
