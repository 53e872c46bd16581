//! The fake Cheetah against what real clients send: the `oauth2` crate on
//! its defaults, `curl -F` multipart bodies, HTTP Basic, bearer challenges
//! (RFC 6749 / RFC 6750), and its stores under many tokens and members.
//! Real HTTP on 127.0.0.1.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{AuthType, ClientId, ClientSecret, RequestTokenError, TokenResponse, TokenUrl};
use partner_cheetah::fake::{FakeCheetah, MAX_BODY_BYTES, RunningCheetah};
use partner_cheetah::{
    CheetahClient, ClientAuth, ErrorKind, FixedClock, HasErrorKind, MatchBy, MemberSsoRequest,
};
use partner_core::encoding::base64_encode;
use partner_core::http::reqwest::{self, header::HeaderMap};
use serde_json::Value;

const ID: &str = "integration-client";
const SECRET: &str = "integration-secret";
const STELLAR: &str = "application/vnd.stellar-v1+json";
/// The boundary curl writes.
const BOUNDARY: &str = "------------------------d74496d66958873e";

async fn fake() -> (RunningCheetah, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = FakeCheetah::builder()
        .credentials(ID, SECRET)
        .token_lifetime(Duration::from_secs(7200))
        .clock(clock.clone())
        .start(0)
        .await
        .unwrap();
    (fake, clock)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn oauth2_http() -> oauth2::reqwest::Client {
    oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The body `curl -F name=value ...` sends.
fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    (format!("multipart/form-data; boundary={BOUNDARY}"), body.into_bytes())
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", base64_encode(format!("{id}:{secret}")))
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    json: Value,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer { status, headers, json }
}

async fn post_form(
    fake: &RunningCheetah,
    path: &str,
    fields: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> Answer {
    let mut request = http()
        .post(format!("{}{path}", fake.base_url()))
        .header("accept", STELLAR)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(partner_core::encoding::form_encode(fields.iter().copied()));
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    answer(request).await
}

async fn post_multipart(
    fake: &RunningCheetah,
    path: &str,
    fields: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> Answer {
    let (content_type, body) = multipart(fields);
    let mut request = http()
        .post(format!("{}{path}", fake.base_url()))
        .header("accept", STELLAR)
        .header("content-type", content_type)
        .body(body);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    answer(request).await
}

fn member<'a>(integration_id: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("integration_id", integration_id),
        ("first_name", "Susan"),
        ("last_name", "Sample"),
        ("email", email),
    ]
}

async fn sso_with_token(fake: &RunningCheetah, token: &str) -> Answer {
    let mut fields = vec![("access_token", token)];
    fields.extend(member("user-42", "susan@example.com"));
    post_form(fake, "/program/api/sso", &fields, &[]).await
}

fn oauth2_client(
    fake: &RunningCheetah,
    secret: &str,
) -> BasicClient<
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
> {
    BasicClient::new(ClientId::new(ID.to_owned()))
        .set_client_secret(ClientSecret::new(secret.to_owned()))
        .set_token_uri(TokenUrl::new(format!("{}/oauth/token", fake.base_url())).unwrap())
}

#[tokio::test]
async fn the_oauth2_crate_on_its_defaults_gets_a_token_by_basic() {
    let (fake, _) = fake().await;
    // Default AuthType is Basic; oauth2 sends `Accept: application/json`.
    let token = oauth2_client(&fake, SECRET)
        .exchange_client_credentials()
        .request_async(&oauth2_http())
        .await;
    let token = token.unwrap();
    assert_eq!(*token.token_type(), oauth2::basic::BasicTokenType::Bearer);
    assert_eq!(token.expires_in(), Some(Duration::from_secs(7200)));
    assert_eq!(fake.token_requests(), 1);
    // The token it got is one the SSO endpoint takes.
    let sso = sso_with_token(&fake, token.access_token().secret()).await;
    assert_eq!(sso.status, 200, "{:?}", sso.json);
    assert_eq!(sso.json["member_id"], "A-000000001");

    let wrong = oauth2_client(&fake, "wrong")
        .exchange_client_credentials()
        .request_async(&oauth2_http())
        .await;
    match wrong.unwrap_err() {
        RequestTokenError::ServerResponse(err) => {
            assert_eq!(*err.error(), BasicErrorResponseType::InvalidClient);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_oauth2_crate_with_credentials_in_the_body_gets_a_token() {
    let (fake, _) = fake().await;
    let token = oauth2_client(&fake, SECRET)
        .set_auth_type(AuthType::RequestBody)
        .exchange_client_credentials()
        .request_async(&oauth2_http())
        .await
        .unwrap();
    let sso = sso_with_token(&fake, token.access_token().secret()).await;
    assert_eq!(sso.status, 200, "{:?}", sso.json);
}

#[tokio::test]
async fn the_token_endpoint_answers_as_rfc_6749_asks() {
    let (fake, _) = fake().await;
    let grant = ("grant_type", "client_credentials");
    let ok =
        post_form(&fake, "/oauth/token", &[grant], &[("authorization", &basic(ID, SECRET))]).await;
    assert_eq!(ok.status, 200, "{:?}", ok.json);
    assert_eq!((ok.header("cache-control"), ok.header("pragma")), ("no-store", "no-cache"));
    assert_eq!(ok.json["token_type"], "Bearer");
    assert_eq!(ok.json["expires_in"], 7200);
    assert_eq!(ok.json["created_at"], 1_700_000_000);

    // A wrong Basic secret: 401 with a Basic challenge, no-store.
    let bad =
        post_form(&fake, "/oauth/token", &[grant], &[("authorization", &basic(ID, "nope"))]).await;
    assert_eq!((bad.status, bad.json["error"].as_str()), (401, Some("invalid_client")));
    assert!(bad.header("www-authenticate").starts_with("Basic "), "{:?}", bad.headers);
    assert_eq!(bad.header("cache-control"), "no-store");
    // A wrong body secret: 401, no Basic challenge.
    let bad = post_form(
        &fake,
        "/oauth/token",
        &[grant, ("client_id", ID), ("client_secret", "nope")],
        &[],
    )
    .await;
    assert_eq!((bad.status, bad.json["error"].as_str()), (401, Some("invalid_client")));
    assert!(bad.headers.get("www-authenticate").is_none());
    // No client authentication at all.
    let none = post_form(&fake, "/oauth/token", &[grant], &[]).await;
    assert_eq!((none.status, none.json["error"].as_str()), (401, Some("invalid_client")));

    let creds = [("client_id", ID), ("client_secret", SECRET)];
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<(&'a str, String)>, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (creds.to_vec(), vec![], "invalid_request"),
        ([&[("grant_type", "password")][..], &creds].concat(), vec![], "unsupported_grant_type"),
        ([&[grant, ("client_id", ID)][..], &creds].concat(), vec![], "invalid_request"),
        ([&[grant, grant][..], &creds].concat(), vec![], "invalid_request"),
        (
            [&[grant][..], &creds].concat(),
            vec![("authorization", basic(ID, SECRET))],
            "invalid_request",
        ),
    ];
    for (fields, headers, error) in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let a = post_form(&fake, "/oauth/token", &fields, &headers).await;
        assert_eq!((a.status, a.json["error"].as_str()), (400, Some(error)), "{fields:?}");
        assert_eq!(a.header("cache-control"), "no-store");
    }

    // Any Accept is served on the token endpoint (oauth2 sends application/json).
    let a = answer(
        http()
            .post(format!("{}/oauth/token", fake.base_url()))
            .header("accept", "application/json")
            .header("authorization", basic(ID, SECRET))
            .form(&[grant]),
    )
    .await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn curl_f_multipart_bodies_work_on_token_and_sso() {
    let (fake, _) = fake().await;
    let token = post_multipart(
        &fake,
        "/oauth/token",
        &[("grant_type", "client_credentials"), ("client_id", ID), ("client_secret", SECRET)],
        &[],
    )
    .await;
    assert_eq!(token.status, 200, "{:?}", token.json);
    let access = token.json["access_token"].as_str().unwrap().to_owned();

    let mut fields = vec![("access_token", access.as_str())];
    fields.extend(member("user-42", "susan@example.com"));
    let sso = post_multipart(&fake, "/program/api/sso", &fields, &[]).await;
    assert_eq!(sso.status, 200, "{:?}", sso.json);
    assert_eq!(sso.json["member_id"], "A-000000001");
    assert_eq!(sso.header("cache-control"), "no-store");

    let mut fields = vec![("client_id", ID), ("client_secret", SECRET)];
    fields.extend(member("user-43", "al@example.com"));
    let sso = post_multipart(&fake, "/console/api/sso", &fields, &[]).await;
    assert_eq!(sso.status, 200, "{:?}", sso.json);
    assert_eq!(sso.json["member_id"], "A-000000002");

    // The SSO endpoint takes the client credentials by Basic too.
    let sso = post_multipart(
        &fake,
        "/program/api/sso",
        &member("user-44", "b@example.com"),
        &[("authorization", &basic(ID, SECRET))],
    )
    .await;
    assert_eq!(sso.status, 200, "{:?}", sso.json);
    let bad = post_multipart(
        &fake,
        "/program/api/sso",
        &member("user-44", "b@example.com"),
        &[("authorization", &basic(ID, "nope"))],
    )
    .await;
    assert_eq!((bad.status, bad.json["error"].as_str()), (401, Some("invalid_client")));
    assert!(bad.header("www-authenticate").starts_with("Basic "));
    assert_eq!(fake.members().len(), 3);
}

#[tokio::test]
async fn bearer_refusals_carry_a_challenge() {
    let (fake, clock) = fake().await;
    let profile = format!("{}/api/member/profile", fake.base_url());
    let none = answer(http().get(&profile)).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.header("www-authenticate"), "Bearer realm=\"Stellar\"", "no error part");
    let bad = answer(http().get(&profile).bearer_auth("not-a-token")).await;
    assert_eq!(bad.status, 401);
    assert_eq!(
        bad.header("www-authenticate"),
        "Bearer realm=\"Stellar\", error=\"invalid_token\", error_description=\"The access token is invalid\""
    );

    let sso = sso_with_token(&fake, "not-a-token").await;
    assert_eq!((sso.status, sso.json["error"].as_str()), (401, Some("invalid_token")));
    assert!(sso.header("www-authenticate").contains("error=\"invalid_token\""));
    // No credentials at all: invalid_client, with the bare challenge.
    let anon = post_form(&fake, "/program/api/sso", &member("u", "u@x.co"), &[]).await;
    assert_eq!((anon.status, anon.json["error"].as_str()), (401, Some("invalid_client")));
    assert_eq!(anon.header("www-authenticate"), "Bearer realm=\"Stellar\"");

    // An expired integration token says so; the member token works until
    // it expires too.
    let token = post_form(
        &fake,
        "/oauth/token",
        &[("grant_type", "client_credentials"), ("client_id", ID), ("client_secret", SECRET)],
        &[],
    )
    .await;
    let token = token.json["access_token"].as_str().unwrap().to_owned();
    let sso = sso_with_token(&fake, &token).await;
    let member_token = sso.json["access_token"].as_str().unwrap().to_owned();
    let ok = answer(http().get(&profile).bearer_auth(&member_token)).await;
    assert_eq!((ok.status, ok.json["first_name"].as_str()), (200, Some("Susan")));
    clock.advance(Duration::from_secs(7200));
    let expired = sso_with_token(&fake, &token).await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.json["error_description"], "The access token expired");
    assert!(expired.header("www-authenticate").contains("error=\"invalid_token\""));
    let expired = answer(http().get(&profile).bearer_auth(&member_token)).await;
    assert_eq!(expired.status, 401);

    // The Stellar Accept header is still required on the SSO route.
    let a = answer(
        http()
            .post(format!("{}/program/api/sso", fake.base_url()))
            .header("accept", "application/json")
            .form(&member("u", "u@x.co")),
    )
    .await;
    assert_eq!(a.status, 406);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_tokens_are_each_found() {
    let (fake, _) = fake().await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let url = format!("{}/oauth/token", fake.base_url());
            tokio::spawn(async move {
                let client = http();
                let mut tokens = Vec::new();
                for _ in 0..625 {
                    let r = client
                        .post(&url)
                        .basic_auth(ID, Some(SECRET))
                        .form(&[("grant_type", "client_credentials")])
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    let json: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
                    tokens.push(json["access_token"].as_str().unwrap().to_owned());
                }
                tokens
            })
        })
        .collect();
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.extend(t.await.unwrap());
    }
    assert_eq!(tokens.len(), 5_000);
    let distinct: std::collections::HashSet<_> = tokens.iter().collect();
    assert_eq!(distinct.len(), 5_000);
    for i in [0, 1, 2_499, 4_998, 4_999] {
        let sso = sso_with_token(&fake, &tokens[i]).await;
        assert_eq!(sso.status, 200, "token {i}: {:?}", sso.json);
    }
    // By the header as well, and a token one character off is refused.
    let sso = post_form(
        &fake,
        "/program/api/sso",
        &member("user-42", "susan@example.com"),
        &[("authorization", &format!("Bearer {}", tokens[1_234]))],
    )
    .await;
    assert_eq!(sso.status, 200);
    let mut off = tokens[1_234].clone().into_bytes();
    off[0] = if off[0] == b'A' { b'B' } else { b'A' };
    let sso = sso_with_token(&fake, &String::from_utf8(off).unwrap()).await;
    assert_eq!(sso.status, 401);
    assert_eq!(fake.members().len(), 1);
}

