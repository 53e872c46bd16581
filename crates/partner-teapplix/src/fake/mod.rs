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

mod handlers;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use partner_core::server::{ExpiringMap, Fake, LoopbackServer, ServerLimits};
use partner_core::{Clock, Secret, SystemClock};
use serde_json::{Value, json};

use self::handlers::FakeState;
use crate::{ClientVhost, LaunchVerifier, PROVIDER};

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
    /// # Errors
    ///
    /// [`Error::UnsafeVhost`](crate::Error::UnsafeVhost) when a paired
    /// ClientVHOST is not a safe path segment, and an empty signature key.
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
            .route("/api2/PSObtainToken", get(handlers::obtain_token))
            .route(
                "/api2/{method}",
                get(handlers::api2_echo)
                    .post(handlers::api2_echo)
                    .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
            )
            .route("/h/{vhost}/te/lo.cgi", get(handlers::launch))
            .with_state(state))
    }

    /// Serves the fake on `127.0.0.1:port` (0 picks a free port) until
    /// [`RunningTeapplix::shutdown`] or drop.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a configuration [`into_router`](Self::into_router)
    /// refuses; the errors of binding the port.
    pub async fn start(self, port: u16) -> std::io::Result<RunningTeapplix> {
        let api_token = self.api_token.clone();
        let signature_key = self.signature_key.clone();
        let pairs = self.pairs.clone();
        let router = self
            .into_router()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let listener = LoopbackServer::bind(port).await?;
        let addr = listener.local_addr()?;
        let server = LoopbackServer::start(listener, router.clone(), ServerLimits::default())?;
        tracing::debug!(%addr, "fake teapplix listening");
        Ok(RunningTeapplix { server, router, api_token, signature_key, pairs })
    }
}

/// A fake serving on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningTeapplix {
    server: LoopbackServer,
    router: Router,
    api_token: Secret,
    signature_key: Secret,
    pairs: Vec<(String, String)>,
}

impl RunningTeapplix {
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

impl Fake for RunningTeapplix {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn base_url(&self) -> String {
        RunningTeapplix::base_url(self)
    }

    /// `{"provider", "base_url", "api_token", "signature_key", "pairs":
    /// [{"ps_client_id", "client_vhost"}]}`: what `partner mock teapplix`
    /// prints (the fake's own test credentials).
    fn credentials_json(&self) -> Value {
        let text = |s: &Secret| String::from_utf8_lossy(s.expose()).into_owned();
        let pairs: Vec<Value> = self
            .pairs
            .iter()
            .map(|(id, vhost)| json!({"ps_client_id": id, "client_vhost": vhost}))
            .collect();
        json!({
            "provider": PROVIDER,
            "base_url": RunningTeapplix::base_url(self),
            "api_token": text(&self.api_token),
            "signature_key": text(&self.signature_key),
            "pairs": pairs,
        })
    }

    fn router(&self) -> Router {
        self.router.clone()
    }

    fn shutdown(self: Box<Self>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(RunningTeapplix::shutdown(*self))
    }
}
