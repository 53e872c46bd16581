//! The stand-in partner pages of the fake, walked over real HTTP as a
//! browser would: link arrival -> provisioning -> callback, SSO multipass
//! verification, and the OAuth2 redirect URI page.
#![cfg(all(feature = "client", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use partner_core::http::reqwest;
use std::sync::Arc;
use std::time::Duration;

use partner_cloud66::fake::{FakeCloud66, RunningCloud66};
use partner_cloud66::{FixedClock, OAuthClient};
use partner_core::encoding::{form_decode, form_encode};

const UID: &str = "0123456789abcdefFEDCBA9876543210";

async fn fake(clock: Arc<FixedClock>) -> RunningCloud66 {
    FakeCloud66::builder()
        .stand_in_partner("acme", UID)
        .stand_in_oauth_app("client-1", "secret-1")
        .user("u-jon", "jon@smith.com", "Jon <b>Smith</b>")
        .stack("s1", "web")
        .clock(clock)
        .start(0)
        .await
        .unwrap()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn location(url: &str) -> String {
    let r = browser().get(url).send().await.unwrap();
    assert!(r.status().is_redirection(), "{} for {url}", r.status());
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// Status, content type and body of a GET.
async fn page(url: &str) -> (u16, String, String) {
    let r = browser().get(url).send().await.unwrap();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    (r.status().as_u16(), ct.unwrap_or_default(), r.text().await.unwrap())
}

/// The `value` of the hidden input `name` in `html`, unescaped.
fn input(html: &str, name: &str) -> String {
    let start = format!("name=\"{name}\" value=\"");
    let from =
        html.find(&start).unwrap_or_else(|| panic!("no input {name} in {html}")) + start.len();
    let raw = &html[from..from + html[from..].find('"').unwrap()];
    raw.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn the_urls_are_the_fakes_own_pages() {
    let c66 = fake(Arc::new(FixedClock::at_unix(1_700_000_000))).await;
    let base = c66.base_url();
    assert_eq!(c66.link_url(), Some(format!("{base}/stand-in/link")));
    assert_eq!(c66.sso_return_url(), Some(format!("{base}/stand-in/sso")));
    assert_eq!(c66.oauth_redirect_uri(), Some(format!("{base}/stand-in/oauth/callback")));
    assert_eq!(c66.link_start_url(), Some(format!("{base}/integrations/acme/start")));
    assert_eq!(c66.sso_signin_url(), Some(format!("{base}/sso/signin/acme")));

    // With given URLs, the pages are not served and the accessors say so.
    let given = FakeCloud66::builder()
        .partner("acme", UID, "https://p.example/link", "https://p.example/sso")
        .oauth_app("client-1", "secret-1", "https://p.example/cb")
        .start(0)
        .await
        .unwrap();
    assert_eq!(given.link_url().as_deref(), Some("https://p.example/link"));
    assert_eq!(given.sso_return_url().as_deref(), Some("https://p.example/sso"));
    assert_eq!(given.oauth_redirect_uri().as_deref(), Some("https://p.example/cb"));
    for path in ["/stand-in/link", "/stand-in/sso", "/stand-in/oauth/callback"] {
        assert_eq!(page(&format!("{}{path}", given.base_url())).await.0, 404, "{path}");
    }
    let empty = FakeCloud66::builder().start(0).await.unwrap();
    assert_eq!(
        (empty.link_url(), empty.oauth_redirect_uri(), empty.authorize_url()),
        (None, None, None)
    );
}

#[tokio::test]
async fn link_arrival_provisioning_and_callback() {
    let c66 = fake(Arc::new(FixedClock::at_unix(1_700_000_000))).await;
    // The dashboard click lands on the stand-in link page.
    let arrival = location(&c66.link_start_url().unwrap()).await;
    assert!(arrival.starts_with(&format!("{}?", c66.link_url().unwrap())), "{arrival}");
    let (status, ct, html) = page(&arrival).await;
    assert_eq!((status, ct.as_str()), (200, "text/html; charset=utf-8"));
    let callback = format!("{}/integrations/acme/done", c66.base_url());
    for shown in
        ["<code>u-jon</code>", "<code>jon@smith.com</code>", &format!("<code>{callback}</code>")]
    {
        assert!(html.contains(shown), "{shown} in {html}");
    }
    // The form carries what arrived; submitting it provisions and returns.
    let fields = [
        ("uid", input(&html, "uid")),
        ("email", input(&html, "email")),
        ("callback", input(&html, "callback")),
    ];
    assert_eq!(fields[2].1, callback);
    assert!(c66.linked_uids().is_empty());
    let submit = |fields: Vec<(&'static str, String)>| {
        let url = format!("{}/stand-in/link", c66.base_url());
        async move {
            browser()
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form_encode(&fields))
                .send()
                .await
                .unwrap()
        }
    };
    let r = submit(fields.to_vec()).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"].to_str().unwrap(), callback);
    assert_eq!(c66.linked_uids(), ["u-jon"]);
    let (status, _, done) = page(&callback).await;
    assert_eq!((status, done.as_str()), (200, "integration acme finished"));

    // A second time, Cloud 66 says it is already linked: a page, no redirect.
    let r = submit(fields.to_vec()).await;
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("location").is_none());
    assert!(r.text().await.unwrap().contains("acme is already linked to this account"));

    // The form cannot be turned into an open redirect.
    let mut evil = fields.to_vec();
    evil[2].1 = "http://127.0.0.1:1/elsewhere".to_owned();
    let r = submit(evil).await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    assert!(r.text().await.unwrap().contains("unsafe-input"));

    // A browser that follows redirects walks the whole chain.
    let follow = reqwest::Client::new();
    let html =
        follow.get(c66.link_start_url().unwrap()).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Provision and return to Cloud 66"));
}

#[tokio::test]
async fn what_arrived_is_escaped_and_checked() {
    let c66 = fake(Arc::new(FixedClock::at_unix(1_700_000_000))).await;
    let query = form_encode([
        ("uid", "<script>x</script>"),
        ("email", "jon@smith.com"),
        ("callback", "https://evil.example/\"><b>"),
    ]);
    let (status, _, html) = page(&format!("{}?{query}", c66.link_url().unwrap())).await;
    assert_eq!(status, 400);
    assert!(!html.contains("<script>") && !html.contains("\"><b>"), "{html}");
    assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
    assert!(html.contains("unsafe-input"), "the callback host is refused");
    assert!(!html.contains("<form"), "nothing to submit");
}

#[tokio::test]
async fn sso_multipass_is_verified_by_the_stand_in() {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let c66 = fake(clock.clone()).await;
    let signin = c66.sso_signin_url().unwrap();
    let back = location(&signin).await;
    assert!(back.starts_with(&format!("{}?", c66.sso_return_url().unwrap())), "{back}");
    let (status, ct, html) = page(&back).await;
    assert_eq!((status, ct.as_str()), (200, "text/html; charset=utf-8"));
    assert!(html.contains("<code>jon@smith.com</code>"), "{html}");
    assert!(html.contains("Jon &lt;b&gt;Smith&lt;/b&gt;"), "the name is escaped: {html}");

    // Single use.
    let (status, _, html) = page(&back).await;
    assert_eq!(status, 400);
    assert!(html.contains("<strong>replayed</strong>"), "{html}");

    // A signature that does not match.
    let fresh = location(&signin).await;
    let q: Vec<(String, String)> = form_decode(fresh.split_once('?').unwrap().1);
    let forged: Vec<(String, String)> = q
        .iter()
        .map(|(k, v)| {
            let v = match (k.as_str(), v.strip_suffix('0')) {
                ("signature", Some(rest)) => format!("{rest}1"),
                ("signature", None) => format!("{}0", &v[..v.len() - 1]),
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    assert_ne!(forged, q);
    let (status, _, html) =
        page(&format!("{}?{}", c66.sso_return_url().unwrap(), form_encode(&forged))).await;
    assert_eq!(status, 400);
    assert!(html.contains("<strong>bad-signature</strong>"), "{html}");

    // Expired after its minute (and the skew).
    clock.advance(Duration::from_secs(91));
    let (status, _, html) = page(&fresh).await;
    assert_eq!(status, 400);
    assert!(html.contains("<strong>expired</strong>"), "{html}");

    let (status, _, html) = page(&c66.sso_return_url().unwrap()).await;
    assert_eq!(status, 400);
    assert!(html.contains("<strong>malformed</strong>"), "{html}");
}

#[tokio::test]
async fn oauth_redirect_page_shows_code_and_state() {
    let c66 = fake(Arc::new(FixedClock::at_unix(1_700_000_000))).await;
    let redirect = c66.oauth_redirect_uri().unwrap();
    let authorize = c66.authorize_url().unwrap();
    let back = location(&format!("{authorize}&state=%3Cb%3Es1")).await;
    assert!(back.starts_with(&format!("{redirect}?")), "{back}");
    let code = form_decode(back.split_once('?').unwrap().1)
        .into_iter()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1;
    let (status, ct, html) = page(&back).await;
    assert_eq!((status, ct.as_str()), (200, "text/html; charset=utf-8"));
    assert!(html.contains(&format!("<code>{code}</code>")), "{html}");
    assert!(html.contains("<code>&lt;b&gt;s1</code>") && !html.contains("<b>s1"), "{html}");
    assert!(!html.contains("secret-1"), "the client secret is never shown");

    // The code from the page is exchanged with the registered redirect URI.
    let token = OAuthClient::builder("client-1", "secret-1")
        .redirect_uri(redirect.clone())
        .base_url(c66.base_url())
        .build()
        .unwrap()
        .exchange_code(&code)
        .await
        .unwrap();
    assert_eq!(token.token_type, "bearer");

    // An authorize error reaches the page too.
    let error = location(&authorize.replace("response_type=code", "response_type=token")).await;
    let (_, _, html) = page(&error).await;
    assert!(html.contains("<code>unsupported_response_type</code>"), "{html}");
    assert!(html.contains("<dt>code</dt><dd><em>(none)</em></dd>"), "{html}");
}
