//! The client against the fake Cheetah, over real HTTP on 127.0.0.1.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use partner_cheetah::fake::{FakeCheetah, RunningCheetah};
use partner_cheetah::{
    CheetahClient, Error, ErrorKind, FixedClock, HasErrorKind, MatchBy, MemberSsoRequest,
    MemberState, SsoAuth,
};
use partner_core::http::reqwest;

const ID: &str = "integration-client";
const SECRET: &str = "integration-secret";

async fn setup(lifetime: Duration) -> (RunningCheetah, Arc<FixedClock>, CheetahClient) {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = FakeCheetah::builder()
        .credentials(ID, SECRET)
        .token_lifetime(lifetime)
        .clock(clock.clone())
        .start(0)
        .await
        .unwrap();
    let client = CheetahClient::builder(ID, SECRET)
        .base_url(fake.base_url())
        .clock(clock.clone())
        .refresh_before(Duration::from_secs(60))
        .build()
        .unwrap();
    (fake, clock, client)
}

#[tokio::test]
async fn first_sso_creates_second_updates() {
    let (fake, _clock, client) = setup(Duration::from_secs(7200)).await;
    let first = client
        .sso(&MemberSsoRequest::new("user-42", "Susan", "Sample", "susan@example.com"))
        .await
        .unwrap();
    assert_eq!(first.member_id, "A-000000001");
    assert_eq!(first.integration_id, "user-42");
    assert!(first.refresh_token.is_some());

    let second = client
        .sso(&MemberSsoRequest::new("user-42", "Sue", "Smith", "sue@example.com"))
        .await
        .unwrap();
    assert_eq!(second.member_id, first.member_id);
    assert!(
        !second.access_token.ct_eq(first.access_token.expose()),
        "a new member token each call"
    );
    let members = fake.members();
    assert_eq!(members.len(), 1);
    assert_eq!((members[0].first_name.as_str(), members[0].last_name.as_str()), ("Sue", "Smith"));
    assert_eq!(members[0].email, "sue@example.com");

    // A second user is a second member; matching by e-mail finds the first.
    let other =
        client.sso(&MemberSsoRequest::new("user-43", "Al", "B", "al@example.com")).await.unwrap();
    assert_eq!(other.member_id, "A-000000002");
    let by_email =
        MemberSsoRequest::new("", "Sue", "Smith", "SUE@example.com").matched_by(MatchBy::Email);
    assert_eq!(client.sso(&by_email).await.unwrap().member_id, "A-000000001");
    assert_eq!(fake.token_requests(), 1, "one integration token for all of it");

    // The member token works on the member profile route.
    let profile: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/member/profile", fake.base_url()))
        .bearer_auth(second.access_token.expose_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(profile["member_id"], "A-000000001");
    assert_eq!(profile["first_name"], "Sue");
}

#[tokio::test]
async fn token_expiry_mid_run_is_handled() {
    let (fake, clock, client) = setup(Duration::from_secs(600)).await;
    let member = MemberSsoRequest::new("u", "A", "B", "a@b.co");
    client.sso(&member).await.unwrap();
    assert_eq!(fake.token_requests(), 1);

    // Past the cache's refresh margin: the client refreshes before calling.
    clock.advance(Duration::from_secs(541));
    client.sso(&member).await.unwrap();
    assert_eq!(fake.token_requests(), 2);

    // Revoked behind the client's back: 401 invalid_token, one refresh, one retry.
    fake.revoke_integration_tokens();
    let sso_before = fake.sso_requests();
    client.sso(&member).await.unwrap();
    assert_eq!(fake.token_requests(), 3);
    assert_eq!(fake.sso_requests() - sso_before, 2, "the refused call and its one retry");
    assert_eq!(client.token_requests(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_cold_concurrent_calls_make_one_token_request() {
    let (fake, _clock, client) = setup(Duration::from_secs(7200)).await;
    let calls: Vec<_> = (0..1_000)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .sso(&MemberSsoRequest::new(format!("user-{}", i % 50), "N", "M", "n@m.co"))
                    .await
            })
        })
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    for call in calls {
        let result =
            tokio::time::timeout_at(deadline, call).await.expect("bounded in time").unwrap();
        result.unwrap();
    }
    assert_eq!(fake.token_requests(), 1);
    assert_eq!(fake.sso_requests(), 1_000);
    assert_eq!(fake.members().len(), 50);
}

