//! OAuth2 client credentials for service accounts: `POST
//! /auth/oauth2/token` (RFC 6749 §4.4, client authentication by HTTP
//! Basic or in the body) and the bearer tokens it issues.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use partner_core::server::FormFields;
use partner_core::server::oauth::{
    ClientAuthMethod, TokenError, bearer_challenge, client_credentials, token_response,
};
use serde_json::json;

use super::{BEARER_LIFETIME, FakeState, ovh_error};

/// The realm of the fake's `WWW-Authenticate: Bearer` challenges.
pub(super) const REALM: &str = "OVHcloud API";

/// `POST /auth/oauth2/token`.
pub(super) async fn token(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    issue(&s, &headers, &form).unwrap_or_else(IntoResponse::into_response)
}

fn issue(s: &FakeState, headers: &HeaderMap, form: &FormFields) -> Result<Response, TokenError> {
    // RFC 6749 §3.1: request parameters must not be included more than once.
    let repeated = ["grant_type", "scope", "client_id", "client_secret"]
        .into_iter()
        .find(|name| form.count(name) > 1);
    if let Some(name) = repeated {
        return Err(TokenError::invalid_request(format!("The parameter {name} is repeated.")));
    }
    let client = client_credentials(headers, form)?;
    let Some(client) = client else { return Err(TokenError::invalid_client(None)) };
    // In Basic, a client_id field may repeat the header's id, not contradict it.
    let contradicts = client.method() == ClientAuthMethod::Basic
        && form.get("client_id").is_some_and(|id| id != client.client_id());
    let known = s.service_account.as_ref().is_some_and(|(id, secret)| client.matches(id, secret));
    if contradicts || !known {
        return Err(TokenError::invalid_client(Some(client.method())));
    }
    match form.get("grant_type") {
        None => return Err(TokenError::invalid_request("The parameter grant_type is missing.")),
        Some("client_credentials") => {}
        Some(_) => return Err(TokenError::unsupported_grant_type()),
    }
    if form.get("scope").is_some_and(|scope| scope.split(' ').any(|one| one != "all")) {
        return Err(TokenError::invalid_scope());
    }
    let token = partner_core::random::token(32);
    let now = s.now();
    s.token_requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    s.lock().bearer_tokens.insert(token.clone(), (), now.saturating_add(BEARER_LIFETIME), now);
    Ok(token_response(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": BEARER_LIFETIME.as_secs(),
        "scope": "all",
    })))
}

/// Whether `token` is a live bearer token of the fake.
pub(super) fn bearer_is_valid(s: &FakeState, token: &str) -> bool {
    s.lock().bearer_tokens.get(&token.to_owned(), s.now()).is_some()
}

/// The answer to a call with a bad or expired bearer token: the API's JSON
/// error, with the RFC 6750 challenge.
pub(super) fn invalid_token() -> Response {
    bearer_challenge(
        ovh_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN", "Invalid or expired token"),
        REALM,
        Some(("invalid_token", "The access token is invalid or expired")),
    )
}
