//! Verify + decrypt + parse of a multipass with a 100-byte payload, next to
//! the raw SHA-256 + AES-128-CBC decrypt of the same bytes (target: under
//! 3 µs, within 3x of the raw primitives).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use partner_cloud66::{MultipassKeys, MultipassSigner, MultipassVerifier, UnixTime};
use partner_core::crypto::hazmat::aes128_cbc_decrypt;
use partner_core::crypto::sha256_parts;
use partner_core::encoding::base64_decode_tolerant;
use std::hint::black_box;

fn multipass(c: &mut Criterion) {
    let uid = "3f7a1c9e5b2d4f6081a2c3e4f5061728";
    let keys = MultipassKeys::cloud66(uid).unwrap();
    let payload = r#"{"email":"jon.smith@example.com","name":"Jon Smith","expires":"2015-05-19 16:24:48 UTC","x":"12345"}"#;
    assert_eq!(payload.len(), 100);
    let token = MultipassSigner::new(keys.clone()).sign(payload.as_bytes());
    let sig = token.signature.clone().unwrap();
    let verifier = MultipassVerifier::new(keys);
    let now = UnixTime::from_secs(1_432_052_648);
    let ciphertext = base64_decode_tolerant(&token.multipass).unwrap();
    let aes_key: [u8; 16] = uid.as_bytes()[..16].try_into().unwrap();

    let mut group = c.benchmark_group("cloud66_multipass");
    group.bench_function("raw_sha256_plus_aes128cbc_decrypt", |b| {
        b.iter(|| {
            let digest =
                sha256_parts(&[&uid.as_bytes()[16..], black_box(token.multipass.as_bytes())]);
            let plain = aes128_cbc_decrypt(&aes_key, &[0; 16], black_box(&ciphertext)).unwrap();
            (digest, plain)
        })
    });
    group.bench_function("verify_decrypt_parse", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(&token.multipass), black_box(Some(sig.as_str())), now)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, multipass);
criterion_main!(benches);
