//! The OAuth2 "silent flow" as Blendr runs it, from the client side: the
//! hub sends the user to the partner's authorize URL with `prompt=none`,
//! takes the code at its callback, exchanges it at the partner's token
//! endpoint, verifies the id token and refreshes once.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use partner_core::encoding::{form_encode, html_escape};
use partner_core::http::oauth::{ClientAuth, token_request};
use partner_core::http::reqwest;
use partner_core::server::{FormFields, html_page};
use partner_core::{BaseUrl, Error as CoreError, Secret, UnixTime};
use serde_json::{Map, Value};

use super::state::HubState;
use super::{
    CONNECT_STATE_LIFETIME, CONNECT_TIMEOUT, MAX_ACCOUNT_FIELD_BYTES, MAX_TOKEN_ANSWER_BYTES,
};
use crate::Error;

/// The scope asked for unless [`SilentFlowPartner::scope`] says otherwise.
pub const DEFAULT_SILENT_FLOW_SCOPE: &str = "openid profile email";

/// How far in the future an id token's `iat` may be (clock skew).
const IAT_SKEW: Duration = Duration::from_secs(60);

/// The partner authorization server the hub connects accounts with, as
/// Blendr's OAuth2 "silent flow" client: see
/// [`FakeBlendrBuilder::silent_flow_partner`](super::FakeBlendrBuilder::silent_flow_partner).
///
/// `authorize_url` and `token_url` must be `https`, or `http` on a
/// loopback address (a partner server in a test), with no query, fragment
/// or credentials; the fake's `start` and `into_router` refuse others.
/// `Debug` never shows the client secret.
///
/// ```
/// use partner_blendr::fake::SilentFlowPartner;
///
/// let partner = SilentFlowPartner::new(
///     "https://app.example.com/oauth/authorize",
///     "https://app.example.com/oauth/token",
///     "blendr-client",
///     "client-secret",
/// )
/// .scope("openid email");
/// assert!(!format!("{partner:?}").contains("client-secret"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct SilentFlowPartner {
    authorize_url: String,
    token_url: String,
    client_id: String,
    client_secret: Secret,
    scope: String,
}

impl fmt::Debug for SilentFlowPartner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SilentFlowPartner")
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("scope", &self.scope)
            .finish()
    }
}

impl SilentFlowPartner {
    /// The partner's authorize and token endpoints, and the client id and
    /// secret it gave Blendr (the secret authenticates the hub at the token
    /// endpoint, by HTTP Basic, and is the HS256 key of the id token).
    pub fn new(
        authorize_url: impl Into<String>,
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        SilentFlowPartner {
            authorize_url: authorize_url.into(),
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scope: DEFAULT_SILENT_FLOW_SCOPE.to_owned(),
        }
    }

    /// The `scope` of the authorize request (default
    /// [`DEFAULT_SILENT_FLOW_SCOPE`]); empty: no `scope` parameter.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }
}

/// An account connected through the silent flow: who the partner's id
/// token says the user is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SilentConnection {
    /// The id token's `sub`.
    pub subject: String,
    /// The id token's `name`, when present.
    pub name: Option<String>,
    /// The id token's `email`, when present.
    pub email: Option<String>,
}

/// The configured partner, checked, with the hub's HTTP client for it.
#[derive(Debug)]
pub(super) struct SilentClient {
    partner: SilentFlowPartner,
    /// `<fake base url>/callback`: the redirect URI the hub sends.
    callback: String,
    http: reqwest::Client,
}

impl SilentClient {
    /// Checks the partner's settings and builds the HTTP client: a
    /// [`CONNECT_TIMEOUT`] per call, no redirects followed.
    pub(super) fn new(partner: SilentFlowPartner, base: &str) -> Result<Self, Error> {
        for url in [&partner.authorize_url, &partner.token_url] {
            BaseUrl::parse(url)?;
        }
        if partner.client_id.is_empty() {
            return Err(CoreError::Malformed("silent flow client id is empty").into());
        }
        if partner.client_secret.is_empty() {
            return Err(CoreError::EmptyKey.into());
        }
        let http = reqwest::Client::builder()
            .timeout(CONNECT_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| partner_core::http::transport_error(crate::PROVIDER, err))?;
        Ok(SilentClient { partner, callback: format!("{base}/callback"), http })
    }
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    html_page(status, title, body)
}

fn not_configured() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Not found",
        "<p id=\"error\">No silent-flow partner is configured on this hub.</p>",
    )
}

