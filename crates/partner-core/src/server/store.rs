//! A bounded map whose entries expire: what a fake keeps per token, code or
//! pending credential, so that no client can make it grow without bound.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use crate::UnixTime;

/// A map holding at most `capacity` entries, each with an expiry time.
///
/// Look-ups, inserts and removals cost the same however many entries are
/// held: expired entries are dropped from the oldest end on each insert
/// (amortized O(1) when entries share one lifetime, as a fake's tokens of
/// one kind do), and a full map drops its oldest entry to make room, the
/// way a real platform would let an unused code lapse.
///
/// ```
/// use partner_core::UnixTime;
/// use partner_core::server::ExpiringMap;
///
/// let mut codes = ExpiringMap::new(2);
/// let now = UnixTime::from_secs(1_000);
/// codes.insert("a", 1, UnixTime::from_secs(1_060), now);
/// codes.insert("b", 2, UnixTime::from_secs(1_060), now);
/// codes.insert("c", 3, UnixTime::from_secs(1_060), now);
/// assert_eq!(codes.get(&"a", now), None, "the oldest made room");
/// assert_eq!(codes.take(&"b", now), Some(2));
/// assert_eq!(codes.take(&"b", now), None, "taken once");
/// assert_eq!(codes.get(&"c", UnixTime::from_secs(1_060)), None, "expired");
/// ```
#[derive(Debug)]
pub struct ExpiringMap<K, V> {
    capacity: usize,
    entries: HashMap<K, Entry<V>>,
    /// Keys in insertion order with the serial of their insertion; stale
    /// items (removed or replaced keys) are skipped when they reach the front.
    order: VecDeque<(u64, K)>,
    serial: u64,
}

#[derive(Debug)]
struct Entry<V> {
    value: V,
    expires_at: UnixTime,
    serial: u64,
}

impl<K: Eq + Hash + Clone, V> ExpiringMap<K, V> {
    /// An empty map that holds at most `capacity` entries (at least 1).
    pub fn new(capacity: usize) -> Self {
        ExpiringMap {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            order: VecDeque::new(),
            serial: 0,
        }
    }

    /// Inserts or replaces `key`, valid while `now < expires_at`. Drops
    /// expired entries from the oldest end and, if the map is full, the
    /// oldest entry.
    pub fn insert(&mut self, key: K, value: V, expires_at: UnixTime, now: UnixTime) {
        self.prune(now);
        if !self.entries.contains_key(&key) {
            while self.entries.len() >= self.capacity {
                if !self.pop_oldest() {
                    break;
                }
            }
        }
        self.serial += 1;
        self.order.push_back((self.serial, key.clone()));
        self.entries.insert(key, Entry { value, expires_at, serial: self.serial });
        if self.order.len() > self.capacity.saturating_mul(2) {
            let entries = &self.entries;
            self.order
                .retain(|(serial, key)| entries.get(key).is_some_and(|e| e.serial == *serial));
        }
    }

    /// The live value of `key`.
    pub fn get(&self, key: &K, now: UnixTime) -> Option<&V> {
        self.entries.get(key).filter(|e| now < e.expires_at).map(|e| &e.value)
    }

    /// The live value of `key`, to change in place.
    pub fn get_mut(&mut self, key: &K, now: UnixTime) -> Option<&mut V> {
        self.entries.get_mut(key).filter(|e| now < e.expires_at).map(|e| &mut e.value)
    }

    /// Removes `key` and returns its value if it was live: a single-use
    /// look-up (authorization codes, validation tokens).
    pub fn take(&mut self, key: &K, now: UnixTime) -> Option<V> {
        self.entries.remove(key).filter(|e| now < e.expires_at).map(|e| e.value)
    }

    /// Removes `key`, live or not.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.entries.remove(key).map(|e| e.value)
    }

    /// Entries held, expired ones not yet dropped included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The most entries held at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Drops every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }

    /// Every value, to change in place (expired ones included).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.values_mut().map(|e| &mut e.value)
    }

    /// Drops expired entries from the oldest end.
    fn prune(&mut self, now: UnixTime) {
        while let Some((serial, key)) = self.order.front() {
            match self.entries.get(key) {
                Some(e) if e.serial == *serial && now < e.expires_at => break,
                Some(e) if e.serial == *serial => {
                    self.entries.remove(key);
                }
                _ => {}
            }
            self.order.pop_front();
        }
    }

    /// Drops the oldest live entry; false when there is none.
    fn pop_oldest(&mut self) -> bool {
        while let Some((serial, key)) = self.order.pop_front() {
            if self.entries.get(&key).is_some_and(|e| e.serial == serial) {
                self.entries.remove(&key);
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::ExpiringMap;
    use crate::UnixTime;

    fn t(s: i64) -> UnixTime {
        UnixTime::from_secs(s)
    }

    #[test]
    fn expired_entries_are_dropped_on_insert() {
        let mut m = ExpiringMap::new(100);
        for i in 0..10 {
            m.insert(i, i, t(10), t(0));
        }
        assert_eq!(m.len(), 10);
        m.insert(99, 0, t(30), t(20));
        assert_eq!(m.len(), 1, "the ten expired entries went on the next insert");
    }

    #[test]
    fn replacing_a_key_keeps_one_entry_and_the_new_expiry() {
        let mut m = ExpiringMap::new(2);
        m.insert("a", 1, t(10), t(0));
        m.insert("a", 2, t(50), t(0));
        m.insert("b", 3, t(50), t(0));
        assert_eq!(m.len(), 2);
        assert_eq!(m.get(&"a", t(20)), Some(&2), "the stale first insert does not expire it");
        m.insert("c", 4, t(50), t(20));
        assert_eq!(m.get(&"a", t(20)), None, "a is the oldest live entry");
        assert_eq!(m.get(&"b", t(20)), Some(&3));
    }

    proptest! {
        /// Against a model: the map never holds more than its capacity,
        /// never answers for an expired key, and its order queue stays
        /// within twice the capacity.
        #[test]
        fn the_map_stays_bounded_and_correct(ops in proptest::collection::vec((0u8..4, 0u8..16, 0i64..5), 0..300), capacity in 1usize..8) {
            let mut m = ExpiringMap::new(capacity);
            let mut now = 0i64;
            for (op, key, dt) in ops {
                now += dt;
                match op {
                    0 | 1 => m.insert(key, now, t(now + 3), t(now)),
                    2 => { let _ = m.take(&key, t(now)); }
                    _ => { let _ = m.remove(&key); }
                }
                prop_assert!(m.len() <= capacity);
                prop_assert!(m.order.len() <= capacity * 2 + 1);
                for k in 0..16u8 {
                    if let Some(inserted_at) = m.get(&k, t(now)) {
                        prop_assert!(now < inserted_at + 3, "expired entry answered");
                    }
                }
            }
        }
    }
}
