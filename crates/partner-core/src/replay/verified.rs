//! A handoff that passed its signature and time checks and waits for its
//! single-use step.

use std::fmt;
use std::sync::Arc;

use super::{ReplayGuard, ReplayKey, ReplayStore};
use crate::{Error, HasErrorKind, Unavailability, UnixTime};

/// Where a policy records single use.
#[derive(Clone)]
pub(crate) enum SingleUse {
    /// A synchronous guard of one process.
    Guard(Arc<dyn ReplayGuard>),
    /// An asynchronous store, shared by a fleet.
    Store(Arc<dyn ReplayStore>),
}

/// What still has to happen before the value is handed out.
struct Pending {
    key: ReplayKey,
    until: UnixTime,
    now: UnixTime,
    by: SingleUse,
}

/// A verified handoff (a signed link, a token) that is not yet accepted.
///
/// Verifiers check what is pure (the signature, the time window) and return
/// this; single use is the separate step that hands the value out:
///
/// - [`consume`](Self::consume)`.await` records the handoff in the
///   verifier's single-use store (an [`InMemoryReplayGuard`](crate::InMemoryReplayGuard)
///   or a store shared by a fleet, such as `partner-redis`) and returns the
///   value the first time only;
/// - [`accept`](Self::accept) does the same without `.await`, for a
///   synchronous guard or no single use. When the verifier was given an
///   asynchronous store, `accept` refuses (kind `unavailable`): a fleet's
///   single use cannot be skipped by calling the wrong method.
///
/// There is no other way to the value: it is not `Deref`, and it is
/// `#[must_use]`.
///
/// ```
/// use partner_core::{AcceptancePolicy, Error, Freshness, InMemoryReplayGuard, UnixTime};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let policy = AcceptancePolicy::new(Freshness::new(Duration::from_secs(300), Duration::from_secs(60)))
///     .with_replay_store(Arc::new(InMemoryReplayGuard::new(100)));
/// let now = UnixTime::from_secs(1_000);
/// let until = policy.replay_until_issued(now, None);
/// let first = policy.verified("alice", b"link-1", until, now);
/// let again = policy.verified("alice", b"link-1", until, now);
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// // An asynchronous store is configured: only `consume().await` hands the value out.
/// assert_eq!(policy.verified("bob", b"link-2", until, now).accept().unwrap_err().to_string(),
///     "replay store is unavailable: an asynchronous store is configured: use consume().await");
/// # runtime.block_on(async {
/// assert_eq!(first.consume().await, Ok("alice"));
/// assert_eq!(again.consume().await, Err(Error::Replayed));
/// # });
/// ```
#[must_use = "a verified handoff is accepted only by `.consume().await` or `.accept()`"]
pub struct Verified<T> {
    value: T,
    pending: Option<Pending>,
}

impl<T> Verified<T> {
    /// A value that needs no single-use step (the policy has none).
    pub(crate) fn without_single_use(value: T) -> Self {
        Verified { value, pending: None }
    }

    /// A value to record under `key` until `until`.
    pub(crate) fn pending(
        value: T,
        key: ReplayKey,
        until: UnixTime,
        now: UnixTime,
        by: SingleUse,
    ) -> Self {
        Verified { value, pending: Some(Pending { key, until, now, by }) }
    }

    /// Records single use, if the verifier has any, and hands the value
    /// out: [`Error::Replayed`] if it was consumed before (in this process
    /// or, with a shared store, in any), kind `unavailable` if the store did
    /// not answer (nothing is accepted then).
    pub async fn consume(self) -> Result<T, Error> {
        let Verified { value, pending } = self;
        let answer = match pending {
            None => return Ok(value),
            Some(Pending { key, until, now, by: SingleUse::Guard(guard) }) => {
                guard.check_and_record(&key, until, now)
            }
            Some(Pending { key, until, now, by: SingleUse::Store(store) }) => {
                store.consume(&key, until, now).await
            }
        };
        traced(answer).map(|()| value)
    }

    /// [`consume`](Self::consume) for a synchronous guard or no single use.
    /// With an asynchronous store it refuses: kind `unavailable`,
    /// [`Unavailability::AsyncStore`].
    pub fn accept(self) -> Result<T, Error> {
        let Verified { value, pending } = self;
        let answer = match pending {
            None => return Ok(value),
            Some(Pending { key, until, now, by: SingleUse::Guard(guard) }) => {
                guard.check_and_record(&key, until, now)
            }
            Some(Pending { by: SingleUse::Store(_), .. }) => {
                Err(Error::unavailable("replay store", Unavailability::AsyncStore, None))
            }
        };
        traced(answer).map(|()| value)
    }

    /// The same handoff with its value mapped (for example to the identity
    /// a [`LoginVerifier`](crate::LoginVerifier) returns).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Verified<U> {
        Verified { value: f(self.value), pending: self.pending }
    }

    /// Whether consuming records anything (the verifier has single use).
    pub fn is_single_use(&self) -> bool {
        self.pending.is_some()
    }

    /// The key single use records: the SHA-256 of the replay id.
    pub fn replay_key(&self) -> Option<&ReplayKey> {
        self.pending.as_ref().map(|p| &p.key)
    }

    /// Until when single use remembers the handoff (after that, its time
    /// window refuses it anyway).
    pub fn remember_until(&self) -> Option<UnixTime> {
        self.pending.as_ref().map(|p| p.until)
    }
}

