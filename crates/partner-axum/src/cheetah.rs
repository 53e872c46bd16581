//! Cheetah CES (feature `cheetah`): [`CheetahMember`], the
//! `stellar_member_state` element for a page, under a CSP nonce.

use partner_cheetah::{CheetahClient, MemberSsoRequest, MemberState};

use crate::{AppUser, CspNonce, Env, EnvError, Problem};

/// Signs your logged-in user in to Cheetah and writes the page state.
///
/// ```no_run
/// use axum::response::IntoResponse;
/// use partner_axum::cheetah::CheetahMember;
/// use partner_axum::{AppUser, CspNonce, NoncedHtml, Problem};
///
/// # async fn page(cheetah: CheetahMember, user: AppUser) -> Result<impl IntoResponse, Problem> {
/// let nonce = CspNonce::new();
/// let (state, element) = cheetah.script_element(&user, &nonce).await?;
/// let html = format!("<!doctype html><html><head>{element}</head><body>..</body></html>");
/// Ok(NoncedHtml::new(html, &nonce))
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CheetahMember {
    client: CheetahClient,
}

impl CheetahMember {
    /// With a client.
    pub fn new(client: CheetahClient) -> Self {
        CheetahMember { client }
    }

    /// From the environment:
    ///
    /// | variable | use |
    /// |---|---|
    /// | `CHEETAH_BASE_URL` | your program's API base URL |
    /// | `CHEETAH_CLIENT_ID` | the integration user's client id |
    /// | `CHEETAH_CLIENT_SECRET` | its secret |
    ///
    /// # Errors
    ///
    /// [`EnvError`] naming the variable missing or unusable.
    pub fn from_env(env: &Env) -> Result<Self, EnvError> {
        let client = CheetahClient::builder(
            env.required("CHEETAH_CLIENT_ID")?,
            env.secret("CHEETAH_CLIENT_SECRET")?,
        )
        .base_url(env.required("CHEETAH_BASE_URL")?)
        .build()
        .map_err(|e| EnvError::invalid("CHEETAH_BASE_URL", e))?;
        Ok(CheetahMember::new(client))
    }

    /// The member state for `user` (signed in, or an error state: it never
    /// fails, as the page must render either way) and its `<script>`
    /// element carrying `nonce`. The user's first name is the first word
    /// of their name.
    ///
    /// # Errors
    ///
    /// Only for a nonce that is not base64 (never one of [`CspNonce`]'s).
    pub async fn script_element(
        &self,
        user: &AppUser,
        nonce: &CspNonce,
    ) -> Result<(MemberState, String), Problem> {
        let (first, last) = user.name.split_once(' ').unwrap_or((user.name.as_str(), ""));
        let request = MemberSsoRequest::new(user.id.as_str(), first, last, user.email.as_str());
        let state = self.client.member_state(&request).await;
        let element = state.to_script_element(Some(nonce.as_str()))?;
        Ok((state, element))
    }
}
