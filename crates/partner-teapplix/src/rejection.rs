//! Teapplix's error answers, `{Code, Message, Description[]}`, read into one
//! [`ProviderRejection`].

use partner_core::ProviderRejection;
use serde_json::{Map, Value};

use crate::PROVIDER;

/// The header a request id is read from, when an answer carries one.
///
/// Teapplix's API2 document names no request id; an answer that carries
/// this (conventional) header has it copied into
/// [`ProviderRejection::request_id`].
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The refusal of an API2 answer with this status and body.
///
/// `Code` (a string or a number) is the code, `Message` the message and the
/// `Description` lines (a list, or one string) the details; the names are
/// read in any letter case. A body of another shape keeps a short printable
/// excerpt as the message.
///
/// ```
/// use partner_teapplix::rejection::rejection;
///
/// let r = rejection(
///     401,
///     Some("req-7"),
///     br#"{"Code": 401, "Message": "Unauthorized", "Description": ["bad APIToken"]}"#,
/// );
/// assert_eq!((r.status, r.code.as_deref(), r.message.as_deref()), (401, Some("401"), Some("Unauthorized")));
/// assert_eq!(r.details, ["bad APIToken"]);
/// assert_eq!(r.request_id.as_deref(), Some("req-7"));
/// ```
pub fn rejection(status: u16, request_id: Option<&str>, body: &[u8]) -> ProviderRejection {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let mut refusal = ProviderRejection::new(PROVIDER, status);
    if let Some(id) = request_id {
        refusal = refusal.with_request_id(id.trim());
    }
    let Some(obj) = json.as_ref().and_then(Value::as_object) else {
        return refusal.with_body_excerpt(body);
    };
    if let Some(code) = field(obj, "code").and_then(scalar) {
        refusal = refusal.with_code(code);
    }
    refusal = match field(obj, "message").and_then(Value::as_str) {
        Some(message) => refusal.with_message(message),
        None => refusal.with_body_excerpt(body),
    };
    let details = match field(obj, "description") {
        Some(Value::Array(items)) => {
            items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
        }
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    refusal.with_details(details)
}

/// Whether a JSON object is an API2 error body (it has `Code` and `Message`).
pub(crate) fn is_error_body(obj: &Map<String, Value>) -> bool {
    field(obj, "code").is_some() && field(obj, "message").is_some()
}

/// Lower case without `_` or `-`: `Client_VHOST` and `clientVhost` meet.
pub(crate) fn normalise(key: &str) -> String {
    key.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect()
}

/// A string or a number, as text.
pub(crate) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter().find(|(k, _)| normalise(k) == name).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_body_fills_every_field() {
        let r = rejection(
            401,
            Some(" q-1 "),
            br#"{"Code":"401","Message":"Unauthorized","Description":["bad APIToken", 7]}"#,
        );
        assert_eq!(r.provider, "teapplix");
        assert_eq!(r.status, 401);
        assert_eq!(r.code.as_deref(), Some("401"));
        assert_eq!(r.message.as_deref(), Some("Unauthorized"));
        assert_eq!(r.details, ["bad APIToken"]);
        assert_eq!(r.request_id.as_deref(), Some("q-1"));
        let lower =
            rejection(404, None, br#"{"code":404,"message":"Not Found","description":"gone"}"#);
        assert_eq!(
            (lower.code.as_deref(), lower.message.as_deref(), lower.details.as_slice()),
            (Some("404"), Some("Not Found"), ["gone".to_owned()].as_slice())
        );
        assert_eq!(lower.request_id, None);
    }

    #[test]
    fn other_bodies_keep_an_excerpt() {
        let r = rejection(502, None, "<html>\u{7}Bad gateway</html>".as_bytes());
        assert_eq!((r.code, r.message.as_deref()), (None, Some("<html>Bad gateway</html>")));
        assert_eq!(rejection(500, None, b"").message, None);
    }
}
