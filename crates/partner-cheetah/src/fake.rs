//! A fake Cheetah Stellar (feature `mock`), for real HTTP on 127.0.0.1.
//!
//! - `POST /oauth/token`: client credentials grant; expiring integration
//!   tokens; `invalid_client` (401) for bad credentials.
//! - `POST /program/api/sso` (and `/console/api/sso`): with an integration
//!   `access_token` (401 `invalid_token` once expired or revoked) or with
//!   `client_id` + `client_secret`; creates the member on the first call,
//!   updates names and e-mail later, matches by `match_by`.
//! - `GET /api/member/profile` with the member's bearer token.
//! - `GET /demo?integration_id=..&first_name=..&last_name=..&email=..`: a
//!   customer page that signs the member in and embeds `stellar_member_state`
//!   the way a customer's page would, with a stand-in for the JS SDK.
//!
//! Every API route requires `Accept: application/vnd.stellar-v1+json`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use partner_core::encoding::form_decode;
use partner_core::server::{LoopbackServer, ServerLimits};
use partner_core::{Clock, Secret, SystemClock, UnixTime};
use serde_json::json;

use crate::MemberState;
use crate::response::{ACCEPT, MatchBy};

/// The client id the fake accepts unless configured otherwise.
pub const DEFAULT_CLIENT_ID: &str = "fake-cheetah-client-id";
/// The client secret the fake accepts unless configured otherwise.
pub const DEFAULT_CLIENT_SECRET: &str = "fake-cheetah-client-secret";
/// How long the fake's integration tokens live unless configured otherwise (the seed: 7200 s).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(7200);
/// Members the fake holds at most.
pub const MAX_MEMBERS: usize = 100_000;

/// Entry point of the fake; see [`FakeStellar::builder`].
#[derive(Debug)]
pub struct FakeStellar;

impl FakeStellar {
    /// A fake with the default credentials and token lifetime.
    pub fn builder() -> FakeStellarBuilder {
        FakeStellarBuilder {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: Secret::from(DEFAULT_CLIENT_SECRET),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            clock: Arc::new(SystemClock),
        }
    }
}

/// Configures the fake.
#[derive(Debug)]
#[must_use]
pub struct FakeStellarBuilder {
    client_id: String,
    client_secret: Secret,
    token_lifetime: Duration,
    clock: Arc<dyn Clock>,
}

impl FakeStellarBuilder {
    /// The integration app's credentials the fake accepts.
    pub fn credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        self.client_id = client_id.into();
        self.client_secret = client_secret.into();
        self
    }

    /// How long issued integration tokens live.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Where the fake reads the time (tokens expire by it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Serves the fake on `127.0.0.1:port` (0 picks a free port).
    ///
    /// An empty client secret is refused (`InvalidInput`): the fake would
    /// then hand tokens to anyone who sends an empty one.
    pub async fn start(self, port: u16) -> std::io::Result<RunningStellar> {
        if self.client_secret.is_empty() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "key is empty"));
        }
        let state = Arc::new(FakeState {
            client_id: self.client_id,
            client_secret: self.client_secret,
            token_lifetime: self.token_lifetime,
            clock: self.clock,
            data: Mutex::new(Data::default()),
            token_requests: AtomicU64::new(0),
            sso_requests: AtomicU64::new(0),
        });
        let router = Router::new()
            .route("/oauth/token", post(token))
            .route("/program/api/sso", post(sso))
            .route("/console/api/sso", post(sso))
            .route("/api/member/profile", get(profile))
            .route("/demo", get(demo))
            .with_state(state.clone());
        let listener = LoopbackServer::bind(port).await?;
        let server = LoopbackServer::start(listener, router, ServerLimits::default())?;
        Ok(RunningStellar { state, server })
    }
}

/// A fake serving on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningStellar {
    state: Arc<FakeState>,
    server: LoopbackServer,
}

/// A member as the fake stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeMember {
    /// `A-000000001`, ...
    pub member_id: String,
    /// The partner's user id.
    pub integration_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
}

impl RunningStellar {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Token requests answered so far (successful or not).
    pub fn token_requests(&self) -> u64 {
        self.state.token_requests.load(Ordering::Relaxed)
    }

    /// SSO requests answered so far (successful or not).
    pub fn sso_requests(&self) -> u64 {
        self.state.sso_requests.load(Ordering::Relaxed)
    }

    /// Every member, in creation order.
    pub fn members(&self) -> Vec<FakeMember> {
        self.state.lock().members.clone()
    }

    /// Revokes every integration token (as an admin rotating credentials would).
    pub fn revoke_integration_tokens(&self) {
        self.state.lock().integration_tokens.clear();
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        if let Err(err) = self.server.shutdown().await {
            tracing::warn!(error = %err, "fake stopped with an error");
        }
    }
}

#[derive(Debug)]
struct FakeState {
    client_id: String,
    client_secret: Secret,
    token_lifetime: Duration,
    clock: Arc<dyn Clock>,
    data: Mutex<Data>,
    token_requests: AtomicU64,
    sso_requests: AtomicU64,
}

#[derive(Debug, Default)]
struct Data {
    integration_tokens: HashMap<String, UnixTime>,
    members: Vec<FakeMember>,
    member_tokens: HashMap<String, usize>,
}

impl FakeState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn client_ok(&self, fields: &HashMap<String, String>) -> bool {
        fields.get("client_id").is_some_and(|id| *id == self.client_id)
            && fields.get("client_secret").is_some_and(|s| self.client_secret.ct_eq(s.as_bytes()))
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

fn accepts_stellar(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(ACCEPT))
}

fn form(body: &str) -> HashMap<String, String> {
    form_decode(body).into_iter().collect()
}

