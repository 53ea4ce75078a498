//! Authentication, tenants and SCIM API keys.
