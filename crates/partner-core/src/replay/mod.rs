//! Single use of tokens and signed links: the synchronous
//! [`ReplayGuard`] of one process, the asynchronous [`ReplayStore`] that
//! stores shared by a fleet implement, and the [`AcceptancePolicy`] that
//! verifiers hold.

mod store;
mod verified;

pub use store::{ReplayKey, ReplayStore, StoreFuture};
use verified::SingleUse;
#[cfg(test)]
pub(crate) use verified::block_on_ready;
pub use verified::{AcceptVerified, Verified};

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Mutex, PoisonError};

use crate::crypto::SHA256_LEN;
use crate::{Error, UnixTime};

/// Remembers which one-time values (a single sign-on token, a launch token, a link
/// signature) were already used, until they would have expired anyway.
///
/// Verifiers call it last, after the signature and the time window passed,
/// so that a forged or stale value never takes a place in the guard.
///
/// It is the synchronous twin of [`ReplayStore`]: a guard serves
/// [`Verified::accept`] as well as [`Verified::consume`].
///
/// ```
/// use partner_core::replay::ReplayKey;
/// use partner_core::{Error, InMemoryReplayGuard, ReplayGuard, UnixTime};
///
/// let guard = InMemoryReplayGuard::new(10_000);
/// let now = UnixTime::from_secs(1_000);
/// let expires = UnixTime::from_secs(1_300);
/// let key = ReplayKey::of(b"sig-1");
/// assert_eq!(guard.check_and_record(&key, expires, now), Ok(()));
/// assert_eq!(guard.check_and_record(&key, expires, now), Err(Error::Replayed));
/// ```
pub trait ReplayGuard: Send + Sync {
    /// Records `key` as used until `expires_at`. Returns [`Error::Replayed`]
    /// if it was recorded before and has not expired at `now`.
    fn check_and_record(
        &self,
        key: &ReplayKey,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), Error>;
}

impl<G: ReplayGuard + ?Sized> ReplayGuard for std::sync::Arc<G> {
    fn check_and_record(
        &self,
        key: &ReplayKey,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), Error> {
        (**self).check_and_record(key, expires_at, now)
    }
}

impl<G: ReplayGuard + ?Sized> ReplayGuard for &G {
    fn check_and_record(
        &self,
        key: &ReplayKey,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), Error> {
        (**self).check_and_record(key, expires_at, now)
    }
}

/// An in-process [`ReplayGuard`] with a time-to-live per entry and a hard cap.
///
/// - It stores the SHA-256 of each id, never the id itself (ids are often
///   tokens, which are secrets).
/// - Entries whose expiry has passed are evicted on every call, oldest
///   expiry first, so memory follows the number of *live* entries.
/// - When `capacity` live entries are held, a new id is refused with
///   [`Error::ReplayGuardFull`]: the guard fails closed rather than forget a
///   value that could still be replayed.
///
/// For several processes behind a load balancer, use a [`ReplayStore`]
/// shared by all of them (`partner-redis`, or your own on a database
/// unique key).
#[derive(Debug)]
pub struct InMemoryReplayGuard {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    expiry_of: HashMap<[u8; SHA256_LEN], i64>,
    by_expiry: BinaryHeap<Reverse<(i64, [u8; SHA256_LEN])>>,
}

impl InMemoryReplayGuard {
    /// A guard that holds at most `capacity` live entries.
    pub fn new(capacity: usize) -> Self {
        InMemoryReplayGuard { capacity, state: Mutex::new(State::default()) }
    }

