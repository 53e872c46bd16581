//! A fake OVHcloud API (feature `mock`), for real HTTP on 127.0.0.1. Its
//! base URL ([`RunningOvh::base_url`], `http://127.0.0.1:<port>/1.0`)
//! works with any OVHcloud client, the official SDKs included;
//! [`RunningOvh`] implements [`partner_core::server::Fake`].
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
mod auth;
mod consent;
mod credentials;
mod oauth;
mod running;
mod state;

use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use partner_core::server::{LoopbackServer, ServerLimits};
use partner_core::{Clock, Secret, SystemClock};

pub use self::running::RunningOvh;
use self::state::{Data, FakeState, iso8601, ovh_error, with_query_id};
use crate::{ApplicationSecret, Error};

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

    /// The fake's routes, unstarted, to mount in another server (`/1.0/*`,
    /// `/v2/*`, `/auth/`, `/auth/oauth2/token`). Validation URLs are made
    /// from each request's `Host`.
    ///
    /// # Errors
    ///
    /// `malformed` ([`partner_core::Error::EmptyKey`]) when the application
    /// key or secret, or the service account's id or secret, is empty (a
    /// fake that accepted an empty secret would accept anyone's signature).
    pub fn into_router(self) -> Result<Router, Error> {
        Ok(router(self.into_state(None)?))
    }

    fn into_state(self, base: Option<String>) -> Result<Arc<FakeState>, Error> {
        let empty_service_account = self
            .service_account
            .as_ref()
            .is_some_and(|(id, secret)| id.is_empty() || secret.is_empty());
        if self.application_key.is_empty() || empty_service_account {
            return Err(partner_core::Error::EmptyKey.into());
        }
        Ok(Arc::new(FakeState {
            base,
            application_key: self.application_key,
            application_secret: ApplicationSecret::new(self.application_secret)?,
            service_account: self.service_account,
            clock: self.clock,
            server_offset: AtomicI64::new(self.server_offset),
            page_size: self.page_size,
            data: Mutex::new(Data::new(self.zones)),
            queries: AtomicU64::new(0),
            time_requests: AtomicU64::new(0),
            token_requests: AtomicU64::new(0),
            inject_errors: AtomicU64::new(0),
        }))
    }

    /// Serves the fake on `127.0.0.1:port` (0 picks a free port).
    ///
    /// # Errors
    ///
    /// An [`std::io::ErrorKind::InvalidInput`] error wrapping the
    /// [`Error`] of [`into_router`](Self::into_router) for an empty key,
    /// and the error of binding the port.
    pub async fn start(self, port: u16) -> std::io::Result<RunningOvh> {
        // Checked before binding: nothing listens with a key everyone knows.
        let invalid = |err: Error| std::io::Error::new(std::io::ErrorKind::InvalidInput, err);
        if self.application_key.is_empty() || self.application_secret.is_empty() {
            return Err(invalid(partner_core::Error::EmptyKey.into()));
        }
        let listener = LoopbackServer::bind(port).await?;
        let addr = listener.local_addr()?;
        let state = self.into_state(Some(format!("http://{addr}"))).map_err(invalid)?;
        let router = router(state.clone());
        let server = LoopbackServer::start(listener, router.clone(), ServerLimits::default())?;
        Ok(RunningOvh::new(state, server, router))
    }
}

/// Every route of the fake, on `state`.
fn router(state: Arc<FakeState>) -> Router {
    Router::new()
        .route("/1.0/auth/time", get(state::time))
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
        .with_state(state)
}
