//! The HTTP client (feature `client`): PSObtainToken, the one-call launch for
//! a web handler, and paired-account API2 calls.

use std::sync::Arc;
use std::time::Duration;

use partner_core::{BaseUrl, Clock, Secret, SystemClock};
use serde::de::DeserializeOwned;

use crate::obtain::{
    API_TOKEN_HEADER, DEFAULT_API_BASE_URL, parse_obtain_token_response, rejection,
};
use crate::{DEFAULT_APP_BASE_URL, Error, LaunchSigner, LaunchUrl, ObtainedToken};

/// Default time limit of a whole request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Default time limit to connect.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A Teapplix partner client: one per partner, shared by every request
/// (it is cheap to clone).
///
/// ```no_run
/// # async fn handler() -> Result<(), partner_teapplix::Error> {
/// use partner_teapplix::TeapplixClient;
///
/// let client = TeapplixClient::builder("partner api token", "signature key").build()?;
/// // In the handler behind your "Open Teapplix" button:
/// let url = client.launch_url("the customer's PSClientID").await?;
/// // respond with a 303 redirect to url.as_str()
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TeapplixClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    api_base: BaseUrl,
    api_token: Secret,
    signer: LaunchSigner,
    clock: Arc<dyn Clock>,
}

/// Configures a [`TeapplixClient`]; every setter validates when [`build`](Self::build) runs.
#[derive(Debug)]
#[must_use]
pub struct TeapplixClientBuilder {
    api_token: Secret,
    signature_key: Secret,
    api_base: String,
    app_base: String,
    http: Option<reqwest::Client>,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl TeapplixClientBuilder {
    /// The API host (default `https://api.teapplix.com`); http only on loopback.
    pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
        self.api_base = url.into();
        self
    }

    /// The web application host launches go to (default `https://app.teapplix.com`).
    pub fn app_base_url(mut self, url: impl Into<String>) -> Self {
        self.app_base = url.into();
        self
    }

    /// Both hosts at once, for a fake that serves both.
    pub fn base_url(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.api_base_url(url.clone()).app_base_url(url)
    }

    /// Uses this `reqwest::Client` (proxies, User-Agent, TLS roots). Build it
    /// with `redirect(reqwest::redirect::Policy::none())`: a redirected token
    /// call would carry the `APIToken` header elsewhere. The client also
    /// refuses any 3xx answer itself.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Time limit of a whole request (default 20 s) for the built-in HTTP client.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Where the time comes from (default the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<TeapplixClient, Error> {
        if self.api_token.is_empty() || self.signature_key.is_empty() {
            return Err(Error::EmptyKey);
        }
        if self
            .api_token
            .expose_str()
            .is_none_or(|t| reqwest::header::HeaderValue::from_str(t).is_err())
        {
            return Err(Error::Malformed("api token is not a valid header value"));
        }
        let api_base = BaseUrl::parse(&self.api_base)?;
        let app_base = BaseUrl::parse(&self.app_base)?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(self.timeout)
                .connect_timeout(DEFAULT_CONNECT_TIMEOUT.min(self.timeout))
                .user_agent(concat!("partner-teapplix/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(Error::Transport)?,
        };
        Ok(TeapplixClient {
            inner: Arc::new(Inner {
                http,
                api_base,
                api_token: self.api_token,
                signer: LaunchSigner::new(self.signature_key)?.with_base_url(app_base),
                clock: self.clock,
            }),
        })
    }
}

/// A call to any API2 method for a paired account: `GET` (or `POST` with a
/// JSON body) `<api>/api2/<Method>?PSClientID=..&...` with the `APIToken` header.
///
/// ```
/// use partner_teapplix::Api2Call;
/// let call = Api2Call::get("OrderNotification").param("Status", "unshipped");
/// assert_eq!(call.method(), "OrderNotification");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Api2Call {
    method: String,
    params: Vec<(String, String)>,
    body: Option<serde_json::Value>,
}

impl Api2Call {
    /// A `GET` of this API2 method.
    pub fn get(method: impl Into<String>) -> Self {
        Api2Call { method: method.into(), params: Vec::new(), body: None }
    }

    /// A `POST` of this API2 method with a JSON body.
    pub fn post(method: impl Into<String>, body: serde_json::Value) -> Self {
        Api2Call { method: method.into(), params: Vec::new(), body: Some(body) }
    }

