//! The user-integration redirect: what Cloud 66 sends the user to the
//! partner with, checked so that `callback` cannot become an open redirect.

use partner_core::Error as CoreError;
use url::Url;

use crate::Error;

/// The callback host allowed by default.
pub const DEFAULT_CALLBACK_HOST: &str = "app.cloud66.com";

/// A checked redirect from Cloud 66: who to link, and where to send them back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkRequest {
    /// Cloud 66's id for the user (`uid`); send it back as `link_uid`.
    pub uid: String,
    /// The user's e-mail address.
    pub email: String,
    /// Where to send the user when provisioning is done (https, allowed host).
    pub callback: Url,
}

/// Checks incoming user-integration redirects.
///
/// ```
/// use partner_cloud66::LinkRedirectVerifier;
///
/// let v = LinkRedirectVerifier::default();
/// let link = v.parse_url("http://partner/url?uid=abc123&email=jon@smith.com&callback=https://app.cloud66.com/url").unwrap();
/// assert_eq!((link.uid.as_str(), link.email.as_str()), ("abc123", "jon@smith.com"));
/// assert_eq!(link.callback.as_str(), "https://app.cloud66.com/url");
/// assert!(v.parse_url("https://p/x?uid=a&email=a@b.co&callback=https://evil.example/").is_err());
/// ```
#[derive(Debug, Clone)]
pub struct LinkRedirectVerifier {
    allowed_hosts: Vec<String>,
}

impl Default for LinkRedirectVerifier {
    fn default() -> Self {
        LinkRedirectVerifier { allowed_hosts: vec![DEFAULT_CALLBACK_HOST.to_owned()] }
    }
}

impl LinkRedirectVerifier {
    /// Allows callbacks to exactly these hosts (compared without letter case).
    pub fn with_allowed_hosts<I, S>(hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        LinkRedirectVerifier {
            allowed_hosts: hosts.into_iter().map(|h| h.into().to_ascii_lowercase()).collect(),
        }
    }

    /// Parses the full URL the user arrived at.
    pub fn parse_url(&self, url: &str) -> Result<LinkRequest, Error> {
        let parsed = Url::parse(url).map_err(|_| CoreError::Malformed("not an absolute url"))?;
        self.parse_query(parsed.query().unwrap_or(""))
    }

    /// Parses the raw query string the user arrived with.
    ///
    /// Checks, in order: `uid` present and non-empty, `email` present and
    /// valid (`malformed` otherwise), `callback` present (`malformed`), then
    /// `callback` an absolute https URL on an allowed host, default port, no
    /// credentials (`unsafe-input` otherwise). Each parameter at most once.
    pub fn parse_query(&self, query: &str) -> Result<LinkRequest, Error> {
        partner_core::trace::verification(crate::PROVIDER, "link-redirect", self.check(query))
    }

    fn check(&self, query: &str) -> Result<LinkRequest, Error> {
        let (mut uid, mut email, mut callback) = (None, None, None);
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*name {
                "uid" => &mut uid,
                "email" => &mut email,
                "callback" => &mut callback,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(CoreError::Malformed("uid, email or callback appears twice").into());
            }
        }
        let uid =
            uid.filter(|u| !u.trim().is_empty()).ok_or(CoreError::Malformed("uid is missing"))?;
        let email = email.ok_or(CoreError::Malformed("email is missing"))?;
        if !is_valid_email(&email) {
            return Err(CoreError::Malformed("email is not a valid address").into());
        }
        let callback = callback.ok_or(CoreError::Malformed("callback is missing"))?;
        let callback = self.check_callback(&callback)?;
        Ok(LinkRequest { uid, email, callback })
    }

    fn check_callback(&self, text: &str) -> Result<Url, Error> {
        let url = Url::parse(text)
            .map_err(|_| CoreError::UnsafeInput("callback is not an absolute url"))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        // https only; plain http (and a port) only for a loopback host that
        // is itself allowed, so tests can use a fake Cloud 66.
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(CoreError::UnsafeInput("callback is not https").into()),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(CoreError::UnsafeInput("callback carries credentials").into());
        }
        if url.port().is_some() && !loopback {
            return Err(CoreError::UnsafeInput("callback names a port").into());
        }
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        if !self.allowed_hosts.contains(&host) {
            return Err(CoreError::UnsafeInput("callback host is not allowed").into());
        }
        Ok(url)
    }
}

