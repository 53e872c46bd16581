//! OAuth2 (Doorkeeper): the authorize endpoint (auto-approved for the
//! signed-in user, or a consent page and its form) and the token endpoint,
//! as RFC 6749 asks.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use partner_core::UnixTime;
use partner_core::encoding::html_escape;
use partner_core::server::oauth::{
    TokenError, client_credentials, redirect_to_client, token_response,
};
use partner_core::server::{FormFields, html_page};
use serde_json::json;

use super::{CODE_LIFETIME, CONSENT_LIFETIME, CodeGrant, ConsentGrant, FakeState, OAuthApp, text};
use crate::ScopeSet;

/// Tokens do not expire on Cloud 66 (until revoked); the store still drops
/// the oldest when full.
const NEVER: UnixTime = UnixTime::from_secs(i64::MAX);

/// A parameter's value, an empty one read as absent (RFC 6749 §3.1).
fn param<'a>(form: &'a FormFields, name: &str) -> Option<&'a str> {
    form.get(name).filter(|v| !v.is_empty())
}

/// The first parameter sent more than once (RFC 6749 §3.1, §3.2).
fn repeated(form: &FormFields) -> Option<String> {
    let mut seen = HashSet::new();
    form.iter().map(|(k, _)| k).find(|k| !seen.insert(*k)).map(str::to_owned)
}

/// A page for the user, never a redirect: the client or its redirect URI
/// cannot be trusted (RFC 6749 §4.1.2.1).
fn refuse_page(message: &str) -> Response {
    text(
        StatusCode::BAD_REQUEST,
        format!(
            "The authorization request was refused: {message}\n\nNothing was sent back to the application.\n"
        ),
    )
}

/// Why an authorize request is refused: a page for the user (the client
/// or its redirect URI cannot be trusted), or an error answer redirected to
/// the client.
enum Refusal {
    Page(&'static str),
    Redirect(Box<Response>),
}

/// An authorize request that passed every check.
struct Checked<'a> {
    app: &'a OAuthApp,
    /// The `redirect_uri` as sent (`None`: omitted, the registered one is
    /// used).
    sent_redirect: Option<&'a str>,
    state: Option<&'a str>,
    scopes: ScopeSet,
}

/// The checks of RFC 6749 §4.1.1 and §4.1.2.1, in order: the client and its
/// redirect URI first (a page when wrong), then everything else (an error
/// sent back to the client).
fn check<'a>(s: &'a FakeState, q: &'a FormFields) -> Result<Checked<'a>, Refusal> {
    let Some(app) = &s.app else { return Err(Refusal::Page("unknown client_id")) };
    if q.count("client_id") > 1 || param(q, "client_id") != Some(app.client_id.as_str()) {
        return Err(Refusal::Page("unknown client_id"));
    }
    // Omitted, the registered one is used (§3.1.2.3: one is registered).
    let sent_redirect = param(q, "redirect_uri");
    if q.count("redirect_uri") > 1 || sent_redirect.is_some_and(|r| r != app.redirect_uri) {
        return Err(Refusal::Page("redirect_uri does not match the application"));
    }
    let state = param(q, "state");
    let back = |error: &str, description: &str| {
        Refusal::Redirect(Box::new(redirect_to_client(
            &app.redirect_uri,
            &[("error", error), ("error_description", description)],
            state,
        )))
    };
    if let Some(name) = repeated(q) {
        return Err(back("invalid_request", &format!("The parameter {name} is repeated.")));
    }
    match param(q, "response_type") {
        None => return Err(back("invalid_request", "The response_type parameter is missing.")),
        Some("code") => {}
        Some(_) => {
            return Err(back(
                "unsupported_response_type",
                "The authorization server does not support this response type.",
            ));
        }
    }
    let scopes = match param(q, "scope").map_or_else(|| ScopeSet::parse("public"), ScopeSet::parse)
    {
        Ok(scopes) if !scopes.is_empty() => scopes,
        _ => {
            return Err(back(
                "invalid_scope",
                "The requested scope is invalid, unknown, or malformed.",
            ));
        }
    };
    Ok(Checked { app, sent_redirect, state, scopes })
}

/// A new code for a checked request, sent to the client (§4.1.2).
fn issue_code(s: &FakeState, checked: Checked<'_>) -> Response {
    let Checked { app, sent_redirect, state, scopes } = checked;
    let code = partner_core::random::token(24);
    let now = s.clock.unix_time();
    let grant = CodeGrant {
        client_id: app.client_id.clone(),
        redirect_uri: sent_redirect.map(str::to_owned),
        scopes,
    };
    s.lock().codes.insert(code.clone(), grant, now.saturating_add(CODE_LIFETIME), now);
    redirect_to_client(&app.redirect_uri, &[("code", &code)], state)
}

pub(super) async fn authorize(
    State(s): State<Arc<FakeState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let q = FormFields::parse_urlencoded(query.unwrap_or_default().as_bytes());
    let checked = match check(&s, &q) {
        Ok(checked) => checked,
        Err(Refusal::Page(message)) => return refuse_page(message),
        Err(Refusal::Redirect(response)) => return *response,
    };
    if s.consent { consent_page(&s, &checked) } else { issue_code(&s, checked) }
}

/// `<input type="hidden">` for `value`, none when it is absent.
fn hidden(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        out.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
            html_escape(name),
            html_escape(value)
        ));
    }
}

