//! A fake Cloud 66 (feature `mock`), for real HTTP on 127.0.0.1.
//!
//! - `GET /integrations/{partner}/start?uid=..`: the dashboard click; sends
//!   the user to the partner's URL with `uid`, `email` and `callback`.
//!   `GET /integrations/{partner}/done` is that callback (a text page).
//! - `POST /partner/{partner}/link`: the partner endpoint (form or JSON);
//!   the documented 403 texts; remembers links, so a second one is
//!   "`<partner>` is already linked to this account".
//! - `GET /sso/signin/{provider}`: redirects to the partner's registered URL
//!   with a fresh multipass and signature for the signed-in user.
//! - `GET /oauth/authorize` (auto-approves for the signed-in user; errors as
//!   RFC 6749 §4.1.2.1 asks) and `POST /oauth/token` (client authentication
//!   by HTTP Basic or in the body; codes single use, bound to the client and
//!   the redirect URI, valid [`CODE_LIFETIME`]; tokens that do not expire).
//! - `GET /api/3/stacks` (paged, scope `public`), `GET /api/3/stacks/{uid}`,
//!   `POST /api/3/stacks/{uid}/deployments` (scope `redeploy`); refusals
//!   carry `WWW-Authenticate: Bearer` (RFC 6750 §3).
//! - Stand-in partner pages (`/stand-in/...`), served when the partner or
//!   the OAuth2 app is a stand-in
//!   ([`FakeCloud66Builder::stand_in_partner`],
//!   [`FakeCloud66Builder::stand_in_oauth_app`]), so a person can walk the
//!   flows in a browser without a partner site.
//!
//! Every store is bounded: at most [`DEFAULT_MAX_CODES`] pending codes and
//! [`DEFAULT_MAX_TOKENS`] tokens (the oldest dropped when full), and each
//! route that reads a body has its own size limit ([`TOKEN_BODY_LIMIT`],
//! [`LINK_BODY_LIMIT`]).

mod api;
mod link;
mod oauth;
mod pages;
mod sso;

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use partner_core::encoding::form_encode;
use partner_core::server::{ExpiringMap, LoopbackServer, ServerLimits};
use partner_core::{Clock, InMemoryReplayGuard, Secret, SystemClock};

use crate::{MultipassKeys, MultipassVerifier, ScopeSet};

/// Pending authorization codes held at most by default (the oldest is
/// dropped when a new one would exceed it).
pub const DEFAULT_MAX_CODES: usize = 10_000;

/// Access tokens held at most by default (the oldest is dropped when a new
/// one would exceed it; tokens do not otherwise expire, as on Cloud 66).
pub const DEFAULT_MAX_TOKENS: usize = 100_000;

/// How long an authorization code can be exchanged.
pub const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// Largest body `POST /oauth/token` reads (larger: 413).
pub const TOKEN_BODY_LIMIT: usize = 8 * 1024;

/// Largest body the partner endpoint and the stand-in link form read
/// (larger: 413).
pub const LINK_BODY_LIMIT: usize = 16 * 1024;

/// Multipass tokens the SSO stand-in page remembers, to show replays.
const SSO_REPLAY_CAPACITY: usize = 10_000;

/// The path of the stand-in partner's link page.
const STAND_IN_LINK_PATH: &str = "/stand-in/link";
/// The path of the stand-in partner's SSO return page.
const STAND_IN_SSO_PATH: &str = "/stand-in/sso";
/// The path of the stand-in OAuth2 app's redirect URI.
const STAND_IN_OAUTH_PATH: &str = "/stand-in/oauth/callback";

/// A user of the fake Cloud 66.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeUser {
    /// Cloud 66's id of the user (`uid` of the link redirect).
    pub uid: String,
    /// E-mail address.
    pub email: String,
    /// Name.
    pub name: String,
}

/// The partner's two URLs: given, or pages the fake serves itself.
#[derive(Debug, Clone)]
enum PartnerUrls {
    Given { link_url: String, sso_return_url: String },
    StandIn,
}

#[derive(Debug, Clone)]
struct PartnerSpec {
    name: String,
    provider_uid: String,
    urls: PartnerUrls,
}

#[derive(Debug, Clone)]
struct AppSpec {
    client_id: String,
    client_secret: Secret,
    /// `None`: the stand-in page.
    redirect_uri: Option<String>,
}

