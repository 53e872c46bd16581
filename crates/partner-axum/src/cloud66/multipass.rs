//! The multipass login: Cloud 66 signs a user in to your site with
//! `?multipass=..&signature=..`.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use partner_cloud66::multipass::VerifiedMultipass;
use partner_core::LoginVerifier;

use super::Cloud66Handoffs;
use crate::Problem;

/// A multipass login, verified (signature, decryption, expiry) and
/// consumed against the configured single-use store: a second arrival of
/// the same token is 403 `replayed`, from any process sharing the store.
///
/// ```
/// use axum::{Router, routing::get};
/// use partner_axum::cloud66::{Cloud66Handoffs, MultipassLogin};
///
/// async fn sign_in(MultipassLogin(identity): MultipassLogin) -> String {
///     // Start your session for this e-mail address here.
///     format!("welcome {}", identity.email().unwrap_or_default())
/// }
/// let app: Router = Router::new()
///     .route("/cloud66/multipass", get(sign_in))
///     .with_state(Cloud66Handoffs::new());
/// ```
#[derive(Debug, Clone)]
pub struct MultipassLogin(pub VerifiedMultipass);

impl<S> FromRequestParts<S> for MultipassLogin
where
    Cloud66Handoffs: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let handoffs = Cloud66Handoffs::from_ref(state);
        let Some(verifier) = handoffs.inner.multipass.as_ref() else {
            return Err(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Not configured",
                "no Cloud 66 multipass verifier is configured",
            ));
        };
        let query = parts.uri.query().unwrap_or("");
        let now = handoffs.inner.clock.unix_time();
        let identity = verifier.verify_login(query, now)?.consume().await?;
        Ok(MultipassLogin(identity))
    }
}
