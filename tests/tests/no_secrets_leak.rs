//! Across every crate: errors, keys, verifiers, clients and tokens never
//! show a secret in `Display` or `Debug`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use partner_core::{Secret, UnixTime};

const SECRET: &str = "S3CRET-must-not-leak-0123456789abcdef";

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the secret: {text}");
    assert!(!text.contains(&SECRET[..16]), "{what} leaks part of the secret: {text}");
}

fn check<T: std::fmt::Debug>(what: &str, value: &T) {
    assert_clean(what, &format!("{value:?} {value:#?}"));
}

/// The error's `Display`, `Debug` and every `source()` below it.
fn check_err<E: std::error::Error>(what: &str, err: &E) {
    check(what, err);
    assert_clean(what, &err.to_string());
    let mut source = err.source();
    while let Some(cause) = source {
        assert_clean(what, &format!("{cause} {cause:?}"));
        source = cause.source();
    }
}

// The secret goes into the input of every failing call below (a token, a
// claim, a parameter value, a body), so an error that echoed its input
// would fail the test: none of these can pass with a fixed message alone.

#[test]
fn core() {
    check("Secret", &Secret::from(SECRET));
    check("HmacSha256Key", &partner_core::crypto::HmacSha256Key::new(SECRET).unwrap());
    let err = partner_core::encoding::hex_decode(&format!("{SECRET}zz")).unwrap_err();
    check_err("core hex error", &err);
    let err =
        partner_core::BaseUrl::parse(&format!("https://user:{SECRET}@example.com")).unwrap_err();
    check_err("core base url error", &err);
    let err = partner_core::path::url_with_segments("https://api.example", [SECRET, ".."], &[])
        .unwrap_err();
    check_err("core path error", &err);
}

