//! The User resource ([RFC 7643 §4.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1)).

use super::multi_valued::primary_or_first;
use super::normalize::{self, USER, USER_EXTENSIONS};
use super::{
    Address, Email, EnterpriseUser, Entitlement, GroupRef, Im, Meta, Name, Password, PhoneNumber,
    Photo, Role, X509Certificate, lenient,
};
use crate::schema::USER_SCHEMA;
use crate::{Compat, Error};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;

fn user_schemas() -> Vec<String> {
    vec![USER_SCHEMA.to_owned()]
}

/// A SCIM User ([RFC 7643 §4.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1)) with the
/// common attributes of [§3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1), the
/// Enterprise User extension ([§4.3](https://www.rfc-editor.org/rfc/rfc7643#section-4.3)) and
/// every other attribute or extension kept as JSON.
///
/// * **Wire form**: serde with camelCase names, `$ref`, absent values left out. Read client
///   input with [`User::from_json`] (case-insensitive names, SCIM errors); write responses with
///   [`User::to_json`] or serde.
/// * **`password`** is write-only: read from input, never written ([`Password`]).
/// * **`groups`** is `readOnly`: kept when read, but a server ignores what a client sends.
/// * **Extensions**: the Enterprise User extension is typed ([`User::enterprise`]); any other
///   extension object (keyed by its schema URN) and any unknown attribute is kept in
///   [`User::extra`] and written back unchanged. `schemas` is kept as sent and made consistent:
///   the core URN first, and the URN of every extension present listed
///   ([`User::set_enterprise`], [`User::set_extension`] and [`User::from_json`] maintain it).
///
/// ```
/// use scimitar::resource::{Email, EnterpriseUser, User};
/// let mut user = User::new("bjensen@example.com").with_email(Email::new("bjensen@example.com").primary());
/// user.enterprise_mut().department = Some("Tour Operations".into());
/// let json = user.to_json();
/// assert_eq!(json["schemas"][1], "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
///
/// let back = User::from_json(serde_json::json!({
///     "UserName": "bjensen@example.com",
///     "active": "True",
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": "26118915"}
/// }))?;
/// assert_eq!(back.active, Some(true));
/// assert_eq!(back.enterprise().and_then(|e| e.manager.as_ref()).and_then(|m| m.value.as_deref()), Some("26118915"));
/// # Ok::<(), scimitar::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default = "user_schemas", deserialize_with = "lenient::vec_or_null")]
    pub(super) schemas: Vec<String>,
    /// The service provider's identifier (`readOnly`, assigned by the server, §3.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The client's identifier for the user (§3.1); never confused with `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The unique name the user signs in with (required, `caseExact: false`, unique per server).
    pub user_name: String,
    /// The components of the user's real name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// The name to display to end users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The casual way to address the user, e.g. `Babs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// A URL of the user's online profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    /// The user's title, e.g. `Vice President`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The relationship to the organization, e.g. `Employee`, `Contractor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// The preferred written or spoken language (RFC 7231 `Accept-Language` form, e.g. `en-US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    /// The default location for localisation (currency, dates), e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The time zone in IANA ("Olson") form, e.g. `America/Los_Angeles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The administrative status; `false` is how Entra ID and Okta disable a user. Accepts
    /// `"True"`/`"False"` strings ([`lenient::opt_bool`](super::lenient::opt_bool)).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_bool"
    )]
    pub active: Option<bool>,
    /// The cleartext password a client set (`writeOnly`, `returned: never`): deserialised,
    /// never serialised.
    #[serde(default, skip_serializing)]
    pub password: Option<Password>,
    /// Email addresses.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::vec_or_null"
    )]
    pub emails: Vec<Email>,
    /// Phone numbers.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::vec_or_null"
    )]
    pub phone_numbers: Vec<PhoneNumber>,
    /// Instant-messaging addresses.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::vec_or_null"
    )]
    pub ims: Vec<Im>,
    /// Photo URLs.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::vec_or_null"
    )]
    pub photos: Vec<Photo>,
    /// Physical mailing addresses.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::vec_or_null"
    )]
    pub addresses: Vec<Address>,
    /// The groups the user belongs to (`readOnly`: derived from group memberships).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::vec_or_null"
    )]
    pub groups: Vec<GroupRef>,
    /// Entitlements.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::vec_or_null"
    )]
    pub entitlements: Vec<Entitlement>,
    /// Roles.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::vec_or_null"
    )]
    pub roles: Vec<Role>,
    /// X.509 certificates (base64 DER).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient::vec_or_null"
    )]
    pub x509_certificates: Vec<X509Certificate>,
    /// Resource metadata (`readOnly`; a client's `meta` that does not parse is dropped).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_meta"
    )]
    pub meta: Option<Meta>,
    #[serde(
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(super) enterprise: Option<Box<EnterpriseUser>>,
    #[serde(flatten)]
    pub(super) extra: Map<String, Value>,
}

impl User {
    /// A user with this `userName` and the core schema, nothing else set.
    pub fn new(user_name: impl Into<String>) -> Self {
        User {
            schemas: user_schemas(),
            id: None,
            external_id: None,
            user_name: user_name.into(),
            name: None,
            display_name: None,
            nick_name: None,
            profile_url: None,
            title: None,
            user_type: None,
            preferred_language: None,
            locale: None,
            timezone: None,
            active: None,
            password: None,
            emails: Vec::new(),
            phone_numbers: Vec::new(),
            ims: Vec::new(),
            photos: Vec::new(),
            addresses: Vec::new(),
            groups: Vec::new(),
            entitlements: Vec::new(),
            roles: Vec::new(),
            x509_certificates: Vec::new(),
            meta: None,
            enterprise: None,
            extra: Map::new(),
        }
    }

