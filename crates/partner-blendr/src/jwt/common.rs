//! The common case of a JWT handoff, read once: one of the usual HS256
//! headers, a signature `jsonwebtoken` accepts, and claims that
//! `jsonwebtoken::decode` would accept as they are.
//!
//! `jsonwebtoken::decode` reads the header twice and the claims twice (once
//! as a map, once for its own claim checks) and keys the HMAC on every
//! call. Here the header is compared as text, the signature is checked by
//! `jsonwebtoken::crypto::verify`, and the claims are parsed once into the
//! same map. Whatever falls outside the conditions below goes through
//! `jsonwebtoken::decode` as before, so the answer to any token is the
//! same; this path only spares work on tokens it would accept.

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// The headers of HS256 tokens as common libraries write them, in
/// base64url: `{"typ":"JWT","alg":"HS256"}` (jsonwebtoken),
/// `{"alg":"HS256","typ":"JWT"}` (PyJWT, jose, jjwt) and `{"alg":"HS256"}`.
/// A header part that is one of these texts decodes (strictly) to that JSON
/// and nothing else, so it is read without decoding or parsing.
pub(super) const COMMON_HS256_HEADERS: [&str; 3] = [
    // {"typ":"JWT","alg":"HS256"}
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9",
    // {"alg":"HS256","typ":"JWT"}
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    // {"alg":"HS256"}
    "eyJhbGciOiJIUzI1NiJ9",
];

/// The claims of `header.payload.signature` when the token is in the
/// common case and `jsonwebtoken` accepts its signature; `None` sends it
/// the full way (which gives the answer for every other token).
///
/// The conditions, each of which `jsonwebtoken::decode` (HS256, no claim
/// validation) would pass the same token on:
/// - the header is one of [`COMMON_HS256_HEADERS`] and the payload holds
///   no dot (so the three parts are the ones it splits);
/// - `jsonwebtoken::crypto::verify` accepts the signature over
///   `header.payload` (its own HMAC and base64url);
/// - the payload is strict unpadded base64url (the engine it uses) of one
///   JSON object with no member twice (its claim check refuses a repeated
///   `exp`, `nbf`, `sub`, `iss` or `aud`);
/// - `exp` and `nbf` are absent or non-negative numbers below 2^64 and
///   `sub`, `iss` and `aud` absent or strings (its claim check refuses
///   other types for some, and reads others in ways this does not copy).
pub(super) fn claims(
    key: &DecodingKey,
    header_b64: &str,
    payload_b64: &str,
    signature_b64: &str,
    message: &str,
) -> Option<Map<String, Value>> {
    if !COMMON_HS256_HEADERS.contains(&header_b64) || payload_b64.contains('.') {
        return None;
    }
    if !matches!(
        jsonwebtoken::crypto::verify(signature_b64, message.as_bytes(), key, Algorithm::HS256),
        Ok(true)
    ) {
        return None;
    }
    // `base64url_decode` is the engine `jsonwebtoken` decodes with
    // (URL-safe, no padding, no stray bits).
    let json = partner_core::encoding::base64url_decode(payload_b64).ok()?;
    let Once(claims) = serde_json::from_slice(&json).ok()?;
    let number = |name: &str| match claims.get(name) {
        None => true,
        Some(Value::Number(n)) => {
            n.as_u64().is_some()
                || n.as_f64().is_some_and(|f| f.is_finite() && f >= 0.0 && f < u64::MAX as f64)
        }
        Some(_) => false,
    };
    let text = |name: &str| matches!(claims.get(name), None | Some(Value::String(_)));
    (number("exp") && number("nbf") && text("sub") && text("iss") && text("aud")).then_some(claims)
}

/// A JSON object read into a map, refused when a member name repeats.
struct Once(Map<String, Value>);

impl<'de> Deserialize<'de> for Once {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(OnceVisitor)
    }
}

struct OnceVisitor;

