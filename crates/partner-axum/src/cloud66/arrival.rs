//! The user-integration arrival: Cloud 66 sends the user to your link URL
//! with `uid`, `email` and `callback`; you provision the link and send
//! them back.

use axum::Router;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use partner_cloud66::{Error, LinkRequest, ProvisionFailure};

use super::Cloud66Handoffs;
use crate::{AppUser, CurrentUser, Problem, SignedRedirect};

/// A checked link arrival: `uid` and `email` present, `callback` an https
/// URL on one of the configured hosts (anything else is an open redirect:
/// 400 `unsafe-input`).
///
/// ```
/// use axum::{Router, routing::get};
/// use partner_axum::cloud66::{Cloud66Handoffs, LinkArrival};
///
/// async fn arrive(LinkArrival(link): LinkArrival) -> String {
///     format!("link {} for {}", link.uid, link.email)
/// }
/// let app: Router = Router::new()
///     .route("/cloud66/link", get(arrive))
///     .with_state(Cloud66Handoffs::new());
/// ```
#[derive(Debug, Clone)]
pub struct LinkArrival(pub LinkRequest);

impl<S> FromRequestParts<S> for LinkArrival
where
    Cloud66Handoffs: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let handoffs = Cloud66Handoffs::from_ref(state);
        let query = parts.uri.query().unwrap_or("");
        Ok(LinkArrival(handoffs.inner.link.parse_query(query)?))
    }
}

impl Cloud66Handoffs {
    /// Provisions `link` for `user` with Cloud 66 (with your `extra`
    /// fields), takes "already linked to this account" as done, calls
    /// [`on_linked`](Self::on_linked), and redirects to the callback.
    ///
    /// # Errors
    ///
    /// A [`Problem`]: 502 when Cloud 66 refused, 503/504 when it did not
    /// answer, 500 when no provisioning client is configured.
    pub async fn complete_link(
        &self,
        user: &AppUser,
        link: &LinkRequest,
        extra: &[(&str, &str)],
    ) -> Result<SignedRedirect, Problem> {
        let client = self.inner.provisioning.as_ref().ok_or_else(not_configured)?;
        match client.provision(link, extra).await {
            Ok(()) | Err(Error::Provision(ProvisionFailure::AlreadyLinked(_))) => {}
            Err(err) => {
                tracing::warn!(provider = "cloud66", kind = %partner_core::HasErrorKind::error_kind(&err), "provisioning failed");
                return Err(Problem::from_error(&err));
            }
        }
        if let Some(on_linked) = &self.inner.on_linked {
            on_linked(user, link);
        }
        Ok(SignedRedirect::to(link.callback.as_str()))
    }

    /// The link URL as a router: `GET /` checks the arrival; a visitor who
    /// is not logged in goes to your login page and comes back; then
    /// [`complete_link`](Self::complete_link). Nest it where Cloud 66
    /// sends users:
    ///
    /// ```
    /// # #[derive(Clone)] struct Users;
    /// # impl partner_axum::CurrentUser for Users {
    /// #     async fn current_user(&self, _: &axum::http::request::Parts) -> Option<partner_axum::AppUser> { None }
    /// #     fn login_url(&self, _: &str) -> String { "/login".into() }
    /// # }
    /// use axum::Router;
    /// use partner_axum::cloud66::Cloud66Handoffs;
    ///
    /// let app: Router = Router::new().nest("/cloud66/link", Cloud66Handoffs::new().link_router(Users));
    /// ```
    pub fn link_router<U: CurrentUser, S>(&self, users: U) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        Router::new().route("/", get(arrive::<U>)).with_state((self.clone(), users))
    }
}

fn not_configured() -> Problem {
    Problem::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "Not configured",
        "no Cloud 66 provisioning client is configured",
    )
}

async fn arrive<U: CurrentUser>(
    State((handoffs, users)): State<(Cloud66Handoffs, U)>,
    mut parts: Parts,
) -> Response {
    let LinkArrival(link) = match LinkArrival::from_request_parts(&mut parts, &handoffs).await {
        Ok(arrival) => arrival,
        Err(problem) => return problem.into_response(),
    };
    let Some(user) = users.current_user(&parts).await else {
        return crate::login_redirect(&users, &parts);
    };
    handoffs.complete_link(&user, &link, &[]).await.into_response()
}
