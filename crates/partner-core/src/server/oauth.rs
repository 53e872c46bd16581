//! OAuth2 endpoints the way RFC 6749 and RFC 6750 ask, so that standard
//! client libraries (the `oauth2` crate, authlib, requests-oauthlib, ...)
//! work against a fake on their default settings:
//!
//! - client authentication by HTTP Basic or in the body (RFC 6749 §2.3.1),
//!   never both at once: [`client_credentials`];
//! - token answers with `Cache-Control: no-store` and `Pragma: no-cache`
//!   (§5.1): [`token_response`], and errors as JSON with a 401 carrying
//!   `WWW-Authenticate` when the client used Basic (§5.2): [`TokenError`];
//! - authorize errors sent back to the client's redirect URI once it is
//!   known good (§4.1.2.1), with `state` only when the client sent one:
//!   [`redirect_to_client`];
//! - bearer-token refusals with `WWW-Authenticate: Bearer` (RFC 6750 §3):
//!   [`bearer_token`], [`bearer_challenge`].

use std::borrow::Cow;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

use super::FormFields;
use crate::Secret;
use crate::encoding::form_decode_component;

/// How a client sent its credentials to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// `Authorization: Basic` (`client_secret_basic`).
    Basic,
    /// `client_id` and `client_secret` form fields (`client_secret_post`).
    Body,
}

/// A client's credentials as received by a token endpoint.
#[derive(Debug)]
pub struct ClientCredentials {
    client_id: String,
    secrets: Vec<Secret>,
    method: ClientAuthMethod,
}

impl ClientCredentials {
    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// How the client authenticated.
    pub fn method(&self) -> ClientAuthMethod {
        self.method
    }

    /// Whether these are `client_id` and `secret` (compared in constant
    /// time). In Basic, RFC 6749 §2.3.1 form-encodes id and secret before
    /// base64; clients that skip that step are accepted too.
    pub fn matches(&self, client_id: &str, secret: &Secret) -> bool {
        let id_ok = self.client_id == client_id;
        let secret_ok = self.secrets.iter().fold(false, |ok, s| ok | secret.ct_eq(s.expose()));
        id_ok && secret_ok && !secret.is_empty()
    }
}

/// The client credentials of a token request, from `Authorization: Basic`
/// or from the `client_id` and `client_secret` fields.
///
/// `Ok(None)` when the request carries neither (a public client, or a
/// missing authentication the endpoint refuses with
/// [`TokenError::invalid_client`]).
///
/// # Errors
///
/// `invalid_request` when both methods are used at once (§2.3: "MUST NOT
/// use more than one"), and `invalid_client` when the Basic header cannot
/// be decoded.
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue, header};
/// use partner_core::Secret;
/// use partner_core::server::FormFields;
/// use partner_core::server::oauth::{ClientAuthMethod, client_credentials};
///
/// let mut headers = HeaderMap::new();
/// // base64("my%20app:s%3Acret"): id and secret form-encoded, as §2.3.1 says.
/// headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic bXklMjBhcHA6cyUzQWNyZXQ="));
/// let form = FormFields::parse_urlencoded(b"grant_type=client_credentials");
/// let client = client_credentials(&headers, &form).unwrap().unwrap();
/// assert_eq!(client.method(), ClientAuthMethod::Basic);
/// assert!(client.matches("my app", &Secret::from("s:cret")));
/// ```
pub fn client_credentials(
    headers: &HeaderMap,
    form: &FormFields,
) -> Result<Option<ClientCredentials>, TokenError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, value)| value.trim());
    let in_body = form.get("client_secret").is_some();
    match basic {
        Some(_) if in_body => Err(TokenError::invalid_request(
            "The client sent its credentials both in the Authorization header and in the body.",
        )
        .basic()),
        Some(value) => decode_basic(value)
            .map(Some)
            .ok_or(TokenError::invalid_client(Some(ClientAuthMethod::Basic))),
        None => Ok(form.get("client_id").map(|id| ClientCredentials {
            client_id: id.to_owned(),
            secrets: form.get("client_secret").map(Secret::from).into_iter().collect(),
            method: ClientAuthMethod::Body,
        })),
    }
}

fn decode_basic(value: &str) -> Option<ClientCredentials> {
    let bytes =
        zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.decode(value).ok()?);
    let text = std::str::from_utf8(&bytes).ok()?;
    let (raw_id, raw_secret) = text.split_once(':')?;
    let client_id = form_decode_component(raw_id).into_owned();
    let decoded = Secret::from(form_decode_component(raw_secret).as_ref());
    let mut secrets = vec![Secret::from(raw_secret)];
    if decoded.expose() != raw_secret.as_bytes() {
        secrets.push(decoded);
    }
    Some(ClientCredentials { client_id, secrets, method: ClientAuthMethod::Basic })
}

fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// A successful token answer (§5.1): `200`, the JSON `body`,
/// `Cache-Control: no-store` and `Pragma: no-cache`.
pub fn token_response(body: Value) -> Response {
    let mut response = Json(body).into_response();
    no_store(&mut response);
    response
}

/// An error answer of a token endpoint (§5.2): JSON `error` and
/// `error_description`, `no-store`, and on a 401 after Basic
/// authentication a `WWW-Authenticate: Basic` challenge.
#[derive(Debug, Clone)]
#[must_use]
pub struct TokenError {
    status: StatusCode,
    error: &'static str,
    description: Cow<'static, str>,
    basic: bool,
}

impl TokenError {
    /// Any error code with its status.
    pub fn new(
        status: StatusCode,
        error: &'static str,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        TokenError { status, error, description: description.into(), basic: false }
    }

    /// `400 invalid_request`.
    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// `401 invalid_client`; with a Basic challenge when the client used
    /// Basic.
    pub fn invalid_client(method: Option<ClientAuthMethod>) -> Self {
        let error = Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
        );
        if method == Some(ClientAuthMethod::Basic) { error.basic() } else { error }
    }

    /// `400 invalid_grant`.
    pub fn invalid_grant() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
        )
    }

    /// `400 unsupported_grant_type`.
    pub fn unsupported_grant_type() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        )
    }

    /// `400 invalid_scope`.
    pub fn invalid_scope() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        )
    }

    /// Marks the answer as one to a client that used Basic, so a 401
    /// carries `WWW-Authenticate: Basic`.
    pub fn basic(mut self) -> Self {
        self.basic = true;
        self
    }

    /// The error code.
    pub fn error(&self) -> &'static str {
        self.error
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut response = (self.status, Json(body)).into_response();
        no_store(&mut response);
        if self.basic && self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"OAuth\", charset=\"UTF-8\""),
            );
        }
        response
    }
}

