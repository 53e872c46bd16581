//! The Acme portal in a real browser: headless Chromium driven through
//! chromedriver (WebDriver), clicking through every integration against the
//! built-in fakes, with a screenshot per step under
//! `<target>/browser-e2e/NN-name.png`.
//!
//! Both tests are ignored by `cargo test`: they need Debian's `chromium` and
//! `chromium-driver`, which `cargo xtask test` installs (as root) and passes
//! as `PORTAL_CHROMIUM` and `PORTAL_CHROMEDRIVER` (else both are looked up on
//! `PATH`). Run them alone with
//! `cargo test -p portal --test browser -- --ignored --nocapture`.
//!
//! `harness_smoke` checks the harness alone against a tiny page served here,
//! so that a harness failure is told apart from a portal one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, missing_docs)]

mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::extract::Form;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;

use support::{Browser, Finished, screenshots_root};

/// Prints the screenshots and checks each one is a PNG file.
fn report(test: &str, finished: &Finished) {
    println!("{test}: {} screenshots:", finished.screenshots.len());
    for shot in &finished.screenshots {
        println!("  {}", shot.display());
        let bytes = std::fs::read(shot).unwrap_or_default();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", shot.display());
    }
}

// --- the harness alone ------------------------------------------------------

const SMOKE_NONCE: &str = "c21va2Utbm9uY2U";

/// A page with a form, a nonce'd script (run late, to exercise the waits)
/// and a script without the nonce that the CSP must block.
async fn smoke_page() -> impl IntoResponse {
    let csp = format!("default-src 'none'; script-src 'nonce-{SMOKE_NONCE}'; form-action 'self'");
    let html = format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>harness smoke</title></head><body>
<h1>Harness smoke</h1>
<p id="greeting">not run</p>
<p id="blocked">not run</p>
<form method="post" action="/submit">
  <input id="name" name="name" value="prefilled">
  <button id="go" type="submit">Go</button>
</form>
<script nonce="{SMOKE_NONCE}">
  setTimeout(function () {{
    document.getElementById('greeting').textContent = 'Hello from script';
  }}, 300);
</script>
<script>document.getElementById('blocked').textContent = 'ran without the nonce';</script>
</body></html>"#
    );
    ([(header::CONTENT_SECURITY_POLICY, csp)], Html(html))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

