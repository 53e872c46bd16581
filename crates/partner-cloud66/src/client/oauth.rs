//! [`OAuthClient`]: the authorization code exchanged for a token
//! (`POST /oauth/token`).

use std::sync::Arc;

use partner_core::http::oauth::{ClientAuth, TokenAnswer, token_request};
use partner_core::http::{Call, HttpClient};
use partner_core::{Clock, Error as CoreError, Secret};
use url::Url;

use super::{Cloud66Dialect, Options, common_setters};
use crate::oauth::DEFAULT_BASE_URL;
use crate::{Error, PROVIDER, ScopeSet};

/// A Cloud 66 OAuth2 access token (they do not expire until revoked).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthToken {
    /// The bearer token.
    pub access_token: Secret,
    /// `bearer`.
    pub token_type: String,
    /// The scopes granted, when the answer says.
    pub scopes: Option<ScopeSet>,
}

/// Exchanges authorization codes for tokens (`POST /oauth/token` on
/// [`DEFAULT_BASE_URL`] unless [`base_url`](OAuthClientBuilder::base_url)
/// says otherwise).
///
/// ```no_run
/// # async fn callback(code: &str) -> Result<(), partner_cloud66::Error> {
/// use partner_cloud66::{ClientAuth, OAuthClient};
///
/// let oauth = OAuthClient::builder("client-1", "secret-1")
///     .redirect_uri("https://partner.example/cloud66/oauth")
///     .client_auth(ClientAuth::Body) // HTTP Basic is the default
///     .build()?;
/// let token = oauth.exchange_code(code).await?;
/// # let _ = token; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OAuthClient {
    http: HttpClient,
    token_url: Url,
    client_id: String,
    client_secret: Secret,
    redirect_uri: Option<String>,
    client_auth: ClientAuth,
    clock: Arc<dyn Clock>,
}

/// Configures an [`OAuthClient`].
#[derive(Debug)]
#[must_use]
pub struct OAuthClientBuilder {
    options: Options,
    client_id: String,
    client_secret: Secret,
    redirect_uri: Option<String>,
    client_auth: ClientAuth,
}

impl OAuthClient {
    /// Starts configuring the client of your OAuth2 application.
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> OAuthClientBuilder {
        OAuthClientBuilder {
            options: Options::new(Some(DEFAULT_BASE_URL)),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: None,
            client_auth: ClientAuth::default(),
        }
    }

    /// Exchanges `code` (after checking `state` yourself with
    /// [`OAuthState::verify`](crate::OAuthState::verify)).
    ///
    /// # Errors
    ///
    /// A refusal is kind `rejected`, with the OAuth2 `error` (for example
    /// `invalid_grant`) as the [`rejection`](Error::rejection)'s code.
    pub async fn exchange_code(&self, code: &str) -> Result<OAuthToken, Error> {
        let mut params = vec![("grant_type", "authorization_code"), ("code", code)];
        if let Some(redirect_uri) = &self.redirect_uri {
            params.push(("redirect_uri", redirect_uri));
        }
        let request = token_request(
            self.http.reqwest(),
            self.token_url.as_str(),
            self.client_auth,
            &self.client_id,
            &self.client_secret,
            &params,
        )?;
        let call = Call::new("exchange_code", "/oauth/token").dialect(&Cloud66Dialect);
        let answer = self.http.send_request(call, request).await?;
        let token = TokenAnswer::from_answer(PROVIDER, &answer, self.clock.unix_time())?;
        Ok(OAuthToken {
            access_token: token.access_token,
            token_type: token.token_type.as_deref().unwrap_or("bearer").to_ascii_lowercase(),
            scopes: token.scope.and_then(|s| ScopeSet::parse(&s).ok()),
        })
    }
}

impl OAuthClientBuilder {
    common_setters!();

    /// The `redirect_uri` sent with the code: required when one was sent
    /// to the authorize endpoint (the same one).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// How the client authenticates at the token endpoint: HTTP Basic
    /// (the default, RFC 6749 §2.3.1) or `client_id` / `client_secret` in
    /// the body.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// `malformed` for an empty client id or secret or a base URL that is
    /// not a URL; `unsafe-input` for a base URL that is not https (http
    /// only on loopback).
    pub fn build(self) -> Result<OAuthClient, Error> {
        if self.client_id.is_empty() || self.client_secret.is_empty() {
            return Err(CoreError::EmptyKey.into());
        }
        let base = self.options.base_url()?;
        let token_url = partner_core::path::url_with_path(base.as_str(), "/oauth/token", &[])?;
        let (http, clock) = self.options.http()?;
        Ok(OAuthClient {
            http,
            token_url,
            client_id: self.client_id,
            client_secret: self.client_secret,
            redirect_uri: self.redirect_uri,
            client_auth: self.client_auth,
            clock,
        })
    }
}
