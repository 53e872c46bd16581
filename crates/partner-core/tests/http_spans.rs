//! The span of each outbound call: one `partner.http` span with the path
//! template and no query value.
//!
//! Alone in its test binary: the subscriber is installed for the whole
//! process, so no other test's first use of the callsite can race with it
//! and cache "no interest".
#![cfg(all(feature = "http", feature = "loopback-server"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use partner_core::Sleeper;
use partner_core::http::{Call, HttpClient, HttpSettings};
use partner_core::server::{LoopbackServer, ServerLimits};

#[derive(Debug, Default)]
struct NoWait;

impl Sleeper for NoWait {
    fn sleep(
        &self,
        _: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

/// `/flaky` answers 503 twice, then 200.
async fn server() -> LoopbackServer {
    let calls = Arc::new(AtomicU32::new(0));
    let router = Router::new().route(
        "/flaky",
        get(move || async move {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response()
            } else {
                (StatusCode::OK, "ok").into_response()
            }
        }),
    );
    let listener = LoopbackServer::bind(0).await.unwrap();
    LoopbackServer::start(listener, router, ServerLimits::default()).unwrap()
}

/// Records every field of every `partner.http` span.
#[derive(Default, Clone)]
struct SpanFields(Arc<Mutex<Vec<BTreeMap<String, String>>>>, Arc<AtomicU64>);

struct Visitor<'a>(&'a mut BTreeMap<String, String>);
impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl tracing::Subscriber for SpanFields {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let id = self.1.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = BTreeMap::new();
        fields.insert("name".to_owned(), span.metadata().name().to_owned());
        span.record(&mut Visitor(&mut fields));
        let mut all = self.0.lock().unwrap();
        all.resize_with(usize::try_from(id).unwrap(), BTreeMap::new);
        all[usize::try_from(id - 1).unwrap()] = fields;
        tracing::span::Id::from_u64(id)
    }
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut all = self.0.lock().unwrap();
        let fields = &mut all[usize::try_from(span.into_u64() - 1).unwrap()];
        values.record(&mut Visitor(fields));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn each_call_has_one_span_with_the_template_and_no_query() {
    let fields = SpanFields::default();
    tracing::subscriber::set_global_default(fields.clone()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let server = server().await;
        let base = server.base_url();
        let http = HttpClient::builder("test", "partner-test/0")
            .settings(HttpSettings::default())
            .sleeper(Some(Arc::new(NoWait)))
            .build()
            .unwrap();
        let url = format!("{base}/flaky?token=s3cr3t-query");
        http.send_request(Call::new("get_flaky", "/flaky"), http.reqwest().get(url)).await.unwrap();
        server.shutdown().await.unwrap();
    });
    let all = fields.0.lock().unwrap();
    let spans: Vec<_> =
        all.iter().filter(|f| f.get("name").map(String::as_str) == Some("partner.http")).collect();
    assert_eq!(spans.len(), 1);
    let span = spans[0];
    for (key, value) in [
        ("provider", "test"),
        ("operation", "get_flaky"),
        ("method", "GET"),
        ("path", "/flaky"),
        ("status", "200"),
        ("attempt", "3"),
    ] {
        assert_eq!(span.get(key).map(String::as_str), Some(value), "{key} in {span:?}");
    }
    assert!(span.contains_key("latency_ms"));
    assert!(all.iter().flat_map(|f| f.values()).all(|v| !v.contains("s3cr3t")), "{all:?}");
}
