//! HTTP clients (feature `client`): the provisioning POST, the OAuth2 code
//! exchange, and the API v3.

use std::time::Duration;

use partner_core::encoding::form_encode;
use partner_core::{BaseUrl, Secret};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::oauth::DEFAULT_BASE_URL;
use crate::{Error, LinkRequest, ProvisionFailure, ScopeSet};

/// Default time limit of a whole request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// The API v3 base URL.
pub const DEFAULT_API_BASE_URL: &str = "https://app.cloud66.com/api/3";

/// At most this many pages are read by [`ApiClient::list`].
pub const MAX_PAGES: u32 = 1_000;

fn http_client(timeout: Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("partner-cloud66/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(Error::Transport)
}

fn transport(err: reqwest::Error) -> Error {
    if err.is_timeout() { Error::Timeout } else { Error::Transport(err.without_url()) }
}

fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().filter(|c| !c.is_control()).take(200).collect()
}

/// How the provisioning POST sends its fields. The document names none;
/// form encoding is the chosen reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BodyEncoding {
    /// `application/x-www-form-urlencoded` (default).
    #[default]
    Form,
    /// `application/json`, every value a string.
    Json,
}

/// Adds a provisioned service to the user's Cloud 66 account: the POST to
/// your partner endpoint (the URL Cloud 66 support gives you).
///
/// ```no_run
/// # async fn handler(link: partner_cloud66::LinkRequest) -> Result<(), partner_cloud66::Error> {
/// use partner_cloud66::{Error, ProvisionFailure, ProvisioningClient};
///
/// let cloud66 = ProvisioningClient::new("https://app.cloud66.com/partners/acme/link")?;
/// match cloud66.provision(&link, &[("api_key", "the user's new key")]).await {
///     Ok(()) | Err(Error::Provision(ProvisionFailure::AlreadyLinked(_))) => {}
///     Err(other) => return Err(other),
/// }
/// // then redirect the browser to link.callback
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ProvisioningClient {
    http: reqwest::Client,
    endpoint: BaseUrl,
    encoding: BodyEncoding,
}

impl ProvisioningClient {
    /// A client for your partner endpoint (https, or loopback http).
    pub fn new(endpoint: &str) -> Result<Self, Error> {
        Ok(ProvisioningClient {
            http: http_client(DEFAULT_TIMEOUT)?,
            endpoint: BaseUrl::parse(endpoint)?,
            encoding: BodyEncoding::default(),
        })
    }

    /// Sends JSON instead of a form.
    pub fn with_encoding(mut self, encoding: BodyEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Uses this `reqwest::Client` (build it with redirects off).
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// POSTs `link_uid`, `user_email` and the partner-specific `extra` fields.
    /// 200 is success; a 403 is read by the documented texts.
    pub async fn provision(&self, link: &LinkRequest, extra: &[(&str, &str)]) -> Result<(), Error> {
        let mut fields: Vec<(&str, &str)> =
            vec![("link_uid", &link.uid), ("user_email", &link.email)];
        fields
            .extend(extra.iter().filter(|(k, _)| *k != "link_uid" && *k != "user_email").copied());
        let request = self.http.post(self.endpoint.as_str());
        let request = match self.encoding {
            BodyEncoding::Form => request
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form_encode(&fields)),
            BodyEncoding::Json => {
                let obj: serde_json::Map<String, Value> =
                    fields.iter().map(|(k, v)| ((*k).to_owned(), Value::from(*v))).collect();
                request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(Value::Object(obj).to_string())
            }
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(transport)?;
        match status {
            200..=299 => Ok(()),
            403 => {
                Err(Error::Provision(ProvisionFailure::from_text(&String::from_utf8_lossy(&body))))
            }
            _ => Err(Error::Rejected { status, error: None, description: Some(excerpt(&body)) }),
        }
    }
}

/// A Cloud 66 OAuth2 access token (they do not expire until revoked).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthToken {
    /// The bearer token.
    pub access_token: Secret,
    /// `bearer`.
    pub token_type: String,
    /// The scopes granted, when the answer says.
    pub scopes: Option<ScopeSet>,
}

/// Exchanges authorization codes for tokens (`POST /oauth/token`).
#[derive(Debug, Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    base: BaseUrl,
    client_id: String,
    client_secret: Secret,
    redirect_uri: String,
    basic_auth: bool,
}

fn api_error(status: u16, body: &[u8]) -> Error {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let text =
        |k: &str| json.as_ref().and_then(|j| j.get(k)).and_then(Value::as_str).map(str::to_owned);
    match status {
        401 => Error::Unauthorized,
        402 => Error::PaymentRequired,
        403 => Error::MissingScope { description: text("error_description") },
        503 => Error::Throttled,
        _ => Error::Rejected {
            status,
            error: text("error"),
            description: text("error_description")
                .or_else(|| json.is_none().then(|| excerpt(body))),
        },
    }
}