/// A `302 Found` to the client's `redirect_uri` with `params` added to its
/// query, then `state` when the client sent one (RFC 6749 §4.1.2 and
/// §4.1.2.1). Use it for codes and for authorize errors alike, once the
/// client and its redirect URI are known good; before that, answer with a
/// page of your own and never redirect.
///
/// ```
/// use partner_core::server::oauth::redirect_to_client;
///
/// let r = redirect_to_client("https://app.example/cb?x=1", &[("error", "unsupported_response_type")], None);
/// assert_eq!(r.status(), 302);
/// assert_eq!(r.headers()["location"], "https://app.example/cb?x=1&error=unsupported_response_type");
/// let r = redirect_to_client("https://app.example/cb", &[("code", "c 1")], Some("s&t"));
/// assert_eq!(r.headers()["location"], "https://app.example/cb?code=c+1&state=s%26t");
/// ```
pub fn redirect_to_client(
    redirect_uri: &str,
    params: &[(&str, &str)],
    state: Option<&str>,
) -> Response {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(params);
    if let Some(state) = state {
        query.append_pair("state", state);
    }
    let query = query.finish();
    let (base, fragment) =
        redirect_uri.split_once('#').map_or((redirect_uri, None), |(b, f)| (b, Some(f)));
    let separator = if base.contains('?') { '&' } else { '?' };
    let mut location = format!("{base}{separator}{query}");
    if let Some(fragment) = fragment {
        location.push('#');
        location.push_str(fragment);
    }
    let mut response = StatusCode::FOUND.into_response();
    match HeaderValue::from_str(&location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            no_store(&mut response);
            response
        }
        Err(_) => (StatusCode::BAD_REQUEST, "invalid redirect_uri\n").into_response(),
    }
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case;
/// RFC 6750 §2.1), or `None`.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Adds `WWW-Authenticate: Bearer` to a refusal of a bearer-protected
/// resource (RFC 6750 §3): `realm`, then `error` and `error_description`
/// when the request carried a token (`invalid_token`, or on a 403
/// `insufficient_scope`); a request without a token gets the bare
/// challenge (§3.1). Characters a quoted string may not hold are dropped.
///
/// ```
/// use axum::http::StatusCode;
/// use axum::response::IntoResponse;
/// use partner_core::server::oauth::bearer_challenge;
///
/// let r = bearer_challenge(StatusCode::UNAUTHORIZED.into_response(), "api", Some(("invalid_token", "The \"token\" expired")));
/// assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The token expired\"");
/// ```
pub fn bearer_challenge(
    mut response: Response,
    realm: &str,
    error: Option<(&str, &str)>,
) -> Response {
    let quoted = |s: &str| -> String {
        s.chars().filter(|c| matches!(c, ' ' | '!' | '#'..='[' | ']'..='~')).collect()
    };
    let mut challenge = format!("Bearer realm=\"{}\"", quoted(realm));
    if let Some((code, description)) = error {
        challenge.push_str(&format!(
            ", error=\"{}\", error_description=\"{}\"",
            quoted(code),
            quoted(description)
        ));
    }
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
    use axum::response::IntoResponse;
    use base64::Engine as _;
    use proptest::prelude::*;

    use super::*;

    fn basic(id: &str, secret: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        let value = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Basic {value}")).unwrap());
        h
    }

    #[test]
    fn basic_and_body_are_both_read() {
        let secret = Secret::from("s3cret+/%");
        let c = client_credentials(&basic("app", "s3cret+/%"), &FormFields::default())
            .unwrap()
            .unwrap();
        assert!(c.matches("app", &secret), "raw Basic (what many clients send)");
        let c = client_credentials(&basic("app", "s3cret%2B%2F%25"), &FormFields::default())
            .unwrap()
            .unwrap();
        assert!(c.matches("app", &secret), "form-encoded Basic (RFC 6749 §2.3.1)");
        assert!(!c.matches("app", &Secret::from("other")));
        assert!(!c.matches("other", &secret));
        let form = FormFields::parse_urlencoded(b"client_id=app&client_secret=s3cret%2B%2F%25");
        let c = client_credentials(&HeaderMap::new(), &form).unwrap().unwrap();
        assert_eq!(c.method(), ClientAuthMethod::Body);
        assert!(c.matches("app", &secret));
        let form = FormFields::parse_urlencoded(b"client_id=app");
        let c = client_credentials(&HeaderMap::new(), &form).unwrap().unwrap();
        assert!(!c.matches("app", &secret), "no secret is no match");
        assert!(client_credentials(&HeaderMap::new(), &FormFields::default()).unwrap().is_none());
    }

    #[test]
    fn an_empty_secret_never_matches() {
        let c = client_credentials(&basic("app", ""), &FormFields::default()).unwrap().unwrap();
        assert!(!c.matches("app", &Secret::from("")));
    }

    #[test]
    fn both_methods_at_once_are_refused() {
        let form = FormFields::parse_urlencoded(b"client_id=app&client_secret=x");
        let err = client_credentials(&basic("app", "x"), &form).unwrap_err();
        assert_eq!(err.error(), "invalid_request");
    }

    #[test]
    fn a_basic_401_carries_a_challenge_and_no_store() {
        let r = TokenError::invalid_client(Some(ClientAuthMethod::Basic)).into_response();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.headers()[header::WWW_AUTHENTICATE].to_str().unwrap().starts_with("Basic "));
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(r.headers()[header::PRAGMA], "no-cache");
        let r = TokenError::invalid_client(Some(ClientAuthMethod::Body)).into_response();
        assert!(r.headers().get(header::WWW_AUTHENTICATE).is_none());
        let r = token_response(serde_json::json!({"access_token": "t"}));
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(r.headers()[header::PRAGMA], "no-cache");
    }

    #[test]
    fn bearer_tokens_are_read_in_any_case_of_the_scheme() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer abc"));
        assert_eq!(bearer_token(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&h), None);
    }

    #[test]
    fn a_request_without_token_gets_a_bare_challenge() {
        let r = bearer_challenge(StatusCode::UNAUTHORIZED.into_response(), "api", None);
        assert_eq!(r.headers()[header::WWW_AUTHENTICATE], "Bearer realm=\"api\"");
    }

    #[test]
    fn state_is_added_only_when_sent() {
        let r = redirect_to_client("http://c/cb#f", &[("code", "x")], None);
        assert_eq!(r.headers()[header::LOCATION], "http://c/cb?code=x#f");
        let r = redirect_to_client("http://c/cb", &[("code", "x")], Some(""));
        assert_eq!(r.headers()[header::LOCATION], "http://c/cb?code=x&state=");
    }

    proptest! {
        #[test]
        fn any_authorization_header_is_an_answer_not_a_panic(value in "\\PC{0,80}", body in proptest::collection::vec(any::<u8>(), 0..80)) {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(header::AUTHORIZATION, v);
            }
            let form = FormFields::parse_urlencoded(&body);
            let _ = client_credentials(&h, &form);
            let _ = bearer_token(&h);
        }

        #[test]
        fn challenges_are_always_valid_headers(realm in "\\PC{0,20}", code in "\\PC{0,20}", description in "\\PC{0,40}") {
            let r = bearer_challenge(StatusCode::UNAUTHORIZED.into_response(), &realm, Some((&code, &description)));
            prop_assert!(r.headers().get(header::WWW_AUTHENTICATE).is_some());
        }
    }
}
