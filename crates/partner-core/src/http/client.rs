//! [`HttpClient`]: the one place a provider call is sent, retried, timed
//! and traced.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument as _;
use tracing::field::Empty;

use super::{Answer, Dialect, HttpSettings, Standard, TokioSleeper, Verdict, is_idempotent};
use crate::error::{ErrorSource, Unavailability};

use crate::{Error, Sleeper};

/// What an outbound call is, for the retry loop and the trace. The path is a
/// template (`/me/bill/{id}`): ids and query strings never reach a span.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    operation: &'static str,
    path: &'static str,
    dialect: &'a dyn Dialect,
    repeatable: bool,
}

impl std::fmt::Debug for Call<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.operation)
            .field("path", &self.path)
            .finish()
    }
}

impl Call<'static> {
    /// A call named `operation` (`"request_credential"`) to the path
    /// template `path` (`"/auth/credential"`), read by [`Standard`].
    pub fn new(operation: &'static str, path: &'static str) -> Self {
        Call { operation, path, dialect: &Standard, repeatable: true }
    }
}

impl<'a> Call<'a> {
    /// Reads answers with this provider's dialect.
    pub fn dialect<'b>(self, dialect: &'b dyn Dialect) -> Call<'b> {
        Call { operation: self.operation, path: self.path, dialect, repeatable: self.repeatable }
    }

    /// The call has effects although its method is idempotent (a `GET`
    /// that issues a token): after a failure that may have reached the
    /// server (a timeout, a 5xx) it is not sent again, as for a `POST`.
    /// Refusals that say nothing was processed are still retried.
    #[must_use]
    pub fn not_idempotent(mut self) -> Self {
        self.repeatable = false;
        self
    }

    /// The operation name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
}

/// Which attempt a request is prepared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// The previous answer was [`Verdict::Refresh`]: renew the credentials
    /// (fetch a new token, re-sync the clock) before signing.
    pub refresh: bool,
}

/// The HTTP side of every provider client: one connection pool, the
/// [`HttpSettings`], and [`send`](Self::send), the one retry loop.
///
/// Cheap to clone (an `Arc`).
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    provider: &'static str,
    reqwest: reqwest::Client,
    settings: HttpSettings,
    sleeper: Arc<dyn Sleeper>,
}

/// Configures an [`HttpClient`].
#[derive(Debug)]
#[must_use]
pub struct HttpClientBuilder {
    provider: &'static str,
    user_agent: &'static str,
    settings: HttpSettings,
    reqwest: Option<reqwest::Client>,
    sleeper: Option<Arc<dyn Sleeper>>,
}

impl HttpClientBuilder {
    /// The settings (default [`HttpSettings::default`]).
    pub fn settings(mut self, settings: HttpSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Sends through this `reqwest::Client` (its proxy, TLS and connection
    /// settings) instead of building one. Build it with redirects off:
    /// token and SSO answers must not be followed.
    pub fn reqwest(mut self, client: Option<reqwest::Client>) -> Self {
        self.reqwest = client;
        self
    }

    /// How to wait between attempts (default: tokio's timer).
    pub fn sleeper(mut self, sleeper: Option<Arc<dyn Sleeper>>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Builds the client: redirects off, the settings' timeouts, user agent
    /// and proxy.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] when the user agent is not a header value or
    /// the proxy URL is refused.
    pub fn build(self) -> Result<HttpClient, Error> {
        let reqwest = match self.reqwest {
            Some(client) => client,
            None => {
                let agent = self.settings.user_agent.as_deref().unwrap_or(self.user_agent);
                let agent = reqwest::header::HeaderValue::from_str(agent)
                    .map_err(|_| Error::Malformed("user agent is not a header value"))?;
                let mut builder = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .connect_timeout(self.settings.connect_timeout)
                    .user_agent(agent);
                if let Some(proxy) = &self.settings.proxy {
                    let proxy = reqwest::Proxy::all(proxy.as_str())
                        .map_err(|_| Error::Malformed("proxy url is not usable"))?;
                    builder = builder.proxy(proxy);
                }
                builder.build().map_err(|_| Error::Malformed("http client cannot be built"))?
            }
        };
        Ok(HttpClient {
            inner: Arc::new(Inner {
                provider: self.provider,
                reqwest,
                settings: self.settings,
                sleeper: self.sleeper.unwrap_or_else(|| Arc::new(TokioSleeper)),
            }),
        })
    }
}

impl HttpClient {
    /// Starts configuring the client of `provider` (`"example"`), whose
    /// default user agent is `user_agent`
    /// (`concat!("partner-example/", env!("CARGO_PKG_VERSION"))`).
    pub fn builder(provider: &'static str, user_agent: &'static str) -> HttpClientBuilder {
        HttpClientBuilder {
            provider,
            user_agent,
            settings: HttpSettings::default(),
            reqwest: None,
            sleeper: None,
        }
    }

    /// The provider name this client reports in errors and spans.
    pub fn provider(&self) -> &'static str {
        self.inner.provider
    }

    /// The `reqwest::Client` to build requests with.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.inner.reqwest
    }

    /// The settings.
    pub fn settings(&self) -> &HttpSettings {
        &self.inner.settings
    }

    /// Sends a request that is the same at every attempt (its body is not
    /// a stream), through [`send`](Self::send).
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send); [`Error::Malformed`] when the request
    /// cannot be copied.
    pub async fn send_request(
        &self,
        call: Call<'_>,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer, Error> {
        self.send(call, |_| {
            let copy =
                request.try_clone().ok_or(Error::Malformed("request body cannot be sent twice"));
            async move { copy }
        })
        .await
    }

