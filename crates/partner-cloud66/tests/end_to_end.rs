//! The clients against the fake Cloud 66, over real HTTP on 127.0.0.1.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use partner_core::replay::AcceptVerified;
use std::sync::Arc;
use std::time::Duration;

use partner_cloud66::fake::{FakeCloud66, RunningCloud66};
use partner_cloud66::multipass::default_policy;
use partner_cloud66::{
    ApiClient, AuthorizeRequest, BaseUrl, BodyEncoding, ClientAuth, Clock, Error, ErrorKind,
    FixedClock, HasErrorKind, InMemoryReplayGuard, LinkRedirectVerifier, MultipassKeys,
    MultipassVerifier, OAuthClient, OAuthState, ProvisionFailure, ProvisioningClient, Scope,
};
use partner_core::http::reqwest;
use serde_json::Value;

fn provisioning(endpoint: &str) -> ProvisioningClient {
    ProvisioningClient::builder().base_url(endpoint).build().unwrap()
}

fn oauth(c66: &RunningCloud66, secret: &str) -> OAuthClient {
    OAuthClient::builder("client-1", secret.to_owned())
        .redirect_uri(format!("{PARTNER_SITE}/cloud66/oauth"))
        .base_url(c66.base_url())
        .build()
        .unwrap()
}

fn api_client(base: &str, token: impl Into<partner_cloud66::Secret>) -> ApiClient {
    ApiClient::builder(token).base_url(base).build().unwrap()
}

const UID: &str = "0123456789abcdefFEDCBA9876543210";
const PARTNER_SITE: &str = "https://partner.example.com";

async fn fake(clock: Arc<FixedClock>) -> RunningCloud66 {
    FakeCloud66::builder()
        .partner(
            "acme",
            UID,
            format!("{PARTNER_SITE}/cloud66/link"),
            format!("{PARTNER_SITE}/cloud66/sso"),
        )
        .user("u-jon", "jon@smith.com", "Jon Smith")
        .user("u-ann", "ann@smith.com", "Ann Smith")
        .oauth_app("client-1", "secret-1", format!("{PARTNER_SITE}/cloud66/oauth"))
        .stack("s1", "web")
        .stack("s2", "api")
        .stack("s3", "workers")
        .clock(clock)
        .start(0)
        .await
        .unwrap()
}

/// A browser that does not follow redirects, so each hop can be checked.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn location(url: &str) -> String {
    let r = browser().get(url).send().await.unwrap();
    assert!(r.status().is_redirection(), "{} for {url}", r.status());
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn redirect_provision_callback() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let c66 = fake(clock).await;
    // The dashboard click sends the user to the partner.
    let arrival = location(&format!("{}/integrations/acme/start?uid=u-jon", c66.base_url())).await;
    assert!(arrival.starts_with(&format!(
        "{PARTNER_SITE}/cloud66/link?uid=u-jon&email=jon%40smith.com&callback="
    )));
    // The partner checks it; the fake's callback is on 127.0.0.1.
    assert!(
        LinkRedirectVerifier::default().parse_url(&arrival).is_err(),
        "the default allow-list refuses the fake"
    );
    let link = LinkRedirectVerifier::with_allowed_hosts(["127.0.0.1"]).parse_url(&arrival).unwrap();
    assert_eq!((link.uid.as_str(), link.email.as_str()), ("u-jon", "jon@smith.com"));

    let client = provisioning(&c66.partner_endpoint());
    client.provision(&link, &[("api_key", "provisioned-key")]).await.unwrap();
    assert_eq!(c66.linked_uids(), ["u-jon"]);
    match client.provision(&link, &[]).await.unwrap_err() {
        Error::Provision(ProvisionFailure::AlreadyLinked(what)) => assert_eq!(what, "acme"),
        other => panic!("{other:?}"),
    }
    // Then back to the callback.
    let done = browser().get(link.callback.as_str()).send().await.unwrap();
    assert_eq!(done.status(), 200);
}

