//! The fake's routes: PSObtainToken, the API2 echo and the launch endpoint.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use partner_core::server::ExpiringMap;
use partner_core::{Clock, Secret, UnixTime};
use serde_json::json;

use super::{MAX_OUTSTANDING_TOKENS, TokenKey, token_key};
use crate::obtain::API_TOKEN_HEADER;
use crate::{ACCESS_TOKEN_LIFETIME, ClientVhost, Error, LaunchVerifier};

pub(super) struct FakeState {
    pub(super) api_token: Secret,
    pub(super) verifier: LaunchVerifier,
    pub(super) pairs: HashMap<String, ClientVhost>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) tokens: Mutex<ExpiringMap<TokenKey, IssuedToken>>,
}

pub(super) struct IssuedToken {
    vhost: ClientVhost,
    expires_at: UnixTime,
}

/// An API2 error answer: status, `Message`, one `Description` line.
struct ApiRefusal(StatusCode, &'static str, &'static str);

impl IntoResponse for ApiRefusal {
    fn into_response(self) -> Response {
        let ApiRefusal(status, message, description) = self;
        let body =
            json!({"Code": status.as_u16(), "Message": message, "Description": [description]});
        (status, Json(body)).into_response()
    }
}

/// The paired account of an authorised API2 request.
fn authorise(
    state: &FakeState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<ClientVhost, ApiRefusal> {
    let token = headers.get(API_TOKEN_HEADER).map(|v| v.as_bytes());
    if !token.is_some_and(|t| state.api_token.ct_eq(t)) {
        return Err(ApiRefusal(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "missing or invalid APIToken header",
        ));
    }
    let Some(id) = params.get("PSClientID").filter(|id| !id.is_empty()) else {
        return Err(ApiRefusal(StatusCode::BAD_REQUEST, "Bad Request", "PSClientID is required"));
    };
    state.pairs.get(id).cloned().ok_or(ApiRefusal(
        StatusCode::NOT_FOUND,
        "Not Found",
        "no account is paired with this PSClientID",
    ))
}

pub(super) async fn obtain_token(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let vhost = match authorise(&state, &headers, &params) {
        Ok(v) => v,
        Err(refusal) => return refusal.into_response(),
    };
    let now = state.clock.unix_time();
    let (token, key) = loop {
        let token = partner_core::random::token(24);
        if let Some(key) = token_key(&token) {
            break (token, key);
        }
    };
    {
        let expires_at = now.saturating_add(ACCESS_TOKEN_LIFETIME);
        let mut tokens = state.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        // The insert first drops the expired tokens (the oldest end of the
        // store, as every token lives the same 30 minutes).
        tokens.insert(key, IssuedToken { vhost: vhost.clone(), expires_at }, expires_at, now);
        if tokens.len() > MAX_OUTSTANDING_TOKENS {
            tokens.remove(&key);
            return ApiRefusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "too many outstanding tokens",
            )
            .into_response();
        }
    }
    tracing::debug!(vhost = vhost.as_str(), "fake teapplix issued a token");
    Json(json!({"ClientVHOST": vhost.as_str(), "AccessToken": token})).into_response()
}

pub(super) async fn api2_echo(
    State(state): State<Arc<FakeState>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let vhost = match authorise(&state, &headers, &params) {
        Ok(vhost) => vhost,
        Err(refusal) => return refusal.into_response(),
    };
    let body = if body.is_empty() {
        serde_json::Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(json) => json,
            Err(_) => {
                return ApiRefusal(
                    StatusCode::BAD_REQUEST,
                    "Bad Request",
                    "the request body is not JSON",
                )
                .into_response();
            }
        }
    };
    Json(json!({"Method": method, "ClientVHOST": vhost.as_str(), "Params": params, "Body": body}))
        .into_response()
}

fn refuse(reason: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("launch refused: {reason}\n"),
    )
        .into_response()
}

/// Why a launch was refused, in the words of the fake's 403 page.
fn launch_refusal(err: &Error) -> String {
    match err {
        Error::Core(partner_core::Error::Malformed(what)) => format!("malformed: {what}"),
        Error::Core(partner_core::Error::BadSignature) => "launch signature mismatch".to_owned(),
        Error::Core(partner_core::Error::Expired) => "launch url expired".to_owned(),
        Error::Core(partner_core::Error::NotYetValid) => {
            "launch url is not valid yet (clock skew)".to_owned()
        }
        other => other.to_string(),
    }
}

pub(super) async fn launch(State(state): State<Arc<FakeState>>, uri: Uri) -> Response {
    let now = state.clock.unix_time();
    let target = uri.path_and_query().map_or("", |pq| pq.as_str());
    let verified = match state.verifier.verify_request_target(target, now) {
        Ok(verified) => verified,
        Err(err) => return refuse(&launch_refusal(&err)),
    };
    let launch = match verified.consume().await {
        Ok(launch) => launch,
        Err(err) => return refuse(&launch_refusal(&err.into())),
    };
    let Some(token) = launch.access_token.expose_str() else {
        return refuse("unknown access token");
    };
    {
        let mut tokens = state.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        // `remove` also returns a token that expired but is still held (not
        // yet dropped by a later insert), so its launch says "expired".
        match token_key(token).and_then(|key| tokens.remove(&key).map(|t| (key, t))) {
            None => return refuse("unknown or already used access token"),
            Some((key, issued)) if issued.vhost != launch.client_vhost => {
                // Not this account's: the token stays for its own.
                let expires_at = issued.expires_at;
                tokens.insert(key, issued, expires_at, now);
                return refuse("access token was issued for another account");
            }
            Some((_, issued)) if now >= issued.expires_at => {
                return refuse("access token expired");
            }
            Some(_) => {}
        }
    }
    let session = partner_core::random::token(16);
    let vhost = launch.client_vhost.as_str();
    let page = format!(
        "<!doctype html><html><head><title>Teapplix - {vhost}</title></head>\
         <body><h1>Logged in</h1><p id=\"account\">{vhost}</p></body></html>\n"
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (
                header::SET_COOKIE,
                format!("teapplix_session={session}; Path=/h/{vhost}/; HttpOnly; SameSite=Lax"),
            ),
        ],
        page,
    )
        .into_response()
}
