//! The asynchronous single-use contract that stores shared by several
//! processes implement (Redis, a database), and the key they store.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::crypto::{SHA256_LEN, sha256};
use crate::{Error, UnixTime};

/// What a one-time value is remembered by: the SHA-256 of its replay id
/// (a token, a link's signature), so that no store ever holds the id
/// itself. `Debug` shows the first 8 hex digits only.
///
/// ```
/// use partner_core::replay::ReplayKey;
///
/// let key = ReplayKey::of(b"abc");
/// assert_eq!(
///     key.to_hex(),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// assert_eq!(format!("{key:?}"), "ReplayKey(ba7816bf..)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayKey([u8; SHA256_LEN]);

impl ReplayKey {
    /// The key of a replay id.
    pub fn of(id: &[u8]) -> Self {
        ReplayKey(sha256(id))
    }

    /// The 32 bytes of the digest.
    pub fn as_bytes(&self) -> &[u8; SHA256_LEN] {
        &self.0
    }

    /// The digest as 64 lower-case hex digits (how stores name it).
    pub fn to_hex(&self) -> String {
        crate::encoding::hex_encode(self.0)
    }
}

impl fmt::Debug for ReplayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = crate::encoding::hex_lower_array(&self.0);
        let head = std::str::from_utf8(hex.get(..8).unwrap_or_default()).unwrap_or_default();
        write!(f, "ReplayKey({head}..)")
    }
}

/// The future a [`ReplayStore`] returns: boxed, so that a store can be
/// shared as `Arc<dyn ReplayStore>` whatever its runtime.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// Single use across every process that shares the store: of all the
/// calls that consume one key before `until`, in any process, exactly one
/// succeeds.
///
/// - `Ok(())`: the key was not in use; it is now, until `until`.
/// - [`Error::Replayed`]: it was consumed before and `until` has not passed.
/// - [`Error::Unavailable`] (kind `unavailable`): the store did not answer
///   in time. The caller must refuse the handoff: a store that cannot say
///   "first use" fails closed.
///
/// [`InMemoryReplayGuard`](crate::InMemoryReplayGuard) implements it for one
/// process; `partner-redis` implements it on Redis for a fleet.
///
/// ```
/// use partner_core::replay::{ReplayKey, ReplayStore};
/// use partner_core::{Error, InMemoryReplayGuard, UnixTime};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = InMemoryReplayGuard::new(1_000);
/// let key = ReplayKey::of(b"launch-token");
/// let (now, until) = (UnixTime::from_secs(1_000), UnixTime::from_secs(1_300));
/// assert_eq!(store.consume(&key, until, now).await, Ok(()));
/// assert_eq!(store.consume(&key, until, now).await, Err(Error::Replayed));
/// # });
/// ```
pub trait ReplayStore: Send + Sync {
    /// Marks `key` used until `until`, if no one did before; see the
    /// trait's documentation for the answers. `now` is the caller's clock
    /// (stores that expire entries themselves use `until - now` as the
    /// time to live).
    fn consume<'a>(
        &'a self,
        key: &'a ReplayKey,
        until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, ()>;
}

impl<S: ReplayStore + ?Sized> ReplayStore for Arc<S> {
    fn consume<'a>(
        &'a self,
        key: &'a ReplayKey,
        until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        (**self).consume(key, until, now)
    }
}

impl<S: ReplayStore + ?Sized> ReplayStore for &S {
    fn consume<'a>(
        &'a self,
        key: &'a ReplayKey,
        until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        (**self).consume(key, until, now)
    }
}

impl ReplayStore for crate::InMemoryReplayGuard {
    fn consume<'a>(
        &'a self,
        key: &'a ReplayKey,
        until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        let answer = self.record_key(key.as_bytes(), until, now);
        Box::pin(std::future::ready(answer))
    }
}
