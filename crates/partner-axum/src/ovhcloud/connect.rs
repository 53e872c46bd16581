//! [`OvhConnect`]: connect -> the customer validates -> keep the consumer key.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use partner_core::Secret;
use partner_core::encoding::form_encode;
use partner_core::server::FormFields;
use partner_core::shared::SecretStore;
use partner_ovhcloud::{
    ConsumerKey, CredentialRequest, CredentialState, Endpoint, OvhClient, OvhErrorKind,
};

use crate::{AppUser, CurrentUser, Env, EnvError, Problem, SignedRedirect};

/// How long a requested key waits for the customer by default.
const PENDING_TTL: Duration = Duration::from_secs(15 * 60);

/// The consumer-key delegation as a router an app mounts, say at
/// `/ovhcloud/connect`:
///
/// 1. `GET /` (a logged-in user; others go to your login page first):
///    asks OVHcloud for a consumer key with the configured access rules,
///    keeps it pending in the [`SecretStore`] under a random `state`
///    (sealed on Redis for a fleet), and 303s the customer to OVHcloud's
///    validation page.
/// 2. `GET /return?state=..` (OVHcloud sends the customer back): takes the
///    pending key once, checks it belongs to this user, confirms with
///    `GET /auth/currentCredential` that it is validated, stores it as
///    the user's key, and 303s to the done URL.
///
/// Then [`client_for`](Self::client_for) gives a client signing with the
/// user's key.
///
/// ```
/// use std::sync::Arc;
/// use partner_axum::ovhcloud::OvhConnect;
/// use partner_core::shared::LocalSecretStore;
/// use partner_core::SystemClock;
/// use partner_ovhcloud::OvhClient;
///
/// let client = OvhClient::builder("app-key", "app-secret").build()?;
/// let store = Arc::new(LocalSecretStore::new(Arc::new(SystemClock), 10_000));
/// let connect = OvhConnect::new(client, store, "https://acme.example/ovhcloud/connect/return")
///     .done_url("/ovhcloud/me");
/// # Ok::<(), partner_ovhcloud::Error>(())
/// ```
#[derive(Clone)]
pub struct OvhConnect {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    client: OvhClient,
    store: Arc<dyn SecretStore>,
    return_url: String,
    done_url: String,
    rules: CredentialRequest,
    pending_ttl: Duration,
}

impl fmt::Debug for OvhConnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OvhConnect")
            .field("return_url", &self.inner.return_url)
            .field("done_url", &self.inner.done_url)
            .finish_non_exhaustive()
    }
}

fn pending_name(state: &str) -> String {
    format!("ovh:pending:{state}")
}

fn key_name(user: &AppUser) -> String {
    format!("ovh:consumer-key:{}", user.id)
}

