//! The signed routes (`/1.0/*`, `/v2/*`): authentication as the API does
//! it, then the resource tree.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method as HttpMethod, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use partner_core::Secret;
use partner_core::encoding::form_decode;
use partner_core::server::oauth::{bearer_challenge, bearer_token};
use serde_json::{Map, Value, json};

use super::credentials::FakeCredential;
use super::oauth::{REALM, bearer_is_valid, invalid_token};
use super::{FakeState, MAX_RECORD_TARGET_BYTES, MAX_RECORDS, iso8601, ovh_error, with_query_id};
use crate::{CredentialState, DEFAULT_MAX_SKEW, Method, SignedRequest, verify};

/// Who signed a call.
enum Caller {
    /// A customer's consumer key, validated.
    Consumer { ck: String, credential: FakeCredential },
    /// An OAuth2 service account's bearer token.
    ServiceAccount,
}

/// Calls any validated consumer key may make whatever its access rules,
/// as on the real API: reading its own credential and revoking it.
fn always_granted(method: Method, path: &str) -> bool {
    matches!(
        (method, path),
        (Method::Get, "/auth/currentCredential") | (Method::Post, "/auth/logout")
    )
}

/// Every signed route: authentication, then the resource tree.
pub(super) async fn api(
    State(s): State<Arc<FakeState>>,
    method: HttpMethod,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let qid = s.query_id();
    let answer =
        authenticated(&s, &method, &uri, &headers, &body).unwrap_or_else(|refusal| *refusal);
    with_query_id(answer, qid)
}

fn authenticated(
    s: &FakeState,
    method: &HttpMethod,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Box<Response>> {
    let fail = |status, code, message| Box::new(ovh_error(status, code, message));
    if s.inject_errors.load(Ordering::Relaxed) > 0 {
        s.inject_errors.fetch_sub(1, Ordering::Relaxed);
        return Err(Box::new(
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"message": "Service unavailable (injected)"})),
            )
                .into_response(),
        ));
    }
    let Some(api_method) = Method::parse(method.as_str()) else {
        return Err(fail(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "Method not allowed",
        ));
    };
    let full_path = uri.path();
    let rel = full_path.strip_prefix("/1.0").unwrap_or(full_path).to_owned();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());

    let caller = if let Some(bearer) = bearer_token(headers) {
        if !bearer_is_valid(s, bearer) {
            return Err(Box::new(invalid_token()));
        }
        Caller::ServiceAccount
    } else {
        if text("x-ovh-application") != Some(s.application_key.as_str()) {
            return Err(fail(StatusCode::FORBIDDEN, "INVALID_KEY", "Invalid application key"));
        }
        let (Some(ck), Some(ts), Some(signature)) =
            (text("x-ovh-consumer"), text("x-ovh-timestamp"), text("x-ovh-signature"))
        else {
            let refusal =
                ovh_error(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED", "You must login first");
            return Err(Box::new(bearer_challenge(refusal, REALM, None)));
        };
        let now = s.now();
        let Some((state, credential)) =
            s.lock().credentials.get(ck, now).map(|(state, c)| (state, c.clone()))
        else {
            return Err(fail(
                StatusCode::FORBIDDEN,
                "NOT_CREDENTIAL",
                "This credential does not exist",
            ));
        };
        // The URL as the client addressed it. Clients that sign the
        // canonical https URL (node-ovh, or any client behind a TLS proxy)
        // are accepted too: the real API only ever sees https.
        let host = text("host").unwrap_or("");
        let target = uri.path_and_query().map_or(full_path, |pq| pq.as_str());
        let bare_host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        let candidates = [
            format!("http://{host}{target}"),
            format!("https://{host}{target}"),
            format!("https://{bare_host}{target}"),
        ];
        let timestamp: i64 = ts
            .parse()
            .map_err(|_| fail(StatusCode::BAD_REQUEST, "INVALID_SIGNATURE", "Invalid signature"))?;
        let consumer_key = Secret::from(ck);
        let outcome = candidates
            .iter()
            .map(|url| {
                let request =
                    SignedRequest { method: method.as_str(), url, body, timestamp, signature };
                verify(&s.application_secret, &consumer_key, &request, now, DEFAULT_MAX_SKEW)
            })
            .find(|r| !matches!(r, Err(crate::Error::BadSignature | crate::Error::Malformed(_))))
            .unwrap_or(Err(crate::Error::BadSignature));
        match outcome {
            Ok(()) => {}
            Err(crate::Error::Expired | crate::Error::NotYetValid) => {
                return Err(fail(StatusCode::BAD_REQUEST, "QUERY_TIME_OUT", "Query out of time"));
            }
            Err(_) => {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    "INVALID_SIGNATURE",
                    "Invalid signature",
                ));
            }
        }
        if state != CredentialState::Validated {
            return Err(fail(
                StatusCode::FORBIDDEN,
                "INVALID_CREDENTIAL",
                "This credential is not valid",
            ));
        }
        if !always_granted(api_method, &rel)
            && !credential.rules.iter().any(|r| r.allows(api_method, &rel))
        {
            return Err(fail(
                StatusCode::FORBIDDEN,
                "NOT_GRANTED_CALL",
                "This call has not been granted",
            ));
        }
        Caller::Consumer { ck: ck.to_owned(), credential }
    };
    Ok(resource(s, api_method, &rel, uri.query(), headers, body, caller))
}