#[tokio::test]
async fn members_are_matched_by_their_current_id_and_email() {
    let (fake, clock) = fake().await;
    let client =
        CheetahClient::builder(ID, SECRET).base_url(fake.base_url()).clock(clock).build().unwrap();
    let sso = |id: &str, email: &str, by: MatchBy| {
        let request = MemberSsoRequest::new(id, "F", "L", email).matched_by(by);
        let client = client.clone();
        async move { client.sso(&request).await.map(|r| r.member_id) }
    };
    assert_eq!(sso("a", "a@x.co", MatchBy::IntegrationId).await.unwrap(), "A-000000001");
    assert_eq!(sso("b", "b@x.co", MatchBy::IntegrationId).await.unwrap(), "A-000000002");
    // a changes e-mail: the old address no longer finds a; the new one
    // does, in any case.
    assert_eq!(sso("a", "A2@x.co", MatchBy::IntegrationId).await.unwrap(), "A-000000001");
    assert_eq!(sso("", "a2@X.CO", MatchBy::Email).await.unwrap(), "A-000000001");
    assert_eq!(sso("a", "a2@x.co", MatchBy::Both).await.unwrap(), "A-000000001");
    assert_eq!(sso("a3", "a@x.co", MatchBy::Email).await.unwrap(), "A-000000003", "a new member");
    // b changes id through an e-mail match: "b" is free, "b2" finds b.
    assert_eq!(sso("b2", "b@x.co", MatchBy::Email).await.unwrap(), "A-000000002");
    assert_eq!(sso("b2", "b@x.co", MatchBy::IntegrationId).await.unwrap(), "A-000000002");
    assert_eq!(sso("b", "z@x.co", MatchBy::IntegrationId).await.unwrap(), "A-000000004");
    // Both: the id's member must have the e-mail; another member's id is taken.
    let err = sso("a", "b@x.co", MatchBy::Both).await.unwrap_err();
    assert!(err.to_string().contains("422"), "{err}");
    let err = sso("a", "b@x.co", MatchBy::Email).await.unwrap_err();
    assert!(err.to_string().contains("already been taken"), "{err}");

    // Two members share an e-mail; an e-mail match takes the older, then,
    // once it moves away, the other.
    assert_eq!(sso("c", "shared@x.co", MatchBy::IntegrationId).await.unwrap(), "A-000000005");
    assert_eq!(sso("d", "shared@x.co", MatchBy::IntegrationId).await.unwrap(), "A-000000006");
    assert_eq!(sso("", "SHARED@x.co", MatchBy::Email).await.unwrap(), "A-000000005");
    assert_eq!(sso("c", "c@x.co", MatchBy::IntegrationId).await.unwrap(), "A-000000005");
    assert_eq!(sso("", "shared@x.co", MatchBy::Email).await.unwrap(), "A-000000006");

    let members = fake.members();
    assert_eq!(members.len(), 6);
    assert_eq!((members[0].integration_id.as_str(), members[0].email.as_str()), ("a", "a2@x.co"));
    assert_eq!((members[1].integration_id.as_str(), members[1].email.as_str()), ("b2", "b@x.co"));
}