async fn token(State(state): State<Arc<FakeState>>, headers: HeaderMap, body: String) -> Response {
    state.token_requests.fetch_add(1, Ordering::Relaxed);
    if !accepts_stellar(&headers) {
        return oauth_error(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "send Accept: application/vnd.stellar-v1+json",
        );
    }
    let fields = form(&body);
    if fields.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        );
    }
    if !state.client_ok(&fields) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
        );
    }
    let now = state.clock.unix_time();
    let token = partner_core::random::token(32);
    {
        let mut data = state.lock();
        data.integration_tokens.retain(|_, exp| now < *exp);
        data.integration_tokens.insert(token.clone(), now.saturating_add(state.token_lifetime));
    }
    Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": state.token_lifetime.as_secs(),
        "created_at": now.as_secs(),
    }))
    .into_response()
}

async fn sso(State(state): State<Arc<FakeState>>, headers: HeaderMap, body: String) -> Response {
    state.sso_requests.fetch_add(1, Ordering::Relaxed);
    if !accepts_stellar(&headers) {
        return oauth_error(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "send Accept: application/vnd.stellar-v1+json",
        );
    }
    let fields = form(&body);
    let now = state.clock.unix_time();
    match fields.get("access_token") {
        Some(token) => {
            let expiry = state.lock().integration_tokens.get(token).copied();
            match expiry {
                None => {
                    return oauth_error(
                        StatusCode::UNAUTHORIZED,
                        "invalid_token",
                        "The access token is invalid",
                    );
                }
                Some(exp) if now >= exp => {
                    return oauth_error(
                        StatusCode::UNAUTHORIZED,
                        "invalid_token",
                        "The access token expired",
                    );
                }
                Some(_) => {}
            }
        }
        None if state.client_ok(&fields) => {}
        None => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
            );
        }
    }
    match upsert_member(&state, &fields) {
        Ok((member, token)) => Json(json!({
            "member_id": member.member_id,
            "integration_id": member.integration_id,
            "access_token": token,
            "refresh_token": partner_core::random::token(32),
        }))
        .into_response(),
        Err((status, description)) => oauth_error(status, "invalid_request", description),
    }
}

fn upsert_member(
    state: &FakeState,
    fields: &HashMap<String, String>,
) -> Result<(FakeMember, String), (StatusCode, &'static str)> {
    let get = |k: &str| fields.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let match_by = match fields.get("match_by") {
        None => MatchBy::IntegrationId,
        Some(m) => MatchBy::parse(m).ok_or((
            StatusCode::UNPROCESSABLE_ENTITY,
            "match_by must be integration_id, email or both",
        ))?,
    };
    let (integration_id, email) = (get("integration_id"), get("email"));
    if matches!(match_by, MatchBy::IntegrationId | MatchBy::Both) && integration_id.is_empty() {
        return Err((StatusCode::UNPROCESSABLE_ENTITY, "integration_id is required"));
    }
    if matches!(match_by, MatchBy::Email | MatchBy::Both) && email.is_empty() {
        return Err((StatusCode::UNPROCESSABLE_ENTITY, "email is required"));
    }
    let mut data = state.lock();
    let found = data.members.iter().position(|m| match match_by {
        MatchBy::Email => m.email.eq_ignore_ascii_case(&email),
        MatchBy::Both => m.integration_id == integration_id && m.email.eq_ignore_ascii_case(&email),
        _ => m.integration_id == integration_id,
    });
    let index = match found {
        Some(i) => {
            let m = &mut data.members[i];
            m.first_name = get("first_name");
            m.last_name = get("last_name");
            if !email.is_empty() {
                m.email = email;
            }
            if !integration_id.is_empty() {
                m.integration_id = integration_id;
            }
            i
        }
        None => {
            if data.members.len() >= MAX_MEMBERS {
                return Err((StatusCode::SERVICE_UNAVAILABLE, "member limit of the fake reached"));
            }
            let member_id = format!("A-{:09}", data.members.len() + 1);
            data.members.push(FakeMember {
                member_id,
                integration_id,
                first_name: get("first_name"),
                last_name: get("last_name"),
                email,
            });
            data.members.len() - 1
        }
    };
    let token = partner_core::random::token(32);
    data.member_tokens.insert(token.clone(), index);
    Ok((data.members[index].clone(), token))
}

async fn profile(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .or_else(|| q.get("access_token").cloned());
    let data = state.lock();
    match bearer.and_then(|t| data.member_tokens.get(&t).copied()) {
        Some(i) => {
            let m = &data.members[i];
            Json(json!({
                "member_id": m.member_id, "integration_id": m.integration_id,
                "first_name": m.first_name, "last_name": m.last_name, "email": m.email,
            }))
            .into_response()
        }
        None => {
            oauth_error(StatusCode::UNAUTHORIZED, "invalid_token", "The access token is invalid")
        }
    }
}

async fn demo(
    State(state): State<Arc<FakeState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut fields = q.clone();
    fields.insert("client_id".to_owned(), state.client_id.clone());
    let member_state = match upsert_member(&state, &fields) {
        Ok((m, token)) => {
            let full = format!("{} {}", m.first_name, m.last_name).trim().to_owned();
            MemberState::signed_in(token, "", m.first_name, full)
        }
        Err(_) => MemberState::failed("sso_rejected"),
    };
    let script = match member_state.to_script_element(None) {
        Ok(s) => s,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Customer page</title>{script}</head>\
         <body><h1>Welcome, <span id=\"greeting\"></span></h1>\
         <script>/* stand-in for the Cheetah JS SDK */\
         document.getElementById('greeting').textContent = stellar_member_state.sso_error ? 'guest' : stellar_member_state.short_name;\
         </script></body></html>\n"
    ))
    .into_response()
}
