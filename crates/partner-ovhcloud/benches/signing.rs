//! Signing a request with a 1 KiB body next to a raw SHA-1 of the same
//! pre-image (target: within 2x), and a full signed call to the fake.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use partner_core::crypto::sha1;
use partner_ovhcloud::{ApplicationSecret, ConsumerKey, SignedRequest, UnixTime, sign};
use std::hint::black_box;

fn signing(c: &mut Criterion) {
    let app_secret = ApplicationSecret::new("9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk").unwrap();
    let ck = ConsumerKey::new("5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY").unwrap();
    let url = "https://eu.api.ovh.com/1.0/domain/zone/example.com/record";
    let body = vec![b'x'; 1024];
    let pre_image = format!(
        "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk+5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY+POST+{url}+{}+1700000000",
        String::from_utf8_lossy(&body)
    );
    let mut group = c.benchmark_group("ovhcloud_signature_1KiB");
    group.bench_function("raw_sha1_of_pre_image", |b| {
        b.iter(|| sha1(black_box(pre_image.as_bytes())))
    });
    group.bench_function("sign", |b| {
        b.iter(|| {
            let request = SignedRequest {
                method: black_box("POST"),
                url: black_box(url),
                body: black_box(&body),
            };
            sign(&app_secret, &ck, &request, UnixTime::from_secs(1_700_000_000))
        })
    });
    group.finish();
}

#[cfg(all(feature = "client", feature = "mock"))]
fn signed_call(c: &mut Criterion) {
    use partner_ovhcloud::fake::{DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh};
    use partner_ovhcloud::{CredentialRequest, OvhClient};
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (fake, customer) = rt.block_on(async {
        let fake = FakeOvh::builder().start(0).await.unwrap();
        let app = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
            .base_url(fake.base_url())
            .build()
            .unwrap();
        let asked = app.request_credential(&CredentialRequest::read_only()).await.unwrap();
        assert!(fake.validate(&asked.consumer_key));
        (fake, app.for_customer(asked.consumer_key))
    });
    c.bench_function("ovhcloud_signed_get_me_against_fake", |b| {
        b.iter(|| rt.block_on(async { customer.get::<serde_json::Value>("/me").await.unwrap() }))
    });
    assert_eq!(fake.time_requests(), 1, "one /auth/time for the whole run");
}

#[cfg(not(all(feature = "client", feature = "mock")))]
fn signed_call(_: &mut Criterion) {}

criterion_group!(benches, signing, signed_call);
criterion_main!(benches);