#[derive(Debug, Clone)]
struct Partner {
    name: String,
    provider_uid: String,
    link_url: String,
    sso_return_url: String,
    stand_in: bool,
}

#[derive(Debug, Clone)]
struct OAuthApp {
    client_id: String,
    client_secret: Secret,
    redirect_uri: String,
    stand_in: bool,
}

/// Entry point of the fake; see [`FakeCloud66::builder`].
#[derive(Debug)]
pub struct FakeCloud66;

impl FakeCloud66 {
    /// An empty fake: add a partner, users, an OAuth2 app and stacks.
    pub fn builder() -> FakeCloud66Builder {
        FakeCloud66Builder {
            partner: None,
            users: Vec::new(),
            app: None,
            stacks: Vec::new(),
            per_page: 2,
            max_codes: DEFAULT_MAX_CODES,
            max_tokens: DEFAULT_MAX_TOKENS,
            clock: Arc::new(SystemClock),
        }
    }
}

/// Configures the fake.
#[derive(Debug)]
#[must_use]
pub struct FakeCloud66Builder {
    partner: Option<PartnerSpec>,
    users: Vec<FakeUser>,
    app: Option<AppSpec>,
    stacks: Vec<(String, String)>,
    per_page: usize,
    max_codes: usize,
    max_tokens: usize,
    clock: Arc<dyn Clock>,
}

impl FakeCloud66Builder {
    /// The partner: its name (PROVIDER), its 32-character UID, the URL the
    /// dashboard sends users to for linking, and the URL SSO returns to.
    /// Replaces an earlier partner (there is one).
    pub fn partner(
        mut self,
        name: impl Into<String>,
        provider_uid: impl Into<String>,
        link_url: impl Into<String>,
        sso_return_url: impl Into<String>,
    ) -> Self {
        self.partner = Some(PartnerSpec {
            name: name.into(),
            provider_uid: provider_uid.into(),
            urls: PartnerUrls::Given {
                link_url: link_url.into(),
                sso_return_url: sso_return_url.into(),
            },
        });
        self
    }

    /// A partner whose link URL and SSO return URL are pages the fake
    /// serves itself (`/stand-in/link`, `/stand-in/sso`; the full URLs are
    /// known once started: [`RunningCloud66::link_url`],
    /// [`RunningCloud66::sso_return_url`]). The link page shows what
    /// arrived and provisions through the partner endpoint, then returns to
    /// the callback; the SSO page verifies the multipass with
    /// `provider_uid`. Replaces an earlier partner.
    pub fn stand_in_partner(
        mut self,
        name: impl Into<String>,
        provider_uid: impl Into<String>,
    ) -> Self {
        self.partner = Some(PartnerSpec {
            name: name.into(),
            provider_uid: provider_uid.into(),
            urls: PartnerUrls::StandIn,
        });
        self
    }

    /// Adds a user; the first one is the user signed in to the fake.
    pub fn user(
        mut self,
        uid: impl Into<String>,
        email: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        self.users.push(FakeUser { uid: uid.into(), email: email.into(), name: name.into() });
        self
    }

    /// The partner's OAuth2 application. Replaces an earlier one.
    pub fn oauth_app(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        self.app = Some(AppSpec {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: Some(redirect_uri.into()),
        });
        self
    }

    /// An OAuth2 application whose registered redirect URI is a page the
    /// fake serves itself (`/stand-in/oauth/callback`, showing the code and
    /// `state` that arrived; the full URI is known once started:
    /// [`RunningCloud66::oauth_redirect_uri`]). Replaces an earlier one.
    pub fn stand_in_oauth_app(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        self.app = Some(AppSpec {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: None,
        });
        self
    }

    /// Adds a stack of the signed-in user.
    pub fn stack(mut self, uid: impl Into<String>, name: impl Into<String>) -> Self {
        self.stacks.push((uid.into(), name.into()));
        self
    }

    /// Items per page of the API's lists.
    pub fn per_page(mut self, n: usize) -> Self {
        self.per_page = n.max(1);
        self
    }

    /// Pending authorization codes held at most (default
    /// [`DEFAULT_MAX_CODES`], at least 1); a new code beyond it drops the
    /// oldest.
    pub fn max_codes(mut self, n: usize) -> Self {
        self.max_codes = n.max(1);
        self
    }

