//! The integration token: the client credentials grant at `/oauth/token`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use partner_core::http::oauth::{self, ClientAuth};
use partner_core::http::reqwest::header::{ACCEPT, HeaderValue};
use partner_core::http::reqwest::{RequestBuilder, Url};
use partner_core::http::{Call, HttpClient};
use partner_core::token::{AccessToken, TokenSource};
use partner_core::{Clock, Secret};

use super::dialect::CheetahDialect;
use crate::Error;
use crate::response::{self, TOKEN_PATH};

/// What the token source and the SSO calls share.
#[derive(Debug)]
pub(super) struct Endpoint {
    pub(super) http: HttpClient,
    pub(super) token_url: Url,
    pub(super) client_id: String,
    pub(super) client_secret: Secret,
    pub(super) client_auth: ClientAuth,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) token_requests: AtomicU64,
}

impl Endpoint {
    /// The token request: `grant_type=client_credentials`, the client
    /// authenticated as `client_auth` says, and Cheetah's `Accept` (in
    /// place of the `application/json` of the generic token request).
    fn token_request(&self) -> Result<RequestBuilder, Error> {
        let request = oauth::token_request(
            self.http.reqwest(),
            self.token_url.as_str(),
            self.client_auth,
            &self.client_id,
            &self.client_secret,
            &[("grant_type", "client_credentials")],
        )?;
        let mut request = request
            .build()
            .map_err(|_| partner_core::Error::Malformed("token request cannot be built"))?;
        request.headers_mut().insert(ACCEPT, HeaderValue::from_static(response::ACCEPT));
        Ok(RequestBuilder::from_parts(self.http.reqwest().clone(), request))
    }
}

/// Fetches integration tokens with the client credentials grant.
#[derive(Debug)]
pub(super) struct IntegrationTokenSource(pub(super) Arc<Endpoint>);

impl TokenSource for IntegrationTokenSource {
    type Error = Error;

    async fn fetch_token(&self) -> Result<AccessToken, Error> {
        let ep = &self.0;
        let dialect = CheetahDialect { cached_token: false };
        let call = Call::new("integration_token", TOKEN_PATH).dialect(&dialect);
        let answer = ep
            .http
            .send(call, |_| {
                ep.token_requests.fetch_add(1, Ordering::Relaxed);
                let request = ep.token_request();
                async move { request }
            })
            .await?;
        let issued = ep.clock.unix_time();
        let token =
            response::read_token(answer.body()).map_err(|u| u.into_answer_error("token answer"))?;
        tracing::debug!(expires_in = ?token.expires_in, "cheetah integration token obtained");
        let expires_at = token.expires_in.map(|s| issued.saturating_add(Duration::from_secs(s)));
        Ok(AccessToken::new(token.access_token, expires_at))
    }
}