/// The fields of a DNS record a client may set, checked against the
/// fake's limits; `id` and `zone` (as read back) are ignored.
fn record_fields(body: &[u8]) -> Result<Map<String, Value>, &'static str> {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err("Invalid body");
    };
    let mut kept = Map::new();
    for (name, value) in fields {
        let limit = match name.as_str() {
            "id" | "zone" => continue,
            "fieldType" => 16,
            "subDomain" => 255,
            "target" => MAX_RECORD_TARGET_BYTES,
            "ttl" => {
                if !(value.is_u64() || value.is_null()) {
                    return Err("ttl is a number of seconds");
                }
                kept.insert(name, value);
                continue;
            }
            _ => return Err("Unknown record field"),
        };
        match &value {
            Value::String(text) if text.len() <= limit => {}
            Value::String(_) => return Err("Record field too long"),
            _ => return Err("Record fields are strings"),
        }
        kept.insert(name, value);
    }
    Ok(kept)
}

fn resource(
    s: &FakeState,
    method: Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    caller: Caller,
) -> Response {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let not_found =
        || ovh_error(StatusCode::NOT_FOUND, "NOT_FOUND", "The requested object does not exist");
    let invalid = |message: &str| ovh_error(StatusCode::BAD_REQUEST, "INVALID_PARAMETERS", message);
    let now = s.now();
    let mut data = s.lock();
    match (method, segments.as_slice()) {
        (Method::Get, ["auth", "currentCredential"]) => match caller {
            Caller::Consumer { credential: c, .. } => Json(json!({
                "credentialId": c.id,
                "applicationId": 1,
                "status": c.state_at(now),
                "rules": c.rules,
                "creation": iso8601(c.creation),
                "expiration": c.expiration.map(iso8601),
                "lastUse": iso8601(now),
                "ovhSupport": false,
            }))
            .into_response(),
            Caller::ServiceAccount => not_found(),
        },
        (Method::Post, ["auth", "logout"]) => {
            if let Caller::Consumer { ck, .. } = caller {
                data.credentials.remove(&ck);
            }
            Json(Value::Null).into_response()
        }
        (Method::Get, ["me"]) => Json(json!({"nichandle": "xx1234-ovh", "email": "customer@example.com", "firstname": "Jo", "name": "Customer"})).into_response(),
        (Method::Get, ["domain", "zone"]) => Json(data.zones.keys().collect::<Vec<_>>()).into_response(),
        (m, ["domain", "zone", zone, "record", rest @ ..]) => {
            let full = data.records >= MAX_RECORDS;
            let next_id = data.next_id + 1;
            let Some(records) = data.zones.get_mut(*zone) else { return not_found() };
            match (m, rest) {
                (Method::Get, []) => {
                    let filters: BTreeMap<String, String> = form_decode(query.unwrap_or("")).into_iter().collect();
                    let ids: Vec<u64> = records
                        .iter()
                        .filter(|(_, r)| filters.iter().all(|(k, v)| r.get(k).and_then(Value::as_str) == Some(v.as_str())))
                        .map(|(id, _)| *id)
                        .collect();
                    Json(ids).into_response()
                }
                (Method::Post, []) => {
                    let mut record = match record_fields(body) {
                        Ok(record) => record,
                        Err(message) => return invalid(message),
                    };
                    if !record.get("fieldType").is_some_and(Value::is_string) || !record.get("target").is_some_and(Value::is_string) {
                        return invalid("fieldType and target are required");
                    }
                    if full {
                        let message = format!("The fake holds at most {MAX_RECORDS} records: delete some first");
                        return invalid(&message);
                    }
                    record.insert("id".into(), json!(next_id));
                    record.insert("zone".into(), json!(zone));
                    records.insert(next_id, Value::Object(record.clone()));
                    data.next_id = next_id;
                    data.records += 1;
                    Json(Value::Object(record)).into_response()
                }
                (_, [id]) => {
                    let Ok(id) = id.parse::<u64>() else { return not_found() };
                    match m {
                        Method::Get => records.get(&id).map_or_else(not_found, |r| Json(r.clone()).into_response()),
                        Method::Delete => match records.remove(&id) {
                            Some(_) => {
                                data.records -= 1;
                                Json(Value::Null).into_response()
                            }
                            None => not_found(),
                        },
                        Method::Put => {
                            let Some(Value::Object(r)) = records.get_mut(&id) else { return not_found() };
                            match record_fields(body) {
                                Ok(changes) => {
                                    r.extend(changes);
                                    Json(Value::Null).into_response()
                                }
                                Err(message) => invalid(message),
                            }
                        }
                        _ => not_found(),
                    }
                }
                _ => not_found(),
            }
        }
        (Method::Get, ["v2", "iam", "resource"]) => {
            let start: usize = headers.get("x-pagination-cursor").and_then(|v| v.to_str().ok()).and_then(|c| c.parse().ok()).unwrap_or(0);
            let all: Vec<Value> = data.zones.keys().map(|z| json!({"id": z, "urn": format!("urn:v1:eu:resource:dnsZone:{z}"), "name": z, "type": "dnsZone"})).collect();
            let page: Vec<Value> = all.iter().skip(start).take(s.page_size).cloned().collect();
            let mut response = Json(page).into_response();
            if start + s.page_size < all.len() {
                if let Ok(v) = HeaderValue::from_str(&(start + s.page_size).to_string()) {
                    response.headers_mut().insert("x-pagination-cursor-next", v);
                }
            }
            response
        }
        _ => not_found(),
    }
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
    fn record_fields_are_bounded() {
        assert!(
            record_fields(br#"{"fieldType":"TXT","target":"v","ttl":60,"id":3,"zone":"z"}"#)
                .is_ok()
        );
        assert!(record_fields(br#"{"fieldType":"TXT","extra":"x"}"#).is_err());
        assert!(record_fields(br#"{"ttl":"60"}"#).is_err());
        assert!(record_fields(br#"{"target":1}"#).is_err());
        let long = format!(r#"{{"target":"{}"}}"#, "a".repeat(MAX_RECORD_TARGET_BYTES + 1));
        assert!(record_fields(long.as_bytes()).is_err());
        assert!(record_fields(b"[]").is_err());
    }
}