#[tokio::test]
async fn provisioning_failures_are_typed() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let c66 = fake(clock).await;
    let verifier = LinkRedirectVerifier::with_allowed_hosts(["127.0.0.1"]);
    let callback = format!("{}/integrations/acme/done", c66.base_url());
    let link = |uid: &str, email: &str| {
        let q = partner_core::encoding::form_encode([
            ("uid", uid),
            ("email", email),
            ("callback", callback.as_str()),
        ]);
        verifier.parse_query(&q).unwrap()
    };
    let json = ProvisioningClient::builder()
        .base_url(c66.partner_endpoint())
        .encoding(BodyEncoding::Json)
        .build()
        .unwrap();
    match json.provision(&link("u-nobody", "x@y.co"), &[]).await.unwrap_err() {
        Error::Provision(ProvisionFailure::InvalidLinkUid) => {}
        other => panic!("{other:?}"),
    }
    match json.provision(&link("u-ann", "jon@smith.com"), &[]).await.unwrap_err() {
        Error::Provision(ProvisionFailure::InvalidUserEmail(text)) => {
            assert!(text.starts_with("invalid user_email ("))
        }
        other => panic!("{other:?}"),
    }
    json.provision(&link("u-ann", "ann@smith.com"), &[]).await.unwrap();
    // Missing fields, sent by hand.
    let r = reqwest::Client::new()
        .post(c66.partner_endpoint())
        .body("user_email=a%40b.co")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), r.text().await.unwrap()),
        (403, "link_uid is missing".to_owned())
    );
    assert_eq!(
        ProvisionFailure::from_text("user_email is missing"),
        ProvisionFailure::UserEmailMissing
    );
}

#[tokio::test]
async fn sso_signin_callback_verified_identity_and_single_use() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let c66 = fake(clock.clone()).await;
    let signin = partner_cloud66::sso_signin_url(&c66.base_url(), "acme").unwrap();
    let callback = location(&signin).await;
    let query = callback.strip_prefix(&format!("{PARTNER_SITE}/cloud66/sso?")).unwrap();
    let params: std::collections::HashMap<String, String> =
        partner_core::encoding::form_decode(query).into_iter().collect();

    let verifier = MultipassVerifier::new(MultipassKeys::cloud66(UID).unwrap())
        .with_policy(default_policy().with_replay_guard(Arc::new(InMemoryReplayGuard::new(1_000))));
    let now = clock.unix_time();
    let id =
        verifier.verify(&params["multipass"], Some(&params["signature"]), now).accepted().unwrap();
    assert_eq!((id.email(), id.name()), (Some("jon@smith.com"), Some("Jon Smith")));
    assert_eq!(id.expires_at, Some(now.saturating_add(Duration::from_secs(60))));
    assert_eq!(
        verifier
            .verify(&params["multipass"], Some(&params["signature"]), now)
            .accepted()
            .unwrap_err()
            .error_kind(),
        ErrorKind::Replayed
    );

    // A multipass replayed after its minute is expired (and never reaches the guard).
    let fresh = location(&signin).await;
    let q2: std::collections::HashMap<String, String> =
        partner_core::encoding::form_decode(fresh.split_once('?').unwrap().1).into_iter().collect();
    clock.advance(Duration::from_secs(91));
    assert_eq!(
        verifier
            .verify(&q2["multipass"], Some(&q2["signature"]), clock.unix_time())
            .accepted()
            .unwrap_err()
            .error_kind(),
        ErrorKind::Expired
    );
    // Wrong provider: 404.
    assert_eq!(
        browser()
            .get(format!("{}/sso/signin/other", c66.base_url()))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn oauth_code_flow_api_call_and_missing_scope() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let c66 = fake(clock).await;
    let state = OAuthState::generate();
    let authorize = AuthorizeRequest::new("client-1", format!("{PARTNER_SITE}/cloud66/oauth"))
        .unwrap()
        .base_url(BaseUrl::parse(&c66.base_url()).unwrap())
        .scope(Scope::Public)
        .url(&state);
    let back = location(&authorize).await;
    let q: std::collections::HashMap<String, String> =
        partner_core::encoding::form_decode(back.split_once('?').unwrap().1).into_iter().collect();
    state.verify(&q["state"]).unwrap();
    assert!(OAuthState::generate().verify(&q["state"]).is_err());

    let oauth = oauth(&c66, "secret-1");
    let token = oauth.exchange_code(&q["code"]).await.unwrap();
    assert_eq!(token.token_type, "bearer");
    assert_eq!(token.scopes.as_ref().map(ToString::to_string).as_deref(), Some("public"));
    let err = oauth.exchange_code(&q["code"]).await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    let rejection = err.rejection().unwrap();
    assert_eq!((rejection.provider, rejection.status), ("cloud66", 400));
    assert_eq!(rejection.code.as_deref(), Some("invalid_grant"));

    let api = api_client(&c66.api_base_url(), token.access_token.clone());
    let stacks: Vec<Value> = api.list("/stacks").await.unwrap();
    assert_eq!(
        stacks.iter().map(|s| s["uid"].as_str().unwrap()).collect::<Vec<_>>(),
        ["s1", "s2", "s3"],
        "3 stacks over 2 pages"
    );
    let one: Value = api.get("/stacks/s2").await.unwrap();
    assert_eq!(one["name"], "api");
    let err = api.post::<Value>("/stacks/s2/deployments", &[]).await.unwrap_err();
    assert!(err.is_missing_scope(), "{err:?}");
    let rejection = err.rejection().unwrap();
    assert_eq!(rejection.code.as_deref(), Some("insufficient_scope"));
    assert!(rejection.message.as_deref().unwrap().ends_with("redeploy"), "{rejection:?}");
    let bad = api_client(&c66.api_base_url(), "not-a-token");
    let err = bad.get::<Value>("/stacks/s1").await.unwrap_err();
    assert!(err.is_unauthorized() && !err.is_missing_scope(), "{err:?}");
    assert_eq!(err.rejection().unwrap().code.as_deref(), Some("invalid_token"));
    assert_eq!(
        api.get::<Value>("/../oauth/token").await.unwrap_err().error_kind(),
        ErrorKind::UnsafeInput
    );
}

