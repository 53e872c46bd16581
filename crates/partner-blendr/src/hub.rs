//! Where the partner's white-labelled hub lives, and which page to open.

use std::fmt;

use partner_core::BaseUrl;

use partner_core::Error as CoreError;

use crate::Error;

/// A Blendr.io region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Region {
    /// Europe: the default, with no region in the host.
    Eu,
    /// Canada.
    Ca,
    /// United States.
    Us,
    /// Australia.
    Au,
}

impl Region {
    /// The host label of the region (`None` for Europe).
    pub const fn label(self) -> Option<&'static str> {
        match self {
            Region::Eu => None,
            Region::Ca => Some("ca"),
            Region::Us => Some("us"),
            Region::Au => Some("au"),
        }
    }
}

/// The vendor writes a regional host two ways in the same document;
/// pick the one your hub answers on (Blendr support can tell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RegionalHostStyle {
    /// `saaspartner.ca.admin.blendr.io` (the document's "make sure" sentence).
    #[default]
    RegionBeforeAdmin,
    /// `saaspartner.admin.ca.blendr.io` (the document's example URLs).
    AdminBeforeRegion,
}

/// The base URL of a partner's hub, such as `https://acme.admin.blendr.io`.
///
/// ```
/// use partner_blendr::{Hub, Region, RegionalHostStyle};
///
/// assert_eq!(Hub::eu("acme").unwrap().as_str(), "https://acme.admin.blendr.io");
/// assert_eq!(
///     Hub::regional("acme", Region::Ca, RegionalHostStyle::RegionBeforeAdmin).unwrap().as_str(),
///     "https://acme.ca.admin.blendr.io"
/// );
/// assert_eq!(
///     Hub::regional("acme", Region::Ca, RegionalHostStyle::AdminBeforeRegion).unwrap().as_str(),
///     "https://acme.admin.ca.blendr.io"
/// );
/// assert!(Hub::eu("acme.evil.example/x").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Hub {
    base: BaseUrl,
}

impl Hub {
    /// The European (default) host of `subdomain`.
    pub fn eu(subdomain: &str) -> Result<Self, Error> {
        Hub::regional(subdomain, Region::Eu, RegionalHostStyle::default())
    }

    /// The host of `subdomain` in `region`.
    pub fn regional(
        subdomain: &str,
        region: Region,
        style: RegionalHostStyle,
    ) -> Result<Self, Error> {
        let label_ok = !subdomain.is_empty()
            && subdomain.len() <= 63
            && subdomain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !subdomain.starts_with('-')
            && !subdomain.ends_with('-');
        if !label_ok {
            return Err(CoreError::UnsafeInput("hub subdomain must be one dns label").into());
        }
        let host = match (region.label(), style) {
            (None, _) => format!("{subdomain}.admin.blendr.io"),
            (Some(r), RegionalHostStyle::RegionBeforeAdmin) => {
                format!("{subdomain}.{r}.admin.blendr.io")
            }
            (Some(r), RegionalHostStyle::AdminBeforeRegion) => {
                format!("{subdomain}.admin.{r}.blendr.io")
            }
        };
        Hub::from_base_url(&format!("https://{host}"))
    }

    /// Any base URL given in full (https, or http on loopback for a fake).
    pub fn from_base_url(url: &str) -> Result<Self, Error> {
        Ok(Hub { base: BaseUrl::parse(url)? })
    }

    /// The base URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        self.base.as_str()
    }

    /// The URL of a page of the hub (without a query).
    pub fn page_url(&self, page: &SsoPage) -> String {
        let mut url = String::with_capacity(self.page_url_len(page));
        self.push_page_url(&mut url, page);
        url
    }

    /// The length of [`page_url`](Self::page_url), to size a buffer once.
    pub(crate) fn page_url_len(&self, page: &SsoPage) -> usize {
        let (path, guid) = Self::page_path(page);
        self.base.as_str().len() + path.len() + guid.len()
    }

    /// Appends [`page_url`](Self::page_url) to `out`.
    pub(crate) fn push_page_url(&self, out: &mut String, page: &SsoPage) {
        let (path, guid) = Self::page_path(page);
        out.push_str(self.base.as_str());
        out.push_str(path);
        out.push_str(guid);
    }

    fn page_path(page: &SsoPage) -> (&'static str, &str) {
        match page {
            SsoPage::Home => ("/sso", ""),
            SsoPage::Template(guid) => ("/sso/templates/", guid.as_str()),
            SsoPage::Widget(guid) => ("/sso/widgets/", guid.as_str()),
        }
    }
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Hub").field(&self.base.as_str()).finish()
    }
}

/// The GUID of a template or of a blend (an active integration), checked to
/// be a safe path segment: 1 to 64 of `[A-Za-z0-9-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Guid(String);

impl Guid {
    /// Validates a GUID.
    pub fn new(guid: impl Into<String>) -> Result<Self, Error> {
        let guid = guid.into();
        let ok = !guid.is_empty()
            && guid.len() <= 64
            && guid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok {
            Ok(Guid(guid))
        } else {
            Err(CoreError::UnsafeInput("guid must be 1 to 64 of [A-Za-z0-9-]").into())
        }
    }

    /// The GUID text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which page of the hub an SSO handoff opens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SsoPage {
    /// The hub's home: `/sso`.
    Home,
    /// A template's setup flow: `/sso/templates/{guid}`.
    Template(Guid),
    /// The settings of an active integration (blend): `/sso/widgets/{guid}`.
    Widget(Guid),
}
