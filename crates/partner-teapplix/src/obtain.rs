//! PSObtainToken: the tolerant parsing of its answer.
//!
//! Teapplix's auto-login page documents the call (`GET /api2/PSObtainToken?PSClientID=..` with
//! an `APIToken` header) and the two values it returns (ClientVHOST and
//! AccessToken) but not the shape of the body. The parser therefore accepts
//! the names in any case, with or without an underscore, at the top of a
//! JSON object or nested in one wrapper object (`{"Data": {...}}`,
//! `[{...}]`), and a form-encoded body as a last resort. Errors use the
//! API2 shape `{Code, Message, Description[]}` (see [`crate::rejection`]).

use partner_core::UnixTime;
use partner_core::encoding::form_decode;
use serde_json::{Map, Value};

use crate::error::invalid_response;
use crate::rejection::{is_error_body, normalise, rejection, scalar};
use crate::{ClientVhost, Error, ObtainedToken};

/// Where the API lives: `https://api.teapplix.com`.
pub const DEFAULT_API_BASE_URL: &str = "https://api.teapplix.com";

/// The header that carries the partner's API token.
pub const API_TOKEN_HEADER: &str = "APIToken";

/// Parses a PSObtainToken answer received at `issued_at`.
///
/// A 4xx answer, or a 2xx one that carries the error shape and no token, is
/// [`partner_core::Error::Rejected`]; a 5xx answer is
/// [`partner_core::Error::Unavailable`] (as the client reports it), its
/// [`rejection`](Error::rejection) kept. A 2xx answer without a usable
/// ClientVHOST or AccessToken is [`partner_core::Error::InvalidResponse`]
/// (kind `rejected`), and a ClientVHOST that is not a safe path segment is
/// [`Error::UnsafeVhost`].
///
/// ```
/// use partner_teapplix::obtain::parse_obtain_token_response;
/// use partner_teapplix::{ErrorKind, HasErrorKind, UnixTime};
///
/// let body = br#"{"ClientVHOST": "demo2", "AccessToken": "a1b2c3"}"#;
/// let token = parse_obtain_token_response(200, body, UnixTime::from_secs(0)).unwrap();
/// assert_eq!(token.client_vhost.as_str(), "demo2");
/// assert_eq!(token.access_token.expose_str(), Some("a1b2c3"));
/// assert_eq!(token.expires_at.as_secs(), 1800);
///
/// let err = parse_obtain_token_response(
///     403,
///     br#"{"Code": 403, "Message": "Forbidden", "Description": ["not paired"]}"#,
///     UnixTime::from_secs(0),
/// ).unwrap_err();
/// assert_eq!(err.to_string(), "teapplix refused the request: http 403, 403: Forbidden");
/// assert_eq!(err.error_kind(), ErrorKind::Rejected);
/// assert_eq!(err.rejection().unwrap().details, ["not paired"]);
/// ```
pub fn parse_obtain_token_response(
    status: u16,
    body: &[u8],
    issued_at: UnixTime,
) -> Result<ObtainedToken, Error> {
    if !(200..300).contains(&status) {
        return Err(Error::Core(rejection(status, None, body).into_error()));
    }
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let (vhost, token) = match &json {
        Some(value) => {
            let token = find(value, TOKEN_NAMES);
            if token.is_none() && value.as_object().is_some_and(is_error_body) {
                return Err(Error::Core(rejection(status, None, body).into_error()));
            }
            (find(value, VHOST_NAMES), token)
        }
        None => {
            let text = std::str::from_utf8(body)
                .map_err(|_| invalid_response("token answer is neither json nor text"))?;
            let pairs = form_decode(text.trim());
            let get = |names: &[&str]| {
                pairs
                    .iter()
                    .find(|(k, _)| names.contains(&normalise(k).as_str()))
                    .map(|(_, v)| v.trim().to_owned())
            };
            (get(VHOST_NAMES), get(TOKEN_NAMES))
        }
    };
    let vhost = vhost.ok_or_else(|| invalid_response("token answer has no ClientVHOST"))?;
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid_response("token answer has no AccessToken"))?;
    Ok(ObtainedToken::new(ClientVhost::new(vhost)?, token, issued_at))
}

const VHOST_NAMES: &[&str] = &["clientvhost", "vhost"];
const TOKEN_NAMES: &[&str] = &["accesstoken", "pt", "token"];

