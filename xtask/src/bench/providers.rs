//! The rows of `cargo xtask bench`: one function per provider.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use partner_core::UnixTime;
use partner_core::crypto::hazmat::aes128_cbc_decrypt;
use partner_core::crypto::{hmac_sha256, sha1, sha256_parts};

use super::{AllocCounter, Row, measure};

/// Every operation of the five providers.
pub fn run_all(allocs: AllocCounter) -> Vec<Row> {
    let mut rows = Vec::new();
    ovhcloud(allocs, &mut rows);
    blendr(allocs, &mut rows);
    teapplix(allocs, &mut rows);
    cloud66(allocs, &mut rows);
    cheetah(allocs, &mut rows);
    rows
}

/// OVHcloud: sign a request with a 1 KiB body vs SHA-1 of the same pre-image.
fn ovhcloud(allocs: AllocCounter, rows: &mut Vec<Row>) {
    let (as_, ck) = (
        partner_ovhcloud::ApplicationSecret::new("9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk").unwrap(),
        partner_ovhcloud::ConsumerKey::new("5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY").unwrap(),
    );
    let url = "https://eu.api.ovh.com/1.0/domain/zone/example.com/record";
    let body = vec![b'x'; 1024];
    let pre = format!(
        "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk+5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY+POST+{url}+{}+1700000000",
        "x".repeat(1024)
    );
    rows.push(measure(
        "ovhcloud sign (1 KiB body)",
        "SHA-1 of the pre-image",
        2.0,
        allocs,
        &mut || {
            let request = partner_ovhcloud::SignedRequest {
                method: "POST",
                url: black_box(url),
                body: black_box(&body),
            };
            black_box(partner_ovhcloud::sign(
                &as_,
                &ck,
                &request,
                UnixTime::from_secs(1_700_000_000),
            ));
        },
        &mut || {
            black_box(sha1(black_box(pre.as_bytes())));
        },
    ));
}

/// Blendr: 6-parameter hash link build and verify, JWT sign and verify.
fn blendr(allocs: AllocCounter, rows: &mut Vec<Row>) {
    use partner_blendr::{
        HashLinkSigner, HashVerifier, JwtClaims, JwtSigner, JwtVerifier, SsoParams,
    };
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
    let signed = query[..query.find("&hash=").unwrap()].to_owned();
    rows.push(measure(
        "blendr hash link build (6 params)",
        "HMAC-SHA256 of the query",
        2.0,
        allocs,
        &mut || {
            black_box(signer.signed_query(black_box(&pairs), ts).unwrap());
        },
        &mut || {
            black_box(hmac_sha256(key.as_bytes(), black_box(signed.as_bytes())));
        },
    ));
    rows.push(measure(
        "blendr hash link verify",
        "HMAC-SHA256 of the query",
        2.0,
        allocs,
        &mut || {
            black_box(verifier.verify(black_box(&query), ts).unwrap());
        },
        &mut || {
            black_box(hmac_sha256(key.as_bytes(), black_box(signed.as_bytes())));
        },
    ));
    let claims = JwtClaims::flat(123)
        .account_name("ACME")
        .user_id("456")
        .credential("api_key", "abcde12345");
    let jwt_signer = JwtSigner::new(key).unwrap();
    let jwt_verifier = JwtVerifier::new(key).unwrap();
    let token = jwt_signer.sign(&claims, ts).unwrap();
    let input = token[..token.rfind('.').unwrap()].to_owned();
    rows.push(measure(
        "blendr jwt sign",
        "HMAC-SHA256 of the signing input",
        3.0,
        allocs,
        &mut || {
            black_box(jwt_signer.sign(black_box(&claims), ts).unwrap());
        },
        &mut || {
            black_box(hmac_sha256(key.as_bytes(), black_box(input.as_bytes())));
        },
    ));
    rows.push(measure(
        "blendr jwt verify",
        "HMAC-SHA256 of the signing input",
        3.0,
        allocs,
        &mut || {
            black_box(jwt_verifier.verify(black_box(&token), ts).unwrap());
        },
        &mut || {
            black_box(hmac_sha256(key.as_bytes(), black_box(input.as_bytes())));
        },
    ));
}

