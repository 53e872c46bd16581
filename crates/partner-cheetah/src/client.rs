//! The HTTP client (feature `client`): the cached integration token, member
//! SSO, and the one-call helper for a web handler.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use partner_core::encoding::{base64_encode, form_encode, form_encode_component};
use partner_core::token::{AccessToken, CachedToken, TokenSource};
use partner_core::{BaseUrl, Clock, Secret, SystemClock};

use crate::response::{
    ACCEPT, DEFAULT_SSO_PATH, MemberSsoRequest, SsoResponse, TOKEN_PATH, parse_sso_response,
    parse_token_response,
};
use crate::{Error, MemberState};

/// Default time limit of a whole request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// A cached integration token is replaced this long before it expires.
pub const DEFAULT_REFRESH_BEFORE: Duration = Duration::from_secs(300);

/// How member SSO calls authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SsoAuth {
    /// With the cached integration access token (one token request per
    /// token lifetime, shared by all callers).
    #[default]
    IntegrationToken,
    /// With `client_id` and `client_secret` on every call.
    ClientCredentials,
}

/// A Cheetah (Stellar) client for one program: cheap to clone, share one.
///
/// ```no_run
/// # async fn login_handler() -> String {
/// use partner_cheetah::{CheetahClient, MemberSsoRequest};
///
/// let cheetah = CheetahClient::builder("https://acme.cheetahedp.com", "client id", "client secret")
///     .build()
///     .expect("valid settings");
/// let member = MemberSsoRequest::new("user-42", "Susan", "Sample", "susan@example.com");
/// // Never fails: on any error the state carries a non-empty sso_error.
/// let state = cheetah.member_state(&member).await;
/// state.to_script_element(None).expect("no nonce")
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CheetahClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    endpoint: Arc<Endpoint>,
    sso_url: reqwest::Url,
    auth: SsoAuth,
    tokens: CachedToken<IntegrationTokenSource, Arc<dyn Clock>>,
}

#[derive(Debug)]
struct Endpoint {
    http: reqwest::Client,
    token_url: reqwest::Url,
    client_id: String,
    client_secret: Secret,
    token_basic_auth: bool,
    clock: Arc<dyn Clock>,
    token_requests: AtomicU64,
}

/// Configures a [`CheetahClient`]; settings are validated by [`build`](Self::build).
#[derive(Debug)]
#[must_use]
pub struct CheetahClientBuilder {
    base: String,
    client_id: String,
    client_secret: Secret,
    sso_path: String,
    auth: SsoAuth,
    token_basic_auth: bool,
    http: Option<reqwest::Client>,
    timeout: Duration,
    refresh_before: Duration,
    clock: Arc<dyn Clock>,
}

impl CheetahClientBuilder {
    /// The SSO path (default `/program/api/sso`; some programs use `/console/api/sso`).
    pub fn sso_path(mut self, path: impl Into<String>) -> Self {
        self.sso_path = path.into();
        self
    }

    /// How SSO calls authenticate (default: the cached integration token).
    pub fn sso_auth(mut self, auth: SsoAuth) -> Self {
        self.auth = auth;
        self
    }

    /// How the token request authenticates the client: `false` (the
    /// default) sends `client_id` and `client_secret` as form fields, as the
    /// vendor's examples do; `true` sends them by HTTP Basic
    /// (`client_secret_basic`, RFC 6749 §2.3.1: each form-encoded, then
    /// base64), which Doorkeeper also accepts. SSO calls with
    /// [`SsoAuth::ClientCredentials`] keep sending them in the form.
    pub fn token_basic_auth(mut self, basic: bool) -> Self {
        self.token_basic_auth = basic;
        self
    }

