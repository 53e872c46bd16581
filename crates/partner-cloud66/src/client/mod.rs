//! HTTP clients (feature `client`): the provisioning POST
//! ([`ProvisioningClient`]), the OAuth2 code exchange ([`OAuthClient`]) and
//! the API v3 ([`ApiClient`]), all on `partner_core::http::HttpClient` with
//! the [`Cloud66Dialect`].

mod api;
mod oauth;
mod provisioning;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use partner_core::http::oauth::oauth2_rejection;
use partner_core::http::{
    Answer, Dialect, HttpClient, HttpSettings, Verdict, reqwest, retry_after, standard_verdict,
};
use partner_core::{BaseUrl, Clock, Error as CoreError, ProviderRejection, Sleeper, SystemClock};

pub use api::{ApiClient, ApiClientBuilder, DEFAULT_API_BASE_URL};
pub use oauth::{OAuthClient, OAuthClientBuilder, OAuthToken};
pub use provisioning::{BodyEncoding, ProvisioningClient, ProvisioningClientBuilder};

use crate::{Error, PROVIDER};

const USER_AGENT: &str = concat!("partner-cloud66/", env!("CARGO_PKG_VERSION"));

/// How Cloud 66 speaks HTTP.
///
/// - Retries: the standard verdicts (5xx and 408 transient, 429 not
///   processed), and 503, Cloud 66's answer to a client over 3,000
///   requests an hour, transient after its `Retry-After` when it sends one.
///   Only idempotent calls are sent again after a transient failure.
/// - Error bodies: Cloud 66's (Doorkeeper's) `{"error",
///   "error_description"}` as the rejection's code and message, and
///   `X-Request-Id`; any other body (the partner endpoint's 403 text) as
///   an excerpt in the message.
///
/// ```
/// use partner_cloud66::Cloud66Dialect;
/// use partner_core::http::{Answer, Dialect, Verdict, reqwest::header::HeaderMap};
/// use std::time::Duration;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("retry-after", "7".parse().unwrap());
/// let throttled = Answer::new(503, headers, br#"{"error":"throttled"}"#.to_vec());
/// assert_eq!(Cloud66Dialect.classify(&throttled), Verdict::Transient { after: Some(Duration::from_secs(7)) });
/// assert_eq!(Cloud66Dialect.rejection("cloud66", &throttled).code.as_deref(), Some("throttled"));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Cloud66Dialect;

impl Dialect for Cloud66Dialect {
    fn classify(&self, answer: &Answer) -> Verdict {
        match answer.status() {
            // Throttled: it passes, after the wait Cloud 66 asks for.
            503 => Verdict::Transient { after: retry_after(answer) },
            _ => standard_verdict(answer),
        }
    }

    fn rejection(&self, provider: &'static str, answer: &Answer) -> ProviderRejection {
        oauth2_rejection(provider, answer)
    }
}

/// What every client builder holds: where, how, and with which clock.
#[derive(Debug)]
struct Options {
    base_url: Option<String>,
    settings: HttpSettings,
    timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
    sleeper: Option<Arc<dyn Sleeper>>,
}

impl Options {
    fn new(default_base_url: Option<&str>) -> Self {
        Options {
            base_url: default_base_url.map(str::to_owned),
            settings: HttpSettings::default(),
            timeout: None,
            http_client: None,
            clock: Arc::new(SystemClock),
            sleeper: None,
        }
    }

    /// The validated base URL (https, or http on loopback).
    fn base_url(&self) -> Result<BaseUrl, Error> {
        let text = self.base_url.as_deref().ok_or(CoreError::Malformed("base url is not set"))?;
        Ok(BaseUrl::parse(text)?)
    }

    fn http(self) -> Result<(HttpClient, Arc<dyn Clock>), Error> {
        let mut settings = self.settings;
        if let Some(timeout) = self.timeout {
            settings.timeout = timeout;
        }
        let http = HttpClient::builder(PROVIDER, USER_AGENT)
            .settings(settings)
            .reqwest(self.http_client)
            .sleeper(self.sleeper)
            .build()?;
        Ok((http, self.clock))
    }
}

/// The setters every client builder has.
macro_rules! common_setters {
    () => {
        /// The base URL (https, or http on a loopback address, for a fake),
        /// validated by `build()`.
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.options.base_url = Some(url.into());
            self
        }

        /// The time limit of one attempt (default: the settings', 30 s);
        /// applied over [`settings`](Self::settings) whatever the order.
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options.timeout = Some(timeout);
            self
        }

        /// Sends through this `reqwest::Client` (its proxy, TLS and
        /// connection settings); build it with redirects off.
        pub fn http_client(mut self, client: partner_core::http::reqwest::Client) -> Self {
            self.options.http_client = Some(client);
            self
        }

        /// Where the client reads the time (default: the system clock).
        pub fn clock(mut self, clock: std::sync::Arc<dyn partner_core::Clock>) -> Self {
            self.options.clock = clock;
            self
        }

        /// Timeouts, user agent, proxy, body limit and retries (default
        /// [`HttpSettings::default`](partner_core::http::HttpSettings)).
        pub fn settings(mut self, settings: partner_core::http::HttpSettings) -> Self {
            self.options.settings = settings;
            self
        }

        /// How to wait between attempts (default: tokio's timer; a
        /// [`FixedClock`](partner_core::FixedClock) in tests).
        pub fn sleeper(mut self, sleeper: std::sync::Arc<dyn partner_core::Sleeper>) -> Self {
            self.options.sleeper = Some(sleeper);
            self
        }
    };
}
use common_setters;