/// Teapplix: launch URL build and verify vs HMAC-SHA256 of the URI.
fn teapplix(allocs: AllocCounter, rows: &mut Vec<Row>) {
    use partner_teapplix::{ClientVhost, LaunchSigner, LaunchVerifier};
    let key = "partner-signature-key";
    let vhost = ClientVhost::new("acme-shop").unwrap();
    let token = "x3Jt0bq9Zk2mQy7wLr5sVn8pHd4fGc1a";
    let ts = UnixTime::from_secs(1_700_000_000);
    let signer = LaunchSigner::new(key).unwrap();
    let verifier = LaunchVerifier::new(key).unwrap();
    let url = signer.launch_url(&vhost, token, ts).into_string();
    let uri = LaunchSigner::launch_uri(&vhost, token, ts);
    rows.push(measure(
        "teapplix launch url build",
        "HMAC-SHA256 of the URI",
        2.0,
        allocs,
        &mut || {
            black_box(signer.launch_url(black_box(&vhost), black_box(token), ts));
        },
        &mut || {
            black_box(hmac_sha256(key.as_bytes(), black_box(uri.as_bytes())));
        },
    ));
    rows.push(measure(
        "teapplix launch url verify",
        "HMAC-SHA256 of the URI",
        2.0,
        allocs,
        &mut || {
            black_box(verifier.verify(black_box(&url), ts).unwrap());
        },
        &mut || {
            black_box(hmac_sha256(key.as_bytes(), black_box(uri.as_bytes())));
        },
    ));
}

/// Cloud 66: verify + decrypt + parse a 100-byte payload.
fn cloud66(allocs: AllocCounter, rows: &mut Vec<Row>) {
    use partner_cloud66::{MultipassKeys, MultipassVerifier};
    let uid = "3f7a1c9e5b2d4f6081a2c3e4f5061728";
    let keys = MultipassKeys::cloud66(uid).unwrap();
    let payload = r#"{"email":"jon.smith@example.com","name":"Jon Smith","expires":"2015-05-19 16:24:48 UTC","x":"12345"}"#;
    assert_eq!(payload.len(), 100);
    let token = partner_cloud66::MultipassSigner::new(keys.clone()).sign(payload.as_bytes());
    let sig = token.signature.clone().unwrap();
    let verifier = MultipassVerifier::new(keys);
    let now = UnixTime::from_secs(1_432_052_648);
    let ciphertext = partner_core::encoding::base64_decode_tolerant(&token.multipass).unwrap();
    let aes_key: [u8; 16] = uid.as_bytes()[..16].try_into().unwrap();
    rows.push(measure(
        "cloud66 multipass verify+decrypt+parse (100 B)",
        "SHA-256 + AES-128-CBC decrypt",
        3.0,
        allocs,
        &mut || {
            black_box(verifier.verify(black_box(&token.multipass), Some(&sig), now).unwrap());
        },
        &mut || {
            black_box(sha256_parts(&[
                &uid.as_bytes()[16..],
                black_box(token.multipass.as_bytes()),
            ]));
            black_box(aes128_cbc_decrypt(&aes_key, &[0; 16], black_box(&ciphertext)).unwrap());
        },
    ));
}

/// Cheetah: emit the member state vs serde_json::to_string of the same struct.
fn cheetah(allocs: AllocCounter, rows: &mut Vec<Row>) {
    let state = partner_cheetah::MemberState::signed_in(
        "0fad7f6fd5571813956a8e51c0a71730d54051ccce3aa",
        "884efd7a551a964103856b62586a4c22f618ccfe2811",
        "Susan",
        "Susan Sample",
    );
    rows.push(measure(
        "cheetah member state emission",
        "serde_json::to_string",
        2.0,
        allocs,
        &mut || {
            black_box(black_box(&state).to_script());
        },
        &mut || {
            black_box(serde_json::to_string(black_box(&state)).unwrap());
        },
    ));
}
