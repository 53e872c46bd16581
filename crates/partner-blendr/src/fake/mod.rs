//! A fake Blendr.io hub and SaaS Partner API (feature `mock`), for real
//! HTTP on 127.0.0.1: [`FakeBlendr`].
//!
//! - `/sso`, `/sso/templates/{guid}`, `/sso/widgets/{guid}` (GET and POST):
//!   verify a hash handoff (raw query or form body) or a `jwt`, refuse a
//!   replay, create the account on its first login, and answer with a
//!   logged-in page for that account (or 403 and the reason; 404 for an
//!   unknown template or a blend of another account). A hash handoff may
//!   carry the documented parameters only, unless other names were declared
//!   non-secret with [`FakeBlendrBuilder::allow_params`]: like the real hub
//!   should, the fake refuses a credential in a plain hash link.
//! - `/v1/...`: the SaaS Partner API (`X-App-Id`, `X-Api-Key`) over in-memory
//!   templates, accounts and blends, paged as `{data, links, meta}`, with a
//!   per-minute rate limit (300 by default, configurable, or off) answering
//!   429 with `Retry-After`, `X-RateLimit-Limit`, `X-RateLimit-Remaining`
//!   and `X-RateLimit-Reset`. Every API answer has an `X-Request-Id`.
//! - `/connect`, `/connect/start`, `/callback`: Blendr's side of the OAuth2
//!   "silent flow" against a partner authorization server
//!   ([`FakeBlendrBuilder::silent_flow_partner`]): the hub sends the user
//!   to the partner's authorize URL with `prompt=none`, exchanges the code,
//!   verifies the id token, refreshes once and records the connection
//!   ([`RunningBlendr::connections`]).
//!
//! Every store is bounded: accounts created by logins ([`MAX_ACCOUNTS`],
//! ids and names of at most [`MAX_ACCOUNT_FIELD_BYTES`]), the replay guard
//! ([`MAX_REPLAY_ENTRIES`]), silent-flow states and connections
//! ([`MAX_CONNECT_STATES`], [`MAX_CONNECTIONS`]), request bodies
//! ([`MAX_SSO_BODY_BYTES`], [`MAX_API_BODY_BYTES`]) and the partner's token
//! answers ([`MAX_TOKEN_ANSWER_BYTES`]).

mod api;
mod connect;
mod sso;
mod state;

pub use connect::{DEFAULT_SILENT_FLOW_SCOPE, SilentConnection, SilentFlowPartner};

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use partner_core::server::{ExpiringMap, Fake, LoopbackServer, ServerLimits};
use partner_core::{Clock, InMemoryReplayGuard, Secret, SystemClock};
use serde_json::{Value, json};

use self::connect::SilentClient;
use self::state::{Data, FakeAccount, HubState, routes};
use crate::{Error, HashVerifier, JwtVerifier, PROVIDER, default_policy};

/// The app id the fake accepts unless configured otherwise.
pub const DEFAULT_APP_ID: &str = "fake-blendr-app";
/// The partner API key the fake accepts unless configured otherwise.
pub const DEFAULT_API_KEY: &str = "fake-blendr-api-key";
/// API calls allowed per minute unless configured otherwise (the vendor's).
pub const DEFAULT_RATE_LIMIT: u32 = 300;
/// Accounts the hub holds at most; a login that would create one more
/// answers 503 (existing accounts still log in).
pub const MAX_ACCOUNTS: usize = 10_000;
/// Longest account id or account name a login may set (bytes); longer
/// answers 400.
pub const MAX_ACCOUNT_FIELD_BYTES: usize = 255;
/// Handoffs (hash links and JWTs) remembered at most for replay refusal
/// while their time window lasts; past it, a new handoff is refused (403)
/// rather than a replay let through.
pub const MAX_REPLAY_ENTRIES: usize = 100_000;
/// Largest body of a `POST` to the SSO pages (bytes); larger answers 413.
pub const MAX_SSO_BODY_BYTES: usize = 16 * 1024;
/// Largest body of `POST /v1/accounts/{id}/blends/{guid}/run` (bytes);
/// larger answers 413.
pub const MAX_API_BODY_BYTES: usize = 64 * 1024;
/// Silent-flow `state`s remembered at most (each single use, valid
/// [`CONNECT_STATE_LIFETIME`]); the oldest is dropped when full.
pub const MAX_CONNECT_STATES: usize = 10_000;
/// How long a silent-flow `state` can come back to `/callback`.
pub const CONNECT_STATE_LIFETIME: Duration = Duration::from_secs(600);
/// Silent-flow connections held at most (one per `sub`); the oldest is
/// dropped when full.
pub const MAX_CONNECTIONS: usize = 10_000;
/// Timeout of each call the hub makes to the partner's token endpoint.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest token endpoint answer the hub reads (bytes); larger fails the
/// connection (502).
pub const MAX_TOKEN_ANSWER_BYTES: usize = 64 * 1024;
/// The web host [`FakeBlendrBuilder::into_router`] writes into its
/// silent-flow redirect URI unless [`FakeBlendrBuilder::public_url`] says
/// otherwise.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1";

