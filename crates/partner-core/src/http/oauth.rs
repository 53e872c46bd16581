//! OAuth2 on the client side (RFC 6749): how the client authenticates at a
//! token endpoint, the standard error body, token answers, bearer headers.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;

use super::{Answer, Dialect};
use crate::encoding::{base64_encode, form_encode, form_encode_component};
use crate::{Error, ProviderRejection, Secret, UnixTime};

/// How a client proves its identity to a token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `Authorization: Basic base64(urlencode(id):urlencode(secret))`
    /// (`client_secret_basic`), which every server must support: the default.
    #[default]
    Basic,
    /// `client_id` and `client_secret` as form fields of the body
    /// (`client_secret_post`), for servers that take only that.
    Body,
}

/// A `POST` to a token endpoint: `params` (`grant_type`, ...) form-encoded,
/// the client authenticated as `auth` says, `Accept: application/json`.
///
/// # Errors
///
/// [`Error::EmptyKey`] for an empty client id or secret;
/// [`Error::Malformed`] when the secret is not UTF-8.
pub fn token_request(
    http: &reqwest::Client,
    url: &str,
    auth: ClientAuth,
    client_id: &str,
    client_secret: &Secret,
    params: &[(&str, &str)],
) -> Result<reqwest::RequestBuilder, Error> {
    if client_id.is_empty() || client_secret.is_empty() {
        return Err(Error::EmptyKey);
    }
    let secret =
        client_secret.expose_str().ok_or(Error::Malformed("client secret is not utf-8"))?;
    let request = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(reqwest::header::ACCEPT, "application/json");
    Ok(match auth {
        ClientAuth::Body => {
            let mut all = params.to_vec();
            all.push(("client_id", client_id));
            all.push(("client_secret", secret));
            request.body(form_encode(all))
        }
        ClientAuth::Basic => {
            // Each copy of the secret is a `Secret`, wiped when dropped.
            let pair = Secret::from(format!(
                "{}:{}",
                form_encode_component(client_id),
                form_encode_component(secret)
            ));
            let header = Secret::from(format!("Basic {}", base64_encode(pair.expose())));
            request.header(AUTHORIZATION, sensitive(&header)?).body(form_encode(params.to_vec()))
        }
    })
}

/// `Authorization: Bearer <token>`, marked sensitive (never logged by hyper
/// or reqwest).
///
/// # Errors
///
/// [`Error::Malformed`] when the token is empty or not a header value.
pub fn bearer(token: &Secret) -> Result<HeaderValue, Error> {
    if token.is_empty() {
        return Err(Error::Malformed("token is empty"));
    }
    let mut value = Vec::with_capacity(7 + token.len());
    value.extend_from_slice(b"Bearer ");
    value.extend_from_slice(token.expose());
    sensitive(&Secret::new(value))
}