    /// The number of live entries held (after the last eviction).
    pub fn len(&self) -> usize {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).expiry_of.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl State {
    fn evict_expired(&mut self, now: i64) {
        while let Some(Reverse((expiry, key))) = self.by_expiry.peek().copied() {
            if expiry >= now {
                break;
            }
            self.by_expiry.pop();
            // A key recorded again later has a newer heap entry; only the
            // entry matching the current expiry removes it.
            if self.expiry_of.get(&key) == Some(&expiry) {
                self.expiry_of.remove(&key);
            }
        }
    }
}

impl ReplayGuard for InMemoryReplayGuard {
    fn check_and_record(
        &self,
        key: &ReplayKey,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), Error> {
        self.record_key(key.as_bytes(), expires_at, now)
    }
}

impl InMemoryReplayGuard {
    /// [`check_and_record`](ReplayGuard::check_and_record) of an id's
    /// SHA-256 (what both contracts store).
    pub(crate) fn record_key(
        &self,
        key: &[u8; SHA256_LEN],
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), Error> {
        let key = *key;
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.evict_expired(now.as_secs());
        if state.expiry_of.contains_key(&key) {
            return Err(Error::Replayed);
        }
        if expires_at < now {
            // Already expired: nothing to remember, and the caller's time
            // check is what refuses it.
            return Ok(());
        }
        if state.expiry_of.len() >= self.capacity {
            return Err(Error::ReplayGuardFull);
        }
        state.expiry_of.insert(key, expires_at.as_secs());
        state.by_expiry.push(Reverse((expires_at.as_secs(), key)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> UnixTime {
        UnixTime::from_secs(s)
    }

    fn k(id: &[u8]) -> ReplayKey {
        ReplayKey::of(id)
    }

    #[test]
    fn entries_expire_and_are_evicted() {
        let g = InMemoryReplayGuard::new(100);
        assert_eq!(g.check_and_record(&k(b"a"), t(110), t(100)), Ok(()));
        assert_eq!(g.check_and_record(&k(b"b"), t(200), t(100)), Ok(()));
        assert_eq!(g.len(), 2);
        assert_eq!(g.check_and_record(&k(b"a"), t(110), t(110)), Err(Error::Replayed));
        // After a's expiry it is forgotten (and may be used again: the
        // verifier's own time window refuses it by then).
        assert_eq!(g.check_and_record(&k(b"c"), t(300), t(111)), Ok(()));
        assert_eq!(g.len(), 2, "a was evicted");
        assert_eq!(g.check_and_record(&k(b"b"), t(200), t(150)), Err(Error::Replayed));
    }

    #[test]
    fn full_guard_fails_closed_until_entries_expire() {
        let g = InMemoryReplayGuard::new(2);
        assert_eq!(g.check_and_record(&k(b"1"), t(50), t(0)), Ok(()));
        assert_eq!(g.check_and_record(&k(b"2"), t(60), t(0)), Ok(()));
        assert_eq!(g.check_and_record(&k(b"3"), t(60), t(0)), Err(Error::ReplayGuardFull));
        assert_eq!(g.check_and_record(&k(b"1"), t(50), t(0)), Err(Error::Replayed));
        assert_eq!(g.check_and_record(&k(b"3"), t(60), t(51)), Ok(()));
        assert_eq!(g.len(), 2);
    }

    #[test]
    fn re_recorded_key_keeps_its_newer_expiry() {
        let g = InMemoryReplayGuard::new(10);
        assert_eq!(g.check_and_record(&k(b"k"), t(10), t(0)), Ok(()));
        assert_eq!(g.check_and_record(&k(b"k"), t(100), t(11)), Ok(()));
        assert_eq!(g.check_and_record(&k(b"k"), t(100), t(50)), Err(Error::Replayed));
        assert!(!g.is_empty());
    }

    #[test]
    fn memory_is_bounded_over_a_long_run() {
        let g = InMemoryReplayGuard::new(64);
        for i in 0..10_000i64 {
            let id = i.to_le_bytes();
            assert_eq!(g.check_and_record(&k(&id), t(i + 30), t(i)), Ok(()), "at {i}");
            assert!(g.len() <= 31);
        }
        let state = g.state.lock().unwrap();
        assert!(state.by_expiry.len() <= 31);
    }

    #[test]
    fn already_expired_value_is_not_stored() {
        let g = InMemoryReplayGuard::new(1);
        assert_eq!(g.check_and_record(&k(b"old"), t(5), t(10)), Ok(()));
        assert!(g.is_empty());
    }
}

/// When a signed, timestamped handoff is accepted: a [`Freshness`](crate::Freshness)
/// window and, optionally, single use through a synchronous [`ReplayGuard`]
/// or an asynchronous [`ReplayStore`] shared by a fleet. The verifiers of
/// the provider crates hold one: they check the time, then hand out a
/// [`Verified`] that records single use when it is consumed, so the order
/// and the lifetime of a replay entry are the same everywhere.
///
/// ```
/// use partner_core::{AcceptancePolicy, Error, Freshness, InMemoryReplayGuard, UnixTime};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let policy = AcceptancePolicy::new(Freshness::new(Duration::from_secs(300), Duration::from_secs(60)))
///     .with_replay_guard(Arc::new(InMemoryReplayGuard::new(100)));
/// let (issued, now) = (UnixTime::from_secs(1_000), UnixTime::from_secs(1_010));
/// assert_eq!(policy.accept(issued, b"link-1", now), Ok(()));
/// assert_eq!(policy.accept(issued, b"link-1", now), Err(Error::Replayed));
/// assert_eq!(policy.accept(issued, b"link-2", UnixTime::from_secs(1_301)), Err(Error::Expired));
/// ```
#[derive(Clone)]
pub struct AcceptancePolicy {
    window: crate::Freshness,
    single_use: Option<SingleUse>,
}

impl std::fmt::Debug for AcceptancePolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let single_use = match self.single_use {
            None => "none",
            Some(SingleUse::Guard(_)) => "guard",
            Some(SingleUse::Store(_)) => "async store",
        };
        f.debug_struct("AcceptancePolicy")
            .field("window", &self.window)
            .field("single_use", &single_use)
            .finish()
    }
}

impl AcceptancePolicy {
    /// Accepts what is inside `window`; no single-use check.
    pub fn new(window: crate::Freshness) -> Self {
        AcceptancePolicy { window, single_use: None }
    }

