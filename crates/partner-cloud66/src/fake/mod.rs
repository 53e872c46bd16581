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
//! - `GET /oauth/authorize` (auto-approves for the signed-in user, or with
//!   [`FakeCloud66Builder::oauth_consent`] shows a consent page whose form
//!   posts to `POST /oauth/authorize`; errors as RFC 6749 §4.1.2.1 asks)
//!   and `POST /oauth/token` (client authentication
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
//! Every store is bounded: at most [`DEFAULT_MAX_CODES`] pending codes,
//! [`DEFAULT_MAX_TOKENS`] tokens and [`MAX_CONSENTS`] open consent pages
//! (the oldest dropped when full), and each route that reads a body has its
//! own size limit ([`TOKEN_BODY_LIMIT`], [`LINK_BODY_LIMIT`],
//! [`CONSENT_BODY_LIMIT`]).
//!
//! [`FakeCloud66Builder::into_router`] gives the same routes unstarted, to
//! mount in your own server; [`RunningCloud66`] implements
//! [`partner_core::server::Fake`].

mod api;
mod link;
mod oauth;
mod pages;
mod running;
mod sso;
mod state;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use partner_core::server::{ExpiringMap, LoopbackServer, ServerLimits};
use partner_core::{Clock, InMemoryReplayGuard, Secret, SystemClock};

pub use running::RunningCloud66;
use state::{
    CodeGrant, ConsentGrant, Data, FakeState, OAuthApp, Partner, routes, text, with_query,
};

use crate::multipass::default_policy;
use crate::{MultipassKeys, MultipassSigner, MultipassVerifier};

/// The web host [`FakeCloud66Builder::into_router`] writes into its links
/// unless [`FakeCloud66Builder::public_url`] says otherwise.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1";

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

/// Largest body `POST /oauth/authorize` (the consent form) reads (larger:
/// 413).
pub const CONSENT_BODY_LIMIT: usize = 8 * 1024;

/// Consent pages open at once at most (each holds a single-use anti-forgery
/// token; the oldest is dropped when a new page would exceed it).
pub const MAX_CONSENTS: usize = 10_000;

/// How long the anti-forgery token of a consent page can be used.
pub const CONSENT_LIFETIME: Duration = Duration::from_secs(300);

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
            public_url: None,
            consent: false,
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
    public_url: Option<String>,
    consent: bool,
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

    /// Whether `GET /oauth/authorize` asks the signed-in user first, as
    /// Cloud 66 (Doorkeeper) does (default `false`: approved at once, so
    /// OAuth2 client libraries run the flow without a browser).
    ///
    /// With `true`, a valid authorize request (checked as before; errors as
    /// before) answers `200` with a consent page: the title
    /// "Authorize `<client id>`", the scopes asked for (`<ul id="scopes">`),
    /// the signed-in user (`<p id="user">`) and a form that posts the
    /// checked request, with a single-use anti-forgery `consent` token
    /// (valid [`CONSENT_LIFETIME`]), to `POST /oauth/authorize`, with two
    /// buttons: `id="authorize"` and `id="deny"`. That POST checks the
    /// request again and takes the token once (unknown, used, expired or
    /// issued for another request: a 400 page), then redirects to the
    /// client with a `code` (as the automatic approval does) or with
    /// `error=access_denied` (RFC 6749 §4.1.2.1); `state` only when sent.
    /// The pages are plain HTML (no script), `Cache-Control: no-store`,
    /// never framed (`X-Frame-Options: DENY`, `frame-ancestors 'none'`).
    ///
    /// ```
    /// use partner_cloud66::fake::FakeCloud66;
    ///
    /// let builder = FakeCloud66::builder()
    ///     .user("u-42", "jon@smith.com", "Jon Smith")
    ///     .stand_in_oauth_app("client-1", "secret-1")
    ///     .oauth_consent(true);
    /// # let _ = builder;
    /// ```
    pub fn oauth_consent(mut self, ask: bool) -> Self {
        self.consent = ask;
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

    /// The URL the routes of [`into_router`](Self::into_router) are served
    /// at, written into the fake's redirects and stand-in URLs (default
    /// [`DEFAULT_PUBLIC_URL`]); [`start`](Self::start) uses its own address.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// The fake's routes, unstarted, to mount in your own server. An OAuth2
    /// app with an empty client secret is left out (its token endpoint then
    /// refuses every client).
    pub fn into_router(mut self) -> Router {
        if self.app.as_ref().is_some_and(|app| app.client_secret.is_empty()) {
            self.app = None;
        }
        let base = self.public_url.take().unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned());
        let base = base.trim_end_matches('/').to_owned();
        routes(self.into_state(base))
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
        let state = self.into_state(format!("http://{addr}"));
        let server =
            LoopbackServer::start(listener, routes(state.clone()), ServerLimits::default())?;
        Ok(RunningCloud66 { state, server })
    }

    fn into_state(self, base: String) -> Arc<FakeState> {
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
            let guard = Arc::new(InMemoryReplayGuard::new(SSO_REPLAY_CAPACITY));
            MultipassVerifier::new(k).with_policy(default_policy().with_replay_guard(guard))
        });
        Arc::new(FakeState {
            base,
            partner,
            users: self.users,
            app,
            stacks: self.stacks,
            per_page: self.per_page,
            consent: self.consent,
            clock: self.clock,
            signer: keys.map(MultipassSigner::new),
            sso_verifier,
            data: Mutex::new(Data {
                linked: std::collections::HashSet::new(),
                codes: ExpiringMap::new(self.max_codes),
                tokens: ExpiringMap::new(self.max_tokens),
                consents: ExpiringMap::new(MAX_CONSENTS),
            }),
        })
    }
}
