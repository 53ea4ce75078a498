//! `/Me`: the User resource of the authenticated caller
//! ([RFC 7644 §3.11](https://www.rfc-editor.org/rfc/rfc7644#section-3.11)).
//!
//! The authenticator says which user the caller is ([`Principal::with_user_id`]); `GET`,
//! `PUT`, `PATCH` and `DELETE /Me` are then exactly `/Users/{that id}` (same validation, same
//! tenant, same `ETag` rules), and a successful answer carries `Location` with the user's own
//! URL. Without such a mapping `/Me` answers 501, as the RFC allows, saying why.
//!
//! [`Principal::with_user_id`]: crate::auth::Principal::with_user_id

use super::response::Reply;
use super::{ScimServer, not_implemented};
use crate::auth::Context;
use crate::resource::User;
use bytes::Bytes;
use http::Method;
use http::request::Parts;

impl ScimServer {
    /// `/Me` ([RFC 7644 §3.11](https://www.rfc-editor.org/rfc/rfc7644#section-3.11)): the
    /// caller's User, when the authenticator mapped one; else 501.
    pub(super) async fn me(
        &self,
        ctx: &Context,
        parts: &Parts,
        body: &Bytes,
    ) -> Result<Reply, Reply> {
        let Some(id) = ctx.user_id() else {
            return Err(not_implemented(
                "/Me is not available: the authenticator did not map this caller to a User \
                 (an authenticator does so with Principal::with_user_id); use /Users/{id}",
            ));
        };
        if parts.method == Method::POST {
            return Err(not_implemented(
                "POST /Me (self-registration) is not offered: the caller's User already exists; \
                 create users with POST /Users",
            ));
        }
        let reply = self.item::<User>(ctx, id, parts, body).await?;
        Ok(if reply.status().is_success() {
            reply.location(&self.location_of::<User>(id))
        } else {
            reply
        })
    }
}