    /// Uses this `reqwest::Client`; build it with redirects off.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Time limit of a whole request (default 15 s) for the built-in client.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long before expiry the integration token is replaced (default 5 min).
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }

    /// Where the time comes from (default the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<CheetahClient, Error> {
        let base = BaseUrl::parse(&self.base)?;
        if self.client_id.is_empty() {
            return Err(Error::Malformed("client id is empty"));
        }
        if self.client_secret.is_empty() {
            return Err(Error::EmptyKey);
        }
        let path_ok = self
            .sso_path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'.'));
        if !path_ok {
            return Err(Error::UnsafeInput("sso path must be an absolute path of [A-Za-z0-9/_.-]"));
        }
        // Each piece one checked segment: no `.`, `..` or empty piece.
        let sso_url = partner_core::path::url_with_path(base.as_str(), &self.sso_path, &[])?;
        let token_url = partner_core::path::url_with_path(base.as_str(), TOKEN_PATH, &[])?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(self.timeout)
                .connect_timeout(self.timeout.min(Duration::from_secs(5)))
                .user_agent(concat!("partner-cheetah/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(Error::Transport)?,
        };
        let endpoint = Arc::new(Endpoint {
            http,
            token_url,
            client_id: self.client_id,
            client_secret: self.client_secret,
            token_basic_auth: self.token_basic_auth,
            clock: self.clock.clone(),
            token_requests: AtomicU64::new(0),
        });
        Ok(CheetahClient {
            inner: Arc::new(Inner {
                tokens: CachedToken::new(
                    IntegrationTokenSource(endpoint.clone()),
                    self.clock,
                    self.refresh_before,
                ),
                endpoint,
                sso_url,
                auth: self.auth,
            }),
        })
    }
}

/// Fetches integration tokens with the client credentials grant.
#[derive(Debug)]
struct IntegrationTokenSource(Arc<Endpoint>);

impl TokenSource for IntegrationTokenSource {
    type Error = Error;

    async fn fetch_token(&self) -> Result<AccessToken, Error> {
        let ep = &self.0;
        ep.token_requests.fetch_add(1, Ordering::Relaxed);
        let secret =
            ep.client_secret.expose_str().ok_or(Error::Malformed("client secret is not utf-8"))?;
        let (body, authorization) = if ep.token_basic_auth {
            let credentials = format!(
                "{}:{}",
                form_encode_component(&ep.client_id),
                form_encode_component(secret)
            );
            let mut value = reqwest::header::HeaderValue::try_from(format!(
                "Basic {}",
                base64_encode(credentials)
            ))
            .map_err(|_| Error::Malformed("client credentials make no header"))?;
            value.set_sensitive(true);
            (form_encode([("grant_type", "client_credentials")]), Some(value))
        } else {
            let body = form_encode([
                ("grant_type", "client_credentials"),
                ("client_id", ep.client_id.as_str()),
                ("client_secret", secret),
            ]);
            (body, None)
        };
        let (status, bytes) = ep.post_form(&ep.token_url, body, authorization).await?;
        let issued = ep.clock.unix_time();
        let token = parse_token_response(status, &bytes)?;
        tracing::debug!(expires_in = ?token.expires_in, "cheetah integration token obtained");
        let expires_at = token.expires_in.map(|s| issued.saturating_add(Duration::from_secs(s)));
        Ok(AccessToken::new(token.access_token, expires_at))
    }
}

impl Endpoint {
    async fn post_form(
        &self,
        url: &reqwest::Url,
        body: String,
        authorization: Option<reqwest::header::HeaderValue>,
    ) -> Result<(u16, Vec<u8>), Error> {
        let mut request = self
            .http
            .post(url.clone())
            .header(reqwest::header::ACCEPT, ACCEPT)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(value) = authorization {
            request = request.header(reqwest::header::AUTHORIZATION, value);
        }
        let response = request.body(body).send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(transport)?;
        Ok((status, bytes.to_vec()))
    }
}

fn transport(err: reqwest::Error) -> Error {
    if err.is_timeout() { Error::Timeout } else { Error::Transport(err.without_url()) }
}

