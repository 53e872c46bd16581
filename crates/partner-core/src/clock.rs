//! Time as an input: the [`Clock`] trait, Unix seconds, and freshness checks.
//!
//! Nothing in the workspace reads the system time except [`SystemClock`]
//! (clippy's `disallowed-methods` enforces it), so every signature, expiry and
//! cache decision can be tested with a [`FixedClock`] and no sleeping.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::Error;

/// A point in time in whole Unix seconds, the unit every provider here signs.
///
/// It may be negative (before 1970) so that any `SystemTime` converts without
/// failing; arithmetic saturates instead of overflowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(i64);

impl UnixTime {
    /// The Unix epoch.
    pub const EPOCH: UnixTime = UnixTime(0);

    /// From Unix seconds.
    pub const fn from_secs(secs: i64) -> Self {
        UnixTime(secs)
    }

    /// Unix seconds.
    pub const fn as_secs(self) -> i64 {
        self.0
    }

    /// The whole second a `SystemTime` falls in (rounded down, also before 1970).
    pub fn from_system_time(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => UnixTime(i64::try_from(after.as_secs()).unwrap_or(i64::MAX)),
            Err(before) => {
                let d = before.duration();
                let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                let floor = if d.subsec_nanos() > 0 { secs.saturating_add(1) } else { secs };
                UnixTime(floor.saturating_neg())
            }
        }
    }

    /// This time as a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        let magnitude = Duration::from_secs(self.0.unsigned_abs());
        if self.0 >= 0 {
            UNIX_EPOCH.checked_add(magnitude).unwrap_or(UNIX_EPOCH)
        } else {
            UNIX_EPOCH.checked_sub(magnitude).unwrap_or(UNIX_EPOCH)
        }
    }

    /// `self + by`, saturating at the end of time.
    pub fn saturating_add(self, by: Duration) -> Self {
        UnixTime(self.0.saturating_add(i64::try_from(by.as_secs()).unwrap_or(i64::MAX)))
    }

    /// `self - by`, saturating at the start of time.
    pub fn saturating_sub(self, by: Duration) -> Self {
        UnixTime(self.0.saturating_sub(i64::try_from(by.as_secs()).unwrap_or(i64::MAX)))
    }

    /// Parses Unix seconds written as an optional `-` and 1 to 19 ASCII
    /// digits that fit an `i64`: nothing else (no `+`, space, exponent or
    /// fraction). The one parser of every timestamp that arrives as text.
    ///
    /// ```
    /// use partner_core::UnixTime;
    /// assert_eq!(UnixTime::parse_secs("1700000000"), Ok(UnixTime::from_secs(1_700_000_000)));
    /// assert_eq!(UnixTime::parse_secs("-5"), Ok(UnixTime::from_secs(-5)));
    /// for bad in ["", "-", "+5", " 5", "5.0", "1e9", "99999999999999999999"] {
    ///     assert!(UnixTime::parse_secs(bad).is_err(), "{bad}");
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] for anything else.
    pub fn parse_secs(text: &str) -> Result<Self, Error> {
        const NOT_SECONDS: Error =
            Error::Malformed("unix time is not an integer number of seconds");
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NOT_SECONDS);
        }
        text.parse().map(UnixTime).map_err(|_| NOT_SECONDS)
    }

    /// Reads a JSON Web Token NumericDate (RFC 7519 section 2): a JSON
    /// number of seconds, which may have a fraction (rounded down). The one
    /// parser of `iat`, `nbf` and `exp`.
    ///
    /// ```
    /// use partner_core::UnixTime;
    /// use serde_json::json;
    /// assert_eq!(UnixTime::from_numeric_date(&json!(1_700_000_000)), Ok(UnixTime::from_secs(1_700_000_000)));
    /// assert_eq!(UnixTime::from_numeric_date(&json!(10.9)), Ok(UnixTime::from_secs(10)));
    /// assert_eq!(UnixTime::from_numeric_date(&json!(-0.5)), Ok(UnixTime::from_secs(-1)));
    /// assert!(UnixTime::from_numeric_date(&json!("1700000000")).is_err());
    /// assert!(UnixTime::from_numeric_date(&json!(1e300)).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] for a value that is not a number, or out of range.
    pub fn from_numeric_date(value: &serde_json::Value) -> Result<Self, Error> {
        let serde_json::Value::Number(n) = value else {
            return Err(Error::Malformed("a numeric date is not a number"));
        };
        if let Some(i) = n.as_i64() {
            return Ok(UnixTime(i));
        }
        match n.as_f64() {
            // Within i64 range: floor it.
            #[allow(clippy::cast_possible_truncation)]
            Some(f) if f.is_finite() && f.abs() < 9.0e18 => Ok(UnixTime(f.floor() as i64)),
            _ => Err(Error::Malformed("numeric date out of range")),
        }
    }

    /// Signed seconds from `earlier` to `self`, without overflow.
    pub fn seconds_since(self, earlier: UnixTime) -> i128 {
        i128::from(self.0) - i128::from(earlier.0)
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<SystemTime> for UnixTime {
    fn from(time: SystemTime) -> Self {
        UnixTime::from_system_time(time)
    }
}

/// Where the time comes from.
///
/// ```
/// use partner_core::{Clock, FixedClock, UnixTime};
/// use std::time::Duration;
///
/// let clock = FixedClock::at_unix(1_700_000_000);
/// assert_eq!(clock.unix_time(), UnixTime::from_secs(1_700_000_000));
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.unix_time().as_secs(), 1_700_000_090);
/// ```
pub trait Clock: fmt::Debug + Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// The current time in whole Unix seconds.
    fn unix_time(&self) -> UnixTime {
        UnixTime::from_system_time(self.now())
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> SystemTime {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place the system time is read
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to: for tests, fakes and replays.
///
/// Shared behind an `Arc` it can be advanced while a client or fake holds it.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<SystemTime>,
}

impl FixedClock {
    /// A clock stopped at `now`.
    pub fn new(now: SystemTime) -> Self {
        FixedClock { now: Mutex::new(now) }
    }

    /// A clock stopped at these Unix seconds.
    pub fn at_unix(secs: i64) -> Self {
        FixedClock::new(UnixTime::from_secs(secs).to_system_time())
    }

    /// Moves the clock to `now` (also backwards, to test skew).
    pub fn set(&self, now: SystemTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.checked_add(by).unwrap_or(*now);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How old and how far in the future a signed timestamp may be.
///
/// ```
/// use partner_core::{Error, Freshness, UnixTime};
/// use std::time::Duration;
///
/// let window = Freshness::new(Duration::from_secs(300), Duration::from_secs(60));
/// let now = UnixTime::from_secs(1_700_000_000);
/// assert_eq!(window.check(UnixTime::from_secs(1_699_999_700), now), Ok(()));
/// assert_eq!(window.check(UnixTime::from_secs(1_699_999_699), now), Err(Error::Expired));
/// assert_eq!(window.check(UnixTime::from_secs(1_700_000_061), now), Err(Error::NotYetValid));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Freshness {
    /// A timestamp older than this (`now - ts > max_age`) is [`Error::Expired`].
    pub max_age: Duration,
    /// A timestamp further ahead than this (`ts - now > max_skew`) is [`Error::NotYetValid`].
    pub max_skew: Duration,
}

impl Freshness {
    /// A window of `max_age` into the past and `max_skew` into the future.
    pub const fn new(max_age: Duration, max_skew: Duration) -> Self {
        Freshness { max_age, max_skew }
    }

    /// Checks the issue time `issued_at` against `now`. Both bounds are inclusive.
    pub fn check(&self, issued_at: UnixTime, now: UnixTime) -> Result<(), Error> {
        let age = now.seconds_since(issued_at);
        if age > i128::from(self.max_age.as_secs()) {
            Err(Error::Expired)
        } else {
            check_not_before(issued_at, now, self.max_skew)
        }
    }
}

/// [`Error::Expired`] when `now > expires_at + skew`.
///
/// ```
/// use partner_core::{clock::check_not_after, Error, UnixTime};
/// use std::time::Duration;
/// let exp = UnixTime::from_secs(100);
/// assert_eq!(check_not_after(exp, UnixTime::from_secs(130), Duration::from_secs(30)), Ok(()));
/// assert_eq!(check_not_after(exp, UnixTime::from_secs(131), Duration::from_secs(30)), Err(Error::Expired));
/// ```
pub fn check_not_after(expires_at: UnixTime, now: UnixTime, skew: Duration) -> Result<(), Error> {
    if now.seconds_since(expires_at) > i128::from(skew.as_secs()) {
        Err(Error::Expired)
    } else {
        Ok(())
    }
}

/// [`Error::NotYetValid`] when `not_before - now > skew`.
pub fn check_not_before(not_before: UnixTime, now: UnixTime, skew: Duration) -> Result<(), Error> {
    if not_before.seconds_since(now) > i128::from(skew.as_secs()) {
        Err(Error::NotYetValid)
    } else {
        Ok(())
    }
}

/// Waits, for retries and backoff: the asynchronous companion of [`Clock`].
///
/// Clients wait through a `Sleeper` rather than calling a runtime's sleep
/// directly, so a test can hand them a [`FixedClock`], whose `sleep`
/// advances the clock at once: a 30-second backoff takes no time and the
/// server's rate-limit window (read from the same clock) really moves.
pub trait Sleeper: fmt::Debug + Send + Sync {
    /// Resolves after `duration`.
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>;
}

impl Sleeper for FixedClock {
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        self.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

impl<S: Sleeper + ?Sized> Sleeper for Arc<S> {
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        (**self).sleep(duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_floors_before_epoch() {
        let t = UNIX_EPOCH - Duration::from_millis(1500);
        assert_eq!(UnixTime::from_system_time(t).as_secs(), -2);
        let t = UNIX_EPOCH + Duration::from_millis(1500);
        assert_eq!(UnixTime::from_system_time(t).as_secs(), 1);
        assert_eq!(UnixTime::from_secs(-5).to_system_time(), UNIX_EPOCH - Duration::from_secs(5));
        assert_eq!(
            UnixTime::from_secs(i64::MAX).saturating_add(Duration::from_secs(9)).as_secs(),
            i64::MAX
        );
        assert_eq!(UnixTime::from_secs(i64::MIN).saturating_sub(Duration::MAX).as_secs(), i64::MIN);
    }

    #[test]
    fn freshness_bounds_are_inclusive_and_extremes_do_not_overflow() {
        let w = Freshness::new(Duration::from_secs(10), Duration::from_secs(5));
        let now = UnixTime::from_secs(100);
        assert_eq!(w.check(UnixTime::from_secs(90), now), Ok(()));
        assert_eq!(w.check(UnixTime::from_secs(89), now), Err(Error::Expired));
        assert_eq!(w.check(UnixTime::from_secs(105), now), Ok(()));
        assert_eq!(w.check(UnixTime::from_secs(106), now), Err(Error::NotYetValid));
        assert_eq!(
            w.check(UnixTime::from_secs(i64::MIN), UnixTime::from_secs(i64::MAX)),
            Err(Error::Expired)
        );
        assert_eq!(
            w.check(UnixTime::from_secs(i64::MAX), UnixTime::from_secs(i64::MIN)),
            Err(Error::NotYetValid)
        );
        let huge = Freshness::new(Duration::MAX, Duration::MAX);
        assert_eq!(
            huge.check(UnixTime::from_secs(i64::MIN), UnixTime::from_secs(i64::MAX)),
            Ok(())
        );
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = Arc::new(FixedClock::at_unix(10));
        let shared: Arc<dyn Clock> = c.clone();
        assert_eq!(shared.unix_time().as_secs(), 10);
        c.advance(Duration::from_secs(5));
        assert_eq!(shared.unix_time().as_secs(), 15);
        c.set(UNIX_EPOCH);
        assert_eq!(shared.unix_time(), UnixTime::EPOCH);
    }

    #[test]
    fn fixed_clock_sleeps_by_advancing() {
        let c = FixedClock::at_unix(100);
        let sleep = Sleeper::sleep(&c, Duration::from_secs(30));
        // The future is ready at once and the time has moved.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut sleep = sleep;
        assert!(sleep.as_mut().poll(&mut cx).is_ready());
        assert_eq!(c.unix_time().as_secs(), 130);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.unix_time().as_secs() > 1_577_836_800);
    }
}
