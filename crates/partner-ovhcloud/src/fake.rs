//! A fake OVHcloud API (feature `mock`), for real HTTP on 127.0.0.1. Its
//! base URL (`http://127.0.0.1:<port>/1.0`) works with any OVHcloud client,
//! the official SDKs included.
//!
//! - `GET /1.0/auth/time`; `POST /1.0/auth/credential` (a consumer key in
//!   `pendingValidation` and a validation URL served here: a GET of it is
//!   the customer's consent, and redirects to `redirection`).
//! - Signed calls checked like the API: application key (`INVALID_KEY`),
//!   consumer key (`NOT_CREDENTIAL`), signature over `http://<Host><path>`
//!   and the raw body (`INVALID_SIGNATURE`), timestamp within 300 s
//!   (`QUERY_TIME_OUT`), validated key (`INVALID_CREDENTIAL`), access rules
//!   (`NOT_GRANTED_CALL`); errors as `{"errorCode","httpCode","message"}`
//!   with `X-Ovh-QueryID`.
//! - `/1.0/auth/currentCredential`, `/1.0/auth/logout`, `/1.0/me`,
//!   `/1.0/domain/zone[/{zone}/record[/{id}]]`, and a v2 list
//!   `/v2/iam/resource` paged with `X-Pagination-Cursor`.
//! - `POST /auth/oauth2/token` (client credentials) for service accounts.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method as HttpMethod, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use partner_core::encoding::form_decode;
use partner_core::server::{LoopbackServer, ServerLimits};
use partner_core::{Clock, Secret, SystemClock, UnixTime};
use serde_json::{Value, json};

use crate::{AccessRule, CredentialState, DEFAULT_MAX_SKEW, Method, SignedRequest, verify};

