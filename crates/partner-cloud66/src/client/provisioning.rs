//! [`ProvisioningClient`]: the POST to your partner endpoint that adds the
//! provisioned service to the user's Cloud 66 account.

use partner_core::encoding::form_encode;
use partner_core::http::{Call, HttpClient, reqwest};
use partner_core::{BaseUrl, Error as CoreError};
use serde_json::Value;

use super::{Cloud66Dialect, Options, common_setters};
use crate::{Error, LinkRequest, ProvisionFailure};

/// How the provisioning POST sends its fields. The document names none;
/// form encoding is the chosen reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BodyEncoding {
    /// `application/x-www-form-urlencoded` (default).
    #[default]
    Form,
    /// `application/json`, every value a string.
    Json,
}

/// Adds a provisioned service to the user's Cloud 66 account: the POST to
/// your partner endpoint (the URL Cloud 66 support gives you, set with
/// [`base_url`](ProvisioningClientBuilder::base_url): there is no default).
///
/// ```no_run
/// # async fn handler(link: partner_cloud66::LinkRequest) -> Result<(), partner_cloud66::Error> {
/// use partner_cloud66::{Error, ProvisionFailure, ProvisioningClient};
///
/// let cloud66 = ProvisioningClient::builder()
///     .base_url("https://app.cloud66.com/partners/acme/link")
///     .build()?;
/// match cloud66.provision(&link, &[("api_key", "the user's new key")]).await {
///     Ok(()) | Err(Error::Provision(ProvisionFailure::AlreadyLinked(_))) => {}
///     Err(other) => return Err(other),
/// }
/// // then redirect the browser to link.callback
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ProvisioningClient {
    http: HttpClient,
    endpoint: BaseUrl,
    encoding: BodyEncoding,
}

/// Configures a [`ProvisioningClient`].
#[derive(Debug)]
#[must_use]
pub struct ProvisioningClientBuilder {
    options: Options,
    encoding: BodyEncoding,
}

impl ProvisioningClient {
    /// Starts configuring the client; set the endpoint with
    /// [`base_url`](ProvisioningClientBuilder::base_url).
    pub fn builder() -> ProvisioningClientBuilder {
        ProvisioningClientBuilder { options: Options::new(None), encoding: BodyEncoding::default() }
    }

    /// POSTs `link_uid`, `user_email` and the partner-specific `extra` fields.
    /// 2xx is success; a 403 is read by the documented texts
    /// ([`Error::Provision`]). The POST is not retried after a 5xx or a
    /// broken connection (it may have been acted on).
    pub async fn provision(&self, link: &LinkRequest, extra: &[(&str, &str)]) -> Result<(), Error> {
        let mut fields: Vec<(&str, &str)> =
            vec![("link_uid", &link.uid), ("user_email", &link.email)];
        fields
            .extend(extra.iter().filter(|(k, _)| *k != "link_uid" && *k != "user_email").copied());
        let request = self.http.reqwest().post(self.endpoint.as_str());
        let request = match self.encoding {
            BodyEncoding::Form => request
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form_encode(&fields)),
            BodyEncoding::Json => {
                let obj: serde_json::Map<String, Value> =
                    fields.iter().map(|(k, v)| ((*k).to_owned(), Value::from(*v))).collect();
                request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(Value::Object(obj).to_string())
            }
        };
        let call = Call::new("provision", "{partner_endpoint}").dialect(&Cloud66Dialect);
        match self.http.send_request(call, request).await {
            Ok(_) => Ok(()),
            Err(CoreError::Rejected(rejection)) if rejection.status == 403 => {
                let text = rejection.message.as_deref().unwrap_or_default();
                Err(Error::Provision(ProvisionFailure::from_text(text)))
            }
            Err(err) => Err(err.into()),
        }
    }
}

impl ProvisioningClientBuilder {
    common_setters!();

    /// Sends JSON instead of a form.
    pub fn encoding(mut self, encoding: BodyEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// `malformed` when no endpoint was set or it is not a URL,
    /// `unsafe-input` when it is not https (http only on loopback).
    pub fn build(self) -> Result<ProvisioningClient, Error> {
        let endpoint = self.options.base_url()?;
        let (http, _clock) = self.options.http()?;
        Ok(ProvisioningClient { http, endpoint, encoding: self.encoding })
    }
}
