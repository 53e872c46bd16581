//! The hub's SSO pages: verify a handoff, create the account, log in.

use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use partner_core::encoding::{html_escape, raw_pairs};
use partner_core::replay::AcceptVerified;
use partner_core::{ErrorKind, HasErrorKind};
use serde_json::Value;
use std::sync::Arc;

use super::state::{FakeAccount, HubState};
use super::{MAX_ACCOUNT_FIELD_BYTES, MAX_ACCOUNTS};

pub(super) fn refuse(status: StatusCode, reason: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("sso refused: {reason}\n"),
    )
        .into_response()
}

/// A refused login: 403, except a full replay guard (kind `unavailable`),
/// which is the hub being busy (503 with `Retry-After`), not the link
/// being bad.
fn refuse_login(err: &crate::Error) -> Response {
    if err.error_kind() == ErrorKind::Unavailable {
        let mut response = refuse(StatusCode::SERVICE_UNAVAILABLE, &err.to_string());
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        return response;
    }
    refuse(StatusCode::FORBIDDEN, &err.to_string())
}

enum Page {
    Home,
    Template(String),
    Widget(String),
}

pub(super) async fn sso(
    State(state): State<Arc<HubState>>,
    method: Method,
    uri: Uri,
    body: String,
) -> Response {
    login(&state, &method, &uri, &body, Page::Home)
}

pub(super) async fn sso_page(
    State(state): State<Arc<HubState>>,
    Path((kind, guid)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    body: String,
) -> Response {
    let page = match kind.as_str() {
        "templates" => Page::Template(guid),
        "widgets" => Page::Widget(guid),
        _ => return refuse(StatusCode::NOT_FOUND, "unknown page"),
    };
    login(&state, &method, &uri, &body, page)
}

fn login(state: &HubState, method: &Method, uri: &Uri, body: &str, page: Page) -> Response {
    let raw = if *method == Method::POST {
        body.trim_end_matches(['\r', '\n'])
    } else {
        uri.query().unwrap_or("")
    };
    let now = state.clock.unix_time();
    let jwt = raw_pairs(raw).find(|p| p.name == "jwt").map(|p| p.value.into_owned());
    let (account_id, account_name) = match jwt {
        Some(token) => match state.jwt.verify(&token, now).accepted() {
            Ok(v) => {
                let claims = v.claims();
                let name = claims
                    .get("accountname")
                    .or_else(|| claims.get("account").and_then(|a| a.get("name")))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                (v.account_id, name)
            }
            Err(err) => return refuse_login(&err),
        },
        None => match state.hash.verify(raw, now).accepted() {
            Ok(v) => (v.account_id().into_owned(), v.get("accountname").map(|n| n.into_owned())),
            Err(err) => return refuse_login(&err),
        },
    };
    let too_long = |v: &str| v.len() > MAX_ACCOUNT_FIELD_BYTES;
    if too_long(&account_id) || account_name.as_deref().is_some_and(too_long) {
        return refuse(StatusCode::BAD_REQUEST, "account id or name is longer than 255 bytes");
    }
    let mut data = state.lock();
    let page_text = match &page {
        Page::Home => "home".to_owned(),
        Page::Template(guid) => {
            if !data.templates.iter().any(|(g, _)| g == guid) {
                return refuse(StatusCode::NOT_FOUND, "unknown template");
            }
            format!("template {guid}")
        }
        Page::Widget(guid) => {
            let owns = data
                .accounts
                .get(&account_id)
                .is_some_and(|a| a.blends.iter().any(|(g, _)| g == guid));
            if !owns {
                return refuse(StatusCode::NOT_FOUND, "no such blend for this account");
            }
            format!("widget {guid}")
        }
    };
    if data.accounts.len() >= MAX_ACCOUNTS && !data.accounts.contains_key(&account_id) {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "account limit of the fake reached");
    }
    let account = data.accounts.entry(account_id.clone()).or_insert_with(|| FakeAccount {
        name: account_name.clone().unwrap_or_else(|| account_id.clone()),
        blends: Vec::new(),
    });
    if let Some(name) = account_name {
        account.name = name;
    }
    let name = account.name.clone();
    data.logins += 1;
    let session = partner_core::random::token(16);
    let html = format!(
        "<!doctype html><html><head><title>Integration hub</title></head><body><h1>Integration hub</h1>\
         <p id=\"account\">{}</p><p id=\"page\">{}</p><p id=\"account-name\">{}</p></body></html>\n",
        html_escape(&account_id),
        html_escape(&page_text),
        html_escape(&name)
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::SET_COOKIE, format!("hub_session={session}; Path=/; HttpOnly; SameSite=None")),
        ],
        html,
    )
        .into_response()
}
