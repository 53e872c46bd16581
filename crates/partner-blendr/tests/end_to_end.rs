//! Links, forms and the SaaS Partner API against the fake hub, over real
//! HTTP on 127.0.0.1.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use partner_blendr::api::BlendRun;
use partner_blendr::fake::{FakeBlendr, RunningBlendr};
use partner_blendr::{
    BlendrClient, Clock, Error, ErrorKind, FixedClock, Guid, HasErrorKind, HashLinkSigner, Hub,
    JwtClaims, JwtSigner, SsoPage, SsoParams,
};
use partner_core::Error as CoreError;
use partner_core::encoding::form_encode;
use partner_core::http::{HttpSettings, reqwest};

const APP: &str = "app-1";
const KEY: &str = "partner-api-key";

async fn hub(clock: Arc<FixedClock>) -> RunningBlendr {
    let mut builder =
        FakeBlendr::builder().credentials(APP, KEY).clock(clock).page_size(3).rate_limit(5);
    for i in 0..8 {
        builder = builder.template(format!("tpl-{i}"), format!("Template {i}"));
    }
    builder
        .account("acme", "ACME")
        .blend("acme", "blend-1", "Sync CRM")
        .blend("acme", "blend-2", "Nightly")
        .allow_params(["note"])
        .start(0)
        .await
        .unwrap()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get(url: &str) -> (u16, String) {
    let r = browser().get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn hash_link_logs_in_once_and_refuses_tampering_expiry_and_replay() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = hub(clock.clone()).await;
    let site = Hub::from_base_url(&fake.base_url()).unwrap();
    let signer = HashLinkSigner::new(KEY).unwrap();
    let params = SsoParams::new("new-co")
        .unwrap()
        .account_name("New & Co")
        .user_name("Zoë ~*+")
        .user_email("z@new.co");
    let link = signer.link(&site, &SsoPage::Home, &params, clock.unix_time()).unwrap();

    let (status, body) = get(&link.as_str().replace("Zo%C3%AB", "Zo%C3%AC")).await;
    assert_eq!((status, body.as_str()), (403, "sso refused: signature mismatch\n"));

    let (status, body) = get(link.as_str()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<p id=\"account\">new-co</p><p id=\"page\">home</p>"));
    assert!(body.contains("<p id=\"account-name\">New &amp; Co</p>"), "{body}");
    assert_eq!(fake.account_ids(), ["acme", "new-co"]);

    assert_eq!(get(link.as_str()).await, (403, "sso refused: replayed\n".to_owned()));

    let old = signer.link(&site, &SsoPage::Home, &params, clock.unix_time()).unwrap();
    clock.advance(Duration::from_secs(301));
    assert_eq!(get(old.as_str()).await, (403, "sso refused: expired\n".to_owned()));
    assert_eq!(fake.logins(), 1);
}

#[tokio::test]
async fn jwt_link_and_direct_links() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = hub(clock.clone()).await;
    let site = Hub::from_base_url(&fake.base_url()).unwrap();
    let jwt = JwtSigner::new(KEY).unwrap();
    let claims = JwtClaims::flat("acme").account_name("ACME").credential("api_key", "cust-key");
    let template = SsoPage::Template(Guid::new("tpl-2").unwrap());
    let (status, body) =
        get(jwt.link(&site, &template, &claims, clock.unix_time()).unwrap().as_str()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<p id=\"page\">template tpl-2</p>"));

    let nested = JwtClaims::nested("acme", "ACME")
        .user("u1", "Jo", "jo@acme.test", None)
        .expires_in(Duration::from_secs(60));
    let widget = SsoPage::Widget(Guid::new("blend-2").unwrap());
    let (status, body) =
        get(jwt.link(&site, &widget, &nested, clock.unix_time()).unwrap().as_str()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("widget blend-2"));

    // A blend of another account, an unknown template, a foreign key.
    let other = JwtClaims::flat("new-co");
    assert_eq!(
        get(jwt.link(&site, &widget, &other, clock.unix_time()).unwrap().as_str()).await.0,
        404
    );
    // (A new second: the same claims at the same time would be the same
    // token, which the hub refuses as a replay before looking at the page.)
    clock.advance(Duration::from_secs(1));
    let unknown = SsoPage::Template(Guid::new("nope").unwrap());
    assert_eq!(
        get(jwt.link(&site, &unknown, &claims, clock.unix_time()).unwrap().as_str()).await.0,
        404
    );
    let forged = JwtSigner::new("not the key")
        .unwrap()
        .link(&site, &SsoPage::Home, &claims, clock.unix_time())
        .unwrap();
    assert_eq!(get(forged.as_str()).await.0, 403);
    assert!(Guid::new("../x").is_err());
}