/// The consent page of a checked request, with a fresh anti-forgery token
/// bound to it.
fn consent_page(s: &FakeState, checked: &Checked<'_>) -> Response {
    let app = checked.app;
    let scope = checked.scopes.to_string();
    let token = partner_core::random::token(24);
    let grant = ConsentGrant {
        client_id: app.client_id.clone(),
        redirect_uri: checked.sent_redirect.map(str::to_owned),
        scope: scope.clone(),
        state: checked.state.map(str::to_owned),
    };
    let now = s.clock.unix_time();
    s.lock().consents.insert(token.clone(), grant, now.saturating_add(CONSENT_LIFETIME), now);

    let user = s.users.first().map_or_else(
        || "<em>(no signed-in user)</em>".to_owned(),
        |u| format!("{} ({})", html_escape(&u.name), html_escape(&u.email)),
    );
    let mut scopes = String::from("<ul id=\"scopes\">\n");
    for name in scope.split(' ') {
        scopes.push_str(&format!("<li>{}</li>\n", html_escape(name)));
    }
    scopes.push_str("</ul>");
    let mut form = String::from("<form method=\"post\" action=\"/oauth/authorize\">\n");
    hidden(&mut form, "client_id", Some(&app.client_id));
    hidden(&mut form, "redirect_uri", checked.sent_redirect);
    hidden(&mut form, "scope", Some(&scope));
    hidden(&mut form, "state", checked.state);
    hidden(&mut form, "response_type", Some("code"));
    hidden(&mut form, "consent", Some(&token));
    form.push_str(
        "<button id=\"authorize\" name=\"decision\" value=\"authorize\">Authorize</button>\n\
         <button id=\"deny\" name=\"decision\" value=\"deny\">Deny</button>\n</form>",
    );
    let body = format!(
        "<p id=\"user\">{user}</p>\n<p>The application <code id=\"client\">{client}</code> asks for access to your Cloud 66 account with these scopes:</p>\n{scopes}\n{form}",
        client = html_escape(&app.client_id),
    );
    html_page(StatusCode::OK, &format!("Authorize {}", app.client_id), &body)
}

/// A refused consent form: a 400 page, never a redirect.
fn consent_refused(message: &str) -> Response {
    html_page(
        StatusCode::BAD_REQUEST,
        "Authorization refused",
        &format!(
            "<p id=\"error\">{}</p>\n<p>Nothing was sent back to the application.</p>",
            html_escape(message)
        ),
    )
}

/// `POST /oauth/authorize`: the consent form. The request is checked again,
/// the anti-forgery token taken once and compared with the request it was
/// issued for, then the user's decision is sent to the client.
pub(super) async fn consent(State(s): State<Arc<FakeState>>, form: FormFields) -> Response {
    let checked = match check(&s, &form) {
        Ok(checked) => checked,
        Err(Refusal::Page(message)) => return consent_refused(message),
        Err(Refusal::Redirect(response)) => return *response,
    };
    let decision = param(&form, "decision");
    if !matches!(decision, Some("authorize" | "deny")) {
        return consent_refused("decision must be authorize or deny");
    }
    let Some(token) = param(&form, "consent") else {
        return consent_refused("the consent form is missing its token");
    };
    let now = s.clock.unix_time();
    let Some(grant) = s.lock().consents.take(&token.to_owned(), now) else {
        return consent_refused("the consent form is unknown, expired or already used");
    };
    let posted = ConsentGrant {
        client_id: checked.app.client_id.clone(),
        redirect_uri: checked.sent_redirect.map(str::to_owned),
        scope: checked.scopes.to_string(),
        state: checked.state.map(str::to_owned),
    };
    if grant != posted {
        return consent_refused("the consent form does not match the request it was shown for");
    }
    if decision == Some("deny") {
        return redirect_to_client(
            &checked.app.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "The resource owner denied the request."),
            ],
            checked.state,
        );
    }
    issue_code(&s, checked)
}

pub(super) async fn token(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    exchange(&s, &headers, &form).unwrap_or_else(axum::response::IntoResponse::into_response)
}

fn exchange(s: &FakeState, headers: &HeaderMap, form: &FormFields) -> Result<Response, TokenError> {
    let client = client_credentials(headers, form)?;
    let method = client.as_ref().map(|c| c.method());
    if let Some(name) = repeated(form) {
        return Err(TokenError::invalid_request(format!("The parameter {name} is repeated.")));
    }
    let app: &OAuthApp = match (&s.app, &client) {
        (Some(app), Some(c)) if c.matches(&app.client_id, &app.client_secret) => app,
        _ => return Err(TokenError::invalid_client(method)),
    };
    match param(form, "grant_type") {
        None => {
            return Err(TokenError::invalid_request("The grant_type parameter is missing."));
        }
        Some("authorization_code") => {}
        Some(_) => return Err(TokenError::unsupported_grant_type()),
    }
    let Some(code) = param(form, "code") else {
        return Err(TokenError::invalid_request("The code parameter is missing."));
    };
    let now = s.clock.unix_time();
    let mut data = s.lock();
    // Taken whatever follows: a code is tried once.
    let grant = data.codes.take(&code.to_owned(), now).ok_or_else(TokenError::invalid_grant)?;
    let redirect_ok = match (&grant.redirect_uri, param(form, "redirect_uri")) {
        (Some(at_authorize), sent) => sent == Some(at_authorize.as_str()),
        (None, Some(sent)) => sent == app.redirect_uri,
        (None, None) => true,
    };
    if grant.client_id != app.client_id || !redirect_ok {
        return Err(TokenError::invalid_grant());
    }
    let token = partner_core::random::token(32);
    let scope = grant.scopes.to_string();
    data.tokens.insert(token.clone(), grant.scopes, NEVER, now);
    drop(data);
    Ok(token_response(json!({
        "access_token": token,
        "token_type": "bearer",
        "scope": scope,
        "created_at": now.as_secs(),
    })))
}
