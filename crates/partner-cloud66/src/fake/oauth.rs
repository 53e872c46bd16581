//! OAuth2 (Doorkeeper): the authorize endpoint (auto-approved for the
//! signed-in user) and the token endpoint, as RFC 6749 asks.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use partner_core::UnixTime;
use partner_core::server::FormFields;
use partner_core::server::oauth::{
    TokenError, client_credentials, redirect_to_client, token_response,
};
use serde_json::json;

use super::{CODE_LIFETIME, CodeGrant, FakeState, OAuthApp, text};
use crate::ScopeSet;

/// Tokens do not expire on Cloud 66 (until revoked); the store still drops
/// the oldest when full.
const NEVER: UnixTime = UnixTime::from_secs(i64::MAX);

/// A parameter's value, an empty one read as absent (RFC 6749 §3.1).
fn param<'a>(form: &'a FormFields, name: &str) -> Option<&'a str> {
    form.get(name).filter(|v| !v.is_empty())
}

/// The first parameter sent more than once (RFC 6749 §3.1, §3.2).
fn repeated(form: &FormFields) -> Option<String> {
    let mut seen = HashSet::new();
    form.iter().map(|(k, _)| k).find(|k| !seen.insert(*k)).map(str::to_owned)
}

/// A page for the user, never a redirect: the client or its redirect URI
/// cannot be trusted (RFC 6749 §4.1.2.1).
fn refuse_page(message: &str) -> Response {
    text(
        StatusCode::BAD_REQUEST,
        format!(
            "The authorization request was refused: {message}\n\nNothing was sent back to the application.\n"
        ),
    )
}

pub(super) async fn authorize(
    State(s): State<Arc<FakeState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let q = FormFields::parse_urlencoded(query.unwrap_or_default().as_bytes());
    let Some(app) = &s.app else { return refuse_page("unknown client_id") };
    if q.count("client_id") > 1 || param(&q, "client_id") != Some(app.client_id.as_str()) {
        return refuse_page("unknown client_id");
    }
    // Omitted, the registered one is used (§3.1.2.3: one is registered).
    let sent_redirect = param(&q, "redirect_uri");
    if q.count("redirect_uri") > 1 || sent_redirect.is_some_and(|r| r != app.redirect_uri) {
        return refuse_page("redirect_uri does not match the application");
    }
    let state = param(&q, "state");
    let back = |error: &str, description: &str| {
        redirect_to_client(
            &app.redirect_uri,
            &[("error", error), ("error_description", description)],
            state,
        )
    };
    if let Some(name) = repeated(&q) {
        return back("invalid_request", &format!("The parameter {name} is repeated."));
    }
    match param(&q, "response_type") {
        None => return back("invalid_request", "The response_type parameter is missing."),
        Some("code") => {}
        Some(_) => {
            return back(
                "unsupported_response_type",
                "The authorization server does not support this response type.",
            );
        }
    }
    let scopes = match param(&q, "scope").map_or_else(|| ScopeSet::parse("public"), ScopeSet::parse)
    {
        Ok(scopes) if !scopes.is_empty() => scopes,
        _ => {
            return back("invalid_scope", "The requested scope is invalid, unknown, or malformed.");
        }
    };
    let code = partner_core::random::token(24);
    let now = s.clock.unix_time();
    let grant = CodeGrant {
        client_id: app.client_id.clone(),
        redirect_uri: sent_redirect.map(str::to_owned),
        scopes,
    };
    s.lock().codes.insert(code.clone(), grant, now.saturating_add(CODE_LIFETIME), now);
    redirect_to_client(&app.redirect_uri, &[("code", &code)], state)
}

pub(super) async fn token(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    exchange(&s, &headers, &form).unwrap_or_else(axum::response::IntoResponse::into_response)
}

fn exchange(s: &FakeState, headers: &HeaderMap, form: &FormFields) -> Result<Response, TokenError> {
    let client = client_credentials(headers, form)?;
    let method = client.as_ref().map(|c| c.method());
    if let Some(name) = repeated(form) {
        return Err(TokenError::invalid_request(format!("The parameter {name} is repeated.")));
    }
    let app: &OAuthApp = match (&s.app, &client) {
        (Some(app), Some(c)) if c.matches(&app.client_id, &app.client_secret) => app,
        _ => return Err(TokenError::invalid_client(method)),
    };
    match param(form, "grant_type") {
        None => {
            return Err(TokenError::invalid_request("The grant_type parameter is missing."));
        }
        Some("authorization_code") => {}
        Some(_) => return Err(TokenError::unsupported_grant_type()),
    }
    let Some(code) = param(form, "code") else {
        return Err(TokenError::invalid_request("The code parameter is missing."));
    };
    let now = s.clock.unix_time();
    let mut data = s.lock();
    // Taken whatever follows: a code is tried once.
    let grant = data.codes.take(&code.to_owned(), now).ok_or_else(TokenError::invalid_grant)?;
    let redirect_ok = match (&grant.redirect_uri, param(form, "redirect_uri")) {
        (Some(at_authorize), sent) => sent == Some(at_authorize.as_str()),
        (None, Some(sent)) => sent == app.redirect_uri,
        (None, None) => true,
    };
    if grant.client_id != app.client_id || !redirect_ok {
        return Err(TokenError::invalid_grant());
    }
    let token = partner_core::random::token(32);
    let scope = grant.scopes.to_string();
    data.tokens.insert(token.clone(), grant.scopes, NEVER, now);
    drop(data);
    Ok(token_response(json!({
        "access_token": token,
        "token_type": "bearer",
        "scope": scope,
        "created_at": now.as_secs(),
    })))
}
