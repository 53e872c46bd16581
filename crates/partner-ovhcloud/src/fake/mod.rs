//! A fake OVHcloud API (feature `mock`), for real HTTP on 127.0.0.1. Its
//! base URL (`http://127.0.0.1:<port>/1.0`) works with any OVHcloud client,
//! the official SDKs included.
//!
//! - `GET /1.0/auth/time`; `POST /1.0/auth/credential` (a consumer key in
//!   `pendingValidation` and a validation URL served here).
//! - The validation URL (`/auth/?credentialToken=..`) is the page a
//!   customer's browser opens: the access rules the application asks for
//!   and a form with two buttons, *Authorize* and *Refuse*, posted back to
//!   the same URL. Authorizing validates the key, refusing marks it
//!   `refused`; either way the customer is sent (`303`) to the
//!   `redirection` of the request, or shown a confirmation page. Each
//!   validation token works once. Without a browser: `curl -d
//!   action=authorize <validationUrl>`, or [`RunningOvh::validate`] /
//!   [`RunningOvh::refuse`].
//! - Signed calls checked like the API: application key (`INVALID_KEY`),
//!   consumer key (`NOT_CREDENTIAL`), signature over `http://<Host><path>`
//!   and the raw body (`INVALID_SIGNATURE`), timestamp within 300 s
//!   (`QUERY_TIME_OUT`), validated key (`INVALID_CREDENTIAL`), access rules
//!   (`NOT_GRANTED_CALL`); errors as `{"errorCode","httpCode","message"}`
//!   with `X-Ovh-QueryID`.
//! - `GET /1.0/auth/currentCredential` and `POST /1.0/auth/logout` answer
//!   for any validated key whatever its access rules, as on the real API;
//!   `/1.0/me`, `/1.0/domain/zone[/{zone}/record[/{id}]]`, and a v2 list
//!   `/v2/iam/resource` paged with `X-Pagination-Cursor`.
//! - `POST /auth/oauth2/token` (client credentials, scope `all`, client
//!   authentication by HTTP Basic or in the body) for service accounts;
//!   their bearer tokens work on every route, and a bad or expired one is
//!   answered `401` with `WWW-Authenticate: Bearer ..., error="invalid_token"`.
//!
//! Every store is bounded and every body size limited: see the constants
//! of this module and the crate README ("Limits of the fake").

mod api;
mod consent;
mod credentials;
mod oauth;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use partner_core::server::{ExpiringMap, LoopbackServer, ServerLimits};
use partner_core::{Clock, Secret, SystemClock, UnixTime};
use serde_json::{Value, json};

use self::credentials::{CredentialStore, Decision};

/// The application key the fake accepts unless configured otherwise.
pub const DEFAULT_APPLICATION_KEY: &str = "fakeAppKey00001";
/// The application secret the fake accepts unless configured otherwise.
pub const DEFAULT_APPLICATION_SECRET: &str = "fakeAppSecret0000000000000000001";

/// How long a requested consumer key waits for the customer's decision;
/// never validated by then, it is forgotten (its validation URL answers
/// 404, calls signed with it `NOT_CREDENTIAL`).
pub const PENDING_LIFETIME: Duration = Duration::from_secs(3_600);
/// Consumer keys waiting for validation held at once; a new request past
/// this drops the oldest pending one.
pub const MAX_PENDING_CREDENTIALS: usize = 5_000;
/// Validated, refused and expired consumer keys held at once; one more
/// drops the oldest.
pub const MAX_CREDENTIALS: usize = 5_000;
/// Access rules one credential request may ask for.
pub const MAX_RULES: usize = 32;
/// Bytes of all the rule paths of one credential request together.
pub const MAX_RULE_BYTES: usize = 1_024;
/// Bytes of a credential request's `redirection` URL.
pub const MAX_REDIRECTION_BYTES: usize = 1_024;
/// OAuth2 bearer tokens held at once; one more drops the oldest.
pub const MAX_BEARER_TOKENS: usize = 10_000;
/// Lifetime of an OAuth2 bearer token.
pub const BEARER_LIFETIME: Duration = Duration::from_secs(3_600);
/// DNS records held at once, all zones together.
pub const MAX_RECORDS: usize = 2_000;
/// Bytes of a DNS record's `target`.
pub const MAX_RECORD_TARGET_BYTES: usize = 4_096;
/// Body limit of `POST /1.0/auth/credential`.
pub const CREDENTIAL_BODY_LIMIT: usize = 16 * 1024;
/// Body limit of the validation page (`POST /auth/?credentialToken=..`).
pub const CONSENT_BODY_LIMIT: usize = 4 * 1024;
/// Body limit of the OAuth2 token endpoint.
pub const TOKEN_BODY_LIMIT: usize = 8 * 1024;
/// Body limit of the API routes (`/1.0/*`, `/v2/*`).
pub const API_BODY_LIMIT: usize = 1024 * 1024;