fn error_page(status: StatusCode, message: &str) -> Response {
    page(
        status,
        "Connection failed",
        &format!(
            "<p id=\"error\">{}</p>\n<p><a href=\"/connect\">Back</a></p>",
            html_escape(message)
        ),
    )
}

/// `<p id="..">value</p>` when there is a value.
fn field(out: &mut String, id: &str, value: Option<&str>) {
    if let Some(value) = value {
        out.push_str(&format!("<p id=\"{id}\">{}</p>\n", html_escape(value)));
    }
}

/// `GET /connect`: the link that starts the flow, and the latest
/// connection.
pub(super) async fn connect_page(State(state): State<Arc<HubState>>) -> Response {
    if state.silent.is_none() {
        return not_configured();
    }
    let latest = state.lock().latest_connection.clone();
    let mut body =
        String::from("<p><a id=\"connect\" href=\"/connect/start\">Connect your account</a></p>\n");
    if let Some(c) = latest {
        body.push_str("<p>Currently connected:</p>\n");
        field(&mut body, "current-subject", Some(&c.subject));
        field(&mut body, "current-name", c.name.as_deref());
        field(&mut body, "current-email", c.email.as_deref());
    }
    page(StatusCode::OK, "Connect your account", &body)
}

/// `GET /connect/start`: 303 to the partner's authorize URL with a fresh
/// single-use `state`.
pub(super) async fn connect_start(State(state): State<Arc<HubState>>) -> Response {
    let Some(silent) = &state.silent else { return not_configured() };
    let flow_state = partner_core::random::token(24);
    let now = state.clock.unix_time();
    state.lock().connect_states.insert(
        flow_state.clone(),
        (),
        now.saturating_add(CONNECT_STATE_LIFETIME),
        now,
    );
    let partner = &silent.partner;
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", partner.client_id.as_str()),
        ("redirect_uri", silent.callback.as_str()),
        ("prompt", "none"),
        ("state", flow_state.as_str()),
    ];
    if !partner.scope.is_empty() {
        pairs.push(("scope", partner.scope.as_str()));
    }
    let url = format!("{}?{}", partner.authorize_url, form_encode(pairs));
    let mut response = Redirect::to(&url).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /callback?code&state` or `?error&state`: the partner's answer.
pub(super) async fn callback(
    State(state): State<Arc<HubState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(silent) = &state.silent else { return not_configured() };
    let q = FormFields::parse_urlencoded(query.unwrap_or_default().as_bytes());
    let now = state.clock.unix_time();
    let known = q
        .get("state")
        .filter(|s| !s.is_empty())
        .is_some_and(|s| state.lock().connect_states.take(&s.to_owned(), now).is_some());
    if !known {
        return error_page(StatusCode::BAD_REQUEST, "unknown, expired or already used state");
    }
    if let Some(error) = q.get("error") {
        let mut body = String::new();
        field(&mut body, "error", Some(error));
        field(&mut body, "error-description", q.get("error_description"));
        body.push_str("<p><a href=\"/connect\">Back</a></p>");
        return page(StatusCode::OK, "Not connected", &body);
    }
    let Some(code) = q.get("code").filter(|c| !c.is_empty()) else {
        return error_page(StatusCode::BAD_REQUEST, "the answer carries neither code nor error");
    };
    let connection = match exchange(silent, code, now).await {
        Ok(connection) => connection,
        Err(message) => return error_page(StatusCode::BAD_GATEWAY, &message),
    };
    let mut body = String::new();
    field(&mut body, "subject", Some(&connection.subject));
    field(&mut body, "name", connection.name.as_deref());
    field(&mut body, "email", connection.email.as_deref());
    body.push_str("<p><a href=\"/connect\">Back</a></p>");
    {
        let mut data = state.lock();
        data.connections.insert(
            connection.subject.clone(),
            connection.clone(),
            UnixTime::from_secs(i64::MAX),
            now,
        );
        data.latest_connection = Some(connection);
    }
    page(StatusCode::OK, "Connected", &body)
}

/// One call to the token endpoint (HTTP Basic): the JSON object of a 200
/// answer of at most [`MAX_TOKEN_ANSWER_BYTES`], or what failed.
async fn token_call(
    silent: &SilentClient,
    what: &str,
    params: &[(&str, &str)],
) -> Result<Map<String, Value>, String> {
    let partner = &silent.partner;
    let request = token_request(
        &silent.http,
        &partner.token_url,
        ClientAuth::Basic,
        &partner.client_id,
        &partner.client_secret,
        params,
    )
    .map_err(|_| format!("{what}: the client credentials cannot be sent"))?;
    let mut response = request.send().await.map_err(|err| {
        format!("{what}: the token endpoint could not be reached ({})", reason(&err))
    })?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        return Err(format!("{what}: the token endpoint answered HTTP {}", status.as_u16()));
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_TOKEN_ANSWER_BYTES {
                    return Err(format!("{what}: the token answer is too large"));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(err) => {
                return Err(format!("{what}: the token answer was cut ({})", reason(&err)));
            }
        }
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(format!("{what}: the token answer is not a JSON object")),
    }
}

fn reason(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "connection refused or failed"
    } else {
        "transport error"
    }
}

/// A non-empty string member.
fn text<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    map.get(name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn check_bearer(map: &Map<String, Value>, what: &str) -> Result<(), String> {
    match text(map, "token_type") {
        Some(t) if t.eq_ignore_ascii_case("bearer") => Ok(()),
        _ => Err(format!("{what}: token_type is not Bearer")),
    }
}

/// The code exchange, the id token and one refresh; what failed, without
/// any secret or token, on failure.
async fn exchange(
    silent: &SilentClient,
    code: &str,
    now: UnixTime,
) -> Result<SilentConnection, String> {
    const CODE: &str = "code exchange";
    const REFRESH: &str = "refresh";
    let answer = token_call(
        silent,
        CODE,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", silent.callback.as_str()),
        ],
    )
    .await?;
    let access_token =
        text(&answer, "access_token").ok_or(format!("{CODE}: no access_token in the answer"))?;
    let refresh_token =
        text(&answer, "refresh_token").ok_or(format!("{CODE}: no refresh_token in the answer"))?;
    let id_token = text(&answer, "id_token").ok_or(format!("{CODE}: no id_token in the answer"))?;
    check_bearer(&answer, CODE)?;
    let connection = verify_id_token(&silent.partner, id_token, now)?;

    let refreshed = token_call(
        silent,
        REFRESH,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)],
    )
    .await?;
    let new_access = text(&refreshed, "access_token")
        .ok_or(format!("{REFRESH}: no access_token in the answer"))?;
    check_bearer(&refreshed, REFRESH)?;
    if new_access == access_token {
        return Err(format!("{REFRESH}: the access_token is not new"));
    }
    Ok(connection)
}

/// The id token: HS256 with the client secret, `aud` the client id, `iss`,
/// `sub`, `iat` and `exp` present; `exp` and `iat` against the hub's clock
/// (jsonwebtoken would read the system clock, so its time checks are off).
fn verify_id_token(
    partner: &SilentFlowPartner,
    token: &str,
    now: UnixTime,
) -> Result<SilentConnection, String> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.leeway = 0;
    validation.set_audience(&[partner.client_id.as_str()]);
    validation.set_required_spec_claims(&["exp", "iat", "sub", "aud", "iss"]);
    let key = DecodingKey::from_secret(partner.client_secret.expose());
    let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
        .map_err(|err| {
            let what = match err.kind() {
                JwtErrorKind::InvalidSignature => {
                    "its signature does not verify with the client secret"
                }
                JwtErrorKind::InvalidAlgorithm => "it is not HS256",
                JwtErrorKind::InvalidAudience => "it is for another audience",
                JwtErrorKind::MissingRequiredClaim(_) => "it lacks iss, sub, aud, iat or exp",
                _ => "it cannot be read",
            };
            format!("id_token refused: {what}")
        })?
        .claims;
    let date = |name: &str| {
        claims
            .get(name)
            .map(UnixTime::from_numeric_date)
            .and_then(Result::ok)
            .ok_or(format!("id_token refused: {name} is not a numeric date"))
    };
    if now >= date("exp")? {
        return Err("id_token refused: it has expired".to_owned());
    }
    if date("iat")? > now.saturating_add(IAT_SKEW) {
        return Err("id_token refused: it is issued in the future".to_owned());
    }
    if text(&claims, "iss").is_none() {
        return Err("id_token refused: iss is not a string".to_owned());
    }
    let subject = text(&claims, "sub").ok_or("id_token refused: sub is not a string")?;
    let optional = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let connection = SilentConnection {
        subject: subject.to_owned(),
        name: optional("name"),
        email: optional("email"),
    };
    let too_long = |v: &str| v.len() > MAX_ACCOUNT_FIELD_BYTES;
    if too_long(&connection.subject)
        || connection.name.as_deref().is_some_and(too_long)
        || connection.email.as_deref().is_some_and(too_long)
    {
        return Err("id_token refused: sub, name or email is longer than 255 bytes".to_owned());
    }
    Ok(connection)
}
