//! Writing `meta.created` / `meta.lastModified`
//! ([RFC 7643 §3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1), `dateTime` of
//! [§2.3.5](https://www.rfc-editor.org/rfc/rfc7643#section-2.3.5)) without the formatting
//! machinery: every response carries two of them, and chrono's `Serialize` goes through
//! `collect_str`, which hands serde_json one character at a time.
//!
//! The text is exactly chrono's (`to_rfc3339_opts(SecondsFormat::AutoSi, true)`: `Z`, and a
//! fraction of 0, 3, 6 or 9 digits, as the nanoseconds need); years outside 0–9999 and leap
//! seconds, which the fast form does not cover, are written by chrono.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serializer;

/// The longest text the fast form writes: `YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ`.
const MAX: usize = 30;

/// Writes `n` as `width` decimal digits (zero-padded) at `at` of `buf`.
fn put(buf: &mut [u8], at: usize, mut n: u32, width: usize) {
    let field = buf.get_mut(at..at + width).unwrap_or_default();
    for slot in field.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// The RFC 3339 text of `t` into `buf` (its length), or `None` where chrono must write it.
fn fast(t: &DateTime<Utc>, buf: &mut [u8; MAX]) -> Option<usize> {
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = t.nanosecond();
    if nanos >= 1_000_000_000 {
        return None; // a leap second
    }
    *buf = *b"0000-00-00T00:00:00.000000000Z";
    put(buf, 0, year, 4);
    put(buf, 5, t.month(), 2);
    put(buf, 8, t.day(), 2);
    put(buf, 11, t.hour(), 2);
    put(buf, 14, t.minute(), 2);
    put(buf, 17, t.second(), 2);
    let (fraction, width) = if nanos == 0 {
        (0, 0)
    } else if nanos.is_multiple_of(1_000_000) {
        (nanos / 1_000_000, 3)
    } else if nanos.is_multiple_of(1_000) {
        (nanos / 1_000, 6)
    } else {
        (nanos, 9)
    };
    // `.` stays at 19 when there is a fraction; `Z` follows the digits
    put(buf, 20, fraction, width);
    let end = if width == 0 { 19 } else { 20 + width };
    *buf.get_mut(end)? = b'Z';
    Some(end + 1)
}

/// Serialises `t` as chrono does, without `collect_str`.
pub(crate) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; MAX];
    match fast(t, &mut buf).and_then(|n| std::str::from_utf8(buf.get(..n)?).ok()) {
        Some(text) => s.serialize_str(text),
        None => serde::Serialize::serialize(t, s),
    }
}

/// Appends `t` as a JSON string, as [`serialize`] writes it.
pub(crate) fn write_json(out: &mut Vec<u8>, t: &DateTime<Utc>) {
    let mut buf = [0u8; MAX];
    match fast(t, &mut buf).and_then(|n| buf.get(..n)) {
        Some(text) => {
            // digits, `-`, `:`, `T`, `.`, `Z`: nothing to escape
            out.push(b'"');
            out.extend_from_slice(text);
            out.push(b'"');
        }
        None => {
            let mark = out.len();
            if serde_json::to_writer(&mut *out, t).is_err() {
                out.truncate(mark);
            }
        }
    }
}

/// [`serialize`] for `Option` fields that skip `None`.
pub(crate) fn serialize_opt<S: Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn ours(t: &DateTime<Utc>) -> String {
        let mut out = Vec::new();
        serialize(t, &mut serde_json::Serializer::new(&mut out)).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn chrono(t: &DateTime<Utc>) -> String {
        serde_json::to_string(t).unwrap()
    }

    #[test]
    fn every_fraction_width_and_the_fallbacks_match_chrono() {
        let base = Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 7).unwrap();
        for nanos in [0, 5_000_000, 120_000, 7, 999_999_999, 100_000_000] {
            let t = base + chrono::Duration::nanoseconds(nanos);
            assert_eq!(ours(&t), chrono(&t), "{nanos}");
        }
        assert_eq!(ours(&base), "\"2024-02-29T23:59:07Z\"");
        let far = Utc.with_ymd_and_hms(12024, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(ours(&far), chrono(&far));
        let early = Utc.with_ymd_and_hms(-3, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(ours(&early), chrono(&early));
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
            .unwrap()
            .and_utc();
        assert_eq!(ours(&leap), chrono(&leap));
    }

    proptest! {
        #[test]
        fn matches_chrono(secs in -62_000_000_000i64..300_000_000_000, nanos in 0u32..1_000_000_000, round in 0usize..4) {
            let nanos = [nanos, nanos / 1000 * 1000, nanos / 1_000_000 * 1_000_000, 0][round];
            let t = DateTime::from_timestamp(secs, nanos).unwrap();
            prop_assert_eq!(ours(&t), chrono(&t));
        }
    }
}
