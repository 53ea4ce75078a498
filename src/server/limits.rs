//! Request bounds: what one request may cost the server
//! ([RFC 7644 §3.4.2.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.4) for `count`,
//! [RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12) for `tooMany`,
//! [RFC 9110 §15.5.14](https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14) for 413).

use crate::Error;

/// What the server does when a client asks for more results per page than
/// [`Limits::max_count`] ([RFC 7644 §3.4.2.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.4)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CountOverflow {
    /// Return at most `max_count` results (the RFC's behaviour: "a service provider MAY return
    /// fewer results than requested"). The default.
    #[default]
    Clamp,
    /// Answer 400 `tooMany`.
    TooMany,
}

/// The bounds every request is held to: body size, filter size, PATCH size, page size and the
/// length of attribute lists. (How many resources a backend scans for a filter it evaluates
/// itself is the backend's bound: [`Capabilities::max_results`](crate::backend::Capabilities).)
///
/// A request over a bound gets a SCIM error, never a 500, never unbounded work
/// ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12)).
///
/// ```
/// use scimitar::server::{CountOverflow, Limits};
/// let limits = Limits::default()
///     .with_max_body_bytes(256 * 1024)
///     .with_max_count(200)
///     .with_count_overflow(CountOverflow::TooMany);
/// assert_eq!(limits.max_count, 200);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest request body in bytes (every endpoint but `/Bulk`); a larger one is answered
    /// 413 before it is parsed. Default 1 MiB.
    pub max_body_bytes: usize,
    /// Longest `filter` in bytes (400 `invalidFilter` beyond). Default 4096.
    pub max_filter_len: usize,
    /// Deepest nesting of a filter (parentheses, `not`, value paths; 400 `invalidFilter`
    /// beyond). Default 32.
    pub max_filter_depth: usize,
    /// Most operations in one PATCH request (400 `invalidValue` beyond). Default 1000.
    pub max_patch_operations: usize,
    /// Largest page (`count`); also `filter.maxResults` in `/ServiceProviderConfig`.
    /// Default 1000.
    pub max_count: usize,
    /// What a larger `count` gets: clamped (default) or 400 `tooMany`.
    pub count_overflow: CountOverflow,
    /// Most attribute names in `attributes` or `excludedAttributes`. Default 256.
    pub max_attribute_list: usize,
    /// Most operations in one `/Bulk` request: `bulk.maxOperations` in
    /// `/ServiceProviderConfig`; more is answered 413
    /// ([RFC 7644 §3.7.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.4)). `0` turns
    /// bulk off (`bulk.supported: false`, `/Bulk` answers 501). Default 1000.
    pub max_bulk_operations: usize,
    /// Largest `/Bulk` request body in bytes: `bulk.maxPayloadSize` in
    /// `/ServiceProviderConfig`; larger is answered 413
    /// ([RFC 7644 §3.7.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.4)).
    /// Default 1 MiB.
    pub max_bulk_payload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_filter_len: 4096,
            max_filter_depth: 32,
            max_patch_operations: 1000,
            max_count: 1000,
            count_overflow: CountOverflow::Clamp,
            max_attribute_list: 256,
            max_bulk_operations: 1000,
            max_bulk_payload_bytes: 1024 * 1024,
        }
    }
}

