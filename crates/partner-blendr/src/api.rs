//! The SaaS Partner API client (feature `client`): templates, accounts and
//! blends, pages as streams, 429s waited out within bounds.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use partner_core::{BaseUrl, Clock, Secret, Sleeper, SystemClock, UnixTime};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;

/// The API's base URL.
pub const DEFAULT_API_BASE_URL: &str = "https://api.blendr.io/v1";
/// Default time limit of a whole request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of retries after a 429.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Default cap on one wait after a 429.
pub const DEFAULT_MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

/// A template: an integration a user can activate.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Template {
    /// The template's GUID (also read from `id`).
    #[serde(default, alias = "id")]
    pub guid: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An account (a customer company) in the hub.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Account {
    /// Your id of the account (`externalid` / `external_id`).
    #[serde(default, alias = "externalid", alias = "external_id")]
    pub external_id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A blend: an integration activated by an account.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Blend {
    /// The blend's GUID (also read from `id`).
    #[serde(default, alias = "id")]
    pub guid: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The body of a blend run: `{"async": .., "inputs": {..}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BlendRun {
    /// Run in the background (answer at once) or wait for the result.
    #[serde(rename = "async")]
    pub run_async: bool,
    /// The blend's inputs.
    pub inputs: Map<String, Value>,
}

impl BlendRun {
    /// A run with these inputs.
    pub fn new(run_async: bool, inputs: Map<String, Value>) -> Self {
        BlendRun { run_async, inputs }
    }
}

/// One page of a list: `{data, links, meta}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Navigation links.
    #[serde(default)]
    pub links: PageLinks,
    /// Position.
    #[serde(default)]
    pub meta: PageMeta,
}

/// The `links` of a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PageLinks {
    /// The next page's URL, when there is one.
    #[serde(default)]
    pub next: Option<String>,
}

/// The `meta` of a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PageMeta {
    /// This page's number (from 1).
    #[serde(default)]
    pub current_page: Option<u64>,
    /// The last page's number.
    #[serde(default)]
    pub last_page: Option<u64>,
    /// Items in all pages.
    #[serde(default)]
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// Whether another page follows.
    pub fn has_next(&self) -> bool {
        match (self.meta.current_page, self.meta.last_page) {
            (Some(current), Some(last)) => current < last,
            _ => self.links.next.is_some(),
        }
    }
}

/// A SaaS Partner API client: cheap to clone, share one.
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
    http: reqwest::Client,
    base: BaseUrl,
    app_id: String,
    api_key: Secret,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    max_retries: u32,
    max_retry_wait: Duration,
}

/// Configures a [`BlendrClient`].
#[derive(Debug)]
#[must_use]
pub struct BlendrClientBuilder {
    base: String,
    app_id: String,
    api_key: Secret,
    http: Option<reqwest::Client>,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    sleeper: Option<Arc<dyn Sleeper>>,
    max_retries: u32,
    max_retry_wait: Duration,
}

/// Waits with tokio's timer.
#[derive(Debug)]
struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

