//! [`CspNonce`] and [`NoncedHtml`]: pages whose only scripts are the ones
//! you wrote, by a Content Security Policy nonce.

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use crate::redirect::no_store;

/// A fresh CSP nonce: 16 random bytes, base64url (22 characters), new for
/// every response.
///
/// ```
/// use partner_axum::CspNonce;
///
/// let (a, b) = (CspNonce::new(), CspNonce::new());
/// assert_eq!(a.as_str().len(), 22);
/// assert_ne!(a.as_str(), b.as_str());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CspNonce(String);

impl Default for CspNonce {
    fn default() -> Self {
        CspNonce::new()
    }
}

impl CspNonce {
    /// A new random nonce.
    pub fn new() -> Self {
        CspNonce(partner_core::random::token(16))
    }

    /// The nonce, for `<script nonce="..">`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An HTML page served with a strict Content Security Policy: scripts only
/// with its nonce, no plugins, no `<base>`, not framed, forms posted only
/// to this origin and the `form_action` origins given; `no-store` and
/// `no-referrer` (such pages carry member tokens or signed forms).
///
/// ```
/// use axum::response::IntoResponse;
/// use partner_axum::{CspNonce, NoncedHtml};
///
/// let nonce = CspNonce::new();
/// let page = format!("<script nonce=\"{}\">var x = 1;</script>", nonce.as_str());
/// let response = NoncedHtml::new(page, &nonce).into_response();
/// let csp = response.headers()["content-security-policy"].to_str().unwrap();
/// assert!(csp.contains(&format!("script-src 'nonce-{}'", nonce.as_str())));
/// ```
#[derive(Debug, Clone)]
pub struct NoncedHtml {
    html: String,
    nonce: String,
    form_action: Vec<String>,
}

impl NoncedHtml {
    /// `html`, whose scripts carry `nonce`.
    pub fn new(html: impl Into<String>, nonce: &CspNonce) -> Self {
        NoncedHtml { html: html.into(), nonce: nonce.0.clone(), form_action: Vec::new() }
    }

    /// Allows the page's forms to post to `origin` too (`https://host`).
    #[must_use]
    pub fn form_action(mut self, origin: impl Into<String>) -> Self {
        self.form_action.push(origin.into());
        self
    }

    /// The policy sent with the page.
    pub fn policy(&self) -> String {
        let mut form_action = String::from("'self'");
        for origin in &self.form_action {
            // Only what a source expression may hold: no spaces, quotes or `;`.
            if !origin.is_empty() && !origin.contains([' ', ';', ',', '\'', '"']) {
                form_action.push(' ');
                form_action.push_str(origin);
            }
        }
        format!(
            "default-src 'self'; script-src 'nonce-{}'; object-src 'none'; base-uri 'none'; \
             frame-ancestors 'none'; form-action {form_action}",
            self.nonce
        )
    }
}

impl IntoResponse for NoncedHtml {
    fn into_response(self) -> Response {
        let policy = HeaderValue::try_from(self.policy())
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
        let mut response = Html(self.html).into_response();
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
        no_store(&mut response);
        response
    }
}
