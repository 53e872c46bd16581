//! A fake Blendr.io hub (feature `mock`), for real HTTP on 127.0.0.1.
//!
//! - `/sso`, `/sso/templates/{guid}`, `/sso/widgets/{guid}` (GET and POST):
//!   verify a hash handoff (raw query or form body) or a `jwt`, refuse a
//!   replay, create the account on its first login, and answer with a
//!   logged-in page for that account (or 403 and the reason; 404 for an
//!   unknown template or a blend of another account). A hash handoff may
//!   carry the documented parameters only, unless other names were declared
//!   non-secret with [`FakeHubBuilder::allow_params`]: like the real hub
//!   should, the fake refuses a credential in a plain hash link.
//! - `/v1/...`: the SaaS Partner API (`X-App-Id`, `X-Api-Key`) over in-memory
//!   templates, accounts and blends, paged as `{data, links, meta}`, with a
//!   per-minute rate limit (300 by default, configurable, or off) answering
//!   429 with `Retry-After`, `X-RateLimit-Limit`, `X-RateLimit-Remaining`
//!   and `X-RateLimit-Reset`.
//!
//! Every store is bounded: accounts created by logins ([`MAX_ACCOUNTS`],
//! ids and names of at most [`MAX_ACCOUNT_FIELD_BYTES`]), the replay guard
//! ([`MAX_REPLAY_ENTRIES`]), and request bodies ([`MAX_SSO_BODY_BYTES`],
//! [`MAX_API_BODY_BYTES`]).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use partner_core::encoding::{html_escape, raw_pairs};
use partner_core::server::{LoopbackServer, ServerLimits};
use partner_core::{Clock, InMemoryReplayGuard, Secret, SystemClock, UnixTime};
use serde_json::{Value, json};

use crate::{HashVerifier, JwtVerifier};

/// The app id the fake accepts unless configured otherwise.
pub const DEFAULT_APP_ID: &str = "fake-blendr-app";
/// The partner API key the fake accepts unless configured otherwise.
pub const DEFAULT_API_KEY: &str = "fake-blendr-api-key";
/// API calls allowed per minute unless configured otherwise (the vendor's).
pub const DEFAULT_RATE_LIMIT: u32 = 300;
/// Accounts the hub holds at most; a login that would create one more
/// answers 503 (existing accounts still log in).
pub const MAX_ACCOUNTS: usize = 10_000;
/// Longest account id or account name a login may set (bytes); longer
/// answers 400.
pub const MAX_ACCOUNT_FIELD_BYTES: usize = 255;
/// Handoffs (hash links and JWTs) remembered at most for replay refusal
/// while their time window lasts; past it, a new handoff is refused (403)
/// rather than a replay let through.
pub const MAX_REPLAY_ENTRIES: usize = 100_000;
/// Largest body of a `POST` to the SSO pages (bytes); larger answers 413.
pub const MAX_SSO_BODY_BYTES: usize = 16 * 1024;
/// Largest body of `POST /v1/accounts/{id}/blends/{guid}/run` (bytes);
/// larger answers 413.
pub const MAX_API_BODY_BYTES: usize = 64 * 1024;

/// Entry point of the fake; see [`FakeHub::builder`].
#[derive(Debug)]
pub struct FakeHub;

impl FakeHub {
    /// A hub with default credentials, no data, 10 items a page and
    /// [`DEFAULT_RATE_LIMIT`] calls a minute.
    pub fn builder() -> FakeHubBuilder {
        FakeHubBuilder {
            app_id: DEFAULT_APP_ID.to_owned(),
            api_key: Secret::from(DEFAULT_API_KEY),
            templates: Vec::new(),
            accounts: BTreeMap::new(),
            page_size: 10,
            rate_limit: Some(DEFAULT_RATE_LIMIT),
            clock: Arc::new(SystemClock),
            allowed_params: Vec::new(),
            replay_capacity: MAX_REPLAY_ENTRIES,
        }
    }
}

#[derive(Debug, Clone)]
struct FakeAccount {
    name: String,
    blends: Vec<(String, String)>,
}

/// Configures the fake hub.
#[derive(Debug)]
#[must_use]
pub struct FakeHubBuilder {
    app_id: String,
    api_key: Secret,
    templates: Vec<(String, String)>,
    accounts: BTreeMap<String, FakeAccount>,
    page_size: usize,
    rate_limit: Option<u32>,
    clock: Arc<dyn Clock>,
    allowed_params: Vec<String>,
    replay_capacity: usize,
}

