//! The Cheetah requests and the parsers of their answers (no I/O).

use partner_core::Secret;
use serde_json::{Map, Value};

use crate::Error;

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
            return Err(Error::Malformed("integration_id is empty"));
        }
        if needs_email && !self.email.contains('@') {
            return Err(Error::Malformed("email is missing or invalid"));
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

/// Parses an integration token answer.
///
/// ```
/// use partner_cheetah::response::parse_token_response;
/// let t = parse_token_response(200, br#"{"access_token":"40e4","token_type":"Bearer","expires_in":7200}"#).unwrap();
/// assert_eq!((t.token_type.as_str(), t.expires_in), ("bearer", Some(7200)));
/// let e = parse_token_response(401, br#"{"error":"invalid_client","error_description":"unknown client"}"#).unwrap_err();
/// assert_eq!(e.to_string(), "cheetah rejected the request: http 401, invalid_client: unknown client");
/// ```
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<TokenResponse, Error> {
    let obj = success_object(status, body)?;
    let access_token =
        string(&obj, "access_token").ok_or(Error::Malformed("token answer has no access_token"))?;
    let expires_in = match obj.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            integer(v)
                .and_then(|n| u64::try_from(n).ok())
                .ok_or(Error::Malformed("expires_in is not a number"))?,
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

/// Parses a member SSO answer.
///
/// ```
/// use partner_cheetah::response::parse_sso_response;
/// let body = br#"{"member_id":"A-000000001","integration_id":34567893039,"access_token":"5d0c"}"#;
/// let sso = parse_sso_response(200, body).unwrap();
/// assert_eq!((sso.member_id.as_str(), sso.integration_id.as_str()), ("A-000000001", "34567893039"));
/// assert!(sso.refresh_token.is_none());
/// ```
pub fn parse_sso_response(status: u16, body: &[u8]) -> Result<SsoResponse, Error> {
    let obj = success_object(status, body)?;
    let field = |name, missing| string(&obj, name).ok_or(Error::Malformed(missing));
    Ok(SsoResponse {
        member_id: field("member_id", "sso answer has no member_id")?,
        integration_id: field("integration_id", "sso answer has no integration_id")?,
        access_token: Secret::from(field("access_token", "sso answer has no access_token")?),
        refresh_token: string(&obj, "refresh_token").map(Secret::from),
    })
}

/// The JSON object of a 2xx answer, or the typed rejection of any other.
fn success_object(status: u16, body: &[u8]) -> Result<Map<String, Value>, Error> {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if !(200..300).contains(&status) {
        return Err(rejection(status, json.as_ref()));
    }
    match json {
        Some(Value::Object(obj)) => Ok(obj),
        _ => Err(Error::Malformed("answer is not a json object")),
    }
}

/// The typed form of an error answer (`{"error","error_description"}` kept).
pub(crate) fn rejection(status: u16, json: Option<&Value>) -> Error {
    let obj = json.and_then(Value::as_object);
    let text =
        |name: &str| obj.and_then(|o| o.get(name)).and_then(Value::as_str).map(str::to_owned);
    Error::Rejected {
        status,
        code: text("error"),
        description: text("error_description").or_else(|| text("message")),
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
mod tests {
    use super::*;
    use partner_core::{ErrorKind, HasErrorKind};

    // The answers Cheetah's SSO page documents.
    #[test]
    fn documented_answers() {
        let t = parse_token_response(200, br#"{"access_token":"40e4726e5263ce266058c04494d4385f36530d233ef0bc363e92b2c969ff57a9","token_type":"bearer","expires_in":7200,"refresh_token":"5d0c438a28d62466ef70154bf15a6cc185e0e884b06d76fbf176ff86a55860c5","created_at":1444027150}"#).unwrap();
        assert_eq!(t.expires_in, Some(7200));
        assert_eq!(t.created_at, Some(1444027150));
        assert_eq!(
            t.refresh_token.unwrap().expose_str(),
            Some("5d0c438a28d62466ef70154bf15a6cc185e0e884b06d76fbf176ff86a55860c5")
        );
        let s = parse_sso_response(200, br#"{"member_id":"A-000000001","integration_id":"34567893039","access_token":"5d0c","refresh_token":"40e4"}"#).unwrap();
        assert_eq!(s.refresh_token.unwrap().expose_str(), Some("40e4"));
    }

    #[test]
    fn failures_are_typed() {
        assert_eq!(
            parse_token_response(200, b"{}").unwrap_err().error_kind(),
            ErrorKind::Malformed
        );
        assert_eq!(
            parse_token_response(200, b"[]").unwrap_err().error_kind(),
            ErrorKind::Malformed
        );
        assert_eq!(
            parse_token_response(200, b"not json").unwrap_err().error_kind(),
            ErrorKind::Malformed
        );
        assert_eq!(
            parse_token_response(200, br#"{"access_token":"x","expires_in":"soon"}"#)
                .unwrap_err()
                .error_kind(),
            ErrorKind::Malformed
        );
        assert_eq!(
            parse_token_response(200, br#"{"access_token":"x","expires_in":"60"}"#)
                .unwrap()
                .expires_in,
            Some(60)
        );
        assert_eq!(
            parse_token_response(200, br#"{"access_token":"x"}"#).unwrap().token_type,
            "bearer"
        );
        match parse_sso_response(500, b"<html>oops</html>").unwrap_err() {
            Error::Rejected { status: 500, code: None, description: None } => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_sso_response(200, br#"{"member_id":"A","integration_id":"1"}"#)
                .unwrap_err()
                .error_kind(),
            ErrorKind::Malformed
        );
        assert_eq!(
            parse_sso_response(200, br#"{"member_id":"A","integration_id":"1","access_token":""}"#)
                .unwrap_err()
                .error_kind(),
            ErrorKind::Malformed
        );
    }

    #[test]
    fn request_validation_and_names() {
        let r = MemberSsoRequest::new("42", "Susan", "Sample", "susan@example.com");
        assert_eq!(r.full_name(), "Susan Sample");
        assert!(r.validate().is_ok());
        assert!(MemberSsoRequest::new(" ", "a", "b", "c@d").validate().is_err());
        assert!(
            MemberSsoRequest::new("", "a", "b", "c@d")
                .matched_by(MatchBy::Email)
                .validate()
                .is_ok()
        );
        assert!(
            MemberSsoRequest::new("1", "a", "b", "nope")
                .matched_by(MatchBy::Both)
                .validate()
                .is_err()
        );
        assert_eq!(MemberSsoRequest::new("1", "", "Solo", "").full_name(), "Solo");
        assert_eq!(MatchBy::parse("both"), Some(MatchBy::Both));
        assert_eq!(MatchBy::parse("Both"), None);
    }
}
