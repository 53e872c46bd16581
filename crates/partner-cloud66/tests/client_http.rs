//! The clients on partner-core's HTTP foundation, against scripted answers
//! on 127.0.0.1: transport failures, Cloud 66's error bodies, throttling.
#![cfg(feature = "client")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_cloud66::{
    ApiClient, Clock, ErrorKind, FixedClock, HasErrorKind, LinkRedirectVerifier, ProvisioningClient,
};
use partner_core::Unavailability;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Answers each connection with the next of `answers` (the last one
/// repeated) and records each request line.
async fn scripted(answers: Vec<String>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut n = 0usize;
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answers[n.min(answers.len() - 1)].clone();
            n += 1;
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
                log.lock().unwrap().push(line);
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (base, seen)
}

fn http(status: &str, headers: &[&str], body: &str) -> String {
    let mut text =
        format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for h in headers {
        text.push_str(h);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.push_str(body);
    text
}

fn api(base: &str, clock: &Arc<FixedClock>) -> ApiClient {
    ApiClient::builder("token")
        .base_url(format!("{base}/api/3"))
        .sleeper(clock.clone())
        .clock(clock.clone())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_transport_failure_is_unavailable() {
    // A port nobody listens on any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let err = api(&base, &clock).get::<Value>("/stacks").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Unavailable, "{err:?}");
    assert_eq!(err.error_kind().http_status(), 503);
    assert!(matches!(
        err,
        partner_cloud66::Error::Core(partner_core::Error::Unavailable {
            provider: "cloud66",
            reason: Unavailability::Connect,
            ..
        })
    ));
    assert!(err.rejection().is_none());
}

#[tokio::test]
async fn a_vendor_error_body_fills_the_rejection() {
    let body = r#"{"error":"stack_not_found","error_description":"The stack was not found"}"#;
    let (base, _) = scripted(vec![http(
        "404 Not Found",
        &["x-request-id: req-7f3a", "content-type: application/json"],
        body,
    )])
    .await;
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let err = api(&base, &clock).get::<Value>("/stacks/nope").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    let r = err.rejection().expect("a rejection");
    assert_eq!((r.provider, r.status), ("cloud66", 404));
    assert_eq!(r.code.as_deref(), Some("stack_not_found"));
    assert_eq!(r.message.as_deref(), Some("The stack was not found"));
    assert_eq!(r.request_id.as_deref(), Some("req-7f3a"));
    assert!(!err.is_unauthorized() && !err.is_missing_scope());
}

#[tokio::test]
async fn throttling_is_retried_after_retry_after_for_reads_only() {
    let throttled =
        http("503 Service Unavailable", &["retry-after: 20"], r#"{"error":"throttled"}"#);
    let ok = http("200 OK", &["content-type: application/json"], r#"{"response":{"uid":"s1"}}"#);
    let (base, seen) = scripted(vec![throttled.clone(), ok]).await;
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let stack: Value = api(&base, &clock).get("/stacks/s1").await.unwrap();
    assert_eq!(stack["uid"], "s1");
    assert_eq!(seen.lock().unwrap().len(), 2, "sent again after the 503");
    assert_eq!(clock.unix_time().as_secs(), 1_700_000_020, "waited the Retry-After");

    // Still throttled after the retries: unavailable, the last 503 kept.
    let (base, seen) = scripted(vec![throttled.clone()]).await;
    let mut settings = partner_cloud66::HttpSettings::default();
    settings.retry.max_attempts = 2;
    let client = ApiClient::builder("token")
        .base_url(format!("{base}/api/3"))
        .settings(settings)
        .sleeper(clock.clone())
        .build()
        .unwrap();
    let err = client.get::<Value>("/stacks/s1").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Unavailable);
    assert!(err.is_throttled(), "{err:?}");
    assert_eq!(err.rejection().unwrap().code.as_deref(), Some("throttled"));
    assert_eq!(seen.lock().unwrap().len(), 2);

    // A POST is not sent twice.
    let (base, seen) = scripted(vec![throttled]).await;
    let err = api(&base, &clock).post::<Value>("/stacks/s1/deployments", &[]).await.unwrap_err();
    assert!(err.is_throttled(), "{err:?}");
    assert_eq!(seen.lock().unwrap().len(), 1, "a POST is never retried after a 503");
}

#[tokio::test]
async fn a_provisioning_403_is_a_provision_failure_and_other_refusals_are_rejections() {
    let link = LinkRedirectVerifier::default()
        .parse_query("uid=u1&email=a%40b.co&callback=https%3A%2F%2Fapp.cloud66.com%2Fx")
        .unwrap();
    let (base, seen) = scripted(vec![
        http("403 Forbidden", &[], "acme is already linked to this account"),
        http("422 Unprocessable Entity", &["x-request-id: r-9"], "quota"),
    ])
    .await;
    let client = ProvisioningClient::builder()
        .base_url(format!("{base}/partner/acme/link"))
        .build()
        .unwrap();
    match client.provision(&link, &[]).await.unwrap_err() {
        partner_cloud66::Error::Provision(partner_cloud66::ProvisionFailure::AlreadyLinked(
            what,
        )) => {
            assert_eq!(what, "acme")
        }
        other => panic!("{other:?}"),
    }
    let err = client.provision(&link, &[]).await.unwrap_err();
    let r = err.rejection().unwrap();
    assert_eq!(
        (r.status, r.message.as_deref(), r.request_id.as_deref()),
        (422, Some("quota"), Some("r-9"))
    );
    assert_eq!(seen.lock().unwrap()[0], "POST /partner/acme/link HTTP/1.1");
}
