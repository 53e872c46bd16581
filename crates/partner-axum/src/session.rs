//! [`CurrentUser`]: the one thing partner-axum asks of your application,
//! "who is logged in", and [`AppUser`], the answer.

use std::future::Future;

use axum::http::request::Parts;

/// Your user, as the handoffs need them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppUser {
    /// Your stable id of the user (the id token's `sub`, Cheetah's
    /// integration id).
    pub id: String,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
}

impl AppUser {
    /// A user.
    pub fn new(id: impl Into<String>, name: impl Into<String>, email: impl Into<String>) -> Self {
        AppUser { id: id.into(), name: name.into(), email: email.into() }
    }
}

/// Who is logged in to your application, read from the request (your
/// session cookie), and where to send someone who is not.
///
/// ```
/// use axum::http::request::Parts;
/// use partner_axum::{AppUser, CurrentUser};
///
/// #[derive(Clone)]
/// struct Sessions;
///
/// impl CurrentUser for Sessions {
///     async fn current_user(&self, parts: &Parts) -> Option<AppUser> {
///         let cookie = parts.headers.get("cookie")?.to_str().ok()?;
///         // Look the session up in your store; here, a fixed user.
///         cookie.contains("session=").then(|| AppUser::new("alice", "Alice", "alice@acme.test"))
///     }
///     fn login_url(&self, return_to: &str) -> String {
///         format!("/login?return_to={}", partner_core::encoding::form_encode([("", return_to)]).trim_start_matches('='))
///     }
/// }
/// ```
pub trait CurrentUser: Clone + Send + Sync + 'static {
    /// The user this request is from, if logged in.
    fn current_user(&self, parts: &Parts) -> impl Future<Output = Option<AppUser>> + Send;

    /// Where to send a user who must log in first, to come back to
    /// `return_to` (a path and query on your site).
    fn login_url(&self, return_to: &str) -> String;
}

/// A 303 to the login page, coming back to this request's original URL
/// (the one before a `nest` stripped its prefix).
pub(crate) fn login_redirect<U: CurrentUser>(users: &U, parts: &Parts) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    let here = uri.path_and_query().map_or("/", |pq| pq.as_str());
    crate::SignedRedirect::to(users.login_url(here)).into_response()
}
