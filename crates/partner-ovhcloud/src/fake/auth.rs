//! How the fake authenticates a call to the API, as the API does: a bearer
//! token of a service account, or the application key, a known consumer
//! key, a signature over the URL and body within 300 s, a validated key,
//! and the key's access rules. Each check refuses with the API's error.

use axum::http::{HeaderMap, Method as HttpMethod, StatusCode, Uri};
use axum::response::Response;
use partner_core::server::oauth::{bearer_challenge, bearer_token};
use partner_core::{ErrorKind, UnixTime};

use super::credentials::FakeCredential;
use super::oauth::{REALM, bearer_is_valid, invalid_token};
use super::{FakeState, ovh_error};
use crate::{
    ConsumerKey, CredentialState, Method, SignatureHeaders, SignedRequest, default_policy, verify,
};

/// Who made a call.
pub(super) enum Caller {
    /// A customer's consumer key, validated.
    Consumer { ck: String, credential: FakeCredential },
    /// An OAuth2 service account's bearer token.
    ServiceAccount,
}

/// The API's answer to a call it refuses.
pub(super) type Refusal = Box<Response>;

fn refuse(status: StatusCode, code: &str, message: &str) -> Refusal {
    Box::new(ovh_error(status, code, message))
}

/// A call as received.
pub(super) struct Received<'a> {
    pub(super) method: &'a HttpMethod,
    /// The method, as an access rule names it.
    pub(super) api_method: Method,
    /// The path under `/1.0` (or the whole path, `/v2/...`).
    pub(super) path: &'a str,
    pub(super) uri: &'a Uri,
    pub(super) headers: &'a HeaderMap,
    pub(super) body: &'a [u8],
}

impl Received<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Who made the call, or the API's refusal.
pub(super) fn authenticate(s: &FakeState, call: &Received<'_>) -> Result<Caller, Refusal> {
    if let Some(token) = bearer_token(call.headers) {
        return if bearer_is_valid(s, token) {
            Ok(Caller::ServiceAccount)
        } else {
            Err(Box::new(invalid_token()))
        };
    }
    let signed = signed_headers(s, call)?;
    let now = s.now();
    let (state, credential) = known_key(s, signed.consumer_key, now)?;
    check_signature(s, call, &signed, now)?;
    check_grant(&state, &credential, call)?;
    Ok(Caller::Consumer { ck: signed.consumer_key.to_owned(), credential })
}

/// The signature headers of a call.
struct Signed<'a> {
    consumer_key: &'a str,
    timestamp: &'a str,
    signature: &'a str,
}

