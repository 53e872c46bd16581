//! What the fake holds, and its routes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::{any, get, post};
use partner_core::server::ExpiringMap;
use partner_core::{Clock, Secret, UnixTime};

use super::connect::SilentClient;
use super::{MAX_API_BODY_BYTES, MAX_SSO_BODY_BYTES, SilentConnection, api, connect, sso};
use crate::{HashVerifier, JwtVerifier};

#[derive(Debug, Clone)]
pub(super) struct FakeAccount {
    pub(super) name: String,
    pub(super) blends: Vec<(String, String)>,
}

#[derive(Debug)]
pub(super) struct HubState {
    pub(super) app_id: String,
    pub(super) api_key: Secret,
    pub(super) hash: HashVerifier,
    pub(super) jwt: JwtVerifier,
    pub(super) requests: AtomicU64,
    pub(super) page_size: usize,
    pub(super) rate_limit: Option<u32>,
    pub(super) clock: Arc<dyn Clock>,
    /// The silent-flow partner, when configured.
    pub(super) silent: Option<SilentClient>,
    pub(super) data: Mutex<Data>,
}

#[derive(Debug)]
pub(super) struct Data {
    pub(super) templates: Vec<(String, String)>,
    pub(super) accounts: BTreeMap<String, FakeAccount>,
    /// Start of the current rate-limit minute and calls in it.
    pub(super) window: Option<(UnixTime, u32)>,
    pub(super) logins: u64,
    /// Silent-flow `state`s issued and not yet back.
    pub(super) connect_states: ExpiringMap<String, ()>,
    /// Silent-flow connections, by subject.
    pub(super) connections: ExpiringMap<String, SilentConnection>,
    /// The latest connection, shown on `/connect`.
    pub(super) latest_connection: Option<SilentConnection>,
}

impl HubState {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The hub's and the API's routes over `state`.
pub(super) fn routes(state: Arc<HubState>) -> Router {
    let sso_limit = || DefaultBodyLimit::max(MAX_SSO_BODY_BYTES);
    Router::new()
        .route("/sso", get(sso::sso).post(sso::sso).layer(sso_limit()))
        .route("/sso/{kind}/{guid}", get(sso::sso_page).post(sso::sso_page).layer(sso_limit()))
        .route("/v1/templates", get(api::templates))
        .route("/v1/accounts/{id}", get(api::account).delete(api::account))
        .route("/v1/accounts/{id}/blends", get(api::blends))
        .route("/v1/accounts/{id}/blends/{guid}", get(api::blend))
        .route(
            "/v1/accounts/{id}/blends/{guid}/run",
            post(api::run).layer(DefaultBodyLimit::max(MAX_API_BODY_BYTES)),
        )
        .route("/v1/{*rest}", any(api::not_found))
        .route("/connect", get(connect::connect_page))
        .route("/connect/start", get(connect::connect_start))
        .route("/callback", get(connect::callback))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count_request))
        .with_state(state)
}

/// Counts each request; gives every API answer an `X-Request-Id`.
async fn count_request(
    State(state): State<Arc<HubState>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let api = request.uri().path().starts_with("/v1/");
    let mut response = next.run(request).await;
    if api {
        let id = format!("fake-{}", partner_core::random::token(8));
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert("x-request-id", value);
        }
    }
    response
}
