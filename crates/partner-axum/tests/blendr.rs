//! The Blendr silent-flow server and hub opening, over HTTP (the hub is
//! the fake Blendr).

mod support;

use std::sync::Arc;

use axum::Router;
use axum::response::Response;
use axum::routing::get;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use partner_axum::blendr::{BlendrHub, HubAccount, HubHandoff, SilentFlowServer};
use partner_axum::{AppUser, Problem};
use partner_blendr::fake::FakeBlendr;
use partner_blendr::{Hub, SsoPage};
use partner_core::SystemClock;
use partner_core::shared::LocalSecretStore;
use serde_json::Value;
use support::{HeaderUser, http, location, serve};

const CALLBACK: &str = "https://auth.blendr.io/callback";

#[tokio::test]
async fn silent_flow_codes_tokens_and_refresh() {
    let store = Arc::new(LocalSecretStore::new(Arc::new(SystemClock), 1_000));
    let server = SilentFlowServer::new("blendr", "s3cret", "https://acme.test", store).unwrap();
    let app: Router = Router::new().nest("/oauth", server.router(HeaderUser));
    let running = serve(app).await;
    let base = running.base_url();
    let http = http();
    let authorize = format!(
        "{base}/oauth/authorize?response_type=code&client_id=blendr&redirect_uri={}&prompt=none&state=st-1",
        partner_core::encoding::form_encode([("", CALLBACK)]).trim_start_matches('=')
    );

    // Nobody logged in: login_required, no login page.
    let r = http.get(&authorize).send().await.unwrap();
    assert_eq!(location(&r), format!("{CALLBACK}?error=login_required&state=st-1"));
    // Another redirect URI: a problem, never a redirect.
    let r = http.get(authorize.replace("auth.blendr.io", "evil.example")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());

    // Logged in: a code, exchanged once with HTTP Basic.
    let r = http.get(&authorize).header("x-test-user", "alice").send().await.unwrap();
    let to = location(&r);
    let code = to.split("code=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    assert!(to.ends_with("&state=st-1"), "{to}");
    let exchange = |form: Vec<(&'static str, String)>, secret: &'static str| {
        let http = http.clone();
        let url = format!("{base}/oauth/token");
        async move {
            let r =
                http.post(url).basic_auth("blendr", Some(secret)).form(&form).send().await.unwrap();
            let status = r.status().as_u16();
            let www = r.headers().get("www-authenticate").is_some();
            let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
            (status, www, body)
        }
    };
    let grant = |code: &str| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", CALLBACK.to_owned()),
        ]
    };
    let (status, www, body) = exchange(grant(&code), "wrong").await;
    assert_eq!((status, www, body["error"].as_str()), (401, true, Some("invalid_client")));
    let (status, _, tokens) = exchange(grant(&code), "s3cret").await;
    assert_eq!(status, 200, "{tokens}");
    let (status, _, again) = exchange(grant(&code), "s3cret").await;
    assert_eq!((status, again["error"].as_str()), (400, Some("invalid_grant")), "single use");

    // The id token: HS256 with the client secret, about alice.
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["blendr"]);
    validation.set_issuer(&["https://acme.test"]);
    let id = tokens["id_token"].as_str().unwrap();
    let claims =
        decode::<Value>(id, &DecodingKey::from_secret(b"s3cret"), &validation).unwrap().claims;
    assert_eq!(
        (claims["sub"].as_str(), claims["email"].as_str()),
        (Some("alice"), Some("alice@acme.test"))
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(server.user_for_access_token(access).await.unwrap().unwrap().id, "alice");

    // Refresh: rotated, the old refresh token is used up.
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let form = vec![("grant_type", "refresh_token".to_owned()), ("refresh_token", refresh)];
    let (status, _, renewed) = exchange(form.clone(), "s3cret").await;
    assert_eq!(status, 200);
    assert_ne!(renewed["access_token"], tokens["access_token"]);
    let (status, _, _) = exchange(form, "s3cret").await;
    assert_eq!(status, 400);
    let (status, _, body) = exchange(vec![("grant_type", "password".to_owned())], "s3cret").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")));

    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_hub_accepts_every_handoff() {
    let fake = FakeBlendr::builder().credentials("acme-app", "hub-key").start(0).await.unwrap();
    let hub = BlendrHub::new(Hub::from_base_url(&fake.base_url()).unwrap(), "hub-key").unwrap();
    let alice = AppUser::new("alice", "Alice Example", "alice@acme.test");
    // One account per handoff: the same signed fields in the same second
    // would be the same handoff, which the hub takes once.
    let open = |how: HubHandoff| -> Response {
        let account = HubAccount::new(format!("acme-alice-{how:?}"), "Acme");
        hub.open(how, &SsoPage::Home, &account, &alice).unwrap_or_else(|p: Problem| panic!("{p:?}"))
    };
    let http = http();
    for how in [HubHandoff::HashLink, HubHandoff::JwtLink] {
        let r = open(how);
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap().to_owned();
        let landing = http.get(&to).send().await.unwrap();
        assert_eq!(landing.status(), 200, "{how:?}");
        assert!(landing.text().await.unwrap().contains("acme-alice"));
        // The same link twice: the hub refuses the replay.
        assert_ne!(http.get(&to).send().await.unwrap().status(), 200, "{how:?}");
    }
    for how in [HubHandoff::HashPost, HubHandoff::JwtPost] {
        let r = open(how);
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains(&format!("form-action 'self' {}", fake.base_url())), "{csp}");
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
        assert!(html.contains(&format!("<script nonce=\"{nonce}\">")), "{html}");
        // Post the form's fields as a browser would.
        let fields: Vec<(String, String)> = html
            .split("<input type=\"hidden\" name=\"")
            .skip(1)
            .map(|s| {
                let (name, rest) = s.split_once("\" value=\"").unwrap();
                let value = rest.split('"').next().unwrap();
                let unescape = |v: &str| {
                    v.replace("&#39;", "'")
                        .replace("&quot;", "\"")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&amp;", "&")
                };
                (unescape(name), unescape(value))
            })
            .collect();
        let landing =
            http.post(format!("{}/sso", fake.base_url())).form(&fields).send().await.unwrap();
        assert_eq!(landing.status(), 200, "{how:?}");
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn problems_become_pages_for_browsers_only() {
    use axum::middleware;
    use partner_axum::{ProblemPages, render_problem_pages};
    async fn replayed() -> Result<&'static str, Problem> {
        Err(Problem::from_error(&partner_core::Error::Replayed))
    }
    let app: Router = Router::new()
        .route("/", get(replayed))
        .layer(middleware::from_fn_with_state(ProblemPages::default(), render_problem_pages));
    let running = serve(app).await;
    let http = http();
    let page = http.get(running.base_url()).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), 403);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("<span id=\"problem-status\">403</span>"));
    let json =
        http.get(running.base_url()).header("accept", "application/json").send().await.unwrap();
    assert_eq!(json.headers()["content-type"], "application/problem+json");
    running.shutdown().await.unwrap();
}
