//! Which methods the client sends again, counted at a loopback server that
//! fails on purpose: only RFC 9110's idempotent methods are retried, as many
//! times as configured, with jittered waits through the `Sleeper`.
#![cfg(feature = "client")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_core::http::reqwest;
use partner_ovhcloud::{
    ConsumerKey, ErrorKind, HttpSettings, OvhClient, OvhErrorKind, RetryPolicy, Sleeper,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const NOW: i64 = 1_700_000_000;

#[derive(Debug, Clone, Copy)]
enum Failure {
    /// Answers `503 Service Unavailable`.
    ServiceUnavailable,
    /// Reads the whole request, then closes the connection without an answer.
    CloseAfterRequest,
}

/// A server on 127.0.0.1 (free port) answering `/1.0/auth/time`, and
/// failing every other request as told, counting them per method.
struct FailingServer {
    addr: std::net::SocketAddr,
    counts: Arc<Mutex<BTreeMap<String, u32>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FailingServer {
    async fn start(failure: Failure) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let counts = Arc::new(Mutex::new(BTreeMap::new()));
        let seen = counts.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                tokio::spawn(serve(stream, failure, seen.clone()));
            }
        });
        FailingServer { addr, counts, task }
    }

    fn base_url(&self) -> String {
        format!("http://{}/1.0", self.addr)
    }

    fn take_counts(&self) -> BTreeMap<String, u32> {
        std::mem::take(&mut *self.counts.lock().unwrap())
    }

    async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// One request per connection (every answer says `connection: close`).
async fn serve(mut stream: TcpStream, failure: Failure, counts: Arc<Mutex<BTreeMap<String, u32>>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut request_line = head.lines().next().unwrap_or("").split(' ');
    let (method, target) =
        (request_line.next().unwrap_or("").to_owned(), request_line.next().unwrap_or(""));
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    if target == "/1.0/auth/time" {
        let body = NOW.to_string();
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
        return;
    }
    *counts.lock().unwrap().entry(method).or_default() += 1;
    match failure {
        Failure::ServiceUnavailable => {
            let body = r#"{"message":"Service unavailable"}"#;
            let answer = format!(
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Failure::CloseAfterRequest => drop(stream),
    }
}

/// Records each wait instead of sleeping.
#[derive(Debug, Default)]
struct RecordingSleeper(Mutex<Vec<Duration>>);

impl Sleeper for RecordingSleeper {
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        self.0.lock().unwrap().push(duration);
        Box::pin(std::future::ready(()))
    }
}

const IDEMPOTENT: [&str; 5] = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"];
const SENT_ONCE: [&str; 4] = ["POST", "PATCH", "LOCK", "PROPPATCH"];

fn customer(base_url: String, settings: HttpSettings, sleeper: Arc<RecordingSleeper>) -> OvhClient {
    OvhClient::builder("app-key", "app-secret")
        .base_url(base_url)
        .clock(Arc::new(partner_ovhcloud::FixedClock::at_unix(NOW)))
        .settings(settings)
        .sleeper(sleeper)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .for_customer(ConsumerKey::new("consumer-key").unwrap())
}

#[tokio::test]
async fn only_idempotent_methods_are_retried_and_each_as_often_as_configured() {
    for failure in [Failure::ServiceUnavailable, Failure::CloseAfterRequest] {
        for max_attempts in [None, Some(1), Some(6)] {
            let server = FailingServer::start(failure).await;
            let sleeper = Arc::new(RecordingSleeper::default());
            let mut settings = HttpSettings::default();
            if let Some(n) = max_attempts {
                settings.retry.max_attempts = n;
            }
            let policy = settings.retry;
            let customer = customer(server.base_url(), settings, sleeper.clone());
            let attempts = max_attempts.unwrap_or(RetryPolicy::default().max_attempts);
            for method in IDEMPOTENT.into_iter().chain(SENT_ONCE) {
                let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
                let body = (m != reqwest::Method::GET && m != reqwest::Method::HEAD)
                    .then(|| br#"{"a":1}"#.to_vec());
                let err = customer.call(m, "/domain/zone/example.com/record", &[], body).await;
                let err = err.unwrap_err();
                // Both are kind unavailable: no usable answer.
                assert_eq!(err.error_kind(), ErrorKind::Unavailable, "{method}: {err:?}");
                match failure {
                    Failure::ServiceUnavailable => {
                        assert_eq!(err.ovh_kind(), Some(OvhErrorKind::Server), "{method}")
                    }
                    Failure::CloseAfterRequest => {
                        assert!(err.rejection().is_none(), "{method}: {err:?}")
                    }
                }
                let counts = server.take_counts();
                let expected = if IDEMPOTENT.contains(&method) { attempts } else { 1 };
                assert_eq!(
                    counts.get(method).copied(),
                    Some(expected),
                    "{failure:?}, max_attempts {max_attempts:?}: {method} sent {counts:?}"
                );
                assert_eq!(counts.len(), 1, "{counts:?}");
            }
            let retries = attempts as usize - 1;
            let waits = sleeper.0.lock().unwrap().clone();
            assert_eq!(waits.len(), IDEMPOTENT.len() * retries, "one wait per retry");
            for (i, wait) in waits.iter().enumerate() {
                let retry = (i % retries) as u32;
                assert!(*wait < policy.ceiling(retry), "wait {wait:?} before retry {}", retry + 1);
            }
            if retries > 0 {
                // Full jitter: a random part of the ceiling, not the ceiling itself.
                let fixed = waits
                    .iter()
                    .enumerate()
                    .all(|(i, w)| *w == policy.ceiling((i % retries) as u32));
                assert!(!fixed, "waits without jitter: {waits:?}");
            }
            server.stop().await;
        }
    }
}

#[tokio::test]
async fn max_attempts_is_bounded() {
    let server = FailingServer::start(Failure::ServiceUnavailable).await;
    let mut settings = HttpSettings::default();
    settings.retry.max_attempts = u32::MAX;
    let customer = customer(server.base_url(), settings, Arc::new(RecordingSleeper::default()));
    customer.get::<serde_json::Value>("/me").await.unwrap_err();
    let sent = server.take_counts()["GET"];
    assert_eq!(sent, RetryPolicy::MAX_ATTEMPTS);
    server.stop().await;
}

#[tokio::test]
async fn a_connection_refused_is_kind_unavailable() {
    // A port that was free a moment ago: nothing listens there.
    let addr = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let sleeper = Arc::new(RecordingSleeper::default());
    let customer = customer(format!("http://{addr}/1.0"), HttpSettings::default(), sleeper.clone());
    let err = customer.get::<serde_json::Value>("/me").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Unavailable, "{err:?}");
    assert_eq!(err.error_kind().http_status(), 503);
    assert!(
        matches!(
            err,
            partner_ovhcloud::Error::Core(partner_core::Error::Unavailable {
                reason: partner_core::Unavailability::Connect,
                ..
            })
        ),
        "{err:?}"
    );
    assert!(err.rejection().is_none());
}