impl Limits {
    /// Sets [`Limits::max_body_bytes`].
    pub fn with_max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }
    /// Sets [`Limits::max_filter_len`].
    pub fn with_max_filter_len(mut self, n: usize) -> Self {
        self.max_filter_len = n;
        self
    }
    /// Sets [`Limits::max_filter_depth`].
    pub fn with_max_filter_depth(mut self, n: usize) -> Self {
        self.max_filter_depth = n;
        self
    }
    /// Sets [`Limits::max_patch_operations`].
    pub fn with_max_patch_operations(mut self, n: usize) -> Self {
        self.max_patch_operations = n;
        self
    }
    /// Sets [`Limits::max_count`].
    pub fn with_max_count(mut self, n: usize) -> Self {
        self.max_count = n;
        self
    }
    /// Sets [`Limits::count_overflow`].
    pub fn with_count_overflow(mut self, c: CountOverflow) -> Self {
        self.count_overflow = c;
        self
    }
    /// Sets [`Limits::max_attribute_list`].
    pub fn with_max_attribute_list(mut self, n: usize) -> Self {
        self.max_attribute_list = n;
        self
    }

    /// Sets [`Limits::max_bulk_operations`] (`0` turns `/Bulk` off).
    pub fn with_max_bulk_operations(mut self, n: usize) -> Self {
        self.max_bulk_operations = n;
        self
    }
    /// Sets [`Limits::max_bulk_payload_bytes`].
    pub fn with_max_bulk_payload_bytes(mut self, n: usize) -> Self {
        self.max_bulk_payload_bytes = n;
        self
    }

    /// Whether `/Bulk` is served ([`Limits::max_bulk_operations`] is not 0).
    pub fn bulk_enabled(&self) -> bool {
        self.max_bulk_operations > 0
    }

    /// The largest body any endpoint accepts: what a framework adapter may read before the
    /// request is routed (each endpoint then holds the body to its own bound).
    pub fn max_request_bytes(&self) -> usize {
        if self.bulk_enabled() {
            self.max_body_bytes.max(self.max_bulk_payload_bytes)
        } else {
            self.max_body_bytes
        }
    }

    /// 413 when a bulk body of `len` bytes is over [`Limits::max_bulk_payload_bytes`], with
    /// the limit in the detail ([RFC 7644 §3.7.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.4)).
    pub(crate) fn check_bulk_payload(&self, len: usize) -> Result<(), Error> {
        if len > self.max_bulk_payload_bytes {
            Err(Error::with_status(
                http::StatusCode::PAYLOAD_TOO_LARGE,
                None,
                format!(
                    "the size of the bulk operation exceeds the maxPayloadSize ({})",
                    self.max_bulk_payload_bytes
                ),
            ))
        } else {
            Ok(())
        }
    }

    /// 413 when a bulk request holds more than [`Limits::max_bulk_operations`] operations
    /// ([RFC 7644 §3.7.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.4)).
    pub(crate) fn check_bulk_operations(&self, n: usize) -> Result<(), Error> {
        if n > self.max_bulk_operations {
            Err(Error::with_status(
                http::StatusCode::PAYLOAD_TOO_LARGE,
                None,
                format!(
                    "the number of operations ({n}) exceeds the maxOperations ({})",
                    self.max_bulk_operations
                ),
            ))
        } else {
            Ok(())
        }
    }

    /// The page size to use for a requested `count` (already made non-negative): the request
    /// itself when it fits, else `max_count` or 400 `tooMany` per [`Limits::count_overflow`].
    pub(crate) fn page_size(&self, requested: Option<usize>) -> Result<usize, Error> {
        match requested {
            None => Ok(self.max_count),
            Some(n) if n <= self.max_count => Ok(n),
            Some(n) => match self.count_overflow {
                CountOverflow::Clamp => Ok(self.max_count),
                CountOverflow::TooMany => Err(Error::too_many(format!(
                    "count {n} is more than the {} results this server returns per page",
                    self.max_count
                ))),
            },
        }
    }

    /// 413 when a body of `len` bytes is over [`Limits::max_body_bytes`].
    pub(crate) fn check_body(&self, len: usize) -> Result<(), Error> {
        if len > self.max_body_bytes {
            Err(payload_too_large(self.max_body_bytes))
        } else {
            Ok(())
        }
    }
}

/// The 413 error for a body over `max` bytes.
pub(crate) fn payload_too_large(max: usize) -> Error {
    Error::with_status(
        http::StatusCode::PAYLOAD_TOO_LARGE,
        None,
        format!("the request body is larger than the {max} bytes this server accepts"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScimType;

    #[test]
    fn count_is_clamped_by_default() {
        let l = Limits::default().with_max_count(10);
        assert_eq!(l.page_size(None).unwrap(), 10);
        assert_eq!(l.page_size(Some(3)).unwrap(), 3);
        assert_eq!(l.page_size(Some(0)).unwrap(), 0);
        assert_eq!(l.page_size(Some(11)).unwrap(), 10);
    }

    #[test]
    fn count_over_max_is_too_many_when_configured() {
        let l = Limits::default()
            .with_max_count(10)
            .with_count_overflow(CountOverflow::TooMany);
        assert_eq!(l.page_size(Some(10)).unwrap(), 10);
        let e = l.page_size(Some(11)).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::TooMany));
        assert_eq!(e.status(), 400);
    }

    #[test]
    fn bulk_limits_are_413_naming_the_limit() {
        let l = Limits::default()
            .with_max_bulk_operations(2)
            .with_max_bulk_payload_bytes(10);
        assert!(l.check_bulk_operations(2).is_ok());
        let e = l.check_bulk_operations(3).unwrap_err();
        assert_eq!(e.status(), 413);
        assert!(e.detail().contains("maxOperations (2)"), "{}", e.detail());
        assert!(l.check_bulk_payload(10).is_ok());
        let e = l.check_bulk_payload(11).unwrap_err();
        assert!(e.detail().contains("maxPayloadSize (10)"), "{}", e.detail());
        assert_eq!(l.max_request_bytes(), 1024 * 1024);
        let big = Limits::default().with_max_bulk_payload_bytes(5 << 20);
        assert_eq!(big.max_request_bytes(), 5 << 20);
        let off = big.with_max_bulk_operations(0);
        assert!(!off.bulk_enabled());
        assert_eq!(off.max_request_bytes(), 1024 * 1024);
    }

    #[test]
    fn body_over_limit_is_413() {
        let l = Limits::default().with_max_body_bytes(4);
        assert!(l.check_body(4).is_ok());
        assert_eq!(l.check_body(5).unwrap_err().status(), 413);
    }
}
