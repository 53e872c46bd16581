//! The Cheetah requests and the parsers of their answers (no I/O).

use partner_core::{ProviderRejection, Secret};
use serde_json::{Map, Value};

use crate::{Error, PROVIDER};

/// The `Accept` header every Cheetah call sends.
pub const ACCEPT: &str = "application/vnd.stellar-v1+json";

/// The token path under the base URL.
pub const TOKEN_PATH: &str = "/oauth/token";

/// The member SSO path Cheetah's SSO page shows in its examples (it also names
/// `/console/api/sso`; the client makes the path configurable).
pub const DEFAULT_SSO_PATH: &str = "/program/api/sso";

/// An integration token answer (Doorkeeper shape).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The integration access token.
    pub access_token: Secret,
    /// The token type, lower-cased (`"bearer"`, whatever case was sent).
    pub token_type: String,
    /// Seconds the token lives, when given (Cheetah: 7200).
    pub expires_in: Option<u64>,
    /// A refresh token, when given.
    pub refresh_token: Option<Secret>,
    /// When the token was created (Unix seconds), when given.
    pub created_at: Option<i64>,
}

/// A member SSO answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SsoResponse {
    /// Cheetah's member id, for example `A-000000001`.
    pub member_id: String,
    /// Your user id, as stored on the member.
    pub integration_id: String,
    /// The member access token (what the page variable carries).
    pub access_token: Secret,
    /// The member refresh token, when given.
    pub refresh_token: Option<Secret>,
}

/// How Cheetah matches an SSO call to an existing member.
///
/// Cheetah's SSO page says the API "has options for whether to use Integration ID,
/// Email, or both" without naming the parameter; this crate sends it as
/// `match_by` = `integration_id` | `email` | `both` (our reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MatchBy {
    /// By integration id (Cheetah's default).
    #[default]
    IntegrationId,
    /// By e-mail address.
    Email,
    /// By integration id and e-mail address together.
    Both,
}

impl MatchBy {
    /// The value sent in `match_by`.
    pub const fn as_str(self) -> &'static str {
        match self {
            MatchBy::IntegrationId => "integration_id",
            MatchBy::Email => "email",
            MatchBy::Both => "both",
        }
    }

    /// Reads a `match_by` value.
    pub fn parse(text: &str) -> Option<Self> {
        [MatchBy::IntegrationId, MatchBy::Email, MatchBy::Both]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

/// Who to sign in: your user, as Cheetah should know them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemberSsoRequest {
    /// Your user id (a number, user name or e-mail address).
    pub integration_id: String,
    /// First name (also the state's `short_name`).
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// How to match an existing member.
    pub match_by: MatchBy,
}

impl MemberSsoRequest {
    /// A request matched by integration id.
    pub fn new(
        integration_id: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        MemberSsoRequest {
            integration_id: integration_id.into(),
            first_name: first_name.into(),
            last_name: last_name.into(),
            email: email.into(),
            match_by: MatchBy::IntegrationId,
        }
    }

    /// Matches by `match_by` instead.
    pub fn matched_by(mut self, match_by: MatchBy) -> Self {
        self.match_by = match_by;
        self
    }

    /// `"First Last"`, or whichever of the two is not empty.
    pub fn full_name(&self) -> String {
        match (self.first_name.trim(), self.last_name.trim()) {
            ("", last) => last.to_owned(),
            (first, "") => first.to_owned(),
            (first, last) => format!("{first} {last}"),
        }
    }

    /// Checks that the fields the match needs are present.
    pub fn validate(&self) -> Result<(), Error> {
        let needs_id = matches!(self.match_by, MatchBy::IntegrationId | MatchBy::Both);
        let needs_email = matches!(self.match_by, MatchBy::Email | MatchBy::Both);
        if needs_id && self.integration_id.trim().is_empty() {
            return Err(partner_core::Error::Malformed("integration_id is empty").into());
        }
        if needs_email && !self.email.contains('@') {
            return Err(partner_core::Error::Malformed("email is missing or invalid").into());
        }
        Ok(())
    }

    /// The form fields of the member, in the documented order.
    pub fn form_fields(&self) -> [(&'static str, &str); 5] {
        [
            ("integration_id", &self.integration_id),
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("email", &self.email),
            ("match_by", self.match_by.as_str()),
        ]
    }
}

/// Parses an integration token answer (the status and body as received).
///
/// A non-2xx status is [`Rejected`](partner_core::Error::Rejected) with the
/// body read as Doorkeeper writes errors; a 2xx body that cannot be read is
/// `malformed` (this function judges its input; the client reports the same
/// body from Cheetah as an unusable answer, kind `rejected`).
///
/// ```
/// use partner_cheetah::response::parse_token_response;
/// let t = parse_token_response(200, br#"{"access_token":"40e4","token_type":"Bearer","expires_in":7200}"#).unwrap();
/// assert_eq!((t.token_type.as_str(), t.expires_in), ("bearer", Some(7200)));
/// let e = parse_token_response(401, br#"{"error":"invalid_client","error_description":"unknown client"}"#).unwrap_err();
/// assert_eq!(e.to_string(), "cheetah refused the request: http 401, invalid_client: unknown client");
/// ```
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<TokenResponse, Error> {
    refuse_error_status(status, body)?;
    read_token(body).map_err(|u| u.into_input_error("token answer").into())
}

/// Parses a member SSO answer (the status and body as received), as
/// [`parse_token_response`] does.
///
/// ```
/// use partner_cheetah::response::parse_sso_response;
/// let body = br#"{"member_id":"A-000000001","integration_id":34567893039,"access_token":"5d0c"}"#;
/// let sso = parse_sso_response(200, body).unwrap();
/// assert_eq!((sso.member_id.as_str(), sso.integration_id.as_str()), ("A-000000001", "34567893039"));
/// assert!(sso.refresh_token.is_none());
/// ```
pub fn parse_sso_response(status: u16, body: &[u8]) -> Result<SsoResponse, Error> {
    refuse_error_status(status, body)?;
    read_sso(body).map_err(|u| u.into_input_error("sso answer").into())
}

fn refuse_error_status(status: u16, body: &[u8]) -> Result<(), Error> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(partner_core::Error::rejected(rejection(status, None, body)).into())
    }
}

