//! The client foundation against a real server on 127.0.0.1: which answers
//! are retried for which methods, the waits, the budget, the error kinds,
//! (The span of each call is checked in `http_spans.rs`, alone in its
//! process, because a subscriber is process-wide state.)
#![cfg(all(feature = "http", feature = "loopback-server"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use partner_core::http::{
    Answer, Call, Dialect, HttpClient, HttpSettings, RetryPolicy, Verdict, standard_verdict,
};
use partner_core::server::{LoopbackServer, ServerLimits};
use partner_core::{Error, ErrorKind, HasErrorKind, Sleeper, Unavailability};

#[derive(Debug, Default)]
struct RecordingSleeper(Mutex<Vec<Duration>>);

impl Sleeper for RecordingSleeper {
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

#[derive(Default)]
struct Counters {
    flaky: AtomicU32,
    post: AtomicU32,
    limited: AtomicU32,
    stale: AtomicU32,
    down: AtomicU32,
}

async fn server(counters: Arc<Counters>) -> LoopbackServer {
    let c = counters;
    let (c1, c2, c3, c4, c5) = (c.clone(), c.clone(), c.clone(), c.clone(), c.clone());
    let router = Router::new()
        .route(
            "/flaky",
            get(move || async move {
                if c1.flaky.fetch_add(1, Ordering::SeqCst) < 2 {
                    (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response()
                } else {
                    (StatusCode::OK, "ok").into_response()
                }
            }),
        )
        .route(
            "/post",
            any(move || async move {
                c2.post.fetch_add(1, Ordering::SeqCst);
                (StatusCode::BAD_GATEWAY, "down").into_response()
            }),
        )
        .route(
            "/limited",
            any(move || async move {
                if c3.limited.fetch_add(1, Ordering::SeqCst) == 0 {
                    let mut h = HeaderMap::new();
                    h.insert("retry-after", "7".parse().unwrap());
                    (StatusCode::TOO_MANY_REQUESTS, h, "slow down").into_response()
                } else {
                    (StatusCode::CREATED, "made").into_response()
                }
            }),
        )
        .route(
            "/stale",
            any(move |headers: HeaderMap| async move {
                c4.stale.fetch_add(1, Ordering::SeqCst);
                if headers.get("x-fresh").is_some() {
                    (StatusCode::OK, "fresh").into_response()
                } else {
                    (StatusCode::UNAUTHORIZED, r#"{"error":"stale"}"#).into_response()
                }
            }),
        )
        .route(
            "/down",
            get(move || async move {
                c5.down.fetch_add(1, Ordering::SeqCst);
                let mut h = HeaderMap::new();
                h.insert("x-request-id", "req-9".parse().unwrap());
                (StatusCode::INTERNAL_SERVER_ERROR, h, "exploded").into_response()
            }),
        )
        .route("/missing", get(|| async { (StatusCode::NOT_FOUND, "no such thing") }))
        .route("/big", get(|| async { vec![b'x'; 4096] }))
        .route("/hang", get(std::future::pending::<&'static str>));
    let listener = LoopbackServer::bind(0).await.unwrap();
    LoopbackServer::start(listener, router, ServerLimits::default()).unwrap()
}

fn client(sleeper: Arc<RecordingSleeper>, settings: HttpSettings) -> HttpClient {
    HttpClient::builder("test", "partner-test/0")
        .settings(settings)
        .sleeper(Some(sleeper))
        .build()
        .unwrap()
}

/// A dialect that asks for fresh credentials on 401.
struct Refreshing;
impl Dialect for Refreshing {
    fn classify(&self, answer: &Answer) -> Verdict {
        if answer.status() == 401 { Verdict::Refresh } else { standard_verdict(answer) }
    }
}

#[tokio::test]
async fn idempotent_calls_are_retried_with_jittered_backoff_and_others_are_not() {
    let counters = Arc::new(Counters::default());
    let server = server(counters.clone()).await;
    let base = server.base_url();
    let sleeper = Arc::new(RecordingSleeper::default());
    let http = client(sleeper.clone(), HttpSettings::default());

    let answer = http
        .send_request(Call::new("flaky", "/flaky"), http.reqwest().get(format!("{base}/flaky")))
        .await
        .unwrap();
    assert_eq!((answer.status(), answer.body()), (200, &b"ok"[..]));
    assert_eq!(counters.flaky.load(Ordering::SeqCst), 3, "two 503s, then the answer");
    let waits = sleeper.0.lock().unwrap().clone();
    assert_eq!(waits.len(), 2);
    let policy = RetryPolicy::default();
    assert!(waits[0] < policy.ceiling(0) && waits[1] < policy.ceiling(1), "{waits:?}");

    // POST after a 502: sent once, and the 5xx is `unavailable` with the answer as source.
    let err = http
        .send_request(Call::new("post", "/post"), http.reqwest().post(format!("{base}/post")))
        .await
        .unwrap_err();
    assert_eq!(counters.post.load(Ordering::SeqCst), 1);
    assert_eq!(err.error_kind(), ErrorKind::Unavailable);
    assert!(matches!(
        err,
        Error::Unavailable { reason: Unavailability::ServerError { status: 502 }, .. }
    ));
    assert_eq!(err.rejection().and_then(|r| r.message.as_deref()), Some("down"));

    // GET that stays 500: three attempts (the default), then unavailable with the request id.
    let err = http
        .send_request(Call::new("down", "/down"), http.reqwest().get(format!("{base}/down")))
        .await
        .unwrap_err();
    assert_eq!(counters.down.load(Ordering::SeqCst), 3);
    assert_eq!(
        err.rejection().and_then(|r| r.request_id.as_deref()),
        None,
        "standard dialect reads no id"
    );
    assert_eq!(err.error_kind(), ErrorKind::Unavailable);

    // A GET with effects, marked so: one attempt, like a POST.
    counters.flaky.store(0, Ordering::SeqCst);
    let err = http
        .send_request(
            Call::new("issue", "/flaky").not_idempotent(),
            http.reqwest().get(format!("{base}/flaky")),
        )
        .await
        .unwrap_err();
    assert_eq!(counters.flaky.load(Ordering::SeqCst), 1);
    assert_eq!(err.error_kind(), ErrorKind::Unavailable);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_refusal_before_processing_is_resent_for_any_method_after_retry_after() {
    let counters = Arc::new(Counters::default());
    let server = server(counters.clone()).await;
    let base = server.base_url();
    let sleeper = Arc::new(RecordingSleeper::default());
    let http = client(sleeper.clone(), HttpSettings::default());
    let answer = http
        .send_request(
            Call::new("limited", "/limited"),
            http.reqwest().post(format!("{base}/limited")),
        )
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    assert_eq!(*sleeper.0.lock().unwrap(), [Duration::from_secs(7)]);

    // A Retry-After past the budget is not waited for: the 429 is returned.
    let mut settings = HttpSettings::default();
    settings.retry.budget = Duration::from_secs(5);
    let sleeper = Arc::new(RecordingSleeper::default());
    let http = client(sleeper.clone(), settings);
    counters.limited.store(0, Ordering::SeqCst);
    let err = http
        .send_request(
            Call::new("limited", "/limited"),
            http.reqwest().get(format!("{base}/limited")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    assert_eq!(err.rejection().map(|r| r.status), Some(429));
    assert!(sleeper.0.lock().unwrap().is_empty());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn stale_credentials_are_refreshed_once_whatever_the_method() {
    let counters = Arc::new(Counters::default());
    let server = server(counters.clone()).await;
    let base = server.base_url();
    let sleeper = Arc::new(RecordingSleeper::default());
    let http = client(sleeper.clone(), HttpSettings::default());
    let prepared = Arc::new(Mutex::new(Vec::new()));
    let seen = prepared.clone();
    let url = format!("{base}/stale");
    let answer: Result<Answer, Error> = http
        .send(Call::new("stale", "/stale").dialect(&Refreshing), |attempt| {
            seen.lock().unwrap().push((attempt.number, attempt.refresh));
            let mut request = http.reqwest().post(&url);
            if attempt.refresh {
                request = request.header("x-fresh", "1");
            }
            async move { Ok(request) }
        })
        .await;
    assert_eq!(answer.unwrap().status(), 200);
    assert_eq!(*prepared.lock().unwrap(), [(1, false), (2, true)]);
    assert!(sleeper.0.lock().unwrap().is_empty(), "a refresh does not wait");

    // Still stale after the refresh: one refresh only, then the 401.
    counters.stale.store(0, Ordering::SeqCst);
    let err: Error = http
        .send(Call::new("stale", "/stale").dialect(&Refreshing), |_| {
            let request = http.reqwest().get(&url);
            async move { Ok::<_, Error>(request) }
        })
        .await
        .unwrap_err();
    assert_eq!(counters.stale.load(Ordering::SeqCst), 2);
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn transport_failures_timeouts_and_oversized_answers_have_their_kinds() {
    let counters = Arc::new(Counters::default());
    let server = server(counters).await;
    let base = server.base_url();
    let sleeper = Arc::new(RecordingSleeper::default());

    // 4xx: rejected, not retried.
    let http = client(sleeper.clone(), HttpSettings::default());
    let err = http
        .send_request(
            Call::new("missing", "/missing"),
            http.reqwest().get(format!("{base}/missing")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    assert_eq!(err.rejection().and_then(|r| r.message.as_deref()), Some("no such thing"));

    // An answer over the limit is unusable.
    let mut settings = HttpSettings::default();
    settings.max_response_bytes = 1024;
    let http = client(sleeper.clone(), settings);
    let err = http
        .send_request(Call::new("big", "/big"), http.reqwest().get(format!("{base}/big")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");

    // A hanging server: a timeout, retried (GET) then unavailable.
    let mut settings = HttpSettings::default();
    settings.timeout = Duration::from_millis(150);
    settings.retry.max_attempts = 2;
    let http = client(sleeper.clone(), settings);
    let err = http
        .send_request(Call::new("hang", "/hang"), http.reqwest().get(format!("{base}/hang")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unavailable { reason: Unavailability::Timeout, .. }), "{err:?}");
    server.shutdown().await.unwrap();

    // Nothing listens: a connection failure, retried even for POST (nothing was sent).
    let sleeper = Arc::new(RecordingSleeper::default());
    let http = client(sleeper.clone(), HttpSettings::default());
    let err = http
        .send_request(Call::new("gone", "/gone"), http.reqwest().post(format!("{base}/gone")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unavailable { reason: Unavailability::Connect, .. }), "{err:?}");
    assert_eq!(sleeper.0.lock().unwrap().len(), 2, "three attempts");
    assert!(std::error::Error::source(&err).is_some(), "the transport error is the source");
}
