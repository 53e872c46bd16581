use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::replay::{StoreFuture, block_on_ready};
use crate::shared::LocalSharedCache;
use crate::{Clock, FixedClock};

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::at_unix(1_000))
}

fn flight(
    clock: &Arc<FixedClock>,
    options: SharedOptions,
) -> (SharedFlight, Arc<LocalSharedCache>) {
    let cache = Arc::new(LocalSharedCache::new(clock.clone(), 100));
    (SharedFlight::new(cache.clone(), clock.clone()).with_options(options), cache)
}

fn key() -> CacheKey {
    CacheKey::new("token:test", b"client")
}

/// A fetch that counts its calls and returns `t<n>` for 60 s.
fn counting(calls: &AtomicUsize) -> impl Future<Output = Result<(Secret, Duration), Error>> + '_ {
    let n = calls.fetch_add(1, Ordering::SeqCst);
    async move { Ok((Secret::from(format!("t{n}")), Duration::from_secs(60))) }
}

fn text(s: &Secret) -> &str {
    s.expose_str().unwrap_or_default()
}

#[test]
fn a_miss_fetches_once_and_stores_for_the_ttl() {
    let clock = clock();
    let (flight, _) = flight(&clock, SharedOptions::default());
    let calls = AtomicUsize::new(0);
    for _ in 0..3 {
        let got = block_on_ready(flight.get_or_fetch(&key(), |_| true, || counting(&calls)));
        assert_eq!(text(&got.unwrap()), "t0");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(60));
    let got = block_on_ready(flight.get_or_fetch(&key(), |_| true, || counting(&calls)));
    assert_eq!(text(&got.unwrap()), "t1", "expired after its ttl");
}

#[test]
fn an_unusable_stored_value_is_fetched_again_and_a_zero_ttl_is_not_stored() {
    let clock = clock();
    let (flight, cache) = flight(&clock, SharedOptions::default());
    let calls = AtomicUsize::new(0);
    let got = block_on_ready(flight.get_or_fetch(&key(), |_| true, || counting(&calls))).unwrap();
    let fresh = |s: &Secret| text(s) != "t0";
    let again = block_on_ready(flight.get_or_fetch(&key(), fresh, || counting(&calls))).unwrap();
    assert_eq!((text(&got), text(&again)), ("t0", "t1"));
    let zero = || async { Ok::<_, Error>((Secret::from("z"), Duration::ZERO)) };
    let other = CacheKey::new("token:test", b"other");
    assert_eq!(text(&block_on_ready(flight.get_or_fetch(&other, |_| true, zero)).unwrap()), "z");
    assert!(block_on_ready(cache.get(&other)).unwrap().is_none());
}

#[test]
fn a_waiter_takes_over_when_the_holder_dies() {
    let clock = clock();
    let options = SharedOptions::default()
        .with_lock_lease(Duration::from_secs(2))
        .with_max_wait(Duration::from_secs(5));
    let (flight, cache) = flight(&clock, options);
    // Another process took the lock and died.
    assert_eq!(
        block_on_ready(cache.try_lock(&key(), &LockToken::random(), Duration::from_secs(2))),
        Ok(true)
    );
    let calls = AtomicUsize::new(0);
    let start = clock.unix_time();
    let got = block_on_ready(flight.get_or_fetch(&key(), |_| true, || counting(&calls))).unwrap();
    assert_eq!(text(&got), "t0");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let waited = clock.unix_time().as_secs() - start.as_secs();
    assert!((2..=3).contains(&waited), "waited {waited} s for a 2 s lease");
    assert!(block_on_ready(cache.get(&key())).unwrap().is_some(), "the taker stored it");
}

#[test]
fn waiting_is_bounded_then_local_or_closed() {
    for (when_down, expect_fetch) in
        [(StoreDown::FetchLocally, true), (StoreDown::FailClosed, false)]
    {
        let clock = clock();
        let options = SharedOptions::default()
            .with_lock_lease(Duration::from_secs(60))
            .with_max_wait(Duration::from_secs(1))
            .when_down(when_down);
        let (flight, cache) = flight(&clock, options);
        let held = LockToken::random();
        block_on_ready(cache.try_lock(&key(), &held, Duration::from_secs(60))).unwrap();
        let calls = AtomicUsize::new(0);
        let start = clock.unix_time().as_secs();
        let got = block_on_ready(flight.get_or_fetch(&key(), |_| true, || counting(&calls)));
        let waited = clock.unix_time().as_secs() - start;
        assert!((1..=2).contains(&waited), "{when_down:?}: waited {waited} s");
        if expect_fetch {
            assert_eq!(text(&got.unwrap()), "t0");
            assert!(
                block_on_ready(cache.get(&key())).unwrap().is_none(),
                "not stored without the lock"
            );
        } else {
            assert_eq!(
                got.unwrap_err(),
                Error::unavailable("shared cache", Unavailability::Timeout, None)
            );
            assert_eq!(calls.load(Ordering::SeqCst), 0);
        }
    }
}