    /// Replaces the window.
    pub fn with_window(mut self, window: crate::Freshness) -> Self {
        self.window = window;
        self
    }

    /// Makes every accepted id single use in a synchronous guard (one
    /// process): [`Verified::accept`] and [`Verified::consume`] both record
    /// it. Replaces a store set before.
    pub fn with_replay_guard(mut self, guard: std::sync::Arc<dyn ReplayGuard>) -> Self {
        self.single_use = Some(SingleUse::Guard(guard));
        self
    }

    /// Makes every accepted id single use in an asynchronous store (shared
    /// by a fleet): only [`Verified::consume`]`.await` hands a value out,
    /// and [`Verified::accept`] refuses. Replaces a guard set before.
    pub fn with_replay_store(mut self, store: std::sync::Arc<dyn ReplayStore>) -> Self {
        self.single_use = Some(SingleUse::Store(store));
        self
    }

    /// The window.
    pub fn window(&self) -> crate::Freshness {
        self.window
    }

    /// Whether single use is set (a guard or a store).
    pub fn is_single_use(&self) -> bool {
        self.single_use.is_some()
    }

    /// The time check alone ([`Freshness::check`](crate::Freshness::check)).
    pub fn check_time(&self, issued_at: UnixTime, now: UnixTime) -> Result<(), Error> {
        self.window.check(issued_at, now)
    }

    /// The time check of a handoff that carries its expiry rather than its
    /// issue time (an `expires` field): [`Error::Expired`] once `now`
    /// is past `expires_at + max_skew`, [`Error::NotYetValid`] when it
    /// claims to live longer than `max_age` (`expires_at > now + max_age`).
    ///
    /// ```
    /// use partner_core::{AcceptancePolicy, Error, Freshness, UnixTime};
    /// use std::time::Duration;
    ///
    /// let policy = AcceptancePolicy::new(Freshness::new(Duration::from_secs(600), Duration::from_secs(30)));
    /// let now = UnixTime::from_secs(1_000);
    /// assert_eq!(policy.check_expiry(UnixTime::from_secs(1_300), now), Ok(()));
    /// assert_eq!(policy.check_expiry(UnixTime::from_secs(969), now), Err(Error::Expired));
    /// assert_eq!(policy.check_expiry(UnixTime::from_secs(1_601), now), Err(Error::NotYetValid));
    /// ```
    pub fn check_expiry(&self, expires_at: UnixTime, now: UnixTime) -> Result<(), Error> {
        crate::clock::check_not_after(expires_at, now, self.window.max_skew)?;
        if expires_at > now.saturating_add(self.window.max_age) {
            return Err(Error::NotYetValid);
        }
        Ok(())
    }

    /// How long single use remembers a handoff issued at `issued_at`:
    /// until `issued_at + max_age`, or `expires_at` when that is sooner.
    pub fn replay_until_issued(
        &self,
        issued_at: UnixTime,
        expires_at: Option<UnixTime>,
    ) -> UnixTime {
        let until = issued_at.saturating_add(self.window.max_age);
        expires_at.map_or(until, |e| e.min(until))
    }

    /// How long single use remembers a handoff that expires at
    /// `expires_at`: until `expires_at + max_skew`, the last moment
    /// [`check_expiry`](Self::check_expiry) lets it through.
    pub fn replay_until_expiry(&self, expires_at: UnixTime) -> UnixTime {
        expires_at.saturating_add(self.window.max_skew)
    }

    /// A handoff whose checks passed, to hand out through [`Verified`]:
    /// with single use set, its key is the SHA-256 of `id`, remembered
    /// until `until`; without, `id` is not even hashed.
    pub fn verified<T>(&self, value: T, id: &[u8], until: UnixTime, now: UnixTime) -> Verified<T> {
        match &self.single_use {
            None => Verified::without_single_use(value),
            Some(by) => Verified::pending(value, ReplayKey::of(id), until, now, by.clone()),
        }
    }

    /// The time check, then single use at once (synchronous): for
    /// callers that are not handing a value out, such as a fake checking
    /// a request. With an asynchronous store set it refuses, kind
    /// `unavailable`.
    pub fn accept(&self, issued_at: UnixTime, id: &[u8], now: UnixTime) -> Result<(), Error> {
        self.check_time(issued_at, now)?;
        self.verified((), id, self.replay_until_issued(issued_at, None), now).accept()
    }
}
