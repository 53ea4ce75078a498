//! Configuration errors: a server or example that is set up wrongly, reported when it is built
//! or started, naming the setting — not a SCIM protocol error
//! ([RFC 7644 §3.12](https://www.rfc-editor.org/rfc/rfc7644#section-3.12) errors are for
//! clients; these are for whoever deploys the service).

/// What is wrong with a server's configuration ([`ServerBuilder::build`](super::ServerBuilder::build),
/// [`check_secret`]); each message names the setting
/// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required setting was not given.
    #[error("{setting} is required but was not set")]
    Missing {
        /// The setting, e.g. `backend`.
        setting: &'static str,
    },
    /// A setting's value is not acceptable.
    #[error("{setting} = {value:?}: {reason}")]
    Invalid {
        /// The setting, e.g. `base_url`.
        setting: String,
        /// The value given (never a secret: see [`ConfigError::WeakSecret`]).
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// A secret (a SCIM key, an admin token) is too short or too uniform to resist guessing.
    /// The secret itself is never part of the message.
    #[error("{setting} is too weak: {reason}")]
    WeakSecret {
        /// The setting, e.g. `SCIM_KEY`.
        setting: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The fewest characters a configured secret may have.
pub const MIN_SECRET_LEN: usize = 32;

/// The fewest distinct characters a configured secret may have.
pub const MIN_SECRET_DISTINCT: usize = 8;

/// Refuses a configured secret (a static SCIM key, an admin token) that is shorter than
/// [`MIN_SECRET_LEN`] characters or has fewer than [`MIN_SECRET_DISTINCT`] distinct
/// characters (`aaaa…`, `abababab…`): such a bearer token can be guessed
/// ([RFC 6750 §5.2](https://www.rfc-editor.org/rfc/rfc6750#section-5.2) asks that bearer
/// tokens be hard to guess). `setting` names it in the error.
///
/// ```
/// use scimitar::server::check_secret;
/// assert!(check_secret("SCIM_KEY", "short").is_err());
/// assert!(check_secret("SCIM_KEY", &"x".repeat(64)).is_err());
/// assert!(check_secret("SCIM_KEY", "Vf3q9ZkT2mWc8LpX4rYb7NdH1sGj6QeA").is_ok());
/// ```
pub fn check_secret(setting: &str, secret: &str) -> Result<(), ConfigError> {
    let weak = |reason: String| ConfigError::WeakSecret {
        setting: setting.to_owned(),
        reason,
    };
    let len = secret.chars().count();
    if len < MIN_SECRET_LEN {
        return Err(weak(format!(
            "it has {len} characters; at least {MIN_SECRET_LEN} are required"
        )));
    }
    let mut distinct: Vec<char> = secret.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_SECRET_DISTINCT {
        return Err(weak(format!(
            "it uses only {} distinct characters; at least {MIN_SECRET_DISTINCT} are required",
            distinct.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_secrets_are_refused_by_name_without_echoing_them() {
        for weak in [
            "",
            "s3cret",
            &"a".repeat(31),
            &"a".repeat(100),
            &"ab".repeat(40),
            "abcdefgabcdefgabcdefgabcdefgabcdefg",
        ] {
            let e = check_secret("SCIM_ADMIN_TOKEN", weak).unwrap_err();
            let text = e.to_string();
            assert!(text.starts_with("SCIM_ADMIN_TOKEN is too weak"), "{text}");
            if !weak.is_empty() {
                assert!(!text.contains(weak), "{text}");
            }
        }
        assert!(check_secret("SCIM_KEY", "scim_0123456789abcdefghijklmnopqrstuv").is_ok());
    }

    #[test]
    fn messages_name_the_setting() {
        let e = ConfigError::Missing { setting: "backend" };
        assert_eq!(e.to_string(), "backend is required but was not set");
        let e = ConfigError::Invalid {
            setting: "base_url".into(),
            value: "ftp://x".into(),
            reason: "must be an absolute http or https URL".into(),
        };
        assert!(e.to_string().starts_with("base_url = \"ftp://x\": "));
    }
}
