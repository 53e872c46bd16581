//! A fake Teapplix (feature `mock`): PSObtainToken and the launch endpoint,
//! for real HTTP on 127.0.0.1.
//!
//! It does what Teapplix does, for real: checks the `APIToken` header and
//! the PSClientID pairing, issues random single-use tokens that live 30
//! minutes, and on `/h/<vhost>/te/lo.cgi` verifies the signature over the raw
//! request target, the `ts` window, the token, its account and its single
//! use, then answers with a logged-in page (or 403 and the reason). Any other
//! `/api2/<Method>` answers, for a paired account, with a JSON echo of the
//! call (its JSON body included), so partners can exercise their API2
//! wrappers.
//!
//! Issued tokens are held in a bounded store whose look-ups do not grow with
//! its size; once [`MAX_OUTSTANDING_TOKENS`] live tokens are held,
//! PSObtainToken answers 503 until one is used or expires. A POST body is at
//! most [`MAX_BODY_BYTES`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use partner_teapplix::fake::FakeTeapplix;
//!
//! let fake = FakeTeapplix::builder().pair("ps-client-1", "demo2").start(0).await?;
//! println!("fake Teapplix at {}", fake.base_url());
//! fake.shutdown().await;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use partner_core::server::{ExpiringMap, LoopbackServer, ServerLimits};
use partner_core::{Clock, Secret, SystemClock, UnixTime};
use serde_json::json;

use crate::obtain::API_TOKEN_HEADER;
use crate::{ACCESS_TOKEN_LIFETIME, ClientVhost, LaunchVerifier};

/// The API token the fake accepts unless configured otherwise.
pub const DEFAULT_API_TOKEN: &str = "fake-teapplix-api-token";
/// The signature key the fake verifies with unless configured otherwise.
pub const DEFAULT_SIGNATURE_KEY: &str = "fake-teapplix-signature-key";
/// Outstanding (issued, unused, unexpired) tokens the fake holds at most;
/// past it, PSObtainToken answers 503 until one is used or expires.
pub const MAX_OUTSTANDING_TOKENS: usize = 10_000;
/// Largest body of a `POST /api2/<Method>` (bytes); larger answers 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Length of the tokens the fake issues: 24 random bytes in URL-safe base64.
const TOKEN_LEN: usize = 32;

/// A token as the fake stores it: its exact text, without an allocation.
type TokenKey = [u8; TOKEN_LEN];

fn token_key(token: &str) -> Option<TokenKey> {
    token.as_bytes().try_into().ok()
}

/// Entry point of the fake; see [`FakeTeapplix::builder`].
#[derive(Debug)]
pub struct FakeTeapplix;

impl FakeTeapplix {
    /// A fake with the default credentials and no paired account.
    pub fn builder() -> FakeTeapplixBuilder {
        FakeTeapplixBuilder {
            api_token: Secret::from(DEFAULT_API_TOKEN),
            signature_key: Secret::from(DEFAULT_SIGNATURE_KEY),
            pairs: Vec::new(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// Configures the fake.
#[derive(Debug)]
#[must_use]
pub struct FakeTeapplixBuilder {
    api_token: Secret,
    signature_key: Secret,
    pairs: Vec<(String, String)>,
    clock: Arc<dyn Clock>,
}

impl FakeTeapplixBuilder {
    /// The partner API token the fake accepts in `APIToken`.
    pub fn api_token(mut self, token: impl Into<Secret>) -> Self {
        self.api_token = token.into();
        self
    }

    /// The signature key launch URLs must be signed with.
    pub fn signature_key(mut self, key: impl Into<Secret>) -> Self {
        self.signature_key = key.into();
        self
    }

    /// Pairs a partner's PSClientID with a Teapplix account (ClientVHOST).
    pub fn pair(
        mut self,
        ps_client_id: impl Into<String>,
        client_vhost: impl Into<String>,
    ) -> Self {
        self.pairs.push((ps_client_id.into(), client_vhost.into()));
        self
    }

    /// Where the fake reads the time (tokens expire by it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The fake as an axum `Router`, to mount in a server of your own.
    ///
    /// Fails when a paired ClientVHOST is not a safe path segment.
    pub fn into_router(self) -> Result<Router, crate::Error> {
        let pairs = self
            .pairs
            .into_iter()
            .map(|(id, vhost)| ClientVhost::new(vhost).map(|v| (id, v)))
            .collect::<Result<HashMap<_, _>, _>>()?;
        let state = Arc::new(FakeState {
            api_token: self.api_token,
            verifier: LaunchVerifier::new(self.signature_key)?,
            pairs,
            clock: self.clock,
            // One slot more than the cap: an insert that fills it is taken
            // back and answered 503, so the oldest live token never lapses.
            tokens: Mutex::new(ExpiringMap::new(MAX_OUTSTANDING_TOKENS + 1)),
        });
        Ok(Router::new()
            .route("/api2/PSObtainToken", get(obtain_token))
            .route(
                "/api2/{method}",
                get(api2_echo).post(api2_echo).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
            )
            .route("/h/{vhost}/te/lo.cgi", get(launch))
            .with_state(state))
    }

    /// Serves the fake on `127.0.0.1:port` (0 picks a free port) until
    /// [`RunningFake::shutdown`] or drop.
    pub async fn start(self, port: u16) -> std::io::Result<RunningFake> {
        let router = self
            .into_router()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let listener = LoopbackServer::bind(port).await?;
        let addr = listener.local_addr()?;
        let server = LoopbackServer::start(listener, router, ServerLimits::default())?;
        tracing::debug!(%addr, "fake teapplix listening");
        Ok(RunningFake { server })
    }
}

/// A fake serving on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningFake {
    server: LoopbackServer,
}

impl RunningFake {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:<port>`: both the API and the app host.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Stops the server and waits for it to finish.
    pub async fn shutdown(self) {
        if let Err(err) = self.server.shutdown().await {
            tracing::warn!(error = %err, "fake stopped with an error");
        }
    }
}

struct FakeState {
    api_token: Secret,
    verifier: LaunchVerifier,
    pairs: HashMap<String, ClientVhost>,
    clock: Arc<dyn Clock>,
    tokens: Mutex<ExpiringMap<TokenKey, IssuedToken>>,
}

struct IssuedToken {
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

async fn obtain_token(
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

async fn api2_echo(
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

async fn launch(State(state): State<Arc<FakeState>>, uri: Uri) -> Response {
    let now = state.clock.unix_time();
    let target = uri.path_and_query().map_or("", |pq| pq.as_str());
    let launch = match state.verifier.verify_request_target(target, now) {
        Ok(launch) => launch,
        Err(err) => return refuse(&err.to_string()),
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