async fn smoke_submit(Form(form): Form<HashMap<String, String>>) -> Html<String> {
    let name = escape(form.get("name").map(String::as_str).unwrap_or_default());
    Html(format!(
        "<!doctype html><html><body><p id=\"echo\">Hello, {name}</p>\
         <a id=\"back\" href=\"/hop\">again</a></body></html>"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver: run cargo xtask test"]
async fn harness_smoke() {
    let router = Router::new()
        .route("/", get(smoke_page))
        .route("/hop", get(|| async { Redirect::to("/") }))
        .route("/submit", axum::routing::post(smoke_submit));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let mut browser = Browser::start(screenshots_root().join("harness-smoke")).await;
    let profile = browser.profile().to_owned();
    assert!(profile.is_dir(), "the session's profile {} exists", profile.display());

    // A redirect is followed; the prefilled value, the late nonce'd script.
    browser.goto(&format!("{base}/hop")).await;
    let url = browser.expect_path("/").await;
    assert_eq!(url.as_str(), format!("{base}/"));
    assert_eq!(browser.value("#name").await, "prefilled");
    browser.expect_text("#greeting", "Hello from script").await;
    assert_eq!(browser.text("#blocked").await, "not run", "the CSP blocks a script without nonce");
    browser.step("form").await;

    // Fill and submit the form; the echo comes back escaped.
    browser.fill("#name", "Alice <b>").await;
    browser.click("#go").await;
    browser.expect_path("/submit").await;
    browser.expect_text("#echo", "Hello, Alice <b>").await;
    assert!(browser.expect_text_containing("body", "Hello, Al").await.contains("again"));
    assert_eq!(browser.current_url().await.as_str(), format!("{base}/submit"));
    browser.step("submitted").await;

    // A link back through the redirect.
    browser.click("a#back").await;
    browser.expect_path("/").await;
    browser.expect_nonempty("#greeting").await;

    // What a failing step would panic with: the URL and the page source.
    let failure = browser.failure("probe").await;
    assert!(failure.starts_with("probe\n"), "{failure}");
    assert!(failure.contains(&format!("at URL: {base}/")), "{failure}");
    assert!(failure.contains("id=\"greeting\""), "{failure}");

    let finished = browser.finish().await;
    report("harness_smoke", &finished);
    let names: Vec<PathBuf> =
        finished.screenshots.iter().map(|p| PathBuf::from(p.file_name().unwrap())).collect();
    assert_eq!(names, [PathBuf::from("01-form.png"), PathBuf::from("02-submitted.png")]);
    assert!(finished.driver_exited, "chromedriver is stopped");
    assert!(finished.profile_removed && !profile.exists(), "the profile is removed");
    server.abort();
}

// --- the portal ----------------------------------------------------------------

/// Who logs in with the login form (prefilled).
const ALICE_EMAIL: &str = "alice@acme.test";
/// The portal's Blendr hub account for Alice.
const ALICE_HUB_ACCOUNT: &str = "acme-alice";
/// The portal's user id for Alice (the Blendr silent flow's subject).
const ALICE_ID: &str = "alice";
/// The user signed in on the fake Cloud 66 (`start_on_fakes` sets it up).
const CLOUD66_EMAIL: &str = "jon@smith.com";

/// A fresh multipass link: the fake Cloud 66's sign-in answers with a
/// redirect to the portal, taken here without following it.
async fn multipass_link(signin: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let response = http.get(signin).send().await.unwrap_or_else(|e| panic!("GET {signin}: {e}"));
    let status = response.status();
    let location = response.headers().get(reqwest::header::LOCATION).cloned();
    let location = location
        .as_ref()
        .and_then(|value| value.to_str().ok())
        .filter(|_| status.is_redirection())
        .unwrap_or_else(|| {
            panic!("GET {signin}: {status} without a Location (a redirect expected)")
        });
    reqwest::Url::parse(signin).unwrap().join(location).unwrap().to_string()
}

/// The HTML of the portal's page `url` for the browser's session, fetched
/// outside the browser (for a page that leaves by itself).
async fn portal_page(url: &str, browser: &Browser) -> String {
    let session = browser.cookie(portal::sessions::COOKIE).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let response = http
        .get(url)
        .header(reqwest::header::COOKIE, format!("{}={session}", portal::sessions::COOKIE))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert_eq!(response.status(), reqwest::StatusCode::OK, "GET {url}");
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver: run cargo xtask test"]
async fn portal_in_a_real_browser() {
    let portal = portal::start_on_fakes(0).await.expect("the portal starts on the fakes");
    let base = portal.url();
    assert!(base.starts_with("http://127.0.0.1:"), "the portal's URL: {base:?}");
    let home = format!("{base}/");
    let mut b = Browser::start(screenshots_root()).await;

    // 1. Log in with the form.
    b.goto(&home).await;
    b.step("logged-out").await;
    b.click("a#login").await;
    b.expect_on(&format!("{base}/login"), true).await;
    assert_eq!(b.value("input#email").await, ALICE_EMAIL, "input#email is prefilled");
    assert!(!b.value("input#name").await.is_empty(), "input#name is prefilled");
    b.step("login-form").await;
    b.click("button#login-submit").await;
    b.expect_url(&format!("the URL should be {home}"), |url| url.as_str() == home).await;
    b.expect_text("#user", ALICE_EMAIL).await;
    b.step("logged-in").await;

    // 2. OVHcloud: the fake's validation page, authorize, back to the portal.
    b.click("a#connect-ovh").await;
    b.expect_on(&base, false).await;
    b.text("button[value=refuse]").await;
    b.step("ovh-validation").await;
    b.click("button[value=authorize]").await;
    b.expect_on(&format!("{base}/ovhcloud/me"), true).await;
    b.expect_text("#ovh-status", "validated").await;
    b.expect_nonempty("#ovh-nichandle").await;
    b.step("ovh-connected").await;

    // 3. The Blendr hub, three ways.
    for (link, shot) in
        [("a#open-blendr-hash", "blendr-hub-hash"), ("a#open-blendr-jwt", "blendr-hub-jwt")]
    {
        b.goto(&home).await;
        b.click(link).await;
        b.expect_on(&base, false).await;
        b.expect_text("#account", ALICE_HUB_ACCOUNT).await;
        b.expect_nonempty("#account-name").await;
        b.step(shot).await;
    }
    // The POST form: the portal's page holds the signed form with a button
    // (for browsers without JavaScript) and a nonce'd script that submits it,
    // so in Chromium the page goes on to the hub by itself.
    b.goto(&home).await;
    let page = portal_page(&format!("{base}/blendr/open?link=post"), &b).await;
    // Without JavaScript the form has a button; with it, a nonce'd script submits it.
    assert!(page.contains("<form id=\"blendr-sso\" method=\"post\""), "no POST form in {page}");
    assert!(page.contains("<noscript><button type=\"submit\">"), "no button without JS in {page}");
    b.click("a#open-blendr-post").await;
    b.expect_on(&base, false).await;
    b.expect_text("#account", ALICE_HUB_ACCOUNT).await;
    b.expect_nonempty("#account-name").await;
    b.step("blendr-hub-post").await;

    // 4. Teapplix.
    b.goto(&home).await;
    b.click("a#open-teapplix").await;
    b.expect_on(&base, false).await;
    b.expect_text("#account", "acme").await;
    b.step("teapplix").await;

    // 5. Cheetah: the greeting comes from a nonce'd script, so it ran under the CSP.
    b.goto(&home).await;
    b.click("a#cheetah-member").await;
    b.expect_on(&format!("{base}/cheetah/"), true).await;
    b.expect_text("#greeting", "Alice").await;
    b.expect_text("#member-state-status", "signed-in").await;
    b.step("cheetah-member").await;

    // 6. Cloud 66's link arrival: provisioned, then the fake's callback page.
    b.goto(&home).await;
    b.click("a#cloud66-link").await;
    b.expect_text_containing("body", "integration acme finished").await;
    b.expect_on(&base, false).await;
    b.step("cloud66-link").await;

    // 7. Blendr's OAuth2 silent flow, logged in.
    b.goto(&portal.blendr_connect_url()).await;
    b.click("a#connect").await;
    b.expect_text("#subject", ALICE_ID).await;
    b.step("blendr-silent-flow").await;

    // 8. Cloud 66 multipass sign-in, logged out; then the same link again.
    b.goto(&home).await;
    b.click("button#logout").await;
    b.text("a#login").await;
    let link = multipass_link(&portal.cloud66_signin_url()).await;
    b.goto(&link).await;
    b.expect_url(&format!("the URL should be {home}"), |url| url.as_str() == home).await;
    b.expect_text("#user", CLOUD66_EMAIL).await;
    b.expect_text("#signed-in-via", "cloud66").await;
    b.step("cloud66-multipass").await;
    b.goto(&link).await;
    b.expect_text("#problem-status", "403").await;
    b.expect_text("#problem-kind", "replayed").await;
    b.step("cloud66-multipass-replayed").await;

    // 9. Blendr's silent flow without a session.
    b.goto(&home).await;
    b.click("button#logout").await;
    b.text("a#login").await;
    b.goto(&portal.blendr_connect_url()).await;
    b.click("a#connect").await;
    b.expect_text("#error", "login_required").await;
    b.step("blendr-login-required").await;

    let finished = b.finish().await;
    report("portal_in_a_real_browser", &finished);
    assert_eq!(finished.screenshots.len(), 15, "one screenshot per step");
    portal.shutdown().await;
}
