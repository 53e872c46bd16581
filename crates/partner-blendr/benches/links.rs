//! Signed link build and verify (6 parameters) next to the raw HMAC-SHA256
//! of the same query (target: within 2x each), and JWT sign / verify.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use partner_blendr::{
    HashLinkSigner, HashVerifier, JwtClaims, JwtSigner, JwtVerifier, SsoParams, UnixTime,
};
use partner_core::crypto::hmac_sha256;
use std::hint::black_box;

fn links(c: &mut Criterion) {
    let key = "saaspartner_api_key";
    let ts = UnixTime::from_secs(1_700_000_000);
    let params = SsoParams::new("123")
        .unwrap()
        .account_name("ACME Inc")
        .user_id("456")
        .user_name("Jon Smith")
        .user_email("jon@acme.example");
    let pairs: Vec<(&str, &str)> = params.pairs().collect();
    let signer = HashLinkSigner::new(key).unwrap();
    let verifier = HashVerifier::new(key).unwrap();
    let query = signer.signed_query(&pairs, ts).unwrap();
    let signed_part = &query[..query.find("&hash=").unwrap()];

    let mut group = c.benchmark_group("blendr_hash_link");
    group.bench_function("raw_hmac_sha256_of_query", |b| {
        b.iter(|| hmac_sha256(black_box(key.as_bytes()), black_box(signed_part.as_bytes())))
    });
    group.bench_function("build", |b| {
        b.iter(|| signer.signed_query(black_box(&pairs), black_box(ts)).unwrap())
    });
    group.bench_function("verify", |b| {
        b.iter(|| verifier.verify(black_box(&query), black_box(ts)).unwrap())
    });
    group.finish();

    let claims = JwtClaims::flat(123)
        .account_name("ACME")
        .user_id("456")
        .credential("api_key", "abcde12345");
    let jwt_signer = JwtSigner::new(key).unwrap();
    let jwt_verifier = JwtVerifier::new(key).unwrap();
    let token = jwt_signer.sign(&claims, ts).unwrap();
    let signing_input = &token[..token.rfind('.').unwrap()];
    let mut group = c.benchmark_group("blendr_jwt");
    group.bench_function("raw_hmac_sha256_of_signing_input", |b| {
        b.iter(|| hmac_sha256(black_box(key.as_bytes()), black_box(signing_input.as_bytes())))
    });
    group.bench_function("sign", |b| {
        b.iter(|| jwt_signer.sign(black_box(&claims), black_box(ts)).unwrap())
    });
    group.bench_function("verify", |b| {
        b.iter(|| jwt_verifier.verify(black_box(&token), black_box(ts)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, links);
criterion_main!(benches);
