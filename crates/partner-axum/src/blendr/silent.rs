//! [`SilentFlowServer`]: your side of Blendr's OAuth2 "silent" flow, as an
//! authorization server Blendr's client talks to.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use partner_blendr::oauth::{IdTokenUser, SilentFlow};
use partner_core::crypto::sha256;
use partner_core::encoding::hex_encode;
use partner_core::server::FormFields;
use partner_core::server::oauth::{TokenError, client_credentials, token_response};
use partner_core::shared::SecretStore;
use partner_core::{Clock, Secret, SystemClock};
use serde_json::json;

use crate::{AppUser, CurrentUser, Env, EnvError, Problem, SignedRedirect};

/// How long an authorization code lives.
const CODE_TTL: Duration = Duration::from_secs(60);
/// How long an access token (and the id token) lives.
const ACCESS_TTL: Duration = Duration::from_secs(3_600);
/// How long a refresh token lives (rotated at each use).
const REFRESH_TTL: Duration = Duration::from_secs(30 * 86_400);

/// Blendr's OAuth2 silent flow, served: mount [`router`](Self::router)
/// and register its `/authorize` and `/token` URLs with Blendr.
///
/// - `GET /authorize`: Blendr's request is checked (`response_type=code`,
///   your client id, exactly the registered redirect URI, `prompt=none`,
///   a `state`); a logged-in user gets a code (single use, 60 s); anyone
///   else `error=login_required`: with `prompt=none` no login page is
///   shown. A request that fails the checks gets a 400 problem, never a
///   redirect.
/// - `POST /token`: client authentication by HTTP Basic or in the body
///   (RFC 6749 §2.3.1), `authorization_code` and `refresh_token` grants;
///   answers `access_token`, `refresh_token` (rotated) and `id_token`
///   (HS256 with the client secret), `no-store`.
///
/// Codes and tokens live in the [`SecretStore`] you give (in memory, or
/// Redis for a fleet, where the token call may reach another process than
/// the authorize call), under the SHA-256 of their value.
///
/// ```
/// use std::sync::Arc;
/// use partner_axum::blendr::SilentFlowServer;
/// use partner_core::shared::LocalSecretStore;
/// use partner_core::SystemClock;
///
/// let store = Arc::new(LocalSecretStore::new(Arc::new(SystemClock), 100_000));
/// let server = SilentFlowServer::new("blendr", "client-secret", "https://acme.example", store)?;
/// # Ok::<(), partner_blendr::Error>(())
/// ```
#[derive(Clone)]
pub struct SilentFlowServer {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    flow: SilentFlow,
    client_id: String,
    client_secret: Secret,
    redirect_uri: String,
    store: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for SilentFlowServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SilentFlowServer")
            .field("client_id", &self.inner.client_id)
            .field("redirect_uri", &self.inner.redirect_uri)
            .finish_non_exhaustive()
    }
}

fn store_name(kind: &str, token: &str) -> String {
    format!("blendr:{kind}:{}", hex_encode(sha256(token.as_bytes())))
}

impl SilentFlowServer {
    /// The server for Blendr's `client_id` and `client_secret` (an empty
    /// one is refused), naming `issuer` in id tokens, keeping codes and
    /// tokens in `store`.
    ///
    /// # Errors
    ///
    /// `malformed` for an empty client id or secret.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        issuer: impl Into<String>,
        store: Arc<dyn SecretStore>,
    ) -> Result<Self, partner_blendr::Error> {
        let client_id = client_id.into();
        let client_secret: Secret = client_secret.into();
        let flow = SilentFlow::new(client_id.clone(), client_secret.clone(), issuer)?;
        Ok(SilentFlowServer {
            inner: Arc::new(Inner {
                flow,
                client_id,
                client_secret,
                redirect_uri: partner_blendr::oauth::BLENDR_CALLBACK.to_owned(),
                store,
                clock: Arc::new(SystemClock),
            }),
        })
    }

    fn edit(mut self, f: impl FnOnce(&mut Inner)) -> Self {
        f(Arc::make_mut(&mut self.inner));
        self
    }

    /// Accepts this redirect URI instead of Blendr's
    /// (`https://auth.blendr.io/callback`): a fake's callback in tests.
    #[must_use]
    pub fn redirect_uri(self, uri: impl Into<String>) -> Self {
        let uri = uri.into();
        self.edit(|i| {
            i.flow = i.flow.clone().with_redirect_uri(uri.clone());
            i.redirect_uri = uri;
        })
    }

    /// The clock of id-token times.
    #[must_use]
    pub fn clock(self, clock: Arc<dyn Clock>) -> Self {
        self.edit(|i| i.clock = clock)
    }

    /// From the environment:
    ///
    /// | variable | use |
    /// |---|---|
    /// | `BLENDR_OAUTH_CLIENT_ID` | the client id you gave Blendr |
    /// | `BLENDR_OAUTH_CLIENT_SECRET` | its secret (also the id tokens' HS256 key) |
    /// | `BLENDR_OAUTH_ISSUER` | your issuer URL (`iss`) |
    /// | `BLENDR_OAUTH_REDIRECT_URI` | optional; Blendr's callback by default |
    ///
    /// # Errors
    ///
    /// [`EnvError`] naming the variable missing or unusable.
    pub fn from_env(env: &Env, store: Arc<dyn SecretStore>) -> Result<Self, EnvError> {
        let server = SilentFlowServer::new(
            env.required("BLENDR_OAUTH_CLIENT_ID")?,
            env.secret("BLENDR_OAUTH_CLIENT_SECRET")?,
            env.required("BLENDR_OAUTH_ISSUER")?,
            store,
        )
        .map_err(|e| EnvError::invalid("BLENDR_OAUTH_CLIENT_SECRET", e))?;
        Ok(match env.optional("BLENDR_OAUTH_REDIRECT_URI") {
            Some(uri) => server.redirect_uri(uri),
            None => server,
        })
    }

    /// The user an access token this server issued belongs to (for your
    /// API that Blendr calls with it).
    ///
    /// # Errors
    ///
    /// 503 when the store does not answer.
    pub async fn user_for_access_token(&self, token: &str) -> Result<Option<AppUser>, Problem> {
        let found = self.inner.store.get(&store_name("access", token)).await?;
        Ok(found.and_then(|s| read_user(&s)))
    }

    /// The router: `GET /authorize` and `POST /token`.
    pub fn router<U: CurrentUser, S>(&self, users: U) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        Router::new()
            .route("/authorize", get(authorize::<U>))
            .route("/token", post(token::<U>))
            .with_state((self.clone(), users))
    }

    async fn issue(&self, user: &AppUser) -> Result<Response, TokenError> {
        let unavailable = |_| {
            TokenError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the token store did not answer",
            )
        };
        let now = self.inner.clock.unix_time();
        let id_token = self
            .inner
            .flow
            .issue_id_token(
                &IdTokenUser::new(user.id.as_str())
                    .name(user.name.as_str())
                    .email(user.email.as_str()),
                now,
                ACCESS_TTL,
            )
            .map_err(|_| TokenError::invalid_grant())?;
        let access = partner_core::random::token(32);
        let refresh = partner_core::random::token(32);
        let record = write_user(user);
        let store = &self.inner.store;
        store
            .put(&store_name("access", &access), &record, Some(ACCESS_TTL))
            .await
            .map_err(unavailable)?;
        store
            .put(&store_name("refresh", &refresh), &record, Some(REFRESH_TTL))
            .await
            .map_err(unavailable)?;
        Ok(token_response(json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL.as_secs(),
            "refresh_token": refresh,
            "id_token": id_token,
        })))
    }
}

