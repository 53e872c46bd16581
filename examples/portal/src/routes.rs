//! Acme's pages and the partner-axum pieces they mount.

use axum::extract::{FromRef, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router, middleware};
use partner_axum::blendr::{BlendrHub, HubAccount, HubHandoff, SilentFlowServer};
use partner_axum::cheetah::CheetahMember;
use partner_axum::cloud66::{Cloud66Handoffs, MultipassLogin};
use partner_axum::ovhcloud::OvhConnect;
use partner_axum::teapplix::TeapplixOpen;
use partner_axum::{
    AppUser, CspNonce, CurrentUser, NoncedHtml, Problem, ProblemPages, render_problem_pages,
};
use partner_blendr::SsoPage;
use partner_core::encoding::html_escape;
use serde_json::Value;
use std::collections::HashMap;

use crate::html::{html, page, problem_page};
use crate::sessions::{Sessions, local_path};

/// The Teapplix account every Acme customer is paired with on the fake.
pub const TEAPPLIX_ACCOUNT: &str = "ps-42";

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// Logins.
    pub sessions: Sessions,
    /// Cloud 66 arrival and multipass.
    pub cloud66: Cloud66Handoffs,
    /// OVHcloud connect.
    pub ovh: OvhConnect,
    /// The Blendr hub.
    pub hub: BlendrHub,
    /// The Blendr silent flow.
    pub silent: SilentFlowServer,
    /// Teapplix.
    pub teapplix: TeapplixOpen,
    /// Cheetah.
    pub cheetah: CheetahMember,
    /// Links to the fakes' own pages (where flows start on the platform).
    pub links: PlatformLinks,
}

/// Where flows that start on a platform start.
#[derive(Debug, Clone)]
pub struct PlatformLinks {
    /// Cloud 66's "link" button.
    pub cloud66_link: String,
    /// Cloud 66's "sign in to Acme" button.
    pub cloud66_signin: String,
    /// Blendr's "connect" page.
    pub blendr_connect: String,
}

impl FromRef<AppState> for Cloud66Handoffs {
    fn from_ref(state: &AppState) -> Self {
        state.cloud66.clone()
    }
}

/// The portal's router.
pub fn router(state: AppState) -> Router {
    let users = state.sessions.clone();
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/cloud66/multipass", get(multipass))
        .route("/ovhcloud/me", get(ovh_me))
        .route("/blendr/open", get(blendr_open))
        .route("/teapplix/open", get(teapplix_open))
        .route("/cheetah/member", get(cheetah_member))
        .nest("/cloud66/link", state.cloud66.link_router(users.clone()))
        .nest("/ovhcloud/connect", state.ovh.router(users.clone()))
        .nest("/blendr/oauth", state.silent.router(users))
        .with_state(state)
        .layer(middleware::from_fn_with_state(
            ProblemPages::new(problem_page),
            render_problem_pages,
        ))
}

fn link(id: &str, href: &str, text: &str) -> String {
    format!("<li><a id=\"{id}\" href=\"{}\">{}</a></li>\n", html_escape(href), html_escape(text))
}

async fn home(State(s): State<AppState>, parts: Parts) -> Response {
    let Some(session) = s.sessions.session(&parts) else {
        let body = format!(
            "<p>You are not logged in.</p><ul>{}{}</ul>",
            link("login", "/login", "Log in"),
            link("cloud66-signin", &s.links.cloud66_signin, "Sign in with Cloud 66 (multipass)")
        );
        return html("Welcome", &body).into_response();
    };
    let user = &session.user;
    let body = format!(
        "<p>Logged in as <strong id=\"user\">{email}</strong> ({name}) via \
         <code id=\"signed-in-via\">{via}</code>.</p>\
         <form method=\"post\" action=\"/logout\"><button id=\"logout\" type=\"submit\">Log out</button></form>\
         <h2>Your integrations</h2><ul>\n{links}</ul>\
         <h2>Flows that start on the platform</h2><ul>\n{platform}</ul>",
        email = html_escape(&user.email),
        name = html_escape(&user.name),
        via = session.via,
        links = [
            link("connect-ovh", "/ovhcloud/connect", "Connect OVHcloud"),
            link("ovh-me", "/ovhcloud/me", "Your OVHcloud account"),
            link("open-blendr-hash", "/blendr/open?link=hash", "Open the Blendr hub (hash link)"),
            link("open-blendr-jwt", "/blendr/open?link=jwt", "Open the Blendr hub (JWT link)"),
            link(
                "open-blendr-post",
                "/blendr/open?link=post",
                "Open the Blendr hub (JWT in a POST form)"
            ),
            link("open-teapplix", "/teapplix/open", "Open Teapplix"),
            link("cheetah-member", "/cheetah/member", "Your Cheetah loyalty page"),
        ]
        .concat(),
        platform = [
            link("cloud66-link", &s.links.cloud66_link, "Cloud 66: link Acme to your account"),
            link("blendr-connect", &s.links.blendr_connect, "Blendr: connect your Acme account"),
        ]
        .concat(),
    );
    html("Acme portal", &body).into_response()
}

async fn login_page(Query(q): Query<HashMap<String, String>>) -> Response {
    let return_to = local_path(q.get("return_to").map_or("/", String::as_str));
    let body = format!(
        "<form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"return_to\" value=\"{}\">\
         <p><label>E-mail <input id=\"email\" name=\"email\" value=\"alice@acme.test\"></label></p>\
         <p><label>Name <input id=\"name\" name=\"name\" value=\"Alice Example\"></label></p>\
         <p><button id=\"login-submit\" type=\"submit\">Log in</button></p></form>\
         <p><small>A demo login: any address is accepted.</small></p>",
        html_escape(return_to)
    );
    html("Log in", &body).into_response()
}