    /// Reads a User from client JSON: attribute names of RFC 7643 §4.1/§4.3 are matched
    /// case-insensitively (including the enterprise URN), the lenient forms of
    /// [`lenient`](super::lenient) are accepted, `schemas` is made consistent, and `userName` must
    /// be a non-empty string.
    ///
    /// Errors: a body that is not an object, or an attribute named twice → 400 `invalidSyntax`;
    /// a missing `userName` or a value of the wrong type → 400 `invalidValue` naming the path
    /// (`User.emails[0].primary: …`).
    pub fn from_json(value: Value) -> Result<User, Error> {
        User::from_json_with(value, &Compat::default())
    }

    /// [`User::from_json`] accepting only the client quirks that `compat` switches on:
    /// [`Compat::boolean_strings`] (`"True"` for `active`/`primary`) and
    /// [`Compat::complex_as_bare_value`] (`manager` as a bare id). With [`Compat::strict`] they
    /// are 400 `invalidValue`.
    pub fn from_json_with(value: Value, compat: &Compat) -> Result<User, Error> {
        let mut map = normalize::object(value, "User")?;
        normalize::normalize(&mut map, USER, USER_EXTENSIONS)?;
        lenient::check_user(&map, compat)?;
        let mut user: User = normalize::decode(&Value::Object(map), "User")?;
        if user.user_name.trim().is_empty() {
            return Err(Error::invalid_value("User.userName must not be empty"));
        }
        user.fix_schemas();
        Ok(user)
    }

    /// The JSON a response carries: every attribute except `password`.
    pub fn to_json(&self) -> Value {
        // Serialising a User cannot fail: every map key is a string and every leaf type
        // serialises infallibly; `Null` is unreachable.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The primary email address, else the first one.
    pub fn primary_email(&self) -> Option<&str> {
        primary_or_first(&self.emails, Email::is_primary).and_then(|e| e.value.as_deref())
    }

    /// The first email address of this `type` (case-insensitive), e.g. `work`.
    pub fn email_of_type(&self, kind: &str) -> Option<&str> {
        self.emails
            .iter()
            .find(|e| e.is_type(kind))
            .and_then(|e| e.value.as_deref())
    }

    /// The primary phone number, else the first one.
    pub fn primary_phone_number(&self) -> Option<&str> {
        primary_or_first(&self.phone_numbers, PhoneNumber::is_primary)
            .and_then(|p| p.value.as_deref())
    }

    /// The primary address, else the first one.
    pub fn primary_address(&self) -> Option<&Address> {
        primary_or_first(&self.addresses, Address::is_primary)
    }

    /// A name to show for the user, e.g. as a group member's `display`: `displayName`, else
    /// the formatted or composed `name`, else `userName`.
    pub fn display_label(&self) -> Cow<'_, str> {
        if let Some(d) = self.display_name.as_deref().filter(|d| !d.is_empty()) {
            return Cow::Borrowed(d);
        }
        match self.name.as_ref().and_then(Name::display) {
            Some(n) => Cow::Owned(n),
            None => Cow::Borrowed(&self.user_name),
        }
    }

    /// Whether the user is active: `active` is not `false` (an absent `active` is active).
    pub fn is_active(&self) -> bool {
        self.active != Some(false)
    }

    /// Sets `externalId` (builder style).
    pub fn with_external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets `displayName` (builder style).
    pub fn with_display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = Some(display_name.into());
        self
    }

    /// Sets `name` (builder style).
    pub fn with_name(mut self, name: Name) -> Self {
        self.name = Some(name);
        self
    }

    /// Adds an email (builder style).
    pub fn with_email(mut self, email: Email) -> Self {
        self.emails.push(email);
        self
    }

    /// Sets `active` (builder style).
    pub fn with_active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }
}

impl TryFrom<Value> for User {
    type Error = Error;
    /// [`User::from_json`].
    fn try_from(value: Value) -> Result<Self, Error> {
        User::from_json(value)
    }
}

impl From<&User> for Value {
    /// [`User::to_json`].
    fn from(user: &User) -> Value {
        user.to_json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_user_json() {
        let u = User::new("bjensen").with_active(false);
        assert_eq!(
            u.to_json(),
            json!({"schemas": [USER_SCHEMA], "userName": "bjensen", "active": false})
        );
        assert!(!u.is_active());
        assert!(User::new("x").is_active());
    }

    #[test]
    fn password_read_never_written() {
        let u = User::from_json(json!({"userName": "a", "password": "s3cret"})).unwrap();
        assert_eq!(u.password.as_ref().unwrap().expose(), "s3cret");
        let out = serde_json::to_string(&u).unwrap();
        assert!(!out.contains("s3cret") && !out.contains("password"));
        assert!(!format!("{u:?}").contains("s3cret"));
    }

    #[test]
    fn user_name_required_and_non_empty() {
        let e = User::from_json(json!({"displayName": "x"})).unwrap_err();
        assert_eq!(e.scim_type(), Some(crate::ScimType::InvalidValue));
        assert!(e.detail().contains("userName"), "{}", e.detail());
        assert!(User::from_json(json!({"userName": "  "})).is_err());
        let e = User::from_json(json!([])).unwrap_err();
        assert_eq!(e.scim_type(), Some(crate::ScimType::InvalidSyntax));
    }
}
