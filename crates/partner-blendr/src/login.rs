//! What the signers and verifiers share: the default acceptance policy and
//! the request a login link is issued for.

use std::time::Duration;

use partner_core::{AcceptancePolicy, Freshness};

use crate::{Hub, SsoPage};

/// Default age a verifier accepts for `timestamp` / `iat` (docs/conformance.md: 300 s).
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
/// Default skew a verifier accepts for a `timestamp` / `iat` / `nbf` in the future (60 s).
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(60);

/// The policy [`HashVerifier`](crate::HashVerifier) and
/// [`JwtVerifier`](crate::JwtVerifier) start with: a handoff at most
/// [`DEFAULT_MAX_AGE`] (300 s) old and [`DEFAULT_MAX_SKEW`] (60 s) ahead,
/// no single-use check. Add one with
/// [`AcceptancePolicy::with_replay_guard`] and pass it to `with_policy`.
///
/// ```
/// use std::sync::Arc;
/// use partner_blendr::{HashVerifier, InMemoryReplayGuard, default_policy};
///
/// let policy = default_policy().with_replay_guard(Arc::new(InMemoryReplayGuard::new(10_000)));
/// let verifier = HashVerifier::new("saaspartner_api_key")?.with_policy(policy);
/// assert!(verifier.policy().is_single_use());
/// assert_eq!(default_policy().window().max_age.as_secs(), 300);
/// # Ok::<(), partner_blendr::Error>(())
/// ```
pub fn default_policy() -> AcceptancePolicy {
    AcceptancePolicy::new(Freshness::new(DEFAULT_MAX_AGE, DEFAULT_MAX_SKEW))
}

/// Who logs in, where: what [`LoginLinkIssuer::issue_link`](partner_core::LoginLinkIssuer::issue_link)
/// takes for [`HashLinkSigner`](crate::HashLinkSigner) (`SsoRequest<SsoParams>`)
/// and [`JwtSigner`](crate::JwtSigner) (`SsoRequest<JwtClaims>`).
///
/// ```
/// use partner_blendr::{HashLinkSigner, Hub, LoginLinkIssuer, SsoPage, SsoParams, SsoRequest, UnixTime};
///
/// let request = SsoRequest::new(Hub::eu("acme")?, SsoPage::Home, SsoParams::new("123")?);
/// let link = HashLinkSigner::new("saaspartner_api_key")?.issue_link(&request, UnixTime::from_secs(1))?;
/// assert!(link.as_str().starts_with("https://acme.admin.blendr.io/sso?accountid=123&timestamp=1&hash="));
/// # Ok::<(), partner_blendr::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SsoRequest<T> {
    /// The partner's hub.
    pub hub: Hub,
    /// The page the handoff opens.
    pub page: SsoPage,
    /// Who logs in: [`SsoParams`](crate::SsoParams) or [`JwtClaims`](crate::JwtClaims).
    pub handoff: T,
}

impl<T> SsoRequest<T> {
    /// A request to open `page` of `hub` for `handoff`.
    pub fn new(hub: Hub, page: SsoPage, handoff: T) -> Self {
        SsoRequest { hub, page, handoff }
    }
}