#[tokio::test]
async fn bodies_and_fields_are_bounded() {
    let (fake, _) = fake().await;
    let big = "x".repeat(MAX_BODY_BYTES);
    let mut fields = vec![("client_id", ID), ("client_secret", SECRET), ("pad", big.as_str())];
    let a = post_form(&fake, "/oauth/token", &fields, &[]).await;
    assert_eq!(a.status, 413);
    let a = post_multipart(&fake, "/program/api/sso", &fields, &[]).await;
    assert_eq!(a.status, 413);
    fields.truncate(2);
    let long = "n".repeat(256);
    fields.extend([("integration_id", "u"), ("first_name", long.as_str())]);
    let a = post_form(&fake, "/program/api/sso", &fields, &[]).await;
    assert_eq!(a.status, 422, "{:?}", a.json);
    fields[3].1 = &long[..255];
    let a = post_form(&fake, "/program/api/sso", &fields, &[]).await;
    assert_eq!(a.status, 200, "{:?}", a.json);
}

/// A server on 127.0.0.1 that answers one connection per answer, in order
/// (each answer closes its connection), and returns the requests it read.
async fn scripted(answers: Vec<String>) -> (String, tokio::task::JoinHandle<Vec<String>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let mut requests = Vec::new();
        for answer in answers {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Headers, then as many body bytes as Content-Length says.
            loop {
                let n = stream.read(&mut buf).await.unwrap();
                assert!(n > 0, "the client closed early");
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length: usize = text
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse().unwrap());
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            stream.write_all(answer.as_bytes()).await.unwrap();
            requests.push(String::from_utf8(request).unwrap());
        }
        requests
    });
    (base, server)
}

