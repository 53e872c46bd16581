//! Property tests: every decoder and parser of the core, on arbitrary input.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[cfg(feature = "aes-cbc")]
use partner_core::crypto::hazmat::{aes128_cbc_decrypt, aes128_cbc_encrypt};
use partner_core::crypto::{hmac_sha256, verify_hmac_sha256, verify_hmac_sha256_hex};
use partner_core::encoding::*;
use partner_core::{Error, Freshness, InMemoryReplayGuard, ReplayGuard, UnixTime};
use proptest::prelude::*;
use std::time::Duration;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn hex_round_trips_in_either_case(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let lower = hex_encode(&bytes);
        prop_assert_eq!(&lower, &lower.to_ascii_lowercase());
        prop_assert_eq!(hex_decode(&lower).unwrap(), bytes.clone());
        prop_assert_eq!(hex_decode(&lower.to_ascii_uppercase()).unwrap(), bytes);
    }

    #[test]
    fn hex_decode_never_panics(text in ".{0,80}") {
        let result = hex_decode(&text);
        let is_hex = text.len() % 2 == 0 && text.bytes().all(|b| b.is_ascii_hexdigit());
        prop_assert_eq!(result.is_ok(), is_hex);
        let mut buf = [0u8; 4];
        let into = hex_decode_into(&text, &mut buf);
        prop_assert_eq!(into.is_ok(), is_hex && text.len() == 8);
        if let Err(e) = into {
            prop_assert!(matches!(e, Error::Malformed(_)));
        }
    }

    #[test]
    fn base64_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        let std_text = base64_encode(&bytes);
        let url_text = base64url_encode(&bytes);
        prop_assert_eq!(base64_decode(&std_text).unwrap(), bytes.clone());
        prop_assert_eq!(base64url_decode(&url_text).unwrap(), bytes.clone());
        // The tolerant decoder agrees with the strict ones on canonical input.
        prop_assert_eq!(base64_decode_tolerant(&std_text).unwrap(), bytes.clone());
        prop_assert_eq!(base64_decode_tolerant(&url_text).unwrap(), bytes);
    }

    #[test]
    fn tolerant_base64_ignores_white_space_and_extra_padding(
        bytes in proptest::collection::vec(any::<u8>(), 0..60),
        cuts in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec![" ", "\n", "\r\n", "\t"])), 0..5),
        extra_pad in 0usize..4,
    ) {
        let mut text = base64url_encode(&bytes);
        for (at, ws) in cuts {
            let i = at.index(text.len() + 1);
            text.insert_str(i, ws);
        }
        text.push_str(&"=".repeat(extra_pad));
        prop_assert_eq!(base64_decode_tolerant(&text).unwrap(), bytes);
    }

    #[test]
    fn base64_decoders_never_panic(text in ".{0,120}") {
        let tolerant = base64_decode_tolerant(&text);
        if let Err(e) = &tolerant {
            prop_assert!(matches!(e, Error::Malformed(_)));
        }
        // Whatever the strict decoder accepts, the tolerant one accepts identically.
        if let Ok(strict) = base64_decode(&text) {
            prop_assert_eq!(tolerant.clone().unwrap(), strict);
        }
        if let Ok(strict) = base64url_decode(&text) {
            prop_assert_eq!(tolerant.unwrap(), strict);
        }
    }

    #[test]
    fn form_encoding_round_trips_through_the_url_crate(
        pairs in proptest::collection::vec((".{0,12}", ".{0,12}"), 0..6)
    ) {
        let query = form_encode(&pairs);
        // Only the WHATWG-safe bytes, `+`, `%XX` escapes and separators are sent.
        prop_assert!(query.bytes().all(|b| b.is_ascii_alphanumeric() || b"*-._+%&=".contains(&b)));
        let url = url::Url::parse(&format!("https://example.test/?{query}")).unwrap();
        let parsed: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        // WHATWG parsing drops `name=value` segments that are entirely empty
        // only when the serializer wrote nothing for them, which it never does.
        prop_assert_eq!(&parsed, &pairs);
        prop_assert_eq!(form_decode(&query), pairs);
    }

    // The table-driven encoder against the `form_urlencoded` crate's
    // serializer, an independent implementation of the same WHATWG rules,
    // on texts long enough to cross the encoder's 256-byte stack buffer.
    #[test]
    fn form_encoding_equals_the_url_crates_serializer(
        text in prop_oneof![
            "[ -~\\t\\né€\u{2028}\u{1F600}]{0,400}",
            ".{0,400}",
            // Mostly one-byte forms with a few escapes: runs of 16 with
            // escaped lanes anywhere, and every tail length.
            "[A-Za-z0-9 ._*-]{0,12}([@/~%é][A-Za-z0-9 ]{0,9}){0,6}",
        ],
        prefix in "[a-z?]{0,3}",
    ) {
        let want: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
        prop_assert_eq!(form_encode_component(&text), want.clone());
        let mut out = prefix.clone();
        push_form_encoded(&mut out, &text);
        prop_assert_eq!(out, format!("{prefix}{want}"));
        let mut writer = FormWriter::new(prefix.clone());
        writer.push_encoded(&text);
        writer.push_encoded(&text);
        prop_assert_eq!(writer.finish(), format!("{prefix}{want}{want}"));
        // A short text appended with one store, then more text after it.
        let short = partner_core::encoding::ShortText::new(&prefix).unwrap();
        let mut writer = FormWriter::new(text.clone());
        writer.push_short(&short);
        writer.push_encoded(&text);
        writer.push_short(&short);
        prop_assert_eq!(writer.finish(), format!("{text}{prefix}{want}{prefix}"));
    }

    // A hex tag matches exactly when, lower-cased (ASCII letters only), it
    // is the `hex` crate's encoding: for digests of 32 bytes (the fast
    // path) and of other lengths, with cases flipped and bytes changed.
    #[test]
    fn hex_eq_is_case_blind_equality_of_hex(
        expected in prop_oneof![
            proptest::collection::vec(any::<u8>(), 32),
            proptest::collection::vec(any::<u8>(), 0..70),
        ],
        upper in proptest::collection::vec(any::<bool>(), 140),
        // Any byte, and the ones a sloppy lower-casing would turn into a
        // hex digit (0x10-0x19 | 0x20 is '0'-'9').
        change in proptest::option::of((0usize..140, prop_oneof![any::<u8>(), 0x10u8..0x1a, b'A'..b'H'])),
    ) {
        let mut received: Vec<u8> = hex::encode(&expected)
            .bytes()
            .zip(&upper)
            .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
            .collect();
        if let Some((at, byte)) = change {
            if let Some(slot) = received.get_mut(at) {
                *slot = byte;
            }
        }
        let Ok(received) = String::from_utf8(received) else { return Ok(()) };
        let want = received.to_ascii_lowercase() == hex::encode(&expected);
        prop_assert_eq!(partner_core::crypto::hex_eq(&expected, &received), want, "{}", received);
    }

    // A keyed HMAC state made once tags as keying per call does.
    #[test]
    fn a_key_made_once_tags_as_keying_per_call(
        key in proptest::collection::vec(any::<u8>(), 1..150),
        message in proptest::collection::vec(any::<u8>(), 0..300),
        cut in 0usize..300,
    ) {
        use partner_core::{MessageSigner, MessageVerifier};
        let made = partner_core::crypto::HmacSha256Key::new(key.clone()).unwrap();
        let tag = hmac_sha256(&key, &message);
        let cut = cut.min(message.len());
        prop_assert_eq!(made.sign(&message), tag);
        prop_assert_eq!(made.sign_parts(&[&message[..cut], &message[cut..]]), tag);
        prop_assert_eq!(made.verify(&message, &tag), Ok(()));
    }

    #[test]
    fn form_decode_and_raw_pairs_never_panic(query in ".{0,80}") {
        let decoded = form_decode(&query);
        let raw: Vec<_> = raw_pairs(&query).collect();
        prop_assert_eq!(decoded.len(), raw.len());
        for ((name, value), pair) in decoded.iter().zip(&raw) {
            prop_assert_eq!(name, &pair.name);
            prop_assert_eq!(value, &pair.value);
            prop_assert!(query.contains(pair.raw));
        }
    }

    #[test]
    fn verify_rejects_every_single_byte_change(
        key in proptest::collection::vec(any::<u8>(), 1..80),
        msg in proptest::collection::vec(any::<u8>(), 0..200),
        flip in 1u8..=255,
    ) {
        let tag = hmac_sha256(&key, &msg);
        prop_assert_eq!(verify_hmac_sha256(&key, &msg, &tag), Ok(()));
        for i in 0..tag.len() {
            let mut bad = tag;
            bad[i] ^= flip;
            prop_assert_eq!(verify_hmac_sha256(&key, &msg, &bad), Err(Error::BadSignature));
        }
        let hex = hex_encode(tag);
        prop_assert_eq!(verify_hmac_sha256_hex(&key, &msg, &hex), Ok(()));
        for i in 0..hex.len() {
            let mut bad = hex.clone().into_bytes();
            bad[i] = if bad[i] == b'0' { b'1' } else { b'0' };
            let bad = String::from_utf8(bad).unwrap();
            prop_assert_eq!(verify_hmac_sha256_hex(&key, &msg, &bad), Err(Error::BadSignature));
        }
    }

    #[test]
    fn verify_hex_never_panics(key in ".{0,10}", tag in ".{0,80}") {
        prop_assert!(verify_hmac_sha256_hex(key.as_bytes(), b"m", &tag).is_err());
    }

    // An empty key verifies nothing, not even the tag computed under it.
    #[test]
    fn empty_key_verifies_nothing(msg in proptest::collection::vec(any::<u8>(), 0..64)) {
        let tag = hmac_sha256(b"", &msg);
        prop_assert_eq!(verify_hmac_sha256(b"", &msg, &tag), Err(Error::EmptyKey));
        prop_assert_eq!(verify_hmac_sha256_hex(b"", &msg, &hex_encode(tag)), Err(Error::EmptyKey));
    }

    // Whatever the caller's value, it is one segment of the URL built, or refused.
    #[test]
    fn path_segments_never_climb(value in "\\PC{0,12}|[./\\%2eE\t\n]{0,6}") {
        match partner_core::path::url_with_segments("https://api.example/v1", ["accounts", value.as_str(), "blends"], &[]) {
            Ok(url) => {
                let segments: Vec<&str> = url.path_segments().unwrap().collect();
                prop_assert_eq!(segments.len(), 4);
                prop_assert_eq!(segments[1], "accounts");
                prop_assert_eq!(segments[3], "blends");
                let decoded = percent_encoding::percent_decode_str(segments[2]).decode_utf8().unwrap();
                prop_assert_eq!(&*decoded, value.as_str());
            }
            Err(e) => prop_assert!(matches!(e, Error::UnsafeInput(_))),
        }
    }

    #[cfg(feature = "aes-cbc")]
    #[test]
    fn aes_round_trips_and_never_panics_on_garbage(
        key in any::<[u8; 16]>(),
        iv in any::<[u8; 16]>(),
        plain in proptest::collection::vec(any::<u8>(), 0..100),
        garbage in proptest::collection::vec(any::<u8>(), 0..100),
    ) {
        let ct = aes128_cbc_encrypt(&key, &iv, &plain);
        prop_assert_eq!(ct.len() % 16, 0);
        prop_assert!(ct.len() > plain.len());
        prop_assert_eq!(aes128_cbc_decrypt(&key, &iv, &ct).unwrap(), plain);
        if let Err(e) = aes128_cbc_decrypt(&key, &iv, &garbage) {
            prop_assert_eq!(e, Error::Decrypt);
        }
    }

    #[test]
    fn freshness_matches_its_definition(
        issued in any::<i64>(),
        now in any::<i64>(),
        max_age in 0u64..10_000,
        max_skew in 0u64..10_000,
    ) {
        let w = Freshness::new(Duration::from_secs(max_age), Duration::from_secs(max_skew));
        let age = i128::from(now) - i128::from(issued);
        let want = if age > i128::from(max_age) {
            Err(Error::Expired)
        } else if -age > i128::from(max_skew) {
            Err(Error::NotYetValid)
        } else {
            Ok(())
        };
        prop_assert_eq!(w.check(UnixTime::from_secs(issued), UnixTime::from_secs(now)), want);
    }

    #[test]
    fn unix_time_round_trips(secs in -(1i64 << 40)..(1i64 << 40)) {
        let t = UnixTime::from_secs(secs);
        prop_assert_eq!(UnixTime::from_system_time(t.to_system_time()), t);
    }

    #[test]
    fn replay_guard_never_exceeds_capacity_and_never_forgets_live_ids(
        ops in proptest::collection::vec((0u8..20, 0i64..50, 1i64..30), 1..200)
    ) {
        let guard = InMemoryReplayGuard::new(8);
        let mut live: std::collections::HashMap<u8, i64> = Default::default();
        let mut now = 0i64;
        for (id, step, ttl) in ops {
            now += step % 5;
            live.retain(|_, exp| *exp >= now);
            let result = guard.check_and_record(&partner_core::replay::ReplayKey::of(&[id]), UnixTime::from_secs(now + ttl), UnixTime::from_secs(now));
            if live.contains_key(&id) {
                prop_assert_eq!(result, Err(Error::Replayed));
            } else if live.len() >= 8 {
                prop_assert_eq!(result, Err(Error::ReplayGuardFull));
            } else {
                prop_assert_eq!(result, Ok(()));
                live.insert(id, now + ttl);
            }
            prop_assert!(guard.len() <= 8);
            prop_assert_eq!(guard.len(), live.len());
        }
    }
}
