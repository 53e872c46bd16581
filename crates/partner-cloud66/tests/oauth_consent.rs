//! The consent page of `GET /oauth/authorize` (`oauth_consent(true)`) and
//! its form, `POST /oauth/authorize`, over real HTTP on 127.0.0.1 as a
//! browser without script would use them.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use partner_core::http::reqwest;
use std::collections::HashMap;
use std::sync::Arc;

use partner_cloud66::FixedClock;
use partner_cloud66::fake::{FakeCloud66, RunningCloud66};
use partner_core::encoding::{form_decode, form_encode};
use serde_json::Value;

const REDIRECT: &str = "https://partner.example.com/cloud66/oauth";
const ID: &str = "client-<1>";
const SECRET: &str = "secret-1";

async fn fake(consent: bool) -> RunningCloud66 {
    FakeCloud66::builder()
        .user("u-jon", "jon@smith.com", "Jon <Smith>")
        .oauth_app(ID, SECRET, REDIRECT)
        .clock(Arc::new(FixedClock::at_unix(1_700_000_000)))
        .oauth_consent(consent)
        .start(0)
        .await
        .unwrap()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> HashMap<String, String> {
        let location = self.headers["location"].to_str().unwrap();
        assert!(location.starts_with(&format!("{REDIRECT}?")), "{location}");
        form_decode(location.split_once('?').unwrap().1).into_iter().collect()
    }
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    Answer { status, headers, body: r.text().await.unwrap() }
}

async fn get_authorize(c66: &RunningCloud66, pairs: &[(&str, &str)]) -> Answer {
    let url = format!("{}/oauth/authorize?{}", c66.base_url(), form_encode(pairs));
    answer(browser().get(url).send().await.unwrap()).await
}

