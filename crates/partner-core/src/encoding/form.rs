//! `application/x-www-form-urlencoded`: the encoder every signed query is
//! built with, and the decoders verifiers read received queries with.

use std::borrow::Cow;

/// Form-encodes one value with the WHATWG `application/x-www-form-urlencoded`
/// byte serializer: `A-Z a-z 0-9 * - . _` stay, space becomes `+`, every other
/// byte of the UTF-8 text becomes `%XX` with upper-case hex.
///
/// ```
/// use partner_core::encoding::form_encode_component;
/// assert_eq!(form_encode_component("tok 1+2/é~"), "tok+1%2B2%2F%C3%A9%7E");
/// ```
pub fn form_encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 2);
    push_form_encoded(&mut out, value);
    out
}

/// Appends the form encoding of `value` (see [`form_encode_component`]) to
/// `out`, without an intermediate allocation.
///
/// The same table-driven encoder as [`FormWriter`](super::FormWriter),
/// through a stack window of 16 input bytes at a time, so that only the
/// bytes appended are checked as text. To build a whole query or body, a
/// `FormWriter` avoids even that.
pub fn push_form_encoded(out: &mut String, value: &str) {
    // 16 input bytes need the room `encode_at` asks for: 3 x 16 + 16.
    let mut window = [0u8; 64];
    for chunk in value.as_bytes().chunks(16) {
        let end = super::writer::encode_at(&mut window, 0, chunk);
        // ASCII by construction.
        out.push_str(
            std::str::from_utf8(window.get(..end).unwrap_or_default()).unwrap_or_default(),
        );
    }
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
    let mut first = out.is_empty() || out.ends_with('?');
    let mut writer = super::FormWriter::new(std::mem::take(out));
    for (name, value) in pairs {
        if !first {
            writer.push('&');
        }
        first = false;
        writer.push_encoded(name);
        writer.push('=');
        writer.push_encoded(value);
    }
    *out = writer.finish();
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
    let pairs = pairs.into_iter();
    // About 24 bytes a pair is typical of SSO parameters.
    let room = pairs.size_hint().0.saturating_mul(32).clamp(64, 4096);
    let mut out = super::FormWriter::with_capacity(String::new(), room);
    for (i, pair) in pairs.enumerate() {
        let (k, v) = std::borrow::Borrow::borrow(&pair);
        if i > 0 {
            out.push('&');
        }
        out.push_encoded(k.as_ref());
        out.push('=');
        out.push_encoded(v.as_ref());
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
        assert_eq!(form_encode([("", ""), ("", "")]), "=&=");
    }

    // Past the stack buffer, with escapes straddling its edge.
    #[test]
    fn long_texts_encode_as_the_url_crate_does() {
        for text in
            ["é".repeat(300), format!("a{}", " +".repeat(200)), format!("{}~", "x".repeat(1000))]
        {
            let want: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
            assert_eq!(form_encode_component(&text), want);
        }
    }

    #[test]
    fn raw_pairs_keeps_text_and_decodes() {
        let pairs: Vec<RawPair<'_>> = raw_pairs("&x&=v&a+b=c%20d&").collect();
        assert_eq!(pairs.len(), 3);
        assert_eq!((pairs[0].raw, &*pairs[0].name, &*pairs[0].value), ("x", "x", ""));
        assert_eq!((pairs[1].raw, &*pairs[1].name, &*pairs[1].value), ("=v", "", "v"));
        assert_eq!((pairs[2].raw, &*pairs[2].name, &*pairs[2].value), ("a+b=c%20d", "a b", "c d"));
    }
}
