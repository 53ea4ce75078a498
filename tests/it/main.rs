//! The one integration test binary: public API tests, RFC examples, client replays, properties.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod audit;
mod auth;
mod auth_admin;
#[cfg(feature = "jwt")]
mod auth_jwt;
#[cfg(feature = "jwt")]
mod auth_jwt_admin;
mod backend_defaults;
mod bulk;
mod bulk_props;
mod compat_methods;
mod cursor;
mod cursor_backends;
mod cursor_props;
mod custom_types;
mod custom_walk;
mod encode_props;
mod error;
mod filter_entra;
mod filter_eval_props;
mod filter_props;
mod filter_rfc;
mod fuzz_corpus;
mod fuzz_regressions;
mod me;
mod memory;
mod memory_footprint;
mod memory_patch;
mod patch_clients;
mod patch_common;
mod patch_corpus;
mod patch_fuzz_check;
mod patch_members;
mod patch_props;
mod patch_rfc;
mod path_rfc;
mod projection;
mod projection_props;
#[cfg(feature = "testkit")]
mod replay;
mod resource;
mod resource_lenient;
mod resource_props;
mod resource_version;
mod schema;
mod server;
mod server_bad_input;
mod server_limits;
mod server_props;
mod server_resources;
mod server_stored;
mod server_support;
#[cfg(feature = "tower")]
mod server_tower;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql_config;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql_diff;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql_keys;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql_support;
#[cfg(feature = "testkit")]
mod testkit_broken;
#[cfg(feature = "testkit")]
mod testkit_broken_keys;
#[cfg(feature = "testkit")]
mod testkit_memory;
#[cfg(all(feature = "testkit", any(feature = "sqlite", feature = "postgres")))]
mod testkit_sql;
mod validate;
mod validate_props;
#[cfg(all(feature = "zitadel", feature = "zitadel-double"))]
mod zitadel;
#[cfg(feature = "zitadel-double")]
mod zitadel_double;
