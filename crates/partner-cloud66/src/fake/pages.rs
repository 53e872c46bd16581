//! Stand-in partner pages: what a partner site would show, served by the
//! fake itself so the flows can be walked in a browser. Plain HTML, every
//! value HTML-escaped, `no-store`, never framed, and a content security
//! policy that allows no script (`partner_core::server::html_page`).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use partner_core::encoding::{form_encode, html_escape};
use partner_core::server::{FormFields, html_page};
use partner_core::{HasErrorKind, LoginVerifier};

use super::{FakeState, Partner, STAND_IN_LINK_PATH, link};
use crate::{Error, LinkRedirectVerifier, LinkRequest};

/// A stand-in page; `body` is HTML already escaped.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let body = format!(
        "{body}
<p><small>A stand-in page of the fake Cloud 66 (partner-cloud66).</small></p>"
    );
    html_page(status, title, &body)
}

/// `<dt>name</dt><dd>value or (none)</dd>` rows.
fn rows(items: &[(&str, Option<&str>)]) -> String {
    let mut out = String::from("<dl>\n");
    for (name, value) in items {
        let value = value.map_or_else(
            || "<em>(none)</em>".to_owned(),
            |v| format!("<code>{}</code>", html_escape(v)),
        );
        out.push_str(&format!("<dt>{}</dt><dd>{value}</dd>\n", html_escape(name)));
    }
    out.push_str("</dl>");
    out
}

fn not_served(what: &str) -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Not a stand-in",
        &format!("<p>The {} is not a stand-in of this fake.</p>", html_escape(what)),
    )
}

fn stand_in_partner(s: &FakeState) -> Option<&Partner> {
    s.partner.as_ref().filter(|p| p.stand_in)
}

/// The link request as the partner reads it: the crate's own verifier
/// (callback on 127.0.0.1 allowed), then the callback on this fake only, so
/// the form cannot be made to redirect anywhere else.
fn check_link(s: &FakeState, query: &str) -> Result<LinkRequest, Error> {
    let link = LinkRedirectVerifier::with_allowed_hosts(["127.0.0.1"]).parse_query(query)?;
    if link.callback.origin().ascii_serialization() != s.base {
        return Err(partner_core::Error::UnsafeInput("callback is not on this fake").into());
    }
    Ok(link)
}

fn refusal(err: &Error) -> String {
    format!(
        "<p>Refused: <strong>{}</strong> ({})</p>",
        html_escape(err.error_kind().as_str()),
        html_escape(&err.to_string())
    )
}

/// `GET /stand-in/link?uid&email&callback`: what arrived, and a form that
/// provisions and returns to the callback.
pub(super) async fn link_page(
    State(s): State<Arc<FakeState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(partner) = stand_in_partner(&s) else { return not_served("partner link page") };
    let query = query.unwrap_or_default();
    let q = FormFields::parse_urlencoded(query.as_bytes());
    let arrived =
        rows(&[("uid", q.get("uid")), ("email", q.get("email")), ("callback", q.get("callback"))]);
    let title = format!("Link your Cloud 66 account to {}", partner.name);
    match check_link(&s, &query) {
        Ok(link) => {
            let form = format!(
                "<form method=\"post\" action=\"{action}\">\n\
                 <input type=\"hidden\" name=\"uid\" value=\"{uid}\">\n\
                 <input type=\"hidden\" name=\"email\" value=\"{email}\">\n\
                 <input type=\"hidden\" name=\"callback\" value=\"{callback}\">\n\
                 <button type=\"submit\">Provision and return to Cloud 66</button>\n</form>",
                action = STAND_IN_LINK_PATH,
                uid = html_escape(&link.uid),
                email = html_escape(&link.email),
                callback = html_escape(link.callback.as_str()),
            );
            page(
                StatusCode::OK,
                &title,
                &format!(
                    "<p>Cloud 66 sent you here with:</p>\n{arrived}\n<p>The button sends the provisioning POST (<code>link_uid</code>, <code>user_email</code>) to the partner endpoint, then returns you to the callback.</p>\n{form}"
                ),
            )
        }
        Err(err) => page(
            StatusCode::BAD_REQUEST,
            &title,
            &format!("<p>Cloud 66 sent you here with:</p>\n{arrived}\n{}", refusal(&err)),
        ),
    }
}

