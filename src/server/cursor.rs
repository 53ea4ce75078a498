//! Sealed cursors: the backend's position in a cursor walk, made opaque and tamper-proof so
//! any replica holding the same key can continue another's walk without shared state
//! ([RFC 9865 §2](https://www.rfc-editor.org/rfc/rfc9865#section-2)).
//!
//! A cursor is base64url (no padding; only RFC 3986 unreserved characters, as RFC 9865 §2
//! asks) of
//! `version (1) ‖ issued at, ms since the Unix epoch (8) ‖ scope fingerprint (16) ‖ count (8) ‖
//! direction (1: `>` after, `<` before) ‖ position ‖ HMAC-SHA256 of all before (32)`.
//! `nextCursor` continues after the page's last resource, `previousCursor`
//! ([RFC 9865 §2.2](https://www.rfc-editor.org/rfc/rfc9865#section-2.2)) steps back before its
//! first; both are sealed alike, so neither can be forged or turned into the other.
//! The scope fingerprint is a SHA-256 of the tenant, the resource type and the canonical
//! filter, so a cursor of another tenant, type or filter is refused (`invalidCursor`), as is
//! any changed byte; one older than the timeout is `expiredCursor`; a request whose `count`
//! differs from the walk's first one is `invalidCount` (RFC 9865 §2.1: every parameter but
//! `cursor` stays as in the first request). The MAC is checked first, so neither the time, the
//! scope nor the count can be forged.

use super::params::ListParams;
use super::response::Paging;
use super::route::Kind;
use super::{ConfigError, ScimServer};
use crate::Error;
use crate::ScimType;
use crate::auth::Context;
use crate::filter::Filter;
use crate::query::{CursorPosition, ListQuery};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a cursor stays valid by default (`cursorTimeout`): one hour.
pub(crate) const DEFAULT_CURSOR_TIMEOUT: Duration = Duration::from_secs(3600);
/// The shortest key accepted (bytes).
pub(crate) const MIN_KEY_LEN: usize = 32;
/// The longest cursor text decoded; longer ones are refused before any work.
const MAX_CURSOR_LEN: usize = 1024;
const VERSION: u8 = 2;
const HEADER: usize = 1 + 8 + 16 + 8 + 1;
const AFTER: u8 = b'>';
const BEFORE: u8 = b'<';
const TAG: usize = 32;

/// What a cursor is bound to: one tenant's walk over one resource type with one filter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub(crate) tenant: &'a str,
    pub(crate) resource_type: &'a str,
    pub(crate) filter: Option<&'a Filter>,
}

impl Scope<'_> {
    fn fingerprint(&self) -> [u8; 16] {
        let mut h = Sha256::new();
        let filter = self.filter.map(ToString::to_string).unwrap_or_default();
        for part in [self.tenant, self.resource_type, filter.as_str()] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        let digest = h.finalize();
        let mut out = [0u8; 16];
        for (o, d) in out.iter_mut().zip(digest.iter()) {
            *o = *d;
        }
        out
    }
}

/// Seals and opens cursors with the server's key.
#[derive(Clone)]
pub(crate) struct CursorCodec {
    /// Keyed once; cloned per cursor.
    mac: Hmac<Sha256>,
    timeout: Duration,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CursorCodec")
            .field("key", &"[redacted]")
            .field("timeout", &self.timeout)
            .finish()
    }
}

fn invalid(detail: &str) -> Error {
    Error::new(
        ScimType::InvalidCursor,
        format!(
            "{detail}; send an empty cursor to start a walk and the nextCursor of the previous page to continue it"
        ),
    )
}