/// A header value from a secret, marked sensitive.
///
/// # Errors
///
/// [`Error::Malformed`] when it is not a header value.
pub fn sensitive(secret: &Secret) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_bytes(secret.expose())
        .map_err(|_| Error::Malformed("secret is not a header value"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Reads the OAuth2 error body (RFC 6749 §5.2: `error`,
/// `error_description`) into a [`ProviderRejection`], and `X-Request-Id`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OAuth2Errors;

impl Dialect for OAuth2Errors {
    fn rejection(&self, provider: &'static str, answer: &Answer) -> ProviderRejection {
        oauth2_rejection(provider, answer)
    }
}

/// The [`ProviderRejection`] of an OAuth2 error answer: `error` as the code,
/// `error_description` as the message; another body as an excerpt.
pub fn oauth2_rejection(provider: &'static str, answer: &Answer) -> ProviderRejection {
    #[derive(Deserialize)]
    struct Body {
        error: Option<String>,
        error_description: Option<String>,
    }
    let mut rejection = ProviderRejection::new(provider, answer.status());
    if let Some(id) = answer.header("x-request-id") {
        rejection = rejection.with_request_id(id);
    }
    match serde_json::from_slice::<Body>(answer.body()) {
        Ok(Body { error: Some(code), error_description }) => {
            let rejection = rejection.with_code(code);
            match error_description {
                Some(text) => rejection.with_message(text),
                None => rejection,
            }
        }
        _ => rejection.with_body_excerpt(answer.body()),
    }
}

/// A successful token answer (RFC 6749 §5.1).
#[derive(Debug)]
#[non_exhaustive]
pub struct TokenAnswer {
    /// `access_token`.
    pub access_token: Secret,
    /// `refresh_token`, when sent.
    pub refresh_token: Option<Secret>,
    /// `now + expires_in`, when `expires_in` was sent.
    pub expires_at: Option<UnixTime>,
    /// `token_type` (`Bearer`).
    pub token_type: Option<String>,
    /// `scope`, when sent.
    pub scope: Option<String>,
}

impl TokenAnswer {
    /// Reads a token answer received at `now`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResponse`] when it is not JSON of that shape or the
    /// access token is empty.
    pub fn from_answer(
        provider: &'static str,
        answer: &Answer,
        now: UnixTime,
    ) -> Result<Self, Error> {
        #[derive(Deserialize)]
        struct Body {
            access_token: String,
            refresh_token: Option<String>,
            expires_in: Option<u64>,
            token_type: Option<String>,
            scope: Option<String>,
        }
        let body: Body = answer.json(provider, "token answer")?;
        if body.access_token.is_empty() {
            return Err(Error::invalid_response(
                provider,
                "token answer has an empty access_token",
            ));
        }
        Ok(TokenAnswer {
            access_token: Secret::from(body.access_token),
            refresh_token: body.refresh_token.filter(|t| !t.is_empty()).map(Secret::from),
            expires_at: body
                .expires_in
                .map(|s| now.saturating_add(std::time::Duration::from_secs(s))),
            token_type: body.token_type,
            scope: body.scope,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer::new(status, Default::default(), body.as_bytes().to_vec())
    }

    #[test]
    fn token_requests_authenticate_as_asked() {
        let http = reqwest::Client::new();
        let secret = Secret::from("s3:cr&t");
        let basic = token_request(
            &http,
            "https://x/token",
            ClientAuth::Basic,
            "id",
            &secret,
            &[("grant_type", "client_credentials")],
        )
        .unwrap()
        .build()
        .unwrap();
        let header = basic.headers().get(AUTHORIZATION).unwrap();
        assert!(header.is_sensitive());
        // base64("id:s3%3Acr%26t")
        assert_eq!(header.to_str().unwrap(), format!("Basic {}", base64_encode("id:s3%3Acr%26t")));
        assert_eq!(
            basic.body().and_then(|b| b.as_bytes()),
            Some(&b"grant_type=client_credentials"[..])
        );
        let body = token_request(
            &http,
            "https://x/token",
            ClientAuth::Body,
            "id",
            &secret,
            &[("grant_type", "x")],
        )
        .unwrap()
        .build()
        .unwrap();
        assert!(body.headers().get(AUTHORIZATION).is_none());
        assert_eq!(
            body.body().and_then(|b| b.as_bytes()),
            Some(&b"grant_type=x&client_id=id&client_secret=s3%3Acr%26t"[..])
        );
        assert_eq!(
            token_request(&http, "https://x", ClientAuth::Basic, "", &secret, &[]).err(),
            Some(Error::EmptyKey)
        );
        assert_eq!(
            token_request(&http, "https://x", ClientAuth::Basic, "id", &Secret::from(""), &[])
                .err(),
            Some(Error::EmptyKey)
        );
    }

    #[test]
    fn oauth2_errors_and_token_answers() {
        let r = oauth2_rejection(
            "p",
            &answer(401, r#"{"error":"invalid_client","error_description":"no such client"}"#),
        );
        assert_eq!(
            (r.code.as_deref(), r.message.as_deref()),
            (Some("invalid_client"), Some("no such client"))
        );
        let r = oauth2_rejection("p", &answer(502, "<html>oops</html>"));
        assert_eq!((r.code, r.message.as_deref()), (None, Some("<html>oops</html>")));
        let t = TokenAnswer::from_answer(
            "p",
            &answer(200, r#"{"access_token":"t","expires_in":60,"token_type":"Bearer"}"#),
            UnixTime::from_secs(100),
        )
        .unwrap();
        assert_eq!(
            (t.access_token.expose(), t.expires_at),
            (&b"t"[..], Some(UnixTime::from_secs(160)))
        );
        assert!(matches!(
            TokenAnswer::from_answer("p", &answer(200, r#"{"access_token":""}"#), UnixTime::EPOCH),
            Err(Error::InvalidResponse { .. })
        ));
        assert!(matches!(
            TokenAnswer::from_answer("p", &answer(200, r#"{"access_token":7}"#), UnixTime::EPOCH),
            Err(Error::InvalidResponse { .. })
        ));
        assert!(bearer(&Secret::from("t")).unwrap().is_sensitive());
        assert!(bearer(&Secret::from("a\nb")).is_err());
    }
}