/// Entry point of the fake; see [`FakeBlendr::builder`].
#[derive(Debug)]
pub struct FakeBlendr;

impl FakeBlendr {
    /// A hub with default credentials, no data, 10 items a page and
    /// [`DEFAULT_RATE_LIMIT`] calls a minute.
    pub fn builder() -> FakeBlendrBuilder {
        FakeBlendrBuilder {
            app_id: DEFAULT_APP_ID.to_owned(),
            api_key: Secret::from(DEFAULT_API_KEY),
            templates: Vec::new(),
            accounts: BTreeMap::new(),
            page_size: 10,
            rate_limit: Some(DEFAULT_RATE_LIMIT),
            clock: Arc::new(SystemClock),
            allowed_params: Vec::new(),
            replay_capacity: MAX_REPLAY_ENTRIES,
            silent: None,
            public_url: None,
        }
    }
}

/// Configures the fake hub and API; see [`FakeBlendr::builder`].
#[derive(Debug)]
#[must_use]
pub struct FakeBlendrBuilder {
    app_id: String,
    api_key: Secret,
    templates: Vec<(String, String)>,
    accounts: BTreeMap<String, FakeAccount>,
    page_size: usize,
    rate_limit: Option<u32>,
    clock: Arc<dyn Clock>,
    allowed_params: Vec<String>,
    replay_capacity: usize,
    silent: Option<SilentFlowPartner>,
    public_url: Option<String>,
}

impl FakeBlendrBuilder {
    /// The app id and partner API key (the API key also signs SSO handoffs);
    /// [`start`](Self::start) refuses an empty key.
    pub fn credentials(mut self, app_id: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        self.app_id = app_id.into();
        self.api_key = api_key.into();
        self
    }

    /// Adds a template.
    pub fn template(mut self, guid: impl Into<String>, name: impl Into<String>) -> Self {
        self.templates.push((guid.into(), name.into()));
        self
    }

    /// Adds an account.
    pub fn account(mut self, external_id: impl Into<String>, name: impl Into<String>) -> Self {
        self.accounts
            .insert(external_id.into(), FakeAccount { name: name.into(), blends: Vec::new() });
        self
    }

    /// Adds a blend to an account (creating the account if needed).
    pub fn blend(
        mut self,
        account: impl Into<String>,
        guid: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        let account = account.into();
        self.accounts
            .entry(account.clone())
            .or_insert_with(|| FakeAccount { name: account, blends: Vec::new() })
            .blends
            .push((guid.into(), name.into()));
        self
    }

    /// Items per page of the API's lists.
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// API calls allowed per minute (default [`DEFAULT_RATE_LIMIT`], the
    /// vendor's 300); `None` turns the limit off: no 429 and no
    /// `X-RateLimit-*` headers. `Some(0)` refuses every call.
    ///
    /// ```
    /// use partner_blendr::fake::FakeBlendr;
    ///
    /// let limited = FakeBlendr::builder().rate_limit(5u32);
    /// let unlimited = FakeBlendr::builder().rate_limit(None);
    /// # let _ = (limited, unlimited);
    /// ```
    pub fn rate_limit(mut self, calls_per_minute: impl Into<Option<u32>>) -> Self {
        self.rate_limit = calls_per_minute.into();
        self
    }