fn http_answer(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

const TOKEN_ANSWER: &str = r#"{"access_token":"t","token_type":"Bearer","expires_in":7200}"#;

/// What the client puts on the wire with `ClientAuth::Basic` (the default)
/// and `ClientAuth::Body`, seen by a scripted server.
#[tokio::test]
async fn the_client_sends_its_credentials_by_basic_or_in_the_body() {
    let (base, server) = scripted(vec![http_answer("200 OK", "", TOKEN_ANSWER)]).await;
    let client = CheetahClient::builder("my id", "s+c:ret").base_url(base).build().unwrap();
    client.integration_token().await.unwrap();
    let request = server.await.unwrap().remove(0).to_ascii_lowercase();
    // base64("my+id:s%2Bc%3Aret"): each part form-encoded, then base64.
    let expected = format!("authorization: {}", basic("my+id", "s%2Bc%3Aret")).to_ascii_lowercase();
    assert!(request.contains(&expected), "{request}");
    assert!(request.contains(&format!("accept: {STELLAR}\r\n")), "{request}");
    assert_eq!(request.matches("accept:").count(), 1, "{request}");
    assert!(request.ends_with("\r\n\r\ngrant_type=client_credentials"), "{request}");
    assert!(!request.contains("client_secret"));

    let (base, server) = scripted(vec![http_answer("200 OK", "", TOKEN_ANSWER)]).await;
    let client = CheetahClient::builder("my id", "s+c:ret")
        .base_url(base)
        .client_auth(ClientAuth::Body)
        .build()
        .unwrap();
    client.integration_token().await.unwrap();
    let request = server.await.unwrap().remove(0);
    assert!(!request.to_ascii_lowercase().contains("authorization:"), "{request}");
    assert!(
        request.ends_with(
            "\r\n\r\ngrant_type=client_credentials&client_id=my+id&client_secret=s%2Bc%3Aret"
        ),
        "{request}"
    );

    // And the fake takes both.
    let (fake, _) = fake().await;
    for auth in [ClientAuth::Basic, ClientAuth::Body] {
        let client = CheetahClient::builder(ID, SECRET)
            .base_url(fake.base_url())
            .client_auth(auth)
            .build()
            .unwrap();
        client.sso(&MemberSsoRequest::new("u", "A", "B", "a@b.co")).await.unwrap();
        let wrong = CheetahClient::builder(ID, "nope")
            .base_url(fake.base_url())
            .client_auth(auth)
            .build()
            .unwrap();
        let err = wrong.integration_token().await.unwrap_err();
        assert_eq!(err.error_kind(), ErrorKind::Rejected);
        assert_eq!(err.rejection().and_then(|r| r.code.as_deref()), Some("invalid_client"));
    }
    assert_eq!(fake.token_requests(), 4);
}

/// Records the waits the client asks for instead of waiting.
#[derive(Debug, Default)]
struct RecordingSleeper(std::sync::Mutex<Vec<Duration>>);

impl partner_cheetah::Sleeper for RecordingSleeper {
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        self.0.lock().unwrap().push(duration);
        Box::pin(std::future::ready(()))
    }
}