#[test]
fn teapplix() {
    use partner_teapplix::{ClientVhost, LaunchSigner, LaunchVerifier, ObtainedToken};
    let signer = LaunchSigner::new(SECRET).unwrap();
    let token =
        ObtainedToken::new(ClientVhost::new("acme").unwrap(), SECRET, UnixTime::from_secs(0));
    let url = signer.launch_url(&token.client_vhost, SECRET, UnixTime::from_secs(1));
    check("LaunchSigner", &signer);
    check("ObtainedToken", &token);
    check("LaunchUrl", &url);
    check("LaunchVerifier", &LaunchVerifier::new(SECRET).unwrap());
    // A launch carrying the secret as its token, refused for each reason.
    let other = LaunchVerifier::new("other").unwrap();
    check_err(
        "teapplix::Error (signature)",
        &other.verify(url.as_str(), UnixTime::from_secs(1)).unwrap_err(),
    );
    let mine = LaunchVerifier::new(SECRET).unwrap();
    check_err(
        "teapplix::Error (expired)",
        &mine.verify(url.as_str(), UnixTime::from_secs(99_999)).unwrap_err(),
    );
    let garbled = url.as_str().replace("Action=Launch", &format!("Action={SECRET}"));
    check_err(
        "teapplix::Error (malformed)",
        &mine.verify(&garbled, UnixTime::from_secs(1)).unwrap_err(),
    );
    let launch = mine.verify(url.as_str(), UnixTime::from_secs(1)).unwrap();
    check("VerifiedLaunch", &launch);
    // An answer that carries the token but no account.
    let body = format!(r#"{{"AccessToken":"{SECRET}"}}"#);
    let err = partner_teapplix::obtain::parse_obtain_token_response(
        200,
        body.as_bytes(),
        UnixTime::EPOCH,
    )
    .unwrap_err();
    check_err("teapplix::Error (obtain)", &err);
    check(
        "TeapplixClient",
        &partner_teapplix::TeapplixClient::builder(SECRET)
            .launch_signer(partner_teapplix::LaunchSigner::new(SECRET).unwrap())
            .build()
            .unwrap(),
    );
}

#[test]
fn blendr() {
    use partner_blendr::{
        HashLinkSigner, HashVerifier, Hub, JwtClaims, JwtSigner, JwtVerifier, SsoPage, SsoParams,
    };
    let hub = Hub::eu("acme").unwrap();
    check("HashLinkSigner", &HashLinkSigner::new(SECRET).unwrap());
    check("HashVerifier", &HashVerifier::new(SECRET).unwrap());
    check("JwtVerifier", &JwtVerifier::new(SECRET).unwrap());
    let claims = JwtClaims::flat("a").credential("api_key", SECRET);
    check("JwtClaims", &claims);
    let jwt = JwtSigner::new("k").unwrap().sign(&claims, UnixTime::from_secs(0)).unwrap();
    // A verified JWT carrying a credential shows the claim's name, not its value.
    let verified = JwtVerifier::new("k").unwrap().verify(&jwt, UnixTime::from_secs(0)).unwrap();
    check("VerifiedJwt", &verified);
    for (what, err) in [
        ("jwt signature", JwtVerifier::new("other").unwrap().verify(&jwt, UnixTime::from_secs(0))),
        ("jwt expired", JwtVerifier::new("k").unwrap().verify(&jwt, UnixTime::from_secs(99_999))),
        (
            "jwt garbage",
            JwtVerifier::new("k")
                .unwrap()
                .verify(&format!("{SECRET}.{SECRET}.{SECRET}"), UnixTime::from_secs(0)),
        ),
    ] {
        check_err(what, &err.unwrap_err());
    }
    // A hash link with a declared extra parameter holding the secret.
    let signer = HashLinkSigner::new("k").unwrap().allow_params(["plan"]);
    let params = SsoParams::new("a").unwrap().extra("plan", SECRET).unwrap();
    check("SsoParams", &params);
    let link = signer.link(&hub, &SsoPage::Home, &params, UnixTime::from_secs(0)).unwrap();
    check("SsoLink", &link);
    let query = link.as_str().split_once('?').unwrap().1;
    let verifier = HashVerifier::new("k").unwrap().allow_params(["plan"]);
    check("VerifiedHash", &verifier.verify(query, UnixTime::from_secs(0)).unwrap());
    for (what, err) in [
        (
            "hash signature",
            HashVerifier::new("other")
                .unwrap()
                .allow_params(["plan"])
                .verify(query, UnixTime::from_secs(0)),
        ),
        ("hash expired", verifier.verify(query, UnixTime::from_secs(99_999))),
        ("hash undeclared", HashVerifier::new("k").unwrap().verify(query, UnixTime::from_secs(0))),
    ] {
        check_err(what, &err.unwrap_err());
    }
    check("BlendrClient", &partner_blendr::BlendrClient::builder("app", SECRET).build().unwrap());
}

#[test]
fn cloud66() {
    use partner_cloud66::{
        LinkRedirectVerifier, MultipassKeys, MultipassSigner, MultipassVerifier, OAuthState,
    };
    let uid = "S3CRET-must-not-leak-0123456789a";
    let keys = MultipassKeys::cloud66(uid).unwrap();
    let signer = MultipassSigner::new(keys.clone());
    let token = signer.sign_identity("a@b.co", "A", UnixTime::from_secs(100));
    let text = format!("{keys:?} {token:?} {:?}", MultipassVerifier::new(keys.clone()));
    assert!(
        !text.contains(&uid[..16])
            && !text.contains(&uid[16..])
            && !text.contains(&token.multipass),
        "{text}"
    );
    // A payload carrying the secret: its identity shows only email, name, expiry.
    let payload = format!(r#"{{"email":"a@b.co","api_token":"{SECRET}","expires":100}}"#);
    let with_secret = signer.sign(payload.as_bytes());
    let v = MultipassVerifier::new(keys.clone());
    let id = v
        .verify(&with_secret.multipass, with_secret.signature.as_deref(), UnixTime::from_secs(0))
        .unwrap();
    check("VerifiedMultipass", &id);
    for (what, err) in [
        ("bad signature", v.verify(&with_secret.multipass, Some(SECRET), UnixTime::from_secs(0))),
        (
            "expired",
            v.verify(
                &with_secret.multipass,
                with_secret.signature.as_deref(),
                UnixTime::from_secs(999),
            ),
        ),
        (
            "not base64",
            v.verify(
                &format!("*{SECRET}"),
                signer.sign(b"{}").signature.as_deref(),
                UnixTime::from_secs(0),
            ),
        ),
    ] {
        let err = err.unwrap_err();
        check_err(what, &err);
        assert!(!err.to_string().contains(&with_secret.multipass), "{what}");
    }
    let entp = MultipassKeys::entp("site", &Secret::from(SECRET)).unwrap();
    check("MultipassKeys (entp)", &entp);
    let bad_json = MultipassSigner::new(entp.clone()).sign(format!("{{{SECRET}").as_bytes());
    check_err(
        "entp decryption",
        &MultipassVerifier::new(entp)
            .verify(&bad_json.multipass, None, UnixTime::from_secs(0))
            .unwrap_err(),
    );
    let query = partner_core::encoding::form_encode([
        ("uid", "u"),
        ("email", "a@b.co"),
        ("callback", &format!("https://evil.example/{SECRET}")),
    ]);
    check_err("link redirect", &LinkRedirectVerifier::default().parse_query(&query).unwrap_err());
    check("OAuthState", &OAuthState::from_stored(SECRET));
    check(
        "OAuthClient",
        &partner_cloud66::OAuthClient::builder("id", SECRET)
            .redirect_uri("https://p.example/cb")
            .build()
            .unwrap(),
    );
    check("ApiClient", &partner_cloud66::ApiClient::builder(SECRET).build().unwrap());
}

#[test]
fn cheetah() {
    use partner_cheetah::response::{parse_sso_response, parse_token_response};
    use partner_cheetah::{CheetahClient, MemberState};
    check("MemberState", &MemberState::signed_in(SECRET, SECRET, "S", "S S"));
    check(
        "CheetahClient",
        &CheetahClient::builder("id", SECRET)
            .base_url("https://acme.cheetahedp.com")
            .build()
            .unwrap(),
    );
    let token = format!(
        r#"{{"access_token":"{SECRET}","token_type":"bearer","refresh_token":"{SECRET}"}}"#
    );
    check("TokenResponse", &parse_token_response(200, token.as_bytes()).unwrap());
    let sso = format!(
        r#"{{"member_id":"m","integration_id":"i","access_token":"{SECRET}","refresh_token":"{SECRET}"}}"#
    );
    check("SsoResponse", &parse_sso_response(200, sso.as_bytes()).unwrap());
    // Answers that carry the secret but fail to parse.
    let broken = format!(r#"{{"token_type":"{SECRET}"}}"#);
    check_err("cheetah::Error (token)", &parse_token_response(200, broken.as_bytes()).unwrap_err());
    let broken = format!(r#"{{"access_token":"{SECRET}"}}"#);
    check_err("cheetah::Error (sso)", &parse_sso_response(200, broken.as_bytes()).unwrap_err());
    let garbage = format!("<html>{SECRET}");
    check_err(
        "cheetah::Error (not json)",
        &parse_token_response(200, garbage.as_bytes()).unwrap_err(),
    );
}

#[test]
fn ovhcloud() {
    use partner_ovhcloud::{
        ApplicationSecret, ConsumerKey, OvhClient, SignatureHeaders, SignedRequest, default_policy,
        verify,
    };
    let key = || ConsumerKey::new(SECRET).unwrap();
    let client = OvhClient::builder("ak", SECRET).consumer_key(key()).build().unwrap();
    check("OvhClient", &client);
    check("OvhClient::for_customer", &client.for_customer(key()));
    check("ApplicationSecret", &ApplicationSecret::new(SECRET).unwrap());
    check("ConsumerKey", &key());
    let req = SignedRequest { method: "GET", url: "https://eu.api.ovh.com/1.0/me", body: b"" };
    let headers =
        SignatureHeaders::parse("0", "$1$0000000000000000000000000000000000000000").unwrap();
    check_err(
        "ovhcloud::Error",
        &verify(
            &ApplicationSecret::new(SECRET).unwrap(),
            &key(),
            &req,
            &headers,
            UnixTime::from_secs(0),
            &default_policy(),
        )
        .unwrap_err(),
    );
    // A signature header carrying the secret: refused by the parser, or by verify.
    let forged = format!("$1${SECRET}");
    let err = match SignatureHeaders::parse("0", &forged) {
        Err(err) => err,
        Ok(headers) => verify(
            &ApplicationSecret::new(SECRET).unwrap(),
            &key(),
            &req,
            &headers,
            UnixTime::from_secs(0),
            &default_policy(),
        )
        .unwrap_err(),
    };
    check_err("ovhcloud::Error (signature header)", &err);
}