    /// Where the fake reads the time (link windows and the rate-limit minute).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Handoffs remembered against replay at once (default
    /// [`MAX_REPLAY_ENTRIES`]); past it a new login is answered 503 with
    /// `Retry-After` until older ones leave their window.
    pub fn replay_capacity(mut self, entries: usize) -> Self {
        self.replay_capacity = entries;
        self
    }

    /// Declares extra hash link parameter names non-secret (as
    /// [`HashVerifier::allow_params`]); by default the hub accepts the
    /// documented names only.
    pub fn allow_params<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.allowed_params.extend(names.into_iter().map(Into::into));
        self
    }

    /// The partner authorization server the hub connects accounts with
    /// through Blendr's OAuth2 "silent flow" (without it, `/connect`,
    /// `/connect/start` and `/callback` answer 404):
    ///
    /// - `GET /connect`: a page with `<a id="connect"
    ///   href="/connect/start">Connect your account</a>` (no script needed)
    ///   and the latest connection, if any (`id="current-subject"`,
    ///   `current-name`, `current-email`).
    /// - `GET /connect/start`: 303 to the partner's authorize URL with
    ///   `response_type=code`, `client_id`, `redirect_uri=<hub>/callback`,
    ///   `prompt=none`, a fresh single-use `state` (valid
    ///   [`CONNECT_STATE_LIFETIME`]) and `scope` (see
    ///   [`SilentFlowPartner::scope`]). Blendr's redirect URI is
    ///   `https://auth.blendr.io/callback`
    ///   ([`BLENDR_CALLBACK`](crate::oauth::BLENDR_CALLBACK)); the hub's own
    ///   callback stands in for it, so the partner's
    ///   [`SilentFlow`](crate::oauth::SilentFlow) takes it with
    ///   `with_redirect_uri(running.callback_url())`.
    /// - `GET /callback`: the `state` must be one the hub issued, and is
    ///   used up (else 400 with `<p id="error">`). An `error` (such as
    ///   `login_required`) is a 200 page with `<p id="error">`. A `code` is
    ///   exchanged at the token endpoint (`grant_type=authorization_code`,
    ///   HTTP Basic with the client credentials, [`CONNECT_TIMEOUT`], no
    ///   redirects followed); the answer must be 200 JSON with
    ///   `access_token`, `refresh_token`, `id_token` and `token_type`
    ///   Bearer; the id token must be HS256 with the client secret, `aud`
    ///   the client id, with `iss`, `sub`, `iat` and an `exp` still ahead
    ///   on the fake's clock; then one `grant_type=refresh_token` call must
    ///   give a new access token. Any failure is a 502 page saying what
    ///   failed in `<p id="error">` (never a secret or token); success is a
    ///   200 page "Connected" with `<p id="subject">`, and `<p id="name">`
    ///   and `<p id="email">` when the id token has them, and the
    ///   connection is recorded ([`RunningBlendr::connections`]).
    ///
    /// The partner's URLs are checked by [`start`](Self::start) and
    /// [`into_router`](Self::into_router) (`https`, or `http` on a
    /// loopback address; an empty client id or secret is refused).
    pub fn silent_flow_partner(mut self, partner: SilentFlowPartner) -> Self {
        self.silent = Some(partner);
        self
    }

    /// The URL the routes of [`into_router`](Self::into_router) are served
    /// at, written into the silent flow's `redirect_uri` (default
    /// [`DEFAULT_PUBLIC_URL`]); [`start`](Self::start) uses its own
    /// address.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// The shared state, served at `base`; an empty API key is refused
    /// (`EmptyKey`), and so is a silent-flow partner that does not check.
    fn into_state(self, base: &str) -> Result<Arc<HubState>, Error> {
        let silent = self.silent.map(|p| SilentClient::new(p, base)).transpose()?;
        let replay = Arc::new(InMemoryReplayGuard::new(self.replay_capacity));
        let policy = default_policy().with_replay_guard(replay);
        let hash = HashVerifier::new(self.api_key.clone())?
            .allow_params(self.allowed_params)
            .with_policy(policy.clone());
        let jwt = JwtVerifier::new(self.api_key.clone())?.with_policy(policy);
        Ok(Arc::new(HubState {
            app_id: self.app_id,
            hash,
            jwt,
            requests: AtomicU64::new(0),
            api_key: self.api_key,
            page_size: self.page_size,
            rate_limit: self.rate_limit,
            clock: self.clock,
            silent,
            data: Mutex::new(Data {
                templates: self.templates,
                accounts: self.accounts,
                window: None,
                logins: 0,
                connect_states: ExpiringMap::new(MAX_CONNECT_STATES),
                connections: ExpiringMap::new(MAX_CONNECTIONS),
                latest_connection: None,
            }),
        }))
    }

    /// The fake's routes as an axum `Router`, to mount in a server of your
    /// own (the SSO pages at `/sso...`, the API at `/v1/...`, the silent
    /// flow at `/connect...` and `/callback`; set
    /// [`public_url`](Self::public_url) to the address they are served
    /// at). An empty API key is refused (`EmptyKey`, kind `malformed`), and
    /// so is a silent-flow partner whose URLs or credentials do not check.
    pub fn into_router(mut self) -> Result<Router, Error> {
        let base = self.public_url.take().unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned());
        let base = base.trim_end_matches('/').to_owned();
        Ok(routes(self.into_state(&base)?))
    }

    /// Serves the hub on `127.0.0.1:port` (0 picks a free port). An empty
    /// API key, or a silent-flow partner that does not check, is refused as
    /// [`std::io::ErrorKind::InvalidInput`].
    pub async fn start(self, port: u16) -> std::io::Result<RunningBlendr> {
        let listener = LoopbackServer::bind(port).await?;
        let base = format!("http://{}", listener.local_addr()?);
        let state = self
            .into_state(&base)
            .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidInput, err))?;
        let server =
            LoopbackServer::start(listener, routes(state.clone()), ServerLimits::default())?;
        Ok(RunningBlendr { state, server })
    }
}

