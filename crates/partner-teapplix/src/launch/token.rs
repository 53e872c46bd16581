//! [`ObtainedToken`]: what PSObtainToken returns, with its expiry.

use partner_core::{Secret, UnixTime};

use super::{ACCESS_TOKEN_LIFETIME, ClientVhost};

/// A token obtained with PSObtainToken for one paired account.
///
/// It knows when it expires, so a launch URL is never built from a dead token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ObtainedToken {
    /// The account to launch into.
    pub client_vhost: ClientVhost,
    /// The single-use access token (`pt`).
    pub access_token: Secret,
    /// When it was obtained (by the partner's clock).
    pub issued_at: UnixTime,
    /// When Teapplix stops accepting it: `issued_at` + 30 minutes.
    pub expires_at: UnixTime,
}

impl ObtainedToken {
    /// A token obtained at `issued_at`, expiring [`ACCESS_TOKEN_LIFETIME`] later.
    pub fn new(
        client_vhost: ClientVhost,
        access_token: impl Into<Secret>,
        issued_at: UnixTime,
    ) -> Self {
        ObtainedToken {
            client_vhost,
            access_token: access_token.into(),
            issued_at,
            expires_at: issued_at.saturating_add(ACCESS_TOKEN_LIFETIME),
        }
    }

    /// Whether the token can still be used at `now`.
    pub fn is_expired_at(&self, now: UnixTime) -> bool {
        now >= self.expires_at
    }
}