impl BlendrClientBuilder {
    /// Another API host (a fake); https, or http on loopback.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base = url.into();
        self
    }

    /// Uses this `reqwest::Client` (proxies, User-Agent).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Time limit of a whole request (default 30 s) for the built-in client.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Where the time comes from (reads `x-ratelimit-reset`).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How to wait between retries (default tokio's timer; a `FixedClock`
    /// in tests, which advances instead of sleeping).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// At most `retries` retries after a 429, each wait capped at `max_wait`.
    pub fn rate_limit_retries(mut self, retries: u32, max_wait: Duration) -> Self {
        self.max_retries = retries;
        self.max_retry_wait = max_wait;
        self
    }

    /// Validates the settings and builds the client: [`Error::EmptyKey`]
    /// for an empty API key, [`Error::Malformed`] for an empty app id or
    /// one that is not a header value, [`Error::UnsafeInput`] for a base
    /// URL that is not https (or http on loopback).
    pub fn build(self) -> Result<BlendrClient, Error> {
        let base = BaseUrl::parse(&self.base)?;
        if self.api_key.is_empty() {
            return Err(Error::EmptyKey);
        }
        if self.app_id.is_empty() {
            return Err(Error::Malformed("app id is required"));
        }
        let key_ok = self
            .api_key
            .expose_str()
            .is_some_and(|k| reqwest::header::HeaderValue::from_str(k).is_ok());
        if !key_ok || reqwest::header::HeaderValue::from_str(&self.app_id).is_err() {
            return Err(Error::Malformed("app id and api key must be valid header values"));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(self.timeout)
                .connect_timeout(self.timeout.min(Duration::from_secs(5)))
                .user_agent(concat!("partner-blendr/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(Error::Transport)?,
        };
        Ok(BlendrClient {
            inner: Arc::new(Inner {
                http,
                base,
                app_id: self.app_id,
                api_key: self.api_key,
                clock: self.clock,
                sleeper: self.sleeper.unwrap_or_else(|| Arc::new(TokioSleeper)),
                max_retries: self.max_retries,
                max_retry_wait: self.max_retry_wait,
            }),
        })
    }
}

fn transport(err: reqwest::Error) -> Error {
    if err.is_timeout() { Error::Timeout } else { Error::Transport(err.without_url()) }
}

/// `{"data": X}` or `X`.
fn unwrap_data<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    let value = match value {
        Value::Object(mut obj)
            if obj.len() == 1 && obj.get("data").is_some_and(Value::is_object) =>
        {
            obj.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    };
    serde_json::from_value(value)
        .map_err(|_| Error::Malformed("answer does not have the expected shape"))
}

/// A page of the API: `{data, links, meta}`.
fn parse_page<T: DeserializeOwned>(value: Value) -> Result<Page<T>, Error> {
    serde_json::from_value(value).map_err(|_| Error::Malformed("page is not {data, links, meta}"))
}

impl BlendrClient {
    /// Starts configuring a client with your app id and SaaS Partner API
    /// key; [`build`](BlendrClientBuilder::build) checks them.
    pub fn builder(app_id: impl Into<String>, api_key: impl Into<Secret>) -> BlendrClientBuilder {
        BlendrClientBuilder {
            base: DEFAULT_API_BASE_URL.to_owned(),
            app_id: app_id.into(),
            api_key: api_key.into(),
            http: None,
            timeout: DEFAULT_TIMEOUT,
            clock: Arc::new(SystemClock),
            sleeper: None,
            max_retries: DEFAULT_MAX_RETRIES,
            max_retry_wait: DEFAULT_MAX_RETRY_WAIT,
        }
    }

    /// The base URL followed by each of `segments` as exactly one encoded
    /// path segment (`partner_core::path`): a caller value such as `..`,
    /// `.`, an empty string or one with a control character is refused
    /// with [`Error::UnsafeInput`] before anything is sent, and the parsed
    /// URL is checked to have the path built.
    fn url(&self, segments: &[&str], page: Option<u64>) -> Result<reqwest::Url, Error> {
        let page_text = page.map(|p| p.to_string());
        let query: Vec<(&str, &str)> = page_text.iter().map(|p| ("page", p.as_str())).collect();
        Ok(partner_core::path::url_with_segments(
            self.inner.base.as_str(),
            segments.iter().copied(),
            &query,
        )?)
    }

    /// Sends a request, waiting out 429s within bounds; returns the JSON
    /// answer (`Null` for an empty body) of a 2xx.
    async fn call(
        &self,
        method: reqwest::Method,
        url: reqwest::Url,
        body: Option<Vec<u8>>,
    ) -> Result<Value, Error> {
        let inner = &self.inner;
        let key = inner.api_key.expose_str().ok_or(Error::Malformed("api key is not utf-8"))?;
        let mut key_header = reqwest::header::HeaderValue::from_str(key)
            .map_err(|_| Error::Malformed("api key is not a header value"))?;
        key_header.set_sensitive(true);
        let mut attempt = 0;
        loop {
            let mut request = inner
                .http
                .request(method.clone(), url.clone())
                .header("X-App-Id", inner.app_id.as_str())
                .header("X-Api-Key", key_header.clone())
                .header(reqwest::header::ACCEPT, "application/json");
            if let Some(body) = &body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let response = request.send().await.map_err(transport)?;
            let status = response.status().as_u16();
            if status == 429 {
                let wait = self.retry_wait(response.headers());
                if attempt >= inner.max_retries {
                    return Err(Error::RateLimited { retry_after_secs: wait.map(|w| w.as_secs()) });
                }
                let wait = wait
                    .unwrap_or(Duration::from_secs(1 << attempt.min(6)))
                    .min(inner.max_retry_wait);
                tracing::debug!(
                    attempt,
                    wait_secs = wait.as_secs(),
                    "blendr rate limited; waiting"
                );
                inner.sleeper.sleep(wait).await;
                attempt += 1;
                continue;
            }
            let bytes = response.bytes().await.map_err(transport)?;
            let json: Option<Value> = if bytes.is_empty() {
                Some(Value::Null)
            } else {
                serde_json::from_slice(&bytes).ok()
            };
            if !(200..300).contains(&status) {
                let message = json
                    .as_ref()
                    .and_then(|v| v.get("message").or_else(|| v.get("error")))
                    .and_then(Value::as_str);
                return Err(Error::Rejected { status, message: message.map(str::to_owned) });
            }
            return json.ok_or(Error::Malformed("answer is not json"));
        }
    }

    /// What the 429 said to wait: `Retry-After` seconds, else
    /// `x-ratelimit-reset` (a Unix time, or seconds when small).
    fn retry_wait(&self, headers: &reqwest::header::HeaderMap) -> Option<Duration> {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<i64>().ok();
        if let Some(secs) = number("retry-after") {
            return Some(Duration::from_secs(secs.max(0).unsigned_abs()));
        }
        let reset = number("x-ratelimit-reset")?;
        let secs = if reset > 1_000_000_000 {
            UnixTime::from_secs(reset).seconds_since(self.inner.clock.unix_time()).max(0)
        } else {
            i128::from(reset.max(0))
        };
        Some(Duration::from_secs(u64::try_from(secs).unwrap_or(u64::MAX)))
    }

    async fn get_page<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        page: u64,
    ) -> Result<Page<T>, Error> {
        let value = self.call(reqwest::Method::GET, self.url(segments, Some(page))?, None).await?;
        parse_page(value)
    }

    fn paginate<T: DeserializeOwned + Send + 'static>(
        &self,
        segments: Vec<String>,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        struct State<T> {
            client: BlendrClient,
            segments: Vec<String>,
            next_page: Option<u64>,
            buffer: VecDeque<T>,
        }
        let state =
            State { client: self.clone(), segments, next_page: Some(1), buffer: VecDeque::new() };
        futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(item) = state.buffer.pop_front() {
                    return Some((Ok(item), state));
                }
                let page_no = state.next_page?;
                let segments: Vec<&str> = state.segments.iter().map(String::as_str).collect();
                match state.client.get_page::<T>(&segments, page_no).await {
                    Ok(page) => {
                        state.next_page = if page.has_next() && !page.data.is_empty() {
                            Some(page_no + 1)
                        } else {
                            None
                        };
                        state.buffer.extend(page.data);
                    }
                    Err(err) => {
                        state.next_page = None;
                        return Some((Err(err), state));
                    }
                }
            }
        })
    }

    /// One page of templates.
    pub async fn templates_page(&self, page: u64) -> Result<Page<Template>, Error> {
        self.get_page(&["templates"], page).await
    }

    /// Every template, page after page.
    pub fn templates(&self) -> impl Stream<Item = Result<Template, Error>> + Send + 'static {
        self.paginate(vec!["templates".to_owned()])
    }

    /// An account by your id of it. Ids are sent as one path segment each
    /// (`a/b` as `a%2Fb`); `..`, `.`, an empty id or one with a control
    /// character is refused with [`Error::UnsafeInput`] and nothing is sent
    /// (the same for every method that takes an id).
    pub async fn account(&self, external_id: &str) -> Result<Account, Error> {
        unwrap_data(
            self.call(reqwest::Method::GET, self.url(&["accounts", external_id], None)?, None)
                .await?,
        )
    }

    /// Deletes an account and its blends.
    pub async fn delete_account(&self, external_id: &str) -> Result<(), Error> {
        self.call(reqwest::Method::DELETE, self.url(&["accounts", external_id], None)?, None)
            .await
            .map(|_| ())
    }

    /// Every blend of an account, page after page.
    pub fn blends(
        &self,
        account_id: &str,
    ) -> impl Stream<Item = Result<Blend, Error>> + Send + 'static {
        self.paginate(vec!["accounts".to_owned(), account_id.to_owned(), "blends".to_owned()])
    }

    /// One blend of an account.
    pub async fn blend(&self, account_id: &str, guid: &crate::Guid) -> Result<Blend, Error> {
        let url = self.url(&["accounts", account_id, "blends", guid.as_str()], None)?;
        unwrap_data(self.call(reqwest::Method::GET, url, None).await?)
    }

    /// Runs a blend; returns the API's answer as sent.
    pub async fn run_blend(
        &self,
        account_id: &str,
        guid: &crate::Guid,
        run: &BlendRun,
    ) -> Result<Value, Error> {
        let url = self.url(&["accounts", account_id, "blends", guid.as_str(), "run"], None)?;
        let body =
            serde_json::to_vec(run).map_err(|_| Error::Malformed("run body does not serialise"))?;
        self.call(reqwest::Method::POST, url, Some(body)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::{ErrorKind, FixedClock, HasErrorKind};
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            "\\PC{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map(
                    "(data|links|meta|next|current_page|last_page|total|guid|id|name|externalid|external_id|\\PC{0,4})",
                    inner,
                    0..4
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn client() -> &'static BlendrClient {
        static CLIENT: OnceLock<BlendrClient> = OnceLock::new();
        CLIENT.get_or_init(|| {
            BlendrClient::builder("app", "key")
                .clock(Arc::new(FixedClock::at_unix(1_700_000_000)))
                .build()
                .unwrap()
        })
    }

    #[test]
    fn urls_are_one_segment_per_value() {
        let url = client().url(&["accounts", "a/b c", "blends"], Some(2)).unwrap();
        assert_eq!(url.as_str(), "https://api.blendr.io/v1/accounts/a%2Fb%20c/blends?page=2");
        for bad in ["..", ".", "", "\t..", "a\rb"] {
            let err = client().url(&["accounts", bad], None).unwrap_err();
            assert!(matches!(err, Error::UnsafeInput(_)), "{bad:?}");
        }
    }

    proptest! {
        // The answers the client reads: a page, an object, `{"data": object}`.
        #[test]
        fn answer_parsers_give_a_typed_error(value in json_value()) {
            let typed = |r: Result<(), Error>| match r {
                Ok(()) => true,
                Err(err) => err.error_kind() == ErrorKind::Malformed,
            };
            prop_assert!(typed(parse_page::<Template>(value.clone()).map(|_| ())));
            prop_assert!(typed(parse_page::<Blend>(value.clone()).map(|_| ())));
            prop_assert!(typed(unwrap_data::<Account>(value.clone()).map(|_| ())));
            prop_assert!(typed(unwrap_data::<Blend>(value).map(|_| ())));
        }

        #[test]
        fn rate_limit_headers_never_panic(
            retry_after in prop_oneof!["\\PC{0,12}", any::<i64>().prop_map(|n| n.to_string())],
            reset in prop_oneof!["\\PC{0,12}", any::<i64>().prop_map(|n| n.to_string())],
            which in 0u8..4,
        ) {
            let mut headers = reqwest::header::HeaderMap::new();
            let mut put = |name: &'static str, value: &str| {
                if let Ok(v) = reqwest::header::HeaderValue::from_str(value) {
                    headers.insert(name, v);
                }
            };
            if which & 1 == 1 {
                put("retry-after", &retry_after);
            }
            if which & 2 == 2 {
                put("x-ratelimit-reset", &reset);
            }
            let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<i64>().ok();
            let expected_some = number("retry-after").is_some() || number("x-ratelimit-reset").is_some();
            let wait = client().retry_wait(&headers);
            prop_assert_eq!(wait.is_some(), expected_some);
            if let (Some(wait), Some(secs)) = (wait, number("retry-after")) {
                prop_assert_eq!(wait.as_secs(), secs.max(0).unsigned_abs());
            }
        }
    }
}
