//! The cases of `cargo xtask bench`: one function per provider, each case
//! at the sizes users send.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use partner_core::UnixTime;
use partner_core::crypto::hazmat::aes128_cbc_decrypt;
use partner_core::crypto::{hmac_sha256, sha1, sha256_parts};

use super::Case;

/// Every case of the five providers, in table order.
pub fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    ovhcloud(&mut cases);
    blendr_hash(&mut cases);
    blendr_jwt(&mut cases);
    teapplix(&mut cases);
    cloud66(&mut cases);
    cheetah(&mut cases);
    cases
}

/// OVHcloud: sign a request as the client does (a `RequestSigner` per
/// customer) vs SHA-1 of the same pre-image, bodies 0 B to 1 MiB.
fn ovhcloud(cases: &mut Vec<Case>) {
    const AS: &str = "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk";
    const CK: &str = "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY";
    const URL: &str = "https://eu.api.ovh.com/1.0/domain/zone/example.com/record";
    for (label, size) in [("0 B", 0), ("1 KiB", 1 << 10), ("64 KiB", 64 << 10), ("1 MiB", 1 << 20)]
    {
        let signer = partner_ovhcloud::RequestSigner::new(
            &partner_ovhcloud::ApplicationSecret::new(AS).unwrap(),
            &partner_ovhcloud::ConsumerKey::new(CK).unwrap(),
        );
        let body = br#"{"fieldType":"A","subDomain":"www","target":"192.0.2.1","ttl":3600}"#
            .iter()
            .copied()
            .cycle()
            .take(size)
            .collect::<Vec<u8>>();
        let mut pre = format!("{AS}+{CK}+POST+{URL}+").into_bytes();
        pre.extend_from_slice(&body);
        pre.extend_from_slice(b"+1700000000");
        cases.push(Case::ratio(
            format!("ovhcloud sign ({label} body)"),
            "SHA-1 of the pre-image",
            1.3,
            move || {
                let request =
                    partner_ovhcloud::SignedRequest { method: "POST", url: URL, body: &body };
                black_box(signer.sign(black_box(&request), UnixTime::from_secs(1_700_000_000)));
            },
            move || {
                black_box(sha1(black_box(&pre)));
            },
        ));
    }
}

const BLENDR_KEY: &str = "saaspartner_api_key";

/// Blendr SSO parameters: the five documented ones, plus `extra` custom ones.
fn blendr_params(extra: usize) -> (partner_blendr::SsoParams, Vec<String>) {
    let mut params = partner_blendr::SsoParams::new("123")
        .unwrap()
        .account_name("ACME Inc")
        .user_id("456")
        .user_name("Jon Smith")
        .user_email("jon@acme.example");
    let mut names = Vec::new();
    for i in 0..extra {
        let name = format!("field_{i:02}");
        let value = match i % 3 {
            0 => format!("Jon Smith {i:02}"),
            1 => format!("jon.{i:02}@acme.example"),
            _ => format!("ACME Inc/{i:02}"),
        };
        params = params.extra(&name, value).unwrap();
        names.push(name);
    }
    (params, names)
}

