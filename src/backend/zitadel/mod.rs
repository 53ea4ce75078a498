//! The Zitadel backend (feature `zitadel`): SCIM users live in Zitadel v4 (Connect JSON through
//! the `zitadel.user.v2` API of a service user with `IAM_OWNER_VIEWER` + `IAM_USER_MANAGER`);
//! SCIM groups live in a companion [`IdentityBackend`](crate::backend::IdentityBackend), because released Zitadel has no group
//! API its service user could write
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
//!
//! * **Tenancy**: a key's tenant is a Zitadel organisation id. Every call is scoped to it; a
//!   user of another organisation is 404 and never touched.
//! * **Ids**: a new user's Zitadel id is a UUID v5 of (org, `externalId`), or of (org,
//!   lower-cased `userName`) without one, so a retried create finds its first attempt
//!   (`failed_precondition COMMAND-7yiox1isql` → read back and compare) instead of making a
//!   second user (a create the client repeats is 409).
//! * **Lookups right after a write**: Zitadel's `ListUsers` lags behind writes, `GetUserByID`
//!   does not. Every user this backend writes is indexed in the companion store (`userName` →
//!   Zitadel id; durable and shared by replicas, so a restart or another replica changes
//!   nothing): `userName eq` reads the index first and confirms with `GetUserByID`, then asks
//!   `ListUsers` and, on a miss, reads the id a user without `externalId` would have;
//!   `externalId eq` reads the deterministic id first. Users this process just deleted are
//!   dropped from lagging `ListUsers` answers, and any listed user whose metadata read finds it
//!   gone. Group members in the index need no Zitadel call to be checked.
//! * **Attributes** Zitadel lacks are kept in user metadata under the keys of Zitadel's own
//!   SCIM server, so users written by either are read the same way by both (values UTF-8;
//!   *JSON* ones hold the attribute's SCIM JSON; *scimitar* marks keys Zitadel's SCIM server
//!   does not have):
//!
//!   | SCIM | metadata key |
//!   |---|---|
//!   | `externalId` | `urn:zitadel:scim:externalId`, or `urn:zitadel:scim:<provisioningDomain>:externalId` with [`ZitadelConfig::provisioning_domain`] |
//!   | `name.middleName`, `name.honorificPrefix`, `name.honorificSuffix` | `urn:zitadel:scim:name.<sub>` |
//!   | `profileUrl`, `title`, `locale`, `timezone` | `urn:zitadel:scim:<attr>` |
//!   | `ims`, `photos`, `addresses`, `entitlements`, `roles`, `emails` | `urn:zitadel:scim:<attr>` (JSON) |
//!   | `name.formatted`, `userType` | `urn:zitadel:scim:<attr>` (scimitar) |
//!   | `phoneNumbers`, `x509Certificates` | `urn:zitadel:scim:<attr>` (JSON, scimitar) |
//!   | the enterprise extension, other extensions, unknown attributes | `urn:zitadel:scim:attr:<schema URN or name>` (JSON, scimitar) |
//!   | profile fields derived because Zitadel requires them | `urn:zitadel:scim:derived` (scimitar) |
//!
//!   Natively: `userName` → `username`; `name.givenName`/`familyName`, `displayName`,
//!   `nickName`, `preferredLanguage` → `human.profile`; the primary (else first) email →
//!   `human.email` (verified: no mail); the primary (else first) phone number in `+<digits>`
//!   form → `human.phone`; `active` → the user state (`DeactivateUser`/`ReactivateUser`).
//!   `password` is not written (IdP-linked users sign in at their IdP).
//! * **Groups and keys** live in the companion; members are Zitadel user ids, checked against
//!   Zitadel: those of users this backend created (UUIDs) and of users made elsewhere (the
//!   console's, numeric), so the companion must take foreign members
//!   ([`MemoryBackend::with_foreign_members`](crate::backend::MemoryBackend::with_foreign_members),
//!   `SqlOptions::with_foreign_members`); a deleted user leaves every group. SCIM keys live in the companion's
//!   [`crate::auth::ApiKeyStore`].
//! * **Cursor paging** ([RFC 9865](https://www.rfc-editor.org/rfc/rfc9865)) as far as Zitadel
//!   allows: `ListUsers` pages by offset only, with no "id after" or "created after" query to
//!   walk by keyset, so a users cursor holds an offset into the users sorted by creation date
//!   ascending (`sortingColumn: USER_FIELD_NAME_CREATION_DATE`, `asc: true`), one `ListUsers`
//!   call per page for a filter Zitadel answers exactly. Guarantees: stable under concurrent
//!   creates (a new user sorts last); a user deleted before the walk's position shifts the
//!   rest by one, so the walk may skip one user per such delete
//!   ([`Capabilities::cursor_keyset`](crate::backend::Capabilities::cursor_keyset) is
//!   `false`); `previousCursor` steps back by the same offsets. Groups and custom types walk
//!   in the companion (by keyset); walks are offered when the companion offers them.

mod backend;
mod config;
mod connect;
mod groups;
mod index;
mod lookup;
mod mapping;
mod probe;
mod recent;
mod roles;
mod token;
mod transport;
mod users;
mod wire;

pub use backend::ZitadelBackend;
pub use config::{
    Credentials, IdpChoice, KeyFile, KeyFileError, OrgSettings, ProjectRoles, RetryPolicy,
    ZitadelConfig,
};
pub use transport::{HttpAnswer, HttpCall, ReqwestTransport, Transport, TransportError};