/// Reads the hidden inputs of the generated page as a browser's form
/// parser would (attribute values with entities decoded).
fn form_fields(html: &str) -> (String, Vec<(String, String)>) {
    fn attr(tag: &str, name: &str) -> String {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#13;", "\r")
            .replace("&#10;", "\n")
            .replace("&amp;", "&")
    }
    let form_tag = &html[html.find("<form").unwrap()..];
    let action = attr(&form_tag[..form_tag.find('>').unwrap()], "action");
    let fields = html
        .split("<input ")
        .skip(1)
        .map(|tag| {
            let tag = &tag[..tag.find('>').unwrap()];
            (attr(tag, "name"), attr(tag, "value"))
        })
        .collect();
    (action, fields)
}

#[tokio::test]
async fn post_form_submits_like_a_browser() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = hub(clock.clone()).await;
    let site = Hub::from_base_url(&fake.base_url()).unwrap();
    let params = SsoParams::new("acme")
        .unwrap()
        .user_name("\"><script>alert('x')</script> & Co")
        .extra("note", "two\nlines")
        .unwrap();
    let html = HashLinkSigner::new(KEY)
        .unwrap()
        .allow_params(["note"])
        .post_form(&site, &SsoPage::Home, &params, clock.unix_time(), Some("n0nce"))
        .unwrap();
    assert!(!html.contains("<script>alert"));
    assert!(html.contains(
        "<script nonce=\"n0nce\">document.getElementById(\"blendr-sso\").submit();</script>"
    ));
    let (action, fields) = form_fields(&html);
    assert_eq!(action, format!("{}/sso", fake.base_url()));
    assert_eq!(fields.iter().find(|(k, _)| k == "note").unwrap().1, "two\r\nlines");
    let body = form_encode(&fields);
    let post = |body: String| {
        browser()
            .post(&action)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let response = post(body.clone()).await.unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    // The same body again is a replay.
    let again = post(body).await.unwrap();
    assert_eq!(again.status(), 403);
    assert_eq!(again.text().await.unwrap(), "sso refused: replayed\n");
    assert_eq!(fake.logins(), 1);

    let jwt_html = JwtSigner::new(KEY)
        .unwrap()
        .post_form(&site, &SsoPage::Home, &JwtClaims::flat("acme"), clock.unix_time(), None)
        .unwrap();
    let (action, fields) = form_fields(&jwt_html);
    let response = browser().post(&action).body(form_encode(&fields)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(fake.logins(), 2);
}

/// Settings whose time budget lets a call wait out a whole rate-limit
/// minute (the default budget, 60 s, is one wait of 60 s plus the calls).
fn patient() -> HttpSettings {
    let mut settings = HttpSettings::default();
    settings.retry.budget = Duration::from_secs(600);
    settings
}

fn api(fake: &RunningBlendr, clock: &Arc<FixedClock>) -> BlendrClient {
    BlendrClient::builder(APP, KEY)
        .base_url(fake.api_base_url())
        .clock(clock.clone())
        .sleeper(clock.clone())
        .settings(patient())
        .build()
        .unwrap()
}

#[tokio::test]
async fn paging_through_templates_and_429_then_success() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = hub(clock.clone()).await;
    let client = api(&fake, &clock);
    // 8 templates, 3 a page: 3 calls; the limit is 5 a minute.
    let all: Vec<_> = client.templates().try_collect().await.unwrap();
    let guids: Vec<_> = all.iter().map(|t| t.guid.as_str()).collect();
    assert_eq!(guids, ["tpl-0", "tpl-1", "tpl-2", "tpl-3", "tpl-4", "tpl-5", "tpl-6", "tpl-7"]);
    let page = client.templates_page(3).await.unwrap();
    assert_eq!((page.data.len(), page.meta.current_page, page.has_next()), (2, Some(3), false));
    // Call 5 is the last of the minute; call 6 gets a 429, waits (the fixed
    // clock advances instead of sleeping) and succeeds in the next minute.
    let before = clock.unix_time();
    assert_eq!(client.templates_page(1).await.unwrap().data.len(), 3);
    assert_eq!(client.templates_page(2).await.unwrap().data.len(), 3);
    let waited = clock.unix_time().seconds_since(before);
    assert_eq!(waited, 60, "waited exactly what Retry-After said");
}

