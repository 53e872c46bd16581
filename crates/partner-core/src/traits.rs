//! The few traits the provider crates share.
//!
//! They let an application hold "something that signs", "something that
//! issues a login link" or "something that verifies a login" without caring
//! which platform is behind it, and let tests and the conformance harness
//! treat providers alike.

use crate::{Error, HasErrorKind, UnixTime};

/// Signs canonical bytes (a query string, a URI, a pre-image).
///
/// ```
/// use partner_core::MessageSigner;
/// use partner_core::crypto::HmacSha256Key;
///
/// fn sign_query<S: MessageSigner>(signer: &S, query: &str) -> S::Signature {
///     signer.sign(query.as_bytes())
/// }
/// let tag = sign_query(&HmacSha256Key::new("key").unwrap(), "a=1&ts=2");
/// assert_eq!(tag.len(), 32);
/// ```
pub trait MessageSigner {
    /// The signature, usually a fixed-size byte array.
    type Signature: AsRef<[u8]>;

    /// The signature of `message`.
    fn sign(&self, message: &[u8]) -> Self::Signature;
}

/// Verifies a signature over canonical bytes, in constant time.
///
/// ```
/// use partner_core::{Error, MessageSigner, MessageVerifier};
/// use partner_core::crypto::HmacSha256Key;
///
/// let key = HmacSha256Key::new("key").unwrap();
/// let tag = key.sign(b"a=1");
/// assert_eq!(key.verify(b"a=1", &tag), Ok(()));
/// assert_eq!(key.verify(b"a=2", &tag), Err(Error::BadSignature));
/// ```
pub trait MessageVerifier {
    /// `Ok` when `signature` is the signature of `message`, else
    /// [`Error::BadSignature`] (also for a signature of the wrong length).
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error>;
}

/// The partner side of a login handoff: builds the link (or form) that logs
/// a user into the platform.
///
/// ```
/// use partner_core::crypto::HmacSha256Key;
/// use partner_core::encoding::form_encode;
/// use partner_core::{Error, LoginLinkIssuer, UnixTime};
///
/// struct Issuer { base: String, key: HmacSha256Key }
///
/// impl LoginLinkIssuer for Issuer {
///     type Request = str; // the account id
///     type Link = String;
///     type Error = Error;
///     fn issue_link(&self, account: &str, now: UnixTime) -> Result<String, Error> {
///         if account.is_empty() {
///             return Err(Error::Malformed("account id is empty"));
///         }
///         let query = form_encode([("accountid", account), ("timestamp", &now.to_string())]);
///         let hash = self.key.sign_hex(query.as_bytes());
///         Ok(format!("{}?{query}&hash={hash}", self.base))
///     }
/// }
///
/// let issuer = Issuer { base: "https://hub.example/sso".into(), key: HmacSha256Key::new("k").unwrap() };
/// let link = issuer.issue_link("42", UnixTime::from_secs(1_700_000_000)).unwrap();
/// assert!(link.starts_with("https://hub.example/sso?accountid=42&timestamp=1700000000&hash="));
/// assert!(issuer.issue_link("", UnixTime::EPOCH).is_err());
/// ```
pub trait LoginLinkIssuer {
    /// Who logs in, and what else the link carries.
    type Request: ?Sized;
    /// What is handed to the browser: a URL, or an HTML form for POST handoffs.
    type Link;
    /// Why no link could be built.
    type Error: HasErrorKind;

    /// Builds the link, signed for the time `now`.
    fn issue_link(&self, request: &Self::Request, now: UnixTime)
    -> Result<Self::Link, Self::Error>;
}

/// The receiving side of a login handoff: checks what arrived (a URL, a
/// query, a token) and returns who logged in, as a [`Verified`](crate::Verified) that still
/// has to be consumed (single use).
///
/// Implementations check, in this order: shape, signature (constant time),
/// time window; single use is the [`Verified::consume`](crate::Verified::consume) step that follows,
/// so that the first failing check decides the
/// [`ErrorKind`](crate::ErrorKind) and a forged or stale handoff never takes
/// a place in a replay store.
///
/// ```
/// use partner_core::crypto::HmacSha256Key;
/// use partner_core::encoding::raw_pairs;
/// use partner_core::{AcceptancePolicy, Error, Freshness, InMemoryReplayGuard, LoginVerifier, UnixTime, Verified};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// struct Verifier { key: HmacSha256Key, policy: AcceptancePolicy }
///
/// impl LoginVerifier for Verifier {
///     type Identity = String;
///     type Error = Error;
///     fn verify_login(&self, query: &str, now: UnixTime) -> Result<Verified<String>, Error> {
///         let (signed, tag) = query.rsplit_once("&hash=").ok_or(Error::Malformed("no hash"))?;
///         self.key.verify_hex(signed.as_bytes(), tag)?;
///         let mut account = None;
///         let mut ts = None;
///         for p in raw_pairs(signed) {
///             match &*p.name {
///                 "accountid" => account = Some(p.value.into_owned()),
///                 "timestamp" => ts = p.value.parse::<i64>().ok(),
///                 _ => {}
///             }
///         }
///         let ts = UnixTime::from_secs(ts.ok_or(Error::Malformed("no integer timestamp"))?);
///         self.policy.check_time(ts, now)?;
///         let account = account.ok_or(Error::Malformed("no accountid"))?;
///         let until = self.policy.replay_until_issued(ts, None);
///         Ok(self.policy.verified(account, tag.as_bytes(), until, now))
///     }
/// }
///
/// let v = Verifier {
///     key: HmacSha256Key::new("k").unwrap(),
///     policy: AcceptancePolicy::new(Freshness::new(Duration::from_secs(300), Duration::from_secs(60)))
///         .with_replay_guard(Arc::new(InMemoryReplayGuard::new(1_000))),
/// };
/// let signed = "accountid=42&timestamp=1700000000";
/// let query = format!("{signed}&hash={}", v.key.sign_hex(signed.as_bytes()));
/// let now = UnixTime::from_secs(1_700_000_010);
/// assert_eq!(v.verify_login(&query, now).unwrap().accept().unwrap(), "42");
/// assert_eq!(v.verify_login(&query, now).unwrap().accept(), Err(Error::Replayed));
/// assert_eq!(v.verify_login(&query, UnixTime::from_secs(1_700_000_301)).unwrap_err(), Error::Expired);
/// ```
pub trait LoginVerifier {
    /// Who logged in, as the handoff says.
    type Identity;
    /// Why the handoff was refused.
    type Error: HasErrorKind;

    /// Verifies `received` at the time `now`; the identity is handed out
    /// by consuming the result.
    fn verify_login(
        &self,
        received: &str,
        now: UnixTime,
    ) -> Result<crate::Verified<Self::Identity>, Self::Error>;
}
