//! The HTTP client (feature `client`): the cached integration token, member
//! SSO, and the one-call helper for a web handler, on
//! [`partner_core::http::HttpClient`].

mod builder;
mod dialect;
mod token;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use partner_core::encoding::form_encode;
use partner_core::http::Call;
use partner_core::http::reqwest::Url;
use partner_core::http::reqwest::header::{ACCEPT, CONTENT_TYPE};
use partner_core::token::{AccessToken, CachedToken};
use partner_core::{Clock, ErrorKind, HasErrorKind, Secret};

pub use self::builder::CheetahClientBuilder;
use self::dialect::CheetahDialect;
use self::token::{Endpoint, IntegrationTokenSource};
use crate::response::{self, MemberSsoRequest, SsoResponse};
use crate::{Error, MemberState};

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
/// let cheetah = CheetahClient::builder("client id", "client secret")
///     .base_url("https://acme.cheetahedp.com")
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
    sso_url: Url,
    sso_template: &'static str,
    auth: SsoAuth,
    tokens: CachedToken<IntegrationTokenSource, Arc<dyn Clock>>,
}

impl CheetahClient {
    /// Starts configuring a client with the credentials of the program's
    /// "integration" OAuth app; set the program's URL with
    /// [`base_url`](CheetahClientBuilder::base_url).
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> CheetahClientBuilder {
        CheetahClientBuilder::new(client_id.into(), client_secret.into())
    }

    /// The integration access token: cached, refreshed before expiry, one
    /// request in flight however many callers wait for it.
    ///
    /// # Errors
    ///
    /// Cheetah's refusal (`rejected`, with [`Error::rejection`]), an
    /// unusable answer (`rejected`), or no answer (`unavailable`).
    pub async fn integration_token(&self) -> Result<AccessToken, Error> {
        self.inner.tokens.token().await
    }

    /// How many token requests this client has sent (for tests and metrics).
    pub fn token_requests(&self) -> u64 {
        self.inner.endpoint.token_requests.load(Ordering::Relaxed)
    }

    /// Finds or creates the member and returns their tokens.
    ///
    /// With [`SsoAuth::IntegrationToken`], a 401 that says the token expired
    /// or is invalid ([`Error::is_token_problem`]) makes the client fetch a
    /// new token and send the call once more.
    ///
    /// # Errors
    ///
    /// `malformed` for a member without the fields its match needs; else as
    /// [`integration_token`](Self::integration_token).
    pub async fn sso(&self, member: &MemberSsoRequest) -> Result<SsoResponse, Error> {
        member.validate()?;
        let inner = &*self.inner;
        let dialect = CheetahDialect { cached_token: inner.auth == SsoAuth::IntegrationToken };
        let call = Call::new("member_sso", inner.sso_template).dialect(&dialect);
        // The token the last attempt carried, to drop from the cache if refused.
        let used: Mutex<Option<AccessToken>> = Mutex::new(None);
        let used = &used;
        let answer = inner
            .endpoint
            .http
            .send(call, |attempt| async move {
                let body = match inner.auth {
                    SsoAuth::ClientCredentials => inner.client_credentials_form(member)?,
                    SsoAuth::IntegrationToken => {
                        if attempt.refresh {
                            tracing::debug!("cheetah refused the integration token; refreshing");
                            let stale = used.lock().unwrap_or_else(PoisonError::into_inner).take();
                            if let Some(stale) = stale {
                                inner.tokens.invalidate(&stale).await;
                            }
                        }
                        let token = inner.tokens.token().await?;
                        let body = token_form(&token, member)?;
                        *used.lock().unwrap_or_else(PoisonError::into_inner) = Some(token);
                        body
                    }
                };
                Ok::<_, Error>(
                    inner
                        .endpoint
                        .http
                        .reqwest()
                        .post(inner.sso_url.clone())
                        .header(ACCEPT, response::ACCEPT)
                        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(body),
                )
            })
            .await?;
        Ok(response::read_sso(answer.body()).map_err(|u| u.into_answer_error("sso answer"))?)
    }

    /// The one call for a login handler: ensures the member and returns the
    /// page state. It never fails: on any error it returns an error state
    /// with a non-empty `sso_error` (`sso_rejected` when Cheetah refused,
    /// `sso_unavailable` when it did not answer, `sso_invalid_response`
    /// for an unusable answer or member), never a half-filled one. Use
    /// [`sso`](Self::sso) to see the error itself.
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
                MemberState::failed(match err.error_kind() {
                    ErrorKind::Unavailable => "sso_unavailable",
                    ErrorKind::Rejected if err.rejection().is_some() => "sso_rejected",
                    _ => "sso_invalid_response",
                })
            }
        }
    }
}

impl Inner {
    /// The SSO form with the client credentials.
    fn client_credentials_form(&self, member: &MemberSsoRequest) -> Result<String, Error> {
        let ep = &self.endpoint;
        let secret = ep
            .client_secret
            .expose_str()
            .ok_or(partner_core::Error::Malformed("client secret is not utf-8"))?;
        let mut fields = vec![("client_id", ep.client_id.as_str()), ("client_secret", secret)];
        fields.extend(member.form_fields());
        Ok(form_encode(fields))
    }
}

/// The SSO form with the integration token.
fn token_form(token: &AccessToken, member: &MemberSsoRequest) -> Result<String, Error> {
    let secret =
        token.secret.expose_str().ok_or(partner_core::Error::Malformed("token is not utf-8"))?;
    let mut fields = vec![("access_token", secret)];
    fields.extend(member.form_fields());
    Ok(form_encode(fields))
}
