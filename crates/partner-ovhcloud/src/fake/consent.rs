//! The validation page (`/auth/?credentialToken=..`): what the customer's
//! browser opens to authorize or refuse an application's consumer key.
//!
//! `GET` shows the requested access rules and a form posted back to the
//! same URL with a button `action=authorize` and a button `action=refuse`
//! (and an optional `validity` in seconds, `0` or absent for unlimited).
//! `POST` applies the decision once: the token is used up whatever the
//! decision, and a used, unknown, expired or empty token gets a 404 page
//! and touches no key.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use partner_core::encoding::html_escape;
use partner_core::server::{FormFields, html_page};

use super::FakeState;
use super::credentials::Decision;
use crate::CredentialState;

/// The longest validity the page accepts (10 years), in seconds.
const MAX_VALIDITY_SECS: u64 = 10 * 366 * 86_400;

fn unknown_token() -> Response {
    html_page(
        StatusCode::NOT_FOUND,
        "Unknown validation link",
        "<p>This validation link is unknown, already used or expired. Ask the application for a new one.</p>\n",
    )
}

fn bad_request(message: &str) -> Response {
    html_page(
        StatusCode::BAD_REQUEST,
        "Invalid request",
        &format!("<p>{}</p>\n", html_escape(message)),
    )
}

/// The validation token of the URL: `Err` when it is repeated, `Ok("")`
/// when absent or empty.
fn token_of(uri: &Uri) -> Result<String, &'static str> {
    let query = FormFields::parse_urlencoded(uri.query().unwrap_or("").as_bytes());
    if query.count("credentialToken") > 1 {
        return Err("credentialToken is repeated.");
    }
    Ok(query.get("credentialToken").unwrap_or("").to_owned())
}

/// `GET /auth/?credentialToken=..`: the consent page.
pub(super) async fn page(State(s): State<Arc<FakeState>>, uri: Uri) -> Response {
    let token = match token_of(&uri) {
        Ok(token) => token,
        Err(message) => return bad_request(message),
    };
    let now = s.now();
    let data = s.lock();
    let Some(credential) = data.credentials.pending_by_token(&token, now) else {
        return unknown_token();
    };
    let mut rules = String::new();
    for rule in credential.rules.iter() {
        let _ = writeln!(
            rules,
            "<li><code>{}</code> <code>{}</code></li>",
            rule.method.as_str(),
            html_escape(&rule.path)
        );
    }
    let back = match &credential.redirection {
        Some(url) => {
            format!("<p>You will then be sent back to <code>{}</code>.</p>\n", html_escape(url))
        }
        None => String::new(),
    };
    drop(data);
    let action = format!(
        "/auth/?credentialToken={}",
        html_escape(&partner_core::encoding::form_encode_component(&token))
    );
    let body = format!(
        "<p>The application <code>{app}</code> asks for access to your OVHcloud account with these rights:</p>\n\
         <ul>\n{rules}</ul>\n{back}\
         <form method=\"post\" action=\"{action}\">\n\
         <p><label for=\"validity\">Validity</label>\n\
         <select id=\"validity\" name=\"validity\">\n\
         <option value=\"0\" selected>Unlimited</option>\n\
         <option value=\"3600\">1 hour</option>\n\
         <option value=\"86400\">1 day</option>\n\
         <option value=\"2592000\">30 days</option>\n\
         </select></p>\n\
         <p><button type=\"submit\" name=\"action\" value=\"authorize\">Authorize</button>\n\
         <button type=\"submit\" name=\"action\" value=\"refuse\">Refuse</button></p>\n\
         </form>\n",
        app = html_escape(&s.application_key),
    );
    html_page(StatusCode::OK, "Authorize an application", &body)
}

/// The decision of a posted form, or why it is refused.
fn decision_of(form: &FormFields) -> Result<Decision, &'static str> {
    if form.count("action") != 1 || form.count("validity") > 1 {
        return Err("Choose Authorize or Refuse (one action).");
    }
    match form.get("action") {
        Some("authorize") => {
            let validity = match form.get("validity").map(str::trim).unwrap_or("") {
                "" | "0" => None,
                text => match text.parse::<u64>() {
                    Ok(secs) if secs <= MAX_VALIDITY_SECS => Some(Duration::from_secs(secs)),
                    _ => return Err("The validity is a number of seconds."),
                },
            };
            Ok(Decision::Authorize { validity })
        }
        Some("refuse") => Ok(Decision::Refuse),
        _ => Err("Choose Authorize or Refuse."),
    }
}

/// `POST /auth/?credentialToken=..`: the customer's decision, applied once.
pub(super) async fn decide(
    State(s): State<Arc<FakeState>>,
    uri: Uri,
    form: FormFields,
) -> Response {
    let token = match token_of(&uri) {
        Ok(token) => token,
        Err(message) => return bad_request(message),
    };
    let decision = match decision_of(&form) {
        Ok(decision) => decision,
        Err(message) => return bad_request(message),
    };
    let now = s.now();
    let decided = s.lock().credentials.decide_token(&token, decision, now);
    let Some(credential) = decided else { return unknown_token() };
    if let Some(url) = credential.redirection.as_deref() {
        if let Ok(location) = HeaderValue::from_str(url) {
            let mut response = StatusCode::SEE_OTHER.into_response();
            let headers = response.headers_mut();
            headers.insert(header::LOCATION, location);
            // The validation URL holds the token: never cached, never sent on.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
            return response;
        }
    }
    match credential.state {
        CredentialState::Validated => html_page(
            StatusCode::OK,
            "Access granted",
            "<p>The application was granted access to your account. You can close this page.</p>\n",
        ),
        _ => html_page(
            StatusCode::OK,
            "Access refused",
            "<p>The application was refused access to your account. You can close this page.</p>\n",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions() {
        let form = |b: &str| FormFields::parse_urlencoded(b.as_bytes());
        assert_eq!(
            decision_of(&form("action=authorize")).unwrap(),
            Decision::Authorize { validity: None }
        );
        assert_eq!(
            decision_of(&form("action=authorize&validity=3600")).unwrap(),
            Decision::Authorize { validity: Some(Duration::from_secs(3600)) }
        );
        assert_eq!(decision_of(&form("action=refuse")).unwrap(), Decision::Refuse);
        for bad in [
            "",
            "action=yes",
            "action=authorize&action=refuse",
            "action=authorize&validity=-1",
            "action=authorize&validity=99999999999",
        ] {
            assert!(decision_of(&form(bad)).is_err(), "{bad}");
        }
    }
}