impl OvhConnect {
    /// Connects with `client` (your application key and secret), keeping
    /// keys in `store`; `return_url` is the absolute URL of this router's
    /// `/return` (OVHcloud sends the customer there). Asks for read-only
    /// access (`GET /*`) and returns to `/` unless told otherwise.
    pub fn new(
        client: OvhClient,
        store: Arc<dyn SecretStore>,
        return_url: impl Into<String>,
    ) -> Self {
        OvhConnect {
            inner: Arc::new(Inner {
                client,
                store,
                return_url: return_url.into(),
                done_url: "/".to_owned(),
                rules: CredentialRequest::read_only(),
                pending_ttl: PENDING_TTL,
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Inner)) -> Self {
        f(Arc::make_mut(&mut self.inner));
        self
    }

    /// The access rules to ask for.
    #[must_use]
    pub fn rules(self, rules: CredentialRequest) -> Self {
        self.edit(|i| i.rules = rules)
    }

    /// Where the customer lands once the key is validated and kept.
    #[must_use]
    pub fn done_url(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.edit(|i| i.done_url = url)
    }

    /// How long a requested key waits for the customer (default 15 minutes).
    #[must_use]
    pub fn pending_ttl(self, ttl: Duration) -> Self {
        self.edit(|i| i.pending_ttl = ttl)
    }

    /// From the environment:
    ///
    /// | variable | use |
    /// |---|---|
    /// | `OVH_ENDPOINT` | `ovh-eu` (default), `ovh-ca`, `ovh-us`, ..., or a URL |
    /// | `OVH_APPLICATION_KEY` | the application key |
    /// | `OVH_APPLICATION_SECRET` | the application secret |
    ///
    /// # Errors
    ///
    /// [`EnvError`] naming the variable missing or unusable.
    pub fn from_env(
        env: &Env,
        store: Arc<dyn SecretStore>,
        return_url: impl Into<String>,
    ) -> Result<Self, EnvError> {
        let endpoint: Endpoint = env
            .optional("OVH_ENDPOINT")
            .unwrap_or_else(|| "ovh-eu".to_owned())
            .parse()
            .map_err(|e| EnvError::invalid("OVH_ENDPOINT", e))?;
        let client = OvhClient::builder(
            env.required("OVH_APPLICATION_KEY")?,
            env.secret("OVH_APPLICATION_SECRET")?,
        )
        .endpoint(endpoint)
        .build()
        .map_err(|e| EnvError::invalid("OVH_APPLICATION_SECRET", e))?;
        Ok(OvhConnect::new(client, store, return_url))
    }

    /// The validated consumer key kept for `user`, if any.
    ///
    /// # Errors
    ///
    /// 503 when the store does not answer.
    pub async fn consumer_key(&self, user: &AppUser) -> Result<Option<ConsumerKey>, Problem> {
        let secret = self.inner.store.get(&key_name(user)).await?;
        Ok(secret.and_then(|s| ConsumerKey::new(s).ok()))
    }

    /// A client signing with `user`'s consumer key, once they connected.
    ///
    /// # Errors
    ///
    /// 503 when the store does not answer.
    pub async fn client_for(&self, user: &AppUser) -> Result<Option<OvhClient>, Problem> {
        Ok(self.consumer_key(user).await?.map(|ck| self.inner.client.for_customer(ck)))
    }

    /// Forgets `user`'s consumer key (revoke it first with
    /// `client_for(user).logout()` if it should stop working).
    ///
    /// # Errors
    ///
    /// 503 when the store does not answer.
    pub async fn forget(&self, user: &AppUser) -> Result<bool, Problem> {
        Ok(self.inner.store.remove(&key_name(user)).await?)
    }

    /// The router: `GET /` starts, `GET /return` finishes.
    pub fn router<U: CurrentUser, S>(&self, users: U) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        Router::new()
            .route("/", get(start::<U>))
            .route("/return", get(finish::<U>))
            .with_state((self.clone(), users))
    }

    async fn start(&self, user: &AppUser) -> Result<SignedRedirect, Problem> {
        let state = partner_core::random::token(16);
        let separator = if self.inner.return_url.contains('?') { '&' } else { '?' };
        let redirection = format!(
            "{}{separator}{}",
            self.inner.return_url,
            form_encode([("state", state.as_str())])
        );
        let request = self.inner.rules.clone().redirection(redirection);
        let answer = self.inner.client.request_credential(&request).await?;
        let ck = answer.consumer_key.expose_str().unwrap_or_default();
        // The user id goes with the key, so that only they can finish.
        let pending = Secret::from(format!("{}\n{ck}", user.id));
        self.inner.store.put(&pending_name(&state), &pending, Some(self.inner.pending_ttl)).await?;
        Ok(SignedRedirect::to(answer.validation_url))
    }

    async fn finish(&self, user: &AppUser, state: &str) -> Result<SignedRedirect, Problem> {
        let unknown = || {
            Problem::from_error(&partner_core::Error::Malformed(
                "connect state is unknown, used or expired",
            ))
        };
        if state.is_empty() || state.len() > 64 {
            return Err(unknown());
        }
        let pending = self.inner.store.take(&pending_name(state)).await?.ok_or_else(unknown)?;
        let text = pending.expose_str().unwrap_or_default();
        let Some((owner, ck)) = text.rsplit_once('\n') else { return Err(unknown()) };
        if owner != user.id {
            return Err(Problem::from_error(&partner_core::Error::UnsafeInput(
                "this connection was started by another user",
            )));
        }
        let ck = ConsumerKey::new(ck).map_err(|_| unknown())?;
        let customer = self.inner.client.for_customer(ck.clone());
        match customer.current_credential().await {
            Ok(credential) if credential.status == CredentialState::Validated => {}
            Ok(_) => return Err(not_granted()),
            Err(err)
                if matches!(
                    err.ovh_kind(),
                    Some(OvhErrorKind::InvalidCredential | OvhErrorKind::NotCredential)
                ) =>
            {
                return Err(not_granted());
            }
            Err(err) => return Err(Problem::from_error(&err)),
        }
        self.inner.store.put(&key_name(user), ck.secret(), None).await?;
        Ok(SignedRedirect::to(self.inner.done_url.clone()))
    }
}

fn not_granted() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "Access not granted",
        "the customer did not validate the consumer key",
    )
}

async fn start<U: CurrentUser>(
    State((connect, users)): State<(OvhConnect, U)>,
    parts: Parts,
) -> Response {
    match users.current_user(&parts).await {
        Some(user) => connect.start(&user).await.into_response(),
        None => crate::login_redirect(&users, &parts),
    }
}

async fn finish<U: CurrentUser>(
    State((connect, users)): State<(OvhConnect, U)>,
    parts: Parts,
) -> Response {
    let Some(user) = users.current_user(&parts).await else {
        return crate::login_redirect(&users, &parts);
    };
    let query = FormFields::parse_urlencoded(parts.uri.query().unwrap_or("").as_bytes());
    if query.count("state") != 1 {
        return Problem::from_error(&partner_core::Error::Malformed("state must appear once"))
            .into_response();
    }
    let state = query.get("state").unwrap_or_default();
    connect.finish(&user, state).await.into_response()
}
