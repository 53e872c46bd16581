//! [`SecretStore`]: per-customer secrets kept by name (an OVHcloud consumer
//! key waiting for the customer's consent, then the validated one), and
//! [`LocalSecretStore`], the contract in one process's memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::replay::StoreFuture;
use crate::{Clock, Error, Secret, UnixTime};

/// Secrets an application keeps per customer, by name.
///
/// `partner-redis`'s `RedisSecretStore` implements it for a fleet (sealed
/// at rest); [`LocalSecretStore`] for one process. Every method answers
/// [`Error::Unavailable`] when the store does not answer: callers fail
/// closed.
pub trait SecretStore: Send + Sync {
    /// Stores `secret` as `name` for `ttl` (or until removed), replacing
    /// what was there. A zero `ttl` is [`Error::Malformed`].
    fn put<'a>(
        &'a self,
        name: &'a str,
        secret: &'a Secret,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()>;

    /// The secret stored as `name`, if any.
    fn get<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<Secret>>;

    /// Removes and returns the secret stored as `name`: of two callers
    /// taking the same name, one gets it.
    fn take<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<Secret>>;

    /// Removes the secret stored as `name`; whether there was one.
    fn remove<'a>(&'a self, name: &'a str) -> StoreFuture<'a, bool>;
}

impl<S: SecretStore + ?Sized> SecretStore for Arc<S> {
    fn put<'a>(
        &'a self,
        name: &'a str,
        secret: &'a Secret,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()> {
        (**self).put(name, secret, ttl)
    }
    fn get<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<Secret>> {
        (**self).get(name)
    }
    fn take<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<Secret>> {
        (**self).take(name)
    }
    fn remove<'a>(&'a self, name: &'a str) -> StoreFuture<'a, bool> {
        (**self).remove(name)
    }
}

/// A [`SecretStore`] in memory, expiring secrets by a [`Clock`], holding at
/// most `capacity` of them: when full of live secrets it refuses new ones
/// ([`Error::Unavailable`]) rather than forget one.
///
/// ```
/// # tokio_test_block_on(async {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use partner_core::shared::{LocalSecretStore, SecretStore};
/// use partner_core::{FixedClock, Secret};
///
/// let store = LocalSecretStore::new(Arc::new(FixedClock::at_unix(1_000)), 100);
/// store.put("ovh:pending:42", &Secret::from("ck"), Some(Duration::from_secs(600))).await?;
/// assert!(store.take("ovh:pending:42").await?.is_some());
/// assert!(store.take("ovh:pending:42").await?.is_none());
/// # Ok::<(), partner_core::Error>(())
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// ```
pub struct LocalSecretStore {
    clock: Arc<dyn Clock>,
    capacity: usize,
    entries: Mutex<HashMap<String, (Secret, Option<UnixTime>)>>,
}

impl std::fmt::Debug for LocalSecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSecretStore").field("capacity", &self.capacity).finish_non_exhaustive()
    }
}

impl LocalSecretStore {
    /// An empty store on `clock`, holding at most `capacity` secrets.
    pub fn new(clock: Arc<dyn Clock>, capacity: usize) -> Self {
        LocalSecretStore { clock, capacity, entries: Mutex::new(HashMap::new()) }
    }

    fn live(entry: &(Secret, Option<UnixTime>), now: UnixTime) -> bool {
        entry.1.is_none_or(|until| until > now)
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut HashMap<String, (Secret, Option<UnixTime>)>, UnixTime) -> T,
    ) -> T {
        let now = self.clock.unix_time();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut entries, now)
    }

    fn put_now(&self, name: &str, secret: &Secret, ttl: Option<Duration>) -> Result<(), Error> {
        if ttl.is_some_and(|t| t.is_zero()) {
            return Err(Error::Malformed("a secret's time to live is above zero"));
        }
        self.with(|entries, now| {
            if !entries.contains_key(name) && entries.len() >= self.capacity {
                // Only when full: drop what expired, then refuse if still full.
                entries.retain(|_, e| Self::live(e, now));
                if entries.len() >= self.capacity {
                    return Err(Error::unavailable(
                        "secret store",
                        crate::Unavailability::Store,
                        None,
                    ));
                }
            }
            let until = ttl.map(|t| {
                let secs = t.as_secs().saturating_add(u64::from(t.subsec_nanos() > 0));
                now.saturating_add(Duration::from_secs(secs))
            });
            entries.insert(name.to_owned(), (secret.clone(), until));
            Ok(())
        })
    }

    fn take_now(&self, name: &str, remove: bool) -> Option<Secret> {
        self.with(|entries, now| {
            let live = entries.get(name).is_some_and(|e| Self::live(e, now));
            if !live {
                entries.remove(name);
                return None;
            }
            if remove {
                entries.remove(name).map(|e| e.0)
            } else {
                entries.get(name).map(|e| e.0.clone())
            }
        })
    }
}

impl SecretStore for LocalSecretStore {
    fn put<'a>(
        &'a self,
        name: &'a str,
        secret: &'a Secret,
        ttl: Option<Duration>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(std::future::ready(self.put_now(name, secret, ttl)))
    }
    fn get<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<Secret>> {
        Box::pin(std::future::ready(Ok(self.take_now(name, false))))
    }
    fn take<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<Secret>> {
        Box::pin(std::future::ready(Ok(self.take_now(name, true))))
    }
    fn remove<'a>(&'a self, name: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(self.take_now(name, true).is_some())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedClock;
    use crate::replay::block_on_ready;

    #[test]
    fn expiry_take_once_and_capacity() {
        let clock = Arc::new(FixedClock::at_unix(100));
        let store = LocalSecretStore::new(clock.clone(), 2);
        let s = Secret::from("v");
        block_on_ready(store.put("a", &s, Some(Duration::from_secs(10)))).unwrap();
        block_on_ready(store.put("b", &s, None)).unwrap();
        // Full of live secrets: refused, not forgotten.
        let err = block_on_ready(store.put("c", &s, None)).unwrap_err();
        assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
        assert!(block_on_ready(store.get("a")).unwrap().is_some());
        clock.advance(Duration::from_secs(10));
        assert!(block_on_ready(store.get("a")).unwrap().is_none(), "expired");
        // The expired one makes room.
        block_on_ready(store.put("c", &s, None)).unwrap();
        assert!(block_on_ready(store.take("c")).unwrap().is_some());
        assert!(block_on_ready(store.take("c")).unwrap().is_none(), "taken once");
        assert!(!block_on_ready(store.remove("c")).unwrap());
        assert!(block_on_ready(store.remove("b")).unwrap());
        assert!(matches!(
            block_on_ready(store.put("z", &s, Some(Duration::ZERO))),
            Err(Error::Malformed(_))
        ));
    }
}
