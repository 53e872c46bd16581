//! Hex, base64, `application/x-www-form-urlencoded` and HTML escaping,
//! with the exact behaviours the providers' signatures depend on.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE_NO_PAD,
};

use crate::Error;

mod form;
mod html;
pub mod search;
mod writer;

pub use form::{
    RawPair, form_decode, form_decode_component, form_encode, form_encode_component,
    push_form_encoded, push_form_pairs, raw_pairs,
};
pub use html::{html_escape, push_html_escaped};
pub use writer::{FormWriter, ShortText};

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
    hex_lower_to(bytes, &mut out);
    out
}

/// Writes the lower-case hexadecimal of `bytes` into `out`, which holds
/// exactly two digits per byte (checked when compiling). Arithmetic on each
/// nibble, no table and no branch, on fixed arrays the compiler does on
/// vectors: for the digests and tags written on every request.
///
/// ```
/// let mut out = [0u8; 6];
/// partner_core::encoding::hex_lower_to(&[0x0f, 0xa0, 0x9b], &mut out);
/// assert_eq!(&out, b"0fa09b");
/// ```
#[inline]
pub fn hex_lower_to<const N: usize, const M: usize>(bytes: &[u8; N], out: &mut [u8; M]) {
    const { assert!(M == 2 * N, "two hex digits per byte") };
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = b >> 4;
        pair[1] = b & 15;
    }
    // 0-9 -> '0'-'9', 10-15 -> 'a'-'f' ('a' is '0' + 10 + 39).
    for digit in out.iter_mut() {
        *digit += b'0' + u8::from(*digit > 9) * 39;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
