//! What the crates report through `tracing`: one event per verification
//! outcome. (Outbound calls get a span each from the `http` feature.)
//!
//! Fields are names and kinds only: never a secret, a token, a signature
//! or a value from the input.

use crate::HasErrorKind;

/// Reports the outcome of verifying an incoming handoff as a debug event
/// (`provider`, `handoff`, `outcome`: `"accepted"` or the error kind) and
/// returns it unchanged.
///
/// ```
/// use partner_core::{Error, trace};
///
/// let refused: Result<(), Error> = Err(Error::Expired);
/// assert_eq!(trace::verification("example", "launch", refused), Err(Error::Expired));
/// ```
pub fn verification<T, E: HasErrorKind>(
    provider: &'static str,
    handoff: &'static str,
    result: Result<T, E>,
) -> Result<T, E> {
    match &result {
        Ok(_) => tracing::debug!(provider, handoff, outcome = "accepted", "handoff verified"),
        Err(err) => {
            tracing::debug!(
                provider,
                handoff,
                outcome = err.error_kind().as_str(),
                "handoff refused"
            );
        }
    }
    result
}
