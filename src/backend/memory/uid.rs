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

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            (n >> 96) as u32,
            ((n >> 80) & 0xFFFF) as u16,
            ((n >> 64) & 0xFFFF) as u16,
            ((n >> 48) & 0xFFFF) as u16,
            n & 0xFFFF_FFFF_FFFF
        )
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