impl<'de> Visitor<'de> for OnceVisitor {
    type Value = Once;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json object whose member names are distinct")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Once, A::Error> {
        let mut map = Map::new();
        while let Some((name, value)) = access.next_entry::<String, Value>()? {
            if map.insert(name, value).is_some() {
                return Err(serde::de::Error::custom("a member name repeats"));
            }
        }
        Ok(Once(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};
    use partner_core::encoding::{base64url_decode, base64url_encode};

    const KEY: &[u8] = b"saaspartner_api_key";

    /// `header.payload.signature`, signed by `jsonwebtoken` whatever the payload text.
    fn signed(payload_b64: &str) -> String {
        let message = format!("{}.{payload_b64}", COMMON_HS256_HEADERS[1]);
        let key = EncodingKey::from_secret(KEY);
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
        format!("{message}.{signature}")
    }

    fn token(claims: &str) -> String {
        signed(&base64url_encode(claims))
    }

    fn read(token: &str) -> Option<Map<String, Value>> {
        let (message, signature) = token.rsplit_once('.').unwrap();
        let (header, payload) = message.split_once('.').unwrap();
        claims(&DecodingKey::from_secret(KEY), header, payload, signature, message)
    }

    /// What `jsonwebtoken::decode` makes of the token, on the same settings
    /// as the verifier: the independent answer this path must agree with.
    fn decoded(token: &str) -> Option<Map<String, Value>> {
        let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        (validation.validate_exp, validation.validate_nbf, validation.validate_aud) =
            (false, false, false);
        jsonwebtoken::decode(token, &DecodingKey::from_secret(KEY), &validation)
            .ok()
            .map(|data| data.claims)
    }

    #[test]
    fn headers_are_the_texts_they_say() {
        let decoded: Vec<String> = COMMON_HS256_HEADERS
            .iter()
            .map(|h| String::from_utf8(base64url_decode(h).unwrap()).unwrap())
            .collect();
        assert_eq!(
            decoded,
            [
                r#"{"typ":"JWT","alg":"HS256"}"#,
                r#"{"alg":"HS256","typ":"JWT"}"#,
                r#"{"alg":"HS256"}"#
            ]
        );
        let other = jsonwebtoken::encode(
            &Header::new(Algorithm::HS384),
            &serde_json::json!({"iat": 1}),
            &EncodingKey::from_secret(KEY),
        )
        .unwrap();
        assert_eq!(read(&other), None, "another algorithm goes the full way");
    }

    #[test]
    fn what_it_accepts_decode_accepts_with_the_same_claims() {
        for claims in [
            r#"{"accountid":"a","iat":1700000000}"#,
            r#"{"accountid":1,"iat":1.5,"exp":2e9,"nbf":0,"sub":"s","iss":"i","aud":"x","x":[{}]}"#,
            r#"{"account":{"external_id":"e"},"user":{"name":"Jo"},"iat":1}"#,
        ] {
            let token = token(claims);
            let fast = read(&token);
            assert!(fast.is_some(), "{claims}");
            assert_eq!(fast, decoded(&token), "{claims}");
        }
    }

    #[test]
    fn anything_else_goes_the_full_way() {
        for claims in [
            // A repeated member: decode refuses some, and which one wins is
            // not this path's to say.
            r#"{"iat":1,"iat":2}"#,
            r#"{"exp":1,"exp":2}"#,
            // Types decode's claim check refuses or reads its own way.
            r#"{"exp":"soon"}"#,
            r#"{"nbf":-1}"#,
            r#"{"sub":{"x":1},"iat":1}"#,
            r#"{"aud":["a","b"]}"#,
            r#"{"iss":null}"#,
            // Not an object, or not JSON.
            "[1,2]",
            "{",
            r#"{"a":1} x"#,
        ] {
            assert_eq!(read(&token(claims)), None, "{claims}");
        }
        let good = token(r#"{"iat":1}"#);
        let mut tampered = good.clone();
        tampered.pop();
        tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(read(&tampered), None, "a bad signature");
        let padded = format!("{}=", base64url_encode(r#"{"iat":100}"#));
        assert_eq!(padded.len() % 4, 0, "one padding character makes a whole quantum");
        assert_eq!(read(&signed(&padded)), None, "padding");
        assert_eq!(read(&signed(&padded)), decoded(&signed(&padded)));
    }

    /// Any JSON value, a few levels deep.
    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(2, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
                prop::collection::btree_map("(sub|aud|x)", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        // Differential: on objects written member by member (names may
        // repeat, the claim names `decode` checks among them, any types),
        // whatever this path accepts `decode` accepts with the same map.
        #[test]
        fn it_never_accepts_what_decode_refuses_or_reads_differently(
            members in proptest::collection::vec(
                ("(iat|exp|nbf|sub|iss|aud|accountid|x)", json_value()),
                0..6,
            ),
        ) {
            let body: Vec<String> = members
                .iter()
                .map(|(name, value)| format!("{}:{}", Value::from(name.as_str()), value))
                .collect();
            let token = token(&format!("{{{}}}", body.join(",")));
            if let Some(fast) = read(&token) {
                proptest::prop_assert_eq!(Some(fast), decoded(&token));
            }
        }
    }
}