    /// Sends a call: `prepare` builds the request of each attempt (so a
    /// signature or a token can be fresh each time), the answer is
    /// classified by the call's [`Dialect`], and the call is sent again as
    /// [`Verdict`] and the [`RetryPolicy`](super::RetryPolicy) allow.
    ///
    /// - A connection that could not be opened is retried for any method
    ///   (nothing was sent); any other transport failure only for an
    ///   idempotent method ([`is_idempotent`]).
    /// - Each attempt has the settings' `timeout`; all of them together and
    ///   their waits the policy's `budget`.
    /// - A `partner.http` span (at debug level) covers the call with the
    ///   fields `provider`, `operation`, `method`, `path` (the template),
    ///   `status`, `attempt` and `latency_ms`; each retry is a debug event.
    ///
    /// # Errors
    ///
    /// - [`Error::Rejected`] for an error answer (the dialect's
    ///   [`ProviderRejection`](crate::ProviderRejection));
    /// - [`Error::Unavailable`] for a transport failure, a timeout, or a 5xx
    ///   still answered after the retries (its source is the last
    ///   rejection);
    /// - [`Error::InvalidResponse`] for a body past `max_response_bytes`;
    /// - whatever `prepare` returns.
    pub async fn send<E, F, Fut>(&self, call: Call<'_>, prepare: F) -> Result<Answer, E>
    where
        E: From<Error>,
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = Result<reqwest::RequestBuilder, E>>,
    {
        let span = tracing::debug_span!(
            "partner.http",
            provider = self.inner.provider,
            operation = call.operation,
            method = Empty,
            path = call.path,
            status = Empty,
            attempt = Empty,
            latency_ms = Empty,
        );
        self.run(call, prepare, span.clone()).instrument(span).await
    }

    async fn run<E, F, Fut>(
        &self,
        call: Call<'_>,
        mut prepare: F,
        span: tracing::Span,
    ) -> Result<Answer, E>
    where
        E: From<Error>,
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = Result<reqwest::RequestBuilder, E>>,
    {
        let provider = self.inner.provider;
        let policy = self.inner.settings.retry;
        let started = Instant::now();
        let mut waited = Duration::ZERO;
        let (mut number, mut refresh, mut refreshed, mut retries) = (1u32, false, false, 0u32);
        loop {
            let request = prepare(Attempt { number, refresh }).await?;
            let request = request
                .timeout(self.inner.settings.timeout)
                .build()
                .map_err(|_| Error::Malformed("request cannot be built"))?;
            let idempotent = call.repeatable && is_idempotent(request.method());
            if number == 1 {
                span.record("method", request.method().as_str());
            }
            span.record("attempt", number);
            let outcome = match self.inner.reqwest.execute(request).await {
                Ok(response) => self.read(response).await,
                Err(err) => Err(Failure::Transport(err)),
            };
            let (verdict, result) = match outcome {
                Ok(answer) => {
                    let verdict = call.dialect.classify(&answer);
                    (verdict, Ok(answer))
                }
                Err(Failure::TooLarge) => (Verdict::Done, Err(Failure::TooLarge)),
                Err(Failure::Transport(err)) => {
                    let may_retry = idempotent || (err.is_connect() && !err.is_timeout());
                    let verdict =
                        if may_retry { Verdict::Transient { after: None } } else { Verdict::Done };
                    (verdict, Err(Failure::Transport(err)))
                }
            };
            let wait = match verdict {
                Verdict::Done => None,
                Verdict::Refresh if !refreshed => Some(Duration::ZERO),
                Verdict::Refresh => None,
                Verdict::Transient { .. } if !idempotent && result.is_ok() => None,
                Verdict::Transient { after } | Verdict::NotProcessed { after } => {
                    let wait = after.unwrap_or_else(|| policy.backoff(retries));
                    let spent = started.elapsed().max(waited);
                    (retries + 1 < policy.attempts() && spent + wait <= policy.budget)
                        .then_some(wait)
                }
            };
            if let Some(wait) = wait {
                if verdict == Verdict::Refresh {
                    refreshed = true;
                    refresh = true;
                } else {
                    refresh = false;
                    retries += 1;
                    tracing::debug!(
                        attempt = number,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "retrying"
                    );
                    self.inner.sleeper.sleep(wait).await;
                    waited += wait;
                }
                number += 1;
                continue;
            }
            span.record(
                "latency_ms",
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            );
            return match result {
                Ok(answer) => {
                    span.record("status", answer.status());
                    if answer.is_success() {
                        Ok(answer)
                    } else {
                        Err(call.dialect.rejection(provider, &answer).into_error().into())
                    }
                }
                Err(Failure::Transport(err)) => Err(transport_error(provider, err).into()),
                Err(Failure::TooLarge) => {
                    Err(Error::invalid_response(provider, "answer is larger than the limit").into())
                }
            };
        }
    }

    /// Reads the whole body, up to the settings' limit.
    async fn read(&self, mut response: reqwest::Response) -> Result<Answer, Failure> {
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let limit = self.inner.settings.max_response_bytes;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(Failure::Transport)? {
            if body.len() + chunk.len() > limit {
                return Err(Failure::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer::new(status, headers, body))
    }
}

/// Why an attempt has no answer.
enum Failure {
    Transport(reqwest::Error),
    TooLarge,
}

/// The [`Error::Unavailable`] of a transport failure; the source keeps
/// reqwest's error without its URL (which may carry a query).
pub fn transport_error(provider: &'static str, err: reqwest::Error) -> Error {
    let reason = if err.is_timeout() {
        Unavailability::Timeout
    } else if err.is_connect() {
        Unavailability::Connect
    } else {
        Unavailability::Transport
    };
    let source: ErrorSource = Arc::new(err.without_url());
    Error::unavailable(provider, reason, Some(source))
}