impl CheetahClient {
    /// Starts configuring a client for the program at `base_url`
    /// (`https://<company>.cheetahedp.com`) with the credentials of its
    /// "integration" OAuth app.
    pub fn builder(
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> CheetahClientBuilder {
        CheetahClientBuilder {
            base: base_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            sso_path: DEFAULT_SSO_PATH.to_owned(),
            auth: SsoAuth::default(),
            token_basic_auth: false,
            http: None,
            timeout: DEFAULT_TIMEOUT,
            refresh_before: DEFAULT_REFRESH_BEFORE,
            clock: Arc::new(SystemClock),
        }
    }

    /// The integration access token: cached, refreshed before expiry, one
    /// request in flight however many callers wait for it.
    pub async fn integration_token(&self) -> Result<AccessToken, Error> {
        self.inner.tokens.token().await
    }

    /// How many token requests this client has sent (for tests and metrics).
    pub fn token_requests(&self) -> u64 {
        self.inner.endpoint.token_requests.load(Ordering::Relaxed)
    }

    /// Finds or creates the member and returns their tokens.
    ///
    /// With [`SsoAuth::IntegrationToken`], a 401 that says the token expired or
    /// is invalid makes the client fetch a new token once and retry once.
    pub async fn sso(&self, member: &MemberSsoRequest) -> Result<SsoResponse, Error> {
        member.validate()?;
        match self.inner.auth {
            SsoAuth::ClientCredentials => self.post_sso(member, None).await,
            SsoAuth::IntegrationToken => {
                let token = self.integration_token().await?;
                match self.post_sso(member, Some(&token)).await {
                    Err(err) if err.is_token_problem() => {
                        tracing::debug!("cheetah refused the integration token; refreshing once");
                        self.inner.tokens.invalidate(&token).await;
                        let fresh = self.integration_token().await?;
                        self.post_sso(member, Some(&fresh)).await
                    }
                    other => other,
                }
            }
        }
    }

    async fn post_sso(
        &self,
        member: &MemberSsoRequest,
        token: Option<&AccessToken>,
    ) -> Result<SsoResponse, Error> {
        let ep = &self.inner.endpoint;
        let mut fields: Vec<(&str, &str)> = Vec::with_capacity(8);
        match token {
            Some(t) => {
                fields.push((
                    "access_token",
                    t.secret.expose_str().ok_or(Error::Malformed("token is not utf-8"))?,
                ));
            }
            None => {
                fields.push(("client_id", &ep.client_id));
                fields.push((
                    "client_secret",
                    ep.client_secret
                        .expose_str()
                        .ok_or(Error::Malformed("client secret is not utf-8"))?,
                ));
            }
        }
        fields.extend(member.form_fields());
        let (status, body) = ep.post_form(&self.inner.sso_url, form_encode(&fields), None).await?;
        parse_sso_response(status, &body)
    }

    /// The one call for a login handler: ensures the member and returns the
    /// page state. It never fails: on any error it returns an error state
    /// with a non-empty `sso_error` (`sso_rejected`, `sso_unavailable` or
    /// `sso_invalid_response`), never a half-filled one. Use [`sso`](Self::sso)
    /// to see the error itself.
    pub async fn member_state(&self, member: &MemberSsoRequest) -> MemberState {
        match self.sso(member).await {
            Ok(sso) => MemberState::signed_in(
                sso.access_token.expose_str().unwrap_or_default(),
                sso.refresh_token.as_ref().and_then(Secret::expose_str).unwrap_or_default(),
                member.first_name.trim(),
                member.full_name(),
            ),
            Err(err) => {
                tracing::warn!(error = %err, "cheetah member sso failed");
                MemberState::failed(match err {
                    Error::Rejected { .. } => "sso_rejected",
                    Error::Malformed(_)
                    | Error::UnsafeInput(_)
                    | Error::EmptyKey
                    | Error::Core(_) => "sso_invalid_response",
                    Error::Transport(_) | Error::Timeout => "sso_unavailable",
                })
            }
        }
    }
}
