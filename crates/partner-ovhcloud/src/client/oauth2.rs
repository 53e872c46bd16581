//! The token source of a service account: OAuth2 client credentials
//! (RFC 6749 §4.4, scope `all`) at the account's token URL.

use std::sync::Arc;

use partner_core::http::oauth::{ClientAuth, OAuth2Errors, TokenAnswer, token_request};
use partner_core::http::{Call, HttpClient};
use partner_core::token::{AccessToken, TokenSource};
use partner_core::{BaseUrl, Clock, Secret};

use crate::{Error, PROVIDER};

/// Fetches a service account's tokens; cached by a `CachedToken`.
#[derive(Debug)]
pub(super) struct OAuth2Source {
    pub(super) http: HttpClient,
    pub(super) token_url: BaseUrl,
    pub(super) client_id: String,
    pub(super) client_secret: Secret,
    pub(super) client_auth: ClientAuth,
    pub(super) clock: Arc<dyn Clock>,
}

impl TokenSource for OAuth2Source {
    type Error = Error;

    async fn fetch_token(&self) -> Result<AccessToken, Error> {
        let request = token_request(
            self.http.reqwest(),
            self.token_url.as_str(),
            self.client_auth,
            &self.client_id,
            &self.client_secret,
            &[("grant_type", "client_credentials"), ("scope", "all")],
        )?;
        let call = Call::new("oauth2_token", "/auth/oauth2/token").dialect(&OAuth2Errors);
        let answer = self.http.send_request(call, request).await?;
        let token = TokenAnswer::from_answer(PROVIDER, &answer, self.clock.unix_time())?;
        Ok(AccessToken::new(token.access_token, token.expires_at))
    }
}