/// The application key checked, and the three other headers of a signed call.
fn signed_headers<'a>(s: &FakeState, call: &'a Received<'a>) -> Result<Signed<'a>, Refusal> {
    if call.header("x-ovh-application") != Some(s.application_key.as_str()) {
        return Err(refuse(StatusCode::FORBIDDEN, "INVALID_KEY", "Invalid application key"));
    }
    match (
        call.header("x-ovh-consumer"),
        call.header("x-ovh-timestamp"),
        call.header("x-ovh-signature"),
    ) {
        (Some(consumer_key), Some(timestamp), Some(signature)) => {
            Ok(Signed { consumer_key, timestamp, signature })
        }
        _ => {
            let refusal =
                ovh_error(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED", "You must login first");
            Err(Box::new(bearer_challenge(refusal, REALM, None)))
        }
    }
}

/// The consumer key's state and credential, if the fake knows it.
fn known_key(
    s: &FakeState,
    ck: &str,
    now: UnixTime,
) -> Result<(CredentialState, FakeCredential), Refusal> {
    s.lock().credentials.get(ck, now).map(|(state, c)| (state, c.clone())).ok_or_else(|| {
        refuse(StatusCode::FORBIDDEN, "NOT_CREDENTIAL", "This credential does not exist")
    })
}

/// The URLs a client may have signed: the URL as addressed, and the
/// canonical https URL that clients behind a TLS proxy (or node-ovh)
/// sign, since the real API only ever sees https.
fn signed_urls(call: &Received<'_>) -> [String; 3] {
    let host = call.header("host").unwrap_or("");
    let target = call.uri.path_and_query().map_or(call.uri.path(), |pq| pq.as_str());
    let bare_host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    [
        format!("http://{host}{target}"),
        format!("https://{host}{target}"),
        format!("https://{bare_host}{target}"),
    ]
}

/// `INVALID_SIGNATURE` unless one of the [`signed_urls`] was signed;
/// `QUERY_TIME_OUT` when the timestamp is more than 300 s off.
fn check_signature(
    s: &FakeState,
    call: &Received<'_>,
    signed: &Signed<'_>,
    now: UnixTime,
) -> Result<(), Refusal> {
    let invalid = || refuse(StatusCode::BAD_REQUEST, "INVALID_SIGNATURE", "Invalid signature");
    let headers =
        SignatureHeaders::parse(signed.timestamp, signed.signature).map_err(|_| invalid())?;
    let consumer_key = ConsumerKey::new(signed.consumer_key).map_err(|_| invalid())?;
    let policy = default_policy();
    let outcome = signed_urls(call)
        .iter()
        .map(|url| {
            let request = SignedRequest { method: call.method.as_str(), url, body: call.body };
            verify(&s.application_secret, &consumer_key, &request, &headers, now, &policy)
                .map_err(|err| err.error_kind())
        })
        .find(|r| !matches!(r, Err(ErrorKind::BadSignature | ErrorKind::Malformed)));
    match outcome {
        Some(Ok(_)) => Ok(()),
        Some(Err(ErrorKind::Expired | ErrorKind::NotYetValid)) => {
            Err(refuse(StatusCode::BAD_REQUEST, "QUERY_TIME_OUT", "Query out of time"))
        }
        _ => Err(invalid()),
    }
}

/// `INVALID_CREDENTIAL` for a key that is not validated; `NOT_GRANTED_CALL`
/// for a call outside its rules.
fn check_grant(
    state: &CredentialState,
    credential: &FakeCredential,
    call: &Received<'_>,
) -> Result<(), Refusal> {
    if *state != CredentialState::Validated {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "INVALID_CREDENTIAL",
            "This credential is not valid",
        ));
    }
    let granted = always_granted(call.api_method, call.path)
        || credential.rules.iter().any(|r| r.allows(call.api_method, call.path));
    if granted {
        Ok(())
    } else {
        Err(refuse(StatusCode::FORBIDDEN, "NOT_GRANTED_CALL", "This call has not been granted"))
    }
}

/// Calls any validated consumer key may make whatever its access rules,
/// as on the real API: reading its own credential and revoking it.
fn always_granted(method: Method, path: &str) -> bool {
    matches!(
        (method, path),
        (Method::Get, "/auth/currentCredential") | (Method::Post, "/auth/logout")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_credential_and_logout_skip_the_rules() {
        assert!(always_granted(Method::Get, "/auth/currentCredential"));
        assert!(always_granted(Method::Post, "/auth/logout"));
        assert!(!always_granted(Method::Delete, "/auth/currentCredential"));
        assert!(!always_granted(Method::Get, "/auth/logout"));
        assert!(!always_granted(Method::Get, "/auth/currentCredential/x"));
        assert!(!always_granted(Method::Get, "/me"));
    }

    #[test]
    fn signed_urls_are_as_addressed_and_canonical() {
        let uri: Uri = "/1.0/me?a=b".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:8080".parse().unwrap());
        let call = Received {
            method: &HttpMethod::GET,
            api_method: Method::Get,
            path: "/me",
            uri: &uri,
            headers: &headers,
            body: b"",
        };
        assert_eq!(
            signed_urls(&call),
            [
                "http://127.0.0.1:8080/1.0/me?a=b".to_owned(),
                "https://127.0.0.1:8080/1.0/me?a=b".to_owned(),
                "https://127.0.0.1/1.0/me?a=b".to_owned(),
            ]
        );
    }
}