/// A store that never answers.
struct Down;

fn down<T: Send + 'static>() -> StoreFuture<'static, T> {
    Box::pin(std::future::ready(Err(Error::unavailable("redis", Unavailability::Connect, None))))
}

impl SharedCache for Down {
    fn get<'a>(&'a self, _: &'a CacheKey) -> StoreFuture<'a, Option<Secret>> {
        down()
    }
    fn set<'a>(&'a self, _: &'a CacheKey, _: &'a Secret, _: Duration) -> StoreFuture<'a, ()> {
        down()
    }
    fn remove_if<'a>(&'a self, _: &'a CacheKey, _: &'a Secret) -> StoreFuture<'a, bool> {
        down()
    }
    fn try_lock<'a>(
        &'a self,
        _: &'a CacheKey,
        _: &'a LockToken,
        _: Duration,
    ) -> StoreFuture<'a, bool> {
        down()
    }
    fn unlock<'a>(&'a self, _: &'a CacheKey, _: &'a LockToken) -> StoreFuture<'a, ()> {
        down()
    }
}

#[test]
fn a_store_that_is_down_fetches_locally_unless_closed() {
    let clock = clock();
    let calls = AtomicUsize::new(0);
    let open = SharedFlight::new(Arc::new(Down), clock.clone());
    let got = block_on_ready(open.get_or_fetch(&key(), |_| true, || counting(&calls)));
    assert_eq!(text(&got.unwrap()), "t0");
    let closed =
        open.clone().with_options(SharedOptions::default().when_down(StoreDown::FailClosed));
    let got = block_on_ready(closed.get_or_fetch(&key(), |_| true, || counting(&calls)));
    assert_eq!(got.unwrap_err(), Error::unavailable("redis", Unavailability::Connect, None));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn forget_removes_only_the_rejected_value() {
    let clock = clock();
    let (flight, cache) = flight(&clock, SharedOptions::default());
    let calls = AtomicUsize::new(0);
    let t0 = block_on_ready(flight.get_or_fetch(&key(), |_| true, || counting(&calls))).unwrap();
    assert_eq!(block_on_ready(flight.forget(&key(), &Secret::from("old"))), Ok(false));
    assert!(block_on_ready(cache.get(&key())).unwrap().is_some());
    assert_eq!(block_on_ready(flight.forget(&key(), &t0)), Ok(true));
    let t1 = block_on_ready(flight.get_or_fetch(&key(), |_| true, || counting(&calls))).unwrap();
    assert_eq!(text(&t1), "t1");
}

/// A sleeper on the fixed clock that lets other tasks run.
#[derive(Debug)]
struct Yielding(Arc<FixedClock>);

impl Sleeper for Yielding {
    fn sleep(&self, d: Duration) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.0.advance(d);
        Box::pin(tokio::task::yield_now())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_callers_make_one_fetch() {
    let clock = clock();
    let cache = Arc::new(LocalSharedCache::new(clock.clone(), 100));
    let calls = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..64 {
        // Each task is a "process": its own flight, one shared store.
        // The lease is long: the fixed clock moves with every waiter's pause.
        let options = SharedOptions::default().with_lock_lease(Duration::from_secs(3_600));
        let flight = SharedFlight::new(cache.clone(), Arc::new(Yielding(clock.clone())))
            .with_options(options);
        let calls = calls.clone();
        tasks.push(tokio::spawn(async move {
            let fetch = || async {
                calls.fetch_add(1, Ordering::SeqCst);
                for _ in 0..20 {
                    tokio::task::yield_now().await;
                }
                Ok::<_, Error>((Secret::from("shared"), Duration::from_secs(600)))
            };
            flight.get_or_fetch(&key(), |_| true, fetch).await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().expose_str(), Some("shared"));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
