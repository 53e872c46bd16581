//! Across the clients and verifiers: every outbound call has a
//! `partner.http` span and every verification an outcome event, and no
//! field of any span or event carries a secret, a token or a query value.
//!
//! The clients run against their fakes on 127.0.0.1 with a subscriber that
//! records every field of every span and event, installed for the whole
//! process (this binary holds this one test).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use partner_core::{Clock, SystemClock};

type Fields = BTreeMap<String, String>;

/// Every span (by id) and every event, with their fields.
#[derive(Default, Clone)]
struct Recorder {
    spans: Arc<Mutex<Vec<Fields>>>,
    events: Arc<Mutex<Vec<Fields>>>,
    next: Arc<AtomicU64>,
}

struct Visitor<'a>(&'a mut Fields);
impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Fields::new();
        fields.insert("span".to_owned(), span.metadata().name().to_owned());
        span.record(&mut Visitor(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        spans.resize_with(usize::try_from(id).unwrap(), Fields::new);
        spans[usize::try_from(id - 1).unwrap()] = fields;
        tracing::span::Id::from_u64(id)
    }
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        values.record(&mut Visitor(&mut spans[usize::try_from(span.into_u64() - 1).unwrap()]));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        self.events.lock().unwrap().push(fields);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

const OVH_SECRET: &str = "ovh-app-secret-SPAN-0001";
const CHEETAH_SECRET: &str = "cheetah-secret-SPAN-0002";
const TEAPPLIX_TOKEN: &str = "teapplix-api-token-SPAN-0003";
const TEAPPLIX_KEY: &str = "teapplix-sig-key-SPAN-0004";
const QUERY_VALUE: &str = "query-value-SPAN-0005";

#[test]
fn spans_and_events_name_calls_and_outcomes_and_carry_no_secret() {
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(recorder.clone()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    // Values that must never appear: the configured secrets, and what the
    // providers hand out (consumer key, tokens).
    let mut forbidden: Vec<String> =
        [OVH_SECRET, CHEETAH_SECRET, TEAPPLIX_TOKEN, TEAPPLIX_KEY, QUERY_VALUE]
            .map(str::to_owned)
            .to_vec();
    runtime.block_on(async {
        // OVHcloud: a consumer key requested, validated, then a signed call with a query.
        let fake = partner_ovhcloud::fake::FakeOvh::builder()
            .application("span-app", OVH_SECRET)
            .start(0)
            .await
            .unwrap();
        let app = partner_ovhcloud::OvhClient::builder("span-app", OVH_SECRET)
            .base_url(fake.base_url())
            .build()
            .unwrap();
        let asked = app
            .request_credential(&partner_ovhcloud::CredentialRequest::read_only())
            .await
            .unwrap();
        forbidden.push(asked.consumer_key.expose_str().unwrap().to_owned());
        assert!(fake.validate(&asked.consumer_key));
        let customer = app.for_customer(asked.consumer_key.clone());
        let _: serde_json::Value =
            customer.get_with_query("/me", &[("filter", QUERY_VALUE)]).await.unwrap();
        fake.shutdown().await;

        // Cheetah: an integration token, then a member SSO.
        let fake = partner_cheetah::fake::FakeCheetah::builder()
            .credentials("span-client", CHEETAH_SECRET)
            .start(0)
            .await
            .unwrap();
        let client = partner_cheetah::CheetahClient::builder("span-client", CHEETAH_SECRET)
            .base_url(fake.base_url())
            .build()
            .unwrap();
        let token = client.integration_token().await.unwrap();
        forbidden.push(token.secret.expose_str().unwrap().to_owned());
        let sso = client
            .sso(&partner_cheetah::MemberSsoRequest::new("u-1", "Ann", "Lee", "ann@example.com"))
            .await
            .unwrap();
        forbidden.push(sso.access_token.expose_str().unwrap().to_owned());
        fake.shutdown().await;

        // Teapplix: PSObtainToken, then the launch URL verified.
        let fake = partner_teapplix::fake::FakeTeapplix::builder()
            .api_token(TEAPPLIX_TOKEN)
            .signature_key(TEAPPLIX_KEY)
            .pair("ps-1", "acme")
            .start(0)
            .await
            .unwrap();
        let client = partner_teapplix::TeapplixClient::builder(TEAPPLIX_TOKEN)
            .base_url(fake.base_url())
            .build()
            .unwrap();
        let obtained = client.obtain_token("ps-1").await.unwrap();
        forbidden.push(obtained.access_token.expose_str().unwrap().to_owned());
        let now = SystemClock.unix_time();
        let signer = partner_teapplix::LaunchSigner::new(TEAPPLIX_KEY).unwrap();
        let url = signer.launch_url_for(&obtained, now).unwrap();
        let verifier = partner_teapplix::LaunchVerifier::new(TEAPPLIX_KEY).unwrap();
        verifier.verify(url.as_str(), now).unwrap().accept().unwrap();
        let other = partner_teapplix::LaunchVerifier::new("another key").unwrap();
        assert!(other.verify(url.as_str(), now).is_err());
        fake.shutdown().await;
    });

    let spans = recorder.spans.lock().unwrap();
    let events = recorder.events.lock().unwrap();
    let calls: Vec<&Fields> = spans
        .iter()
        .filter(|f| f.get("span").map(String::as_str) == Some("partner.http"))
        .collect();
    for provider in ["ovhcloud", "cheetah", "teapplix"] {
        let mine: Vec<&&Fields> = calls
            .iter()
            .filter(|f| f.get("provider").map(String::as_str) == Some(provider))
            .collect();
        assert!(!mine.is_empty(), "no partner.http span for {provider}");
        for span in mine {
            for key in ["operation", "method", "path", "status", "attempt", "latency_ms"] {
                assert!(span.contains_key(key), "{provider} span without {key}: {span:?}");
            }
            let path = &span["path"];
            assert!(!path.contains('?'), "a query in the path template: {span:?}");
        }
    }
    let outcomes: Vec<&str> = events
        .iter()
        .filter(|f| f.get("provider").map(String::as_str) == Some("teapplix"))
        .filter_map(|f| f.get("outcome").map(String::as_str))
        .collect();
    assert_eq!(outcomes, ["accepted", "bad-signature"], "{events:?}");

    for fields in spans.iter().chain(events.iter()) {
        for value in fields.values() {
            for secret in &forbidden {
                assert!(!value.contains(secret.as_str()), "{secret} appears in {fields:?}");
            }
        }
    }
}
