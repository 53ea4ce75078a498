//! Resource ids of the memory backend: random UUIDs version 4
//! ([RFC 9562 §5.4](https://www.rfc-editor.org/rfc/rfc9562#section-5.4)), kept as a `u128`
//! (16 bytes per id in every map instead of a 36-byte string plus its allocation).

use rand::Rng;
use std::fmt;

/// A resource id: a UUID v4 as a number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Uid(pub(crate) u128);

impl Uid {
    /// A new random id (122 random bits; version 4, variant RFC 9562).
    pub(crate) fn random() -> Self {
        let mut b = [0u8; 16];
        rand::rng().fill_bytes(&mut b);
        let n = u128::from_be_bytes(b);
        let n = (n & !(0xF << 76)) | (0x4 << 76); // version 4
        let n = (n & !(0x3 << 62)) | (0x2 << 62); // variant 10
        Uid(n)
    }

    /// Parses the canonical form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case); any
    /// other string is no id of ours.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 36 {
            return None;
        }
        let mut n: u128 = 0;
        for (i, &c) in b.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return None;
                }
                continue;
            }
            let d = (c as char).to_digit(16)?;
            n = (n << 4) | u128::from(d);
        }
        Some(Uid(n))
    }
}

impl Uid {
    /// The canonical lower-case form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` as ASCII bytes
    /// (every response carries ids: written digit by digit, not through `format!`).
    fn canonical(self) -> [u8; 36] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [b'-'; 36];
        let mut n = self.0;
        for (i, slot) in out.iter_mut().enumerate().rev() {
            if matches!(i, 8 | 13 | 18 | 23) {
                continue;
            }
            *slot = HEX.get((n & 0xF) as usize).copied().unwrap_or(b'0');
            n >>= 4;
        }
        out
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.canonical();
        // ASCII by construction
        f.write_str(std::str::from_utf8(&bytes).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uid({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_v4_and_round_trip() {
        for _ in 0..100 {
            let id = Uid::random();
            let s = id.to_string();
            assert_eq!(s.len(), 36);
            assert_eq!(&s[14..15], "4", "{s}");
            assert!("89ab".contains(&s[19..20]), "{s}");
            assert_eq!(Uid::parse(&s), Some(id));
            assert_eq!(Uid::parse(&s.to_uppercase()), Some(id));
        }
        assert_ne!(Uid::random(), Uid::random());
    }

    #[test]
    fn display_is_the_canonical_lower_case_form() {
        let id = Uid(0x2819_c223_7f76_453a_919d_4138_6190_4646);
        assert_eq!(id.to_string(), "2819c223-7f76-453a-919d-413861904646");
        assert_eq!(Uid(0).to_string(), "00000000-0000-0000-0000-000000000000");
        assert_eq!(
            Uid(u128::MAX).to_string(),
            "ffffffff-ffff-ffff-ffff-ffffffffffff"
        );
        for _ in 0..100 {
            let id = Uid::random();
            let n = id.0;
            let want = format!(
                "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                (n >> 96) as u32,
                ((n >> 80) & 0xFFFF) as u16,
                ((n >> 64) & 0xFFFF) as u16,
                ((n >> 48) & 0xFFFF) as u16,
                n & 0xFFFF_FFFF_FFFF
            );
            assert_eq!(id.to_string(), want);
        }
    }

    #[test]
    fn foreign_strings_are_not_ids() {
        for s in [
            "",
            "2819c223-7f76-453a-919d-41386190464",
            "2819c223-7f76-453a-919d-4138619046466",
            "2819c223x7f76-453a-919d-413861904646",
            "2819c223-7f76-453a-919d-41386190464g",
            "+819c223-7f76-453a-919d-413861904646",
        ] {
            assert_eq!(Uid::parse(s), None, "{s}");
        }
        assert!(Uid::parse("2819c223-7f76-453a-919d-413861904646").is_some());
    }
}