/// A pragmatic e-mail check: one `@`, a non-empty local part without space
/// or control characters, a domain of dot-separated labels with at least one
/// dot, at most 254 bytes.
pub fn is_valid_email(email: &str) -> bool {
    if email.len() > 254 {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '@' | '<' | '>' | '"' | ',' | ';')
        });
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// The page that signs a user in through Cloud 66 and sends them back with
/// a multipass: `https://app.cloud66.com/sso/signin/<PROVIDER>`.
///
/// ```
/// assert_eq!(
///     partner_cloud66::sso_signin_url("https://app.cloud66.com", "acme-cloud").unwrap(),
///     "https://app.cloud66.com/sso/signin/acme-cloud"
/// );
/// assert!(partner_cloud66::sso_signin_url("https://app.cloud66.com", "../admin").is_err());
/// ```
pub fn sso_signin_url(base_url: &str, provider: &str) -> Result<String, Error> {
    let ok = !provider.is_empty()
        && provider.len() <= 64
        && provider.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        return Err(CoreError::UnsafeInput("provider name must be 1 to 64 of [A-Za-z0-9_-]").into());
    }
    let base = partner_core::BaseUrl::parse(base_url)?;
    let url =
        partner_core::path::url_with_segments(base.as_str(), ["sso", "signin", provider], &[])?;
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::{ErrorKind, HasErrorKind};

    #[test]
    fn rules_and_precedence() {
        let v = LinkRedirectVerifier::default();
        let kind = |q: &str| v.parse_query(q).unwrap_err().error_kind();
        let cb = "callback=https%3A%2F%2Fapp.cloud66.com%2Fx";
        assert!(v.parse_query(&format!("uid=1&email=a%40b.co&{cb}")).is_ok());
        assert!(
            v.parse_query("uid=1&email=a%40b.co&callback=https%3A%2F%2FAPP.cloud66.com%2Fx")
                .is_ok()
        );
        assert_eq!(kind(&format!("email=a%40b.co&{cb}")), ErrorKind::Malformed);
        assert_eq!(kind(&format!("uid=&email=a%40b.co&{cb}")), ErrorKind::Malformed);
        assert_eq!(kind(&format!("uid=1&email=nope&{cb}")), ErrorKind::Malformed);
        assert_eq!(kind(&format!("uid=1&{cb}")), ErrorKind::Malformed);
        assert_eq!(kind("uid=1&email=a%40b.co"), ErrorKind::Malformed);
        assert_eq!(
            kind("uid=1&email=nope&callback=https%3A%2F%2Fevil.example"),
            ErrorKind::Malformed,
            "shape first"
        );
        for bad in [
            "http://app.cloud66.com/x",
            "https://app.cloud66.com.evil.example/x",
            "https://evil.example/app.cloud66.com",
            "https://app.cloud66.com@evil.example/",
            "https://user@app.cloud66.com/",
            "https://app.cloud66.com:8443/",
            "//app.cloud66.com/x",
            "javascript:alert(1)",
            "/relative",
        ] {
            let q = format!(
                "uid=1&email=a%40b.co&callback={}",
                partner_core::encoding::form_encode_component(bad)
            );
            assert_eq!(kind(&q), ErrorKind::UnsafeInput, "{bad}");
        }
        assert_eq!(kind(&format!("uid=1&uid=2&email=a%40b.co&{cb}")), ErrorKind::Malformed);
        let local = LinkRedirectVerifier::with_allowed_hosts(["127.0.0.1"]);
        assert!(
            local
                .parse_query("uid=1&email=a%40b.co&callback=http%3A%2F%2F127.0.0.1%3A8080%2Fdone")
                .is_ok()
        );
        assert!(
            v.parse_query("uid=1&email=a%40b.co&callback=http%3A%2F%2F127.0.0.1%3A8080%2Fdone")
                .is_err()
        );
        let other = LinkRedirectVerifier::with_allowed_hosts(["staging.cloud66.com"]);
        assert!(other.parse_query(&format!("uid=1&email=a%40b.co&{cb}")).is_err());
    }

    #[test]
    fn emails() {
        for ok in ["jon@smith.com", "a+b@x.co.uk", "é@exämple.de", "a@b-c.io"] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in
            ["", "a", "@b.co", "a@", "a@b", "a b@c.co", "a@b..co", "a@-b.co", "a@@b.co", "a@b.co\n"]
        {
            assert!(!is_valid_email(bad), "{bad:?}");
        }
    }
}