/// Entry point of the fake; see [`FakeOvh::builder`].
#[derive(Debug)]
pub struct FakeOvh;

impl FakeOvh {
    /// A fake with the default application, one zone and the system clock.
    pub fn builder() -> FakeOvhBuilder {
        FakeOvhBuilder {
            application_key: DEFAULT_APPLICATION_KEY.to_owned(),
            application_secret: Secret::from(DEFAULT_APPLICATION_SECRET),
            service_account: None,
            zones: vec!["example.com".to_owned()],
            clock: Arc::new(SystemClock),
            server_offset: 0,
            page_size: 2,
        }
    }
}

/// Configures the fake.
#[derive(Debug)]
#[must_use]
pub struct FakeOvhBuilder {
    application_key: String,
    application_secret: Secret,
    service_account: Option<(String, Secret)>,
    zones: Vec<String>,
    clock: Arc<dyn Clock>,
    server_offset: i64,
    page_size: usize,
}

impl FakeOvhBuilder {
    /// The application (AK, AS) the fake knows; [`start`](Self::start)
    /// refuses an empty key or secret.
    pub fn application(mut self, key: impl Into<String>, secret: impl Into<Secret>) -> Self {
        self.application_key = key.into();
        self.application_secret = secret.into();
        self
    }

    /// An OAuth2 service account (client id and secret);
    /// [`start`](Self::start) refuses an empty id or secret.
    pub fn service_account(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        self.service_account = Some((client_id.into(), client_secret.into()));
        self
    }

    /// The DNS zones of the account (default `example.com`).
    pub fn zones<I: IntoIterator<Item = S>, S: Into<String>>(mut self, zones: I) -> Self {
        self.zones = zones.into_iter().map(Into::into).collect();
        self
    }

    /// Where the fake reads the time.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The server's clock is this many seconds ahead of `clock` (to test
    /// the client's time delta).
    pub fn server_offset(mut self, seconds: i64) -> Self {
        self.server_offset = seconds;
        self
    }

    /// Items per page of v2 lists.
    pub fn page_size(mut self, n: usize) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// Serves the fake on `127.0.0.1:port` (0 picks a free port).
    ///
    /// # Errors
    ///
    /// An [`std::io::ErrorKind::InvalidInput`] error wrapping
    /// [`Error::EmptyKey`](crate::Error::EmptyKey) when the application key
    /// or secret, or the service account's id or secret, is empty (a fake
    /// that accepted an empty secret would accept anyone's signature), and
    /// the error of binding the port.
    pub async fn start(self, port: u16) -> std::io::Result<RunningOvh> {
        let empty_service_account = self
            .service_account
            .as_ref()
            .is_some_and(|(id, secret)| id.is_empty() || secret.is_empty());
        if self.application_key.is_empty()
            || self.application_secret.is_empty()
            || empty_service_account
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                crate::Error::EmptyKey,
            ));
        }
        let listener = LoopbackServer::bind(port).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(FakeState {
            base: format!("http://{addr}"),
            application_key: self.application_key,
            application_secret: self.application_secret,
            service_account: self.service_account,
            clock: self.clock,
            server_offset: AtomicI64::new(self.server_offset),
            page_size: self.page_size,
            data: Mutex::new(Data {
                credentials: CredentialStore::new(),
                bearer_tokens: ExpiringMap::new(MAX_BEARER_TOKENS),
                zones: self.zones.into_iter().map(|z| (z, BTreeMap::new())).collect(),
                records: 0,
                next_id: 0,
            }),
            queries: AtomicU64::new(0),
            time_requests: AtomicU64::new(0),
            inject_errors: AtomicU64::new(0),
        });
        let router = Router::new()
            .route("/1.0/auth/time", get(time))
            .route(
                "/1.0/auth/credential",
                post(credentials::request_credential)
                    .layer(DefaultBodyLimit::max(CREDENTIAL_BODY_LIMIT)),
            )
            .route(
                "/auth/",
                get(consent::page)
                    .post(consent::decide)
                    .layer(DefaultBodyLimit::max(CONSENT_BODY_LIMIT)),
            )
            .route(
                "/auth/oauth2/token",
                post(oauth::token).layer(DefaultBodyLimit::max(TOKEN_BODY_LIMIT)),
            )
            .route("/1.0/{*path}", any(api::api).layer(DefaultBodyLimit::max(API_BODY_LIMIT)))
            .route("/v2/{*path}", any(api::api).layer(DefaultBodyLimit::max(API_BODY_LIMIT)))
            .with_state(state.clone());
        let server = LoopbackServer::start(listener, router, ServerLimits::default())?;
        Ok(RunningOvh { state, server })
    }
}

/// The fake, serving on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningOvh {
    state: Arc<FakeState>,
    server: LoopbackServer,
}

impl RunningOvh {
    /// `http://127.0.0.1:<port>/1.0`: the endpoint to give any OVHcloud client.
    pub fn endpoint_url(&self) -> String {
        format!("{}/1.0", self.state.base)
    }

