//! The request signature, exactly as the official SDKs compute it, and its
//! verification on the receiving side.

use std::io;
use std::time::Duration;

use partner_core::crypto::{constant_time_eq, sha1_parts};
use partner_core::{Secret, UnixTime};

use crate::Error;

/// Default skew a verifier accepts between the signed timestamp and now.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(300);

const PREFIX: &str = "$1$";

fn hex20(bytes: &[u8; 20]) -> [u8; 40] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 40];
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
    out
}

fn digest(
    application_secret: &[u8],
    consumer_key: &[u8],
    method: &str,
    url: &str,
    body: &[u8],
    timestamp: i64,
) -> [u8; 20] {
    let method_upper = method.to_ascii_uppercase();
    let method_upper = method_upper.as_bytes();
    let ts = timestamp.to_string();
    sha1_parts(&[
        application_secret,
        b"+",
        consumer_key,
        b"+",
        method_upper,
        b"+",
        url.as_bytes(),
        b"+",
        body,
        b"+",
        ts.as_bytes(),
    ])
}

/// Refuses an empty application secret or consumer key: with either one
/// empty, anyone who knows the other could sign.
fn check_keys(application_secret: &Secret, consumer_key: &Secret) -> Result<(), Error> {
    if application_secret.is_empty() || consumer_key.is_empty() {
        return Err(Error::EmptyKey);
    }
    Ok(())
}

/// The `X-Ovh-Signature` of a request: `"$1$"` + lower-case hex SHA-1 of
/// `AS+"+"+CK+"+"+METHOD+"+"+URL+"+"+BODY+"+"+TIMESTAMP`.
///
/// `url` is the absolute URL exactly as sent, query included, and `body` the
/// exact bytes sent (empty when none).
///
/// # Errors
///
/// [`Error::EmptyKey`] when the application secret or the consumer key is
/// empty.
///
/// ```
/// use partner_ovhcloud::{Error, sign};
/// use partner_core::Secret;
///
/// // The official SDKs' test vector (python-ovh, go-ovh, php-ovh).
/// let sig = sign(
///     &Secret::from("9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk"),
///     &Secret::from("5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY"),
///     "GET",
///     "https://eu.api.ovh.com/1.0/auth",
///     b"",
///     1457018875,
/// )?;
/// assert_eq!(sig, "$1$e9556054b6309771395efa467c22e627407461ad");
/// # Ok::<(), Error>(())
/// ```
pub fn sign(
    application_secret: &Secret,
    consumer_key: &Secret,
    method: &str,
    url: &str,
    body: &[u8],
    timestamp: i64,
) -> Result<String, Error> {
    check_keys(application_secret, consumer_key)?;
    let hex = hex20(&digest(
        application_secret.expose(),
        consumer_key.expose(),
        method,
        url,
        body,
        timestamp,
    ));
    let mut out = String::with_capacity(43);
    out.push_str(PREFIX);
    out.extend(hex.iter().map(|&b| char::from(b)));
    Ok(out)
}

/// What a signed request carries, for verification. A plain argument
/// bundle: build it with a struct expression.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The absolute URL as received.
    pub url: &'a str,
    /// The body as received.
    pub body: &'a [u8],
    /// `X-Ovh-Timestamp`.
    pub timestamp: i64,
    /// `X-Ovh-Signature`.
    pub signature: &'a str,
}

/// Verifies a signature: [`Error::EmptyKey`] (kind `malformed`) when the
/// application secret or the consumer key is empty, `malformed` unless the
/// signature is `$1$` + 40 hex digits (either case), then `bad-signature`
/// (constant time), then the time: `expired` when `now - timestamp >
/// max_skew`, `not-yet-valid` when `timestamp - now > max_skew`.
///
/// ```
/// use std::time::Duration;
/// use partner_ovhcloud::{Secret, SignedRequest, UnixTime, sign, verify};
///
/// let (app_secret, ck) = (Secret::from("app secret"), Secret::from("consumer key"));
/// let url = "https://eu.api.ovh.com/1.0/me";
/// let signature = sign(&app_secret, &ck, "GET", url, b"", 1_700_000_000)?;
/// let request = SignedRequest { method: "GET", url, body: b"", timestamp: 1_700_000_000, signature: &signature };
/// let now = UnixTime::from_secs(1_700_000_010);
/// verify(&app_secret, &ck, &request, now, Duration::from_secs(300))?;
/// assert!(verify(&Secret::from(""), &ck, &request, now, Duration::from_secs(300)).is_err());
/// # Ok::<(), partner_ovhcloud::Error>(())
/// ```
pub fn verify(
    application_secret: &Secret,
    consumer_key: &Secret,
    request: &SignedRequest<'_>,
    now: UnixTime,
    max_skew: Duration,
) -> Result<(), Error> {
    check_keys(application_secret, consumer_key)?;
    let hex = request
        .signature
        .strip_prefix(PREFIX)
        .filter(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(Error::Malformed("signature is not $1$ and 40 hex digits"))?;
    let expected = hex20(&digest(
        application_secret.expose(),
        consumer_key.expose(),
        request.method,
        request.url,
        request.body,
        request.timestamp,
    ));
    let received: Vec<u8> = hex.bytes().map(|b| b.to_ascii_lowercase()).collect();
    if !constant_time_eq(&received, &expected) {
        return Err(Error::BadSignature);
    }
    let skew = i128::from(max_skew.as_secs());
    let age = now.seconds_since(UnixTime::from_secs(request.timestamp));
    if age > skew {
        Err(Error::Expired)
    } else if -age > skew {
        Err(Error::NotYetValid)
    } else {
        Ok(())
    }
}

/// Serialises a request body as the official SDKs send it: compact JSON
/// with every non-ASCII character written as `\uXXXX` (surrogate pairs above
/// U+FFFF). Sign and send these same bytes.
///
/// ```
/// let body = partner_ovhcloud::json_body(&serde_json::json!({"a": "é", "b": [1, 2]})).unwrap();
/// assert_eq!(body, br#"{"a":"\u00e9","b":[1,2]}"#);
/// ```
pub fn json_body<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, AsciiOnly);
    value.serialize(&mut ser).map_err(|_| Error::Malformed("body does not serialise to json"))?;
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
mod tests {
    use super::*;
    use partner_core::{ErrorKind, HasErrorKind};

