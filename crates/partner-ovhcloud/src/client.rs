//! The API client (feature `client`): signed calls on a customer's behalf,
//! a time delta fetched once, re-synced once on a time or signature
//! problem, bounded retries with full-jitter backoff for the methods RFC 9110
//! calls idempotent, v2 cursor pagination, and
//! OAuth2 client credentials as an alternative to AK/AS/CK.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::Stream;
use partner_core::encoding::{base64_encode, form_encode, form_encode_component};
use partner_core::token::{AccessToken, CachedToken, TokenSource};
use partner_core::{BaseUrl, Clock, Secret, Sleeper, SystemClock};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::retry::{self, MAX_RETRIES_LIMIT};
use crate::{
    Credential, CredentialRequest, CredentialResponse, Endpoint, Error, OvhErrorKind, json_body,
    sign,
};

/// Default time limit of a whole request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of retries of an idempotent call (GET, HEAD, OPTIONS, PUT,
/// DELETE) after a network error or a 5xx.
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// A raw answer of the API.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// `X-Ovh-QueryID`.
    pub query_id: Option<String>,
    /// `X-Pagination-Cursor-Next` (v2 lists).
    pub next_cursor: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as JSON (`null` when empty).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let body: &[u8] = if self.body.is_empty() { b"null" } else { &self.body };
        serde_json::from_slice(body)
            .map_err(|_| Error::Malformed("answer does not have the expected json shape"))
    }
}

#[derive(Debug)]
struct Shared {
    http: reqwest::Client,
    endpoint: Endpoint,
    application_key: String,
    application_secret: Secret,
    oauth2: Option<CachedToken<OAuth2Source, Arc<dyn Clock>>>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    max_retries: u32,
    delta: tokio::sync::Mutex<Option<i64>>,
    time_requests: AtomicU64,
}

/// An OVHcloud API client. One per application; [`for_customer`](Self::for_customer)
/// gives a cheap handle per customer's consumer key that shares the
/// connection pool and the time delta.
///
/// ```no_run
/// # async fn demo() -> Result<(), partner_ovhcloud::Error> {
/// use partner_ovhcloud::{CredentialRequest, Endpoint, Method, OvhClient};
///
/// let app = OvhClient::builder(Endpoint::OvhEu, "application key", "application secret").build()?;
/// let asked = app.request_credential(&CredentialRequest::new().rule(Method::Get, "/me")).await?;
/// // send the customer to asked.validation_url; once they consent:
/// let customer = app.for_customer(asked.consumer_key)?;
/// let me: serde_json::Value = customer.get("/me").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OvhClient {
    shared: Arc<Shared>,
    consumer_key: Option<Secret>,
}

/// Configures an [`OvhClient`].
#[derive(Debug)]
#[must_use]
pub struct OvhClientBuilder {
    endpoint: Endpoint,
    application_key: String,
    application_secret: Secret,
    consumer_key: Option<Secret>,
    oauth2: Option<(String, Secret, String)>,
    oauth2_secret_in_body: bool,
    http: Option<reqwest::Client>,
    user_agent: Option<String>,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    sleeper: Option<Arc<dyn Sleeper>>,
    max_retries: u32,
}

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

impl OvhClientBuilder {
    /// The consumer key to sign with (one customer); [`build`](Self::build)
    /// refuses an empty one with [`Error::EmptyKey`].
    pub fn consumer_key(mut self, ck: impl Into<Secret>) -> Self {
        self.consumer_key = Some(ck.into());
        self
    }

    /// Authenticates with an OAuth2 service account (client credentials,
    /// scope `all`, then `Authorization: Bearer` on every call) instead of
    /// AK/AS/CK; `token_url` such as `https://www.ovh.com/auth/oauth2/token`.
    /// The client id and secret go to the token URL by HTTP Basic
    /// (`client_secret_basic`, RFC 6749 §2.3.1, as python-ovh sends them)
    /// unless [`oauth2_secret_in_body`](Self::oauth2_secret_in_body) says
    /// otherwise. [`build`](Self::build) refuses an empty client id or
    /// secret with [`Error::EmptyKey`].
    pub fn oauth2(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        token_url: impl Into<String>,
    ) -> Self {
        self.oauth2 = Some((client_id.into(), client_secret.into(), token_url.into()));
        self
    }

