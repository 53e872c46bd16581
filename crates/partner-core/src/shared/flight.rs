//! [`SharedFlight`]: one fetch for a whole fleet, through a
//! [`SharedCache`] lock with its own expiry.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::{CacheKey, LockToken, SharedCache};
use crate::{Error, Secret, Sleeper, Unavailability};

/// What a [`SharedFlight`] does when the store does not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StoreDown {
    /// Fetch in this process, as if there were no store (the default): the
    /// provider sees one request per process instead of one per fleet,
    /// and the app keeps working.
    #[default]
    FetchLocally,
    /// Answer [`Error::Unavailable`]: for apps that must not exceed the
    /// provider's token quota, or must not hold a token outside the store.
    FailClosed,
}

/// The bounds of a [`SharedFlight`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SharedOptions {
    /// How long the fetching process holds the lock at most: if it dies
    /// mid-fetch, another takes over after this. Above the provider
    /// client's own time budget. Default 15 s.
    pub lock_lease: Duration,
    /// How long a process waits for another's fetch before it gives up
    /// (and fetches itself, or fails closed). Default 5 s.
    pub max_wait: Duration,
    /// The pause between two looks at the store while waiting, jittered
    /// by ±50 %. Default 25 ms.
    pub poll: Duration,
    /// When the store does not answer. Default [`StoreDown::FetchLocally`].
    pub when_down: StoreDown,
}

impl Default for SharedOptions {
    fn default() -> Self {
        SharedOptions {
            lock_lease: Duration::from_secs(15),
            max_wait: Duration::from_secs(5),
            poll: Duration::from_millis(25),
            when_down: StoreDown::FetchLocally,
        }
    }
}

impl SharedOptions {
    /// Replaces [`lock_lease`](Self::lock_lease).
    pub fn with_lock_lease(mut self, lease: Duration) -> Self {
        self.lock_lease = lease;
        self
    }

    /// Replaces [`max_wait`](Self::max_wait).
    pub fn with_max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// Replaces [`poll`](Self::poll).
    pub fn with_poll(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// Replaces [`when_down`](Self::when_down).
    pub fn when_down(mut self, when_down: StoreDown) -> Self {
        self.when_down = when_down;
        self
    }
}

/// A value fetched once for every process that shares a [`SharedCache`].
///
/// [`get_or_fetch`](Self::get_or_fetch) looks in the store; on a miss it
/// takes the key's lock and fetches, while the other processes wait
/// (bounded by [`SharedOptions::max_wait`]) and read what it stored. A
/// holder that dies leaves a lock that expires after
/// [`SharedOptions::lock_lease`].
///
/// ```
/// use partner_core::shared::{CacheKey, LocalSharedCache, SharedFlight};
/// use partner_core::{Error, FixedClock, Secret};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let clock = Arc::new(FixedClock::at_unix(0));
/// let flight = SharedFlight::new(Arc::new(LocalSharedCache::new(clock.clone(), 100)), clock);
/// let key = CacheKey::new("token:example", b"client-1");
/// let fetch = || async { Ok::<_, Error>((Secret::from("t-1"), Duration::from_secs(60))) };
/// let first = flight.get_or_fetch(&key, |_| true, fetch).await.unwrap();
/// let never = || async { Err::<(Secret, Duration), _>(Error::Malformed("not called")) };
/// let second = flight.get_or_fetch(&key, |_| true, never).await.unwrap();
/// assert_eq!((first.expose_str(), second.expose_str()), (Some("t-1"), Some("t-1")));
/// # });
/// ```
#[derive(Clone)]
pub struct SharedFlight {
    cache: Arc<dyn SharedCache>,
    sleeper: Arc<dyn Sleeper>,
    options: SharedOptions,
}

impl std::fmt::Debug for SharedFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedFlight").field("options", &self.options).finish_non_exhaustive()
    }
}

impl SharedFlight {
    /// A flight over `cache`, waiting through `sleeper`, with the default
    /// [`SharedOptions`].
    pub fn new(cache: Arc<dyn SharedCache>, sleeper: Arc<dyn Sleeper>) -> Self {
        SharedFlight { cache, sleeper, options: SharedOptions::default() }
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: SharedOptions) -> Self {
        self.options = options;
        self
    }

