//! Service accounts against the fake over real HTTP: the `oauth2` crate on
//! its default settings, the token endpoint's answers (RFC 6749 §5), the
//! bearer challenges (RFC 6750 §3), and how this crate's client
//! authenticates to a token URL.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
use partner_core::http::reqwest;
use partner_ovhcloud::fake::{
    BEARER_LIFETIME, DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh, RunningOvh,
};
use partner_ovhcloud::{ClientAuth, FixedClock, OvhClient};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ID: &str = "sa-id";
const SECRET: &str = "sa-secret";

async fn fake(clock: &Arc<FixedClock>) -> RunningOvh {
    FakeOvh::builder().service_account(ID, SECRET).clock(clock.clone()).start(0).await.unwrap()
}

fn http() -> reqwest::Client {
    // oauth2 5's documentation: never follow redirects (SSRF).
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn token_request(
    fake: &RunningOvh,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = http().post(fake.token_url()).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let r = request.send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, headers, json(r).await)
}

async fn json(r: reqwest::Response) -> Value {
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

/// `GET /1.0/me` with `Authorization: Bearer <token>`.
async fn me_with(fake: &RunningOvh, token: &str) -> reqwest::Response {
    http().get(format!("{}/me", fake.base_url())).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn the_oauth2_crate_on_its_defaults_gets_a_token_that_works_as_bearer() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(&clock).await;
    let client = BasicClient::new(ClientId::new(ID.to_owned()))
        .set_client_secret(ClientSecret::new(SECRET.to_owned()))
        .set_token_uri(TokenUrl::new(fake.token_url()).unwrap());
    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new("all".to_owned()))
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(token.expires_in(), Some(BEARER_LIFETIME));
    assert_eq!(token.scopes().unwrap()[0].as_str(), "all");
    let r = me_with(&fake, token.access_token().secret()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["nichandle"], "xx1234-ovh");

    // A wrong secret: the crate reports invalid_client.
    let wrong = BasicClient::new(ClientId::new(ID.to_owned()))
        .set_client_secret(ClientSecret::new("wrong".to_owned()))
        .set_token_uri(TokenUrl::new(fake.token_url()).unwrap());
    let err = wrong.exchange_client_credentials().request_async(&http()).await.unwrap_err();
    assert!(format!("{err:?}").contains("invalid_client"), "{err:?}");

    // The token expires.
    clock.advance(BEARER_LIFETIME);
    let r = me_with(&fake, token.access_token().secret()).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().contains("error=\"invalid_token\""));
}

#[tokio::test]
async fn token_endpoint_answers_as_rfc_6749_asks() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(&clock).await;
    let grant = ("grant_type", "client_credentials");

    // Basic: a token, never cached.
    let (status, headers, body) =
        token_request(&fake, Some((ID, SECRET)), &[grant, ("scope", "all")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
    assert_eq!(
        (body["token_type"].as_str(), body["scope"].as_str()),
        (Some("Bearer"), Some("all"))
    );
    // In the body: a token too.
    let (status, _, _) =
        token_request(&fake, None, &[grant, ("client_id", ID), ("client_secret", SECRET)]).await;
    assert_eq!(status, 200);

    // A wrong secret by Basic: 401 with a Basic challenge, never cached.
    let (status, headers, body) = token_request(&fake, Some((ID, "wrong")), &[grant]).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    assert!(headers["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
    // A wrong secret in the body: 401 without a challenge.
    let (status, headers, body) =
        token_request(&fake, None, &[grant, ("client_id", ID), ("client_secret", "wrong")]).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    assert!(!headers.contains_key("www-authenticate"));
    // No client authentication at all.
    let (status, _, body) = token_request(&fake, None, &[grant]).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));

    // A good client with another grant type, a bad client with it.
    let password = ("grant_type", "password");
    let (status, _, body) = token_request(&fake, Some((ID, SECRET)), &[password]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")));
    let (status, _, body) = token_request(&fake, Some((ID, "wrong")), &[password]).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    // Repeated parameters, both methods at once, no grant type, another scope.
    for (basic, form, error) in [
        (Some((ID, SECRET)), vec![grant, ("scope", "all"), ("scope", "all")], "invalid_request"),
        (Some((ID, SECRET)), vec![grant, grant], "invalid_request"),
        (Some((ID, SECRET)), vec![grant, ("client_secret", SECRET)], "invalid_request"),
        (Some((ID, SECRET)), vec![], "invalid_request"),
        (Some((ID, SECRET)), vec![grant, ("scope", "all admin")], "invalid_scope"),
    ] {
        let (status, headers, body) = token_request(&fake, basic, &form).await;
        assert_eq!((status, body["error"].as_str()), (400, Some(error)), "{form:?}");
        assert_eq!(headers["cache-control"], "no-store");
    }

    // multipart/form-data (what `curl -F` sends) works like a form.
    let boundary = "b0undary";
    let part = |name: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    let body = format!(
        "{}{}{}--{boundary}--\r\n",
        part("grant_type", "client_credentials"),
        part("client_id", ID),
        part("client_secret", SECRET)
    );
    let r = http()
        .post(fake.token_url())
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn api_calls_with_a_bad_bearer_token_get_a_bearer_challenge() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(&clock).await;
    let r = me_with(&fake, "not-a-token").await;
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.starts_with("Bearer realm=\""), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(r.headers().contains_key("x-ovh-queryid"));
    let body = json(r).await;
    assert_eq!(body["errorCode"], "INVALID_TOKEN");
    assert_eq!(body["httpCode"], "401 Unauthorized");

    // No authentication at all (only the application key): 401, bare challenge.
    let r = http()
        .get(format!("{}/me", fake.base_url()))
        .header("X-Ovh-Application", DEFAULT_APPLICATION_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"OVHcloud API\"");
    assert_eq!(json(r).await["message"], "You must login first");
}

/// A token URL that records the request it gets and answers a token.
async fn recording_token_url() -> (String, tokio::task::JoinHandle<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/auth/oauth2/token", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            seen.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&seen).to_string();
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
            assert!(n > 0, "the client hung up early");
        }
        let answer = r#"{"access_token":"recorded","token_type":"Bearer","expires_in":60}"#;
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
        String::from_utf8_lossy(&seen).to_string()
    });
    (url, task)
}