#[tokio::test]
async fn redeploy_with_the_scope() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let c66 = fake(clock).await;
    let state = OAuthState::generate();
    let url = AuthorizeRequest::new("client-1", format!("{PARTNER_SITE}/cloud66/oauth"))
        .unwrap()
        .base_url(BaseUrl::parse(&c66.base_url()).unwrap())
        .scope(Scope::Redeploy)
        .scope(Scope::Public)
        .url(&state);
    let back = location(&url).await;
    let code = partner_core::encoding::form_decode(back.split_once('?').unwrap().1)
        .into_iter()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1;
    let token = oauth(&c66, "secret-1").exchange_code(&code).await.unwrap();
    let api = api_client(&c66.api_base_url(), token.access_token);
    let answer: Value = api.post("/stacks/s1/deployments", &[]).await.unwrap();
    assert_eq!(answer["ok"], true);
    let err = oauth(&c66, "wrong").exchange_code("x").await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(err.rejection().unwrap().code.as_deref(), Some("invalid_client"));
    // The client secret in the body works too.
    let body_auth = OAuthClient::builder("client-1", "wrong")
        .client_auth(ClientAuth::Body)
        .base_url(c66.base_url())
        .build()
        .unwrap();
    assert!(body_auth.exchange_code("x").await.unwrap_err().is_unauthorized());
}

/// A loopback HTTP server that records each request line's target and
/// answers `{"response":{}}`; what it records is what reached the wire.
async fn recording_server() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/3", listener.local_addr().unwrap());
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16_384 {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head).lines().next().unwrap_or("").to_owned();
                log.lock().unwrap().push(line.split(' ').nth(1).unwrap_or("").to_owned());
                let body = r#"{"response":{}}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (base, seen)
}

// Security finding: the url crate drops tab/CR/LF and resolves dot
// segments, so a path checked as text was sent as another path.
#[tokio::test]
async fn api_paths_never_climb_on_the_wire() {
    let (base, seen) = recording_server().await;
    let api = api_client(&base, "token");
    for bad in [
        "/stacks/\t..",
        "/stacks/..",
        "/stacks/s1/\t../../oauth/token",
        "/stacks/./s1",
        "/stacks//s1",
        "/stacks/s1\n",
        "stacks",
    ] {
        let err = api.get::<Value>(bad).await.unwrap_err();
        assert_eq!(err.error_kind(), ErrorKind::UnsafeInput, "{bad:?}: {err:?}");
    }
    assert!(seen.lock().unwrap().is_empty(), "a refused path sends nothing");
    for (asked, sent) in [
        ("/stacks/a b", "/api/3/stacks/a%20b"),
        ("/stacks/%2e%2e", "/api/3/stacks/%252e%252e"),
        ("/stacks/a\\b/servers", "/api/3/stacks/a%5Cb/servers"),
        ("/stacks/...", "/api/3/stacks/..."),
    ] {
        let _: Value = api.get(asked).await.unwrap();
        assert_eq!(seen.lock().unwrap().pop().as_deref(), Some(sent), "{asked}");
    }
}

#[tokio::test]
async fn empty_credentials_are_refused() {
    let kind = |r: Result<(), Error>| r.unwrap_err().error_kind();
    assert_eq!(kind(ApiClient::builder("").build().map(drop)), ErrorKind::Malformed);
    assert_eq!(kind(OAuthClient::builder("client-1", "").build().map(drop)), ErrorKind::Malformed);
    assert_eq!(kind(OAuthClient::builder("", "s").build().map(drop)), ErrorKind::Malformed);
    assert_eq!(kind(ProvisioningClient::builder().build().map(drop)), ErrorKind::Malformed);
    assert_eq!(
        kind(ApiClient::builder("t").base_url("http://api.example/api/3").build().map(drop)),
        ErrorKind::UnsafeInput,
        "plain http only on loopback"
    );
    let fake =
        FakeCloud66::builder().oauth_app("client-1", "", "https://p.example/cb").start(0).await;
    assert_eq!(fake.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
}
