//! Cloud 66 (feature `cloud66`): the user-integration arrival
//! ([`LinkArrival`], [`Cloud66Handoffs::link_router`]) and the multipass
//! login ([`MultipassLogin`]).

mod arrival;
mod multipass;

pub use arrival::LinkArrival;
pub use multipass::MultipassLogin;

use std::fmt;
use std::sync::Arc;

use partner_cloud66::multipass::MultipassVerifier;
use partner_cloud66::{LinkRedirectVerifier, LinkRequest, MultipassKeys, ProvisioningClient};
use partner_core::replay::ReplayStore;
use partner_core::{AcceptancePolicy, Clock, InMemoryReplayGuard, SystemClock};

use crate::{AppUser, Env, EnvError};

/// Entries the default in-memory single-use guard holds.
const REPLAY_CAPACITY: usize = 100_000;

type OnLinked = dyn Fn(&AppUser, &LinkRequest) + Send + Sync;

/// What the Cloud 66 handoffs need: the callback hosts a link arrival may
/// return to, the multipass verifier (with its single-use store), the
/// provisioning client. Cheap to clone; put it in your router's state and
/// implement `FromRef` for it.
///
/// ```
/// use partner_axum::Env;
/// use partner_axum::cloud66::Cloud66Handoffs;
///
/// let env = Env::from_fn(|name| match name {
///     "CLOUD66_PROVIDER_UID" => Some("0123456789abcdefFEDCBA9876543210".into()),
///     "CLOUD66_PARTNER_ENDPOINT" => Some("https://app.cloud66.com/integrations/acme".into()),
///     _ => None,
/// });
/// let handoffs = Cloud66Handoffs::from_env(&env)?;
/// assert!(handoffs.multipass_verifier().is_some_and(|v| v.policy().is_single_use()));
/// # Ok::<(), partner_axum::EnvError>(())
/// ```
#[derive(Clone)]
pub struct Cloud66Handoffs {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    link: LinkRedirectVerifier,
    multipass: Option<MultipassVerifier>,
    single_use: Option<Arc<dyn ReplayStore>>,
    provisioning: Option<ProvisioningClient>,
    on_linked: Option<Arc<OnLinked>>,
    clock: Arc<dyn Clock>,
}

impl Inner {
    /// Gives the multipass verifier its single-use check: the configured
    /// store, else its own guard, else an in-memory guard.
    fn enforce_single_use(&mut self) {
        let Some(verifier) = self.multipass.take() else { return };
        let policy: AcceptancePolicy = verifier.policy().clone();
        let policy = match &self.single_use {
            Some(store) => policy.with_replay_store(store.clone()),
            None if policy.is_single_use() => policy,
            None => policy.with_replay_guard(Arc::new(InMemoryReplayGuard::new(REPLAY_CAPACITY))),
        };
        self.multipass = Some(verifier.with_policy(policy));
    }
}

