//! The OVHcloud API endpoints, and URLs built so that the string signed is
//! the string sent.

use std::fmt;
use std::str::FromStr;

use partner_core::BaseUrl;
use url::Url;

use crate::Error;

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

    /// A custom base URL.
    pub fn custom(url: &str) -> Result<Self, Error> {
        Ok(Endpoint::Custom(BaseUrl::parse(url)?))
    }

    /// The URL of `path` with `query`.
    ///
    /// `path` is split on `/` and each segment percent-encoded as a path
    /// segment (so a value with `?`, `#` or a space cannot change the
    /// request); `..` and `.` segments are refused. A path starting with
    /// `/v1` or `/v2` replaces the `/1.0` of the base. Query pairs are
    /// form-encoded, as the official SDKs do.
    ///
    /// ```
    /// use partner_ovhcloud::Endpoint;
    /// let u = Endpoint::OvhEu.url("/domain/zone/example.com/record", &[("fieldType", "A"), ("subDomain", "w w")]).unwrap();
    /// assert_eq!(u.as_str(), "https://eu.api.ovh.com/1.0/domain/zone/example.com/record?fieldType=A&subDomain=w+w");
    /// assert_eq!(Endpoint::OvhEu.url("/v2/iam/resource", &[]).unwrap().as_str(), "https://eu.api.ovh.com/v2/iam/resource");
    /// assert!(Endpoint::OvhEu.url("/me/../auth", &[]).is_err());
    /// ```
    pub fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url, Error> {
        let rest =
            path.strip_prefix('/').ok_or(Error::UnsafeInput("api path must start with /"))?;
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().any(|s| *s == ".." || *s == ".") {
            return Err(Error::UnsafeInput("api path must not contain . or .. segments"));
        }
        let versioned = matches!(segments.first(), Some(&"v1") | Some(&"v2"));
        let mut url =
            Url::parse(self.base_url()).map_err(|_| Error::UnsafeInput("endpoint url"))?;
        {
            let mut parts =
                url.path_segments_mut().map_err(|_| Error::UnsafeInput("endpoint url"))?;
            if versioned {
                parts.pop();
            }
            parts.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
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
        assert!(Endpoint::custom("http://eu.api.ovh.com/1.0").is_err());
        assert_eq!("kimsufi-ca".parse::<Endpoint>().unwrap(), Endpoint::KimsufiCa);
    }
}