#[tokio::test]
async fn the_client_authenticates_by_basic_unless_told_to_use_the_body() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(&clock).await;
    let client = |token_url: String, auth: Option<ClientAuth>| {
        let mut builder = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
            .base_url(fake.base_url())
            .oauth2(ID, SECRET, token_url)
            .clock(clock.clone())
            .sleeper(clock.clone());
        if let Some(auth) = auth {
            builder = builder.client_auth(auth);
        }
        builder.build().unwrap()
    };
    // base64("sa-id:sa-secret")
    let basic = "authorization: Basic c2EtaWQ6c2Etc2VjcmV0";

    let (url, seen) = recording_token_url().await;
    let _ = client(url, None).get::<Value>("/me").await; // the recorded token is unknown to the fake
    let request = seen.await.unwrap();
    assert!(request.to_ascii_lowercase().contains(&basic.to_ascii_lowercase()), "{request}");
    assert!(!request.contains("client_secret"), "{request}");
    assert!(request.contains("grant_type=client_credentials&scope=all"), "{request}");

    let (url, seen) = recording_token_url().await;
    let _ = client(url, Some(ClientAuth::Body)).get::<Value>("/me").await;
    let request = seen.await.unwrap();
    assert!(!request.to_ascii_lowercase().contains("authorization:"), "{request}");
    assert!(request.contains("client_id=sa-id&client_secret=sa-secret"), "{request}");

    // Both methods work against the fake.
    for auth in [None, Some(ClientAuth::Basic), Some(ClientAuth::Body)] {
        let me: Value = client(fake.token_url(), auth).get("/me").await.unwrap();
        assert_eq!(me["nichandle"], "xx1234-ovh", "{auth:?}");
    }
}

#[tokio::test]
async fn a_token_the_api_expired_early_is_replaced_once() {
    // The fake's clock runs ahead of the client's: the client still holds
    // its token fresh when the fake has expired it.
    let client_clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake_clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = fake(&fake_clock).await;
    let client = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
        .base_url(fake.base_url())
        .oauth2(ID, SECRET, fake.token_url())
        .clock(client_clock.clone())
        .sleeper(client_clock.clone())
        .build()
        .unwrap();
    let me: Value = client.get("/me").await.unwrap();
    assert_eq!(me["nichandle"], "xx1234-ovh");
    fake_clock.advance(BEARER_LIFETIME);
    let before = fake.api_requests();
    let me: Value = client.get("/me").await.unwrap();
    assert_eq!(me["nichandle"], "xx1234-ovh", "a new token after the 401");
    assert_eq!(fake.api_requests() - before, 2, "the refused call and one with a new token");
    // A service account the token URL refuses: the token answer's error, kind rejected.
    let wrong = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
        .base_url(fake.base_url())
        .oauth2(ID, "wrong", fake.token_url())
        .clock(client_clock.clone())
        .build()
        .unwrap();
    let err = wrong.get::<Value>("/me").await.unwrap_err();
    assert_eq!(err.error_kind(), partner_ovhcloud::ErrorKind::Rejected);
    let rejection = err.rejection().unwrap();
    assert_eq!((rejection.status, rejection.code.as_deref()), (401, Some("invalid_client")));
    assert!(!format!("{err:?}{err}").contains("wrong"), "the secret is not echoed");
}
