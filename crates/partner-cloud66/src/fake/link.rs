//! The user-integration handoff: the dashboard click, the partner endpoint
//! (provisioning) and the callback page.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use partner_core::encoding::{form_decode, form_encode};
use serde_json::Value;

use super::{FakeState, Partner, text, with_query};

pub(super) async fn start_link(
    State(s): State<Arc<FakeState>>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(partner) = s.partner(&name) else {
        return text(StatusCode::NOT_FOUND, "unknown partner");
    };
    let user =
        q.get("uid").and_then(|uid| s.users.iter().find(|u| u.uid == *uid)).or(s.users.first());
    let Some(user) = user else { return text(StatusCode::NOT_FOUND, "no user") };
    let callback = format!("{}/integrations/{}/done", s.base, partner.name);
    let query = form_encode([
        ("uid", user.uid.as_str()),
        ("email", user.email.as_str()),
        ("callback", callback.as_str()),
    ]);
    Redirect::to(&with_query(&partner.link_url, &query)).into_response()
}

pub(super) async fn link_done(Path(name): Path<String>) -> Response {
    text(StatusCode::OK, format!("integration {name} finished"))
}

pub(super) async fn link(
    State(s): State<Arc<FakeState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let Some(partner) = s.partner(&name) else {
        return text(StatusCode::NOT_FOUND, "unknown partner endpoint");
    };
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let fields: HashMap<String, String> = if is_json {
        match serde_json::from_str::<Value>(&body) {
            Ok(Value::Object(obj)) => {
                obj.into_iter().filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned()))).collect()
            }
            _ => HashMap::new(),
        }
    } else {
        form_decode(&body).into_iter().collect()
    };
    match provision(
        &s,
        partner,
        fields.get("link_uid").map(String::as_str),
        fields.get("user_email").map(String::as_str),
    ) {
        Ok(()) => text(StatusCode::OK, "service added"),
        Err(refusal) => text(StatusCode::FORBIDDEN, refusal),
    }
}

/// What the partner endpoint does with `link_uid` and `user_email`: links
/// the user, or the documented 403 text.
pub(super) fn provision(
    s: &FakeState,
    partner: &Partner,
    link_uid: Option<&str>,
    user_email: Option<&str>,
) -> Result<(), String> {
    let Some(uid) = link_uid.filter(|v| !v.is_empty()) else {
        return Err("link_uid is missing".to_owned());
    };
    let Some(email) = user_email.filter(|v| !v.is_empty()) else {
        return Err("user_email is missing".to_owned());
    };
    let Some(user) = s.users.iter().find(|u| u.uid == uid) else {
        return Err("invalid link_uid".to_owned());
    };
    if !user.email.eq_ignore_ascii_case(email) {
        return Err("invalid user_email (invalid email or not enough privileges to accept this integration by this user).".to_owned());
    }
    if !s.lock().linked.insert(user.uid.clone()) {
        return Err(format!("{} is already linked to this account", partner.name));
    }
    Ok(())
}
