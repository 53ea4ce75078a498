//! Request sub-messages shared by the user RPCs (`zitadel.user.v2` `SetHumanProfile`,
//! `SetHumanEmail`, `SetHumanPhone`, `Password`, `IDPLink`, `Metadata`) with their
//! protoc-gen-validate rules (RELEASED.md §3, API.md §2.1).

use serde::Deserialize;

use super::state::{Human, Link};
use super::wire::{Code, ConnectError, check_len, decode_bytes};

/// At most one (or, when `required`, exactly one) member of a oneof is set.
pub(crate) fn one_of(name: &str, set: &[bool], required: bool) -> Result<(), ConnectError> {
    let count = set.iter().filter(|s| **s).count();
    if count > 1 {
        return Err(ConnectError::invalid(format!(
            "proto: oneof {name} is already set"
        )));
    }
    if required && count == 0 {
        return Err(ConnectError::invalid(format!(
            "invalid {name}: value is required"
        )));
    }
    Ok(())
}

/// An empty message (`ReturnEmailVerificationCode{}` and the like).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Empty {}

/// `SendEmailVerificationCode{urlTemplate?}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SendCode {
    #[allow(dead_code)]
    url_template: Option<String>,
}

/// `SetHumanProfile` (create) / `UpdateUserRequest.Human.Profile` (update: all optional).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ProfileIn {
    pub(crate) given_name: Option<String>,
    pub(crate) family_name: Option<String>,
    pub(crate) nick_name: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) preferred_language: Option<String>,
    pub(crate) gender: Option<String>,
}

const GENDERS: [&str; 4] = [
    "GENDER_UNSPECIFIED",
    "GENDER_FEMALE",
    "GENDER_MALE",
    "GENDER_DIVERSE",
];

impl ProfileIn {
    /// A new human's profile: given and family name required; Zitadel fills the display name
    /// from them and the language with `und` when absent.
    pub(crate) fn into_new_human(self) -> Result<Human, ConnectError> {
        let mut human = Human {
            language: "und".into(),
            ..Human::default()
        };
        let given = self.given_name.clone().unwrap_or_default();
        let family = self.family_name.clone().unwrap_or_default();
        check_len("SetHumanProfile.GivenName", &given, 1, 200)?;
        check_len("SetHumanProfile.FamilyName", &family, 1, 200)?;
        self.apply(&mut human)?;
        if human.display.is_empty() {
            human.display = format!("{} {}", human.given, human.family);
        }
        Ok(human)
    }

    /// Applies the set fields (update semantics: absent = unchanged).
    pub(crate) fn apply(self, human: &mut Human) -> Result<(), ConnectError> {
        if let Some(v) = self.given_name {
            check_len("Profile.GivenName", &v, 1, 200)?;
            human.given = v;
        }
        if let Some(v) = self.family_name {
            check_len("Profile.FamilyName", &v, 1, 200)?;
            human.family = v;
        }
        if let Some(v) = self.nick_name {
            check_len("Profile.NickName", &v, 0, 200)?;
            human.nick = v;
        }
        if let Some(v) = self.display_name {
            check_len("Profile.DisplayName", &v, 0, 200)?;
            human.display = v;
        }
        if let Some(v) = self.preferred_language {
            check_len("Profile.PreferredLanguage", &v, 0, 10)?;
            human.language = if v.is_empty() { "und".into() } else { v };
        }
        if let Some(v) = self.gender {
            if !GENDERS.contains(&v.as_str()) {
                return Err(ConnectError::invalid(format!(
                    "proto: invalid value for enum field gender: {v}"
                )));
            }
            human.gender = (v != "GENDER_UNSPECIFIED").then_some(v);
        }
        Ok(())
    }
}

/// `SetHumanEmail{email, oneof verification{sendCode, returnCode, isVerified}}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct EmailIn {
    #[serde(default)]
    email: String,
    is_verified: Option<bool>,
    send_code: Option<SendCode>,
    return_code: Option<Empty>,
}

