//! Checking a compact JWS: its header (algorithm allow-list, key id) and, with the key, its
//! signature and registered claims
//! ([RFC 7519 §7.2](https://www.rfc-editor.org/rfc/rfc7519#section-7.2),
//! [RFC 9068 §4](https://www.rfc-editor.org/rfc/rfc9068#section-4),
//! [RFC 8725 §3.1](https://www.rfc-editor.org/rfc/rfc8725#section-3.1): algorithm verification).

use super::config::{JwtAlgorithm, JwtConfig};
use crate::auth::AuthError;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Map, Value};

/// The longest token examined; longer ones are refused before any decoding.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// What the (unverified) header says: which configured algorithm and which key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) alg: JwtAlgorithm,
    pub(super) kid: Option<String>,
}

/// The header of `token`, if its `alg` is one the configuration allows (`none` and `HS*` never
/// are, [RFC 8725 §2.1](https://www.rfc-editor.org/rfc/rfc8725#section-2.1)).
pub(super) fn header(token: &str, config: &JwtConfig) -> Result<Header, AuthError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(AuthError::invalid());
    }
    let h = jsonwebtoken::decode_header(token).map_err(|_| AuthError::invalid())?;
    let alg = JwtAlgorithm::from_jsonwebtoken(h.alg)
        .filter(|a| config.algorithms.contains(a))
        .ok_or_else(AuthError::invalid)?;
    if config.require_at_jwt {
        let typ = h.typ.as_deref().unwrap_or_default();
        let typ = typ.strip_prefix("application/").unwrap_or(typ);
        if !typ.eq_ignore_ascii_case("at+jwt") {
            return Err(AuthError::invalid());
        }
    }
    // Keys named inside the token (`jku`, `jwk`, `x5u`, `x5c`) are never used: only the
    // configured keys or the configured JWKS verify (RFC 8725 §3.10).
    Ok(Header { alg, kid: h.kid })
}

/// The claims of `token`, once its signature verifies with `key` under `alg` and `iss`, `aud`,
/// `exp` (with leeway), `nbf` (when present, with leeway) and `sub` check out.
pub(super) fn claims(
    token: &str,
    key: &DecodingKey,
    alg: JwtAlgorithm,
    config: &JwtConfig,
) -> Result<Map<String, Value>, AuthError> {
    let mut v = Validation::new(alg.to_jsonwebtoken());
    v.leeway = config.leeway.as_secs();
    v.validate_exp = true;
    v.validate_nbf = true;
    v.validate_aud = true;
    v.set_issuer(&[config.issuer.as_str()]);
    v.set_audience(&config.audiences);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<Map<String, Value>>(token, key, &v)
        .map(|data| data.claims)
        .map_err(|_| AuthError::invalid())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthErrorKind;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn token_with_header(h: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(h),
            URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#)
        )
    }

    #[test]
    fn header_allow_list() {
        let c = JwtConfig::new("i", "a").algorithms(&[JwtAlgorithm::Es256]);
        let es = header(&token_with_header(r#"{"alg":"ES256","kid":"k"}"#), &c).unwrap();
        assert_eq!(es.alg, JwtAlgorithm::Es256);
        assert_eq!(es.kid.as_deref(), Some("k"));
        for bad in [
            r#"{"alg":"RS256"}"#,
            r#"{"alg":"none"}"#,
            r#"{"alg":"HS256"}"#,
            r#"{"alg":"ES256""#,
            "",
        ] {
            let e = header(&token_with_header(bad), &c).unwrap_err();
            assert_eq!(e.kind(), AuthErrorKind::Invalid, "{bad}");
        }
        assert!(header("a.b", &c).is_err());
        let typed = c.clone().require_at_jwt_typ(true);
        for ok in [
            r#"{"alg":"ES256","typ":"at+jwt"}"#,
            r#"{"alg":"ES256","typ":"application/AT+JWT"}"#,
        ] {
            assert!(header(&token_with_header(ok), &typed).is_ok(), "{ok}");
        }
        for bad in [r#"{"alg":"ES256","typ":"JWT"}"#, r#"{"alg":"ES256"}"#] {
            assert!(header(&token_with_header(bad), &typed).is_err(), "{bad}");
            assert!(header(&token_with_header(bad), &c).is_ok(), "{bad}");
        }
        let long = "a".repeat(MAX_TOKEN_LEN + 1);
        assert!(header(&long, &c).is_err());
    }
}
