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
use partner_core::encoding::form_decode;
use serde_json::{Map, Value, json};

use super::auth::{Caller, Received, Refusal, authenticate};
use super::credentials::FakeCredential;
use super::state::Data;
use super::{FakeState, MAX_RECORD_TARGET_BYTES, MAX_RECORDS, iso8601, ovh_error, with_query_id};
use crate::{Method, UnixTime};

/// Every signed route: authentication, then the resource tree.
pub(super) async fn api(
    State(s): State<Arc<FakeState>>,
    method: HttpMethod,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let qid = s.query_id();
    let answer = answer(&s, &method, &uri, &headers, &body).unwrap_or_else(|refusal| *refusal);
    with_query_id(answer, qid)
}

fn answer(
    s: &FakeState,
    method: &HttpMethod,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Refusal> {
    if let Some(failure) = injected_failure(s) {
        return Err(Box::new(failure));
    }
    let Some(api_method) = Method::parse(method.as_str()) else {
        let refusal =
            ovh_error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", "Method not allowed");
        return Err(Box::new(refusal));
    };
    let path = uri.path().strip_prefix("/1.0").unwrap_or(uri.path());
    let call = Received { method, api_method, path, uri, headers, body };
    let caller = authenticate(s, &call)?;
    Ok(resource(s, api_method, path, uri.query(), headers, body, caller))
}

/// A 503 while [`RunningOvh::inject_server_errors`](super::RunningOvh::inject_server_errors) asks for some.
fn injected_failure(s: &FakeState) -> Option<Response> {
    let left =
        s.inject_errors.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    left.is_ok().then(|| {
        let body = Json(json!({"message": "Service unavailable (injected)"}));
        (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
    })
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

fn not_found() -> Response {
    ovh_error(StatusCode::NOT_FOUND, "NOT_FOUND", "The requested object does not exist")
}

fn invalid(message: &str) -> Response {
    ovh_error(StatusCode::BAD_REQUEST, "INVALID_PARAMETERS", message)
}

/// The resource tree, for an authenticated caller.
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
    let now = s.now();
    let mut data = s.lock();
    match (method, segments.as_slice()) {
        (Method::Get, ["auth", "currentCredential"]) => match caller {
            Caller::Consumer { credential, .. } => current_credential(&credential, now),
            Caller::ServiceAccount => not_found(),
        },
        (Method::Post, ["auth", "logout"]) => {
            if let Caller::Consumer { ck, .. } = caller {
                data.credentials.remove(&ck);
            }
            Json(Value::Null).into_response()
        }
        (Method::Get, ["me"]) => Json(json!({
            "nichandle": "xx1234-ovh",
            "email": "customer@example.com",
            "firstname": "Jo",
            "name": "Customer",
        }))
        .into_response(),
        (Method::Get, ["domain", "zone"]) => {
            Json(data.zones.keys().collect::<Vec<_>>()).into_response()
        }
        (m, ["domain", "zone", zone, "record", rest @ ..]) => {
            records(&mut data, m, zone, rest, query, body)
        }
        (Method::Get, ["v2", "iam", "resource"]) => iam_resources(&data, s.page_size, headers),
        _ => not_found(),
    }
}

/// `GET /auth/currentCredential`.
fn current_credential(c: &FakeCredential, now: UnixTime) -> Response {
    Json(json!({
        "credentialId": c.id,
        "applicationId": 1,
        "status": c.state_at(now),
        "rules": c.rules,
        "creation": iso8601(c.creation),
        "expiration": c.expiration.map(iso8601),
        "lastUse": iso8601(now),
        "ovhSupport": false,
    }))
    .into_response()
}

/// `/domain/zone/{zone}/record[/{id}]`: list (filtered by the query),
/// create, read, change, delete.
fn records(
    data: &mut Data,
    method: Method,
    zone: &str,
    rest: &[&str],
    query: Option<&str>,
    body: &[u8],
) -> Response {
    let full = data.records >= MAX_RECORDS;
    let next_id = data.next_id + 1;
    let Some(records) = data.zones.get_mut(zone) else { return not_found() };
    match (method, rest) {
        (Method::Get, []) => {
            let filters: BTreeMap<String, String> =
                form_decode(query.unwrap_or("")).into_iter().collect();
            let matches = |r: &Value| {
                filters.iter().all(|(k, v)| r.get(k).and_then(Value::as_str) == Some(v.as_str()))
            };
            let ids: Vec<u64> =
                records.iter().filter(|(_, r)| matches(r)).map(|(id, _)| *id).collect();
            Json(ids).into_response()
        }
        (Method::Post, []) => {
            let mut record = match record_fields(body) {
                Ok(record) => record,
                Err(message) => return invalid(message),
            };
            let required = |name: &str| record.get(name).is_some_and(Value::is_string);
            if !required("fieldType") || !required("target") {
                return invalid("fieldType and target are required");
            }
            if full {
                return invalid(&format!(
                    "The fake holds at most {MAX_RECORDS} records: delete some first"
                ));
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
            match method {
                Method::Get => {
                    records.get(&id).map_or_else(not_found, |r| Json(r.clone()).into_response())
                }
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

/// `GET /v2/iam/resource`: the zones, `page_size` at a time, paged by
/// `X-Pagination-Cursor` / `X-Pagination-Cursor-Next`.
fn iam_resources(data: &Data, page_size: usize, headers: &HeaderMap) -> Response {
    let start: usize = headers
        .get("x-pagination-cursor")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let all: Vec<Value> = data
        .zones
        .keys()
        .map(|z| {
            let urn = format!("urn:v1:eu:resource:dnsZone:{z}");
            json!({"id": z, "urn": urn, "name": z, "type": "dnsZone"})
        })
        .collect();
    let page: Vec<Value> = all.iter().skip(start).take(page_size).cloned().collect();
    let mut response = Json(page).into_response();
    if start.saturating_add(page_size) < all.len() {
        if let Ok(v) = HeaderValue::from_str(&(start + page_size).to_string()) {
            response.headers_mut().insert("x-pagination-cursor-next", v);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

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
