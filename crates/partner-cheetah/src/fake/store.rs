//! What the fake holds: its settings, tokens and members, behind one lock.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;
use partner_core::server::ExpiringMap;
use partner_core::{Clock, Secret, UnixTime};

use super::members::{self, MemberInput, Members};
use super::{FakeMember, MAX_INTEGRATION_TOKENS, MAX_MEMBER_TOKENS};

/// Length of the tokens the fake issues: 24 random bytes in URL-safe base64.
const TOKEN_LEN: usize = 32;

/// A token as the fake stores it: its exact text, without an allocation.
pub(super) type TokenKey = [u8; TOKEN_LEN];

pub(super) fn token_key(token: &str) -> Option<TokenKey> {
    token.as_bytes().try_into().ok()
}

/// A new token and its key.
pub(super) fn new_token() -> (String, TokenKey) {
    loop {
        let token = partner_core::random::token(24);
        if let Some(key) = token_key(&token) {
            return (token, key);
        }
    }
}

#[derive(Debug)]
pub(super) struct FakeState {
    pub(super) client_id: String,
    pub(super) client_secret: Secret,
    pub(super) token_lifetime: Duration,
    pub(super) clock: Arc<dyn Clock>,
    data: Mutex<Data>,
    pub(super) token_requests: AtomicU64,
    pub(super) sso_requests: AtomicU64,
}

#[derive(Debug)]
pub(super) struct Data {
    /// Integration tokens and when each expires; each is held for one more
    /// lifetime after that, to answer "expired" rather than "invalid".
    pub(super) integration_tokens: ExpiringMap<TokenKey, UnixTime>,
    pub(super) members: Members,
    /// Member tokens and the member number each signs in.
    pub(super) member_tokens: ExpiringMap<TokenKey, u32>,
}

impl FakeState {
    pub(super) fn new(
        client_id: String,
        client_secret: Secret,
        token_lifetime: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        FakeState {
            client_id,
            client_secret,
            token_lifetime,
            clock,
            data: Mutex::new(Data {
                integration_tokens: ExpiringMap::new(MAX_INTEGRATION_TOKENS),
                members: Members::default(),
                member_tokens: ExpiringMap::new(MAX_MEMBER_TOKENS),
            }),
            token_requests: AtomicU64::new(0),
            sso_requests: AtomicU64::new(0),
        }
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates or updates the member and issues a member token.
    pub(super) fn sign_in(
        &self,
        input: &MemberInput<'_>,
    ) -> Result<(FakeMember, String), members::Refusal> {
        let now = self.clock.unix_time();
        let expires_at = now.saturating_add(self.token_lifetime);
        let (token, key) = new_token();
        let mut data = self.lock();
        let id = data.members.upsert(input)?;
        data.member_tokens.insert(key, id, expires_at, now);
        let member = data
            .members
            .member(id)
            .ok_or((StatusCode::INTERNAL_SERVER_ERROR, "member index out of step"))?;
        Ok((member, token))
    }
}
