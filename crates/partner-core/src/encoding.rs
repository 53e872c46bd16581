//! Hex, base64 and `application/x-www-form-urlencoded`, with the exact
//! behaviours the providers' signatures depend on.

use std::borrow::Cow;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE_NO_PAD,
};

use crate::Error;

/// Lower-case hexadecimal of `bytes`, the form every signature here is written in.
///
/// ```
/// assert_eq!(partner_core::encoding::hex_encode([0xde, 0xad, 0xBE, 0xEF]), "deadbeef");
/// ```
pub fn hex_encode(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(bytes)
}

/// Appends the lower-case hexadecimal of `bytes` to `out`, without an
/// intermediate allocation (for hot paths that build a URL in one buffer).
///
/// ```
/// let mut s = String::from("sig=");
/// partner_core::encoding::push_hex(&mut s, &[0xab, 0x01]);
/// assert_eq!(s, "sig=ab01");
/// ```
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(32) {
        let text = &mut buf[..chunk.len() * 2];
        // The buffer is exactly twice the chunk, and hex digits are ASCII.
        if hex::encode_to_slice(chunk, text).is_ok() {
            if let Ok(text) = std::str::from_utf8(text) {
                out.push_str(text);
            }
        }
    }
}

/// The lower-case hexadecimal of a 32-byte digest, on the stack.
///
/// ```
/// let hex = partner_core::encoding::hex_lower_array(&[0xff; 32]);
/// assert_eq!(&hex[..4], b"ffff");
/// ```
pub fn hex_lower_array(bytes: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    // 64 is exactly twice 32: this cannot fail.
    let _ = hex::encode_to_slice(bytes, &mut out);
    out
}

/// Decodes hexadecimal, upper or lower case (or mixed).
///
/// ```
/// use partner_core::encoding::hex_decode;
/// assert_eq!(hex_decode("DEadbeef").unwrap(), [0xde, 0xad, 0xbe, 0xef]);
/// assert!(hex_decode("abc").is_err());
/// assert!(hex_decode("zz").is_err());
/// ```
pub fn hex_decode(text: &str) -> Result<Vec<u8>, Error> {
    hex::decode(text).map_err(hex_error)
}

/// Decodes hexadecimal into a buffer of exactly `text.len() / 2` bytes, without allocating.
pub fn hex_decode_into(text: &str, out: &mut [u8]) -> Result<(), Error> {
    hex::decode_to_slice(text, out).map_err(hex_error)
}

fn hex_error(err: hex::FromHexError) -> Error {
    Error::Malformed(match err {
        hex::FromHexError::InvalidHexCharacter { .. } => "hex: character outside 0-9a-fA-F",
        hex::FromHexError::OddLength => "hex: odd number of digits",
        hex::FromHexError::InvalidStringLength => "hex: wrong length",
    })
}

/// Standard base64 (RFC 4648 section 4), with `=` padding.
pub fn base64_encode(bytes: impl AsRef<[u8]>) -> String {
    STANDARD.encode(bytes)
}

/// Strict standard base64: the standard alphabet, canonical `=` padding, no
/// white space, no non-zero trailing bits.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, Error> {
    STANDARD.decode(text).map_err(base64_error)
}

/// URL-safe base64 (RFC 4648 section 5) without padding, as in JWTs.
pub fn base64url_encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Appends URL-safe base64 without padding of `bytes` to `out` (no
/// intermediate string: for building tokens in one buffer).
pub fn push_base64url(out: &mut String, bytes: impl AsRef<[u8]>) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// Decodes strict URL-safe base64 without padding into `out`, returning the
/// number of bytes written; an error if it does not fit.
pub fn base64url_decode_into(text: &str, out: &mut [u8]) -> Result<usize, Error> {
    URL_SAFE_NO_PAD.decode_slice(text, out).map_err(|e| match e {
        base64::DecodeSliceError::DecodeError(e) => base64_error(e),
        base64::DecodeSliceError::OutputSliceTooSmall => {
            Error::Malformed("base64: longer than expected")
        }
    })
}

/// Strict URL-safe base64 without padding.
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD.decode(text).map_err(base64_error)
}

