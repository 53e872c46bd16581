//! Consumer keys: `POST /1.0/auth/credential` and the bounded store of
//! keys, pending and decided, with the index of single-use validation
//! tokens.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use partner_core::UnixTime;
use partner_core::server::ExpiringMap;
use serde_json::{Value, json};

use super::{
    FakeState, MAX_CREDENTIALS, MAX_PENDING_CREDENTIALS, MAX_REDIRECTION_BYTES, MAX_RULE_BYTES,
    MAX_RULES, PENDING_LIFETIME, ovh_error, with_query_id,
};
use crate::{AccessRule, CredentialState};

/// Entries of a map that never expire on their own.
const NEVER: UnixTime = UnixTime::from_secs(i64::MAX);

/// A consumer key as the fake keeps it.
#[derive(Debug, Clone)]
pub(super) struct FakeCredential {
    pub(super) id: u64,
    pub(super) state: CredentialState,
    pub(super) rules: Box<[AccessRule]>,
    pub(super) redirection: Option<Box<str>>,
    pub(super) creation: UnixTime,
    /// When a validated key stops working (`None`: unlimited validity).
    pub(super) expiration: Option<UnixTime>,
}

impl FakeCredential {
    /// Its state at `now`: a validated key past its expiration is expired.
    pub(super) fn state_at(&self, now: UnixTime) -> CredentialState {
        match (&self.state, self.expiration) {
            (CredentialState::Validated, Some(end)) if now >= end => CredentialState::Expired,
            (state, _) => state.clone(),
        }
    }
}

/// What the customer decided on the validation page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// Validated, for `validity` (`None`: unlimited).
    Authorize { validity: Option<Duration> },
    /// Refused.
    Refuse,
}

#[derive(Debug)]
struct Pending {
    token: Box<str>,
    credential: FakeCredential,
}

/// Pending keys (expiring after [`PENDING_LIFETIME`]), the validation
/// token index, and decided keys; each bounded, each looked up by key.
#[derive(Debug)]
pub(super) struct CredentialStore {
    /// Consumer key -> a key waiting for the customer.
    pending: ExpiringMap<String, Pending>,
    /// Validation token -> consumer key; taken (single use) on a decision.
    tokens: ExpiringMap<String, String>,
    /// Consumer key -> a validated, refused or expired key.
    decided: ExpiringMap<String, FakeCredential>,
}

impl CredentialStore {
    pub(super) fn new() -> Self {
        CredentialStore {
            pending: ExpiringMap::new(MAX_PENDING_CREDENTIALS),
            tokens: ExpiringMap::new(MAX_PENDING_CREDENTIALS),
            decided: ExpiringMap::new(MAX_CREDENTIALS),
        }
    }

    /// Stores a new pending key reachable by its validation token.
    fn insert_pending(&mut self, ck: String, token: String, credential: FakeCredential) {
        let now = credential.creation;
        let until = now.saturating_add(PENDING_LIFETIME);
        self.tokens.insert(token.clone(), ck.clone(), until, now);
        self.pending.insert(ck, Pending { token: token.into(), credential }, until, now);
    }

    /// The key `ck` and its state at `now`, pending or decided.
    pub(super) fn get(
        &self,
        ck: &str,
        now: UnixTime,
    ) -> Option<(CredentialState, &FakeCredential)> {
        let key = ck.to_owned();
        if let Some(c) = self.decided.get(&key, now) {
            return Some((c.state_at(now), c));
        }
        self.pending.get(&key, now).map(|p| (p.credential.state.clone(), &p.credential))
    }

    /// The key still waiting for a decision behind validation token
    /// `token` (empty, unknown, used and expired tokens give `None`).
    pub(super) fn pending_by_token(&self, token: &str, now: UnixTime) -> Option<&FakeCredential> {
        if token.is_empty() {
            return None;
        }
        let ck = self.tokens.get(&token.to_owned(), now)?;
        self.pending
            .get(ck, now)
            .filter(|p| *p.token == *token)
            .map(|p| &p.credential)
            .filter(|c| c.state == CredentialState::PendingValidation)
    }