    /// The options.
    pub fn options(&self) -> &SharedOptions {
        &self.options
    }

    /// The value of `key`: the stored one when `usable` accepts it, or
    /// the one `fetch` returns, stored for the time to live it returns
    /// (nothing is stored for a zero one).
    ///
    /// Errors: `fetch`'s; and, with [`StoreDown::FailClosed`], kind
    /// `unavailable` when the store does not answer or another process
    /// held the lock past [`SharedOptions::max_wait`].
    pub async fn get_or_fetch<E, F, Fut>(
        &self,
        key: &CacheKey,
        usable: impl Fn(&Secret) -> bool,
        fetch: F,
    ) -> Result<Secret, E>
    where
        E: From<Error>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Secret, Duration), E>>,
    {
        let mut waited = Duration::ZERO;
        loop {
            match self.cache.get(key).await {
                Ok(Some(value)) if usable(&value) => return Ok(value),
                Ok(_) => {}
                Err(err) => return self.store_down(err, fetch).await,
            }
            let lock = LockToken::random();
            match self.cache.try_lock(key, &lock, self.options.lock_lease).await {
                Ok(true) => return self.fetch_holding(key, &lock, usable, fetch).await,
                Ok(false) => {}
                Err(err) => return self.store_down(err, fetch).await,
            }
            if waited >= self.options.max_wait {
                tracing::debug!(key = key.as_str(), "shared fetch: waited past max_wait");
                let late = Error::unavailable("shared cache", Unavailability::Timeout, None);
                return self.store_down(late, fetch).await;
            }
            let pause = jittered(self.options.poll);
            self.sleeper.sleep(pause).await;
            waited += pause;
        }
    }

    /// Forgets `key` if it still holds `rejected` (after a provider refused
    /// that token), so the next [`get_or_fetch`](Self::get_or_fetch)
    /// fetches. A value stored since by another process is kept.
    pub async fn forget(&self, key: &CacheKey, rejected: &Secret) -> Result<bool, Error> {
        self.cache.remove_if(key, rejected).await
    }

    /// Holding the lock: look once more (the value may have been stored
    /// between the miss and the lock), fetch, store, release.
    async fn fetch_holding<E, F, Fut>(
        &self,
        key: &CacheKey,
        lock: &LockToken,
        usable: impl Fn(&Secret) -> bool,
        fetch: F,
    ) -> Result<Secret, E>
    where
        E: From<Error>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Secret, Duration), E>>,
    {
        if let Ok(Some(value)) = self.cache.get(key).await {
            if usable(&value) {
                self.release(key, lock).await;
                return Ok(value);
            }
        }
        let fetched = fetch().await;
        if let Ok((value, ttl)) = &fetched {
            if !ttl.is_zero() {
                if let Err(err) = self.cache.set(key, value, *ttl).await {
                    // The value is good; the fleet will fetch again.
                    tracing::debug!(key = key.as_str(), error = %err, "shared fetch: not stored");
                }
            }
        }
        self.release(key, lock).await;
        fetched.map(|(value, _)| value)
    }

    async fn release(&self, key: &CacheKey, lock: &LockToken) {
        if let Err(err) = self.cache.unlock(key, lock).await {
            // The lease ends it anyway.
            tracing::debug!(key = key.as_str(), error = %err, "shared fetch: lock not released");
        }
    }

    async fn store_down<E, F, Fut>(&self, err: Error, fetch: F) -> Result<Secret, E>
    where
        E: From<Error>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Secret, Duration), E>>,
    {
        match self.options.when_down {
            StoreDown::FailClosed => Err(E::from(err)),
            StoreDown::FetchLocally => {
                tracing::debug!(error = %err, "shared cache unavailable: fetching locally");
                fetch().await.map(|(value, _)| value)
            }
        }
    }
}

/// `poll` ± 50 %, at least 1 ms.
fn jittered(poll: Duration) -> Duration {
    let millis = u64::try_from(poll.as_millis()).unwrap_or(u64::MAX).max(2);
    let half = millis / 2;
    Duration::from_millis(half + crate::random::u64() % (millis + 1)).max(Duration::from_millis(1))
}

#[cfg(test)]
#[path = "flight_tests.rs"]
mod tests;
