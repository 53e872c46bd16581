//! Values shared by every process of a fleet (an access token, a time
//! delta): the [`SharedCache`] contract a store implements (Redis in
//! `partner-redis`), and [`SharedFlight`], the cross-process single flight
//! on top of it: a cold fleet asks the provider once.
//!
//! The contract is small on purpose: get, set with a time to live, remove
//! if unchanged, and a lock with its own expiry. The algorithm (who
//! fetches, how long the others wait, what happens when the store is down)
//! lives here, once, and is tested against the in-memory
//! [`LocalSharedCache`].

mod flight;
mod local;
mod secrets;

pub use flight::{SharedFlight, SharedOptions, StoreDown};
pub use local::LocalSharedCache;
pub use secrets::{LocalSecretStore, SecretStore};

use std::fmt;
use std::time::Duration;

use crate::replay::StoreFuture;
use crate::{Secret, crypto::sha256};

/// The name of a shared value: a kind (`"token:cheetah"`) and the
/// SHA-256 of its scope (the client id, the endpoint), so that no store
/// key holds an identifier, and two clients of one provider never share a
/// token.
///
/// ```
/// use partner_core::shared::CacheKey;
///
/// let key = CacheKey::new("token:cheetah", b"integration-user@example.com");
/// assert!(key.as_str().starts_with("token:cheetah:"));
/// assert_eq!(key.as_str().len(), "token:cheetah:".len() + 32);
/// assert!(!key.as_str().contains("example"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    /// The key of `kind` for `scope`: `<kind>:<first 16 bytes of SHA-256(scope), hex>`.
    pub fn new(kind: &str, scope: &[u8]) -> Self {
        let digest = sha256(scope);
        let mut name = String::with_capacity(kind.len() + 33);
        name.push_str(kind);
        name.push(':');
        name.push_str(&crate::encoding::hex_encode(&digest[..16]));
        CacheKey(name)
    }

    /// The key as text (what stores put inside their own prefix).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheKey({})", self.0)
    }
}

/// Proof of holding a [`SharedCache`] lock: a random value, so that only
/// its holder releases it (a lock that expired and was taken by another
/// process is not released by the first).
#[derive(Clone, PartialEq, Eq)]
pub struct LockToken(String);

impl LockToken {
    /// A new random token (128 bits).
    pub fn random() -> Self {
        LockToken(crate::random::token(16))
    }

    /// The token as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LockToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockToken(..)")
    }
}

/// A store of values shared by a fleet, with a lock per key.
///
/// Values are secrets (tokens): a store keeps them encrypted at rest
/// (`partner-redis` seals them with AES-256-GCM). Every method answers
/// [`Error::Unavailable`](crate::Error::Unavailable) when the store does
/// not answer in time; [`SharedFlight`] decides what that means.
///
/// For Redis Cluster, a store keeps a key and its lock in one hash slot.
pub trait SharedCache: Send + Sync {
    /// The value under `key`, if there is one that has not expired.
    fn get<'a>(&'a self, key: &'a CacheKey) -> StoreFuture<'a, Option<Secret>>;

    /// Stores `value` under `key` for `ttl`.
    fn set<'a>(
        &'a self,
        key: &'a CacheKey,
        value: &'a Secret,
        ttl: Duration,
    ) -> StoreFuture<'a, ()>;

    /// Removes `key` if it still holds `expected` (compare and delete);
    /// whether it did.
    fn remove_if<'a>(&'a self, key: &'a CacheKey, expected: &'a Secret) -> StoreFuture<'a, bool>;

    /// Takes the lock of `key` for at most `lease`: `true` when this call
    /// took it, `false` when another holder has it.
    fn try_lock<'a>(
        &'a self,
        key: &'a CacheKey,
        token: &'a LockToken,
        lease: Duration,
    ) -> StoreFuture<'a, bool>;

    /// Releases the lock of `key` if `token` still holds it.
    fn unlock<'a>(&'a self, key: &'a CacheKey, token: &'a LockToken) -> StoreFuture<'a, ()>;
}

impl<S: SharedCache + ?Sized> SharedCache for std::sync::Arc<S> {
    fn get<'a>(&'a self, key: &'a CacheKey) -> StoreFuture<'a, Option<Secret>> {
        (**self).get(key)
    }
    fn set<'a>(
        &'a self,
        key: &'a CacheKey,
        value: &'a Secret,
        ttl: Duration,
    ) -> StoreFuture<'a, ()> {
        (**self).set(key, value, ttl)
    }
    fn remove_if<'a>(&'a self, key: &'a CacheKey, expected: &'a Secret) -> StoreFuture<'a, bool> {
        (**self).remove_if(key, expected)
    }
    fn try_lock<'a>(
        &'a self,
        key: &'a CacheKey,
        token: &'a LockToken,
        lease: Duration,
    ) -> StoreFuture<'a, bool> {
        (**self).try_lock(key, token, lease)
    }
    fn unlock<'a>(&'a self, key: &'a CacheKey, token: &'a LockToken) -> StoreFuture<'a, ()> {
        (**self).unlock(key, token)
    }
}