/// `POST /stand-in/link` (`uid`, `email`, `callback`): provisions through
/// the partner endpoint, then `303` to the callback; a refusal is a page.
pub(super) async fn link_submit(State(s): State<Arc<FakeState>>, form: FormFields) -> Response {
    let Some(partner) = stand_in_partner(&s) else { return not_served("partner link page") };
    let title = format!("Link your Cloud 66 account to {}", partner.name);
    let link = match check_link(&s, &form_encode(form.iter())) {
        Ok(link) => link,
        Err(err) => return page(StatusCode::BAD_REQUEST, &title, &refusal(&err)),
    };
    match link::provision(&s, partner, Some(&link.uid), Some(&link.email)) {
        Ok(()) => Redirect::to(link.callback.as_str()).into_response(),
        Err(text) => page(
            StatusCode::FORBIDDEN,
            &title,
            &format!(
                "<p>Cloud 66 refused the provisioning: <strong>{}</strong></p>\n<p><a href=\"{}\">Return to Cloud 66</a></p>",
                html_escape(&text),
                html_escape(link.callback.as_str())
            ),
        ),
    }
}

/// `GET /stand-in/sso?multipass&signature`: the multipass verified with the
/// partner's provider UID (expiry, single use), and who it signs in.
pub(super) async fn sso_page(
    State(s): State<Arc<FakeState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(partner) = stand_in_partner(&s) else { return not_served("partner SSO page") };
    let title = format!("Sign in to {} with Cloud 66", partner.name);
    let Some(verifier) = &s.sso_verifier else {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &title,
            "<p>The provider UID is not 32 characters: no multipass can be read.</p>",
        );
    };
    let verified = verifier.verify_login(&query.unwrap_or_default(), s.clock.unix_time());
    let consumed = match verified {
        Ok(verified) => verified.consume().await.map_err(Error::from),
        Err(err) => Err(err),
    };
    match consumed {
        Ok(id) => {
            let expires = id.expires_at.map(|t| t.as_secs().to_string());
            page(
                StatusCode::OK,
                &title,
                &format!(
                    "<p>Signed in. The multipass was verified.</p>\n{}",
                    rows(&[
                        ("email", id.email()),
                        ("name", id.name()),
                        ("expires (unix)", expires.as_deref())
                    ])
                ),
            )
        }
        Err(err) => page(StatusCode::BAD_REQUEST, &title, &refusal(&err)),
    }
}

/// `GET /stand-in/oauth/callback?code&state` (or `error`): what came back
/// from the authorize endpoint.
pub(super) async fn oauth_page(
    State(s): State<Arc<FakeState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(app) = s.app.as_ref().filter(|a| a.stand_in) else {
        return not_served("OAuth2 redirect URI");
    };
    let q = FormFields::parse_urlencoded(query.unwrap_or_default().as_bytes());
    let arrived = rows(&[
        ("code", q.get("code")),
        ("state", q.get("state")),
        ("error", q.get("error")),
        ("error_description", q.get("error_description")),
    ]);
    let next = if q.get("code").is_some() {
        format!(
            "<p>Exchange the code at <code>POST {base}/oauth/token</code> with <code>grant_type=authorization_code</code>, the code, <code>redirect_uri={redirect}</code> and the client credentials of <code>{client}</code> (HTTP Basic or <code>client_id</code>/<code>client_secret</code>). It is single use and valid for {minutes} minutes.</p>",
            base = html_escape(&s.base),
            redirect = html_escape(&app.redirect_uri),
            client = html_escape(&app.client_id),
            minutes = super::CODE_LIFETIME.as_secs() / 60,
        )
    } else {
        String::new()
    };
    page(
        StatusCode::OK,
        "OAuth2 redirect URI",
        &format!("<p>The authorize endpoint sent you back with:</p>\n{arrived}\n{next}"),
    )
}