async fn post_authorize(c66: &RunningCloud66, fields: &[(String, String)]) -> Answer {
    let r = browser()
        .post(format!("{}/oauth/authorize", c66.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_encode(fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// The hidden fields of the page's form, in order, as a browser posts them.
fn hidden_fields(page: &str) -> Vec<(String, String)> {
    let unescape = |v: &str| {
        v.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    page.lines()
        .filter_map(|l| l.strip_prefix("<input type=\"hidden\" name=\""))
        .map(|l| {
            let (name, rest) = l.split_once("\" value=\"").unwrap();
            let value = rest.strip_suffix("\">").unwrap();
            (unescape(name), unescape(value))
        })
        .collect()
}

fn with(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut v: Vec<_> = fields.iter().filter(|(k, _)| k != name).cloned().collect();
    v.push((name.to_owned(), value.to_owned()));
    v
}

fn decide(fields: &[(String, String)], decision: &str) -> Vec<(String, String)> {
    with(fields, "decision", decision)
}

/// The consent page of a good request and its hidden fields.
async fn consent_page(
    c66: &RunningCloud66,
    scope: &str,
    state: Option<&str>,
) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("client_id", ID),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", scope),
    ];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    let page = get_authorize(c66, &pairs).await;
    assert_eq!(page.status, 200, "{}", page.body);
    hidden_fields(&page.body)
}

#[tokio::test]
async fn the_consent_page_shows_the_request_and_is_locked_down() {
    let c66 = fake(true).await;
    let page = get_authorize(
        &c66,
        &[
            ("client_id", ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "public redeploy"),
            ("state", "s<1>&x"),
        ],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.headers.get("location").is_none(), "asks, does not redirect");
    assert_eq!(c66.code_count(), 0, "no code before the user decides");
    let h = &page.headers;
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-frame-options"], "DENY");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    let body = &page.body;
    assert!(body.contains("<title>Authorize client-&lt;1&gt;</title>"), "{body}");
    assert!(body.contains("<p id=\"user\">Jon &lt;Smith&gt; (jon@smith.com)</p>"), "{body}");
    assert!(body.contains("<li>public</li>") && body.contains("<li>redeploy</li>"), "{body}");
    assert!(body.contains("<form method=\"post\" action=\"/oauth/authorize\">"), "{body}");
    assert!(body.contains(
        "<button id=\"authorize\" name=\"decision\" value=\"authorize\">Authorize</button>"
    ));
    assert!(body.contains("<button id=\"deny\" name=\"decision\" value=\"deny\">Deny</button>"));
    assert!(!body.contains("<script"), "no script");
    assert!(!body.contains("s<1>"), "every value escaped");
    let fields: HashMap<_, _> = hidden_fields(body).into_iter().collect();
    assert_eq!(fields["client_id"], ID);
    assert_eq!(fields["redirect_uri"], REDIRECT);
    assert_eq!(fields["scope"], "public redeploy");
    assert_eq!(fields["state"], "s<1>&x");
    assert_eq!(fields["response_type"], "code");
    assert!(fields["consent"].len() >= 24, "an anti-forgery token");
    assert!(!body.contains(SECRET));

    // Errors are as without the page: a bad client is a page, a bad
    // response_type goes back to the client.
    let bad = get_authorize(&c66, &[("client_id", "other"), ("response_type", "code")]).await;
    assert_eq!(bad.status, 400);
    let bad =
        get_authorize(&c66, &[("client_id", ID), ("response_type", "token"), ("state", "s")]).await;
    assert_eq!(bad.status, 302);
    assert_eq!(bad.location()["error"], "unsupported_response_type");
}

#[tokio::test]
async fn authorize_gives_a_code_the_token_endpoint_accepts() {
    let c66 = fake(true).await;
    let fields = consent_page(&c66, "public", Some("st-1")).await;
    let r = post_authorize(&c66, &decide(&fields, "authorize")).await;
    assert_eq!(r.status, 302, "{}", r.body);
    let q = r.location();
    assert_eq!(q["state"], "st-1");
    let code = q["code"].clone();
    let token = reqwest::Client::new()
        .post(format!("{}/oauth/token", c66.base_url()))
        .basic_auth(ID, Some(SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_encode([
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    let json: Value = serde_json::from_str(&token.text().await.unwrap()).unwrap();
    assert_eq!(json["scope"], "public");
    assert!(json["access_token"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn deny_sends_access_denied_with_state_only_when_sent() {
    let c66 = fake(true).await;
    let fields = consent_page(&c66, "public", Some("st-2")).await;
    let r = post_authorize(&c66, &decide(&fields, "deny")).await;
    assert_eq!(r.status, 302);
    let q = r.location();
    assert_eq!((q["error"].as_str(), q["state"].as_str()), ("access_denied", "st-2"));
    assert!(!q.contains_key("code"));
    assert_eq!(c66.code_count(), 0);

    let fields = consent_page(&c66, "public", None).await;
    let q = post_authorize(&c66, &decide(&fields, "deny")).await.location();
    assert_eq!(q["error"], "access_denied");
    assert!(!q.contains_key("state"));
}

#[tokio::test]
async fn the_consent_token_is_single_use_and_cannot_be_forged() {
    let c66 = fake(true).await;
    let fields = consent_page(&c66, "public", Some("s")).await;
    assert_eq!(post_authorize(&c66, &decide(&fields, "authorize")).await.status, 302);
    let again = post_authorize(&c66, &decide(&fields, "authorize")).await;
    assert_eq!(again.status, 400, "used");
    assert!(again.headers.get("location").is_none());
    assert!(again.body.contains("<p id=\"error\">"), "{}", again.body);
    assert_eq!(again.headers["x-frame-options"], "DENY");

    let fields = consent_page(&c66, "public", Some("s")).await;
    for forged in [with(&fields, "consent", "forged-token"), with(&fields, "consent", "")] {
        let r = post_authorize(&c66, &decide(&forged, "authorize")).await;
        assert_eq!((r.status, r.headers.get("location")), (400, None), "forged");
    }
    // The real token was not spent by the forgeries; a token bound to one
    // request does not authorize another (more scopes, another state).
    let r = post_authorize(&c66, &decide(&with(&fields, "scope", "public redeploy"), "authorize"))
        .await;
    assert_eq!((r.status, r.headers.get("location")), (400, None), "scope raised");
    let fields = consent_page(&c66, "public", Some("s")).await;
    let r = post_authorize(&c66, &decide(&with(&fields, "state", "other"), "authorize")).await;
    assert_eq!(r.status, 400, "state changed");
    assert_eq!(c66.code_count(), 1, "only the first form gave a code");
}

#[tokio::test]
async fn a_tampered_redirect_uri_or_client_gets_a_page_not_a_redirect() {
    let c66 = fake(true).await;
    let fields = consent_page(&c66, "public", Some("s")).await;
    for tampered in [
        with(&fields, "redirect_uri", "https://evil.example/cb"),
        with(&fields, "client_id", "other"),
    ] {
        let r = post_authorize(&c66, &decide(&tampered, "authorize")).await;
        assert_eq!((r.status, r.headers.get("location")), (400, None), "{tampered:?}");
        assert!(r.body.contains("<p id=\"error\">"), "{}", r.body);
    }
    let r = post_authorize(&c66, &decide(&fields, "maybe")).await;
    assert_eq!((r.status, r.headers.get("location")), (400, None), "unknown decision");
    // Still unused: the refusals above did not spend it.
    assert_eq!(post_authorize(&c66, &decide(&fields, "authorize")).await.status, 302);
    assert_eq!(c66.code_count(), 1);
}

#[tokio::test]
async fn the_consent_form_body_is_limited_and_the_default_stays_automatic() {
    let c66 = fake(true).await;
    let r = browser()
        .post(format!("{}/oauth/authorize", c66.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("client_id=x&pad={}", "a".repeat(9 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413, "8 KiB");

    let auto = fake(false).await;
    let r = get_authorize(&auto, &[("client_id", ID), ("response_type", "code")]).await;
    assert_eq!(r.status, 302, "no page by default");
    assert!(r.location().contains_key("code"));
    let fields = vec![("client_id".to_owned(), ID.to_owned())];
    assert_eq!(post_authorize(&auto, &fields).await.status, 405, "no form by default");
}