    /// How the OAuth2 client id and secret reach the token URL: `false`
    /// (the default) by HTTP Basic, `Authorization: Basic
    /// base64(urlencode(id):urlencode(secret))` (`client_secret_basic`);
    /// `true` as `client_id` and `client_secret` form fields of the body
    /// (`client_secret_post`), for token endpoints that do not take Basic.
    pub fn oauth2_secret_in_body(mut self, in_body: bool) -> Self {
        self.oauth2_secret_in_body = in_body;
        self
    }

    /// Uses this `reqwest::Client` (proxies, TLS settings).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The User-Agent of the built-in HTTP client.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Time limit of a whole request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Where the time comes from.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How to wait between retries (default tokio's timer).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// Retries of idempotent calls (GET, HEAD, OPTIONS, PUT, DELETE) after
    /// network errors and 5xx (default 3, at most [`MAX_RETRIES_LIMIT`]).
    /// Each waits a random time between zero and `200 ms * 2^attempt`
    /// (at most 12.8 s), through the [`sleeper`](Self::sleeper). Other
    /// methods (POST, PATCH, LOCK, ...) are never retried.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries.min(MAX_RETRIES_LIMIT);
        self
    }

    /// Validates the settings and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyKey`] when the application key, the application
    /// secret, the consumer key or the OAuth2 client id or secret is empty;
    /// [`Error::Malformed`] when the application key is not a header value;
    /// the token URL's error when it is not https (or http on loopback).
    pub fn build(self) -> Result<OvhClient, Error> {
        if self.application_key.is_empty() {
            return Err(Error::EmptyKey);
        }
        if reqwest::header::HeaderValue::from_str(&self.application_key).is_err() {
            return Err(Error::Malformed("application key is not a header value"));
        }
        let application_secret = self.application_secret.non_empty()?;
        let consumer_key = self.consumer_key.map(Secret::non_empty).transpose()?;
        if let Some((client_id, client_secret, _)) = &self.oauth2 {
            if client_id.is_empty() || client_secret.is_empty() {
                return Err(Error::EmptyKey);
            }
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(self.timeout)
                .connect_timeout(self.timeout.min(Duration::from_secs(5)))
                .user_agent(self.user_agent.unwrap_or_else(|| {
                    concat!("partner-ovhcloud/", env!("CARGO_PKG_VERSION")).to_owned()
                }))
                .build()
                .map_err(Error::Transport)?,
        };
        let oauth2 = match self.oauth2 {
            None => None,
            Some((client_id, client_secret, token_url)) => Some(CachedToken::new(
                OAuth2Source {
                    http: http.clone(),
                    token_url: BaseUrl::parse(&token_url)?,
                    client_id,
                    client_secret,
                    secret_in_body: self.oauth2_secret_in_body,
                    clock: self.clock.clone(),
                },
                self.clock.clone(),
                Duration::from_secs(60),
            )),
        };
        Ok(OvhClient {
            shared: Arc::new(Shared {
                http,
                endpoint: self.endpoint,
                application_key: self.application_key,
                application_secret,
                oauth2,
                clock: self.clock,
                sleeper: self.sleeper.unwrap_or_else(|| Arc::new(TokioSleeper)),
                max_retries: self.max_retries,
                delta: tokio::sync::Mutex::new(None),
                time_requests: AtomicU64::new(0),
            }),
            consumer_key,
        })
    }
}

/// OAuth2 client credentials for service accounts.
#[derive(Debug)]
struct OAuth2Source {
    http: reqwest::Client,
    token_url: BaseUrl,
    client_id: String,
    client_secret: Secret,
    /// `client_secret_post` rather than `client_secret_basic`.
    secret_in_body: bool,
    clock: Arc<dyn Clock>,
}

impl TokenSource for OAuth2Source {
    type Error = Error;

