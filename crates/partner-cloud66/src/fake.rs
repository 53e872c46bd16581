//! A fake Cloud 66 (feature `mock`), for real HTTP on 127.0.0.1.
//!
//! - `GET /integrations/{partner}/start?uid=..`: the dashboard click; sends
//!   the user to the partner's URL with `uid`, `email` and `callback`.
//! - `POST /partner/{partner}/link`: the partner endpoint (form or JSON);
//!   the documented 403 texts; remembers links, so a second one is
//!   "`<partner>` is already linked to this account".
//! - `GET /sso/signin/{provider}`: redirects to the partner's registered URL
//!   with a fresh multipass and signature for the signed-in user.
//! - `GET /oauth/authorize` (auto-approves for the signed-in user) and
//!   `POST /oauth/token` (single-use codes, non-expiring tokens).
//! - `GET /api/3/stacks` (paged, scope `public`), `GET /api/3/stacks/{uid}`,
//!   `POST /api/3/stacks/{uid}/deployments` (scope `redeploy`).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use partner_core::encoding::{form_decode, form_encode};
use partner_core::server::{LoopbackServer, ServerLimits};
use partner_core::{Clock, Secret, SystemClock};
use serde_json::{Value, json};

use crate::{MultipassKeys, Scope, ScopeSet};

/// A user of the fake Cloud 66.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeUser {
    /// Cloud 66's id of the user (`uid` of the link redirect).
    pub uid: String,
    /// E-mail address.
    pub email: String,
    /// Name.
    pub name: String,
}

#[derive(Debug, Clone)]
struct Partner {
    name: String,
    provider_uid: String,
    link_url: String,
    sso_return_url: String,
}

#[derive(Debug, Clone)]
struct OAuthApp {
    client_id: String,
    client_secret: Secret,
    redirect_uri: String,
}

/// Entry point of the fake; see [`FakeCloud66::builder`].
#[derive(Debug)]
pub struct FakeCloud66;

impl FakeCloud66 {
    /// An empty fake: add a partner, users, an OAuth2 app and stacks.
    pub fn builder() -> FakeCloud66Builder {
        FakeCloud66Builder {
            partner: None,
            users: Vec::new(),
            app: None,
            stacks: Vec::new(),
            per_page: 2,
            clock: Arc::new(SystemClock),
        }
    }
}

/// Configures the fake.
#[derive(Debug)]
#[must_use]
pub struct FakeCloud66Builder {
    partner: Option<Partner>,
    users: Vec<FakeUser>,
    app: Option<OAuthApp>,
    stacks: Vec<(String, String)>,
    per_page: usize,
    clock: Arc<dyn Clock>,
}

impl FakeCloud66Builder {
    /// The partner: its name (PROVIDER), its 32-character UID, the URL the
    /// dashboard sends users to for linking, and the URL SSO returns to.
    pub fn partner(
        mut self,
        name: impl Into<String>,
        provider_uid: impl Into<String>,
        link_url: impl Into<String>,
        sso_return_url: impl Into<String>,
    ) -> Self {
        self.partner = Some(Partner {
            name: name.into(),
            provider_uid: provider_uid.into(),
            link_url: link_url.into(),
            sso_return_url: sso_return_url.into(),
        });
        self
    }

    /// Adds a user; the first one is the user signed in to the fake.
    pub fn user(
        mut self,
        uid: impl Into<String>,
        email: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        self.users.push(FakeUser { uid: uid.into(), email: email.into(), name: name.into() });
        self
    }

    /// The partner's OAuth2 application.
    pub fn oauth_app(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        self.app = Some(OAuthApp {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: redirect_uri.into(),
        });
        self
    }

    /// Adds a stack of the signed-in user.
    pub fn stack(mut self, uid: impl Into<String>, name: impl Into<String>) -> Self {
        self.stacks.push((uid.into(), name.into()));
        self
    }

    /// Items per page of the API's lists.
    pub fn per_page(mut self, n: usize) -> Self {
        self.per_page = n.max(1);
        self
    }

    /// Where the fake reads the time (multipass expiry).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Serves the fake on `127.0.0.1:port` (0 picks a free port).
    ///
    /// An empty OAuth2 client secret is refused (`InvalidInput`): the fake
    /// would then hand tokens to anyone who sends an empty one.
    pub async fn start(self, port: u16) -> std::io::Result<RunningCloud66> {
        if self.app.as_ref().is_some_and(|app| app.client_secret.is_empty()) {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "key is empty"));
        }
        let listener = LoopbackServer::bind(port).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(FakeState {
            base: format!("http://{addr}"),
            partner: self.partner,
            users: self.users,
            app: self.app,
            stacks: self.stacks,
            per_page: self.per_page,
            clock: self.clock,
            data: Mutex::new(Data::default()),
        });
        let router = Router::new()
            .route("/integrations/{partner}/start", get(start_link))
            .route("/integrations/{partner}/done", get(link_done))
            .route("/partner/{partner}/link", post(link))
            .route("/sso/signin/{provider}", get(sso_signin))
            .route("/oauth/authorize", get(authorize))
            .route("/oauth/token", post(token))
            .route("/api/3/stacks", get(stacks))
            .route("/api/3/stacks/{uid}", get(stack))
            .route("/api/3/stacks/{uid}/deployments", post(redeploy))
            .with_state(state.clone());
        let server = LoopbackServer::start(listener, router, ServerLimits::default())?;
        Ok(RunningCloud66 { state, server })
    }
}