/// A string (or number) under one of `names`, at the top level or one wrapper down.
fn find(value: &Value, names: &[&str]) -> Option<String> {
    fn here(obj: &Map<String, Value>, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| {
            obj.iter().find(|(k, _)| normalise(k) == *name).and_then(|(_, v)| scalar(v))
        })
    }
    match value {
        Value::Object(obj) => here(obj, names).or_else(|| {
            obj.values().find_map(|v| match v {
                Value::Object(inner) => here(inner, names),
                Value::Array(items) => {
                    items.first().and_then(Value::as_object).and_then(|o| here(o, names))
                }
                _ => None,
            })
        }),
        Value::Array(items) => {
            items.first().and_then(Value::as_object).and_then(|o| here(o, names))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::{ErrorKind, HasErrorKind};

    fn parse(status: u16, body: &str) -> Result<ObtainedToken, Error> {
        parse_obtain_token_response(status, body.as_bytes(), UnixTime::from_secs(1_000))
    }

    #[test]
    fn tolerant_shapes() {
        for body in [
            r#"{"ClientVHOST":"demo2","AccessToken":"abc"}"#,
            r#"{"clientvhost":" demo2 ","accesstoken":"abc"}"#,
            r#"{"Client_VHost":"demo2","Access_Token":"abc"}"#,
            r#"{"Success":true,"Data":{"ClientVHOST":"demo2","AccessToken":"abc"}}"#,
            r#"[{"ClientVHOST":"demo2","AccessToken":"abc"}]"#,
            r#"{"Result":[{"ClientVHOST":"demo2","AccessToken":"abc"}]}"#,
            "ClientVHOST=demo2&AccessToken=abc\n",
        ] {
            let t = parse(200, body).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(t.client_vhost.as_str(), "demo2", "{body}");
            assert_eq!(t.access_token.expose_str(), Some("abc"), "{body}");
            assert_eq!(t.issued_at.as_secs(), 1_000);
            assert_eq!(t.expires_at.as_secs(), 2_800);
        }
    }

    #[test]
    fn errors_are_typed() {
        let err = parse(
            401,
            r#"{"Code":"401","Message":"Unauthorized","Description":["bad APIToken", 7]}"#,
        )
        .unwrap_err();
        assert_eq!(err.error_kind(), ErrorKind::Rejected);
        let r = err.rejection().expect("a rejection");
        assert_eq!(
            (r.status, r.code.as_deref(), r.message.as_deref()),
            (401, Some("401"), Some("Unauthorized"))
        );
        assert_eq!(r.details, ["bad APIToken"]);
        // A 200 that carries the error shape and no token is still a rejection.
        let e = parse(200, r#"{"Code":404,"Message":"Not Found"}"#).unwrap_err();
        assert_eq!(e.rejection().map(|r| r.status), Some(200), "{e:?}");
        assert_eq!(e.error_kind(), ErrorKind::Rejected);
        // A non-JSON server error keeps a short, printable excerpt, and is
        // "unavailable" as the client reports it.
        let e = parse(502, "<html>\u{7}Bad gateway</html>").unwrap_err();
        assert_eq!(e.error_kind(), ErrorKind::Unavailable);
        let r = e.rejection().expect("the last answer");
        assert_eq!((r.status, r.code.as_deref()), (502, None));
        assert_eq!(r.message.as_deref(), Some("<html>Bad gateway</html>"));
        // Unusable success answers are the provider's fault: kind rejected.
        for body in [
            r#"{"ClientVHOST":"demo2"}"#,
            r#"{"AccessToken":"x"}"#,
            r#"{"ClientVHOST":"demo2","AccessToken":""}"#,
        ] {
            let e = parse(200, body).unwrap_err();
            assert!(
                matches!(e, Error::Core(partner_core::Error::InvalidResponse { .. })),
                "{body}: {e:?}"
            );
            assert_eq!(e.error_kind(), ErrorKind::Rejected);
        }
        assert!(matches!(
            parse(200, r#"{"ClientVHOST":"../x","AccessToken":"t"}"#),
            Err(Error::UnsafeVhost)
        ));
        let e = parse_obtain_token_response(200, &[0xff, 0xfe], UnixTime::EPOCH).unwrap_err();
        assert_eq!(e.error_kind(), ErrorKind::Rejected);
    }
}
