//! The API v3 routes, behind bearer tokens (RFC 6750).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use partner_core::server::oauth::{bearer_challenge, bearer_token};
use serde_json::{Value, json};

use super::FakeState;
use crate::{Scope, ScopeSet};

/// The `realm` of the API's `WWW-Authenticate: Bearer` challenges.
const REALM: &str = "Cloud 66";

/// Cloud 66's JSON error body.
fn api_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

/// The scopes of the bearer token, or the 401 answer: a bare challenge when
/// no token was sent (RFC 6750 §3.1), `invalid_token` for an unknown one.
fn bearer(s: &FakeState, headers: &HeaderMap) -> Result<ScopeSet, Box<Response>> {
    const INVALID: &str = "The access token is invalid";
    let Some(token) = bearer_token(headers) else {
        let body = api_error(StatusCode::UNAUTHORIZED, "invalid_token", "No access token was sent");
        return Err(Box::new(bearer_challenge(body, REALM, None)));
    };
    let now = s.clock.unix_time();
    s.lock().tokens.get(&token.to_owned(), now).cloned().ok_or_else(|| {
        let body = api_error(StatusCode::UNAUTHORIZED, "invalid_token", INVALID);
        Box::new(bearer_challenge(body, REALM, Some(("invalid_token", INVALID))))
    })
}

fn need(scopes: &ScopeSet, scope: Scope) -> Result<(), Box<Response>> {
    if scopes.allows(scope) {
        return Ok(());
    }
    let description =
        format!("The access token does not have the required scope: {}", scope.as_str());
    let body = api_error(StatusCode::FORBIDDEN, "insufficient_scope", &description);
    Err(Box::new(bearer_challenge(body, REALM, Some(("insufficient_scope", &description)))))
}

fn stack_json((uid, name): &(String, String)) -> Value {
    json!({"uid": uid, "name": name, "environment": "production"})
}

pub(super) async fn stacks(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = bearer(&s, &headers).and_then(|sc| need(&sc, Scope::Public)) {
        return *r;
    }
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let pages = s.stacks.len().div_ceil(s.per_page).max(1);
    let items: Vec<Value> = s
        .stacks
        .iter()
        .skip(page.saturating_sub(1).saturating_mul(s.per_page))
        .take(s.per_page)
        .map(stack_json)
        .collect();
    Json(json!({
        "response": items,
        "count": items.len(),
        "pagination": {
            "previous": if page > 1 { json!(page - 1) } else { Value::Null },
            "next": if page < pages { json!(page + 1) } else { Value::Null },
            "current": page, "per_page": s.per_page, "count": s.stacks.len(), "pages": pages,
        },
    }))
    .into_response()
}

pub(super) async fn stack(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(uid): Path<String>,
) -> Response {
    if let Err(r) = bearer(&s, &headers).and_then(|sc| need(&sc, Scope::Public)) {
        return *r;
    }
    match s.stacks.iter().find(|(u, _)| *u == uid) {
        Some(st) => Json(json!({"response": stack_json(st)})).into_response(),
        None => api_error(StatusCode::NOT_FOUND, "not_found", "Stack not found"),
    }
}

pub(super) async fn redeploy(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(uid): Path<String>,
) -> Response {
    if let Err(r) = bearer(&s, &headers).and_then(|sc| need(&sc, Scope::Redeploy)) {
        return *r;
    }
    if !s.stacks.iter().any(|(u, _)| *u == uid) {
        return api_error(StatusCode::NOT_FOUND, "not_found", "Stack not found");
    }
    Json(json!({"response": {"ok": true, "message": "Stack queued for redeployment"}}))
        .into_response()
}
