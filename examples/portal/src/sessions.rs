//! Acme's own logins: a session cookie and an in-memory session table
//! (bounded). partner-axum only asks "who is logged in" ([`CurrentUser`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::header;
use axum::http::request::Parts;
use partner_axum::{AppUser, CurrentUser};
use partner_core::encoding::form_encode;

/// The session cookie.
pub const COOKIE: &str = "acme_session";
/// Sessions held at most (the oldest is dropped past it).
const MAX_SESSIONS: usize = 10_000;

/// A logged-in user and how they logged in.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub user: AppUser,
    /// `password` or `cloud66`.
    pub via: &'static str,
}

/// The session table.
#[derive(Debug, Clone, Default)]
pub struct Sessions {
    table: Arc<Mutex<Table>>,
}

/// The sessions by id, and their ids oldest first.
type Table = (HashMap<String, Session>, std::collections::VecDeque<String>);

impl Sessions {
    /// Starts a session; the `Set-Cookie` value to send.
    pub fn start(&self, user: AppUser, via: &'static str) -> String {
        let id = partner_core::random::token(24);
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if table.0.len() >= MAX_SESSIONS
            && let Some(oldest) = table.1.pop_front()
        {
            table.0.remove(&oldest);
        }
        table.0.insert(id.clone(), Session { user, via });
        table.1.push_back(id.clone());
        format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax")
    }

    /// Ends the request's session; the `Set-Cookie` value that clears it.
    pub fn end(&self, parts: &Parts) -> String {
        if let Some(id) = session_id(parts) {
            let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
            table.0.remove(&id);
            table.1.retain(|s| *s != id);
        }
        format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }

    /// The request's session.
    pub fn session(&self, parts: &Parts) -> Option<Session> {
        let id = session_id(parts)?;
        self.table.lock().unwrap_or_else(PoisonError::into_inner).0.get(&id).cloned()
    }
}

fn session_id(parts: &Parts) -> Option<String> {
    parts.headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        v.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE && !value.is_empty()).then(|| value.to_owned())
        })
    })
}

impl CurrentUser for Sessions {
    async fn current_user(&self, parts: &Parts) -> Option<AppUser> {
        self.session(parts).map(|s| s.user)
    }

    fn login_url(&self, return_to: &str) -> String {
        format!("/login?{}", form_encode([("return_to", return_to)]))
    }
}

/// `return_to` if it is a path on this site, else `/` (no open redirect).
pub fn local_path(return_to: &str) -> &str {
    let local = return_to.starts_with('/')
        && !return_to.starts_with("//")
        && !return_to.contains(['\\', '\r', '\n']);
    if local { return_to } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_stays_on_site() {
        assert_eq!(local_path("/ovhcloud/connect?x=1"), "/ovhcloud/connect?x=1");
        for bad in ["https://evil.example/", "//evil.example/", "/\\evil.example", "evil"] {
            assert_eq!(local_path(bad), "/", "{bad}");
        }
    }
}