/// The application key the fake accepts unless configured otherwise.
pub const DEFAULT_APPLICATION_KEY: &str = "fakeAppKey00001";
/// The application secret the fake accepts unless configured otherwise.
pub const DEFAULT_APPLICATION_SECRET: &str = "fakeAppSecret0000000000000000001";

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
                zones: self.zones.into_iter().map(|z| (z, BTreeMap::new())).collect(),
                ..Data::default()
            }),
            queries: AtomicU64::new(0),
            time_requests: AtomicU64::new(0),
            inject_errors: AtomicU64::new(0),
        });
        let router = Router::new()
            .route("/1.0/auth/time", get(time))
            .route("/1.0/auth/credential", post(credential))
            .route("/auth/", get(validate))
            .route("/auth/oauth2/token", post(oauth2_token))
            .route("/1.0/{*path}", any(api))
            .route("/v2/{*path}", any(api))
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

    /// Marks every consumer key expired (as OVHcloud does when a key's
    /// validity ends): calls signed with them answer `INVALID_CREDENTIAL`.
    pub fn expire_credentials(&self) {
        for cred in self.state.lock().credentials.values_mut() {
            cred.state = CredentialState::Expired;
        }
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

#[derive(Debug, Clone)]
struct FakeCredential {
    id: u64,
    state: CredentialState,
    rules: Vec<AccessRule>,
    redirection: Option<String>,
    token: String,
}

#[derive(Debug, Default)]
struct Data {
    credentials: BTreeMap<String, FakeCredential>,
    bearer_tokens: BTreeMap<String, UnixTime>,
    zones: BTreeMap<String, BTreeMap<u64, Value>>,
    next_id: u64,
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

async fn credential(State(s): State<Arc<FakeState>>, headers: HeaderMap, body: Bytes) -> Response {
    let qid = s.query_id();
    if headers.get("x-ovh-application").map(HeaderValue::as_bytes)
        != Some(s.application_key.as_bytes())
    {
        return with_query_id(
            ovh_error(StatusCode::FORBIDDEN, "INVALID_KEY", "Invalid application key"),
            qid,
        );
    }
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let rules: Option<Vec<AccessRule>> =
        parsed.get("accessRules").cloned().and_then(|r| serde_json::from_value(r).ok());
    let Some(rules) = rules.filter(|r| !r.is_empty()) else {
        return with_query_id(
            ovh_error(StatusCode::BAD_REQUEST, "INVALID_PARAMETERS", "Invalid accessRules"),
            qid,
        );
    };
    let redirection = parsed.get("redirection").and_then(Value::as_str).map(str::to_owned);
    let ck = partner_core::random::token(24);
    let token = partner_core::random::token(32);
    let mut data = s.lock();
    data.next_id += 1;
    let id = data.next_id;
    data.credentials.insert(
        ck.clone(),
        FakeCredential {
            id,
            state: CredentialState::PendingValidation,
            rules,
            redirection,
            token: token.clone(),
        },
    );
    let validation_url = format!("{}/auth/?credentialToken={token}", s.base);
    with_query_id(Json(json!({"state": "pendingValidation", "consumerKey": ck, "validationUrl": validation_url})).into_response(), qid)
}

async fn validate(
    State(s): State<Arc<FakeState>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(token) = q.get("credentialToken") else {
        return (StatusCode::BAD_REQUEST, "missing credentialToken").into_response();
    };
    let mut data = s.lock();
    let Some(cred) = data.credentials.values_mut().find(|c| c.token == *token) else {
        return (StatusCode::NOT_FOUND, "unknown or used credential token").into_response();
    };
    cred.state = CredentialState::Validated;
    cred.token.clear();
    match &cred.redirection {
        Some(url) => Redirect::to(url).into_response(),
        None => {
            (StatusCode::OK, "The application was granted access to your account.").into_response()
        }
    }
}

async fn oauth2_token(State(s): State<Arc<FakeState>>, body: String) -> Response {
    let f: BTreeMap<String, String> = form_decode(&body).into_iter().collect();
    let ok = s.service_account.as_ref().is_some_and(|(id, secret)| {
        f.get("client_id") == Some(id)
            && f.get("client_secret").is_some_and(|c| secret.ct_eq(c.as_bytes()))
    });
    if f.get("grant_type").map(String::as_str) != Some("client_credentials") || !ok {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client", "error_description": "Invalid client credentials"}))).into_response();
    }
    let token = partner_core::random::token(32);
    s.lock().bearer_tokens.insert(token.clone(), s.now().saturating_add(Duration::from_secs(3600)));
    Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": "all"}))
        .into_response()
}

/// Every signed route: authentication, then the resource tree.
async fn api(
    State(s): State<Arc<FakeState>>,
    method: HttpMethod,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let qid = s.query_id();
    let answer =
        authenticated(&s, &method, &uri, &headers, &body).unwrap_or_else(|refusal| *refusal);
    with_query_id(answer, qid)
}

fn authenticated(
    s: &FakeState,
    method: &HttpMethod,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Box<Response>> {
    let fail = |status, code, message| Box::new(ovh_error(status, code, message));
    if s.inject_errors.load(Ordering::Relaxed) > 0 {
        s.inject_errors.fetch_sub(1, Ordering::Relaxed);
        return Err(Box::new(
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"message": "Service unavailable (injected)"})),
            )
                .into_response(),
        ));
    }
    let Some(api_method) = Method::parse(method.as_str()) else {
        return Err(fail(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "Method not allowed",
        ));
    };
    let full_path = uri.path();
    let rel = full_path.strip_prefix("/1.0").unwrap_or(full_path).to_owned();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());

    let (consumer, rules) = if let Some(bearer) =
        text("authorization").and_then(|a| a.strip_prefix("Bearer "))
    {
        let valid = s.lock().bearer_tokens.get(bearer).is_some_and(|exp| s.now() < *exp);
        if !valid {
            return Err(fail(
                StatusCode::UNAUTHORIZED,
                "INVALID_TOKEN",
                "Invalid or expired token",
            ));
        }
        (None, vec![AccessRule::new(api_method, "*")])
    } else {
        if text("x-ovh-application") != Some(s.application_key.as_str()) {
            return Err(fail(StatusCode::FORBIDDEN, "INVALID_KEY", "Invalid application key"));
        }
        let (Some(ck), Some(ts), Some(signature)) =
            (text("x-ovh-consumer"), text("x-ovh-timestamp"), text("x-ovh-signature"))
        else {
            return Err(fail(
                StatusCode::UNAUTHORIZED,
                "NOT_AUTHENTICATED",
                "You must login first",
            ));
        };
        let Some(cred) = s.lock().credentials.get(ck).cloned() else {
            return Err(fail(
                StatusCode::FORBIDDEN,
                "NOT_CREDENTIAL",
                "This credential does not exist",
            ));
        };
        // The URL as the client addressed it. Clients that sign the
        // canonical https URL (node-ovh, or any client behind a TLS proxy)
        // are accepted too: the real API only ever sees https.
        let host = text("host").unwrap_or("");
        let target = uri.path_and_query().map_or(full_path, |pq| pq.as_str());
        let bare_host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        let candidates = [
            format!("http://{host}{target}"),
            format!("https://{host}{target}"),
            format!("https://{bare_host}{target}"),
        ];
        let timestamp: i64 = ts
            .parse()
            .map_err(|_| fail(StatusCode::BAD_REQUEST, "INVALID_SIGNATURE", "Invalid signature"))?;
        let consumer_key = Secret::from(ck);
        let outcome = candidates
            .iter()
            .map(|url| {
                let request =
                    SignedRequest { method: method.as_str(), url, body, timestamp, signature };
                verify(&s.application_secret, &consumer_key, &request, s.now(), DEFAULT_MAX_SKEW)
            })
            .find(|r| !matches!(r, Err(crate::Error::BadSignature | crate::Error::Malformed(_))))
            .unwrap_or(Err(crate::Error::BadSignature));
        match outcome {
            Ok(()) => {}
            Err(crate::Error::Expired | crate::Error::NotYetValid) => {
                return Err(fail(StatusCode::BAD_REQUEST, "QUERY_TIME_OUT", "Query out of time"));
            }
            Err(_) => {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    "INVALID_SIGNATURE",
                    "Invalid signature",
                ));
            }
        }
        if cred.state != CredentialState::Validated {
            return Err(fail(
                StatusCode::FORBIDDEN,
                "INVALID_CREDENTIAL",
                "This credential is not valid",
            ));
        }
        (Some((ck.to_owned(), cred.id)), cred.rules)
    };
    if !rules.iter().any(|r| r.allows(api_method, &rel)) {
        return Err(fail(
            StatusCode::FORBIDDEN,
            "NOT_GRANTED_CALL",
            "This call has not been granted",
        ));
    }
    Ok(resource(s, api_method, &rel, uri.query(), headers, body, consumer, &rules))
}

