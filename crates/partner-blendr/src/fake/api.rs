//! The fake SaaS Partner API: credentials, the rate limit, paged lists.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::state::HubState;

/// Checks credentials and the rate limit; adds the rate-limit headers.
fn api_gate(
    state: &HubState,
    headers: &HeaderMap,
) -> Result<Vec<(&'static str, String)>, Box<Response>> {
    let app_ok = headers.get("x-app-id").is_some_and(|v| v.as_bytes() == state.app_id.as_bytes());
    let key_ok = headers.get("x-api-key").is_some_and(|v| state.api_key.ct_eq(v.as_bytes()));
    if !(app_ok && key_ok) {
        let refusal = (StatusCode::UNAUTHORIZED, Json(json!({"message": "Unauthenticated."})));
        return Err(Box::new(refusal.into_response()));
    }
    let Some(limit) = state.rate_limit else {
        return Ok(Vec::new());
    };
    let now = state.clock.unix_time();
    let mut data = state.lock();
    let (start, count) = match data.window {
        Some((start, count)) if now.seconds_since(start) < 60 => (start, count),
        _ => (now, 0),
    };
    let reset = start.saturating_add(Duration::from_secs(60));
    if count >= limit {
        data.window = Some((start, count));
        let retry_after = reset.seconds_since(now).max(1);
        let mut response =
            (StatusCode::TOO_MANY_REQUESTS, Json(json!({"message": "Too Many Attempts."})))
                .into_response();
        for (name, value) in [
            ("retry-after", retry_after.to_string()),
            ("x-ratelimit-limit", limit.to_string()),
            ("x-ratelimit-remaining", "0".to_owned()),
            ("x-ratelimit-reset", reset.to_string()),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, v);
            }
        }
        return Err(Box::new(response));
    }
    data.window = Some((start, count + 1));
    Ok(vec![
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", (limit - count - 1).to_string()),
    ])
}

fn with_headers(mut response: Response, headers: Vec<(&'static str, String)>) -> Response {
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, v);
        }
    }
    response
}

fn page_of(items: Vec<Value>, page: usize, size: usize, path: &str) -> Value {
    let total = items.len();
    let last = total.div_ceil(size).max(1);
    let data: Vec<Value> = items.into_iter().skip((page - 1) * size).take(size).collect();
    let link = |p: usize| Value::from(format!("{path}?page={p}"));
    json!({
        "data": data,
        "links": {
            "first": link(1), "last": link(last),
            "prev": if page > 1 { link(page - 1) } else { Value::Null },
            "next": if page < last { link(page + 1) } else { Value::Null },
        },
        "meta": {"current_page": page, "last_page": last, "per_page": size, "total": total},
    })
}

fn page_number(q: &BTreeMap<String, String>) -> Option<usize> {
    match q.get("page") {
        None => Some(1),
        Some(p) => p.parse().ok().filter(|p| *p >= 1),
    }
}

fn bad_page() -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"message": "page must be a positive integer"})))
        .into_response()
}

fn missing(what: &str) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"message": format!("{what} not found")}))).into_response()
}

pub(super) async fn templates(
    State(state): State<Arc<HubState>>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let rl = match api_gate(&state, &headers) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let Some(page) = page_number(&q) else { return with_headers(bad_page(), rl) };
    let items = state.lock().templates.iter().map(|(g, n)| json!({"guid": g, "name": n})).collect();
    with_headers(Json(page_of(items, page, state.page_size, "/v1/templates")).into_response(), rl)
}

pub(super) async fn account(
    State(state): State<Arc<HubState>>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let rl = match api_gate(&state, &headers) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let mut data = state.lock();
    let response = if method == Method::DELETE {
        match data.accounts.remove(&id) {
            Some(_) => StatusCode::NO_CONTENT.into_response(),
            None => missing("account"),
        }
    } else {
        match data.accounts.get(&id) {
            Some(a) => {
                Json(json!({"data": {"externalid": id, "name": a.name, "blends": a.blends.len()}}))
                    .into_response()
            }
            None => missing("account"),
        }
    };
    with_headers(response, rl)
}

pub(super) async fn blends(
    State(state): State<Arc<HubState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let rl = match api_gate(&state, &headers) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let Some(page) = page_number(&q) else { return with_headers(bad_page(), rl) };
    let items = match state.lock().accounts.get(&id) {
        Some(a) => {
            a.blends.iter().map(|(g, n)| json!({"guid": g, "name": n, "active": true})).collect()
        }
        None => return with_headers(missing("account"), rl),
    };
    let path = format!("/v1/accounts/{id}/blends");
    with_headers(Json(page_of(items, page, state.page_size, &path)).into_response(), rl)
}

pub(super) async fn blend(
    State(state): State<Arc<HubState>>,
    headers: HeaderMap,
    Path((id, guid)): Path<(String, String)>,
) -> Response {
    let rl = match api_gate(&state, &headers) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let found = state
        .lock()
        .accounts
        .get(&id)
        .and_then(|a| a.blends.iter().find(|(g, _)| *g == guid).cloned());
    let response = match found {
        Some((g, n)) => {
            Json(json!({"data": {"guid": g, "name": n, "active": true}})).into_response()
        }
        None => missing("blend"),
    };
    with_headers(response, rl)
}

pub(super) async fn run(
    State(state): State<Arc<HubState>>,
    headers: HeaderMap,
    Path((id, guid)): Path<(String, String)>,
    body: String,
) -> Response {
    let rl = match api_gate(&state, &headers) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    let exists =
        state.lock().accounts.get(&id).is_some_and(|a| a.blends.iter().any(|(g, _)| *g == guid));
    if !exists {
        return with_headers(missing("blend"), rl);
    }
    let parsed: Option<Value> = serde_json::from_str(&body).ok();
    let (run_async, inputs) = match parsed.as_ref().and_then(Value::as_object) {
        Some(obj) => (
            obj.get("async").and_then(Value::as_bool),
            obj.get("inputs").cloned().unwrap_or(json!({})),
        ),
        None => (None, Value::Null),
    };
    let response = match (run_async, inputs.is_object()) {
        (Some(run_async), true) => Json(json!({"data": {
            "blend": guid,
            "status": if run_async { "queued" } else { "completed" },
            "inputs": inputs,
        }}))
        .into_response(),
        _ => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "body must be {async: bool, inputs: object}"})),
        )
            .into_response(),
    };
    with_headers(response, rl)
}

pub(super) async fn not_found(State(state): State<Arc<HubState>>, headers: HeaderMap) -> Response {
    match api_gate(&state, &headers) {
        Ok(rl) => with_headers(missing("route"), rl),
        Err(r) => *r,
    }
}

#[cfg(test)]
mod tests {
    use super::page_number;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        // The fake's own parser of client input (its verifiers have theirs).
        #[test]
        fn page_numbers_are_positive_integers_or_refused(page in prop_oneof!["\\PC{0,22}", any::<i64>().prop_map(|n| n.to_string())]) {
            let q = BTreeMap::from([("page".to_owned(), page.clone())]);
            match page_number(&q) {
                Some(n) => prop_assert_eq!(Some(n), page.parse::<usize>().ok().filter(|n| *n >= 1)),
                None => prop_assert!(page.parse::<usize>().ok().filter(|n| *n >= 1).is_none()),
            }
            prop_assert_eq!(page_number(&BTreeMap::new()), Some(1));
        }
    }
}