/// [`Verified::accept`] on the result of a verification, for synchronous
/// callers: `verifier.verify(..).accepted()` is the value, or the first
/// error (of the checks, then of single use) in the verifier's error type.
///
/// ```
/// use partner_core::replay::AcceptVerified;
/// use partner_core::{AcceptancePolicy, Error, Freshness, InMemoryReplayGuard, UnixTime};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let policy = AcceptancePolicy::new(Freshness::new(Duration::from_secs(300), Duration::ZERO))
///     .with_replay_guard(Arc::new(InMemoryReplayGuard::new(10)));
/// let now = UnixTime::from_secs(0);
/// let verify = |id: &[u8]| -> Result<_, Error> { Ok(policy.verified(id.len(), id, now, now)) };
/// assert_eq!(verify(b"abc").accepted(), Ok(3));
/// assert_eq!(verify(b"abc").accepted(), Err(Error::Replayed));
/// ```
pub trait AcceptVerified<T, E> {
    /// The value, accepted at once; see [`Verified::accept`].
    fn accepted(self) -> Result<T, E>;
}

impl<T, E: From<Error>> AcceptVerified<T, E> for Result<Verified<T>, E> {
    fn accepted(self) -> Result<T, E> {
        self.and_then(|verified| verified.accept().map_err(E::from))
    }
}

/// One debug event per single-use step (`outcome`: `"consumed"` or the
/// error kind); like every event of this crate, no key or value in it.
fn traced(answer: Result<(), Error>) -> Result<(), Error> {
    match &answer {
        Ok(()) => tracing::debug!(outcome = "consumed", "single use recorded"),
        Err(err) => {
            tracing::debug!(outcome = err.error_kind().as_str(), "single use refused");
        }
    }
    answer
}

impl<T: fmt::Debug> fmt::Debug for Verified<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Verified");
        d.field("value", &self.value);
        match &self.pending {
            None => d.field("single_use", &false),
            Some(p) => d.field("replay_key", &p.key).field("until", &p.until).field(
                "store",
                &match p.by {
                    SingleUse::Guard(_) => "guard",
                    SingleUse::Store(_) => "async store",
                },
            ),
        };
        d.finish()
    }
}

/// Polls a future once with a no-op waker and returns its output: the
/// unit tests' executor for what is ready at once (the in-memory guard and
/// cache, the fixed clock's sleep). Panics if it is not.
#[cfg(test)]
pub(crate) fn block_on_ready<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => panic!("block_on_ready: the future is not ready"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AcceptancePolicy, Freshness, InMemoryReplayGuard};
    use std::time::Duration;

    fn policy() -> AcceptancePolicy {
        AcceptancePolicy::new(Freshness::new(Duration::from_secs(300), Duration::from_secs(60)))
    }

    fn t(s: i64) -> UnixTime {
        UnixTime::from_secs(s)
    }

    #[test]
    fn without_single_use_both_steps_hand_the_value_out() {
        let p = policy();
        let v = p.verified(7, b"id", t(10), t(0));
        assert!(!v.is_single_use());
        assert_eq!(v.replay_key(), None);
        assert_eq!(v.accept(), Ok(7));
        assert_eq!(block_on_ready(p.verified(7, b"id", t(10), t(0)).consume()), Ok(7));
    }

    #[test]
    fn a_guard_is_used_by_accept_and_consume_alike() {
        let guard = Arc::new(InMemoryReplayGuard::new(10));
        let p = policy().with_replay_guard(guard.clone());
        let v = p.verified("x", b"id", t(10), t(0));
        assert_eq!(v.replay_key(), Some(&ReplayKey::of(b"id")));
        assert_eq!(v.remember_until(), Some(t(10)));
        assert_eq!(v.accept(), Ok("x"));
        assert_eq!(
            block_on_ready(p.verified("x", b"id", t(10), t(0)).consume()),
            Err(Error::Replayed)
        );
        assert_eq!(p.verified("x", b"id", t(10), t(5)).accept(), Err(Error::Replayed));
        assert_eq!(p.verified("y", b"other", t(10), t(5)).accept(), Ok("y"));
        assert_eq!(guard.len(), 2);
    }

    #[test]
    fn an_async_store_cannot_be_skipped_by_accept() {
        let store = Arc::new(InMemoryReplayGuard::new(10));
        let p = policy().with_replay_store(store.clone());
        let err = p.verified((), b"id", t(10), t(0)).accept().unwrap_err();
        assert_eq!(err, Error::unavailable("replay store", Unavailability::AsyncStore, None));
        assert!(store.is_empty(), "a refused accept records nothing");
        assert_eq!(block_on_ready(p.verified(1, b"id", t(10), t(0)).consume()), Ok(1));
        assert_eq!(
            block_on_ready(p.verified(2, b"id", t(10), t(0)).consume()),
            Err(Error::Replayed)
        );
    }

    #[test]
    fn map_keeps_the_single_use_step() {
        let p = policy().with_replay_guard(Arc::new(InMemoryReplayGuard::new(10)));
        assert_eq!(p.verified(2, b"id", t(10), t(0)).map(|n| n * 10).accept(), Ok(20));
        assert_eq!(
            p.verified(2, b"id", t(10), t(0)).map(|n| n * 10).accept(),
            Err(Error::Replayed)
        );
    }

    #[test]
    fn debug_shows_the_key_prefix_only() {
        let p = policy().with_replay_guard(Arc::new(InMemoryReplayGuard::new(10)));
        let v = p.verified("v", b"secret-token", t(10), t(0));
        let shown = format!("{v:?}");
        assert!(shown.contains("ReplayKey("), "{shown}");
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(!shown.contains(&ReplayKey::of(b"secret-token").to_hex()), "{shown}");
        let _ = v.accept();
    }
}
