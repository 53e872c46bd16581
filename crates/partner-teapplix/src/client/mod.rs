//! The HTTP client (feature `client`): PSObtainToken, the one-call launch for
//! a web handler, and paired-account API2 calls, on
//! [`partner_core::http::HttpClient`].

mod api2;
mod builder;
mod dialect;

use std::sync::Arc;

use partner_core::http::reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use partner_core::http::{Answer, Call, HttpClient};
use partner_core::{BaseUrl, Clock};
use serde::de::DeserializeOwned;

pub use api2::Api2Call;
pub use builder::TeapplixClientBuilder;
use dialect::TeapplixDialect;

use crate::error::{malformed, unsafe_input};
use crate::obtain::{API_TOKEN_HEADER, parse_obtain_token_response};
use crate::{Error, LaunchSigner, LaunchUrl, ObtainedToken, PROVIDER};

/// A Teapplix partner client: one per partner, shared by every request
/// (it is cheap to clone).
///
/// Every call goes through [`partner_core::http::HttpClient`]: redirects
/// off, the settings' timeouts, a `partner.http` span per call, and
/// retries of `GET` API2 calls after a 5xx, a 408 or a transport failure.
/// PSObtainToken is not sent again after a 408 or 5xx answer (each call
/// Teapplix acts on issues a token); it is after a 429 or a transport
/// failure.
///
/// ```no_run
/// # async fn handler() -> Result<(), partner_teapplix::Error> {
/// use partner_teapplix::{LaunchSigner, TeapplixClient};
///
/// let client = TeapplixClient::builder("partner api token")
///     .launch_signer(LaunchSigner::new("signature key")?)
///     .build()?;
/// // In the handler behind your "Open Teapplix" button:
/// let url = client.launch_url("the customer's PSClientID").await?;
/// // respond with a 303 redirect to url.as_str()
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TeapplixClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: HttpClient,
    api_base: BaseUrl,
    api_token: HeaderValue,
    signer: Option<LaunchSigner>,
    clock: Arc<dyn Clock>,
}

impl TeapplixClient {
    /// Calls PSObtainToken for a paired account.
    ///
    /// # Errors
    ///
    /// Teapplix's refusal as [`partner_core::Error::Rejected`] (see
    /// [`Error::rejection`]), no answer as
    /// [`partner_core::Error::Unavailable`], an unusable answer as
    /// [`partner_core::Error::InvalidResponse`] or [`Error::UnsafeVhost`].
    pub async fn obtain_token(&self, ps_client_id: &str) -> Result<ObtainedToken, Error> {
        let call = Call::new("obtain_token", "/api2/PSObtainToken")
            .dialect(&TeapplixDialect::OBTAIN_TOKEN);
        let answer = self.send(call, &Api2Call::get("PSObtainToken"), ps_client_id).await?;
        let issued_at = self.inner.clock.unix_time();
        parse_obtain_token_response(answer.status(), answer.body(), issued_at)
    }

    /// The one call behind an "Open Teapplix" button: obtains a token for the
    /// paired account and returns the signed launch URL to redirect to.
    ///
    /// # Errors
    ///
    /// As [`obtain_token`](Self::obtain_token), and
    /// [`partner_core::Error::Malformed`] when the client was built without
    /// a [`launch_signer`](TeapplixClientBuilder::launch_signer) (checked
    /// before any token is obtained).
    pub async fn launch_url(&self, ps_client_id: &str) -> Result<LaunchUrl, Error> {
        let signer = self.signer().ok_or_else(|| {
            malformed("no launch signer is configured (TeapplixClientBuilder::launch_signer)")
        })?;
        let token = self.obtain_token(ps_client_id).await?;
        signer.launch_url_for(&token, self.inner.clock.unix_time())
    }

    /// The signer this client builds launch URLs with, when it has one, to
    /// build a launch URL from a token obtained earlier.
    pub fn signer(&self) -> Option<&LaunchSigner> {
        self.inner.signer.as_ref()
    }

    /// Calls any API2 method for a paired account and decodes its JSON answer.
    ///
    /// # Errors
    ///
    /// As [`obtain_token`](Self::obtain_token); an answer that does not
    /// decode as `T` is [`partner_core::Error::InvalidResponse`] (kind
    /// `rejected`), with the JSON error as its source; a method name that
    /// is not ASCII letters and digits is
    /// [`partner_core::Error::UnsafeInput`].
    pub async fn call<T: DeserializeOwned>(
        &self,
        call: &Api2Call,
        ps_client_id: &str,
    ) -> Result<T, Error> {
        let template = Call::new("api2_call", "/api2/{method}").dialect(&TeapplixDialect::API2);
        let answer = self.send(template, call, ps_client_id).await?;
        Ok(answer.json(PROVIDER, "api2 answer")?)
    }

    async fn send(
        &self,
        template: Call<'_>,
        call: &Api2Call,
        ps_client_id: &str,
    ) -> Result<Answer, Error> {
        if ps_client_id.is_empty() {
            return Err(malformed("PSClientID is empty"));
        }
        let method = &call.method;
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(unsafe_input("api2 method name must be ascii letters and digits"));
        }
        let query: Vec<(&str, &str)> = std::iter::once(("PSClientID", ps_client_id))
            .chain(call.params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .collect();
        let url = partner_core::path::url_with_segments(
            self.inner.api_base.as_str(),
            ["api2", method.as_str()],
            &query,
        )?;
        let http = self.inner.http.reqwest();
        let request = match &call.body {
            None => http.get(url),
            Some(body) => http.post(url).header(CONTENT_TYPE, "application/json").body(
                serde_json::to_vec(body).map_err(|e| partner_core::Error::json("api2 body", e))?,
            ),
        };
        let request = request
            .header(API_TOKEN_HEADER, self.inner.api_token.clone())
            .header(ACCEPT, "application/json");
        Ok(self.inner.http.send_request(template, request).await?)
    }
}