impl OAuthClient {
    /// A client for your OAuth2 application.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        redirect_uri: impl Into<String>,
    ) -> Result<Self, Error> {
        let client_id = client_id.into();
        if client_id.is_empty() {
            return Err(Error::Malformed("client id is empty"));
        }
        Ok(OAuthClient {
            http: http_client(DEFAULT_TIMEOUT)?,
            base: BaseUrl::parse(DEFAULT_BASE_URL)?,
            client_id,
            client_secret: client_secret.into().non_empty()?,
            redirect_uri: redirect_uri.into(),
            basic_auth: false,
        })
    }

    /// Authenticates with HTTP Basic (`Authorization: Basic`, id and secret
    /// form-encoded then base64, RFC 6749 §2.3.1; Doorkeeper accepts it)
    /// instead of `client_id` and `client_secret` in the body (the default).
    pub fn with_basic_auth(mut self) -> Self {
        self.basic_auth = true;
        self
    }

    /// Another Cloud 66 host (a fake).
    pub fn with_base_url(mut self, base: &str) -> Result<Self, Error> {
        self.base = BaseUrl::parse(base)?;
        Ok(self)
    }

    /// Exchanges `code` (after checking `state` yourself with [`OAuthState::verify`](crate::OAuthState::verify)).
    pub async fn exchange_code(&self, code: &str) -> Result<OAuthToken, Error> {
        let secret = self
            .client_secret
            .expose_str()
            .ok_or(Error::Malformed("client secret is not utf-8"))?;
        let mut fields = vec![("grant_type", "authorization_code"), ("code", code)];
        if !self.basic_auth {
            fields.extend([("client_id", self.client_id.as_str()), ("client_secret", secret)]);
        }
        fields.push(("redirect_uri", self.redirect_uri.as_str()));
        let body = form_encode(&fields);
        let mut request = self.http.post(format!("{}/oauth/token", self.base));
        if self.basic_auth {
            let value = crate::oauth::basic_authorization(&self.client_id, secret);
            let mut value = reqwest::header::HeaderValue::from_bytes(value.expose())
                .map_err(|_| Error::Malformed("client credentials are not a header value"))?;
            value.set_sensitive(true);
            request = request.header(reqwest::header::AUTHORIZATION, value);
        }
        let response = request
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            // Token endpoint errors are OAuth2 errors, whatever the status.
            let json: Option<Value> = serde_json::from_slice(&bytes).ok();
            let text = |k: &str| {
                json.as_ref().and_then(|j| j.get(k)).and_then(Value::as_str).map(str::to_owned)
            };
            return Err(Error::Rejected {
                status,
                error: text("error"),
                description: text("error_description"),
            });
        }
        let json: Value = serde_json::from_slice(&bytes)
            .map_err(|_| Error::Malformed("token answer is not json"))?;
        let token = json
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or(Error::Malformed("token answer has no access_token"))?;
        Ok(OAuthToken {
            access_token: Secret::from(token),
            token_type: json
                .get("token_type")
                .and_then(Value::as_str)
                .unwrap_or("bearer")
                .to_ascii_lowercase(),
            scopes: json.get("scope").and_then(Value::as_str).and_then(|s| ScopeSet::parse(s).ok()),
        })
    }
}

/// The API v3 with a bearer token: unwraps `{"response", "count",
/// "pagination"}`, pages through lists, maps errors to typed ones.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: BaseUrl,
    token: Secret,
}

impl ApiClient {
    /// A client acting with `token` ([`Error::EmptyKey`] when it is empty).
    pub fn new(token: impl Into<Secret>) -> Result<Self, Error> {
        Ok(ApiClient {
            http: http_client(DEFAULT_TIMEOUT)?,
            base: BaseUrl::parse(DEFAULT_API_BASE_URL)?,
            token: token.into().non_empty()?,
        })
    }

    /// Another API host (a fake): the URL up to and including `/api/3`.
    pub fn with_base_url(mut self, base: &str) -> Result<Self, Error> {
        self.base = BaseUrl::parse(base)?;
        Ok(self)
    }

    async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        page: Option<u64>,
        form: Option<String>,
    ) -> Result<Value, Error> {
        // Each `/`-separated piece of `path` is one encoded segment, and the
        // parsed URL is checked to have exactly that path.
        let page = page.map(|p| p.to_string());
        let query: Vec<(&str, &str)> = page.iter().map(|p| ("page", p.as_str())).collect();
        let url = partner_core::path::url_with_path(self.base.as_str(), path, &query)?;
        let token = self.token.expose_str().ok_or(Error::Malformed("token is not utf-8"))?;
        let mut auth = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| Error::Malformed("token is not a header value"))?;
        auth.set_sensitive(true);
        let mut request = self
            .http
            .request(method, url)
            .header(reqwest::header::AUTHORIZATION, auth)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(form) = form {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form);
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            return Err(api_error(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|_| Error::Malformed("api answer is not json"))
    }

    fn response<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
        let inner =
            value.get("response").cloned().ok_or(Error::Malformed("api answer has no response"))?;
        serde_json::from_value(inner)
            .map_err(|_| Error::Malformed("api response does not have the expected shape"))
    }

    /// `GET <api>/<path>`, unwrapped.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        Self::response(self.raw(reqwest::Method::GET, path, None, None).await?)
    }

    /// `POST <api>/<path>` with form fields, unwrapped.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<T, Error> {
        Self::response(
            self.raw(reqwest::Method::POST, path, None, Some(form_encode(fields))).await?,
        )
    }

    /// Every item of a list, following `pagination.next` (at most [`MAX_PAGES`] pages).
    pub async fn list<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        let mut page = 1u64;
        for _ in 0..MAX_PAGES {
            let value = self.raw(reqwest::Method::GET, path, Some(page), None).await?;
            let next = value.get("pagination").and_then(|p| p.get("next")).and_then(Value::as_u64);
            let batch: Vec<T> = Self::response(value)?;
            items.extend(batch);
            match next {
                Some(n) if n > page => page = n,
                _ => return Ok(items),
            }
        }
        Err(Error::Malformed("more pages than the client reads"))
    }
}