/// `count` as sealed: the number, or all ones when the client sent none.
fn count_word(count: Option<usize>) -> u64 {
    count.map_or(u64::MAX, |n| u64::try_from(n).unwrap_or(u64::MAX - 1))
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl CursorCodec {
    /// A codec with `key`: at least [`MIN_KEY_LEN`] bytes, and a non-zero timeout, else a
    /// configuration error the builder reports.
    pub(crate) fn new(key: &[u8], timeout: Duration) -> Result<Self, ConfigError> {
        if key.len() < MIN_KEY_LEN {
            return Err(ConfigError::WeakSecret {
                setting: "cursor_key".into(),
                reason: format!(
                    "it has {} bytes; at least {MIN_KEY_LEN} are required",
                    key.len()
                ),
            });
        }
        if timeout.is_zero() {
            return Err(ConfigError::Invalid {
                setting: "cursor_timeout".into(),
                value: format!("{timeout:?}"),
                reason: "a cursor must stay valid for some time".into(),
            });
        }
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).map_err(|_| {
            ConfigError::WeakSecret {
                setting: "cursor_key".into(),
                reason: "it cannot key HMAC-SHA256".into(),
            }
        })?;
        Ok(CursorCodec { mac, timeout })
    }

    /// A codec with a random key: cursors work only on this process.
    pub(crate) fn random(timeout: Duration) -> Result<Self, ConfigError> {
        let mut key = [0u8; MIN_KEY_LEN];
        rand::rng().fill_bytes(&mut key);
        Self::new(&key, timeout)
    }

    /// `cursorTimeout`.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    fn mac(&self) -> Hmac<Sha256> {
        self.mac.clone()
    }

    /// The cursor for the page after (or before) `position` in `scope`, of a walk with
    /// `count` (as the client sent it), issued at `now`. [`CursorPosition::Start`] is the
    /// empty cursor.
    pub(crate) fn seal(
        &self,
        scope: &Scope<'_>,
        count: Option<usize>,
        position: &CursorPosition,
        now: SystemTime,
    ) -> String {
        let (direction, position) = match position {
            CursorPosition::After(p) => (AFTER, p.as_str()),
            CursorPosition::Before(p) => (BEFORE, p.as_str()),
            CursorPosition::Start => return String::new(),
        };
        let mut buf = Vec::with_capacity(HEADER + position.len() + TAG);
        buf.push(VERSION);
        buf.extend_from_slice(&millis(now).to_be_bytes());
        buf.extend_from_slice(&scope.fingerprint());
        buf.extend_from_slice(&count_word(count).to_be_bytes());
        buf.push(direction);
        buf.extend_from_slice(position.as_bytes());
        let mut mac = self.mac();
        mac.update(&buf);
        buf.extend_from_slice(&mac.finalize().into_bytes());
        URL_SAFE_NO_PAD.encode(buf)
    }

    /// The position a client's `cursor` continues from: [`CursorPosition::Start`] for an
    /// empty one; 400 `invalidCursor` for one this key did not seal for `scope`, 400
    /// `expiredCursor` for one older than the timeout, 400 `invalidCount` when `count`
    /// differs from the walk's.
    pub(crate) fn open(
        &self,
        scope: &Scope<'_>,
        count: Option<usize>,
        cursor: &str,
        now: SystemTime,
    ) -> Result<CursorPosition, Error> {
        let text = cursor.trim();
        if text.is_empty() {
            return Ok(CursorPosition::Start);
        }
        if text.len() > MAX_CURSOR_LEN {
            return Err(invalid("the cursor is too long to be one of ours"));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| invalid("the cursor is not one this service provider issued"))?;
        let Some(body_len) = bytes.len().checked_sub(TAG).filter(|n| *n >= HEADER) else {
            return Err(invalid(
                "the cursor is not one this service provider issued",
            ));
        };
        let (body, tag) = bytes.split_at(body_len);
        let mut mac = self.mac();
        mac.update(body);
        mac.verify_slice(tag)
            .map_err(|_| invalid("the cursor is not one this service provider issued"))?;
        let (version, rest) = body.split_at(1);
        if version != [VERSION] {
            return Err(invalid("the cursor is of an unknown version"));
        }
        let (issued, rest) = rest.split_at(8);
        let (fingerprint, rest) = rest.split_at(16);
        let (sealed_count, rest) = rest.split_at(8);
        let (direction, position) = rest.split_at(1);
        if fingerprint != scope.fingerprint() {
            return Err(invalid(
                "the cursor belongs to another query (tenant, resource type or filter)",
            ));
        }
        let mut ms = [0u8; 8];
        ms.copy_from_slice(issued);
        let issued = u64::from_be_bytes(ms);
        let timeout = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX);
        if millis(now).saturating_sub(issued) > timeout {
            return Err(Error::new(
                ScimType::ExpiredCursor,
                format!(
                    "the cursor has expired (cursorTimeout is {} seconds); start the walk again",
                    self.timeout.as_secs()
                ),
            ));
        }
        let mut word = [0u8; 8];
        word.copy_from_slice(sealed_count);
        if u64::from_be_bytes(word) != count_word(count) {
            return Err(Error::new(
                ScimType::InvalidCount,
                "count differs from the first request of this cursor walk; send the same count on every page (RFC 9865 §2)",
            ));
        }
        let position = std::str::from_utf8(position)
            .map_err(|_| invalid("the cursor is not one this service provider issued"))?
            .to_owned();
        match direction {
            [AFTER] => Ok(CursorPosition::After(position)),
            [BEFORE] => Ok(CursorPosition::Before(position)),
            _ => Err(invalid(
                "the cursor is not one this service provider issued",
            )),
        }
    }
}