    /// Access tokens held at most (default [`DEFAULT_MAX_TOKENS`], at least
    /// 1); a new token beyond it drops the oldest.
    pub fn max_tokens(mut self, n: usize) -> Self {
        self.max_tokens = n.max(1);
        self
    }

    /// Where the fake reads the time (multipass expiry, code expiry).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Serves the fake on `127.0.0.1:port` (0 picks a free port).
    ///
    /// An empty OAuth2 client secret is refused (`InvalidInput`): the fake
    /// would then hand tokens to anyone who sends an empty one.
    pub async fn start(self, port: u16) -> std::io::Result<RunningCloud66> {
        if self.app.as_ref().is_some_and(|app| app.client_secret.is_empty()) {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "key is empty"));
        }
        let listener = LoopbackServer::bind(port).await?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let partner = self.partner.map(|p| {
            let (link_url, sso_return_url, stand_in) = match p.urls {
                PartnerUrls::Given { link_url, sso_return_url } => {
                    (link_url, sso_return_url, false)
                }
                PartnerUrls::StandIn => (
                    format!("{base}{STAND_IN_LINK_PATH}"),
                    format!("{base}{STAND_IN_SSO_PATH}"),
                    true,
                ),
            };
            Partner {
                name: p.name,
                provider_uid: p.provider_uid,
                link_url,
                sso_return_url,
                stand_in,
            }
        });
        let app = self.app.map(|a| OAuthApp {
            client_id: a.client_id,
            client_secret: a.client_secret,
            stand_in: a.redirect_uri.is_none(),
            redirect_uri: a.redirect_uri.unwrap_or_else(|| format!("{base}{STAND_IN_OAUTH_PATH}")),
        });
        let keys = partner.as_ref().and_then(|p| MultipassKeys::cloud66(&p.provider_uid).ok());
        let sso_verifier = keys.clone().map(|k| {
            MultipassVerifier::new(k)
                .with_replay_guard(Arc::new(InMemoryReplayGuard::new(SSO_REPLAY_CAPACITY)))
        });
        let state = Arc::new(FakeState {
            base,
            partner,
            users: self.users,
            app,
            stacks: self.stacks,
            per_page: self.per_page,
            clock: self.clock,
            keys,
            sso_verifier,
            data: Mutex::new(Data {
                linked: HashSet::new(),
                codes: ExpiringMap::new(self.max_codes),
                tokens: ExpiringMap::new(self.max_tokens),
            }),
        });
        let router = Router::new()
            .route("/integrations/{partner}/start", get(link::start_link))
            .route("/integrations/{partner}/done", get(link::link_done))
            .route(
                "/partner/{partner}/link",
                post(link::link).layer(DefaultBodyLimit::max(LINK_BODY_LIMIT)),
            )
            .route("/sso/signin/{provider}", get(sso::sso_signin))
            .route("/oauth/authorize", get(oauth::authorize))
            .route(
                "/oauth/token",
                post(oauth::token).layer(DefaultBodyLimit::max(TOKEN_BODY_LIMIT)),
            )
            .route("/api/3/stacks", get(api::stacks))
            .route("/api/3/stacks/{uid}", get(api::stack))
            .route("/api/3/stacks/{uid}/deployments", post(api::redeploy))
            .route(
                STAND_IN_LINK_PATH,
                get(pages::link_page)
                    .post(pages::link_submit)
                    .layer(DefaultBodyLimit::max(LINK_BODY_LIMIT)),
            )
            .route(STAND_IN_SSO_PATH, get(pages::sso_page))
            .route(STAND_IN_OAUTH_PATH, get(pages::oauth_page))
            .with_state(state.clone());
        let server = LoopbackServer::start(listener, router, ServerLimits::default())?;
        Ok(RunningCloud66 { state, server })
    }
}

/// The fake, serving on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningCloud66 {
    state: Arc<FakeState>,
    server: LoopbackServer,
}

impl RunningCloud66 {
    /// `http://127.0.0.1:<port>`: the web host (SSO, OAuth2, dashboard).
    pub fn base_url(&self) -> String {
        self.state.base.clone()
    }

