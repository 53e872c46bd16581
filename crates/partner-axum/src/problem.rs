//! [`Problem`]: every failure of a handoff as an RFC 9457 problem detail
//! (`application/problem+json`), with the HTTP status that fits its
//! [`ErrorKind`].

use std::error::Error as StdError;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use partner_core::{Error as CoreError, ErrorKind, HasErrorKind, Unavailability};
use serde::Serialize;

/// Where the problem types are described: `<this>#<kind>`.
pub const PROBLEM_TYPE_BASE: &str =
    "https://github.com/partner-integrations/partner-rs/blob/main/docs/problems.md";

/// A failed handoff as an RFC 9457 problem detail.
///
/// Made from any error of the partner crates ([`Problem::from_error`]): the
/// status follows the error's kind, the `detail` is the error's own text
/// for what the request got wrong (4xx), and a fixed sentence for what
/// failed upstream (5xx), so no provider answer is passed on. None of the
/// crates' error texts holds a secret or the value that failed.
///
/// | kind | status |
/// |---|---|
/// | `malformed`, `unsafe-input` | 400 |
/// | `bad-signature`, `expired`, `not-yet-valid` | 401 |
/// | `replayed` | 403 |
/// | `rejected` (the provider refused our call) | 502 |
/// | `unavailable` | 503, or 504 when it timed out |
///
/// ```
/// use axum::http::StatusCode;
/// use partner_axum::Problem;
/// use partner_core::{Error, ErrorKind};
///
/// let problem = Problem::from_error(&Error::Replayed);
/// assert_eq!(problem.status(), StatusCode::FORBIDDEN);
/// assert_eq!(problem.kind(), Some(ErrorKind::Replayed));
/// assert_eq!(problem.detail(), "replayed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    type_uri: String,
    title: String,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip)]
    error_kind: Option<ErrorKind>,
}

/// The status of an error `kind`; `timeout` picks 504 over 503.
pub fn status_for(kind: ErrorKind, timeout: bool) -> StatusCode {
    match kind {
        ErrorKind::Malformed | ErrorKind::UnsafeInput => StatusCode::BAD_REQUEST,
        ErrorKind::BadSignature | ErrorKind::Expired | ErrorKind::NotYetValid => {
            StatusCode::UNAUTHORIZED
        }
        ErrorKind::Replayed => StatusCode::FORBIDDEN,
        ErrorKind::Rejected => StatusCode::BAD_GATEWAY,
        ErrorKind::Unavailable if timeout => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

fn title_for(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Malformed => "Malformed request",
        ErrorKind::UnsafeInput => "Unsafe input",
        ErrorKind::BadSignature => "Signature does not match",
        ErrorKind::Expired => "Link expired",
        ErrorKind::NotYetValid => "Link not valid yet",
        ErrorKind::Replayed => "Link already used",
        ErrorKind::Rejected => "Refused by the provider",
        _ => "Provider unavailable",
    }
}

/// Whether `err` (or an error in its `source()` chain) is a core
/// [`Unavailability::Timeout`].
fn timed_out(err: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(CoreError::Unavailable { reason: Unavailability::Timeout, .. }) =
            e.downcast_ref::<CoreError>()
        {
            return true;
        }
        next = e.source();
    }
    false
}

impl Problem {
    /// A problem with this status, title and detail, and no error kind.
    pub fn new(status: StatusCode, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: "about:blank".to_owned(),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            kind: None,
            error_kind: None,
        }
    }

    /// The problem for `err`, by its kind (see the table above).
    pub fn from_error<E>(err: &E) -> Self
    where
        E: HasErrorKind + StdError + 'static,
    {
        let kind = err.error_kind();
        let status = status_for(kind, timed_out(err));
        let detail = if status.is_server_error() {
            match kind {
                ErrorKind::Rejected => "the provider refused the request".to_owned(),
                _ if status == StatusCode::GATEWAY_TIMEOUT => {
                    "the provider or a store did not answer in time".to_owned()
                }
                _ => "the provider or a store is unavailable".to_owned(),
            }
        } else {
            err.to_string()
        };
        Problem {
            type_uri: format!("{PROBLEM_TYPE_BASE}#{}", kind.as_str()),
            title: title_for(kind).to_owned(),
            status: status.as_u16(),
            detail,
            kind: Some(kind.as_str()),
            error_kind: Some(kind),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The short, human-readable summary (`title`).
    pub fn title(&self) -> &str {
        &self.title
    }

    /// What went wrong (`detail`).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The problem type URI (`type`).
    pub fn type_uri(&self) -> &str {
        &self.type_uri
    }

    /// The error kind, when the problem came from a partner error.
    pub fn kind(&self) -> Option<ErrorKind> {
        self.error_kind
    }
}

impl<E> From<E> for Problem
where
    E: HasErrorKind + StdError + 'static,
{
    fn from(err: E) -> Self {
        Problem::from_error(&err)
    }
}

impl IntoResponse for Problem {
    /// `application/problem+json`, `Cache-Control: no-store`; the problem
    /// also rides in the response's extensions for
    /// [`render_problem_pages`](crate::render_problem_pages).
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response.extensions_mut().insert(self);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_status() {
        let cases = [
            (CoreError::Malformed("x"), 400),
            (CoreError::UnsafeInput("x"), 400),
            (CoreError::BadSignature, 401),
            (CoreError::Expired, 401),
            (CoreError::NotYetValid, 401),
            (CoreError::Replayed, 403),
            (CoreError::rejected(partner_core::ProviderRejection::new("p", 400)), 502),
            (CoreError::unavailable("p", Unavailability::Connect, None), 503),
            (CoreError::unavailable("p", Unavailability::Timeout, None), 504),
            (CoreError::unavailable("p", Unavailability::Store, None), 503),
        ];
        for (err, status) in cases {
            let p = Problem::from_error(&err);
            assert_eq!(p.status().as_u16(), status, "{err:?}");
            assert_eq!(p.kind(), Some(err.error_kind()));
            assert!(p.type_uri().ends_with(err.error_kind().as_str()));
        }
    }

    #[test]
    fn upstream_text_is_not_passed_on() {
        let rejection = partner_core::ProviderRejection::new("p", 403)
            .with_message("internal detail from the provider");
        let p = Problem::from_error(&CoreError::rejected(rejection));
        assert!(!p.detail().contains("internal detail"), "{}", p.detail());
        let p = Problem::from_error(&CoreError::Malformed("uid is missing"));
        assert!(p.detail().contains("uid is missing"));
    }

    #[test]
    fn response_is_problem_json() {
        let response = Problem::from_error(&CoreError::Expired).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert!(response.extensions().get::<Problem>().is_some());
    }
}
