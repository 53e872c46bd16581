//! [`SignedRedirect`]: sending the browser to a signed URL.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::Problem;

/// A 303 to a URL that carries a credential (a signed link, a launch URL,
/// a validation page): `Cache-Control: no-store` so no cache keeps it, and
/// `Referrer-Policy: no-referrer` so the next page does not receive it.
///
/// ```
/// use axum::response::IntoResponse;
/// use partner_axum::SignedRedirect;
///
/// let response = SignedRedirect::to("https://h.example/sso?hash=ab").into_response();
/// assert_eq!(response.status(), 303);
/// assert_eq!(response.headers()["location"], "https://h.example/sso?hash=ab");
/// assert_eq!(response.headers()["cache-control"], "no-store");
/// assert_eq!(response.headers()["referrer-policy"], "no-referrer");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRedirect {
    location: String,
}

impl std::fmt::Debug for SignedRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The location holds a credential.
        f.debug_struct("SignedRedirect").finish_non_exhaustive()
    }
}

impl SignedRedirect {
    /// A redirect to `location`.
    pub fn to(location: impl Into<String>) -> Self {
        SignedRedirect { location: location.into() }
    }

    /// Where it sends the browser.
    pub fn location(&self) -> &str {
        &self.location
    }
}

/// The headers every page or redirect that carries a credential gets.
pub(crate) fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

impl IntoResponse for SignedRedirect {
    fn into_response(self) -> Response {
        let Ok(location) = HeaderValue::try_from(self.location) else {
            return Problem::from_error(&partner_core::Error::UnsafeInput(
                "redirect location is not a header value",
            ))
            .into_response();
        };
        let mut response = StatusCode::SEE_OTHER.into_response();
        response.headers_mut().insert(header::LOCATION, location);
        no_store(&mut response);
        response
    }
}