// A 429 still answered after the retries is a rejection with status 429
// (kind `rejected`) that keeps how long to wait; the client waited what the
// API said each time, as many times as the retry policy allows.
#[tokio::test]
async fn rate_limit_retries_are_bounded() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = FakeBlendr::builder()
        .credentials(APP, KEY)
        .clock(clock.clone())
        .rate_limit(0)
        .start(0)
        .await
        .unwrap();
    let client = BlendrClient::builder(APP, KEY)
        .base_url(fake.api_base_url())
        .clock(clock.clone())
        .sleeper(clock.clone())
        .settings(patient())
        .build()
        .unwrap();
    let before = clock.unix_time();
    let err = client.templates_page(1).await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    let rejection = err.rejection().unwrap();
    assert_eq!(rejection.status, 429);
    assert_eq!(rejection.message.as_deref(), Some("Too Many Attempts."));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(fake.requests(), 3, "max_attempts of the default policy");
    assert_eq!(clock.unix_time().seconds_since(before), 120, "two waits of 60 s");

    // A POST is sent again after a 429 too (the API did not act on it).
    let guid = Guid::new("g").unwrap();
    let run = partner_blendr::api::BlendRun::new(true, serde_json::Map::new());
    let err = client.run_blend("acme", &guid, &run).await.unwrap_err();
    assert_eq!(err.rejection().map(|r| r.status), Some(429));
    assert_eq!(fake.requests(), 6);

    // With retries off: one call, no wait.
    let mut once = HttpSettings::default();
    once.retry.max_attempts = 1;
    let client = BlendrClient::builder(APP, KEY)
        .base_url(fake.api_base_url())
        .clock(clock.clone())
        .sleeper(clock.clone())
        .settings(once)
        .build()
        .unwrap();
    let before = clock.unix_time();
    assert_eq!(
        client.templates_page(1).await.unwrap_err().rejection().map(|r| r.status),
        Some(429)
    );
    assert_eq!(clock.unix_time(), before);
    assert_eq!(fake.requests(), 7);
}

#[tokio::test]
async fn accounts_and_blends() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = hub(clock.clone()).await;
    let client = api(&fake, &clock);
    let account = client.account("acme").await.unwrap();
    assert_eq!((account.external_id.as_str(), account.name.as_str()), ("acme", "ACME"));
    let blends: Vec<_> = client.blends("acme").try_collect().await.unwrap();
    assert_eq!(blends.iter().map(|b| b.guid.as_str()).collect::<Vec<_>>(), ["blend-1", "blend-2"]);
    let guid = Guid::new("blend-1").unwrap();
    assert_eq!(client.blend("acme", &guid).await.unwrap().name, "Sync CRM");
    let inputs = serde_json::json!({"since": "2026-01-01"}).as_object().unwrap().clone();
    let run = client.run_blend("acme", &guid, &BlendRun::new(true, inputs)).await.unwrap();
    assert_eq!(run["data"]["status"], "queued");
    clock.advance(Duration::from_secs(60));
    client.delete_account("acme").await.unwrap();
    let err = client.account("acme").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Rejected);
    let rejection = err.rejection().unwrap();
    assert_eq!((rejection.status, rejection.message.as_deref()), (404, Some("account not found")));
    let bad = BlendrClient::builder(APP, "wrong").base_url(fake.api_base_url()).build().unwrap();
    let err = bad.account("acme").await.unwrap_err();
    assert_eq!(err.rejection().map(|r| r.status), Some(401));
    assert!(BlendrClient::builder(APP, KEY).base_url("http://api.blendr.example").build().is_err());
}

// Finding: empty keys failed open. A client, a fake and every signer or
// verifier refuse an empty key with the typed error.
#[tokio::test]
async fn empty_keys_are_refused_by_the_client_and_the_fake() {
    let err = BlendrClient::builder(APP, "").build().unwrap_err();
    assert_eq!(err, Error::Core(CoreError::EmptyKey));
    assert_eq!(err.error_kind(), ErrorKind::Malformed);
    let err = BlendrClient::builder("", KEY).build().unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Malformed);
    let err = FakeBlendr::builder().credentials(APP, "").start(0).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