/// Blendr hash links: build and verify with 6 and 60 parameters, and the
/// form encoding alone.
fn blendr_hash(cases: &mut Vec<Case>) {
    use partner_blendr::{HashLinkSigner, HashVerifier, Hub, SsoPage};
    let ts = UnixTime::from_secs(1_700_000_000);
    for (count, target) in [(6, 1.6), (60, 2.0)] {
        let (params, names) = blendr_params(count - 6);
        let hub = Hub::eu("acme").unwrap();
        let signer = HashLinkSigner::new(BLENDR_KEY).unwrap().allow_params(names.clone());
        let verifier = HashVerifier::new(BLENDR_KEY).unwrap().allow_params(names);
        let link = signer.link(&hub, &SsoPage::Home, &params, ts).unwrap();
        let query = link.as_str().split_once('?').unwrap().1.to_owned();
        let signed = query[..query.find("&hash=").unwrap()].to_owned();
        let signed2 = signed.clone();
        cases.push(Case::ratio(
            format!("blendr hash link build ({count} params)"),
            "HMAC-SHA256 of the query",
            target,
            move || {
                black_box(signer.link(&hub, &SsoPage::Home, black_box(&params), ts).unwrap());
            },
            move || {
                black_box(hmac_sha256(BLENDR_KEY.as_bytes(), black_box(signed.as_bytes())));
            },
        ));
        cases.push(Case::ratio(
            format!("blendr hash link verify ({count} params)"),
            "HMAC-SHA256 of the query",
            target,
            move || {
                black_box(verifier.verify(black_box(&query), ts).unwrap().accept().unwrap());
            },
            move || {
                black_box(hmac_sha256(BLENDR_KEY.as_bytes(), black_box(signed2.as_bytes())));
            },
        ));
    }
    let (params, _) = blendr_params(54);
    let pairs: Vec<(String, String)> =
        params.pairs().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let bytes = partner_core::encoding::form_encode(&pairs).len();
    cases.push(Case::ns_per_byte(
        format!("form encoding (60 params, {bytes} B)"),
        bytes,
        1.0,
        move || {
            black_box(partner_core::encoding::form_encode(black_box(&pairs)));
        },
    ));
}

/// Blendr JWTs, flat and nested claims: our sign and verify vs
/// `jsonwebtoken`'s own encode and decode of the same claims and token.
fn blendr_jwt(cases: &mut Vec<Case>) {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    use partner_blendr::{JwtClaims, JwtSigner, JwtVerifier};
    use serde_json::{Map, Value, json};
    let ts = UnixTime::from_secs(1_700_000_000);
    let flat = JwtClaims::flat(123)
        .account_name("ACME Inc")
        .user_id("456")
        .user_name("Jon Smith")
        .user_email("jon@acme.example")
        .credential("api_key", "abcde12345");
    let nested = JwtClaims::nested("acme-123", "ACME Inc")
        .user("456", "Jon Smith", "jon@acme.example", Some("en"))
        .datasource(json!({"api_key": "abcde12345", "region": "eu"}).as_object().unwrap().clone())
        .embed(json!({"theme": "dark", "pages": ["setup", "runs"]}).as_object().unwrap().clone());
    for (label, claims) in [("flat", flat), ("nested", nested)] {
        let signer = JwtSigner::new(BLENDR_KEY).unwrap();
        let verifier = JwtVerifier::new(BLENDR_KEY).unwrap();
        let token = signer.sign(&claims, ts).unwrap();
        let mut with_iat = claims.as_map().clone();
        with_iat.insert("iat".into(), Value::from(ts.as_secs()));
        let (header, encoding) =
            (Header::new(Algorithm::HS256), EncodingKey::from_secret(BLENDR_KEY.as_bytes()));
        cases.push(Case::ratio(
            format!("blendr jwt sign ({label})"),
            "jsonwebtoken::encode",
            1.15,
            move || {
                black_box(signer.sign(black_box(&claims), ts).unwrap());
            },
            move || {
                black_box(jsonwebtoken::encode(&header, black_box(&with_iat), &encoding).unwrap());
            },
        ));
        let decoding = DecodingKey::from_secret(BLENDR_KEY.as_bytes());
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        (validation.validate_exp, validation.validate_nbf, validation.validate_aud) =
            (false, false, false);
        validation.leeway = 0;
        let token2 = token.clone();
        cases.push(Case::ratio(
            format!("blendr jwt verify ({label})"),
            "jsonwebtoken::decode",
            1.15,
            move || {
                black_box(verifier.verify(black_box(&token), ts).unwrap().accept().unwrap());
            },
            move || {
                let decoded = jsonwebtoken::decode::<Map<String, Value>>(
                    black_box(&token2),
                    &decoding,
                    &validation,
                );
                black_box(decoded.unwrap());
            },
        ));
    }
}

