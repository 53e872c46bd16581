//! The OVHcloud API endpoints, and URLs built so that the string signed is
//! the string sent.

use std::fmt;
use std::str::FromStr;

use partner_core::BaseUrl;
use url::Url;

use crate::Error;

const fn unsafe_input(what: &'static str) -> Error {
    Error::Core(partner_core::Error::UnsafeInput(what))
}

/// Where the API lives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// `https://eu.api.ovh.com/1.0`
    OvhEu,
    /// `https://ca.api.ovh.com/1.0`
    OvhCa,
    /// `https://api.us.ovhcloud.com/1.0`
    OvhUs,
    /// `https://eu.api.kimsufi.com/1.0`
    KimsufiEu,
    /// `https://ca.api.kimsufi.com/1.0`
    KimsufiCa,
    /// `https://eu.api.soyoustart.com/1.0`
    SoyoustartEu,
    /// `https://ca.api.soyoustart.com/1.0`
    SoyoustartCa,
    /// Any other base URL ending in the version path, such as a fake's
    /// `http://127.0.0.1:8080/1.0` (https, or http on loopback only).
    Custom(BaseUrl),
}

impl Endpoint {
    /// The base URL, `/1.0` included.
    pub fn base_url(&self) -> &str {
        match self {
            Endpoint::OvhEu => "https://eu.api.ovh.com/1.0",
            Endpoint::OvhCa => "https://ca.api.ovh.com/1.0",
            Endpoint::OvhUs => "https://api.us.ovhcloud.com/1.0",
            Endpoint::KimsufiEu => "https://eu.api.kimsufi.com/1.0",
            Endpoint::KimsufiCa => "https://ca.api.kimsufi.com/1.0",
            Endpoint::SoyoustartEu => "https://eu.api.soyoustart.com/1.0",
            Endpoint::SoyoustartCa => "https://ca.api.soyoustart.com/1.0",
            Endpoint::Custom(base) => base.as_str(),
        }
    }

    /// A custom base URL (with its version path, such as `/1.0`).
    ///
    /// # Errors
    ///
    /// `malformed` or `unsafe-input` unless it is https, or http on a
    /// loopback address, without credentials, query or fragment.
    pub fn custom(url: &str) -> Result<Self, Error> {
        Ok(Endpoint::Custom(BaseUrl::parse(url)?))
    }

    /// The URL of `path` with `query`.
    ///
    /// `path` starts with `/` and is split on `/`; each segment is encoded
    /// as exactly one path segment ([`partner_core::path::push_segment`]),
    /// so a value with `?`, `#`, `%`, `\` or a space cannot change the
    /// request. Refused as `unsafe-input`: `.` and `..` segments,
    /// empty segments (`//`; one trailing `/` is kept), and control
    /// characters anywhere (a URL parser drops tab, CR and LF, so `\t..`
    /// would become `..`). The URL's parsed path is then checked to be
    /// exactly the path built, so what is signed is what is sent. A path
    /// starting with `/v1` or `/v2` replaces the `/1.0` of the base. Query
    /// pairs are form-encoded, as the official SDKs do.
    ///
    /// ```
    /// use partner_ovhcloud::Endpoint;
    /// let u = Endpoint::OvhEu.url("/domain/zone/example.com/record", &[("fieldType", "A"), ("subDomain", "w w")]).unwrap();
    /// assert_eq!(u.as_str(), "https://eu.api.ovh.com/1.0/domain/zone/example.com/record?fieldType=A&subDomain=w+w");
    /// assert_eq!(Endpoint::OvhEu.url("/v2/iam/resource", &[]).unwrap().as_str(), "https://eu.api.ovh.com/v2/iam/resource");
    /// assert!(Endpoint::OvhEu.url("/me/../auth", &[]).is_err());
    /// assert!(Endpoint::OvhEu.url("/me/\t../auth", &[]).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// `unsafe-input` as above.
    pub fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url, Error> {
        let rest = path.strip_prefix('/').ok_or(unsafe_input("api path must start with /"))?;
        let mut segments: Vec<&str> = rest.split('/').collect();
        // One trailing `/` (and the root `/` itself) is kept as it is.
        let trailing_slash = segments.last() == Some(&"");
        if trailing_slash {
            segments.pop();
        }
        let versioned = matches!(segments.first(), Some(&"v1") | Some(&"v2"));
        let mut url = Url::parse(self.base_url()).map_err(|_| unsafe_input("endpoint url"))?;
        let mut built = url.path().trim_end_matches('/').to_owned();
        if versioned {
            // `/v1/...` and `/v2/...` replace the version segment (`/1.0`).
            let without_version = built.rsplit_once('/').map_or("", |(head, _)| head);
            built.truncate(without_version.len());
        }
        for segment in segments {
            partner_core::path::push_segment(&mut built, segment)?;
        }
        if trailing_slash || built.is_empty() {
            built.push('/');
        }
        url.set_path(&built);
        url.set_query(None);
        url.set_fragment(None);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        partner_core::path::check_path(&url, &built)?;
        Ok(url)
    }
}

