//! The one integration test binary: public API tests, RFC examples, client replays, properties.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod error;
mod projection;
mod projection_props;
mod schema;
mod validate;
mod validate_props;