impl FakeHubBuilder {
    /// The app id and partner API key (the API key also signs SSO handoffs);
    /// [`start`](Self::start) refuses an empty key.
    pub fn credentials(mut self, app_id: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        self.app_id = app_id.into();
        self.api_key = api_key.into();
        self
    }

    /// Adds a template.
    pub fn template(mut self, guid: impl Into<String>, name: impl Into<String>) -> Self {
        self.templates.push((guid.into(), name.into()));
        self
    }

    /// Adds an account.
    pub fn account(mut self, external_id: impl Into<String>, name: impl Into<String>) -> Self {
        self.accounts
            .insert(external_id.into(), FakeAccount { name: name.into(), blends: Vec::new() });
        self
    }

    /// Adds a blend to an account (creating the account if needed).
    pub fn blend(
        mut self,
        account: impl Into<String>,
        guid: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        let account = account.into();
        self.accounts
            .entry(account.clone())
            .or_insert_with(|| FakeAccount { name: account, blends: Vec::new() })
            .blends
            .push((guid.into(), name.into()));
        self
    }

    /// Items per page of the API's lists.
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// API calls allowed per minute (default [`DEFAULT_RATE_LIMIT`], the
    /// vendor's 300); `None` turns the limit off: no 429 and no
    /// `X-RateLimit-*` headers. `Some(0)` refuses every call.
    ///
    /// ```
    /// use partner_blendr::fake::FakeHub;
    ///
    /// let limited = FakeHub::builder().rate_limit(5u32);
    /// let unlimited = FakeHub::builder().rate_limit(None);
    /// # let _ = (limited, unlimited);
    /// ```
    pub fn rate_limit(mut self, calls_per_minute: impl Into<Option<u32>>) -> Self {
        self.rate_limit = calls_per_minute.into();
        self
    }

    /// Where the fake reads the time (link windows and the rate-limit minute).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Handoffs remembered against replay at once (default
    /// [`MAX_REPLAY_ENTRIES`]); past it a new login is answered 503 with
    /// `Retry-After` until older ones leave their window.
    pub fn replay_capacity(mut self, entries: usize) -> Self {
        self.replay_capacity = entries;
        self
    }

    /// Declares extra hash link parameter names non-secret (as
    /// [`HashVerifier::allow_params`]); by default the hub accepts the
    /// documented names only.
    pub fn allow_params<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.allowed_params.extend(names.into_iter().map(Into::into));
        self
    }

    /// Serves the hub on `127.0.0.1:port` (0 picks a free port). An empty
    /// API key is refused as [`std::io::ErrorKind::InvalidInput`].
    pub async fn start(self, port: u16) -> std::io::Result<RunningHub> {
        let invalid =
            |err: crate::Error| std::io::Error::new(std::io::ErrorKind::InvalidInput, err);
        let replay = Arc::new(InMemoryReplayGuard::new(self.replay_capacity));
        let hash = HashVerifier::new(self.api_key.clone())
            .map_err(invalid)?
            .allow_params(self.allowed_params)
            .with_replay_guard(replay.clone());
        let jwt =
            JwtVerifier::new(self.api_key.clone()).map_err(invalid)?.with_replay_guard(replay);
        let state = Arc::new(HubState {
            app_id: self.app_id,
            hash,
            jwt,
            requests: AtomicU64::new(0),
            api_key: self.api_key,
            page_size: self.page_size,
            rate_limit: self.rate_limit,
            clock: self.clock,
            data: Mutex::new(Data {
                templates: self.templates,
                accounts: self.accounts,
                window: None,
                logins: 0,
            }),
        });
        let sso_limit = || DefaultBodyLimit::max(MAX_SSO_BODY_BYTES);
        let router = Router::new()
            .route("/sso", get(sso).post(sso).layer(sso_limit()))
            .route("/sso/{kind}/{guid}", get(sso_page).post(sso_page).layer(sso_limit()))
            .route("/v1/templates", get(templates))
            .route("/v1/accounts/{id}", get(account).delete(account))
            .route("/v1/accounts/{id}/blends", get(blends))
            .route("/v1/accounts/{id}/blends/{guid}", get(blend))
            .route(
                "/v1/accounts/{id}/blends/{guid}/run",
                post(run).layer(DefaultBodyLimit::max(MAX_API_BODY_BYTES)),
            )
            .route("/v1/{*rest}", any(not_found))
            .layer(axum::middleware::from_fn_with_state(state.clone(), count_request))
            .with_state(state.clone());
        let listener = LoopbackServer::bind(port).await?;
        let server = LoopbackServer::start(listener, router, ServerLimits::default())?;
        Ok(RunningHub { state, server })
    }
}

