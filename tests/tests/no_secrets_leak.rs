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

fn check_err<E: std::fmt::Debug + std::fmt::Display>(what: &str, err: &E) {
    check(what, err);
    assert_clean(what, &err.to_string());
}

#[test]
fn core() {
    check("Secret", &Secret::from(SECRET));
    check("HmacSha256Key", &partner_core::crypto::HmacSha256Key::new(SECRET));
}

#[test]
fn teapplix() {
    use partner_teapplix::{ClientVhost, LaunchSigner, LaunchVerifier, ObtainedToken};
    let signer = LaunchSigner::new(SECRET);
    let token =
        ObtainedToken::new(ClientVhost::new("acme").unwrap(), SECRET, UnixTime::from_secs(0));
    let url = signer.launch_url(&token.client_vhost, SECRET, UnixTime::from_secs(1));
    check("LaunchSigner", &signer);
    check("ObtainedToken", &token);
    check("LaunchUrl", &url);
    check("LaunchVerifier", &LaunchVerifier::new(SECRET));
    let err =
        LaunchVerifier::new("other").verify_url(url.as_str(), UnixTime::from_secs(1)).unwrap_err();
    check_err("teapplix::Error", &err);
    let launch =
        LaunchVerifier::new(SECRET).verify_url(url.as_str(), UnixTime::from_secs(1)).unwrap();
    check("VerifiedLaunch", &launch);
    check(
        "TeapplixClient",
        &partner_teapplix::TeapplixClient::builder(SECRET, SECRET).build().unwrap(),
    );
}

#[test]
fn blendr() {
    use partner_blendr::{
        HashLinkSigner, HashVerifier, Hub, JwtClaims, JwtSigner, JwtVerifier, SsoPage, SsoParams,
    };
    let hub = Hub::eu("acme").unwrap();
    check("HashLinkSigner", &HashLinkSigner::new(SECRET));
    check("HashVerifier", &HashVerifier::new(SECRET));
    check("JwtVerifier", &JwtVerifier::new(SECRET));
    let claims = JwtClaims::flat("a").credential("api_key", SECRET);
    check("JwtClaims", &claims);
    let jwt = JwtSigner::new("k").sign(&claims, UnixTime::from_secs(0)).unwrap();
    let verified = JwtVerifier::new("k").verify(&jwt, UnixTime::from_secs(0)).unwrap();
    check("VerifiedJwt", &verified);
    check_err(
        "blendr::Error (jwt)",
        &JwtVerifier::new(SECRET).verify(&jwt, UnixTime::from_secs(0)).unwrap_err(),
    );
    let link = HashLinkSigner::new(SECRET).link(
        &hub,
        &SsoPage::Home,
        &SsoParams::new("a").unwrap(),
        UnixTime::from_secs(0),
    );
    check("SsoLink", &link);
    check_err(
        "blendr::Error (hash)",
        &HashVerifier::new("other")
            .verify_query(link.as_str().split_once('?').unwrap().1, UnixTime::from_secs(0))
            .unwrap_err(),
    );
    check("BlendrClient", &partner_blendr::BlendrClient::builder("app", SECRET).build().unwrap());
}

#[test]
fn cloud66() {
    use partner_cloud66::{MultipassKeys, MultipassVerifier, OAuthState};
    let uid = "S3CRET-must-not-leak-0123456789a";
    let keys = MultipassKeys::cloud66(uid).unwrap();
    let token = keys.encode_identity("a@b.co", "A", UnixTime::from_secs(100));
    let text = format!("{keys:?} {token:?} {:?}", MultipassVerifier::new(keys.clone()));
    assert!(
        !text.contains(&uid[..16])
            && !text.contains(&uid[16..])
            && !text.contains(&token.multipass),
        "{text}"
    );
    let err = MultipassVerifier::new(keys)
        .verify(&token.multipass, Some("00"), UnixTime::from_secs(0))
        .unwrap_err();
    assert!(!err.to_string().contains(&token.multipass));
    check("OAuthState", &OAuthState::from_stored(SECRET));
    check(
        "OAuthClient",
        &partner_cloud66::OAuthClient::new("id", SECRET, "https://p.example/cb").unwrap(),
    );
    check("ApiClient", &partner_cloud66::ApiClient::new(SECRET).unwrap());
}

#[test]
fn cheetah() {
    use partner_cheetah::{CheetahClient, MemberState};
    check("MemberState", &MemberState::signed_in(SECRET, SECRET, "S", "S S"));
    check(
        "CheetahClient",
        &CheetahClient::builder("https://acme.cheetahedp.com", "id", SECRET).build().unwrap(),
    );
    let err =
        partner_cheetah::response::parse_token_response(401, br#"{"error":"invalid_client"}"#)
            .unwrap_err();
    check_err("cheetah::Error", &err);
}

#[test]
fn ovhcloud() {
    use partner_ovhcloud::{Endpoint, OvhClient, Secret as S, SignedRequest, verify};
    let client =
        OvhClient::builder(Endpoint::OvhEu, "ak", SECRET).consumer_key(SECRET).build().unwrap();
    check("OvhClient", &client);
    check("OvhClient::for_customer", &client.for_customer(SECRET));
    let req = SignedRequest {
        method: "GET",
        url: "https://eu.api.ovh.com/1.0/me",
        body: b"",
        timestamp: 0,
        signature: "$1$0000000000000000000000000000000000000000",
    };
    check_err(
        "ovhcloud::Error",
        &verify(
            &S::from(SECRET),
            &S::from(SECRET),
            &req,
            UnixTime::from_secs(0),
            std::time::Duration::from_secs(300),
        )
        .unwrap_err(),
    );
}
