//! The `oauth2` crate on its default settings (HTTP Basic client
//! authentication) and with `AuthType::RequestBody`, through the whole
//! authorization-code flow against the fake, over real HTTP.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use partner_core::http::reqwest;
use std::collections::HashMap;

use oauth2::basic::{BasicClient, BasicTokenType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, RedirectUrl, Scope,
    TokenResponse, TokenUrl,
};
use partner_cloud66::fake::{FakeCloud66, RunningCloud66};

const REDIRECT: &str = "https://partner.example.com/cloud66/oauth";

async fn fake() -> RunningCloud66 {
    FakeCloud66::builder()
        .user("u-jon", "jon@smith.com", "Jon Smith")
        .oauth_app("client-1", "s3cret:+/ with spaces", REDIRECT)
        .stack("s1", "web")
        .start(0)
        .await
        .unwrap()
}

/// oauth2 5 wants a client that does not follow redirects (its docs, and
/// so that the authorize answer can be read here).
fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn flow(auth_type: Option<AuthType>) {
    let c66 = fake().await;
    let base = c66.base_url();
    let mut client = BasicClient::new(ClientId::new("client-1".into()))
        .set_client_secret(ClientSecret::new("s3cret:+/ with spaces".into()))
        .set_auth_uri(AuthUrl::new(format!("{base}/oauth/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(format!("{base}/oauth/token")).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    if let Some(auth_type) = auth_type {
        client = client.set_auth_type(auth_type);
    }
    let (url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("public".into()))
        .add_scope(Scope::new("redeploy".into()))
        .url();
    let http = http();
    let answer = http.get(url.as_str()).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let back = url::Url::parse(&location).unwrap();
    assert_eq!(back.as_str().split('?').next(), Some(REDIRECT));
    let q: HashMap<String, String> = back.query_pairs().into_owned().collect();
    assert_eq!(q.get("state"), Some(csrf.secret()), "state comes back as sent");

    let token = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(*token.token_type(), BasicTokenType::Bearer);
    let scopes: Vec<&str> = token.scopes().unwrap().iter().map(|s| s.as_str()).collect();
    assert_eq!(scopes, ["public", "redeploy"]);
    assert!(token.expires_in().is_none(), "Cloud 66 tokens do not expire");

    let stacks = http
        .get(format!("{}/stacks", c66.api_base_url()))
        .bearer_auth(token.access_token().secret())
        .send()
        .await
        .unwrap();
    assert_eq!(stacks.status(), 200);
    let body: serde_json::Value = serde_json::from_str(&stacks.text().await.unwrap()).unwrap();
    assert_eq!(body["response"][0]["uid"], "s1");

    // The code was single use.
    let again =
        client.exchange_code(AuthorizationCode::new(q["code"].clone())).request_async(&http).await;
    match again.unwrap_err() {
        oauth2::RequestTokenError::ServerResponse(err) => {
            assert_eq!(err.error().as_ref(), "invalid_grant")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn default_settings_use_basic_and_complete_the_flow() {
    flow(None).await;
}

#[tokio::test]
async fn request_body_client_authentication_completes_the_flow() {
    flow(Some(AuthType::RequestBody)).await;
}

#[tokio::test]
async fn a_wrong_secret_is_invalid_client() {
    let c66 = fake().await;
    let base = c66.base_url();
    let client = BasicClient::new(ClientId::new("client-1".into()))
        .set_client_secret(ClientSecret::new("wrong".into()))
        .set_auth_uri(AuthUrl::new(format!("{base}/oauth/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(format!("{base}/oauth/token")).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let err = client.exchange_code(AuthorizationCode::new("x".into())).request_async(&http()).await;
    match err.unwrap_err() {
        oauth2::RequestTokenError::ServerResponse(err) => {
            assert_eq!(err.error().as_ref(), "invalid_client")
        }
        other => panic!("{other:?}"),
    }
}
