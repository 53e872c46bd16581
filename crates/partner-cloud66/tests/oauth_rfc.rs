//! The fake's OAuth2 endpoints as RFC 6749 / RFC 6750 ask, its bounded
//! stores and body limits, and the crate's own client with HTTP Basic, over
//! real HTTP on 127.0.0.1.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use partner_core::http::reqwest;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use partner_cloud66::FixedClock;
use partner_cloud66::fake::{FakeCloud66, FakeCloud66Builder, RunningCloud66};
use partner_core::encoding::{base64_encode, form_decode, form_encode};
use serde_json::Value;

const REDIRECT: &str = "https://partner.example.com/cloud66/oauth";
const ID: &str = "client-1";
const SECRET: &str = "secret-1";

fn builder() -> FakeCloud66Builder {
    FakeCloud66::builder()
        .user("u-jon", "jon@smith.com", "Jon Smith")
        .oauth_app(ID, SECRET, REDIRECT)
        .stack("s1", "web")
        .clock(Arc::new(FixedClock::at_unix(1_700_000_000)))
}

async fn fake() -> RunningCloud66 {
    builder().start(0).await.unwrap()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// GETs `/oauth/authorize?<pairs>`; the status and the Location, if any.
async fn authorize(c66: &RunningCloud66, pairs: &[(&str, &str)]) -> (u16, Option<String>) {
    let url = format!("{}/oauth/authorize?{}", c66.base_url(), form_encode(pairs));
    let r = browser().get(url).send().await.unwrap();
    let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
    (r.status().as_u16(), location)
}

fn query_of(location: &str) -> HashMap<String, String> {
    let (_, query) = location.split_once('?').expect("a query");
    form_decode(query).into_iter().collect()
}

fn good(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![("client_id", ID), ("redirect_uri", REDIRECT), ("response_type", "code")];
    v.extend_from_slice(extra);
    v
}

/// A fresh code (with `redirect_uri` sent at authorize).
async fn code(c66: &RunningCloud66, scope: &'static str) -> String {
    let (status, location) = authorize(c66, &good(&[("scope", scope)])).await;
    assert_eq!(status, 302);
    query_of(&location.unwrap())["code"].clone()
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

async fn post_token(c66: &RunningCloud66, basic: Option<(&str, &str)>, body: &str) -> Answer {
    let mut request = reqwest::Client::new()
        .post(format!("{}/oauth/token", c66.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned());
    if let Some((id, secret)) = basic {
        request = request
            .header("authorization", format!("Basic {}", base64_encode(format!("{id}:{secret}"))));
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let json = serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null);
    Answer { status, headers, json }
}

fn exchange_body(code: &str) -> String {
    form_encode([
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", ID),
        ("client_secret", SECRET),
    ])
}

#[tokio::test]
async fn authorize_errors_go_back_to_the_client_once_it_is_known() {
    let c66 = fake().await;
    // response_type=token (implicit grant): not offered.
    let (status, location) = authorize(
        &c66,
        &[
            ("client_id", ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "token"),
            ("state", "s1"),
        ],
    )
    .await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(location.starts_with(&format!("{REDIRECT}?")), "{location}");
    let q = query_of(&location);
    assert_eq!(q["error"], "unsupported_response_type");
    assert!(q.contains_key("error_description"));
    assert_eq!(q["state"], "s1");
    assert!(!q.contains_key("code"));

    let (status, location) =
        authorize(&c66, &[("client_id", ID), ("redirect_uri", REDIRECT), ("state", "s2")]).await;
    assert_eq!(status, 302);
    let q = query_of(&location.unwrap());
    assert_eq!((q["error"].as_str(), q["state"].as_str()), ("invalid_request", "s2"));

    let (_, location) = authorize(&c66, &good(&[("scope", "public root")])).await;
    assert_eq!(query_of(&location.unwrap())["error"], "invalid_scope");

    let (_, location) = authorize(&c66, &good(&[("scope", "public"), ("scope", "admin")])).await;
    assert_eq!(query_of(&location.unwrap())["error"], "invalid_request", "repeated scope");
}

#[tokio::test]
async fn an_unknown_client_or_redirect_uri_gets_a_page_never_a_redirect() {
    let c66 = fake().await;
    for pairs in [
        vec![
            ("client_id", ID),
            ("redirect_uri", "https://evil.example/cb"),
            ("response_type", "token"),
        ],
        vec![("client_id", "other"), ("redirect_uri", REDIRECT), ("response_type", "code")],
        vec![("redirect_uri", REDIRECT), ("response_type", "code")],
        vec![
            ("client_id", ID),
            ("redirect_uri", REDIRECT),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
        ],
    ] {
        let (status, location) = authorize(&c66, &pairs).await;
        assert_eq!((status, location), (400, None), "{pairs:?}");
    }
    assert_eq!(c66.code_count(), 0);
}

#[tokio::test]
async fn state_is_returned_only_when_sent() {
    let c66 = fake().await;
    let (status, location) = authorize(&c66, &good(&[])).await;
    assert_eq!(status, 302);
    let q = query_of(&location.unwrap());
    assert!(q.contains_key("code"));
    assert!(!q.contains_key("state"), "no state sent, none returned");
    let (_, location) = authorize(&c66, &good(&[("scope", "nope")])).await;
    assert!(!query_of(&location.unwrap()).contains_key("state"), "errors too");
    let (_, location) = authorize(&c66, &good(&[("state", "a&b c")])).await;
    assert_eq!(query_of(&location.unwrap())["state"], "a&b c");
}

#[tokio::test]
async fn token_answers_are_not_stored_and_codes_are_single_use() {
    let c66 = fake().await;
    let code = code(&c66, "public").await;
    let ok = post_token(&c66, None, &exchange_body(&code)).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.headers["cache-control"], "no-store");
    assert_eq!(ok.headers["pragma"], "no-cache");
    assert_eq!(ok.json["token_type"], "bearer");
    assert_eq!(ok.json["scope"], "public");
    assert_eq!(ok.json["created_at"], 1_700_000_000);
    assert!(ok.json.get("expires_in").is_none());

    let again = post_token(&c66, None, &exchange_body(&code)).await;
    assert_eq!((again.status, again.json["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(again.headers["cache-control"], "no-store", "errors too");
    assert_eq!(again.headers["pragma"], "no-cache");
}

#[tokio::test]
async fn client_authentication_by_basic_or_body_never_both() {
    let c66 = fake().await;
    let body_without_client = |code: &str| {
        form_encode([
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ])
    };
    // Basic, right secret.
    let c = code(&c66, "public").await;
    let ok = post_token(&c66, Some((ID, SECRET)), &body_without_client(&c)).await;
    assert_eq!(ok.status, 200, "{}", ok.json);
    // Basic, wrong secret: 401 with a Basic challenge.
    let c = code(&c66, "public").await;
    let bad = post_token(&c66, Some((ID, "wrong")), &body_without_client(&c)).await;
    assert_eq!((bad.status, bad.json["error"].as_str()), (401, Some("invalid_client")));
    assert!(bad.headers["www-authenticate"].to_str().unwrap().starts_with("Basic "));
    // Body, wrong secret: 401, no challenge (the client did not use Basic).
    let body = form_encode([
        ("grant_type", "authorization_code"),
        ("code", c.as_str()),
        ("client_id", ID),
        ("client_secret", "wrong"),
    ]);
    let bad = post_token(&c66, None, &body).await;
    assert_eq!(bad.status, 401);
    assert!(bad.headers.get("www-authenticate").is_none());
    // No client authentication at all.
    let bad = post_token(&c66, None, &body_without_client(&c)).await;
    assert_eq!((bad.status, bad.json["error"].as_str()), (401, Some("invalid_client")));
    // Both at once.
    let c = code(&c66, "public").await;
    let both = post_token(&c66, Some((ID, SECRET)), &exchange_body(&c)).await;
    assert_eq!((both.status, both.json["error"].as_str()), (400, Some("invalid_request")));
}

#[tokio::test]
async fn grant_type_code_and_redirect_uri_are_checked() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let c66 = builder().clock(clock.clone()).start(0).await.unwrap();
    let with = |pairs: &[(&str, &str)]| {
        let mut v = vec![("client_id", ID), ("client_secret", SECRET)];
        v.extend_from_slice(pairs);
        form_encode(v)
    };
    let error = |a: Answer| (a.status, a.json["error"].as_str().unwrap_or("").to_owned());

    let a = post_token(&c66, None, &with(&[("grant_type", "password"), ("username", "u")])).await;
    assert_eq!(error(a), (400, "unsupported_grant_type".to_owned()));
    let a = post_token(&c66, None, &with(&[("code", "x")])).await;
    assert_eq!(error(a), (400, "invalid_request".to_owned()), "grant_type missing");
    let a = post_token(&c66, None, &with(&[("grant_type", "authorization_code")])).await;
    assert_eq!(error(a), (400, "invalid_request".to_owned()), "code missing");

    // A repeated parameter.
    let c = code(&c66, "public").await;
    let a = post_token(
        &c66,
        None,
        &with(&[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("code", &c),
            ("redirect_uri", REDIRECT),
        ]),
    )
    .await;
    assert_eq!(error(a), (400, "invalid_request".to_owned()));

    // redirect_uri was sent at authorize: required, and the same.
    let c = code(&c66, "public").await;
    let a =
        post_token(&c66, None, &with(&[("grant_type", "authorization_code"), ("code", &c)])).await;
    assert_eq!(error(a), (400, "invalid_grant".to_owned()), "redirect_uri missing");
    let c = code(&c66, "public").await;
    let a = post_token(
        &c66,
        None,
        &with(&[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", "https://partner.example.com/other"),
        ]),
    )
    .await;
    assert_eq!(error(a), (400, "invalid_grant".to_owned()), "redirect_uri differs");

    // Not sent at authorize: not needed at the token endpoint.
    let (_, location) = authorize(&c66, &[("client_id", ID), ("response_type", "code")]).await;
    let location = location.unwrap();
    assert!(location.starts_with(REDIRECT), "the registered redirect URI is used");
    let c = query_of(&location)["code"].clone();
    let a =
        post_token(&c66, None, &with(&[("grant_type", "authorization_code"), ("code", &c)])).await;
    assert_eq!(a.status, 200, "{}", a.json);

    // A code expires after ten minutes.
    let c = code(&c66, "public").await;
    clock.advance(Duration::from_secs(601));
    let a = post_token(&c66, None, &exchange_body(&c)).await;
    assert_eq!(error(a), (400, "invalid_grant".to_owned()), "expired");
    let c = code(&c66, "public").await;
    clock.advance(Duration::from_secs(599));
    assert_eq!(post_token(&c66, None, &exchange_body(&c)).await.status, 200);
}

#[tokio::test]
async fn a_multipart_token_request_works() {
    let c66 = fake().await;
    let c = code(&c66, "public").await;
    let mut body = String::new();
    for (name, value) in [
        ("grant_type", "authorization_code"),
        ("code", c.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", ID),
        ("client_secret", SECRET),
    ] {
        body.push_str(&format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str("--XyZ--\r\n");
    let r = reqwest::Client::new()
        .post(format!("{}/oauth/token", c66.base_url()))
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let json: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert!(json["access_token"].as_str().is_some_and(|t| !t.is_empty()));
}

async fn token(c66: &RunningCloud66, scope: &'static str) -> String {
    let c = code(c66, scope).await;
    let a = post_token(c66, None, &exchange_body(&c)).await;
    assert_eq!(a.status, 200);
    a.json["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn bearer_refusals_carry_challenges() {
    let c66 = fake().await;
    let api = c66.api_base_url();
    let http = reqwest::Client::new();

    let r = http.get(format!("{api}/stacks")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"Cloud 66\"", "no token: no error");
    let json: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert!(json["error"].is_string() && json["error_description"].is_string());

    let r = http.get(format!("{api}/stacks")).bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.starts_with("Bearer realm=\"Cloud 66\", error=\"invalid_token\""),
        "{challenge}"
    );
    let json: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(json["error"], "invalid_token");

    let public = token(&c66, "public").await;
    let r = http
        .post(format!("{api}/stacks/s1/deployments"))
        .bearer_auth(&public)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.starts_with("Bearer realm=\"Cloud 66\", error=\"insufficient_scope\""),
        "{challenge}"
    );
    let json: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(json["error"], "insufficient_scope");

    let r = http.get(format!("{api}/stacks")).bearer_auth(&public).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("www-authenticate").is_none());
}

#[tokio::test]
async fn stores_are_bounded_and_drop_the_oldest() {
    let c66 = builder().max_codes(3).max_tokens(2).start(0).await.unwrap();
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(code(&c66, "public").await);
    }
    assert_eq!(c66.code_count(), 3, "five issued, three held");
    let first = post_token(&c66, None, &exchange_body(&codes[0])).await;
    assert_eq!(first.json["error"], "invalid_grant", "the oldest was dropped");
    assert_eq!(post_token(&c66, None, &exchange_body(&codes[1])).await.status, 400);
    assert_eq!(c66.code_count(), 3);
    let mut tokens = Vec::new();
    for c in &codes[2..] {
        let a = post_token(&c66, None, &exchange_body(c)).await;
        assert_eq!(a.status, 200);
        tokens.push(a.json["access_token"].as_str().unwrap().to_owned());
    }
    assert_eq!(c66.code_count(), 0, "exchanged codes are gone");
    assert_eq!(c66.token_count(), 2, "three issued, two held");
    let http = reqwest::Client::new();
    let status = |t: String| {
        let http = http.clone();
        let url = format!("{}/stacks", c66.api_base_url());
        async move { http.get(url).bearer_auth(t).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(tokens[0].clone()).await, 401, "the oldest token was dropped");
    assert_eq!(status(tokens[1].clone()).await, 200);
    assert_eq!(status(tokens[2].clone()).await, 200);
}

#[tokio::test]
async fn bodies_are_limited_per_route() {
    let c66 = fake().await;
    let http = reqwest::Client::new();
    let padded = |n: usize| format!("grant_type=authorization_code&pad={}", "a".repeat(n));
    let r = http
        .post(format!("{}/oauth/token", c66.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(padded(9 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413, "token endpoint: 8 KiB");
    let r = http
        .post(format!("{}/oauth/token", c66.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(padded(7 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "under the limit: read (and refused for no client)");
    let r = http
        .post(c66.partner_endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("link_uid=u-jon&pad={}", "a".repeat(17 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413, "partner endpoint: 16 KiB");
}

/// A one-shot loopback server that records the raw request (head and body)
/// and answers with a token.
async fn recording_token_server() -> (String, tokio::task::JoinHandle<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            raw.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&raw).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let body = r#"{"access_token":"t","token_type":"bearer","scope":"public","created_at":1}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(answer.as_bytes()).await.unwrap();
        String::from_utf8_lossy(&raw).to_string()
    });
    (base, task)
}

#[tokio::test]
async fn the_crates_client_offers_basic_authentication() {
    use partner_cloud66::{ClientAuth, OAuthClient};
    let c66 = fake().await;
    let client = |secret: &str, auth: ClientAuth| {
        OAuthClient::builder(ID, secret.to_owned())
            .redirect_uri(REDIRECT)
            .client_auth(auth)
            .base_url(c66.base_url())
            .build()
            .unwrap()
    };
    let c = code(&c66, "public").await;
    let t = client(SECRET, ClientAuth::Basic).exchange_code(&c).await.unwrap();
    assert_eq!(t.token_type, "bearer");
    let err = client("wrong", ClientAuth::Basic).exchange_code("x").await.unwrap_err();
    let rejection = err.rejection().unwrap();
    assert_eq!((rejection.status, rejection.code.as_deref()), (401, Some("invalid_client")));
    // The body method still works.
    let c = code(&c66, "public").await;
    client(SECRET, ClientAuth::Body).exchange_code(&c).await.unwrap();

    // On the wire (Basic is the default): the credentials in the header,
    // form-encoded (§2.3.1), not in the body.
    let (base, seen) = recording_token_server().await;
    let client = OAuthClient::builder("my app", "s:cret/")
        .redirect_uri(REDIRECT)
        .base_url(base)
        .build()
        .unwrap();
    client.exchange_code("the-code").await.unwrap();
    let raw = seen.await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let authorization = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("authorization").then(|| value.trim().to_owned())
    });
    // base64("my+app:s%3Acret%2F")
    assert_eq!(authorization.as_deref(), Some("Basic bXkrYXBwOnMlM0FjcmV0JTJG"), "{head}");
    assert!(!body.contains("client_secret") && !body.contains("client_id"), "{body}");
    assert!(body.contains("code=the-code"));
}
