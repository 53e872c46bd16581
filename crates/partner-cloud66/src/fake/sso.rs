//! SSO sign-in: a fresh multipass for the signed-in user, sent to the
//! partner's return URL.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use partner_core::encoding::form_encode;

use super::{FakeState, text, with_query};

/// How long a multipass the fake issues is valid.
const MULTIPASS_LIFETIME: Duration = Duration::from_secs(60);

pub(super) async fn sso_signin(
    State(s): State<Arc<FakeState>>,
    Path(provider): Path<String>,
) -> Response {
    let Some(partner) = s.partner(&provider) else {
        return text(StatusCode::NOT_FOUND, "unknown provider");
    };
    let Some(user) = s.users.first() else {
        return text(StatusCode::UNAUTHORIZED, "no signed-in user");
    };
    let Some(signer) = &s.signer else {
        return text(StatusCode::INTERNAL_SERVER_ERROR, "provider uid is not 32 characters");
    };
    let expires = s.clock.unix_time().saturating_add(MULTIPASS_LIFETIME);
    let token = signer.sign_identity(&user.email, &user.name, expires);
    let query = form_encode([
        ("multipass", token.multipass.as_str()),
        ("signature", token.signature.as_deref().unwrap_or("")),
    ]);
    Redirect::to(&with_query(&partner.sso_return_url, &query)).into_response()
}