/// The fake, serving on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningCloud66 {
    state: Arc<FakeState>,
    server: LoopbackServer,
}

impl RunningCloud66 {
    /// `http://127.0.0.1:<port>`: the web host (SSO, OAuth2, dashboard).
    pub fn base_url(&self) -> String {
        self.state.base.clone()
    }

    /// `http://127.0.0.1:<port>/api/3`.
    pub fn api_base_url(&self) -> String {
        format!("{}/api/3", self.state.base)
    }

    /// The partner endpoint for provisioning POSTs.
    pub fn partner_endpoint(&self) -> String {
        let name = self.state.partner.as_ref().map_or("partner", |p| p.name.as_str());
        format!("{}/partner/{name}/link", self.state.base)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The uids of the users linked so far.
    pub fn linked_uids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.state.lock().linked.iter().cloned().collect();
        v.sort();
        v
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
    partner: Option<Partner>,
    users: Vec<FakeUser>,
    app: Option<OAuthApp>,
    stacks: Vec<(String, String)>,
    per_page: usize,
    clock: Arc<dyn Clock>,
    data: Mutex<Data>,
}

#[derive(Debug, Default)]
struct Data {
    linked: HashSet<String>,
    codes: HashMap<String, ScopeSet>,
    tokens: HashMap<String, ScopeSet>,
}

impl FakeState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn partner(&self, name: &str) -> Option<&Partner> {
        self.partner.as_ref().filter(|p| p.name == name)
    }
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body.into()).into_response()
}

async fn start_link(
    State(s): State<Arc<FakeState>>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(partner) = s.partner(&name) else {
        return text(StatusCode::NOT_FOUND, "unknown partner");
    };
    let user =
        q.get("uid").and_then(|uid| s.users.iter().find(|u| u.uid == *uid)).or(s.users.first());
    let Some(user) = user else { return text(StatusCode::NOT_FOUND, "no user") };
    let callback = format!("{}/integrations/{}/done", s.base, partner.name);
    let query = form_encode([
        ("uid", user.uid.as_str()),
        ("email", user.email.as_str()),
        ("callback", callback.as_str()),
    ]);
    Redirect::to(&format!("{}?{query}", partner.link_url)).into_response()
}

async fn link_done(Path(name): Path<String>) -> Response {
    text(StatusCode::OK, format!("integration {name} finished"))
}

async fn link(
    State(s): State<Arc<FakeState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let Some(partner) = s.partner(&name) else {
        return text(StatusCode::NOT_FOUND, "unknown partner endpoint");
    };
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let fields: HashMap<String, String> = if is_json {
        match serde_json::from_str::<Value>(&body) {
            Ok(Value::Object(obj)) => {
                obj.into_iter().filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned()))).collect()
            }
            _ => HashMap::new(),
        }
    } else {
        form_decode(&body).into_iter().collect()
    };
    let Some(uid) = fields.get("link_uid").filter(|v| !v.is_empty()) else {
        return text(StatusCode::FORBIDDEN, "link_uid is missing");
    };
    let Some(email) = fields.get("user_email").filter(|v| !v.is_empty()) else {
        return text(StatusCode::FORBIDDEN, "user_email is missing");
    };
    let Some(user) = s.users.iter().find(|u| u.uid == *uid) else {
        return text(StatusCode::FORBIDDEN, "invalid link_uid");
    };
    if !user.email.eq_ignore_ascii_case(email) {
        return text(
            StatusCode::FORBIDDEN,
            "invalid user_email (invalid email or not enough privileges to accept this integration by this user).",
        );
    }
    if !s.lock().linked.insert(user.uid.clone()) {
        return text(
            StatusCode::FORBIDDEN,
            format!("{} is already linked to this account", partner.name),
        );
    }
    text(StatusCode::OK, "service added")
}

async fn sso_signin(State(s): State<Arc<FakeState>>, Path(provider): Path<String>) -> Response {
    let Some(partner) = s.partner(&provider) else {
        return text(StatusCode::NOT_FOUND, "unknown provider");
    };
    let Some(user) = s.users.first() else {
        return text(StatusCode::UNAUTHORIZED, "no signed-in user");
    };
    let keys = match MultipassKeys::cloud66(&partner.provider_uid) {
        Ok(k) => k,
        Err(_) => {
            return text(StatusCode::INTERNAL_SERVER_ERROR, "provider uid is not 32 characters");
        }
    };
    let expires = s.clock.unix_time().saturating_add(Duration::from_secs(60));
    let token = keys.encode_identity(&user.email, &user.name, expires);
    let query = form_encode([
        ("multipass", token.multipass.as_str()),
        ("signature", token.signature.as_deref().unwrap_or("")),
    ]);
    Redirect::to(&format!("{}?{query}", partner.sso_return_url)).into_response()
}