/// The fake hub and API serving on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningBlendr {
    state: Arc<HubState>,
    server: LoopbackServer,
}

impl RunningBlendr {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:<port>`: the hub's base URL.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// `http://127.0.0.1:<port>/v1`: the API's base URL.
    pub fn api_base_url(&self) -> String {
        format!("http://{}/v1", self.server.addr())
    }

    /// HTTP requests received so far (any path, any answer).
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Successful SSO logins so far.
    pub fn logins(&self) -> u64 {
        self.state.lock().logins
    }

    /// The external ids of the accounts, sorted.
    pub fn account_ids(&self) -> Vec<String> {
        self.state.lock().accounts.keys().cloned().collect()
    }

    /// `<base>/connect`: where a person starts the silent flow.
    pub fn connect_url(&self) -> String {
        format!("{}/connect", self.server.base_url())
    }

    /// `<base>/callback`: the redirect URI the hub sends in the silent
    /// flow (standing in for Blendr's `https://auth.blendr.io/callback`).
    pub fn callback_url(&self) -> String {
        format!("{}/callback", self.server.base_url())
    }

    /// The accounts connected through the silent flow (one per `sub`, the
    /// latest kept; at most [`MAX_CONNECTIONS`]), sorted by subject.
    pub fn connections(&self) -> Vec<SilentConnection> {
        let mut all: Vec<SilentConnection> =
            self.state.lock().connections.values_mut().map(|c| c.clone()).collect();
        all.sort_by(|a, b| a.subject.cmp(&b.subject));
        all
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        if let Err(err) = self.server.shutdown().await {
            tracing::warn!(error = %err, "fake stopped with an error");
        }
    }
}

impl Fake for RunningBlendr {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// `provider`, `base_url` (the hub), `api_base_url`, `app_id` and
    /// `api_key`: what `partner mock blendr` prints.
    fn credentials_json(&self) -> Value {
        json!({
            "provider": PROVIDER,
            "base_url": self.server.base_url(),
            "api_base_url": self.api_base_url(),
            "app_id": self.state.app_id,
            "api_key": String::from_utf8_lossy(self.state.api_key.expose()),
        })
    }

    fn router(&self) -> Router {
        routes(self.state.clone())
    }

    fn shutdown(self: Box<Self>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(RunningBlendr::shutdown(*self))
    }
}
