//! [`LocalSharedCache`]: the [`SharedCache`] contract in one process's
//! memory, for tests and for code that takes a cache either way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::{CacheKey, LockToken, SharedCache};
use crate::replay::StoreFuture;
use crate::{Clock, Error, Secret, UnixTime};

/// A [`SharedCache`] in memory, expiring entries by a [`Clock`] (whole
/// seconds, rounded up), holding at most `capacity` values and locks.
/// Shared by nothing but the clones of one `Arc`: a fleet needs a real
/// store.
pub struct LocalSharedCache {
    clock: Arc<dyn Clock>,
    capacity: usize,
    entries: Mutex<HashMap<String, (Entry, UnixTime)>>,
}

enum Entry {
    Value(Secret),
    Lock(LockToken),
}

impl std::fmt::Debug for LocalSharedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSharedCache").field("capacity", &self.capacity).finish_non_exhaustive()
    }
}

impl LocalSharedCache {
    /// An empty cache on `clock`, holding at most `capacity` entries.
    pub fn new(clock: Arc<dyn Clock>, capacity: usize) -> Self {
        LocalSharedCache { clock, capacity, entries: Mutex::new(HashMap::new()) }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, (Entry, UnixTime)>, UnixTime) -> T) -> T {
        let now = self.clock.unix_time();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|_, (_, until)| *until > now);
        f(&mut entries, now)
    }

    fn put(
        &self,
        name: String,
        entry: Entry,
        ttl: Duration,
        only_new: bool,
    ) -> Result<bool, Error> {
        self.with(|entries, now| {
            if only_new && entries.contains_key(&name) {
                return Ok(false);
            }
            if !entries.contains_key(&name) && entries.len() >= self.capacity {
                return Err(Error::unavailable("shared cache", crate::Unavailability::Store, None));
            }
            let secs = ttl.as_secs().saturating_add(u64::from(ttl.subsec_nanos() > 0));
            entries.insert(name, (entry, now.saturating_add(Duration::from_secs(secs))));
            Ok(true)
        })
    }
}

fn lock_name(key: &CacheKey) -> String {
    format!("{}:lock", key.as_str())
}

impl SharedCache for LocalSharedCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> StoreFuture<'a, Option<Secret>> {
        let value = self.with(|entries, _| match entries.get(key.as_str()) {
            Some((Entry::Value(v), _)) => Some(v.clone()),
            _ => None,
        });
        Box::pin(std::future::ready(Ok(value)))
    }

    fn set<'a>(
        &'a self,
        key: &'a CacheKey,
        value: &'a Secret,
        ttl: Duration,
    ) -> StoreFuture<'a, ()> {
        let answer = self.put(key.as_str().to_owned(), Entry::Value(value.clone()), ttl, false);
        Box::pin(std::future::ready(answer.map(|_| ())))
    }

    fn remove_if<'a>(&'a self, key: &'a CacheKey, expected: &'a Secret) -> StoreFuture<'a, bool> {
        let removed = self.with(|entries, _| {
            let same = matches!(
                entries.get(key.as_str()),
                Some((Entry::Value(v), _)) if v.ct_eq(expected.expose())
            );
            if same {
                entries.remove(key.as_str());
            }
            same
        });
        Box::pin(std::future::ready(Ok(removed)))
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a CacheKey,
        token: &'a LockToken,
        lease: Duration,
    ) -> StoreFuture<'a, bool> {
        let answer = self.put(lock_name(key), Entry::Lock(token.clone()), lease, true);
        Box::pin(std::future::ready(answer))
    }

    fn unlock<'a>(&'a self, key: &'a CacheKey, token: &'a LockToken) -> StoreFuture<'a, ()> {
        self.with(|entries, _| {
            let name = lock_name(key);
            if matches!(entries.get(&name), Some((Entry::Lock(t), _)) if t == token) {
                entries.remove(&name);
            }
        });
        Box::pin(std::future::ready(Ok(())))
    }
}