    /// Adds a query parameter (form-encoded when sent).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// The method name.
    pub fn method(&self) -> &str {
        &self.method
    }
}

impl TeapplixClient {
    /// Starts configuring a client with the partner's API token (sent in the
    /// `APIToken` header) and signature key (signs launch URLs, never sent).
    pub fn builder(
        api_token: impl Into<Secret>,
        signature_key: impl Into<Secret>,
    ) -> TeapplixClientBuilder {
        TeapplixClientBuilder {
            api_token: api_token.into(),
            signature_key: signature_key.into(),
            api_base: DEFAULT_API_BASE_URL.to_owned(),
            app_base: DEFAULT_APP_BASE_URL.to_owned(),
            http: None,
            timeout: DEFAULT_TIMEOUT,
            clock: Arc::new(SystemClock),
        }
    }

    /// Calls PSObtainToken for a paired account.
    ///
    /// Not retried: every call issues a new token.
    pub async fn obtain_token(&self, ps_client_id: &str) -> Result<ObtainedToken, Error> {
        if ps_client_id.is_empty() {
            return Err(Error::Malformed("PSClientID is empty"));
        }
        let (status, body) = self.send(&Api2Call::get("PSObtainToken"), ps_client_id).await?;
        let issued_at = self.inner.clock.unix_time();
        let token = parse_obtain_token_response(status, &body, issued_at);
        match &token {
            Ok(t) => tracing::debug!(vhost = t.client_vhost.as_str(), "teapplix token obtained"),
            Err(e) => tracing::debug!(error = %e, "teapplix PSObtainToken failed"),
        }
        token
    }

    /// The one call behind an "Open Teapplix" button: obtains a token for the
    /// paired account and returns the signed launch URL to redirect to.
    pub async fn launch_url(&self, ps_client_id: &str) -> Result<LaunchUrl, Error> {
        let token = self.obtain_token(ps_client_id).await?;
        self.inner.signer.launch_url_for(&token, self.inner.clock.unix_time())
    }

    /// The signer this client uses, to build a launch URL from a token
    /// obtained earlier.
    pub fn signer(&self) -> &LaunchSigner {
        &self.inner.signer
    }

    /// Calls any API2 method for a paired account and decodes its JSON answer.
    pub async fn call<T: DeserializeOwned>(
        &self,
        call: &Api2Call,
        ps_client_id: &str,
    ) -> Result<T, Error> {
        let (status, body) = self.send(call, ps_client_id).await?;
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        if !(200..300).contains(&status) {
            return Err(rejection(status, json.as_ref(), &body));
        }
        let json = json.ok_or(Error::Malformed("answer is not json"))?;
        serde_json::from_value(json)
            .map_err(|_| Error::Malformed("answer does not have the expected shape"))
    }

    async fn send(&self, call: &Api2Call, ps_client_id: &str) -> Result<(u16, Vec<u8>), Error> {
        let method = &call.method;
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::UnsafeInput("api2 method name must be ascii letters and digits"));
        }
        let query: Vec<(&str, &str)> = std::iter::once(("PSClientID", ps_client_id))
            .chain(call.params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .collect();
        let url = partner_core::path::url_with_segments(
            self.inner.api_base.as_str(),
            ["api2", method.as_str()],
            &query,
        )?;
        let token =
            self.inner.api_token.expose_str().ok_or(Error::Malformed("api token is not utf-8"))?;
        let mut header = reqwest::header::HeaderValue::from_str(token)
            .map_err(|_| Error::Malformed("api token is not a valid header value"))?;
        header.set_sensitive(true);
        let request = match &call.body {
            None => self.inner.http.get(url),
            Some(body) => self
                .inner
                .http
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(
                    serde_json::to_vec(body)
                        .map_err(|_| Error::Malformed("body is not serialisable"))?,
                ),
        };
        let response = request
            .header(API_TOKEN_HEADER, header)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if status.is_redirection() {
            return Err(Error::Rejected {
                status: status.as_u16(),
                code: None,
                message: "unexpected redirect (not followed)".to_owned(),
                description: Vec::new(),
            });
        }
        let body = response.bytes().await.map_err(transport)?;
        Ok((status.as_u16(), body.to_vec()))
    }
}

fn transport(err: reqwest::Error) -> Error {
    if err.is_timeout() { Error::Timeout } else { Error::Transport(err.without_url()) }
}