/// The engine behind [`base64_decode_tolerant`], fed with `+/` text without padding.
const TOLERANT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// The URL-safe twin of [`TOLERANT`].
const TOLERANT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Decodes base64 the way tokens arrive in the wild.
///
/// Accepts either alphabet (`+/` or `-_`, even mixed), any number of
/// trailing `=`, and ignores ASCII white space anywhere (line breaks from mail
/// clients and form posts). Anything else is an error: a `=` before the end,
/// a character outside both alphabets, or a length that cannot be base64.
/// On canonical input it agrees with [`base64_decode`] and [`base64url_decode`].
///
/// ```
/// use partner_core::encoding::base64_decode_tolerant;
///
/// assert_eq!(base64_decode_tolerant("aGk_").unwrap(), b"hi?");
/// assert_eq!(base64_decode_tolerant("aGk/").unwrap(), b"hi?");
/// assert_eq!(base64_decode_tolerant(" aG\r\nk= ").unwrap(), b"hi");
/// assert_eq!(base64_decode_tolerant("aGk===").unwrap(), b"hi");
/// assert!(base64_decode_tolerant("a=Gk").is_err());
/// assert!(base64_decode_tolerant("aGk*").is_err());
/// ```
pub fn base64_decode_tolerant(text: &str) -> Result<Vec<u8>, Error> {
    // Fast paths: one alphabet and no white space decode without a copy;
    // anything else takes the normalising path below (which also gives
    // the error).
    let trimmed = text.trim_end_matches('=');
    if let Ok(bytes) = TOLERANT_URL_SAFE.decode(trimmed) {
        return Ok(bytes);
    }
    if let Ok(bytes) = TOLERANT.decode(trimmed) {
        return Ok(bytes);
    }
    let mut clean = Vec::with_capacity(text.len());
    for &b in text.as_bytes() {
        match b {
            b if b.is_ascii_whitespace() => {}
            b'-' => clean.push(b'+'),
            b'_' => clean.push(b'/'),
            b => clean.push(b),
        }
    }
    while clean.last() == Some(&b'=') {
        clean.pop();
    }
    TOLERANT.decode(&clean).map_err(base64_error)
}

fn base64_error(err: base64::DecodeError) -> Error {
    Error::Malformed(match err {
        base64::DecodeError::InvalidByte(_, b'=') | base64::DecodeError::InvalidPadding => {
            "base64: misplaced or missing padding"
        }
        base64::DecodeError::InvalidByte(..) => "base64: character outside the alphabet",
        base64::DecodeError::InvalidLength(_) => "base64: impossible length",
        base64::DecodeError::InvalidLastSymbol(..) => "base64: non-canonical last character",
    })
}

/// Form-encodes one value with the WHATWG `application/x-www-form-urlencoded`
/// byte serializer: `A-Z a-z 0-9 * - . _` stay, space becomes `+`, every other
/// byte of the UTF-8 text becomes `%XX` with upper-case hex.
///
/// ```
/// use partner_core::encoding::form_encode_component;
/// assert_eq!(form_encode_component("tok 1+2/é~"), "tok+1%2B2%2F%C3%A9%7E");
/// ```
pub fn form_encode_component(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Appends the form encoding of `value` (see [`form_encode_component`]) to
/// `out`, without an intermediate allocation.
pub fn push_form_encoded(out: &mut String, value: &str) {
    out.extend(form_urlencoded::byte_serialize(value.as_bytes()));
}

/// Appends `name=value` pairs, form-encoded and joined with `&`, to `out`
/// (after a `&` if `out` already holds pairs, that is, does not end with
/// `?` and is not empty). One buffer, no intermediate strings.
///
/// ```
/// let mut url = String::from("https://x.test/sso?");
/// partner_core::encoding::push_form_pairs(&mut url, [("a", "1 2"), ("b", "&")]);
/// partner_core::encoding::push_form_pairs(&mut url, [("c", "")]);
/// assert_eq!(url, "https://x.test/sso?a=1+2&b=%26&c=");
/// ```
pub fn push_form_pairs<'a>(out: &mut String, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
    for (name, value) in pairs {
        if !out.is_empty() && !out.ends_with('?') {
            out.push('&');
        }
        push_form_encoded(out, name);
        out.push('=');
        push_form_encoded(out, value);
    }
}