impl FromStr for Endpoint {
    type Err = Error;

    /// `ovh-eu`, `ovh-ca`, `ovh-us`, `kimsufi-eu`, `kimsufi-ca`,
    /// `soyoustart-eu`, `soyoustart-ca`, or a URL.
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "ovh-eu" => Endpoint::OvhEu,
            "ovh-ca" => Endpoint::OvhCa,
            "ovh-us" => Endpoint::OvhUs,
            "kimsufi-eu" => Endpoint::KimsufiEu,
            "kimsufi-ca" => Endpoint::KimsufiCa,
            "soyoustart-eu" => Endpoint::SoyoustartEu,
            "soyoustart-ca" => Endpoint::SoyoustartCa,
            other => Endpoint::custom(other)?,
        })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base_url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let e = Endpoint::custom("http://127.0.0.1:9/1.0").unwrap();
        assert_eq!(e.url("/me", &[]).unwrap().as_str(), "http://127.0.0.1:9/1.0/me");
        assert_eq!(e.url("/v1/call", &[]).unwrap().as_str(), "http://127.0.0.1:9/v1/call");
        assert_eq!(
            Endpoint::OvhEu.url("/domain/zone/a b?#", &[]).unwrap().as_str(),
            "https://eu.api.ovh.com/1.0/domain/zone/a%20b%3F%23"
        );
        assert_eq!(
            Endpoint::OvhUs.url("/me", &[("a", "é&")]).unwrap().as_str(),
            "https://api.us.ovhcloud.com/1.0/me?a=%C3%A9%26"
        );
        assert!(Endpoint::OvhEu.url("me", &[]).is_err());
        assert_eq!(e.url("/", &[]).unwrap().as_str(), "http://127.0.0.1:9/1.0/");
        assert_eq!(e.url("/me/", &[]).unwrap().as_str(), "http://127.0.0.1:9/1.0/me/");
        assert_eq!(e.url("/v2", &[]).unwrap().as_str(), "http://127.0.0.1:9/v2");
        assert_eq!(
            Endpoint::OvhEu.url("/domain/zone/a\\b%2e%2e/record", &[]).unwrap().as_str(),
            "https://eu.api.ovh.com/1.0/domain/zone/a%5Cb%252e%252e/record"
        );
        let nested = Endpoint::custom("https://proxy.example/ovh/1.0").unwrap();
        assert_eq!(nested.url("/v1/me", &[]).unwrap().as_str(), "https://proxy.example/ovh/v1/me");
        assert_eq!(nested.url("/me", &[]).unwrap().as_str(), "https://proxy.example/ovh/1.0/me");
        assert!(Endpoint::custom("http://eu.api.ovh.com/1.0").is_err());
        assert_eq!("kimsufi-ca".parse::<Endpoint>().unwrap(), Endpoint::KimsufiCa);
    }
}

#[cfg(test)]
mod dot_segments {
    use super::*;
    use partner_core::ErrorKind;

    // Both reached the wire (and the signature) as another path: the url
    // crate drops the tab and then resolves the `..` it leaves.
    #[test]
    fn tab_dot_dot_is_refused_not_resolved() {
        for path in ["/me/\t../auth", "/domain/zone/example.com/record/\t.."] {
            let err = Endpoint::OvhEu.url(path, &[]).unwrap_err();
            assert_eq!(err.error_kind(), ErrorKind::UnsafeInput, "{path:?}");
        }
    }

    #[test]
    fn every_spelling_of_a_dot_segment_or_empty_segment_is_refused() {
        for path in [
            "/me/../auth",
            "/me/./auth",
            "/me/..",
            "/..",
            "/.",
            "/me/..\t",
            "/me/\n../x",
            "/me/.\r./x",
            "/me//auth",
            "//me",
            "/me//",
            "/me/a\u{7f}b",
            "/v1/..",
            "/v2/./x",
        ] {
            let err = Endpoint::OvhEu.url(path, &[]).unwrap_err();
            assert_eq!(err.error_kind(), ErrorKind::UnsafeInput, "{path:?}");
        }
        // Percent-encoded dots are text, not dots: sent encoded again.
        let url = Endpoint::OvhEu.url("/me/%2e%2e/auth", &[]).unwrap();
        assert_eq!(url.path(), "/1.0/me/%252e%252e/auth");
    }
}
