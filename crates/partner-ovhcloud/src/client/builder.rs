//! [`OvhClientBuilder`]: the settings of an [`OvhClient`], validated once.

use std::sync::Arc;
use std::time::Duration;

use partner_core::http::oauth::ClientAuth;
use partner_core::http::reqwest::{self, header::HeaderValue};
use partner_core::http::{HttpClient, HttpSettings};
use partner_core::shared::{CacheKey, SharedFlight};
use partner_core::token::CachedToken;
use partner_core::{BaseUrl, Clock, Secret, Sleeper, SystemClock};

use super::oauth2::OAuth2Source;
use super::time::TimeDelta;
use super::{OvhClient, Shared};
use crate::{ApplicationSecret, ConsumerKey, Endpoint, Error, PROVIDER};

/// How long before its expiry an OAuth2 token is renewed.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Where the API is: a named endpoint, or a base URL checked by `build`.
#[derive(Debug)]
enum Target {
    Endpoint(Endpoint),
    BaseUrl(String),
}

/// A service account's credentials and token URL.
#[derive(Debug)]
struct ServiceAccount {
    client_id: String,
    client_secret: Secret,
    token_url: String,
}

/// Configures an [`OvhClient`]; see [`OvhClient::builder`].
///
/// ```
/// use std::time::Duration;
/// use partner_ovhcloud::{ClientAuth, Endpoint, HttpSettings, OvhClient};
///
/// let mut settings = HttpSettings::default();
/// settings.retry.max_attempts = 5;
/// let client = OvhClient::builder("application key", "application secret")
///     .endpoint(Endpoint::OvhCa)
///     .settings(settings)
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(client.endpoint(), &Endpoint::OvhCa);
/// let fake = OvhClient::builder("ak", "as").base_url("http://127.0.0.1:8080/1.0").build()?;
/// assert_eq!(fake.endpoint().base_url(), "http://127.0.0.1:8080/1.0");
/// let service_account = OvhClient::builder("ak", "as")
///     .oauth2("client id", "client secret", "https://www.ovh.com/auth/oauth2/token")
///     .client_auth(ClientAuth::Body)
///     .build()?;
/// assert!(OvhClient::builder("ak", "as").base_url("http://eu.api.ovh.com/1.0").build().is_err());
/// # Ok::<(), partner_ovhcloud::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct OvhClientBuilder {
    application_key: String,
    application_secret: Secret,
    target: Target,
    consumer_key: Option<ConsumerKey>,
    service_account: Option<ServiceAccount>,
    client_auth: ClientAuth,
    settings: HttpSettings,
    timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
    sleeper: Option<Arc<dyn Sleeper>>,
    shared: Option<SharedFlight>,
}

impl OvhClientBuilder {
    pub(super) fn new(application_key: String, application_secret: Secret) -> Self {
        OvhClientBuilder {
            application_key,
            application_secret,
            target: Target::Endpoint(Endpoint::OvhEu),
            consumer_key: None,
            service_account: None,
            client_auth: ClientAuth::default(),
            settings: HttpSettings::default(),
            timeout: None,
            http_client: None,
            clock: Arc::new(SystemClock),
            sleeper: None,
            shared: None,
        }
    }