/// A hub serving on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningHub {
    state: Arc<HubState>,
    server: LoopbackServer,
}

impl RunningHub {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:<port>`: the hub's base URL.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// `http://127.0.0.1:<port>/v1`: the API's base URL.
    pub fn api_base_url(&self) -> String {
        format!("http://{}/v1", self.server.addr())
    }

    /// HTTP requests received so far (any path, any answer).
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Successful SSO logins so far.
    pub fn logins(&self) -> u64 {
        self.state.lock().logins
    }

    /// The external ids of the accounts, sorted.
    pub fn account_ids(&self) -> Vec<String> {
        self.state.lock().accounts.keys().cloned().collect()
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        if let Err(err) = self.server.shutdown().await {
            tracing::warn!(error = %err, "fake stopped with an error");
        }
    }
}

#[derive(Debug)]
struct HubState {
    app_id: String,
    api_key: Secret,
    hash: HashVerifier,
    jwt: JwtVerifier,
    requests: AtomicU64,
    page_size: usize,
    rate_limit: Option<u32>,
    clock: Arc<dyn Clock>,
    data: Mutex<Data>,
}

#[derive(Debug)]
struct Data {
    templates: Vec<(String, String)>,
    accounts: BTreeMap<String, FakeAccount>,
    /// Start of the current rate-limit minute and calls in it.
    window: Option<(UnixTime, u32)>,
    logins: u64,
}

impl HubState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn refuse(status: StatusCode, reason: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("sso refused: {reason}\n"),
    )
        .into_response()
}

/// A refused login: 403, except a full replay guard, which is the hub
/// being busy (503 with `Retry-After`), not the link being bad.
fn refuse_login(err: &crate::Error) -> Response {
    if matches!(err, crate::Error::ReplayGuardFull) {
        let mut response = refuse(StatusCode::SERVICE_UNAVAILABLE, &err.to_string());
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        return response;
    }
    refuse(StatusCode::FORBIDDEN, &err.to_string())
}

enum Page {
    Home,
    Template(String),
    Widget(String),
}

async fn sso(
    State(state): State<Arc<HubState>>,
    method: Method,
    uri: Uri,
    body: String,
) -> Response {
    login(&state, &method, &uri, &body, Page::Home)
}

async fn sso_page(
    State(state): State<Arc<HubState>>,
    Path((kind, guid)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    body: String,
) -> Response {
    let page = match kind.as_str() {
        "templates" => Page::Template(guid),
        "widgets" => Page::Widget(guid),
        _ => return refuse(StatusCode::NOT_FOUND, "unknown page"),
    };
    login(&state, &method, &uri, &body, page)
}

fn login(state: &HubState, method: &Method, uri: &Uri, body: &str, page: Page) -> Response {
    let raw = if *method == Method::POST {
        body.trim_end_matches(['\r', '\n'])
    } else {
        uri.query().unwrap_or("")
    };
    let now = state.clock.unix_time();
    let jwt = raw_pairs(raw).find(|p| p.name == "jwt").map(|p| p.value.into_owned());
    let (account_id, account_name) = match jwt {
        Some(token) => match state.jwt.verify(&token, now) {
            Ok(v) => {
                let claims = v.claims();
                let name = claims
                    .get("accountname")
                    .or_else(|| claims.get("account").and_then(|a| a.get("name")))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                (v.account_id, name)
            }
            Err(err) => return refuse_login(&err),
        },
        None => match state.hash.verify_query(raw, now) {
            Ok(v) => (v.account_id().into_owned(), v.get("accountname").map(|n| n.into_owned())),
            Err(err) => return refuse_login(&err),
        },
    };
    let too_long = |v: &str| v.len() > MAX_ACCOUNT_FIELD_BYTES;
    if too_long(&account_id) || account_name.as_deref().is_some_and(too_long) {
        return refuse(StatusCode::BAD_REQUEST, "account id or name is longer than 255 bytes");
    }
    let mut data = state.lock();
    let page_text = match &page {
        Page::Home => "home".to_owned(),
        Page::Template(guid) => {
            if !data.templates.iter().any(|(g, _)| g == guid) {
                return refuse(StatusCode::NOT_FOUND, "unknown template");
            }
            format!("template {guid}")
        }
        Page::Widget(guid) => {
            let owns = data
                .accounts
                .get(&account_id)
                .is_some_and(|a| a.blends.iter().any(|(g, _)| g == guid));
            if !owns {
                return refuse(StatusCode::NOT_FOUND, "no such blend for this account");
            }
            format!("widget {guid}")
        }
    };
    if data.accounts.len() >= MAX_ACCOUNTS && !data.accounts.contains_key(&account_id) {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "account limit of the fake reached");
    }
    let account = data.accounts.entry(account_id.clone()).or_insert_with(|| FakeAccount {
        name: account_name.clone().unwrap_or_else(|| account_id.clone()),
        blends: Vec::new(),
    });
    if let Some(name) = account_name {
        account.name = name;
    }
    data.logins += 1;
    let session = partner_core::random::token(16);
    let html = format!(
        "<!doctype html><html><head><title>Integration hub</title></head><body><h1>Integration hub</h1>\
         <p id=\"account\">{}</p><p id=\"page\">{}</p></body></html>\n",
        html_escape(&account_id),
        html_escape(&page_text)
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::SET_COOKIE, format!("hub_session={session}; Path=/; HttpOnly; SameSite=None")),
        ],
        html,
    )
        .into_response()
}