/// A user as stored with a code or token.
fn write_user(user: &AppUser) -> Secret {
    Secret::from(json!({"id": user.id, "name": user.name, "email": user.email}).to_string())
}

fn read_user(secret: &Secret) -> Option<AppUser> {
    let v: serde_json::Value = serde_json::from_slice(secret.expose()).ok()?;
    let field = |k: &str| v.get(k).and_then(serde_json::Value::as_str).map(str::to_owned);
    Some(AppUser::new(field("id")?, field("name")?, field("email")?))
}

async fn authorize<U: CurrentUser>(
    State((server, users)): State<(SilentFlowServer, U)>,
    parts: Parts,
) -> Response {
    let request = match server.inner.flow.parse_authorize(parts.uri.query().unwrap_or("")) {
        Ok(request) => request,
        Err(err) => return Problem::from_error(&err).into_response(),
    };
    let Some(user) = users.current_user(&parts).await else {
        return SignedRedirect::to(server.inner.flow.login_required(&request)).into_response();
    };
    let code = partner_core::random::token(32);
    if let Err(err) =
        server.inner.store.put(&store_name("code", &code), &write_user(&user), Some(CODE_TTL)).await
    {
        return Problem::from_error(&err).into_response();
    }
    SignedRedirect::to(server.inner.flow.approve(&request, &code)).into_response()
}

async fn token<U: CurrentUser>(
    State((server, _users)): State<(SilentFlowServer, U)>,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    match exchange(&server, &headers, &form).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn exchange(
    server: &SilentFlowServer,
    headers: &HeaderMap,
    form: &FormFields,
) -> Result<Response, TokenError> {
    let inner = &server.inner;
    for name in ["grant_type", "code", "redirect_uri", "refresh_token", "client_id"] {
        if form.count(name) > 1 {
            return Err(TokenError::invalid_request("A parameter is repeated."));
        }
    }
    let client = client_credentials(headers, form)?;
    let method = client.as_ref().map(|c| c.method());
    if !client.is_some_and(|c| c.matches(&inner.client_id, &inner.client_secret)) {
        return Err(TokenError::invalid_client(method));
    }
    let take = |kind: &'static str, value: Option<&str>| {
        let value = value.unwrap_or_default().to_owned();
        async move {
            if value.is_empty() {
                return Err(TokenError::invalid_request("The grant's code or token is missing."));
            }
            match inner.store.take(&store_name(kind, &value)).await {
                Ok(Some(record)) => read_user(&record).ok_or_else(TokenError::invalid_grant),
                Ok(None) => Err(TokenError::invalid_grant()),
                Err(_) => Err(TokenError::new(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the token store did not answer",
                )),
            }
        }
    };
    match form.get("grant_type") {
        Some("authorization_code") => {
            if form.get("redirect_uri") != Some(inner.redirect_uri.as_str()) {
                return Err(TokenError::invalid_grant());
            }
            let user = take("code", form.get("code")).await?;
            server.issue(&user).await
        }
        Some("refresh_token") => {
            let user = take("refresh", form.get("refresh_token")).await?;
            server.issue(&user).await
        }
        Some(_) => Err(TokenError::unsupported_grant_type()),
        None => Err(TokenError::invalid_request("grant_type is missing.")),
    }
}