// Finding: credentials in plain hash links. A link correctly signed with
// the partner key (with the raw hash primitive, as a hand-made or foreign
// signer would) but carrying an undeclared name is refused by the hub, and
// creates no session; a declared non-secret name is accepted.
#[tokio::test]
async fn fake_hub_refuses_undeclared_names_in_hash_links() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = FakeBlendr::builder()
        .credentials(APP, KEY)
        .clock(clock.clone())
        .allow_params(["plan"])
        .start(0)
        .await
        .unwrap();
    let signer = HashLinkSigner::new(KEY).unwrap();
    for credential in
        ["apikey", "access_key", "client_key", "pwd", "auth", "session", "passphrase", "otp"]
    {
        let query = format!("accountid=acme&{credential}=secret-value&timestamp=1700000000");
        let url = format!("{}/sso?{query}&hash={}", fake.base_url(), signer.hash(&query));
        let (status, body) = get(&url).await;
        assert_eq!(status, 403, "{credential}");
        assert!(body.contains("neither documented nor declared"), "{credential}: {body}");
        assert!(!body.contains("secret-value"));
        // The POST form of the same handoff too.
        let posted = browser()
            .post(format!("{}/sso", fake.base_url()))
            .body(format!("{query}&hash={}", signer.hash(&query)))
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 403, "{credential}");
    }
    assert_eq!(fake.logins(), 0);
    let site = Hub::from_base_url(&fake.base_url()).unwrap();
    let params = SsoParams::new("acme").unwrap().extra("plan", "pro").unwrap();
    assert!(matches!(
        signer.link(&site, &SsoPage::Home, &params, clock.unix_time()),
        Err(Error::UndeclaredParameter)
    ));
    let link = signer
        .allow_params(["plan"])
        .link(&site, &SsoPage::Home, &params, clock.unix_time())
        .unwrap();
    assert_eq!(get(link.as_str()).await.0, 200);
    assert_eq!(fake.logins(), 1);
}

// Finding: dot segments reached the wire. Ids that a URL parser would turn
// into another path are refused before anything is sent: the fake counts
// no request at all.
#[tokio::test]
async fn ids_that_would_change_the_path_are_refused_before_sending() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = hub(clock.clone()).await;
    let client = api(&fake, &clock);
    let guid = Guid::new("blend-1").unwrap();
    let run = BlendRun::new(true, serde_json::Map::new());
    for bad in ["..", ".", "", "\t..", "..\t", "\n..", "a\nb", "\r", "\u{7f}"] {
        let unsafe_input =
            |r: Result<(), Error>| matches!(&r, Err(e) if e.error_kind() == ErrorKind::UnsafeInput);
        assert!(unsafe_input(client.delete_account(bad).await), "delete_account({bad:?})");
        assert!(unsafe_input(client.account(bad).await.map(|_| ())), "account({bad:?})");
        assert!(unsafe_input(client.blend(bad, &guid).await.map(|_| ())), "blend({bad:?})");
        assert!(
            unsafe_input(client.run_blend(bad, &guid, &run).await.map(|_| ())),
            "run_blend({bad:?})"
        );
        let first: Vec<Result<_, Error>> = client.blends(bad).collect().await;
        assert_eq!(first.len(), 1, "blends({bad:?}) ends after its error");
        assert!(unsafe_input(first.into_iter().next().unwrap().map(|_| ())), "blends({bad:?})");
    }
    assert_eq!(fake.requests(), 0, "nothing reached the server");
    assert_eq!(fake.account_ids(), ["acme"], "no account was deleted");
    // The client still works afterwards.
    assert_eq!(client.account("acme").await.unwrap().external_id, "acme");
    assert_eq!(fake.requests(), 1);
}