    async fn fetch_token(&self) -> Result<AccessToken, Error> {
        let secret = self
            .client_secret
            .expose_str()
            .filter(|s| !s.is_empty())
            .ok_or(Error::Malformed("client secret is empty or not utf-8"))?;
        let mut request = self
            .http
            .post(self.token_url.as_str())
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json");
        let body = if self.secret_in_body {
            form_encode([
                ("grant_type", "client_credentials"),
                ("client_id", &self.client_id),
                ("client_secret", secret),
                ("scope", "all"),
            ])
        } else {
            // RFC 6749 §2.3.1: id and secret form-encoded, then base64.
            // Each copy is a `Secret`, wiped when dropped.
            let pair = Secret::from(format!(
                "{}:{}",
                form_encode_component(&self.client_id),
                form_encode_component(secret)
            ));
            let encoded = Secret::from(base64_encode(pair.expose()));
            let mut header = String::with_capacity(6 + encoded.len());
            header.push_str("Basic ");
            header.push_str(encoded.expose_str().unwrap_or_default());
            let header = Secret::from(header);
            let mut value = reqwest::header::HeaderValue::from_bytes(header.expose())
                .map_err(|_| Error::Malformed("client credentials are not a header value"))?;
            value.set_sensitive(true);
            request = request.header(reqwest::header::AUTHORIZATION, value);
            form_encode([("grant_type", "client_credentials"), ("scope", "all")])
        };
        let response = request.body(body).send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let query_id = header(response.headers(), "x-ovh-queryid");
        let bytes = response.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            return Err(api_error(status, &bytes, query_id));
        }
        let json: Value = serde_json::from_slice(&bytes)
            .map_err(|_| Error::Malformed("token answer is not json"))?;
        let token = json
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or(Error::Malformed("token answer has no access_token"))?;
        let expires = json
            .get("expires_in")
            .and_then(Value::as_u64)
            .map(|s| self.clock.unix_time().saturating_add(Duration::from_secs(s)));
        Ok(AccessToken::new(token, expires))
    }
}