/// Why a success body cannot be used; the caller says whether that is
/// malformed input or an unusable answer from Cheetah.
#[derive(Debug)]
pub(crate) enum Unusable {
    /// Not JSON.
    Json(serde_json::Error),
    /// JSON, but not an object.
    NotObject,
    /// A field is missing or has the wrong type.
    Field(&'static str),
}

impl Unusable {
    /// As input given to a parser: kind `malformed`.
    pub(crate) fn into_input_error(self, what: &'static str) -> partner_core::Error {
        match self {
            Unusable::Json(err) => partner_core::Error::json(what, err),
            Unusable::NotObject => partner_core::Error::Malformed("answer is not a json object"),
            Unusable::Field(problem) => partner_core::Error::Malformed(problem),
        }
    }

    /// As an answer Cheetah sent: kind `rejected` (an unusable answer).
    #[cfg(feature = "client")]
    pub(crate) fn into_answer_error(self, what: &'static str) -> partner_core::Error {
        match self {
            Unusable::Json(err) => partner_core::Error::invalid_json(PROVIDER, what, err),
            Unusable::NotObject => {
                partner_core::Error::invalid_response(PROVIDER, "answer is not a json object")
            }
            Unusable::Field(problem) => partner_core::Error::invalid_response(PROVIDER, problem),
        }
    }
}

/// Reads the body of a 2xx token answer.
pub(crate) fn read_token(body: &[u8]) -> Result<TokenResponse, Unusable> {
    let obj = object(body)?;
    let access_token =
        string(&obj, "access_token").ok_or(Unusable::Field("token answer has no access_token"))?;
    let expires_in = match obj.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            integer(v)
                .and_then(|n| u64::try_from(n).ok())
                .ok_or(Unusable::Field("expires_in is not a number"))?,
        ),
    };
    Ok(TokenResponse {
        access_token: Secret::from(access_token),
        token_type: string(&obj, "token_type")
            .unwrap_or_else(|| "bearer".to_owned())
            .to_ascii_lowercase(),
        expires_in,
        refresh_token: string(&obj, "refresh_token").map(Secret::from),
        created_at: obj.get("created_at").and_then(integer),
    })
}

/// Reads the body of a 2xx SSO answer.
pub(crate) fn read_sso(body: &[u8]) -> Result<SsoResponse, Unusable> {
    let obj = object(body)?;
    let field = |name, missing| string(&obj, name).ok_or(Unusable::Field(missing));
    Ok(SsoResponse {
        member_id: field("member_id", "sso answer has no member_id")?,
        integration_id: field("integration_id", "sso answer has no integration_id")?,
        access_token: Secret::from(field("access_token", "sso answer has no access_token")?),
        refresh_token: string(&obj, "refresh_token").map(Secret::from),
    })
}

fn object(body: &[u8]) -> Result<Map<String, Value>, Unusable> {
    match serde_json::from_slice(body).map_err(Unusable::Json)? {
        Value::Object(obj) => Ok(obj),
        _ => Err(Unusable::NotObject),
    }
}

/// Cheetah's refusal in the shape every provider shares: Doorkeeper's
/// `{"error", "error_description"}` (or `{"message"}`) kept as code and
/// message, the request id when Cheetah sent one; a body of another shape
/// kept as a short excerpt.
///
/// ```
/// use partner_cheetah::response::rejection;
/// let r = rejection(401, Some("req-7"), br#"{"error":"invalid_token","error_description":"The access token expired"}"#);
/// assert_eq!((r.status, r.code.as_deref()), (401, Some("invalid_token")));
/// assert_eq!((r.message.as_deref(), r.request_id.as_deref()), (Some("The access token expired"), Some("req-7")));
/// ```
pub fn rejection(status: u16, request_id: Option<&str>, body: &[u8]) -> ProviderRejection {
    #[derive(serde::Deserialize)]
    struct Body {
        error: Option<Value>,
        error_description: Option<Value>,
        message: Option<Value>,
    }
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let mut r = ProviderRejection::new(PROVIDER, status);
    if let Some(id) = request_id {
        r = r.with_request_id(id);
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(b) => {
            let code = text(b.error);
            let message = text(b.error_description).or_else(|| text(b.message));
            if code.is_none() && message.is_none() {
                return r.with_body_excerpt(body);
            }
            if let Some(code) = code {
                r = r.with_code(code);
            }
            match message {
                Some(m) => r.with_message(m),
                None => r,
            }
        }
        Err(_) => r.with_body_excerpt(body),
    }
}

/// A non-empty string, or a number written as one (ids are sometimes numbers).
fn string(obj: &Map<String, Value>, name: &str) -> Option<String> {
    match obj.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