/// A 429 (not processed) is sent again after its Retry-After, even for a
/// POST; a 503 on a POST is not; a vendor error body and its request id
/// reach the rejection.
#[tokio::test]
async fn rate_limits_are_waited_out_and_refusals_keep_the_vendor_fields() {
    let sleeper = Arc::new(RecordingSleeper::default());
    let (base, server) = scripted(vec![
        http_answer("429 Too Many Requests", "retry-after: 7\r\n", r#"{"error":"rate_limited"}"#),
        http_answer("200 OK", "", TOKEN_ANSWER),
    ])
    .await;
    let client =
        CheetahClient::builder(ID, SECRET).base_url(base).sleeper(sleeper.clone()).build().unwrap();
    assert_eq!(client.integration_token().await.unwrap().secret.expose(), b"t");
    assert_eq!(server.await.unwrap().len(), 2);
    assert_eq!(*sleeper.0.lock().unwrap(), [Duration::from_secs(7)]);
    assert_eq!(client.token_requests(), 2);

    let (base, server) = scripted(vec![http_answer(
        "503 Service Unavailable",
        "x-request-id: req-503\r\n",
        r#"{"error":"temporarily_unavailable","error_description":"maintenance"}"#,
    )])
    .await;
    let client =
        CheetahClient::builder(ID, SECRET).base_url(base).sleeper(sleeper.clone()).build().unwrap();
    let err = client.integration_token().await.unwrap_err();
    assert_eq!(server.await.unwrap().len(), 1, "a POST is not sent again after a 5xx");
    assert_eq!(err.error_kind(), ErrorKind::Unavailable);
    let r = err.rejection().unwrap();
    assert_eq!((r.status, r.code.as_deref()), (503, Some("temporarily_unavailable")));
    assert_eq!(
        (r.message.as_deref(), r.request_id.as_deref()),
        (Some("maintenance"), Some("req-503"))
    );

    let (base, server) = scripted(vec![http_answer(
        "400 Bad Request",
        "x-request-id: req-400\r\n",
        r#"{"error":"unsupported_grant_type","error_description":"The authorization grant type is not supported"}"#,
    )])
    .await;
    let client = CheetahClient::builder(ID, SECRET).base_url(base).build().unwrap();
    let err = client.integration_token().await.unwrap_err();
    server.await.unwrap();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    let r = err.rejection().unwrap();
    assert_eq!(r.code.as_deref(), Some("unsupported_grant_type"));
    assert_eq!(r.request_id.as_deref(), Some("req-400"));
    assert!(err.to_string().contains("[request id req-400]"), "{err}");

    // A 2xx that is not a token answer is an unusable answer: rejected, no rejection.
    let (base, server) =
        scripted(vec![http_answer("200 OK", "", r#"{"token_type":"Bearer"}"#)]).await;
    let client = CheetahClient::builder(ID, SECRET).base_url(base).build().unwrap();
    let err = client.integration_token().await.unwrap_err();
    server.await.unwrap();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    assert!(err.rejection().is_none());
    assert!(matches!(
        err,
        partner_cheetah::Error::Core(partner_core::Error::InvalidResponse { .. })
    ));
}
