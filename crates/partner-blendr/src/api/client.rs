//! [`BlendrClient`] and its builder, on `partner_core::http::HttpClient`.

use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use partner_core::http::reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use partner_core::http::reqwest::{self, Method, RequestBuilder, Url};
use partner_core::http::{Answer, Call, HttpClient, HttpSettings, paginate};
use partner_core::{BaseUrl, Clock, Error as CoreError, Secret, Sleeper, SystemClock};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::dialect::BlendrDialect;
use super::model::{Account, Blend, BlendRun, Page, Template, parse_page, unwrap_data};
use crate::{Error, Guid, PROVIDER};

/// The API's base URL.
pub const DEFAULT_API_BASE_URL: &str = "https://api.blendr.io/v1";

/// A SaaS Partner API client: cheap to clone, share one.
///
/// Every call goes through `partner_core::http::HttpClient`: redirects off,
/// the [`HttpSettings`] timeouts and retries (idempotent calls after a 5xx,
/// a 408 or a transport failure; any call after a 429, waiting what
/// `Retry-After` or `X-RateLimit-Reset` says), a `partner.http` span per
/// call. A refusal is `partner_core::Error::Rejected` with the API's
/// message, code and request id ([`Error::rejection`]); no answer is kind
/// `unavailable`.
///
/// ```no_run
/// # async fn list() -> Result<(), partner_blendr::Error> {
/// use futures_util::TryStreamExt as _;
/// use partner_blendr::BlendrClient;
///
/// let api = BlendrClient::builder("app id", "partner api key").build()?;
/// let templates: Vec<_> = api.templates().try_collect().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BlendrClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: HttpClient,
    base: BaseUrl,
    app_id: HeaderValue,
    api_key: HeaderValue,
    dialect: BlendrDialect,
}

/// Configures a [`BlendrClient`]; see [`BlendrClient::builder`].
#[derive(Debug)]
#[must_use]
pub struct BlendrClientBuilder {
    base: String,
    app_id: String,
    api_key: Secret,
    settings: HttpSettings,
    http: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
    sleeper: Option<Arc<dyn Sleeper>>,
}

impl BlendrClientBuilder {
    /// Another API base URL (a fake's); https, or http on loopback
    /// (default [`DEFAULT_API_BASE_URL`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base = url.into();
        self
    }

    /// Time limit of one attempt (sets the settings' `timeout`, default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// Sends through this `reqwest::Client` (its proxy, TLS and connection
    /// settings); build it with redirects off.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Where the time comes from (to read `X-RateLimit-Reset`).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How the client talks HTTP: timeouts, user agent, proxy, retries
    /// (default [`HttpSettings::default`]). It replaces what
    /// [`timeout`](Self::timeout) set before.
    pub fn settings(mut self, settings: HttpSettings) -> Self {
        self.settings = settings;
        self
    }

    /// How to wait between retries (default tokio's timer; a `FixedClock`
    /// in tests, which advances instead of sleeping).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// Validates the settings and builds the client: `EmptyKey` (kind
    /// `malformed`) for an empty API key, `malformed` for an empty app id
    /// or one that is not a header value, `unsafe-input` for a base URL
    /// that is not https (or http on loopback).
    pub fn build(self) -> Result<BlendrClient, Error> {
        let base = BaseUrl::parse(&self.base)?;
        if self.api_key.is_empty() {
            return Err(CoreError::EmptyKey.into());
        }
        if self.app_id.is_empty() {
            return Err(CoreError::Malformed("app id is required").into());
        }
        const NOT_HEADERS: CoreError =
            CoreError::Malformed("app id and api key must be valid header values");
        let app_id = HeaderValue::from_str(&self.app_id).map_err(|_| NOT_HEADERS)?;
        let key = self.api_key.expose_str().ok_or(NOT_HEADERS)?;
        let mut api_key = HeaderValue::from_str(key).map_err(|_| NOT_HEADERS)?;
        api_key.set_sensitive(true);
        let http =
            HttpClient::builder(PROVIDER, concat!("partner-blendr/", env!("CARGO_PKG_VERSION")))
                .settings(self.settings)
                .reqwest(self.http)
                .sleeper(self.sleeper)
                .build()?;
        Ok(BlendrClient {
            inner: Arc::new(Inner {
                http,
                base,
                app_id,
                api_key,
                dialect: BlendrDialect::new(self.clock),
            }),
        })
    }
}

impl BlendrClient {
    /// Starts configuring a client with your app id and SaaS Partner API
    /// key; [`build`](BlendrClientBuilder::build) checks them.
    pub fn builder(app_id: impl Into<String>, api_key: impl Into<Secret>) -> BlendrClientBuilder {
        BlendrClientBuilder {
            base: DEFAULT_API_BASE_URL.to_owned(),
            app_id: app_id.into(),
            api_key: api_key.into(),
            settings: HttpSettings::default(),
            http: None,
            clock: Arc::new(SystemClock),
            sleeper: None,
        }
    }

