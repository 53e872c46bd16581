//! A fake Cheetah (Stellar) (feature `mock`), for real HTTP on 127.0.0.1.
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

mod demo;
mod members;
mod routes;
mod store;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use partner_core::server::{LoopbackServer, ServerLimits};
use partner_core::{Clock, Secret, SystemClock};
use serde_json::json;

use self::store::FakeState;
use crate::{Error, PROVIDER};

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

/// Entry point of the fake; see [`FakeCheetah::builder`].
#[derive(Debug)]
pub struct FakeCheetah;

impl FakeCheetah {
    /// A fake with the default credentials and token lifetime.
    pub fn builder() -> FakeCheetahBuilder {
        FakeCheetahBuilder {
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
pub struct FakeCheetahBuilder {
    client_id: String,
    client_secret: Secret,
    token_lifetime: Duration,
    clock: Arc<dyn Clock>,
}

impl FakeCheetahBuilder {
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

    /// The fake's routes, unstarted, to mount in your own server.
    ///
    /// # Errors
    ///
    /// An empty client secret (kind `malformed`): the fake would then hand
    /// tokens to anyone who sends an empty one.
    pub fn into_router(self) -> Result<Router, Error> {
        Ok(self.into_state()?.1)
    }

    fn into_state(self) -> Result<(Arc<FakeState>, Router), Error> {
        if self.client_secret.is_empty() {
            return Err(partner_core::Error::EmptyKey.into());
        }
        let state = Arc::new(FakeState::new(
            self.client_id,
            self.client_secret,
            self.token_lifetime,
            self.clock,
        ));
        Ok((state.clone(), router(state)))
    }

    /// Serves the fake on `127.0.0.1:port` (0 picks a free port).
    ///
    /// An empty client secret is refused (`InvalidInput`): the fake would
    /// then hand tokens to anyone who sends an empty one.
    pub async fn start(self, port: u16) -> std::io::Result<RunningCheetah> {
        let (state, router) = self
            .into_state()
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "key is empty"))?;
        let listener = LoopbackServer::bind(port).await?;
        let server = LoopbackServer::start(listener, router.clone(), ServerLimits::default())?;
        Ok(RunningCheetah { state, router, server })
    }
}

fn router(state: Arc<FakeState>) -> Router {
    let limit = || DefaultBodyLimit::max(MAX_BODY_BYTES);
    Router::new()
        .route("/oauth/token", post(routes::token).layer(limit()))
        .route("/program/api/sso", post(routes::sso).layer(limit()))
        .route("/console/api/sso", post(routes::sso).layer(limit()))
        .route("/api/member/profile", get(routes::profile))
        .route("/demo", get(demo::demo))
        .with_state(state)
}

/// A fake serving on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningCheetah {
    state: Arc<FakeState>,
    router: Router,
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

impl RunningCheetah {
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

impl partner_core::server::Fake for RunningCheetah {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// `{"provider", "base_url", "client_id", "client_secret"}`: the fake's
    /// own test credentials.
    fn credentials_json(&self) -> serde_json::Value {
        json!({
            "provider": PROVIDER,
            "base_url": self.server.base_url(),
            "client_id": self.state.client_id,
            "client_secret": self.state.client_secret.expose_str().unwrap_or_default(),
        })
    }

    fn router(&self) -> Router {
        self.router.clone()
    }

    fn shutdown(self: Box<Self>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(RunningCheetah::shutdown(*self))
    }
}