// Odd but legal ids each arrive as exactly one path segment, decoded back
// to the id (the fake's router matches one segment and decodes it).
#[tokio::test]
async fn odd_but_legal_ids_arrive_as_one_segment() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let ids =
        ["a/b", "a b", "é", "...", "a%2Fb", "..a", "?x#y", "a\\b", "%2e%2e", "~!$&'()*+,;=:@"];
    let mut builder = FakeBlendr::builder().credentials(APP, KEY).clock(clock.clone());
    for id in ids {
        builder =
            builder.account(id, format!("name of {id}")).blend(id, "g-1", format!("blend of {id}"));
    }
    // Accounts that a wrong path could reach instead.
    builder = builder.account("a", "A").account("b", "B").account("x", "X");
    let fake = builder.start(0).await.unwrap();
    let client = api(&fake, &clock);
    let guid = Guid::new("g-1").unwrap();
    for id in ids {
        let account = client.account(id).await.unwrap();
        assert_eq!(
            (account.external_id.as_str(), account.name.as_str()),
            (id, format!("name of {id}").as_str())
        );
        let blends: Vec<_> = client.blends(id).try_collect().await.unwrap();
        assert_eq!(blends.len(), 1, "{id}");
        assert_eq!(client.blend(id, &guid).await.unwrap().name, format!("blend of {id}"));
        let run = client.run_blend(id, &guid, &BlendRun::new(false, serde_json::Map::new())).await;
        assert_eq!(run.unwrap()["data"]["status"], "completed", "{id}");
    }
    client.delete_account("a/b").await.unwrap();
    let left = fake.account_ids();
    assert!(!left.contains(&"a/b".to_owned()));
    assert!(left.contains(&"a".to_owned()) && left.contains(&"b".to_owned()));
    assert_eq!(left.len(), ids.len() + 3 - 1);
}

// Nothing listens: the call fails as `unavailable` (connect), after the
// retries of an idempotent call (waited on the fixed clock, not slept).
#[tokio::test]
async fn a_transport_failure_is_unavailable() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = BlendrClient::builder(APP, KEY)
        .base_url(format!("http://127.0.0.1:{closed}/v1"))
        .clock(clock.clone())
        .sleeper(clock.clone())
        .build()
        .unwrap();
    let err = client.account("acme").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Unavailable, "{err:?}");
    assert!(
        matches!(err, Error::Core(CoreError::Unavailable { provider: "blendr", .. })),
        "{err:?}"
    );
    assert!(err.rejection().is_none());
    assert_eq!(err.error_kind().http_status(), 503);
}

// The API's error body and request id reach the caller's rejection.
#[tokio::test]
async fn the_api_error_body_fills_the_rejection() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake = hub(clock.clone()).await;
    let client = api(&fake, &clock);
    let guid = Guid::new("blend-1").unwrap();
    let err = client.blend("acme", &Guid::new("nope").unwrap()).await.unwrap_err();
    let rejection = err.rejection().unwrap();
    assert_eq!(rejection.provider, "blendr");
    assert_eq!((rejection.status, rejection.message.as_deref()), (404, Some("blend not found")));
    let id = rejection.request_id.as_deref().unwrap();
    assert!(id.starts_with("fake-") && id.len() > 5, "{id}");
    assert_eq!(err.retry_after(), None);
    // A 422 with its message; a POST refused is not sent again.
    let before = fake.requests();
    let run = partner_blendr::api::BlendRun::new(true, serde_json::Map::new());
    assert!(client.run_blend("acme", &guid, &run).await.is_ok());
    let err = client.run_blend("acme", &Guid::new("nope").unwrap(), &run).await.unwrap_err();
    assert_eq!(err.rejection().map(|r| r.status), Some(404));
    assert_eq!(fake.requests(), before + 2);
    assert!(err.to_string().contains("blend not found"), "{err}");
}

// The running fake is a `partner_core::server::Fake`: what the CLI prints,
// its routes on another server, shutdown through the trait.
#[tokio::test]
async fn the_running_fake_is_a_fake() {
    use partner_core::server::Fake;
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let fake: Box<dyn Fake> = Box::new(hub(clock.clone()).await);
    assert_eq!(fake.provider(), "blendr");
    let creds = fake.credentials_json();
    assert_eq!(creds["provider"], "blendr");
    assert_eq!(creds["base_url"], fake.base_url());
    assert_eq!(creds["api_base_url"], format!("{}/v1", fake.base_url()));
    assert_eq!((creds["app_id"].as_str(), creds["api_key"].as_str()), (Some(APP), Some(KEY)));
    let client = BlendrClient::builder(APP, KEY)
        .base_url(creds["api_base_url"].as_str().unwrap())
        .clock(clock.clone())
        .build()
        .unwrap();
    assert_eq!(client.account("acme").await.unwrap().name, "ACME");
    let _routes: axum::Router = fake.router();
    fake.shutdown().await;
    let err = client.account("acme").await.unwrap_err();
    assert_eq!(err.error_kind(), ErrorKind::Unavailable);

    // The same routes, unstarted, refuse an empty key.
    assert!(FakeBlendr::builder().into_router().is_ok());
    let err = FakeBlendr::builder().credentials(APP, "").into_router().unwrap_err();
    assert_eq!(err, Error::Core(CoreError::EmptyKey));
}