#[allow(clippy::too_many_arguments)]
fn resource(
    s: &FakeState,
    method: Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    consumer: Option<(String, u64)>,
    rules: &[AccessRule],
) -> Response {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let not_found =
        || ovh_error(StatusCode::NOT_FOUND, "NOT_FOUND", "The requested object does not exist");
    let mut data = s.lock();
    match (method, segments.as_slice()) {
        (Method::Get, ["auth", "currentCredential"]) => match consumer {
            Some((_, id)) => Json(json!({
                "credentialId": id, "status": "validated", "rules": rules,
                "applicationId": 1, "expiration": null, "creation": "2026-01-01T00:00:00+00:00",
            }))
            .into_response(),
            None => not_found(),
        },
        (Method::Post, ["auth", "logout"]) => {
            if let Some((ck, _)) = consumer {
                data.credentials.remove(&ck);
            }
            Json(Value::Null).into_response()
        }
        (Method::Get, ["me"]) => Json(json!({"nichandle": "xx1234-ovh", "email": "customer@example.com", "firstname": "Jo", "name": "Customer"})).into_response(),
        (Method::Get, ["domain", "zone"]) => Json(data.zones.keys().collect::<Vec<_>>()).into_response(),
        (m, ["domain", "zone", zone, "record", rest @ ..]) => {
            let next_id = data.next_id + 1;
            let Some(records) = data.zones.get_mut(*zone) else { return not_found() };
            match (m, rest) {
                (Method::Get, []) => {
                    let filters: BTreeMap<String, String> = form_decode(query.unwrap_or("")).into_iter().collect();
                    let ids: Vec<u64> = records
                        .iter()
                        .filter(|(_, r)| filters.iter().all(|(k, v)| r.get(k).and_then(Value::as_str) == Some(v.as_str())))
                        .map(|(id, _)| *id)
                        .collect();
                    Json(ids).into_response()
                }
                (Method::Post, []) => {
                    let Ok(Value::Object(mut record)) = serde_json::from_slice::<Value>(body) else {
                        return ovh_error(StatusCode::BAD_REQUEST, "INVALID_PARAMETERS", "Invalid body");
                    };
                    if !record.get("fieldType").is_some_and(Value::is_string) || !record.get("target").is_some_and(Value::is_string) {
                        return ovh_error(StatusCode::BAD_REQUEST, "INVALID_PARAMETERS", "fieldType and target are required");
                    }
                    record.insert("id".into(), json!(next_id));
                    record.insert("zone".into(), json!(zone));
                    records.insert(next_id, Value::Object(record.clone()));
                    data.next_id = next_id;
                    Json(Value::Object(record)).into_response()
                }
                (_, [id]) => {
                    let Ok(id) = id.parse::<u64>() else { return not_found() };
                    match m {
                        Method::Get => records.get(&id).map_or_else(not_found, |r| Json(r.clone()).into_response()),
                        Method::Delete => records.remove(&id).map_or_else(not_found, |_| Json(Value::Null).into_response()),
                        Method::Put => match (records.get_mut(&id), serde_json::from_slice::<Value>(body)) {
                            (Some(Value::Object(r)), Ok(Value::Object(changes))) => {
                                r.extend(changes.into_iter().filter(|(k, _)| k != "id" && k != "zone"));
                                Json(Value::Null).into_response()
                            }
                            (None, _) => not_found(),
                            _ => ovh_error(StatusCode::BAD_REQUEST, "INVALID_PARAMETERS", "Invalid body"),
                        },
                        _ => not_found(),
                    }
                }
                _ => not_found(),
            }
        }
        (Method::Get, ["v2", "iam", "resource"]) => {
            let start: usize = headers.get("x-pagination-cursor").and_then(|v| v.to_str().ok()).and_then(|c| c.parse().ok()).unwrap_or(0);
            let all: Vec<Value> = data.zones.keys().map(|z| json!({"id": z, "urn": format!("urn:v1:eu:resource:dnsZone:{z}"), "name": z, "type": "dnsZone"})).collect();
            let page: Vec<Value> = all.iter().skip(start).take(s.page_size).cloned().collect();
            let mut response = Json(page).into_response();
            if start + s.page_size < all.len() {
                if let Ok(v) = HeaderValue::from_str(&(start + s.page_size).to_string()) {
                    response.headers_mut().insert("x-pagination-cursor-next", v);
                }
            }
            response
        }
        _ => not_found(),
    }
}