/// Form-encodes ordered pairs, joined with `&` in the order given. The result
/// is the exact string that goes on the wire, so it is also the exact string
/// to sign.
///
/// ```
/// use partner_core::encoding::form_encode;
/// let q = form_encode([("accountid", "123"), ("username", "Jon Smith"), ("x", "a&b=c")]);
/// assert_eq!(q, "accountid=123&username=Jon+Smith&x=a%26b%3Dc");
/// ```
pub fn form_encode<I, K, V>(pairs: I) -> String
where
    I: IntoIterator,
    I::Item: std::borrow::Borrow<(K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut out = form_urlencoded::Serializer::new(String::new());
    for pair in pairs {
        let (k, v) = std::borrow::Borrow::borrow(&pair);
        out.append_pair(k.as_ref(), v.as_ref());
    }
    out.finish()
}

/// Decodes a raw query (or form body) into ordered `(name, value)` pairs with
/// the WHATWG parser: `+` is a space, `%XX` is a byte, an invalid escape is
/// kept literally, invalid UTF-8 becomes U+FFFD, empty segments are skipped.
/// It never fails. Verify signatures over the raw text, not over this.
///
/// ```
/// use partner_core::encoding::form_decode;
/// assert_eq!(
///     form_decode("a=1&&b=Jon+Smith&c=%zz&d"),
///     vec![
///         ("a".to_owned(), "1".to_owned()),
///         ("b".to_owned(), "Jon Smith".to_owned()),
///         ("c".to_owned(), "%zz".to_owned()),
///         ("d".to_owned(), String::new()),
///     ]
/// );
/// ```
pub fn form_decode(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// One `name=value` segment of a raw query: the exact text received, and its
/// decoded name and value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawPair<'a> {
    /// The segment exactly as received, without the `&` separators.
    pub raw: &'a str,
    /// The decoded name.
    pub name: Cow<'a, str>,
    /// The decoded value (empty when the segment has no `=`).
    pub value: Cow<'a, str>,
}

/// Splits a raw query into its segments, keeping the exact received text of
/// each next to its decoded name and value. Verifiers use it to remove one
/// pair (`hash=...`, `signature=...`) textually and MAC the rest as received.
///
/// ```
/// use partner_core::encoding::raw_pairs;
/// let q = "b=Jon+Smith&hash=ab12&a=%41";
/// let kept: Vec<&str> = raw_pairs(q).filter(|p| p.name != "hash").map(|p| p.raw).collect();
/// assert_eq!(kept.join("&"), "b=Jon+Smith&a=%41");
/// assert_eq!(raw_pairs(q).nth(2).unwrap().value, "A");
/// ```
pub fn raw_pairs(query: &str) -> impl Iterator<Item = RawPair<'_>> {
    query.split('&').filter(|s| !s.is_empty()).map(|raw| {
        let (name, value) = raw.split_once('=').unwrap_or((raw, ""));
        RawPair { raw, name: form_decode_component(name), value: form_decode_component(value) }
    })
}

/// Appends `text` escaped for HTML text and quoted attribute values:
/// `& < > " '` as entities, and CR and LF as character references so that
/// an attribute value keeps its line breaks exactly.
///
/// ```
/// let mut out = String::from("<p>");
/// partner_core::encoding::push_html_escaped(&mut out, "Tom & \"Jerry\" <3\n");
/// assert_eq!(out, "<p>Tom &amp; &quot;Jerry&quot; &lt;3&#10;");
/// ```
pub fn push_html_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
}

/// `text` escaped as [`push_html_escaped`] does.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    push_html_escaped(&mut out, text);
    out
}