    /// The base URL followed by each of `segments` as exactly one encoded
    /// path segment (`partner_core::path`): a caller value such as `..`,
    /// `.`, an empty string or one with a control character is refused
    /// (`unsafe-input`) before anything is sent, and the parsed URL is
    /// checked to have the path built.
    pub(crate) fn url(&self, segments: &[&str], page: Option<u64>) -> Result<Url, Error> {
        let page_text = page.map(|p| p.to_string());
        let query: Vec<(&str, &str)> = page_text.iter().map(|p| ("page", p.as_str())).collect();
        Ok(partner_core::path::url_with_segments(
            self.inner.base.as_str(),
            segments.iter().copied(),
            &query,
        )?)
    }

    /// A request with the credentials and `Accept: application/json`.
    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let inner = &self.inner;
        inner
            .http
            .reqwest()
            .request(method, url)
            .header("X-App-Id", inner.app_id.clone())
            .header("X-Api-Key", inner.api_key.clone())
            .header(ACCEPT, "application/json")
    }

    /// Sends `request` as the call `operation` to the path template `path`.
    async fn send(
        &self,
        operation: &'static str,
        path: &'static str,
        request: RequestBuilder,
    ) -> Result<Answer, Error> {
        let call = Call::new(operation, path).dialect(&self.inner.dialect);
        Ok(self.inner.http.send_request(call, request).await?)
    }

    /// GETs `segments` and reads the answer as JSON.
    async fn get_json(
        &self,
        operation: &'static str,
        path: &'static str,
        segments: &[&str],
        page: Option<u64>,
        what: &'static str,
    ) -> Result<Value, Error> {
        let request = self.request(Method::GET, self.url(segments, page)?);
        Ok(self.send(operation, path, request).await?.json(PROVIDER, what)?)
    }

    async fn get_page<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &'static str,
        segments: &[&str],
        page: u64,
    ) -> Result<Page<T>, Error> {
        parse_page(self.get_json(operation, path, segments, Some(page), "page of a list").await?)
    }

    /// Every item of a list, page after page (until a page says it is the
    /// last, or comes back empty).
    fn pages<T: DeserializeOwned + Send + 'static>(
        &self,
        operation: &'static str,
        path: &'static str,
        segments: Vec<String>,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        let client = self.clone();
        let segments = Arc::new(segments);
        paginate(1u64, move |number| {
            let (client, segments) = (client.clone(), segments.clone());
            async move {
                let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
                let page: Page<T> = client.get_page(operation, path, &parts, number).await?;
                let next = (page.has_next() && !page.data.is_empty()).then_some(number + 1);
                Ok(partner_core::http::Page::new(page.data, next))
            }
        })
    }

    /// One page of templates.
    pub async fn templates_page(&self, page: u64) -> Result<Page<Template>, Error> {
        self.get_page("list_templates", "/templates", &["templates"], page).await
    }

    /// Every template, page after page.
    pub fn templates(&self) -> impl Stream<Item = Result<Template, Error>> + Send + 'static {
        self.pages("list_templates", "/templates", vec!["templates".to_owned()])
    }

    /// An account by your id of it. Ids are sent as one path segment each
    /// (`a/b` as `a%2Fb`); `..`, `.`, an empty id or one with a control
    /// character is refused (`unsafe-input`) and nothing is sent (the same
    /// for every method that takes an id).
    pub async fn account(&self, external_id: &str) -> Result<Account, Error> {
        let value = self
            .get_json("get_account", "/accounts/{id}", &["accounts", external_id], None, "account")
            .await?;
        unwrap_data(value, "account")
    }

    /// Deletes an account and its blends.
    pub async fn delete_account(&self, external_id: &str) -> Result<(), Error> {
        let request = self.request(Method::DELETE, self.url(&["accounts", external_id], None)?);
        self.send("delete_account", "/accounts/{id}", request).await.map(|_| ())
    }

    /// Every blend of an account, page after page.
    pub fn blends(
        &self,
        account_id: &str,
    ) -> impl Stream<Item = Result<Blend, Error>> + Send + 'static {
        let segments = vec!["accounts".to_owned(), account_id.to_owned(), "blends".to_owned()];
        self.pages("list_blends", "/accounts/{id}/blends", segments)
    }

    /// One blend of an account.
    pub async fn blend(&self, account_id: &str, guid: &Guid) -> Result<Blend, Error> {
        let segments = ["accounts", account_id, "blends", guid.as_str()];
        let path = "/accounts/{id}/blends/{guid}";
        unwrap_data(self.get_json("get_blend", path, &segments, None, "blend").await?, "blend")
    }

    /// Runs a blend; returns the API's answer as sent. A POST: sent again
    /// only after a 429 (the API did not act on it), never after a 5xx.
    pub async fn run_blend(
        &self,
        account_id: &str,
        guid: &Guid,
        run: &BlendRun,
    ) -> Result<Value, Error> {
        let url = self.url(&["accounts", account_id, "blends", guid.as_str(), "run"], None)?;
        let body = serde_json::to_vec(run).map_err(|err| CoreError::json("blend run", err))?;
        let request =
            self.request(Method::POST, url).header(CONTENT_TYPE, "application/json").body(body);
        let answer = self.send("run_blend", "/accounts/{id}/blends/{guid}/run", request).await?;
        Ok(answer.json(PROVIDER, "blend run answer")?)
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
