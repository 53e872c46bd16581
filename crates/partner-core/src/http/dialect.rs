//! [`Dialect`] and [`Verdict`]: how a provider's answers are read: which
//! are retried, and what its error bodies say.

use std::time::Duration;

use super::Answer;
use crate::ProviderRejection;

/// Whether RFC 9110 (section 9.2.2) calls `method` idempotent: GET, HEAD,
/// OPTIONS, PUT, DELETE, TRACE. Sending one of them twice has the effect of
/// sending it once, so only they are retried after a transient failure;
/// POST, PATCH and extension methods such as `LOCK` are not.
///
/// ```
/// use partner_core::http::is_idempotent;
/// assert!(is_idempotent(&reqwest::Method::PUT));
/// assert!(!is_idempotent(&reqwest::Method::POST));
/// assert!(!is_idempotent(&reqwest::Method::from_bytes(b"LOCK").unwrap()));
/// ```
pub fn is_idempotent(method: &reqwest::Method) -> bool {
    matches!(
        *method,
        reqwest::Method::GET
            | reqwest::Method::HEAD
            | reqwest::Method::OPTIONS
            | reqwest::Method::PUT
            | reqwest::Method::DELETE
            | reqwest::Method::TRACE
    )
}

/// What to do with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Use the answer as it is: a success, or a final refusal.
    Done,
    /// A failure that may pass (5xx, 408): sent again only when the method
    /// is idempotent, after `after` when the provider said how long
    /// (`Retry-After`), else after the policy's backoff.
    Transient {
        /// How long the provider asked to wait.
        after: Option<Duration>,
    },
    /// The provider refused before acting on the request (429 with its reset
    /// time): safe to send again whatever the method, after `after`.
    NotProcessed {
        /// How long the provider asked to wait.
        after: Option<Duration>,
    },
    /// The credentials of the request went stale (a token the provider
    /// expired early, a clock offset that drifted) and the provider did not
    /// act: the request is prepared again with
    /// [`Attempt::refresh`](super::Attempt::refresh) set and sent at once,
    /// whatever the method; at most once per call.
    Refresh,
}

/// How one provider speaks HTTP: which answers are retried and how its
/// error bodies read. Each provider crate has one; [`Standard`] reads
/// statuses and `Retry-After` only.
pub trait Dialect: Send + Sync {
    /// What to do with `answer` (the default: [`standard_verdict`]).
    fn classify(&self, answer: &Answer) -> Verdict {
        standard_verdict(answer)
    }

    /// The refusal an error answer carries (the default: the status and an
    /// excerpt of the body).
    fn rejection(&self, provider: &'static str, answer: &Answer) -> ProviderRejection {
        ProviderRejection::new(provider, answer.status()).with_body_excerpt(answer.body())
    }
}

/// Statuses and `Retry-After` only.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standard;

impl Dialect for Standard {}

/// 408 and 5xx (but 501 and 505, which do not pass) are
/// [`Transient`](Verdict::Transient); 429 is
/// [`NotProcessed`](Verdict::NotProcessed); both honour a `Retry-After` in
/// seconds. Anything else is [`Done`](Verdict::Done).
pub fn standard_verdict(answer: &Answer) -> Verdict {
    let after = retry_after(answer);
    match answer.status() {
        429 => Verdict::NotProcessed { after },
        408 => Verdict::Transient { after },
        501 | 505 => Verdict::Done,
        500..=599 => Verdict::Transient { after },
        _ => Verdict::Done,
    }
}

/// `Retry-After` as delta-seconds (an HTTP date is ignored), at most one hour.
pub fn retry_after(answer: &Answer) -> Option<Duration> {
    let secs: u64 = answer.header("retry-after")?.trim().parse().ok()?;
    Some(Duration::from_secs(secs.min(3600)))
}