impl ScimServer {
    /// The position of a cursor walk, when the request asks for one (`cursor`, RFC 9865 §2):
    /// 400 `invalidCursor` when the backend cannot walk; 400 `invalidValue` with `startIndex` (RFC 9865 §2: one
    /// kind of paging per request) or with `sortBy` (a walk is in `id` order); 400
    /// `invalidCursor` / `expiredCursor` for a cursor that does not open.
    pub(super) fn cursor_position(
        &self,
        ctx: &Context,
        kind: Kind,
        query: &ListQuery,
        params: &ListParams,
    ) -> Result<Option<CursorPosition>, Error> {
        let Some(text) = params.cursor.as_deref() else {
            return Ok(None);
        };
        if !self.inner.capabilities.cursor {
            return Err(Error::new(
                ScimType::InvalidCursor,
                "this service provider does not offer cursor paging (its ServiceProviderConfig says pagination.cursor false); page with startIndex",
            ));
        }
        if params.start_index_given {
            return Err(Error::invalid_value(
                "cursor and startIndex cannot be used in one request (RFC 9865 §2)",
            ));
        }
        if query.sort.is_some() {
            return Err(Error::invalid_value(
                "sortBy cannot be used with cursor: a cursor walk is in id order",
            ));
        }
        let scope = self.scope(ctx, kind, query);
        let position = self
            .inner
            .cursor
            .open(&scope, query.count, text, SystemTime::now())?;
        if matches!(position, CursorPosition::Before(_)) && !self.inner.capabilities.cursor_previous
        {
            // sealed by a replica whose backend walks backwards
            return Err(invalid("this service provider cannot walk backwards"));
        }
        Ok(Some(position))
    }

    /// How the answer to `query` pages: `startIndex` for index paging, or for a walk the
    /// sealed `nextCursor` after `next` and `previousCursor` before `previous` (the backend's
    /// positions; RFC 9865 §2.2). `previousCursor` only when the backend walks backwards.
    pub(super) fn paging(
        &self,
        ctx: &Context,
        kind: Kind,
        query: &ListQuery,
        start_index: usize,
        next: Option<&str>,
        previous: Option<&str>,
    ) -> Paging {
        if query.cursor.is_none() {
            return Paging::Index(start_index);
        }
        let now = SystemTime::now();
        let scope = self.scope(ctx, kind, query);
        let seal = |p: CursorPosition| self.inner.cursor.seal(&scope, query.count, &p, now);
        let next = next.map(|p| seal(CursorPosition::After(p.to_owned())));
        let previous = previous
            .filter(|_| self.inner.capabilities.cursor_previous)
            .map(|p| seal(CursorPosition::Before(p.to_owned())));
        Paging::Cursor { next, previous }
    }
}

