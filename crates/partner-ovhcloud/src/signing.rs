//! The request signature, exactly as the official SDKs compute it, and its
//! verification on the receiving side.

use std::io;
use std::time::Duration;

use partner_core::crypto::{Sha1Prefix, hex_eq};
use partner_core::{AcceptancePolicy, Freshness, UnixTime, trace};

pub use signature::RequestSignature;

use crate::{ApplicationSecret, ConsumerKey, Error, PROVIDER};

mod signature;

/// The window [`default_policy`] accepts: a signed timestamp at most 300 s
/// in the past or in the future, as the API does.
pub const DEFAULT_WINDOW: Freshness =
    Freshness::new(Duration::from_secs(300), Duration::from_secs(300));

/// The policy of a verifier that was given none: [`DEFAULT_WINDOW`], no
/// single-use check (a request may be sent again within the window, as
/// the API allows). Add a replay guard with
/// [`AcceptancePolicy::with_replay_guard`] to refuse a signature seen before.
pub fn default_policy() -> AcceptancePolicy {
    AcceptancePolicy::new(DEFAULT_WINDOW)
}

const PREFIX: &str = "$1$";

/// What a signature covers: the method, the absolute URL exactly as sent
/// (query included) and the exact body bytes (empty when none). A plain
/// argument bundle, the same for [`sign`] and [`verify`]: build it with a
/// struct expression.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The HTTP method (any case: it is signed upper-case).
    pub method: &'a str,
    /// The absolute URL as sent or received.
    pub url: &'a str,
    /// The body as sent or received.
    pub body: &'a [u8],
}

/// The signature headers of a received request: `X-Ovh-Timestamp` and
/// `X-Ovh-Signature`.
#[derive(Debug, Clone, Copy)]
pub struct SignatureHeaders<'a> {
    /// `X-Ovh-Timestamp`.
    pub timestamp: UnixTime,
    /// `X-Ovh-Signature`: `$1$` and 40 hex digits.
    pub signature: &'a str,
}

impl<'a> SignatureHeaders<'a> {
    /// Reads the headers as received (the timestamp as decimal Unix
    /// seconds, [`UnixTime::parse_secs`]).
    ///
    /// # Errors
    ///
    /// `malformed` when the timestamp is not an integer number of seconds.
    pub fn parse(timestamp: &str, signature: &'a str) -> Result<Self, Error> {
        Ok(SignatureHeaders { timestamp: UnixTime::parse_secs(timestamp)?, signature })
    }
}

/// A request whose signature [`verify`] accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedRequest {
    /// The signed timestamp.
    pub timestamp: UnixTime,
}

/// Signs requests for one application secret and one consumer key: the
/// keys, which begin every pre-image, are hashed once here instead of on
/// every request (with 32-character keys, that is one SHA-1 block of the
/// two or three a bodyless request costs). What [`sign`] does, for a
/// client that signs many requests for the same customer.
///
/// The hashed state stands for the keys: it is zeroized when dropped and
/// `Debug` does not show it.
///
/// ```
/// use partner_ovhcloud::{ApplicationSecret, ConsumerKey, RequestSigner, SignedRequest, UnixTime};
///
/// let signer = RequestSigner::new(
///     &ApplicationSecret::new("9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk")?,
///     &ConsumerKey::new("5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY")?,
/// );
/// let request = SignedRequest { method: "GET", url: "https://eu.api.ovh.com/1.0/auth", body: b"" };
/// let sig = signer.sign(&request, UnixTime::from_secs(1457018875));
/// assert_eq!(sig, "$1$e9556054b6309771395efa467c22e627407461ad");
/// # Ok::<(), partner_ovhcloud::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RequestSigner {
    keys: Sha1Prefix,
}

impl RequestSigner {
    /// A signer for requests made with `consumer_key` by the application
    /// whose secret is `application_secret`.
    pub fn new(application_secret: &ApplicationSecret, consumer_key: &ConsumerKey) -> Self {
        let keys = Sha1Prefix::new(&[
            application_secret.secret().expose(),
            b"+",
            consumer_key.secret().expose(),
            b"+",
        ]);
        RequestSigner { keys }
    }

    /// The `X-Ovh-Signature` of `request` sent at `now`, as [`sign`].
    pub fn sign(&self, request: &SignedRequest<'_>, now: UnixTime) -> RequestSignature {
        RequestSignature::from_digest(&self.digest(request, now))
    }

    fn digest(&self, request: &SignedRequest<'_>, timestamp: UnixTime) -> [u8; 20] {
        // Methods arrive upper-case; only another case costs an allocation.
        let method_upper: std::borrow::Cow<'_, str> =
            if request.method.bytes().any(|b| b.is_ascii_lowercase()) {
                request.method.to_ascii_uppercase().into()
            } else {
                request.method.into()
            };
        let mut digits = itoa::Buffer::new();
        let ts = digits.format(timestamp.as_secs());
        self.keys.digest(&[
            method_upper.as_bytes(),
            b"+",
            request.url.as_bytes(),
            b"+",
            request.body,
            b"+",
            ts.as_bytes(),
        ])
    }
}

