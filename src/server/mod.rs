//! The framework-agnostic SCIM HTTP handler
//! ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

// The plumbing below is wired into `ScimServer` once the backend and auth traits land.
#[allow(dead_code)]
mod discovery;
#[allow(dead_code)]
mod limits;
#[allow(dead_code)]
mod params;
#[allow(dead_code)]
mod query;
#[allow(dead_code)]
mod request;
#[allow(dead_code)]
mod response;
#[allow(dead_code)]
mod route;

pub use limits::{CountOverflow, Limits};
pub use response::SCIM_JSON;
