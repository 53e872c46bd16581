//! [`CheetahClientBuilder`]: the settings of a [`CheetahClient`], checked
//! by [`build`](CheetahClientBuilder::build).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use partner_core::http::oauth::ClientAuth;
use partner_core::http::{HttpClient, HttpSettings, reqwest};
use partner_core::shared::{CacheKey, SharedFlight};
use partner_core::token::CachedToken;
use partner_core::{BaseUrl, Clock, Secret, Sleeper, SystemClock};

use super::token::{Endpoint, IntegrationTokenSource};
use super::{CheetahClient, DEFAULT_REFRESH_BEFORE, Inner, SsoAuth};
use crate::response::{DEFAULT_SSO_PATH, TOKEN_PATH};
use crate::{Error, PROVIDER};

/// Configures a [`CheetahClient`]; settings are validated by [`build`](Self::build).
#[derive(Debug)]
#[must_use]
pub struct CheetahClientBuilder {
    base_url: Option<String>,
    client_id: String,
    client_secret: Secret,
    sso_path: String,
    auth: SsoAuth,
    client_auth: ClientAuth,
    http: Option<reqwest::Client>,
    settings: HttpSettings,
    sleeper: Option<Arc<dyn Sleeper>>,
    refresh_before: Duration,
    clock: Arc<dyn Clock>,
    shared: Option<SharedFlight>,
}

impl CheetahClientBuilder {
    pub(super) fn new(client_id: String, client_secret: Secret) -> Self {
        CheetahClientBuilder {
            base_url: None,
            client_id,
            client_secret,
            sso_path: DEFAULT_SSO_PATH.to_owned(),
            auth: SsoAuth::default(),
            client_auth: ClientAuth::default(),
            http: None,
            settings: HttpSettings::default(),
            sleeper: None,
            refresh_before: DEFAULT_REFRESH_BEFORE,
            clock: Arc::new(SystemClock),
            shared: None,
        }
    }

    /// The program's URL, `https://<company>.cheetahedp.com` (required:
    /// Cheetah has no default; `http` only on a loopback address).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The SSO path (default `/program/api/sso`; some programs use `/console/api/sso`).
    pub fn sso_path(mut self, path: impl Into<String>) -> Self {
        self.sso_path = path.into();
        self
    }

    /// How SSO calls authenticate (default: the cached integration token).
    pub fn sso_auth(mut self, auth: SsoAuth) -> Self {
        self.auth = auth;
        self
    }

    /// How the token request authenticates the client:
    /// [`ClientAuth::Basic`] (the default, `client_secret_basic`, RFC 6749
    /// §2.3.1: each part form-encoded, then base64) or [`ClientAuth::Body`]
    /// (`client_id` and `client_secret` as form fields, as the vendor's
    /// examples do); Doorkeeper takes both. SSO calls with
    /// [`SsoAuth::ClientCredentials`] send them in the form either way.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// Sends through this `reqwest::Client` (its proxy, TLS and pool); build
    /// it with redirects off.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Time limit of each attempt (sets [`HttpSettings::timeout`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// Timeouts, user agent, proxy, retries (default [`HttpSettings::default`]).
    pub fn settings(mut self, settings: HttpSettings) -> Self {
        self.settings = settings;
        self
    }

    /// How to wait between attempts (default: tokio's timer).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// How long before expiry the integration token is replaced (default 5 min).
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }

    /// Where the time comes from (default the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Shares the integration token with every process that uses the same
    /// store (for example `partner_redis::RedisTokenCache`): a cold fleet
    /// makes one token request, and the token is kept in the store,
    /// sealed, until `refresh_before` its expiry. The store's key is the
    /// hash of the program URL and the client id. When the store does not
    /// answer, the client fetches its own token unless the flight's options
    /// say [`StoreDown::FailClosed`](partner_core::shared::StoreDown::FailClosed).
    pub fn shared_token(mut self, flight: SharedFlight) -> Self {
        self.shared = Some(flight);
        self
    }

    /// Validates the settings and builds the client.
    ///
    /// # Errors
    ///
    /// `malformed` for a missing base URL, an empty client id or secret;
    /// `unsafe-input` for a base URL that is not https (or http on
    /// loopback) or an SSO path that is not plain `/segments`.
    pub fn build(self) -> Result<CheetahClient, Error> {
        let base = self.base_url.as_deref().ok_or(partner_core::Error::Malformed(
            "base url is required (https://<company>.cheetahedp.com)",
        ))?;
        let base = BaseUrl::parse(base)?;
        if self.client_id.is_empty() {
            return Err(partner_core::Error::Malformed("client id is empty").into());
        }
        if self.client_secret.is_empty() {
            return Err(partner_core::Error::EmptyKey.into());
        }
        let path_ok = self
            .sso_path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'.'));
        if !path_ok {
            return Err(partner_core::Error::UnsafeInput(
                "sso path must be an absolute path of [A-Za-z0-9/_.-]",
            )
            .into());
        }
        // Each piece one checked segment: no `.`, `..` or empty piece.
        let sso_url = partner_core::path::url_with_path(base.as_str(), &self.sso_path, &[])?;
        let token_url = partner_core::path::url_with_path(base.as_str(), TOKEN_PATH, &[])?;
        let http =
            HttpClient::builder(PROVIDER, concat!("partner-cheetah/", env!("CARGO_PKG_VERSION")))
                .settings(self.settings)
                .reqwest(self.http)
                .sleeper(self.sleeper)
                .build()?;
        let endpoint = Arc::new(Endpoint {
            http,
            token_url,
            client_id: self.client_id,
            client_secret: self.client_secret,
            client_auth: self.client_auth,
            clock: self.clock.clone(),
            token_requests: AtomicU64::new(0),
        });
        let mut tokens = CachedToken::new(
            IntegrationTokenSource(endpoint.clone()),
            self.clock,
            self.refresh_before,
        );
        if let Some(flight) = self.shared {
            let scope = format!("{}\n{}", base.as_str(), endpoint.client_id);
            tokens = tokens.with_shared(flight, CacheKey::new("token:cheetah", scope.as_bytes()));
        }
        Ok(CheetahClient {
            inner: Arc::new(Inner {
                tokens,
                endpoint,
                sso_template: sso_template(&self.sso_path),
                sso_url,
                auth: self.auth,
            }),
        })
    }
}

/// The path of the SSO call as the trace names it (a constant).
fn sso_template(path: &str) -> &'static str {
    match path {
        DEFAULT_SSO_PATH => DEFAULT_SSO_PATH,
        "/console/api/sso" => "/console/api/sso",
        _ => "{sso_path}",
    }
}
