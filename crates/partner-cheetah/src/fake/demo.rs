//! `GET /demo`: a customer page that signs the member in and embeds
//! `stellar_member_state`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::members::MemberInput;
use super::store::FakeState;
use crate::MemberState;

pub(super) async fn demo(
    State(state): State<Arc<FakeState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| q.get(name).map_or("", String::as_str);
    let input = MemberInput {
        integration_id: field("integration_id"),
        first_name: field("first_name"),
        last_name: field("last_name"),
        email: field("email"),
        match_by: q.get("match_by").map(String::as_str),
    };
    let member_state = match state.sign_in(&input) {
        Ok((m, token)) => {
            let full = format!("{} {}", m.first_name, m.last_name).trim().to_owned();
            MemberState::signed_in(token, "", m.first_name, full)
        }
        Err(_) => MemberState::failed("sso_rejected"),
    };
    let script = match member_state.to_script_element(None) {
        Ok(s) => s,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Customer page</title>{script}</head>\
         <body><h1>Welcome, <span id=\"greeting\"></span></h1>\
         <script>/* stand-in for the Cheetah JS SDK */\
         document.getElementById('greeting').textContent = stellar_member_state.sso_error ? 'guest' : stellar_member_state.short_name;\
         </script></body></html>\n"
    ))
    .into_response()
}