    /// One of OVHcloud's endpoints (default [`Endpoint::OvhEu`]).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.target = Target::Endpoint(endpoint);
        self
    }

    /// Another endpoint, with its version path, such as a fake's
    /// `http://127.0.0.1:8080/1.0`; [`build`](Self::build) checks it
    /// (https, or http on a loopback address). The last of `endpoint` and
    /// `base_url` wins.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.target = Target::BaseUrl(url.into());
        self
    }

    /// The consumer key to sign with (one customer); see also
    /// [`OvhClient::for_customer`].
    pub fn consumer_key(mut self, consumer_key: ConsumerKey) -> Self {
        self.consumer_key = Some(consumer_key);
        self
    }

    /// Authenticates with an OAuth2 service account (client credentials,
    /// scope `all`, then `Authorization: Bearer` on every call) instead of
    /// AK/AS/CK; `token_url` such as `https://www.ovh.com/auth/oauth2/token`.
    /// The client authenticates as [`client_auth`](Self::client_auth) says
    /// (HTTP Basic by default, as python-ovh does). [`build`](Self::build)
    /// refuses an empty client id or secret.
    pub fn oauth2(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        token_url: impl Into<String>,
    ) -> Self {
        self.service_account = Some(ServiceAccount {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_url: token_url.into(),
        });
        self
    }

    /// How the OAuth2 client id and secret reach the token URL:
    /// [`ClientAuth::Basic`] (the default, `client_secret_basic`) or
    /// [`ClientAuth::Body`] (`client_secret_post`), for token endpoints
    /// that do not take Basic.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// The HTTP settings: timeouts, user agent, proxy, body limit and
    /// retries (default [`HttpSettings::default`]).
    pub fn settings(mut self, settings: HttpSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Time limit of one attempt: sets the settings' `timeout` (default
    /// 30 s), whether [`settings`](Self::settings) is called before or after.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends through this `reqwest::Client` (its proxy, TLS and connection
    /// settings); build it with redirects off.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Where the time comes from (default the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How to wait between retries (default tokio's timer).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// Shares the OAuth2 service-account token and the time delta with
    /// every process that uses the same store (for example
    /// `partner_redis::RedisTokenCache`): a cold fleet makes one token
    /// request and one `/auth/time` request. The token is kept sealed until
    /// a minute before its expiry, the delta for an hour (or until a
    /// process sees OVHcloud refuse a timestamp, which replaces it for
    /// all). When the store does not answer, the client fetches for itself
    /// unless the flight's options say
    /// [`StoreDown::FailClosed`](partner_core::shared::StoreDown::FailClosed).
    pub fn shared_cache(mut self, flight: SharedFlight) -> Self {
        self.shared = Some(flight);
        self
    }

    /// Validates the settings and builds the client.
    ///
    /// # Errors
    ///
    /// - `malformed` ([`partner_core::Error::EmptyKey`]) when the
    ///   application key or secret, or the OAuth2 client id or secret, is
    ///   empty; when the application key is not a header value; when the
    ///   settings' user agent or proxy is not usable;
    /// - `malformed` or `unsafe-input` when the base URL or the token URL is
    ///   not https (or http on a loopback address).
    pub fn build(self) -> Result<OvhClient, Error> {
        if self.application_key.is_empty() {
            return Err(partner_core::Error::EmptyKey.into());
        }
        if HeaderValue::from_str(&self.application_key).is_err() {
            return Err(Error::malformed("application key is not a header value"));
        }
        let application_secret = ApplicationSecret::new(self.application_secret)?;
        let endpoint = match self.target {
            Target::Endpoint(endpoint) => endpoint,
            Target::BaseUrl(url) => Endpoint::custom(&url)?,
        };
        let mut settings = self.settings;
        if let Some(timeout) = self.timeout {
            settings.timeout = timeout;
        }
        let http =
            HttpClient::builder(PROVIDER, concat!("partner-ovhcloud/", env!("CARGO_PKG_VERSION")))
                .settings(settings)
                .reqwest(self.http_client)
                .sleeper(self.sleeper)
                .build()?;
        let oauth2 = match self.service_account {
            None => None,
            Some(account) => {
                if account.client_id.is_empty() || account.client_secret.is_empty() {
                    return Err(partner_core::Error::EmptyKey.into());
                }
                let source = OAuth2Source {
                    http: http.clone(),
                    token_url: BaseUrl::parse(&account.token_url)?,
                    client_id: account.client_id,
                    client_secret: account.client_secret,
                    client_auth: self.client_auth,
                    clock: self.clock.clone(),
                };
                let scope = format!("{}\n{}", source.token_url.as_str(), source.client_id);
                let tokens = CachedToken::new(source, self.clock.clone(), TOKEN_REFRESH_MARGIN);
                Some(match &self.shared {
                    None => tokens,
                    Some(flight) => tokens.with_shared(
                        flight.clone(),
                        CacheKey::new("token:ovhcloud", scope.as_bytes()),
                    ),
                })
            }
        };
        // The delta is the endpoint's: every application shares it.
        let time_shared = self
            .shared
            .map(|flight| (flight, CacheKey::new("time:ovhcloud", endpoint.base_url().as_bytes())));
        let shared = Arc::new(Shared {
            http,
            endpoint,
            application_key: self.application_key,
            application_secret,
            oauth2,
            clock: self.clock,
            time: TimeDelta::new(time_shared),
        });
        Ok(OvhClient {
            signer: self
                .consumer_key
                .as_ref()
                .map(|ck| crate::RequestSigner::new(&shared.application_secret, ck)),
            shared,
            consumer_key: self.consumer_key,
        })
    }
}