fn transport(err: reqwest::Error) -> Error {
    if err.is_timeout() { Error::Timeout } else { Error::Transport(err.without_url()) }
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// `Client::Forbidden::NotGrantedCall` -> `NOT_GRANTED_CALL`.
fn class_to_code(class: &str) -> String {
    let last = class.rsplit("::").next().unwrap_or(class);
    let mut out = String::new();
    for (i, c) in last.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The typed error of an error answer.
pub(crate) fn api_error(status: u16, body: &[u8], query_id: Option<String>) -> Error {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let text =
        |k: &str| json.as_ref().and_then(|j| j.get(k)).and_then(Value::as_str).map(str::to_owned);
    let error_code = text("errorCode").or_else(|| text("class").map(|c| class_to_code(&c)));
    let message = text("message").unwrap_or_else(|| {
        String::from_utf8_lossy(body).chars().filter(|c| !c.is_control()).take(200).collect()
    });
    Error::Api {
        kind: OvhErrorKind::classify(status, error_code.as_deref()),
        status,
        error_code,
        message,
        query_id,
    }
}

impl OvhClient {
    /// Starts configuring a client for an application (AK, AS);
    /// [`build`](OvhClientBuilder::build) refuses an empty key or secret
    /// with [`Error::EmptyKey`].
    pub fn builder(
        endpoint: Endpoint,
        application_key: impl Into<String>,
        application_secret: impl Into<Secret>,
    ) -> OvhClientBuilder {
        OvhClientBuilder {
            endpoint,
            application_key: application_key.into(),
            application_secret: application_secret.into(),
            consumer_key: None,
            oauth2: None,
            oauth2_secret_in_body: false,
            http: None,
            user_agent: None,
            timeout: DEFAULT_TIMEOUT,
            clock: Arc::new(SystemClock),
            sleeper: None,
            max_retries: DEFAULT_MAX_RETRIES,
        }
    }

    /// A handle signing with this customer's consumer key; shares the
    /// connection pool and the time delta with `self`.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyKey`] when the consumer key is empty.
    pub fn for_customer(&self, consumer_key: impl Into<Secret>) -> Result<OvhClient, Error> {
        let consumer_key = consumer_key.into().non_empty()?;
        Ok(OvhClient { shared: self.shared.clone(), consumer_key: Some(consumer_key) })
    }

    /// How many `/auth/time` requests this application's clients have sent.
    pub fn time_requests(&self) -> u64 {
        self.shared.time_requests.load(Ordering::Relaxed)
    }

    /// Server time minus local time, in seconds: fetched once (one request
    /// however many callers wait), then cached.
    pub async fn time_delta(&self) -> Result<i64, Error> {
        let mut delta = self.shared.delta.lock().await;
        if let Some(d) = *delta {
            return Ok(d);
        }
        let d = self.fetch_delta().await?;
        *delta = Some(d);
        Ok(d)
    }

    /// Fetches the delta again unless another caller already replaced `seen`.
    async fn resync(&self, seen: i64) -> Result<(), Error> {
        let mut delta = self.shared.delta.lock().await;
        if *delta == Some(seen) || delta.is_none() {
            *delta = Some(self.fetch_delta().await?);
        }
        Ok(())
    }

    async fn fetch_delta(&self) -> Result<i64, Error> {
        self.shared.time_requests.fetch_add(1, Ordering::Relaxed);
        let url = self.shared.endpoint.url("/auth/time", &[])?;
        let response = self
            .shared
            .http
            .get(url)
            .header("X-Ovh-Application", &self.shared.application_key)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let query_id = header(response.headers(), "x-ovh-queryid");
        let bytes = response.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            return Err(api_error(status, &bytes, query_id));
        }
        let server: i64 = serde_json::from_slice(&bytes)
            .map_err(|_| Error::Malformed("/auth/time is not an integer"))?;
        let delta = server.saturating_sub(self.shared.clock.unix_time().as_secs());
        tracing::debug!(delta, "ovhcloud time delta");
        Ok(delta)
    }

    /// Asks for a consumer key (unsigned; needs only the application key).
    pub async fn request_credential(
        &self,
        request: &CredentialRequest,
    ) -> Result<CredentialResponse, Error> {
        request.validate()?;
        let body = json_body(request)?;
        let response = self
            .send(reqwest::Method::POST, "/auth/credential", &[], Some(body), false, None)
            .await?;
        response.json()
    }

    /// `GET /auth/currentCredential`: the current consumer key's id,
    /// state, access rules and expiration. Works for any validated key
    /// whatever its access rules (a key granted only `/domain/zone/*`
    /// reads its own credential); an unvalidated, refused or expired key
    /// gets [`OvhErrorKind::InvalidCredential`], a revoked or unknown one
    /// [`OvhErrorKind::NotCredential`].
    pub async fn current_credential(&self) -> Result<Credential, Error> {
        self.get("/auth/currentCredential").await
    }

    /// `POST /auth/logout`: revokes the current consumer key, which then
    /// answers [`OvhErrorKind::NotCredential`]. Works for any validated key
    /// whatever its access rules, like
    /// [`current_credential`](Self::current_credential).
    pub async fn logout(&self) -> Result<(), Error> {
        self.call(reqwest::Method::POST, "/auth/logout", &[], None).await.map(|_| ())
    }

    /// `GET path`, decoded.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.call(reqwest::Method::GET, path, &[], None).await?.json()
    }

    /// `GET path?query`, decoded.
    pub async fn get_with_query<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, Error> {
        self.call(reqwest::Method::GET, path, query, None).await?.json()
    }

    /// `POST path` with a JSON body, decoded. Never retried (not idempotent).
    pub async fn post<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        self.call(reqwest::Method::POST, path, &[], Some(json_body(body)?)).await?.json()
    }

    /// `PUT path` with a JSON body, decoded.
    pub async fn put<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        self.call(reqwest::Method::PUT, path, &[], Some(json_body(body)?)).await?.json()
    }

    /// `DELETE path`, decoded.
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.call(reqwest::Method::DELETE, path, &[], None).await?.json()
    }

    /// A signed call returning the raw answer of a 2xx (errors typed).
    ///
    /// Retried after a network error or a 5xx only when `method` is
    /// idempotent in RFC 9110's sense (GET, HEAD, OPTIONS, PUT, DELETE);
    /// any other method, `PATCH` or an extension method such as `LOCK`
    /// included, is sent once.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Response, Error> {
        self.send(method, path, query, body, true, None).await
    }

    /// Every item of a v2 list, page after page (`X-Pagination-Cursor`).
    pub fn paginate<T: DeserializeOwned + Send + 'static>(
        &self,
        path: &str,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        struct State<T> {
            client: OvhClient,
            path: String,
            cursor: Option<Option<String>>,
            buffer: std::collections::VecDeque<T>,
        }
        let state = State {
            client: self.clone(),
            path: path.to_owned(),
            cursor: Some(None),
            buffer: Default::default(),
        };
        futures_util::stream::unfold(state, |mut st| async move {
            loop {
                if let Some(item) = st.buffer.pop_front() {
                    return Some((Ok(item), st));
                }
                let cursor = st.cursor.take()?;
                let page = st
                    .client
                    .send(reqwest::Method::GET, &st.path, &[], None, true, cursor.as_deref())
                    .await;
                match page.and_then(|r| r.json::<Vec<T>>().map(|items| (items, r.next_cursor))) {
                    Ok((items, next)) => {
                        st.cursor = next.filter(|c| !c.is_empty()).map(Some);
                        st.buffer.extend(items);
                    }
                    Err(err) => return Some((Err(err), st)),
                }
            }
        })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
        signed: bool,
        cursor: Option<&str>,
    ) -> Result<Response, Error> {
        let shared = &self.shared;
        let url = shared.endpoint.url(path, query)?;
        let body = body.unwrap_or_default();
        let idempotent = retry::is_idempotent(&method);
        let (mut attempt, mut resynced) = (0u32, false);
        loop {
            let mut request = shared
                .http
                .request(method.clone(), url.clone())
                .header(reqwest::header::ACCEPT, "application/json");
            let mut delta_used = None;
            let mut bearer = None;
            if let Some(tokens) = shared.oauth2.as_ref().filter(|_| signed) {
                let token = tokens.token().await?;
                let secret = token
                    .secret
                    .expose_str()
                    .filter(|t| !t.is_empty())
                    .ok_or(Error::Malformed("token is empty or not utf-8"))?;
                let value = format!("Bearer {secret}");
                let mut value = reqwest::header::HeaderValue::from_str(&value)
                    .map_err(|_| Error::Malformed("token is not a header value"))?;
                value.set_sensitive(true);
                request = request.header(reqwest::header::AUTHORIZATION, value);
                bearer = Some(token);
            } else {
                request = request.header("X-Ovh-Application", &shared.application_key);
                if signed {
                    let ck = self
                        .consumer_key
                        .as_ref()
                        .ok_or(Error::Malformed("no consumer key to sign with"))?;
                    let delta = self.time_delta().await?;
                    delta_used = Some(delta);
                    let ts = shared.clock.unix_time().as_secs().saturating_add(delta);
                    let signature = sign(
                        &shared.application_secret,
                        ck,
                        method.as_str(),
                        url.as_str(),
                        &body,
                        ts,
                    )?;
                    let mut ck_header = reqwest::header::HeaderValue::from_bytes(ck.expose())
                        .map_err(|_| Error::Malformed("consumer key is not a header value"))?;
                    ck_header.set_sensitive(true);
                    request = request
                        .header("X-Ovh-Consumer", ck_header)
                        .header("X-Ovh-Timestamp", ts.to_string())
                        .header("X-Ovh-Signature", signature);
                }
            }
            if let Some(cursor) = cursor {
                request = request.header("X-Pagination-Cursor", cursor);
            }
            if !body.is_empty() {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let outcome = request.send().await;
            let response = match outcome {
                Ok(r) => r,
                Err(err) if idempotent && attempt < shared.max_retries && !err.is_builder() => {
                    tracing::debug!(attempt, "ovhcloud network error; retrying");
                    shared.sleeper.sleep(retry::backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
                Err(err) => return Err(transport(err)),
            };
            let status = response.status().as_u16();
            let query_id = header(response.headers(), "x-ovh-queryid");
            let next_cursor = header(response.headers(), "x-pagination-cursor-next");
            let bytes = response.bytes().await.map_err(transport)?.to_vec();
            if (200..300).contains(&status) {
                return Ok(Response { status, query_id, next_cursor, body: bytes });
            }
            if (500..600).contains(&status) && idempotent && attempt < shared.max_retries {
                tracing::debug!(attempt, status, "ovhcloud server error; retrying");
                shared.sleeper.sleep(retry::backoff(attempt)).await;
                attempt += 1;
                continue;
            }
            let err = api_error(status, &bytes, query_id);
            let clock_problem = matches!(
                err.ovh_kind(),
                Some(OvhErrorKind::InvalidSignature | OvhErrorKind::QueryTimeOut)
            );
            if let (true, false, Some(seen)) = (clock_problem, resynced, delta_used) {
                tracing::debug!(
                    "ovhcloud reported a time or signature problem; re-syncing the time once"
                );
                self.resync(seen).await?;
                resynced = true;
                continue;
            }
            if let (Some(OvhErrorKind::NotAuthenticated), Some(token), Some(tokens)) =
                (err.ovh_kind(), bearer, shared.oauth2.as_ref())
            {
                tokens.invalidate(&token).await;
            }
            return Err(err);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn error_bodies() {
        let e = api_error(403, br#"{"errorCode":"NOT_GRANTED_CALL","httpCode":"403 Forbidden","message":"This call has not been granted"}"#, Some("EU.q1".into()));
        assert_eq!(e.ovh_kind(), Some(OvhErrorKind::NotGrantedCall));
        assert_eq!(
            e.to_string(),
            "ovhcloud api error 403 (NotGrantedCall): This call has not been granted [query id EU.q1]"
        );
        let e = api_error(403, br#"{"class":"Client::Forbidden::InvalidCredential","message":"This credential is not valid"}"#, None);
        assert_eq!(e.ovh_kind(), Some(OvhErrorKind::InvalidCredential));
        assert_eq!(api_error(460, b"{}", None).ovh_kind(), Some(OvhErrorKind::ServiceExpired));
        assert_eq!(api_error(502, b"<html>", None).ovh_kind(), Some(OvhErrorKind::Server));
        assert_eq!(class_to_code("Client::Forbidden"), "FORBIDDEN");
    }

    #[test]
    fn builder_refuses_empty_keys() {
        let b = || OvhClient::builder(Endpoint::OvhEu, "ak", "as");
        assert!(matches!(
            OvhClient::builder(Endpoint::OvhEu, "", "as").build(),
            Err(Error::EmptyKey)
        ));
        assert!(matches!(
            OvhClient::builder(Endpoint::OvhEu, "ak", "").build(),
            Err(Error::EmptyKey)
        ));
        assert!(matches!(b().consumer_key("").build(), Err(Error::EmptyKey)));
        assert!(matches!(b().oauth2("", "s", "https://x/token").build(), Err(Error::EmptyKey)));
        assert!(matches!(b().oauth2("id", "", "https://x/token").build(), Err(Error::EmptyKey)));
        assert!(matches!(b().build().unwrap().for_customer(""), Err(Error::EmptyKey)));
        assert!(matches!(
            OvhClient::builder(Endpoint::OvhEu, "a\nk", "as").build(),
            Err(Error::Malformed(_))
        ));
        assert!(b().consumer_key("ck").build().unwrap().for_customer("ck2").is_ok());
    }

    proptest! {
        #[test]
        fn answer_parsers_never_panic(
            status in 100u16..1000,
            body in prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..120).boxed(),
                "\\{\"(errorCode|class|message)\":\"\\PC{0,20}\"\\}".prop_map(String::into_bytes).boxed(),
            ],
        ) {
            let err = api_error(status, &body, None);
            prop_assert!(matches!(err, Error::Api { .. }), "{:?}", err);
            let response = Response { status, query_id: None, next_cursor: None, body: body.clone() };
            if let Err(e) = response.json::<Value>() {
                prop_assert!(matches!(e, Error::Malformed(_)), "{:?}", e);
            }
            if let Err(e) = response.json::<Credential>() {
                prop_assert!(matches!(e, Error::Malformed(_)), "{:?}", e);
            }
        }
    }
}
