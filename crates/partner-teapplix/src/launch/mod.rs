//! The signed Launch URL: build it (partner side, [`LaunchSigner`]) and
//! verify it (Teapplix side, [`LaunchVerifier`]).

mod signer;
#[cfg(test)]
mod tests;
mod token;
mod verifier;
mod vhost;

use std::time::Duration;

pub use signer::{LaunchSigner, LaunchUrl};
pub use token::ObtainedToken;
pub use verifier::{LaunchVerifier, VerifiedLaunch};
pub use vhost::ClientVhost;

/// Where users' browsers are sent: `https://app.teapplix.com`.
pub const DEFAULT_APP_BASE_URL: &str = "https://app.teapplix.com";

/// How long an obtained access token lives if unused (Teapplix's auto-login page: 30 minutes).
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// Default age a verifier accepts for a launch's `ts`: the token's lifetime.
pub const DEFAULT_MAX_AGE: Duration = ACCESS_TOKEN_LIFETIME;

/// Default clock skew a verifier accepts for a `ts` in the future.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(60);
