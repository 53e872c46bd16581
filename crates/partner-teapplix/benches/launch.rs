//! Launch URL build and verify, next to the raw HMAC-SHA256 of the same URI
//! (target: each within 2x of the raw primitive).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use partner_core::crypto::hmac_sha256;
use partner_teapplix::{ClientVhost, LaunchSigner, LaunchVerifier, UnixTime};
use std::hint::black_box;

fn launch(c: &mut Criterion) {
    let key = "partner-signature-key";
    let vhost = ClientVhost::new("acme-shop").unwrap();
    let token = "x3Jt0bq9Zk2mQy7wLr5sVn8pHd4fGc1a";
    let ts = UnixTime::from_secs(1_700_000_000);
    let signer = LaunchSigner::new(key).unwrap();
    let verifier = LaunchVerifier::new(key).unwrap();
    let url = signer.launch_url(&vhost, token, ts);
    let uri = LaunchSigner::launch_uri(&vhost, token, ts);

    let mut group = c.benchmark_group("teapplix_launch");
    group.bench_function("raw_hmac_sha256_of_uri", |b| {
        b.iter(|| hmac_sha256(black_box(key.as_bytes()), black_box(uri.as_bytes())))
    });
    group.bench_function("build", |b| {
        b.iter(|| signer.launch_url(black_box(&vhost), black_box(token), black_box(ts)))
    });
    group.bench_function("verify", |b| {
        b.iter(|| verifier.verify(black_box(url.as_str()), black_box(ts)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, launch);
criterion_main!(benches);
