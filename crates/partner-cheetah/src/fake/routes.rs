//! The routes of the fake: the token endpoint, member SSO and the member
//! profile.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use partner_core::server::FormFields;
use partner_core::server::oauth::{self, TokenError};
use serde_json::json;

use super::members::MemberInput;
use super::store::{FakeState, new_token, token_key};
use crate::response::ACCEPT;

/// The realm of the fake's `WWW-Authenticate: Bearer` challenges.
const REALM: &str = "Stellar";

pub(super) fn json_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

/// A refusal of a bearer-protected call: 401 `invalid_token` with its
/// challenge, which names the error only when a token was sent.
fn invalid_token(token_sent: bool, description: &str) -> Response {
    let response = json_error(StatusCode::UNAUTHORIZED, "invalid_token", description);
    let error = token_sent.then_some(("invalid_token", description));
    oauth::bearer_challenge(response, REALM, error)
}

fn accepts_stellar(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(ACCEPT))
}

fn not_acceptable() -> Response {
    json_error(
        StatusCode::NOT_ACCEPTABLE,
        "not_acceptable",
        "send Accept: application/vnd.stellar-v1+json",
    )
}

/// Parameters a token request may carry once only (RFC 6749 §3.2).
const SINGLE_PARAMS: [&str; 4] = ["grant_type", "client_id", "client_secret", "scope"];

pub(super) async fn token(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    state.token_requests.fetch_add(1, Ordering::Relaxed);
    match issue_integration_token(&state, &headers, &form) {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

fn issue_integration_token(
    state: &FakeState,
    headers: &HeaderMap,
    form: &FormFields,
) -> Result<Response, TokenError> {
    let client = oauth::client_credentials(headers, form)?;
    if let Some(name) = SINGLE_PARAMS.iter().find(|name| form.count(name) > 1) {
        return Err(TokenError::invalid_request(format!("The parameter {name} is repeated.")));
    }
    // Doorkeeper reads the grant type before it authenticates the client.
    match form.get("grant_type") {
        None | Some("") => {
            return Err(TokenError::invalid_request("Missing required parameter: grant_type."));
        }
        Some("client_credentials") => {}
        Some(_) => return Err(TokenError::unsupported_grant_type()),
    }
    let client = client.ok_or(TokenError::invalid_client(None))?;
    if !client.matches(&state.client_id, &state.client_secret) {
        return Err(TokenError::invalid_client(Some(client.method())));
    }
    let now = state.clock.unix_time();
    let expires_at = now.saturating_add(state.token_lifetime);
    let (token, key) = new_token();
    state.lock().integration_tokens.insert(
        key,
        expires_at,
        expires_at.saturating_add(state.token_lifetime),
        now,
    );
    Ok(oauth::token_response(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": state.token_lifetime.as_secs(),
        "created_at": now.as_secs(),
    })))
}

pub(super) async fn sso(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    state.sso_requests.fetch_add(1, Ordering::Relaxed);
    if !accepts_stellar(&headers) {
        return not_acceptable();
    }
    if let Some(refusal) = sso_refusal(&state, &headers, &form) {
        return refusal;
    }
    let input = MemberInput {
        integration_id: form.get("integration_id").unwrap_or_default(),
        first_name: form.get("first_name").unwrap_or_default(),
        last_name: form.get("last_name").unwrap_or_default(),
        email: form.get("email").unwrap_or_default(),
        match_by: form.get("match_by"),
    };
    match state.sign_in(&input) {
        Ok((member, token)) => oauth::token_response(json!({
            "member_id": member.member_id,
            "integration_id": member.integration_id,
            "access_token": token,
            "refresh_token": partner_core::random::token(24),
        })),
        Err((status, description)) => json_error(status, "invalid_request", description),
    }
}

/// Why an SSO call is not authenticated, or `None` when it is: with an
/// integration token (the `access_token` field or `Authorization: Bearer`)
/// or with the client credentials (in the body or by HTTP Basic).
fn sso_refusal(state: &FakeState, headers: &HeaderMap, form: &FormFields) -> Option<Response> {
    let bearer = oauth::bearer_token(headers);
    let field = form.get("access_token");
    if form.count("access_token") > 1 || (bearer.is_some() && field.is_some()) {
        return Some(json_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Send the access token once, in one place.",
        ));
    }
    if let Some(token) = bearer.or(field) {
        let now = state.clock.unix_time();
        let expiry = token_key(token)
            .and_then(|key| state.lock().integration_tokens.get(&key, now).copied());
        return match expiry {
            Some(expires_at) if now < expires_at => None,
            Some(_) => Some(invalid_token(true, "The access token expired")),
            None => Some(invalid_token(true, "The access token is invalid")),
        };
    }
    match oauth::client_credentials(headers, form) {
        Err(err) => Some(err.into_response()),
        Ok(None) => Some(oauth::bearer_challenge(
            TokenError::invalid_client(None).into_response(),
            REALM,
            None,
        )),
        Ok(Some(client)) if client.matches(&state.client_id, &state.client_secret) => None,
        Ok(Some(client)) => Some(TokenError::invalid_client(Some(client.method())).into_response()),
    }
}

pub(super) async fn profile(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(token) = oauth::bearer_token(&headers).or(q.get("access_token").map(String::as_str))
    else {
        return invalid_token(false, "The access token is invalid");
    };
    let now = state.clock.unix_time();
    let data = state.lock();
    let member = token_key(token)
        .and_then(|key| data.member_tokens.get(&key, now).copied())
        .and_then(|id| data.members.member(id));
    match member {
        Some(m) => Json(json!({
            "member_id": m.member_id, "integration_id": m.integration_id,
            "first_name": m.first_name, "last_name": m.last_name, "email": m.email,
        }))
        .into_response(),
        None => invalid_token(true, "The access token is invalid"),
    }
}