async fn authorize(
    State(s): State<Arc<FakeState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(app) = &s.app else { return text(StatusCode::NOT_FOUND, "no oauth app") };
    if q.get("client_id") != Some(&app.client_id) {
        return text(StatusCode::BAD_REQUEST, "unknown client_id");
    }
    if q.get("redirect_uri") != Some(&app.redirect_uri) {
        return text(StatusCode::BAD_REQUEST, "redirect_uri does not match the application");
    }
    if q.get("response_type").map(String::as_str) != Some("code") {
        return text(StatusCode::BAD_REQUEST, "response_type must be code");
    }
    let scopes = match ScopeSet::parse(q.get("scope").map_or("public", String::as_str)) {
        Ok(s) if !s.is_empty() => s,
        _ => {
            return Redirect::to(&format!(
                "{}?{}",
                app.redirect_uri,
                form_encode([
                    ("error", "invalid_scope"),
                    ("state", q.get("state").map_or("", String::as_str))
                ])
            ))
            .into_response();
        }
    };
    let code = partner_core::random::token(24);
    s.lock().codes.insert(code.clone(), scopes);
    let query = form_encode([
        ("code", code.as_str()),
        ("state", q.get("state").map_or("", String::as_str)),
    ]);
    Redirect::to(&format!("{}?{query}", app.redirect_uri)).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

async fn token(State(s): State<Arc<FakeState>>, body: String) -> Response {
    let Some(app) = &s.app else {
        return oauth_error(StatusCode::NOT_FOUND, "invalid_client", "no oauth app");
    };
    let f: HashMap<String, String> = form_decode(&body).into_iter().collect();
    let client_ok = f.get("client_id") == Some(&app.client_id)
        && f.get("client_secret").is_some_and(|c| app.client_secret.ct_eq(c.as_bytes()));
    if !client_ok {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    if f.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported.",
        );
    }
    let mut data = s.lock();
    let scopes = match (
        f.get("code").and_then(|c| data.codes.remove(c)),
        f.get("redirect_uri") == Some(&app.redirect_uri),
    ) {
        (Some(scopes), true) => scopes,
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
            );
        }
    };
    let token = partner_core::random::token(32);
    data.tokens.insert(token.clone(), scopes.clone());
    Json(json!({"access_token": token, "token_type": "bearer", "scope": scopes.to_string(), "created_at": s.clock.unix_time().as_secs()})).into_response()
}

/// The scopes of the bearer token, or the 401 answer.
fn bearer(s: &FakeState, headers: &HeaderMap) -> Result<ScopeSet, Box<Response>> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    token.and_then(|t| s.lock().tokens.get(t).cloned()).ok_or_else(|| {
        Box::new(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The access token is invalid",
        ))
    })
}

fn need(scopes: &ScopeSet, scope: Scope) -> Result<(), Box<Response>> {
    if scopes.allows(scope) {
        Ok(())
    } else {
        Err(Box::new(oauth_error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            &format!("The access token does not have the required scope: {}", scope.as_str()),
        )))
    }
}

fn stack_json((uid, name): &(String, String)) -> Value {
    json!({"uid": uid, "name": name, "environment": "production"})
}

async fn stacks(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = bearer(&s, &headers).and_then(|sc| need(&sc, Scope::Public)) {
        return *r;
    }
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let pages = s.stacks.len().div_ceil(s.per_page).max(1);
    let items: Vec<Value> =
        s.stacks.iter().skip((page - 1) * s.per_page).take(s.per_page).map(stack_json).collect();
    Json(json!({
        "response": items,
        "count": items.len(),
        "pagination": {
            "previous": if page > 1 { json!(page - 1) } else { Value::Null },
            "next": if page < pages { json!(page + 1) } else { Value::Null },
            "current": page, "per_page": s.per_page, "count": s.stacks.len(), "pages": pages,
        },
    }))
    .into_response()
}

async fn stack(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(uid): Path<String>,
) -> Response {
    if let Err(r) = bearer(&s, &headers).and_then(|sc| need(&sc, Scope::Public)) {
        return *r;
    }
    match s.stacks.iter().find(|(u, _)| *u == uid) {
        Some(st) => Json(json!({"response": stack_json(st)})).into_response(),
        None => oauth_error(StatusCode::NOT_FOUND, "not_found", "Stack not found"),
    }
}

async fn redeploy(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    Path(uid): Path<String>,
) -> Response {
    if let Err(r) = bearer(&s, &headers).and_then(|sc| need(&sc, Scope::Redeploy)) {
        return *r;
    }
    if !s.stacks.iter().any(|(u, _)| *u == uid) {
        return oauth_error(StatusCode::NOT_FOUND, "not_found", "Stack not found");
    }
    Json(json!({"response": {"ok": true, "message": "Stack queued for redeployment"}}))
        .into_response()
}
