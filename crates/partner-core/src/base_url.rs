//! Base URLs of partner endpoints: https only, plain http only on loopback.

use std::fmt;
use std::net::IpAddr;

use crate::Error;

/// The base URL of a partner endpoint (`https://api.example.com`,
/// `https://api.example.com/1.0`), validated once:
///
/// - absolute, with a host;
/// - `https`, or `http` only when the host is a loopback address
///   (`127.0.0.0/8`, `::1`, `localhost`), so tests can reach a fake server
///   and nothing else can be reached in clear text;
/// - no user name or password, no query, no fragment.
///
/// A trailing `/` is removed, so paths are appended as `base + "/path"`.
///
/// ```
/// use partner_core::BaseUrl;
///
/// let base = BaseUrl::parse("https://api.example.com/").unwrap();
/// assert_eq!(base.as_str(), "https://api.example.com");
/// assert!(BaseUrl::parse("http://127.0.0.1:8080").is_ok());
/// assert!(BaseUrl::parse("http://api.example.com").is_err());
/// assert!(BaseUrl::parse("https://api.example.com/?x=1").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    text: String,
    loopback: bool,
}

impl BaseUrl {
    /// Parses and validates a base URL.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let url = url::Url::parse(text)
            .map_err(|_| Error::Malformed("base url is not an absolute url"))?;
        let host = url.host().ok_or(Error::Malformed("base url has no host"))?;
        let loopback = match host {
            url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
            url::Host::Ipv4(ip) => IpAddr::V4(ip).is_loopback(),
            url::Host::Ipv6(ip) => IpAddr::V6(ip).is_loopback(),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(Error::UnsafeInput(
                    "base url must be https (http only on a loopback address)",
                ));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::UnsafeInput("base url must not carry credentials"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::UnsafeInput("base url must not have a query or fragment"));
        }
        let mut text = String::from(url);
        while text.ends_with('/') {
            text.pop();
        }
        Ok(BaseUrl { text, loopback })
    }

    /// The URL without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the host is a loopback address (`127.0.0.0/8`, `::1` or
    /// `localhost`), as parsed: `https://localhost.example` is not.
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BaseUrl").field(&self.text).finish()
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BaseUrl::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http_only() {
        for ok in [
            "https://api.example.com",
            "https://api.example.com/1.0/",
            "http://127.0.0.1:3000",
            "http://127.9.9.9",
            "http://[::1]:80/x",
            "http://LOCALHOST:1",
        ] {
            assert!(BaseUrl::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            BaseUrl::parse("https://api.example.com/1.0/").unwrap().as_str(),
            "https://api.example.com/1.0"
        );
        assert_eq!(BaseUrl::parse("http://LOCALHOST:1").unwrap().as_str(), "http://localhost:1");
        for (bad, kind) in [
            ("http://10.0.0.1", crate::ErrorKind::UnsafeInput),
            ("http://127.0.0.1.evil.example", crate::ErrorKind::UnsafeInput),
            ("ftp://127.0.0.1", crate::ErrorKind::UnsafeInput),
            ("javascript:alert(1)", crate::ErrorKind::Malformed),
            ("https://user:pw@api.example.com", crate::ErrorKind::UnsafeInput),
            ("https://api.example.com#x", crate::ErrorKind::UnsafeInput),
            ("/relative", crate::ErrorKind::Malformed),
        ] {
            let err = BaseUrl::parse(bad).unwrap_err();
            assert_eq!(crate::HasErrorKind::error_kind(&err), kind, "{bad}");
        }
        assert!(BaseUrl::parse("http://127.0.0.1:9").unwrap().is_loopback());
        assert!(!BaseUrl::parse("https://api.example.com").unwrap().is_loopback());
    }

    // The host is parsed, never prefix-matched.
    #[test]
    fn loopback_is_decided_on_the_parsed_host() {
        for yes in [
            "https://localhost",
            "https://LocalHost:8443/x",
            "https://127.0.0.1",
            "https://127.200.3.4:1",
            "https://[::1]:9/x",
            "http://127.1",
        ] {
            assert!(BaseUrl::parse(yes).unwrap().is_loopback(), "{yes}");
        }
        for no in [
            "https://localhost.evil.example",
            "https://127.evil.example",
            "https://127.0.0.1.evil.example",
            "https://[::2]",
            "https://128.0.0.1",
            "https://localhost-1.example",
            "https://api.example.com",
        ] {
            assert!(!BaseUrl::parse(no).unwrap().is_loopback(), "{no}");
        }
    }
}
