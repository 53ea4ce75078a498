//! Typed SCIM resources ([RFC 7643 §4](https://www.rfc-editor.org/rfc/rfc7643#section-4),
//! [§5](https://www.rfc-editor.org/rfc/rfc7643#section-5)): what a backend reads and writes.
//!
//! | type | RFC 7643 |
//! |---|---|
//! | [`User`], [`Name`], [`Password`] | §4.1 |
//! | [`Email`], [`PhoneNumber`], [`Im`], [`Photo`], [`Address`], [`GroupRef`], [`Entitlement`], [`Role`], [`X509Certificate`] | §4.1.2 |
//! | [`Group`], [`Member`] | §4.2 |
//! | [`EnterpriseUser`], [`Manager`] | §4.3 |
//! | [`Meta`], [`Resource`] (the common attributes and the stamping a backend does) | §3.1 |
//! | [`Version`], [`VersionCondition`] | RFC 7644 §3.14 (entity tags of RFC 7232) |
//!
//! Design:
//! * serde is the wire format: camelCase names, `$ref`, absent values left out, so the RFC 7643
//!   §8 examples round-trip equal in meaning (`password` excepted: it is never written).
//! * Nothing a client sent is dropped: unknown attributes, unknown sub-attributes and unknown
//!   extensions are kept as JSON (`extra`) and written back.
//! * Client input goes through `from_json` ([`User::from_json`], [`Group::from_json`]), which
//!   matches attribute names case-insensitively and maps errors to [`crate::Error`] with the
//!   attribute path; the value-level quirks of real clients are in [`lenient`].
//!
//! ```
//! use scimitar::resource::User;
//! let body = std::fs::read_to_string("tests/data/rfc7643/enterprise_user.json").unwrap();
//! let user = User::from_json(serde_json::from_str(&body).unwrap())?;
//! assert_eq!(user.primary_email(), Some("bjensen@example.com"));
//! assert_eq!(user.enterprise().unwrap().cost_center.as_deref(), Some("4130"));
//! assert!(user.to_json().get("password").is_none());
//! # Ok::<(), scimitar::Error>(())
//! ```
//!
//! Memory (64-bit): a `User` is a flat struct of `Option<String>`s and `Vec`s, about 830 bytes
//! inline plus its strings; absent attributes cost no heap, and the Enterprise User extension is
//! boxed (8 bytes when absent). A `Group` is about 240 bytes plus 100 bytes per member, a
//! [`Version`] 24 bytes. A backend holding very many users can keep them as is, or keep
//! `to_json()` as compact bytes and decode on read (one serde pass).

mod common;
pub(crate) mod direct_plan;
mod enterprise;
mod extensions;
mod group;
pub(crate) mod json_text;
pub mod lenient;
mod meta;
mod multi_valued;
mod name;
mod normalize;
mod password;
mod timestamp;
mod user;
mod version;

pub use common::Resource;
pub use enterprise::{EnterpriseUser, Manager};
pub use group::{Group, Member};
pub use meta::Meta;
pub use multi_valued::{
    Address, Email, Entitlement, GroupRef, Im, PhoneNumber, Photo, Role, X509Certificate,
};
pub use name::Name;
pub use password::Password;
pub use user::User;
pub use version::{Version, VersionCondition};