/// Teapplix: launch URL build and verify vs HMAC-SHA256 of the URI.
fn teapplix(cases: &mut Vec<Case>) {
    use partner_teapplix::{ClientVhost, LaunchSigner, LaunchVerifier};
    const KEY: &str = "partner-signature-key";
    const TOKEN: &str = "x3Jt0bq9Zk2mQy7wLr5sVn8pHd4fGc1a";
    let ts = UnixTime::from_secs(1_700_000_000);
    let vhost = ClientVhost::new("acme-shop").unwrap();
    let signer = LaunchSigner::new(KEY).unwrap();
    let verifier = LaunchVerifier::new(KEY).unwrap();
    let url = signer.launch_url(&vhost, TOKEN, ts).into_string();
    let uri = LaunchSigner::launch_uri(&vhost, TOKEN, ts);
    let uri2 = uri.clone();
    cases.push(Case::ratio(
        "teapplix launch url build",
        "HMAC-SHA256 of the URI",
        1.6,
        move || {
            black_box(signer.launch_url(black_box(&vhost), black_box(TOKEN), ts));
        },
        move || {
            black_box(hmac_sha256(KEY.as_bytes(), black_box(uri.as_bytes())));
        },
    ));
    cases.push(Case::ratio(
        "teapplix launch url verify",
        "HMAC-SHA256 of the URI",
        1.6,
        move || {
            black_box(verifier.verify(black_box(&url), ts).unwrap().accept().unwrap());
        },
        move || {
            black_box(hmac_sha256(KEY.as_bytes(), black_box(uri2.as_bytes())));
        },
    ));
}

/// Cloud 66: multipass verify + decrypt + parse, 100 B and 10 KiB payloads.
fn cloud66(cases: &mut Vec<Case>) {
    use partner_cloud66::{MultipassKeys, MultipassSigner, MultipassVerifier};
    const UID: &str = "3f7a1c9e5b2d4f6081a2c3e4f5061728";
    let head = r#"{"email":"jon.smith@example.com","name":"Jon Smith","expires":"2015-05-19 16:24:48 UTC","x":""#;
    for (label, size) in [("100 B", 100), ("10 KiB", 10 << 10)] {
        let payload = format!(
            "{head}{}\"}}",
            "1234567890".repeat(size / 10).get(..size - head.len() - 2).unwrap()
        );
        assert_eq!(payload.len(), size);
        let keys = MultipassKeys::cloud66(UID).unwrap();
        let token = MultipassSigner::new(keys.clone()).sign(payload.as_bytes());
        let signature = token.signature.clone().unwrap();
        let verifier = MultipassVerifier::new(keys);
        let now = UnixTime::from_secs(1_432_052_648);
        let multipass = token.multipass.clone();
        let ciphertext = partner_core::encoding::base64_decode_tolerant(&multipass).unwrap();
        let aes_key: [u8; 16] = UID.as_bytes()[..16].try_into().unwrap();
        cases.push(Case::ratio(
            format!("cloud66 multipass verify+decrypt+parse ({label})"),
            "SHA-256 + AES-128-CBC decrypt",
            2.5,
            move || {
                black_box(
                    verifier
                        .verify(black_box(&token.multipass), Some(&signature), now)
                        .unwrap()
                        .accept()
                        .unwrap(),
                );
            },
            move || {
                black_box(sha256_parts(&[&UID.as_bytes()[16..], black_box(multipass.as_bytes())]));
                black_box(aes128_cbc_decrypt(&aes_key, &[0; 16], black_box(&ciphertext)).unwrap());
            },
        ));
    }
}

/// Cheetah: emit the member state vs `serde_json::to_string` of the same struct.
fn cheetah(cases: &mut Vec<Case>) {
    let state = partner_cheetah::MemberState::signed_in(
        "0fad7f6fd5571813956a8e51c0a71730d54051ccce3aa",
        "884efd7a551a964103856b62586a4c22f618ccfe2811",
        "Susan",
        "Susan Sample",
    );
    let state2 = state.clone();
    cases.push(Case::ratio(
        "cheetah member state emission",
        "serde_json::to_string",
        1.8,
        move || {
            black_box(black_box(&state).to_script());
        },
        move || {
            black_box(serde_json::to_string(black_box(&state2)).unwrap());
        },
    ));
}