    /// Applies the customer's decision through validation token `token`,
    /// which is used up whatever happens. `None` when it led to no key
    /// waiting for a decision.
    pub(super) fn decide_token(
        &mut self,
        token: &str,
        decision: Decision,
        now: UnixTime,
    ) -> Option<FakeCredential> {
        if token.is_empty() {
            return None;
        }
        let ck = self.tokens.take(&token.to_owned(), now)?;
        let waiting = self.pending.get(&ck, now).is_some_and(|p| *p.token == *token);
        if !waiting {
            return None;
        }
        self.decide_key(&ck, decision, now)
    }

    /// Applies the customer's decision to the pending key `ck` (its
    /// validation token is used up). `None` when `ck` is not waiting for a
    /// decision.
    pub(super) fn decide_key(
        &mut self,
        ck: &str,
        decision: Decision,
        now: UnixTime,
    ) -> Option<FakeCredential> {
        let key = ck.to_owned();
        let waiting = self
            .pending
            .get(&key, now)
            .is_some_and(|p| p.credential.state == CredentialState::PendingValidation);
        if !waiting {
            return None;
        }
        let Pending { token, mut credential } = self.pending.take(&key, now)?;
        self.tokens.remove(&token.into_string());
        match decision {
            Decision::Authorize { validity } => {
                credential.state = CredentialState::Validated;
                credential.expiration = validity.map(|v| now.saturating_add(v));
            }
            Decision::Refuse => credential.state = CredentialState::Refused,
        }
        self.decided.insert(key, credential.clone(), NEVER, now);
        Some(credential)
    }

    /// Every key expires; pending ones can no longer be validated.
    pub(super) fn expire_all(&mut self) {
        for c in self.decided.values_mut() {
            if c.state == CredentialState::Validated {
                c.state = CredentialState::Expired;
            }
        }
        for p in self.pending.values_mut() {
            p.credential.state = CredentialState::Expired;
        }
    }

    /// Forgets the key `ck` (logout).
    pub(super) fn remove(&mut self, ck: &str) {
        let key = ck.to_owned();
        self.decided.remove(&key);
        if let Some(p) = self.pending.remove(&key) {
            self.tokens.remove(&p.token.into_string());
        }
    }
}

/// The access rules and redirection of a credential request.
type Requested = (Box<[AccessRule]>, Option<Box<str>>);

/// The access rules and redirection of a credential request, checked
/// against the fake's limits.
fn parse_request(body: &[u8]) -> Result<Requested, &'static str> {
    let parsed: Value = serde_json::from_slice(body).map_err(|_| "Invalid body")?;
    let rules: Vec<AccessRule> = parsed
        .get("accessRules")
        .cloned()
        .and_then(|r| serde_json::from_value(r).ok())
        .ok_or("Invalid accessRules")?;
    if rules.is_empty() || rules.iter().any(|r| !r.path.starts_with('/')) {
        return Err("Invalid accessRules");
    }
    if rules.len() > MAX_RULES || rules.iter().map(|r| r.path.len()).sum::<usize>() > MAX_RULE_BYTES
    {
        return Err("Too many accessRules for the fake (see its limits)");
    }
    let redirection = match parsed.get("redirection") {
        None | Some(Value::Null) => None,
        Some(Value::String(url)) => {
            let ok = url.len() <= MAX_REDIRECTION_BYTES
                && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
                && HeaderValue::from_str(url).is_ok();
            if !ok {
                return Err("Invalid redirection");
            }
            Some(url.as_str().into())
        }
        Some(_) => return Err("Invalid redirection"),
    };
    Ok((rules.into_boxed_slice(), redirection))
}