/// Decodes one form-encoded name or value (`+` is a space, `%XX` a byte,
/// invalid UTF-8 becomes U+FFFD). Borrows when there is nothing to decode.
pub fn form_decode_component(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| b == b'+' || b == b'%') {
        return Cow::Borrowed(text);
    }
    let spaced: Vec<u8> = text.bytes().map(|b| if b == b'+' { b' ' } else { b }).collect();
    Cow::Owned(percent_encoding::percent_decode(&spaced).decode_utf8_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(html_escape("jon@smith.com"), "jon@smith.com");
        assert_eq!(html_escape("a\r\nb"), "a&#13;&#10;b");
    }

    #[test]
    fn form_encoding_follows_whatwg_byte_serializer() {
        // Expected strings written from the WHATWG URL standard's
        // "application/x-www-form-urlencoded byte serializer" by hand.
        let all_safe = "AZaz09*-._";
        assert_eq!(form_encode_component(all_safe), all_safe);
        assert_eq!(form_encode_component(" "), "+");
        assert_eq!(form_encode_component("~!'()"), "%7E%21%27%28%29");
        assert_eq!(form_encode_component("\u{2028}"), "%E2%80%A8");
        assert_eq!(form_encode_component("%+&="), "%25%2B%26%3D");
        let empty: [(&str, &str); 0] = [];
        assert_eq!(form_encode(empty), "");
        assert_eq!(form_encode(&[("k".to_owned(), String::new())]), "k=");
    }

    #[test]
    fn raw_pairs_keeps_text_and_decodes() {
        let pairs: Vec<RawPair<'_>> = raw_pairs("&x&=v&a+b=c%20d&").collect();
        assert_eq!(pairs.len(), 3);
        assert_eq!((pairs[0].raw, &*pairs[0].name, &*pairs[0].value), ("x", "x", ""));
        assert_eq!((pairs[1].raw, &*pairs[1].name, &*pairs[1].value), ("=v", "", "v"));
        assert_eq!((pairs[2].raw, &*pairs[2].name, &*pairs[2].value), ("a+b=c%20d", "a b", "c d"));
    }

    #[test]
    fn base64_variants() {
        assert_eq!(base64_encode(b"\xfb\xff"), "+/8=");
        assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
        assert_eq!(base64_decode("+/8=").unwrap(), b"\xfb\xff");
        assert_eq!(base64url_decode("-_8").unwrap(), b"\xfb\xff");
        assert!(base64_decode("+/8").is_err(), "strict standard requires padding");
        assert!(base64url_decode("-_8=").is_err(), "strict url-safe refuses padding");
        assert!(base64_decode("-_8=").is_err(), "strict standard refuses url alphabet");
        assert_eq!(base64_decode_tolerant("-/8").unwrap(), b"\xfb\xff");
        assert_eq!(base64_decode_tolerant("").unwrap(), b"");
        assert_eq!(base64_decode_tolerant("=\n=").unwrap(), b"");
        assert_eq!(
            base64_decode_tolerant("a").unwrap_err(),
            Error::Malformed("base64: impossible length")
        );
        assert_eq!(
            base64_decode_tolerant("ab=c").unwrap_err(),
            Error::Malformed("base64: misplaced or missing padding")
        );
        assert_eq!(
            base64_decode_tolerant("ab.c").unwrap_err(),
            Error::Malformed("base64: character outside the alphabet")
        );
        // Non-canonical trailing bits: the strict decoder refuses, the tolerant one accepts.
        assert!(base64_decode("aGl=").is_err());
        assert_eq!(base64_decode_tolerant("aGl=").unwrap(), b"hi");
    }

    #[test]
    fn hex_errors_say_what_is_wrong() {
        assert_eq!(
            hex_decode("0g").unwrap_err(),
            Error::Malformed("hex: character outside 0-9a-fA-F")
        );
        assert_eq!(hex_decode("0").unwrap_err(), Error::Malformed("hex: odd number of digits"));
        let mut buf = [0u8; 2];
        assert_eq!(
            hex_decode_into("00", &mut buf).unwrap_err(),
            Error::Malformed("hex: wrong length")
        );
        assert_eq!(hex_decode_into("0aFF", &mut buf), Ok(()));
        assert_eq!(buf, [0x0a, 0xff]);
    }
}
