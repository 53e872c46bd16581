//! PSObtainToken: the request and the tolerant parsing of its answer.
//!
//! Teapplix's auto-login page documents the call (`GET /api2/PSObtainToken?PSClientID=..` with
//! an `APIToken` header) and the two values it returns (ClientVHOST and
//! AccessToken) but not the shape of the body. The parser therefore accepts
//! the names in any case, with or without an underscore, at the top of a
//! JSON object or nested in one wrapper object (`{"Data": {...}}`,
//! `[{...}]`), and a form-encoded body as a last resort. Errors use the
//! API2 shape `{Code, Message, Description[]}`.

use partner_core::UnixTime;
use partner_core::encoding::form_decode;
use serde_json::{Map, Value};

use crate::{ClientVhost, Error, ObtainedToken};

/// Where the API lives: `https://api.teapplix.com`.
pub const DEFAULT_API_BASE_URL: &str = "https://api.teapplix.com";

/// The header that carries the partner's API token.
pub const API_TOKEN_HEADER: &str = "APIToken";

/// Parses a PSObtainToken answer received at `issued_at`.
///
/// ```
/// use partner_teapplix::obtain::parse_obtain_token_response;
/// use partner_core::UnixTime;
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
/// assert_eq!(err.to_string(), "teapplix rejected the request: http 403, code 403: Forbidden");
/// ```
pub fn parse_obtain_token_response(
    status: u16,
    body: &[u8],
    issued_at: UnixTime,
) -> Result<ObtainedToken, Error> {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if !(200..300).contains(&status) {
        return Err(rejection(status, json.as_ref(), body));
    }
    let (vhost, token) = match &json {
        Some(value) => {
            if let Some(obj) = value.as_object() {
                if has_key(obj, "code")
                    && has_key(obj, "message")
                    && find(value, TOKEN_NAMES).is_none()
                {
                    return Err(rejection(status, json.as_ref(), body));
                }
            }
            (find(value, VHOST_NAMES), find(value, TOKEN_NAMES))
        }
        None => {
            let text = std::str::from_utf8(body)
                .map_err(|_| Error::Malformed("response is neither json nor text"))?;
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
    let vhost = vhost.ok_or(Error::Malformed("response has no ClientVHOST"))?;
    let token =
        token.filter(|t| !t.is_empty()).ok_or(Error::Malformed("response has no AccessToken"))?;
    Ok(ObtainedToken::new(ClientVhost::new(vhost)?, token, issued_at))
}

const VHOST_NAMES: &[&str] = &["clientvhost", "vhost"];
const TOKEN_NAMES: &[&str] = &["accesstoken", "pt", "token"];

/// Lower case without `_` or `-`: `Client_VHOST` and `clientVhost` meet.
fn normalise(key: &str) -> String {
    key.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect()
}

fn has_key(obj: &Map<String, Value>, name: &str) -> bool {
    obj.keys().any(|k| normalise(k) == name)
}

/// A string (or number) under one of `names`, at the top level or one wrapper down.
fn find(value: &Value, names: &[&str]) -> Option<String> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
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

/// The typed form of an API2 error answer.
pub(crate) fn rejection(status: u16, json: Option<&Value>, body: &[u8]) -> Error {
    let obj = json.and_then(Value::as_object);
    let field =
        |name: &str| obj.and_then(|o| o.iter().find(|(k, _)| normalise(k) == name)).map(|(_, v)| v);
    let code = field("code").and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let message = field("message")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| excerpt(body));
    let description = match field("description") {
        Some(Value::Array(items)) => {
            items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
        }
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    Error::Rejected { status, code, message, description }
}

/// At most 200 characters of a body, printable ones only.
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().filter(|c| !c.is_control()).take(200).collect()
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
        match parse(
            401,
            r#"{"Code":"401","Message":"Unauthorized","Description":["bad APIToken", 7]}"#,
        ) {
            Err(Error::Rejected { status, code, message, description }) => {
                assert_eq!(
                    (status, code.as_deref(), message.as_str()),
                    (401, Some("401"), "Unauthorized")
                );
                assert_eq!(description, vec!["bad APIToken".to_owned()]);
            }
            other => panic!("{other:?}"),
        }
        // A 200 that carries the error shape and no token is still a rejection.
        let e = parse(200, r#"{"Code":404,"Message":"Not Found"}"#).unwrap_err();
        assert!(matches!(e, Error::Rejected { status: 200, .. }), "{e:?}");
        // A non-JSON error keeps a short, printable excerpt.
        match parse(502, "<html>\u{7}Bad gateway</html>") {
            Err(Error::Rejected { message, code: None, .. }) => {
                assert_eq!(message, "<html>Bad gateway</html>")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse(200, r#"{"ClientVHOST":"demo2"}"#).unwrap_err().error_kind(),
            ErrorKind::Malformed
        );
        assert_eq!(
            parse(200, r#"{"AccessToken":"x"}"#).unwrap_err().error_kind(),
            ErrorKind::Malformed
        );
        assert_eq!(
            parse(200, r#"{"ClientVHOST":"demo2","AccessToken":""}"#).unwrap_err().error_kind(),
            ErrorKind::Malformed
        );
        assert_eq!(
            parse(200, r#"{"ClientVHOST":"../x","AccessToken":"t"}"#).unwrap_err().error_kind(),
            ErrorKind::UnsafeInput
        );
        assert!(matches!(
            parse_obtain_token_response(200, &[0xff, 0xfe], UnixTime::EPOCH),
            Err(Error::Malformed(_))
        ));
    }
}