/// Checks credentials and the rate limit; adds the rate-limit headers.
fn api_gate(
    state: &HubState,
    headers: &HeaderMap,
) -> Result<Vec<(&'static str, String)>, Box<Response>> {
    let app_ok = headers.get("x-app-id").is_some_and(|v| v.as_bytes() == state.app_id.as_bytes());
    let key_ok = headers.get("x-api-key").is_some_and(|v| state.api_key.ct_eq(v.as_bytes()));
    if !(app_ok && key_ok) {
        let refusal = (StatusCode::UNAUTHORIZED, Json(json!({"message": "Unauthenticated."})));
        return Err(Box::new(refusal.into_response()));
    }
    let Some(limit) = state.rate_limit else {
        return Ok(Vec::new());
    };
    let now = state.clock.unix_time();
    let mut data = state.lock();
    let (start, count) = match data.window {
        Some((start, count)) if now.seconds_since(start) < 60 => (start, count),
        _ => (now, 0),
    };
    let reset = start.saturating_add(Duration::from_secs(60));
    if count >= limit {
        data.window = Some((start, count));
        let retry_after = reset.seconds_since(now).max(1);
        let mut response =
            (StatusCode::TOO_MANY_REQUESTS, Json(json!({"message": "Too Many Attempts."})))
                .into_response();
        for (name, value) in [
            ("retry-after", retry_after.to_string()),
            ("x-ratelimit-limit", limit.to_string()),
            ("x-ratelimit-remaining", "0".to_owned()),
            ("x-ratelimit-reset", reset.to_string()),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, v);
            }
        }
        return Err(Box::new(response));
    }
    data.window = Some((start, count + 1));
    Ok(vec![
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", (limit - count - 1).to_string()),
    ])
}

fn with_headers(mut response: Response, headers: Vec<(&'static str, String)>) -> Response {
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, v);
        }
    }
    response
}

fn page_of(items: Vec<Value>, page: usize, size: usize, path: &str) -> Value {
    let total = items.len();
    let last = total.div_ceil(size).max(1);
    let data: Vec<Value> = items.into_iter().skip((page - 1) * size).take(size).collect();
    let link = |p: usize| Value::from(format!("{path}?page={p}"));
    json!({
        "data": data,
        "links": {
            "first": link(1), "last": link(last),
            "prev": if page > 1 { link(page - 1) } else { Value::Null },
            "next": if page < last { link(page + 1) } else { Value::Null },
        },
        "meta": {"current_page": page, "last_page": last, "per_page": size, "total": total},
    })
}

fn page_number(q: &BTreeMap<String, String>) -> Option<usize> {
    match q.get("page") {
        None => Some(1),
        Some(p) => p.parse().ok().filter(|p| *p >= 1),
    }
}

fn bad_page() -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"message": "page must be a positive integer"})))
        .into_response()
}

fn missing(what: &str) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"message": format!("{what} not found")}))).into_response()
}