#[tokio::test]
async fn invalid_client_is_a_typed_error_and_an_error_state() {
    let (fake, clock, _) = setup(Duration::from_secs(7200)).await;
    let bad = CheetahClient::builder(ID, "wrong")
        .base_url(fake.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    let member = MemberSsoRequest::new("u", "A", "B", "a@b.co");
    let err = bad.sso(&member).await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    assert!(!err.is_token_problem());
    let rejection = err.rejection().unwrap();
    assert_eq!((rejection.status, rejection.code.as_deref()), (401, Some("invalid_client")));
    assert!(rejection.message.as_deref().unwrap().starts_with("Client authentication failed"));
    let state = bad.member_state(&member).await;
    assert_eq!(state, MemberState::failed("sso_rejected"));
    assert_eq!(fake.token_requests(), 2, "an invalid client is not retried within a call");

    let cc = CheetahClient::builder(ID, "wrong")
        .base_url(fake.base_url())
        .sso_auth(SsoAuth::ClientCredentials)
        .build()
        .unwrap();
    let err = cc.sso(&member).await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
}

#[tokio::test]
async fn client_credentials_mode_and_console_path() {
    let (fake, clock, _) = setup(Duration::from_secs(7200)).await;
    let client = CheetahClient::builder(ID, SECRET)
        .base_url(fake.base_url())
        .sso_auth(SsoAuth::ClientCredentials)
        .sso_path("/console/api/sso")
        .clock(clock.clone())
        .build()
        .unwrap();
    let state = client.member_state(&MemberSsoRequest::new("u-1", "Zoë", "<b>", "z@e.co")).await;
    assert!(!state.is_error());
    assert_eq!((state.short_name.as_str(), state.full_name.as_str()), ("Zoë", "Zoë <b>"));
    assert_eq!(fake.token_requests(), 0, "no integration token in this mode");
    for climbing in
        ["../x", "/program/../oauth/token", "/program/./api/sso", "/a//sso", "/x/..", "x"]
    {
        let err =
            CheetahClient::builder(ID, SECRET).base_url(fake.base_url()).sso_path(climbing).build();
        assert_eq!(err.unwrap_err().error_kind(), ErrorKind::UnsafeInput, "{climbing}");
    }
    assert!(CheetahClient::builder(ID, SECRET).base_url("http://example.com").build().is_err());
}

// Security finding: empty keys were accepted.
#[tokio::test]
async fn an_empty_client_secret_is_refused() {
    let (fake, _, _) = setup(Duration::from_secs(7200)).await;
    let err = CheetahClient::builder(ID, "").base_url(fake.base_url()).build();
    assert!(matches!(err, Err(Error::Core(partner_core::Error::EmptyKey))));
    assert_eq!(err.unwrap_err().error_kind(), ErrorKind::Malformed);
    assert!(matches!(
        CheetahClient::builder("", SECRET).base_url(fake.base_url()).build(),
        Err(Error::Core(partner_core::Error::Malformed(_)))
    ));
    assert!(FakeCheetah::builder().credentials(ID, "").into_router().is_err());
    let no_base_url = CheetahClient::builder(ID, SECRET).build().unwrap_err();
    assert!(no_base_url.to_string().contains("base url is required"), "{no_base_url}");
    assert_eq!(no_base_url.error_kind(), ErrorKind::Malformed);
    let fake = FakeCheetah::builder().credentials(ID, "").start(0).await;
    assert_eq!(fake.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn unreachable_stellar_gives_an_error_state() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = CheetahClient::builder(ID, SECRET)
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let member = MemberSsoRequest::new("u", "A", "B", "a@b.co");
    let err = client.sso(&member).await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Unavailable, "{err}");
    assert!(matches!(
        err,
        Error::Core(partner_core::Error::Unavailable {
            reason: partner_core::Unavailability::Connect,
            ..
        })
    ));
    let state = client.member_state(&member).await;
    assert_eq!(state, MemberState::failed("sso_unavailable"));
    let invalid = client.member_state(&MemberSsoRequest::new("", "A", "B", "a@b.co")).await;
    assert_eq!(invalid, MemberState::failed("sso_invalid_response"));
}

#[tokio::test]
async fn demo_page_embeds_the_state_safely() {
    let (fake, _clock, _client) = setup(Duration::from_secs(7200)).await;
    let url = format!(
        "{}/demo?integration_id=u9&first_name=%3C%2Fscript%3E&last_name=X&email=u9%40x.co",
        fake.base_url()
    );
    let page = reqwest::get(url).await.unwrap().text().await.unwrap();
    let start = page.find("<script>var stellar_member_state = ").unwrap();
    let end = start + page[start..].find("</script>").unwrap();
    let script = &page[start + "<script>".len()..end];
    let state = MemberState::from_script(script).unwrap();
    assert_eq!(state.short_name, "</script>");
    assert_eq!(
        page.matches("</script>").count(),
        2,
        "only the page's own two script elements close"
    );
}

#[tokio::test]
async fn the_running_fake_is_a_partner_core_fake() {
    use partner_core::server::Fake;

    let fake: Box<dyn Fake> =
        Box::new(FakeCheetah::builder().credentials(ID, SECRET).start(0).await.unwrap());
    assert_eq!(fake.provider(), "cheetah");
    let creds = fake.credentials_json();
    assert_eq!(creds["provider"], "cheetah");
    assert_eq!(creds["base_url"], fake.base_url().as_str());
    assert_eq!(
        (creds["client_id"].as_str(), creds["client_secret"].as_str()),
        (Some(ID), Some(SECRET))
    );
    let client = CheetahClient::builder(ID, SECRET).base_url(fake.base_url()).build().unwrap();
    client.sso(&MemberSsoRequest::new("u", "A", "B", "a@b.co")).await.unwrap();

    // The same routes, mounted in another server, share the running fake's state.
    use partner_core::server::{LoopbackServer, ServerLimits};
    let listener = LoopbackServer::bind(0).await.unwrap();
    let server = LoopbackServer::start(listener, fake.router(), ServerLimits::default()).unwrap();
    let other = server.base_url();
    let token = client.integration_token().await.unwrap();
    let via_other = CheetahClient::builder(ID, SECRET)
        .base_url(other)
        .sso_auth(SsoAuth::ClientCredentials)
        .build()
        .unwrap();
    let again = via_other.sso(&MemberSsoRequest::new("u", "A", "B", "a@b.co")).await.unwrap();
    assert_eq!(again.member_id, "A-000000001", "the member made through the running fake");
    assert!(!token.secret.is_empty());
    server.shutdown().await.unwrap();
    fake.shutdown().await;
}
