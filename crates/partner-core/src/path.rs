//! Caller values in URL paths: each one exactly one segment, and the URL
//! that will be sent checked to have the path that was asked for.
//!
//! A URL parser does more than read: it drops tab, CR and LF anywhere,
//! treats `\` as `/` in `http(s)` URLs and resolves `.` and `..` segments
//! (also spelled `%2e`). So `/accounts/` + `"\t.."` is sent as `/`, and
//! a check on the text before parsing is not enough. Here a value is
//! refused when it could only be read as something other than one segment
//! (empty, `.`, `..`, control characters), every other byte that has a
//! meaning in a path is percent-encoded, and the parsed URL's path is
//! compared with the path built.
//!
//! ```
//! use partner_core::path::url_with_segments;
//!
//! let url = url_with_segments("https://api.example.com/v1", ["accounts", "a/b c?", "blends"], &[]).unwrap();
//! assert_eq!(url.as_str(), "https://api.example.com/v1/accounts/a%2Fb%20c%3F/blends");
//! for climbing in ["..", ".", "\t..", "", "a\nb"] {
//!     assert!(url_with_segments("https://api.example.com/v1", ["accounts", climbing], &[]).is_err());
//! }
//! ```

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use url::Url;

use crate::Error;

/// What is encoded in a segment: the WHATWG path percent-encode set, plus
/// `/` and `%` (so the value cannot add a segment or an escape of its own)
/// and `\` (a separator in `http(s)` URLs). Non-ASCII is always encoded.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'\\');

/// Appends `/` and `value` encoded as exactly one path segment to `path`.
///
/// Refused with [`Error::UnsafeInput`]: an empty value, `.` and `..`, and
/// any control character (a parser drops tab, CR and LF silently, so
/// `"\t.."` would become `..`).
///
/// ```
/// let mut path = String::from("/v1/accounts");
/// partner_core::path::push_segment(&mut path, "ACME 1/2").unwrap();
/// assert_eq!(path, "/v1/accounts/ACME%201%2F2");
/// assert!(partner_core::path::push_segment(&mut path, "..").is_err());
/// ```
pub fn push_segment(path: &mut String, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::UnsafeInput("a path segment is empty"));
    }
    if value == "." || value == ".." {
        return Err(Error::UnsafeInput("a path segment is . or .."));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::UnsafeInput("a path segment has a control character"));
    }
    path.push('/');
    path.extend(utf8_percent_encode(value, SEGMENT));
    Ok(())
}

/// `base` followed by each of `segments` as one encoded segment, then
/// `query` form-encoded; the parsed URL must have exactly the path built.
///
/// `base` is trusted configuration (a [`BaseUrl`](crate::BaseUrl) or a
/// constant): its own path is kept, a trailing `/` removed.
pub fn url_with_segments<'a>(
    base: &str,
    segments: impl IntoIterator<Item = &'a str>,
    query: &[(&str, &str)],
) -> Result<Url, Error> {
    let base = Url::parse(base).map_err(|_| Error::UnsafeInput("base url does not parse"))?;
    let mut path = base.path().trim_end_matches('/').to_owned();
    for segment in segments {
        push_segment(&mut path, segment)?;
    }
    let mut url = base;
    url.set_path(&path);
    url.set_query(None);
    url.set_fragment(None);
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    check_path(&url, &path)?;
    Ok(url)
}

/// `base` followed by an API path such as `/stacks/abc/servers`, split on
/// `/`, each piece sent as one segment through [`push_segment`] (so it is
/// percent-encoded as needed: do not encode it yourself), then `query`.
///
/// The path must start with `/`; empty, `.` and `..` pieces and control
/// characters are refused with [`Error::UnsafeInput`].
///
/// ```
/// use partner_core::path::url_with_path;
/// let url = url_with_path("https://api.example.com/v3", "/stacks/a b/servers", &[("page", "2")]).unwrap();
/// assert_eq!(url.as_str(), "https://api.example.com/v3/stacks/a%20b/servers?page=2");
/// assert!(url_with_path("https://api.example.com/v3", "/stacks/\t../x", &[]).is_err());
/// assert!(url_with_path("https://api.example.com/v3", "stacks", &[]).is_err());
/// ```
pub fn url_with_path(base: &str, path: &str, query: &[(&str, &str)]) -> Result<Url, Error> {
    let rest = path.strip_prefix('/').ok_or(Error::UnsafeInput("api path must start with /"))?;
    url_with_segments(base, rest.split('/'), query)
}

/// Checks that `url` (the URL about to be sent) has exactly the path
/// `expected`, as built by [`push_segment`]; [`Error::UnsafeInput`] if a
/// parser changed it.
pub fn check_path(url: &Url, expected: &str) -> Result<(), Error> {
    if url.path() == expected {
        Ok(())
    } else {
        Err(Error::UnsafeInput("the url sent would not have the path asked for"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://api.example/v1/";

    #[test]
    fn one_value_is_one_segment() {
        let url =
            url_with_segments(BASE, ["accounts", "a.b", "...", "é~!$&'()*+,;=:@"], &[]).unwrap();
        assert_eq!(url.as_str(), "https://api.example/v1/accounts/a.b/.../%C3%A9~!$&'()*+,;=:@");
        assert_eq!(url.path_segments().unwrap().count(), 5, "v1 + the four values");
        let url = url_with_segments(BASE, ["x", "%2e%2e", "a\\b", "#?"], &[("p", "1 2")]).unwrap();
        assert_eq!(url.as_str(), "https://api.example/v1/x/%252e%252e/a%5Cb/%23%3F?p=1+2");
    }

    // Each of these reached the wire as another path before the fix
    // (the url crate drops tab/CR/LF and resolves dot segments).
    #[test]
    fn values_that_would_climb_or_vanish_are_refused() {
        for bad in ["..", ".", "", "\t..", "..\t", "\n", "a\rb", "\u{7f}", "\u{85}"] {
            let err = url_with_segments(BASE, ["accounts", bad], &[]).unwrap_err();
            assert!(matches!(err, Error::UnsafeInput(_)), "{bad:?}");
        }
    }

    #[test]
    fn check_path_compares_the_parsed_path() {
        let url = Url::parse("https://api.example/v1/accounts").unwrap();
        assert!(check_path(&url, "/v1/accounts").is_ok());
        assert!(check_path(&url, "/v1/accounts/").is_err());
        assert!(check_path(&url, "/v1/x/../accounts").is_err());
    }
}
