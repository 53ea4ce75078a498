//! The `IdentityBackend` trait and the in-memory backend.
