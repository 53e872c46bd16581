//! [`TeapplixClientBuilder`]: the client's settings, validated by `build`.

use std::sync::Arc;
use std::time::Duration;

use partner_core::http::reqwest::header::HeaderValue;
use partner_core::http::{HttpClient, HttpSettings, reqwest};
use partner_core::{BaseUrl, Clock, Secret, Sleeper};

use super::{Inner, TeapplixClient};
use crate::error::malformed;
use crate::obtain::DEFAULT_API_BASE_URL;
use crate::{Error, LaunchSigner, PROVIDER};

/// Configures a [`TeapplixClient`]; [`build`](Self::build) validates every setting.
#[derive(Debug)]
#[must_use]
pub struct TeapplixClientBuilder {
    pub(super) api_token: Secret,
    pub(super) base_url: String,
    pub(super) launch_signer: Option<LaunchSigner>,
    pub(super) timeout: Option<Duration>,
    pub(super) http: Option<reqwest::Client>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) settings: HttpSettings,
    pub(super) sleeper: Option<Arc<dyn Sleeper>>,
}

impl TeapplixClientBuilder {
    /// The API host (default [`DEFAULT_API_BASE_URL`], `https://api.teapplix.com`);
    /// http only on loopback.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The signer of launch URLs, for [`TeapplixClient::launch_url`]: it
    /// holds the signature key (never sent) and the web application host
    /// browsers are sent to (`https://app.teapplix.com`, or another one set
    /// with [`LaunchSigner::with_base_url`]). Without one, the client
    /// obtains tokens and calls API2 but builds no launch URL.
    pub fn launch_signer(mut self, signer: LaunchSigner) -> Self {
        self.launch_signer = Some(signer);
        self
    }

    /// Time limit of one attempt (default [`HttpSettings::default`]'s 30 s);
    /// it wins over the `timeout` of [`settings`](Self::settings).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends through this `reqwest::Client` (proxies, TLS roots). Build it
    /// with `redirect(reqwest::redirect::Policy::none())`: a redirected call
    /// would carry the `APIToken` header elsewhere. A 3xx answer is a
    /// refusal either way.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Where the time comes from (default the system clock): the
    /// `issued_at` of obtained tokens and the `ts` of launch URLs.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The HTTP settings: timeouts, user agent, proxy, retries (default
    /// [`HttpSettings::default`]).
    pub fn settings(mut self, settings: HttpSettings) -> Self {
        self.settings = settings;
        self
    }

    /// How the client waits between attempts (default tokio's timer; tests
    /// hand it a [`FixedClock`](partner_core::FixedClock)).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// Validates the settings and builds the client.
    ///
    /// # Errors
    ///
    /// [`partner_core::Error::EmptyKey`] for an empty API token,
    /// [`partner_core::Error::Malformed`] for one that is not a header value,
    /// the [`BaseUrl`] errors for a base URL that is not https (or http on
    /// loopback).
    pub fn build(self) -> Result<TeapplixClient, Error> {
        if self.api_token.is_empty() {
            return Err(Error::Core(partner_core::Error::EmptyKey));
        }
        let mut api_token = HeaderValue::from_bytes(self.api_token.expose())
            .map_err(|_| malformed("api token is not a valid header value"))?;
        api_token.set_sensitive(true);
        let api_base = BaseUrl::parse(&self.base_url)?;
        let mut settings = self.settings;
        if let Some(timeout) = self.timeout {
            settings.timeout = timeout;
        }
        let http =
            HttpClient::builder(PROVIDER, concat!("partner-teapplix/", env!("CARGO_PKG_VERSION")))
                .settings(settings)
                .reqwest(self.http)
                .sleeper(self.sleeper)
                .build()?;
        Ok(TeapplixClient {
            inner: Arc::new(Inner {
                http,
                api_base,
                api_token,
                signer: self.launch_signer,
                clock: self.clock,
            }),
        })
    }
}

impl TeapplixClient {
    /// Starts configuring a client with the partner's API token (sent in the
    /// `APIToken` header, marked sensitive).
    pub fn builder(api_token: impl Into<Secret>) -> TeapplixClientBuilder {
        TeapplixClientBuilder {
            api_token: api_token.into(),
            base_url: DEFAULT_API_BASE_URL.to_owned(),
            launch_signer: None,
            timeout: None,
            http: None,
            clock: Arc::new(partner_core::SystemClock),
            settings: HttpSettings::default(),
            sleeper: None,
        }
    }
}