impl ScimServer {
    /// The scope of a walk: the tenant, the resource type by name (each type registered at
    /// run time its own) and the filter.
    fn scope<'a>(&'a self, ctx: &'a Context, kind: Kind, query: &'a ListQuery) -> Scope<'a> {
        Scope {
            tenant: ctx.tenant.as_str(),
            resource_type: self.type_name(kind),
            filter: query.filter.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos() -> CursorPosition {
        CursorPosition::After("pos".into())
    }

    fn scope<'a>(tenant: &'a str, filter: Option<&'a Filter>) -> Scope<'a> {
        Scope {
            tenant,
            resource_type: "User",
            filter,
        }
    }

    #[test]
    fn round_trip_and_url_safe() {
        let c = CursorCodec::new(&[7; 32], DEFAULT_CURSOR_TIMEOUT).unwrap();
        let now = SystemTime::now();
        let at = CursorPosition::After("2819c223-7f76-453a-919d-413861904646".into());
        let s = c.seal(&scope("a", None), None, &at, now);
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let p = c.open(&scope("a", None), None, &s, now).unwrap();
        assert_eq!(p, at);
        let back = CursorPosition::Before("2819c223-7f76-453a-919d-413861904646".into());
        let b = c.seal(&scope("a", None), None, &back, now);
        assert_ne!(b, s);
        assert_eq!(c.open(&scope("a", None), None, &b, now).unwrap(), back);
        assert_eq!(
            c.seal(&scope("a", None), None, &CursorPosition::Start, now),
            ""
        );
        assert_eq!(
            c.open(&scope("a", None), None, "", now).unwrap(),
            CursorPosition::Start
        );
        // Another replica with the same key continues the walk.
        let other = CursorCodec::new(&[7; 32], DEFAULT_CURSOR_TIMEOUT).unwrap();
        assert!(other.open(&scope("a", None), None, &s, now).is_ok());
    }

    #[test]
    fn every_changed_byte_is_refused() {
        let c = CursorCodec::new(&[1; 32], DEFAULT_CURSOR_TIMEOUT).unwrap();
        let now = SystemTime::now();
        let s = c.seal(&scope("a", None), None, &pos(), now);
        let raw = URL_SAFE_NO_PAD.decode(&s).unwrap();
        for i in 0..raw.len() {
            let mut t = raw.clone();
            t[i] ^= 0x01;
            let e = c
                .open(&scope("a", None), None, &URL_SAFE_NO_PAD.encode(t), now)
                .unwrap_err();
            assert_eq!(e.scim_type(), Some(ScimType::InvalidCursor), "byte {i}");
        }
        for bad in ["x", "!!!!", &"A".repeat(2000), &s[..s.len() - 2]] {
            let e = c.open(&scope("a", None), None, bad, now).unwrap_err();
            assert_eq!(e.scim_type(), Some(ScimType::InvalidCursor), "{bad}");
        }
        let other_key = CursorCodec::new(&[2; 32], DEFAULT_CURSOR_TIMEOUT).unwrap();
        let e = other_key
            .open(&scope("a", None), None, &s, now)
            .unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidCursor));
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(CursorCodec::new(&[0; 31], DEFAULT_CURSOR_TIMEOUT).is_err());
        assert!(CursorCodec::random(DEFAULT_CURSOR_TIMEOUT).is_ok());
    }

    #[test]
    fn scope_and_time_are_bound() {
        let c = CursorCodec::new(&[3; 32], Duration::from_secs(60)).unwrap();
        let t0 = SystemTime::now();
        let f = Filter::parse("active eq true").unwrap();
        let s = c.seal(&scope("a", Some(&f)), None, &pos(), t0);
        for wrong in [scope("b", Some(&f)), scope("a", None)] {
            let e = c.open(&wrong, None, &s, t0).unwrap_err();
            assert_eq!(e.scim_type(), Some(ScimType::InvalidCursor));
        }
        let group = Scope {
            resource_type: "Group",
            ..scope("a", Some(&f))
        };
        assert!(c.open(&group, None, &s, t0).is_err());
        assert!(
            c.open(
                &scope("a", Some(&f)),
                None,
                &s,
                t0 + Duration::from_secs(60)
            )
            .is_ok()
        );
        let e = c
            .open(
                &scope("a", Some(&f)),
                None,
                &s,
                t0 + Duration::from_secs(61),
            )
            .unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::ExpiredCursor));
        assert_eq!(e.status(), 400);
    }

    #[test]
    fn count_is_bound() {
        let c = CursorCodec::new(&[5; 32], DEFAULT_CURSOR_TIMEOUT).unwrap();
        let now = SystemTime::now();
        let s = c.seal(&scope("a", None), Some(10), &pos(), now);
        assert!(c.open(&scope("a", None), Some(10), &s, now).is_ok());
        for other in [Some(11), Some(0), None] {
            let e = c.open(&scope("a", None), other, &s, now).unwrap_err();
            assert_eq!(e.scim_type(), Some(ScimType::InvalidCount), "{other:?}");
        }
        let without = c.seal(&scope("a", None), None, &pos(), now);
        assert!(c.open(&scope("a", None), None, &without, now).is_ok());
    }
}