/// The `X-Ovh-Signature` of a request sent at `now` (its
/// `X-Ovh-Timestamp`): `"$1$"` + lower-case hex SHA-1 of
/// `AS+"+"+CK+"+"+METHOD+"+"+URL+"+"+BODY+"+"+TIMESTAMP`.
///
/// Neither key can be empty ([`ApplicationSecret::new`] and
/// [`ConsumerKey::new`] refuse it), so signing cannot fail.
///
/// ```
/// use partner_ovhcloud::{ApplicationSecret, ConsumerKey, SignedRequest, UnixTime, sign};
///
/// // The official SDKs' test vector (python-ovh, go-ovh, php-ovh).
/// let application_secret = ApplicationSecret::new("9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk")?;
/// let consumer_key = ConsumerKey::new("5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY")?;
/// let request = SignedRequest { method: "GET", url: "https://eu.api.ovh.com/1.0/auth", body: b"" };
/// let sig = sign(&application_secret, &consumer_key, &request, UnixTime::from_secs(1457018875));
/// assert_eq!(sig, "$1$e9556054b6309771395efa467c22e627407461ad");
/// // The method is signed upper-case, whatever case it is given in.
/// let lower = SignedRequest { method: "get", ..request };
/// assert_eq!(sign(&application_secret, &consumer_key, &lower, UnixTime::from_secs(1457018875)), sig);
/// # Ok::<(), partner_ovhcloud::Error>(())
/// ```
pub fn sign(
    application_secret: &ApplicationSecret,
    consumer_key: &ConsumerKey,
    request: &SignedRequest<'_>,
    now: UnixTime,
) -> RequestSignature {
    RequestSigner::new(application_secret, consumer_key).sign(request, now)
}

/// Verifies a received request at `now`, in this order: `malformed` unless
/// the signature is `$1$` + 40 hex digits (either case); `bad-signature`
/// (constant time); then `policy`'s time window (`expired` when the
/// timestamp is older than its `max_age`, `not-yet-valid` when further
/// ahead than its `max_skew`; [`default_policy`]: 300 s each way); then,
/// when the policy has a replay guard, `replayed` for a signature seen
/// before. Each outcome is reported with [`partner_core::trace::verification`].
///
/// ```
/// use partner_ovhcloud::{
///     ApplicationSecret, ConsumerKey, ErrorKind, SignatureHeaders, SignedRequest, UnixTime,
///     default_policy, sign, verify,
/// };
///
/// let app_secret = ApplicationSecret::new("app secret")?;
/// let ck = ConsumerKey::new("consumer key")?;
/// let request = SignedRequest { method: "GET", url: "https://eu.api.ovh.com/1.0/me", body: b"" };
/// let signature = sign(&app_secret, &ck, &request, UnixTime::from_secs(1_700_000_000));
/// let headers = SignatureHeaders::parse("1700000000", &signature)?;
/// let now = UnixTime::from_secs(1_700_000_010);
/// let verified = verify(&app_secret, &ck, &request, &headers, now, &default_policy())?;
/// assert_eq!(verified.timestamp, UnixTime::from_secs(1_700_000_000));
/// let later = UnixTime::from_secs(1_700_000_301);
/// let err = verify(&app_secret, &ck, &request, &headers, later, &default_policy()).unwrap_err();
/// assert_eq!(err.error_kind(), ErrorKind::Expired);
/// # Ok::<(), partner_ovhcloud::Error>(())
/// ```
///
/// # Errors
///
/// As above; `unavailable` when the replay guard is full.
pub fn verify(
    application_secret: &ApplicationSecret,
    consumer_key: &ConsumerKey,
    request: &SignedRequest<'_>,
    headers: &SignatureHeaders<'_>,
    now: UnixTime,
    policy: &AcceptancePolicy,
) -> Result<VerifiedRequest, Error> {
    let outcome = check(application_secret, consumer_key, request, headers, now, policy);
    trace::verification(PROVIDER, "request-signature", outcome)
}

fn check(
    application_secret: &ApplicationSecret,
    consumer_key: &ConsumerKey,
    request: &SignedRequest<'_>,
    headers: &SignatureHeaders<'_>,
    now: UnixTime,
    policy: &AcceptancePolicy,
) -> Result<VerifiedRequest, Error> {
    let hex = headers
        .signature
        .strip_prefix(PREFIX)
        .filter(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(Error::malformed("signature is not $1$ and 40 hex digits"))?;
    let expected =
        RequestSigner::new(application_secret, consumer_key).digest(request, headers.timestamp);
    if !hex_eq(&expected, hex) {
        return Err(partner_core::Error::BadSignature.into());
    }
    // The digest, not the text received: `$1$AB..` and `$1$ab..` are one signature.
    policy.accept(headers.timestamp, &expected, now)?;
    Ok(VerifiedRequest { timestamp: headers.timestamp })
}

/// Serialises a request body as the official SDKs send it: compact JSON
/// with every non-ASCII character written as `\uXXXX` (surrogate pairs above
/// U+FFFF). Sign and send these same bytes.
///
/// ```
/// let body = partner_ovhcloud::json_body(&serde_json::json!({"a": "é", "b": [1, 2]})).unwrap();
/// assert_eq!(body, br#"{"a":"\u00e9","b":[1,2]}"#);
/// ```
///
/// # Errors
///
/// `malformed` when the value does not serialise to JSON (a map with
/// non-string keys).
pub fn json_body<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, AsciiOnly);
    value.serialize(&mut ser).map_err(|err| partner_core::Error::json("request body", err))?;
    Ok(out)
}

/// The compact formatter with non-ASCII escaped.
struct AsciiOnly;

impl serde_json::ser::Formatter for AsciiOnly {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_ascii() {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests;