impl fmt::Debug for Cloud66Handoffs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cloud66Handoffs")
            .field("link", &self.inner.link)
            .field("multipass", &self.inner.multipass.is_some())
            .field("provisioning", &self.inner.provisioning.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Cloud66Handoffs {
    fn default() -> Self {
        Cloud66Handoffs::new()
    }
}

impl Cloud66Handoffs {
    /// Callbacks to `app.cloud66.com` only; no multipass, no provisioning
    /// yet; the system clock.
    pub fn new() -> Self {
        Cloud66Handoffs {
            inner: Arc::new(Inner {
                link: LinkRedirectVerifier::default(),
                multipass: None,
                single_use: None,
                provisioning: None,
                on_linked: None,
                clock: Arc::new(SystemClock),
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Inner)) -> Self {
        f(Arc::make_mut(&mut self.inner));
        self
    }

    /// Allows link callbacks to exactly these hosts.
    #[must_use]
    pub fn callback_hosts<I, S>(self, hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let link = LinkRedirectVerifier::with_allowed_hosts(hosts);
        self.edit(|i| i.link = link)
    }

    /// The multipass verifier. A multipass login is always single use:
    /// against the [`single_use_store`](Self::single_use_store) when one is
    /// set (in either order), else the verifier's own guard, else an
    /// in-memory one.
    #[must_use]
    pub fn multipass(self, verifier: MultipassVerifier) -> Self {
        self.edit(|i| {
            i.multipass = Some(verifier);
            i.enforce_single_use();
        })
    }

    /// Keeps multipass single use in `store` (Redis for a fleet:
    /// `partner_redis::RedisReplayStore`) instead of process memory.
    #[must_use]
    pub fn single_use_store(self, store: Arc<dyn ReplayStore>) -> Self {
        self.edit(|i| {
            i.single_use = Some(store);
            i.enforce_single_use();
        })
    }

    /// The provisioning client (Cloud 66's partner endpoint).
    #[must_use]
    pub fn provisioning(self, client: ProvisioningClient) -> Self {
        self.edit(|i| i.provisioning = Some(client))
    }

    /// Called once a link arrival is provisioned (or was already linked),
    /// before the redirect back: record the link in your database.
    #[must_use]
    pub fn on_linked(self, f: impl Fn(&AppUser, &LinkRequest) + Send + Sync + 'static) -> Self {
        self.edit(|i| i.on_linked = Some(Arc::new(f)))
    }

    /// The clock multipass expiry is checked against.
    #[must_use]
    pub fn clock(self, clock: Arc<dyn Clock>) -> Self {
        self.edit(|i| i.clock = clock)
    }

    /// The multipass verifier, when configured.
    pub fn multipass_verifier(&self) -> Option<&MultipassVerifier> {
        self.inner.multipass.as_ref()
    }

    /// From the environment:
    ///
    /// | variable | use |
    /// |---|---|
    /// | `CLOUD66_PROVIDER_UID` | the multipass key (secret); no multipass when unset |
    /// | `CLOUD66_PARTNER_ENDPOINT` | the provisioning endpoint; no provisioning when unset |
    /// | `CLOUD66_CALLBACK_HOSTS` | comma-separated callback hosts (default `app.cloud66.com`) |
    ///
    /// # Errors
    ///
    /// [`EnvError::Invalid`] naming the variable that cannot be used.
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let mut handoffs = Cloud66Handoffs::new();
        let hosts = env.list("CLOUD66_CALLBACK_HOSTS");
        if !hosts.is_empty() {
            handoffs = handoffs.callback_hosts(hosts);
        }
        if let Some(uid) = env.optional("CLOUD66_PROVIDER_UID") {
            let keys = MultipassKeys::cloud66(&uid)
                .map_err(|e| EnvError::invalid("CLOUD66_PROVIDER_UID", e))?;
            handoffs = handoffs.multipass(MultipassVerifier::new(keys));
        }
        if let Some(endpoint) = env.optional("CLOUD66_PARTNER_ENDPOINT") {
            let client = ProvisioningClient::builder()
                .base_url(endpoint)
                .build()
                .map_err(|e| EnvError::invalid("CLOUD66_PARTNER_ENDPOINT", e))?;
            handoffs = handoffs.provisioning(client);
        }
        Ok(handoffs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::Unavailability;
    use partner_core::replay::{ReplayKey, StoreFuture};

    /// A store that is always down: which store a verifier uses shows in
    /// the answer.
    struct Down;
    impl ReplayStore for Down {
        fn consume<'a>(
            &'a self,
            _: &'a ReplayKey,
            _: partner_core::UnixTime,
            _: partner_core::UnixTime,
        ) -> StoreFuture<'a, ()> {
            Box::pin(std::future::ready(Err(partner_core::Error::unavailable(
                "test store",
                Unavailability::Store,
                None,
            ))))
        }
    }

    #[test]
    fn the_store_applies_in_either_order() {
        let verifier = || {
            MultipassVerifier::new(
                MultipassKeys::cloud66("0123456789abcdefFEDCBA9876543210").unwrap(),
            )
        };
        let store: Arc<dyn ReplayStore> = Arc::new(Down);
        let before = Cloud66Handoffs::new().single_use_store(store.clone()).multipass(verifier());
        let after = Cloud66Handoffs::new().multipass(verifier()).single_use_store(store);
        let signer = partner_cloud66::multipass::MultipassSigner::new(
            MultipassKeys::cloud66("0123456789abcdefFEDCBA9876543210").unwrap(),
        );
        let now = partner_core::UnixTime::from_secs(1_000);
        let link = signer.sign_identity("a@b.co", "A", partner_core::UnixTime::from_secs(1_100));
        for handoffs in [before, after] {
            let v = handoffs.multipass_verifier().unwrap();
            let verified = v.verify(&link.multipass, link.signature.as_deref(), now).unwrap();
            // The synchronous path refuses an async store: it is configured.
            let err = verified.accept().unwrap_err();
            assert!(
                matches!(
                    err,
                    partner_core::Error::Unavailable { reason: Unavailability::AsyncStore, .. }
                ),
                "{err:?}"
            );
        }
    }
}
