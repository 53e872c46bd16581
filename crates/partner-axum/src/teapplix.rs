//! Teapplix (feature `teapplix`): [`TeapplixOpen`], the "Open Teapplix"
//! button: PSObtainToken, then a 303 to the signed Launch URL.

use partner_teapplix::{BaseUrl, LaunchSigner, TeapplixClient};

use crate::{Env, EnvError, Problem, SignedRedirect};

/// Opens Teapplix for a paired account.
///
/// ```no_run
/// use partner_axum::teapplix::TeapplixOpen;
/// use partner_axum::{Env, Problem, SignedRedirect};
///
/// # async fn handler(open: TeapplixOpen) -> Result<SignedRedirect, Problem> {
/// // The account your customer paired (their Teapplix "vhost").
/// open.open("acme").await
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TeapplixOpen {
    client: TeapplixClient,
}

impl TeapplixOpen {
    /// With a client that has a launch signer.
    pub fn new(client: TeapplixClient) -> Self {
        TeapplixOpen { client }
    }

    /// From the environment:
    ///
    /// | variable | use |
    /// |---|---|
    /// | `TEAPPLIX_API_TOKEN` | the partner API token (`APIToken` header) |
    /// | `TEAPPLIX_SIGNATURE_KEY` | the Launch URL key |
    /// | `TEAPPLIX_API_URL` | optional: the API base URL |
    /// | `TEAPPLIX_APP_URL` | optional: the app's base URL launch URLs point at |
    ///
    /// # Errors
    ///
    /// [`EnvError`] naming the variable missing or unusable.
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let mut signer = LaunchSigner::new(env.secret("TEAPPLIX_SIGNATURE_KEY")?)
            .map_err(|e| EnvError::invalid("TEAPPLIX_SIGNATURE_KEY", e))?;
        if let Some(app) = env.optional("TEAPPLIX_APP_URL") {
            let base =
                BaseUrl::parse(&app).map_err(|e| EnvError::invalid("TEAPPLIX_APP_URL", e))?;
            signer = signer.with_base_url(base);
        }
        let mut builder =
            TeapplixClient::builder(env.secret("TEAPPLIX_API_TOKEN")?).launch_signer(signer);
        if let Some(api) = env.optional("TEAPPLIX_API_URL") {
            builder = builder.base_url(api);
        }
        let client = builder.build().map_err(|e| EnvError::invalid("TEAPPLIX_API_URL", e))?;
        Ok(TeapplixOpen::new(client))
    }

    /// Obtains a token for `ps_client_id` and redirects to its signed
    /// Launch URL.
    ///
    /// # Errors
    ///
    /// A [`Problem`]: 502 when Teapplix refused, 503/504 when it did not
    /// answer.
    pub async fn open(&self, ps_client_id: &str) -> Result<SignedRedirect, Problem> {
        let url = self.client.launch_url(ps_client_id).await?;
        Ok(SignedRedirect::to(url.as_str()))
    }
}
