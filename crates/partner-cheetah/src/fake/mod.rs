//! A fake Cheetah Stellar (feature `mock`), for real HTTP on 127.0.0.1.
//!
//! - `POST /oauth/token`: the client credentials grant as Doorkeeper serves
//!   it (RFC 6749): client authentication by HTTP Basic or in the body,
//!   `invalid_client` (401, with `WWW-Authenticate: Basic` after Basic),
//!   `invalid_request` for a missing or repeated parameter,
//!   `unsupported_grant_type` for another grant; answers `no-store`. Any
//!   `Accept` is served (Doorkeeper answers JSON whatever is asked), so
//!   standard OAuth2 clients work.
//! - `POST /program/api/sso` (and `/console/api/sso`): with an integration
//!   `access_token` (field or `Authorization: Bearer`; 401 `invalid_token`
//!   with a `WWW-Authenticate: Bearer` challenge once expired or revoked) or
//!   with the client credentials (body or Basic); creates the member on the
//!   first call, updates names and e-mail later, matches by `match_by`.
//!   Requires `Accept: application/vnd.stellar-v1+json` (406 otherwise).
//! - `GET /api/member/profile` with the member's bearer token.
//! - `GET /demo?integration_id=..&first_name=..&last_name=..&email=..`: a
//!   customer page that signs the member in and embeds `stellar_member_state`
//!   the way a customer's page would, with a stand-in for the JS SDK.
//!
//! Bodies are read as form fields, URL-encoded or `multipart/form-data`
//! (what the vendor's `curl -F` examples send). Every store is bounded and
//! every look-up is a hash look-up: see the crate README, "Limits of the
//! fake".

mod members;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use partner_core::server::oauth::{self, TokenError};
use partner_core::server::{ExpiringMap, FormFields, LoopbackServer, ServerLimits};
use partner_core::{Clock, Secret, SystemClock, UnixTime};
use serde_json::json;

use self::members::{MemberInput, Members};
use crate::MemberState;
use crate::response::ACCEPT;

/// The client id the fake accepts unless configured otherwise.
pub const DEFAULT_CLIENT_ID: &str = "fake-cheetah-client-id";
/// The client secret the fake accepts unless configured otherwise.
pub const DEFAULT_CLIENT_SECRET: &str = "fake-cheetah-client-secret";
/// How long the fake's integration and member tokens live unless configured
/// otherwise (Cheetah's SSO page: 7200 s).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(7200);
/// Members the fake holds at most; past it, creating one answers 503.
pub const MAX_MEMBERS: usize = 100_000;
/// Bytes of member text (integration ids, names and e-mail addresses) the
/// fake holds at most; past it, a create or an update that grows it
/// answers 503.
pub const MAX_MEMBER_TEXT_BYTES: usize = 16 * 1024 * 1024;
/// Longest `integration_id`, `first_name`, `last_name` or `email` (bytes,
/// after trimming); longer answers 422.
pub const MAX_FIELD_BYTES: usize = 255;
/// Integration tokens held at most (live or recently expired); a new one
/// beyond it makes the oldest lapse.
pub const MAX_INTEGRATION_TOKENS: usize = 10_000;
/// Member tokens held at most; a new one beyond it makes the oldest lapse.
pub const MAX_MEMBER_TOKENS: usize = 100_000;
/// Largest request body of the POST routes (bytes); larger answers 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The realm of the fake's `WWW-Authenticate: Bearer` challenges.
const REALM: &str = "Stellar";
/// Length of the tokens the fake issues: 24 random bytes in URL-safe base64.
const TOKEN_LEN: usize = 32;

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

    /// How long issued tokens live (integration and member tokens).
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
            data: Mutex::new(Data {
                integration_tokens: ExpiringMap::new(MAX_INTEGRATION_TOKENS),
                members: Members::default(),
                member_tokens: ExpiringMap::new(MAX_MEMBER_TOKENS),
            }),
            token_requests: AtomicU64::new(0),
            sso_requests: AtomicU64::new(0),
        });
        let limit = || DefaultBodyLimit::max(MAX_BODY_BYTES);
        let router = Router::new()
            .route("/oauth/token", post(token).layer(limit()))
            .route("/program/api/sso", post(sso).layer(limit()))
            .route("/console/api/sso", post(sso).layer(limit()))
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
        self.state.lock().members.snapshot()
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

/// A token as the fake stores it: its exact text, without an allocation.
type TokenKey = [u8; TOKEN_LEN];

fn token_key(token: &str) -> Option<TokenKey> {
    token.as_bytes().try_into().ok()
}

/// A new token and its key.
fn new_token() -> (String, TokenKey) {
    loop {
        let token = partner_core::random::token(24);
        if let Some(key) = token_key(&token) {
            return (token, key);
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

#[derive(Debug)]
struct Data {
    /// Integration tokens and when each expires; each is held for one more
    /// lifetime after that, to answer "expired" rather than "invalid".
    integration_tokens: ExpiringMap<TokenKey, UnixTime>,
    members: Members,
    /// Member tokens and the member number each signs in.
    member_tokens: ExpiringMap<TokenKey, u32>,
}

impl FakeState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates or updates the member and issues a member token.
    fn sign_in(&self, input: &MemberInput<'_>) -> Result<(FakeMember, String), members::Refusal> {
        let now = self.clock.unix_time();
        let expires_at = now.saturating_add(self.token_lifetime);
        let (token, key) = new_token();
        let mut data = self.lock();
        let id = data.members.upsert(input)?;
        data.member_tokens.insert(key, id, expires_at, now);
        let member = data
            .members
            .member(id)
            .ok_or((StatusCode::INTERNAL_SERVER_ERROR, "member index out of step"))?;
        Ok((member, token))
    }
}

fn json_error(status: StatusCode, error: &str, description: &str) -> Response {
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

async fn token(
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

async fn sso(
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

async fn profile(
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

async fn demo(
    State(state): State<Arc<FakeState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| q.get(name).map_or("", String::as_str);
    let input = MemberInput {
        integration_id: field("integration_id"),
        first_name: field("first_name"),
        last_name: field("last_name"),
        email: field("email"),
        match_by: q.get("match_by").map(String::as_str),
    };
    let member_state = match state.sign_in(&input) {
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