    /// `http://127.0.0.1:<port>/auth/oauth2/token`.
    pub fn token_url(&self) -> String {
        format!("{}/auth/oauth2/token", self.state.base)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Requests answered on `/auth/time`.
    pub fn time_requests(&self) -> u64 {
        self.state.time_requests.load(Ordering::Relaxed)
    }

    /// API requests answered (signed routes), successful or not.
    pub fn api_requests(&self) -> u64 {
        self.state.queries.load(Ordering::Relaxed)
    }

    /// Authorizes a pending consumer key as its customer would on the
    /// validation page (validity unlimited), without a browser. Its
    /// validation URL no longer works. `false` when no key waits under
    /// that name (unknown, already decided, expired or forgotten).
    #[must_use = "false means nothing was validated"]
    pub fn validate(&self, consumer_key: &Secret) -> bool {
        self.decide(consumer_key, Decision::Authorize { validity: None })
    }

    /// Refuses a pending consumer key as its customer would on the
    /// validation page: it becomes `refused`, and calls signed with it
    /// answer `INVALID_CREDENTIAL`. `false` when no key waits under that
    /// name.
    #[must_use = "false means nothing was refused"]
    pub fn refuse(&self, consumer_key: &Secret) -> bool {
        self.decide(consumer_key, Decision::Refuse)
    }

    fn decide(&self, consumer_key: &Secret, decision: Decision) -> bool {
        let Some(ck) = consumer_key.expose_str() else { return false };
        let now = self.state.now();
        self.state.lock().credentials.decide_key(ck, decision, now).is_some()
    }

    /// Marks every consumer key expired (as OVHcloud does when a key's
    /// validity ends): calls signed with them answer `INVALID_CREDENTIAL`,
    /// and keys still pending can no longer be validated.
    pub fn expire_credentials(&self) {
        self.state.lock().credentials.expire_all();
    }

    /// Moves the server's clock to `seconds` ahead of the fake's clock.
    pub fn set_server_offset(&self, seconds: i64) {
        self.state.server_offset.store(seconds, Ordering::Relaxed);
    }

    /// The next `n` API requests answer 503 (to test retries).
    pub fn inject_server_errors(&self, n: u64) {
        self.state.inject_errors.store(n, Ordering::Relaxed);
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        if let Err(err) = self.server.shutdown().await {
            tracing::warn!(error = %err, "fake stopped with an error");
        }
    }
}

#[derive(Debug)]
struct FakeState {
    base: String,
    application_key: String,
    application_secret: Secret,
    service_account: Option<(String, Secret)>,
    clock: Arc<dyn Clock>,
    server_offset: AtomicI64,
    page_size: usize,
    data: Mutex<Data>,
    queries: AtomicU64,
    time_requests: AtomicU64,
    inject_errors: AtomicU64,
}

#[derive(Debug)]
struct Data {
    credentials: CredentialStore,
    /// Bearer token -> nothing: a live entry is a valid token.
    bearer_tokens: ExpiringMap<String, ()>,
    zones: BTreeMap<String, BTreeMap<u64, Value>>,
    /// Records of all zones together (at most [`MAX_RECORDS`]).
    records: usize,
    next_id: u64,
}

impl Data {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

impl FakeState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> UnixTime {
        UnixTime::from_secs(
            self.clock
                .unix_time()
                .as_secs()
                .saturating_add(self.server_offset.load(Ordering::Relaxed)),
        )
    }

    fn query_id(&self) -> String {
        format!("FAKE.ext-1.{:08x}", self.queries.fetch_add(1, Ordering::Relaxed))
    }
}

fn with_query_id(mut response: Response, id: String) -> Response {
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-ovh-queryid", v);
    }
    response
}

fn ovh_error(status: StatusCode, code: &str, message: &str) -> Response {
    let http = format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or(""));
    (status, Json(json!({"errorCode": code, "httpCode": http, "message": message}))).into_response()
}

async fn time(State(s): State<Arc<FakeState>>) -> Response {
    s.time_requests.fetch_add(1, Ordering::Relaxed);
    Json(s.now().as_secs()).into_response()
}

/// `2023-11-14T22:13:20+00:00`, as the API writes dates.
fn iso8601(t: UnixTime) -> String {
    let secs = t.as_secs();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe.saturating_add(era.saturating_mul(400)) + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso8601() {
        assert_eq!(iso8601(UnixTime::from_secs(0)), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601(UnixTime::from_secs(1_700_000_000)), "2023-11-14T22:13:20+00:00");
        assert_eq!(iso8601(UnixTime::from_secs(951_782_400)), "2000-02-29T00:00:00+00:00");
        assert_eq!(iso8601(UnixTime::from_secs(-1)), "1969-12-31T23:59:59+00:00");
        // Never panics, whatever the time.
        let _ = iso8601(UnixTime::from_secs(i64::MAX));
        let _ = iso8601(UnixTime::from_secs(i64::MIN));
    }
}