async fn login(State(s): State<AppState>, Form(form): Form<HashMap<String, String>>) -> Response {
    let email = form.get("email").map_or("", |e| e.trim());
    let name = form.get("name").map_or("", |n| n.trim());
    if !partner_cloud66::is_valid_email(email) || name.is_empty() || name.len() > 200 {
        let problem = Problem::new(
            StatusCode::BAD_REQUEST,
            "Cannot log in",
            "give a valid e-mail address and a name",
        );
        return (problem.status(), axum::response::Html(problem_page(&problem))).into_response();
    }
    let id = email.split('@').next().unwrap_or(email).to_owned();
    let cookie = s.sessions.start(AppUser::new(id, name, email), "password");
    let to = local_path(form.get("return_to").map_or("/", String::as_str)).to_owned();
    ([(header::SET_COOKIE, cookie)], Redirect::to(&to)).into_response()
}

async fn logout(State(s): State<AppState>, parts: Parts) -> Response {
    ([(header::SET_COOKIE, s.sessions.end(&parts))], Redirect::to("/")).into_response()
}

/// Cloud 66 signs a user in: verified, consumed once, then a session.
async fn multipass(
    State(s): State<AppState>,
    MultipassLogin(identity): MultipassLogin,
) -> Response {
    let email = identity.email().unwrap_or_default().to_owned();
    let name = identity.name().unwrap_or(&email).to_owned();
    let id = format!("c66-{}", email.split('@').next().unwrap_or_default());
    let cookie = s.sessions.start(AppUser::new(id, name, email), "cloud66");
    // 303 away, so the token leaves the address bar and history.
    ([(header::SET_COOKIE, cookie)], partner_axum::SignedRedirect::to("/")).into_response()
}

async fn require_user(s: &AppState, parts: &Parts) -> Result<AppUser, Response> {
    match s.sessions.current_user(parts).await {
        Some(user) => Ok(user),
        None => {
            let here = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
            Err(Redirect::to(&s.sessions.login_url(here)).into_response())
        }
    }
}

async fn ovh_me(State(s): State<AppState>, parts: Parts) -> Result<Response, Response> {
    let user = require_user(&s, &parts).await?;
    let Some(client) = s.ovh.client_for(&user).await.map_err(IntoResponse::into_response)? else {
        let body = "<p>Not connected yet.</p><p><a id=\"connect-ovh\" href=\"/ovhcloud/connect\">Connect OVHcloud</a></p>";
        return Ok(html("Your OVHcloud account", body).into_response());
    };
    let credential =
        client.current_credential().await.map_err(|e| Problem::from(e).into_response())?;
    let me: Value = client.get("/me").await.map_err(|e| Problem::from(e).into_response())?;
    let status = serde_json::to_value(&credential.status).ok();
    let body = format!(
        "<p>Consumer key <code id=\"ovh-status\">{}</code>, credential {}.</p>\
         <p>Account <code id=\"ovh-nichandle\">{}</code> ({})</p>",
        html_escape(status.as_ref().and_then(Value::as_str).unwrap_or("unknown")),
        credential.credential_id,
        html_escape(me["nichandle"].as_str().unwrap_or_default()),
        html_escape(me["email"].as_str().unwrap_or_default()),
    );
    Ok(html("Your OVHcloud account", &body).into_response())
}

async fn blendr_open(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    parts: Parts,
) -> Result<Response, Response> {
    let user = require_user(&s, &parts).await?;
    let how = match q.get("link").map(String::as_str) {
        Some("jwt") => HubHandoff::JwtLink,
        Some("post") => HubHandoff::JwtPost,
        Some("hash-post") => HubHandoff::HashPost,
        _ => HubHandoff::HashLink,
    };
    let account = HubAccount::new(format!("acme-{}", user.id), format!("Acme ({})", user.name));
    s.hub.open(how, &SsoPage::Home, &account, &user).map_err(IntoResponse::into_response)
}

async fn teapplix_open(State(s): State<AppState>, parts: Parts) -> Result<Response, Response> {
    require_user(&s, &parts).await?;
    s.teapplix
        .open(TEAPPLIX_ACCOUNT)
        .await
        .map(IntoResponse::into_response)
        .map_err(IntoResponse::into_response)
}

async fn cheetah_member(State(s): State<AppState>, parts: Parts) -> Result<Response, Response> {
    let user = require_user(&s, &parts).await?;
    let nonce = CspNonce::new();
    let (state, element) =
        s.cheetah.script_element(&user, &nonce).await.map_err(IntoResponse::into_response)?;
    let status = if state.sso_error.is_empty() { "signed-in" } else { "failed" };
    let body = format!(
        "<p>Member state: <code id=\"member-state-status\">{status}</code></p>\
         <p>Hello, <span id=\"greeting\">(the loyalty widget needs JavaScript)</span>.</p>\
         <script nonce=\"{n}\">/* stand-in for the Cheetah JS SDK: it reads the page state */\
         document.getElementById('greeting').textContent = \
         stellar_member_state.sso_error ? 'guest' : stellar_member_state.short_name;</script>",
        n = nonce.as_str()
    );
    let html =
        page("Your loyalty page", &body).replacen("</head>", &format!("{element}</head>"), 1);
    Ok(NoncedHtml::new(html, &nonce).into_response())
}