async fn templates(
    State(state): State<Arc<HubState>>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let rl = match api_gate(&state, &headers) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let Some(page) = page_number(&q) else { return with_headers(bad_page(), rl) };
    let items = state.lock().templates.iter().map(|(g, n)| json!({"guid": g, "name": n})).collect();
    with_headers(Json(page_of(items, page, state.page_size, "/v1/templates")).into_response(), rl)
}

async fn account(
    State(state): State<Arc<HubState>>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let rl = match api_gate(&state, &headers) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let mut data = state.lock();
    let response = if method == Method::DELETE {
        match data.accounts.remove(&id) {
            Some(_) => StatusCode::NO_CONTENT.into_response(),
            None => missing("account"),
        }
    } else {
        match data.accounts.get(&id) {
            Some(a) => {
                Json(json!({"data": {"externalid": id, "name": a.name, "blends": a.blends.len()}}))
                    .into_response()
            }
            None => missing("account"),
        }
    };
    with_headers(response, rl)
}

async fn blends(
    State(state): State<Arc<HubState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let rl = match api_gate(&state, &headers) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let Some(page) = page_number(&q) else { return with_headers(bad_page(), rl) };
    let items = match state.lock().accounts.get(&id) {
        Some(a) => {
            a.blends.iter().map(|(g, n)| json!({"guid": g, "name": n, "active": true})).collect()
        }
        None => return with_headers(missing("account"), rl),
    };
    let path = format!("/v1/accounts/{id}/blends");
    with_headers(Json(page_of(items, page, state.page_size, &path)).into_response(), rl)
}

async fn blend(
    State(state): State<Arc<HubState>>,
    headers: HeaderMap,
    Path((id, guid)): Path<(String, String)>,
) -> Response {
    let rl = match api_gate(&state, &headers) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let found = state
        .lock()
        .accounts
        .get(&id)
        .and_then(|a| a.blends.iter().find(|(g, _)| *g == guid).cloned());
    let response = match found {
        Some((g, n)) => {
            Json(json!({"data": {"guid": g, "name": n, "active": true}})).into_response()
        }
        None => missing("blend"),
    };
    with_headers(response, rl)
}

async fn run(
    State(state): State<Arc<HubState>>,
    headers: HeaderMap,
    Path((id, guid)): Path<(String, String)>,
    body: String,
) -> Response {
    let rl = match api_gate(&state, &headers) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let exists =
        state.lock().accounts.get(&id).is_some_and(|a| a.blends.iter().any(|(g, _)| *g == guid));
    if !exists {
        return with_headers(missing("blend"), rl);
    }
    let parsed: Option<Value> = serde_json::from_str(&body).ok();
    let (run_async, inputs) = match parsed.as_ref().and_then(Value::as_object) {
        Some(obj) => (
            obj.get("async").and_then(Value::as_bool),
            obj.get("inputs").cloned().unwrap_or(json!({})),
        ),
        None => (None, Value::Null),
    };
    let response = match (run_async, inputs.is_object()) {
        (Some(run_async), true) => Json(json!({"data": {
            "blend": guid,
            "status": if run_async { "queued" } else { "completed" },
            "inputs": inputs,
        }}))
        .into_response(),
        _ => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "body must be {async: bool, inputs: object}"})),
        )
            .into_response(),
    };
    with_headers(response, rl)
}

async fn not_found(State(state): State<Arc<HubState>>, headers: HeaderMap) -> Response {
    match api_gate(&state, &headers) {
        Ok(rl) => with_headers(missing("route"), rl),
        Err(r) => *r,
    }
}

/// Counts each request.
async fn count_request(
    State(state): State<Arc<HubState>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::page_number;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        // The fake's own parser of client input (its verifiers have theirs).
        #[test]
        fn page_numbers_are_positive_integers_or_refused(page in prop_oneof!["\\PC{0,22}", any::<i64>().prop_map(|n| n.to_string())]) {
            let q = BTreeMap::from([("page".to_owned(), page.clone())]);
            match page_number(&q) {
                Some(n) => prop_assert_eq!(Some(n), page.parse::<usize>().ok().filter(|n| *n >= 1)),
                None => prop_assert!(page.parse::<usize>().ok().filter(|n| *n >= 1).is_none()),
            }
            prop_assert_eq!(page_number(&BTreeMap::new()), Some(1));
        }
    }
}