impl EmailIn {
    pub(crate) fn apply(self, human: &mut Human) -> Result<(), ConnectError> {
        one_of(
            "verification",
            &[
                self.is_verified.is_some(),
                self.send_code.is_some(),
                self.return_code.is_some(),
            ],
            false,
        )?;
        check_len("SetHumanEmail.Email", &self.email, 1, 200)?;
        if self.is_verified == Some(false) {
            return Err(ConnectError::invalid(
                "invalid SetHumanEmail.IsVerified: value must equal true",
            ));
        }
        let valid = self
            .email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if !valid {
            return Err(ConnectError::zitadel(
                Code::InvalidArgument,
                "EMAIL-599BI",
                "Email is invalid",
            ));
        }
        human.email = self.email;
        human.email_verified = self.is_verified == Some(true);
        Ok(())
    }
}

/// `SetHumanPhone{phone, oneof verification}`; an empty phone (update) removes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PhoneIn {
    #[serde(default)]
    phone: String,
    is_verified: Option<bool>,
    send_code: Option<Empty>,
    return_code: Option<Empty>,
}

impl PhoneIn {
    pub(crate) fn apply(self, human: &mut Human) -> Result<(), ConnectError> {
        let verification = [
            self.is_verified.is_some(),
            self.send_code.is_some(),
            self.return_code.is_some(),
        ];
        one_of("verification", &verification, false)?;
        check_len("SetHumanPhone.Phone", &self.phone, 0, 200)?;
        if self.phone.is_empty() {
            if verification.iter().any(|v| *v) {
                return Err(ConnectError::invalid(
                    "invalid SetHumanPhone: verification must be empty when the phone is removed",
                ));
            }
            human.phone.clear();
            human.phone_verified = false;
            return Ok(());
        }
        if self.is_verified == Some(false) {
            return Err(ConnectError::invalid(
                "invalid SetHumanPhone.IsVerified: value must equal true",
            ));
        }
        // Zitadel normalises to E.164 (libphonenumber); the double keeps `+` and digits.
        let normalised: String = self
            .phone
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        let digits = normalised.strip_prefix('+').unwrap_or("");
        if digits.len() < 6 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ConnectError::zitadel(
                Code::InvalidArgument,
                "PHONE-so0wa",
                "Phone is invalid",
            ));
        }
        human.phone = normalised;
        human.phone_verified = self.is_verified == Some(true);
        Ok(())
    }
}

/// `Password{password, changeRequired}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PasswordIn {
    #[serde(default)]
    password: String,
    #[allow(dead_code)]
    change_required: Option<bool>,
}

impl PasswordIn {
    pub(crate) fn check(&self) -> Result<(), ConnectError> {
        check_len("Password.Password", &self.password, 1, 200)
    }
}

/// `IDPLink{idpId, userId, userName}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct LinkIn {
    #[serde(default)]
    idp_id: String,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    user_name: String,
}

impl LinkIn {
    pub(crate) fn check(&self) -> Result<Link, ConnectError> {
        check_len("IDPLink.IdpId", &self.idp_id, 1, 200)?;
        check_len("IDPLink.UserId", &self.user_id, 1, 200)?;
        check_len("IDPLink.UserName", &self.user_name, 1, 200)?;
        Ok(Link {
            idp_id: self.idp_id.clone(),
            user_id: self.user_id.clone(),
            user_name: self.user_name.clone(),
        })
    }
}

/// `Metadata{key, value (bytes)}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MetaIn {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: String,
}

impl MetaIn {
    /// Key 1..200; value 1..500000 bytes, or empty when `allow_empty` (v4.13 update: delete).
    pub(crate) fn check(&self, allow_empty: bool) -> Result<(String, Vec<u8>), ConnectError> {
        check_len("Metadata.Key", &self.key, 1, 200)?;
        let value = decode_bytes("value", &self.value)?;
        if value.len() > 500_000 || (value.is_empty() && !allow_empty) {
            return Err(ConnectError::invalid(
                "invalid Metadata.Value: value length must be between 1 and 500000 bytes, inclusive",
            ));
        }
        Ok((self.key.clone(), value))
    }
}
