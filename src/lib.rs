//! # scimitar
//!
//! A standards-correct SCIM 2.0 service provider library: the schema model of
//! [RFC 7643](https://www.rfc-editor.org/rfc/rfc7643), the protocol of
//! [RFC 7644](https://www.rfc-editor.org/rfc/rfc7644), and the deviations of the clients that
//! really call it (Microsoft Entra ID, Okta).
//!
//! The crate is layered; each layer can be used on its own:
//!
//! | module | what it holds |
//! |---|---|
//! | [`schema`] | RFC 7643 schemas, attributes and their characteristics, resource types, path resolution |
//! | [`resource`] | typed `User`, `Group`, `EnterpriseUser`, `Meta`, `Version` |
//! | [`path`] | the one attribute-path grammar of RFC 7644 (attrPath, valuePath, PATCH path, sortBy, attribute lists) |
//! | [`filter`] | `Filter::parse`, canonical `Display`, schema-guided evaluation |
//! | [`patch`] | the PATCH engine (RFC 7644 §3.5.2), client compatibility, group member deltas |
//! | [`query`] | list queries, projection (`attributes`/`excludedAttributes`), sorting and paging |
//! | [`backend`] | the async `IdentityBackend` trait and the in-memory backend |
//! | [`auth`] | authentication, tenants, SCIM API keys |
//! | [`server`] | the framework-agnostic HTTP handler (`http::Request` in, `http::Response` out) |
//! | `testkit` | (feature `testkit`) the conformance kit any backend or key store runs from its tests |
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::dbg_macro,
    clippy::todo,
    clippy::unimplemented
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod audit;
pub mod auth;
pub mod backend;
mod backend_error;
pub mod compat;
mod context;
pub mod error;
pub mod filter;
pub mod patch;
pub mod path;
pub mod query;
pub mod resource;
pub mod schema;
pub mod server;
#[cfg(feature = "testkit")]
pub mod testkit;
#[cfg(feature = "zitadel-double")]
pub mod zitadel_double;

pub use auth::{
    ApiKeyStore, Authenticator, BearerKeyAuthenticator, Context, KeyAdmin, MemoryKeyStore,
    Principal, Secret, TenantId,
};
pub use backend::{BackendError, IdentityBackend, MemoryBackend};
// The README's Rust examples are doctests, so they cannot drift from the API.
#[cfg(all(doctest, feature = "tower", feature = "testkit"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use compat::Compat;
pub use error::{Error, ScimType};
pub use filter::Filter;
pub use patch::{PatchLimits, PatchRequest};
pub use path::{AttrPath, ParseError};
pub use query::ListQuery;
pub use resource::{EnterpriseUser, Group, Member, Meta, User, Version};
pub use schema::{
    Attribute, AttributeType, Mutability, ResourceType, Returned, Schema, Uniqueness,
};
pub use schema::{ResourceSchema, SchemaRegistry};
pub use server::{Limits, ScimServer, ServerBuilder};

// The crates whose types appear in public signatures, so a service uses the same versions.
pub use bytes;
pub use http;
pub use serde_json;