    /// `http://127.0.0.1:<port>/api/3`.
    pub fn api_base_url(&self) -> String {
        format!("{}/api/3", self.state.base)
    }

    /// The partner endpoint for provisioning POSTs.
    pub fn partner_endpoint(&self) -> String {
        let name = self.state.partner.as_ref().map_or("partner", |p| p.name.as_str());
        format!("{}/partner/{name}/link", self.state.base)
    }

    /// Where the linking starts (the dashboard click):
    /// `<base>/integrations/<partner>/start`; `None` without a partner.
    pub fn link_start_url(&self) -> Option<String> {
        let p = self.state.partner.as_ref()?;
        Some(format!("{}/integrations/{}/start", self.state.base, p.name))
    }

    /// The partner's link URL (where the dashboard sends users): the one
    /// given, or the stand-in page; `None` without a partner.
    pub fn link_url(&self) -> Option<String> {
        self.state.partner.as_ref().map(|p| p.link_url.clone())
    }

    /// Where SSO sign-in starts: `<base>/sso/signin/<partner>`; `None`
    /// without a partner.
    pub fn sso_signin_url(&self) -> Option<String> {
        let p = self.state.partner.as_ref()?;
        Some(format!("{}/sso/signin/{}", self.state.base, p.name))
    }

    /// The partner's SSO return URL: the one given, or the stand-in page;
    /// `None` without a partner.
    pub fn sso_return_url(&self) -> Option<String> {
        self.state.partner.as_ref().map(|p| p.sso_return_url.clone())
    }

    /// The OAuth2 app's registered redirect URI: the one given, or the
    /// stand-in page; `None` without an app.
    pub fn oauth_redirect_uri(&self) -> Option<String> {
        self.state.app.as_ref().map(|a| a.redirect_uri.clone())
    }

    /// An authorize URL for the app (scope `public`, no `state`), to open
    /// in a browser; `None` without an app.
    pub fn authorize_url(&self) -> Option<String> {
        let app = self.state.app.as_ref()?;
        let query = form_encode([
            ("client_id", app.client_id.as_str()),
            ("redirect_uri", app.redirect_uri.as_str()),
            ("response_type", "code"),
            ("scope", "public"),
        ]);
        Some(format!("{}/oauth/authorize?{query}", self.state.base))
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The uids of the users linked so far.
    pub fn linked_uids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.state.lock().linked.iter().cloned().collect();
        v.sort();
        v
    }

    /// Authorization codes held (issued, not yet exchanged; expired ones
    /// may still be counted until the next code is issued).
    pub fn code_count(&self) -> usize {
        self.state.lock().codes.len()
    }

    /// Access tokens held.
    pub fn token_count(&self) -> usize {
        self.state.lock().tokens.len()
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
    base: String,
    partner: Option<Partner>,
    users: Vec<FakeUser>,
    app: Option<OAuthApp>,
    stacks: Vec<(String, String)>,
    per_page: usize,
    clock: Arc<dyn Clock>,
    /// The partner's multipass keys (`None`: no partner, or a UID that is
    /// not 32 characters).
    keys: Option<MultipassKeys>,
    /// The SSO stand-in page's verifier, with a bounded replay guard.
    sso_verifier: Option<MultipassVerifier>,
    data: Mutex<Data>,
}

/// What an authorization code stands for.
#[derive(Debug, Clone)]
struct CodeGrant {
    client_id: String,
    /// The `redirect_uri` sent to the authorize endpoint, if one was: the
    /// token request must then send the same.
    redirect_uri: Option<String>,
    scopes: ScopeSet,
}

struct Data {
    linked: HashSet<String>,
    codes: ExpiringMap<String, CodeGrant>,
    tokens: ExpiringMap<String, ScopeSet>,
}

impl fmt::Debug for Data {
    // Counts only: the keys are codes and tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Data")
            .field("linked", &self.linked.len())
            .field("codes", &self.codes.len())
            .field("tokens", &self.tokens.len())
            .finish()
    }
}

impl FakeState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn partner(&self, name: &str) -> Option<&Partner> {
        self.partner.as_ref().filter(|p| p.name == name)
    }
}

/// `url` with `query` added (`?`, or `&` when it has a query already).
fn with_query(url: &str, query: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body.into()).into_response()
}
