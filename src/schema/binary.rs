//! The lexical form of the `binary` attribute type
//! ([RFC 7643 §2.3.6](https://www.rfc-editor.org/rfc/rfc7643#section-2.3.6)), shared by the
//! validator and the typed resources so both accept exactly the same values.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Base64 as RFC 7643 §2.3.6 requires (RFC 4648 §4 alphabet; padding optional).
pub(crate) fn is_base64(s: &str) -> bool {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    ENGINE.decode(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_base64;

    #[test]
    fn standard_alphabet_padding_optional() {
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64("aGVsbG8"));
        assert!(is_base64(""));
        assert!(!is_base64("not base64!"));
        assert!(!is_base64("ZXhhbXBsZS5jb20xFDAS]GxlLmNvbTE"));
    }
}