/// `POST /1.0/auth/credential`: a new consumer key waiting for the
/// customer, and its validation URL.
pub(super) async fn request_credential(
    State(s): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let qid = s.query_id();
    if headers.get("x-ovh-application").map(HeaderValue::as_bytes)
        != Some(s.application_key.as_bytes())
    {
        return with_query_id(
            ovh_error(StatusCode::FORBIDDEN, "INVALID_KEY", "Invalid application key"),
            qid,
        );
    }
    let (rules, redirection) = match parse_request(&body) {
        Ok(parsed) => parsed,
        Err(message) => {
            return with_query_id(
                ovh_error(StatusCode::BAD_REQUEST, "INVALID_PARAMETERS", message),
                qid,
            );
        }
    };
    let ck = partner_core::random::token(24);
    let token = partner_core::random::token(32);
    let validation_url = format!("{}/auth/?credentialToken={token}", s.origin(&headers));
    let now = s.now();
    let mut data = s.lock();
    let id = data.next_id();
    let credential = FakeCredential {
        id,
        state: CredentialState::PendingValidation,
        rules,
        redirection,
        creation: now,
        expiration: None,
    };
    data.credentials.insert_pending(ck.clone(), token, credential);
    drop(data);
    with_query_id(
        Json(json!({"state": "pendingValidation", "consumerKey": ck, "validationUrl": validation_url}))
            .into_response(),
        qid,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(store: &mut CredentialStore, ck: &str, token: &str, now: UnixTime) {
        let credential = FakeCredential {
            id: 1,
            state: CredentialState::PendingValidation,
            rules: Box::new([]),
            redirection: None,
            creation: now,
            expiration: None,
        };
        store.insert_pending(ck.to_owned(), token.to_owned(), credential);
    }

    #[test]
    fn tokens_are_single_use_and_never_empty() {
        let now = UnixTime::from_secs(1_000);
        let mut store = CredentialStore::new();
        pending(&mut store, "ck", "tok", now);
        let authorize = Decision::Authorize { validity: None };
        assert!(store.decide_token("", authorize, now).is_none());
        assert!(store.pending_by_token("tok", now).is_some());
        assert!(store.decide_token("tok", authorize, now).is_some());
        assert!(store.decide_token("tok", authorize, now).is_none(), "used");
        assert!(store.pending_by_token("tok", now).is_none());
        store.expire_all();
        assert!(store.decide_token("tok", authorize, now).is_none());
        assert!(store.decide_key("ck", authorize, now).is_none(), "decided already");
        assert_eq!(store.get("ck", now).unwrap().0, CredentialState::Expired);
    }

    #[test]
    fn pending_keys_expire_and_validity_ends() {
        let now = UnixTime::from_secs(1_000);
        let mut store = CredentialStore::new();
        pending(&mut store, "ck", "tok", now);
        let later = now.saturating_add(PENDING_LIFETIME);
        assert!(store.get("ck", later).is_none());
        assert!(store.pending_by_token("tok", later).is_none());
        assert!(store.decide_token("tok", Decision::Refuse, later).is_none());

        pending(&mut store, "ck2", "tok2", now);
        let hour = Some(Duration::from_secs(3_600));
        assert!(store.decide_key("ck2", Decision::Authorize { validity: hour }, now).is_some());
        assert_eq!(store.get("ck2", now).unwrap().0, CredentialState::Validated);
        assert_eq!(store.get("ck2", later).unwrap().0, CredentialState::Expired);
        assert!(store.decide_token("tok2", Decision::Refuse, now).is_none(), "token went too");
    }

    #[test]
    fn requests_are_bounded() {
        let rule = |path: &str| json!({"method": "GET", "path": path});
        let body = |rules: Vec<Value>| serde_json::to_vec(&json!({"accessRules": rules})).unwrap();
        assert!(parse_request(&body(vec![rule("/me")])).is_ok());
        assert!(parse_request(&body(vec![])).is_err());
        assert!(parse_request(&body(vec![rule("me")])).is_err());
        assert!(parse_request(&body(vec![rule("/me"); MAX_RULES + 1])).is_err());
        assert!(
            parse_request(&body(vec![rule(&format!("/{}", "a".repeat(MAX_RULE_BYTES)))])).is_err()
        );
        let with = |r: &str| {
            serde_json::to_vec(&json!({"accessRules": [rule("/me")], "redirection": r})).unwrap()
        };
        assert!(parse_request(&with("https://partner.example/done")).is_ok());
        assert!(parse_request(&with("javascript:alert(1)")).is_err());
        assert!(parse_request(&with("not a url")).is_err());
        assert!(parse_request(&with(&format!("https://x.example/{}", "a".repeat(1_024)))).is_err());
        assert!(parse_request(b"not json").is_err());
    }
}
