//! [`ApiClient`]: the API v3 with a bearer token.

use futures_util::{Stream, TryStreamExt as _};
use partner_core::encoding::form_encode;
use partner_core::http::oauth::bearer;
use partner_core::http::{Call, HttpClient, Page, paginate, reqwest};
use partner_core::{BaseUrl, Error as CoreError, Secret};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Cloud66Dialect, Options, common_setters};
use crate::{Error, PROVIDER};

/// The API v3 base URL.
pub const DEFAULT_API_BASE_URL: &str = "https://app.cloud66.com/api/3";

/// The API v3 with a bearer token: unwraps `{"response", "count",
/// "pagination"}`, pages through lists; refusals are
/// [`rejection`](Error::rejection)s with Cloud 66's `error` and
/// `error_description` (see [`Error::is_unauthorized`],
/// [`Error::is_missing_scope`], ...).
///
/// Each `/`-separated piece of a path is sent as one percent-encoded
/// segment; `.`, `..`, empty pieces and control characters are refused
/// (`unsafe-input`), so a caller's value cannot move the request to
/// another path.
///
/// ```no_run
/// # async fn run() -> Result<(), partner_cloud66::Error> {
/// use partner_cloud66::ApiClient;
/// use serde_json::Value;
///
/// let api = ApiClient::builder("the user's token").build()?;
/// let stacks: Vec<Value> = api.list("/stacks").await?;
/// # let _ = stacks; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: HttpClient,
    base: BaseUrl,
    token: Secret,
}

/// Configures an [`ApiClient`].
#[derive(Debug)]
#[must_use]
pub struct ApiClientBuilder {
    options: Options,
    token: Secret,
}

impl ApiClient {
    /// Starts configuring a client acting with `token`; the base URL is
    /// [`DEFAULT_API_BASE_URL`] unless
    /// [`base_url`](ApiClientBuilder::base_url) (up to and including
    /// `/api/3`) says otherwise.
    pub fn builder(token: impl Into<Secret>) -> ApiClientBuilder {
        ApiClientBuilder { options: Options::new(Some(DEFAULT_API_BASE_URL)), token: token.into() }
    }

    async fn call(
        &self,
        operation: &'static str,
        method: reqwest::Method,
        path: &str,
        page: Option<u64>,
        form: Option<String>,
    ) -> Result<Value, Error> {
        let page = page.map(|p| p.to_string());
        let query: Vec<(&str, &str)> = page.iter().map(|p| ("page", p.as_str())).collect();
        let url = partner_core::path::url_with_path(self.base.as_str(), path, &query)?;
        let mut request = self
            .http
            .reqwest()
            .request(method, url)
            .header(reqwest::header::AUTHORIZATION, bearer(&self.token)?)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(form) = form {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form);
        }
        let call = Call::new(operation, "/api/3/{path}").dialect(&Cloud66Dialect);
        let answer = self.http.send_request(call, request).await?;
        Ok(answer.json(PROVIDER, "api answer")?)
    }

    fn response<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
        let inner = value
            .get("response")
            .cloned()
            .ok_or(CoreError::invalid_response(PROVIDER, "api answer has no response"))?;
        serde_json::from_value(inner)
            .map_err(|err| CoreError::invalid_json(PROVIDER, "api response", err).into())
    }

    /// `GET <api>/<path>`, unwrapped.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        Self::response(self.call("api_get", reqwest::Method::GET, path, None, None).await?)
    }

    /// `POST <api>/<path>` with form fields, unwrapped. Not retried after a
    /// 5xx or a broken connection.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<T, Error> {
        let form = Some(form_encode(fields));
        Self::response(self.call("api_post", reqwest::Method::POST, path, None, form).await?)
    }

    /// Every item of a list, page after page (`?page=1`, then
    /// `pagination.next` while it moves forward), as a stream; at most
    /// [`partner_core::http::MAX_PAGES`] pages.
    pub fn stream<'a, T: DeserializeOwned + 'a>(
        &'a self,
        path: &'a str,
    ) -> impl Stream<Item = Result<T, Error>> + 'a {
        paginate(1u64, move |page| async move {
            let value = self.call("api_list", reqwest::Method::GET, path, Some(page), None).await?;
            let next = value
                .get("pagination")
                .and_then(|p| p.get("next"))
                .and_then(Value::as_u64)
                .filter(|next| *next > page);
            let items: Vec<T> = Self::response(value)?;
            Ok(Page::new(items, next))
        })
    }

    /// Every item of a list ([`stream`](Self::stream), collected).
    pub async fn list<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, Error> {
        self.stream(path).try_collect().await
    }
}

impl ApiClientBuilder {
    common_setters!();

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// `malformed` for an empty token or a base URL that is not a URL;
    /// `unsafe-input` for a base URL that is not https (http only on
    /// loopback).
    pub fn build(self) -> Result<ApiClient, Error> {
        let token = self.token.non_empty()?;
        let base = self.options.base_url()?;
        let (http, _clock) = self.options.http()?;
        Ok(ApiClient { http, base, token })
    }
}