    fn s(t: &str) -> Secret {
        Secret::from(t)
    }

    // The official SDKs' vectors (python-ovh tests/test_client.py and others).
    #[test]
    fn official_vectors() {
        let (a, c) = (s("9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk"), s("5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY"));
        assert_eq!(
            sign(
                &a,
                &c,
                "POST",
                "https://eu.api.ovh.com/1.0/auth",
                br#"{"a":"b","c":"d"}"#,
                1457018875
            )
            .unwrap(),
            "$1$ec2fb5c7a81f64723c77d2e5b609ae6f58a84fc1"
        );
        assert_eq!(
            sign(&a, &c, "delete", "https://eu.api.ovh.com/1.0/auth", b"", 1457018875).unwrap(),
            "$1$a1eecd00b3b02b6cf5708b84b9ff42059a950d85"
        );
    }

    #[test]
    fn empty_keys_are_refused_by_sign_and_verify() {
        let url = "https://eu.api.ovh.com/1.0/me";
        for (a, c) in [("", "ck"), ("as", ""), ("", "")] {
            let err = sign(&s(a), &s(c), "GET", url, b"", 1000).unwrap_err();
            assert!(matches!(err, Error::EmptyKey), "sign({a:?}, {c:?}): {err:?}");
            assert_eq!(err.error_kind(), ErrorKind::Malformed);
            // A signature computed with the empty key is refused too, before any comparison.
            let sig = format!(
                "$1${}",
                partner_core::encoding::hex_encode(digest(
                    a.as_bytes(),
                    c.as_bytes(),
                    "GET",
                    url,
                    b"",
                    1000
                ))
            );
            let req =
                SignedRequest { method: "GET", url, body: b"", timestamp: 1000, signature: &sig };
            let err = verify(&s(a), &s(c), &req, UnixTime::from_secs(1000), DEFAULT_MAX_SKEW)
                .unwrap_err();
            assert!(matches!(err, Error::EmptyKey), "verify({a:?}, {c:?}): {err:?}");
        }
    }

    #[test]
    fn verify_order() {
        let (a, c) = (s("as"), s("ck"));
        let sig = sign(&a, &c, "GET", "https://x/1.0/me", b"", 1000).unwrap();
        fn req(signature: &str, ts: i64) -> SignedRequest<'_> {
            SignedRequest {
                method: "GET",
                url: "https://x/1.0/me",
                body: b"",
                timestamp: ts,
                signature,
            }
        }
        let check = |r: SignedRequest<'_>, now: i64| {
            verify(&a, &c, &r, UnixTime::from_secs(now), DEFAULT_MAX_SKEW)
                .map_err(|e| e.error_kind())
        };
        assert_eq!(check(req(&sig, 1000), 1300), Ok(()));
        assert_eq!(check(req(&sig.to_uppercase(), 1000), 1000), Ok(()));
        assert_eq!(check(req(&sig, 1000), 1301), Err(ErrorKind::Expired));
        assert_eq!(check(req(&sig, 1000), 699), Err(ErrorKind::NotYetValid));
        assert_eq!(check(req(&sig, 1001), 1000), Err(ErrorKind::BadSignature));
        assert_eq!(check(req("$1$abc", 1000), 1000), Err(ErrorKind::Malformed));
        assert_eq!(check(req(&sig[3..], 1000), 1000), Err(ErrorKind::Malformed));
        assert_eq!(check(req(&format!("$2${}", &sig[3..]), 1000), 1000), Err(ErrorKind::Malformed));
    }

    #[test]
    fn ascii_json() {
        let v = serde_json::json!({"k": "😀 <é>\n\"", "n": null});
        assert_eq!(json_body(&v).unwrap(), br#"{"k":"\ud83d\ude00 <\u00e9>\n\"","n":null}"#);
    }
}
