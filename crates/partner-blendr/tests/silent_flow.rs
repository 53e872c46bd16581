//! The hub's side of Blendr's OAuth2 "silent flow" (`/connect`,
//! `/connect/start`, `/callback`) against a minimal partner authorization
//! server written here (axum on 127.0.0.1, `SilentFlow` for the authorize
//! step, a token endpoint issuing tokens), so the whole round trip runs over
//! real HTTP as a browser without script would walk it.
#![cfg(feature = "mock")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use partner_blendr::fake::{FakeBlendr, RunningBlendr, SilentFlowPartner};
use partner_blendr::oauth::{IdTokenUser, SilentFlow};
use partner_blendr::{Clock, FixedClock, Secret};
use partner_core::encoding::form_decode;
use partner_core::http::reqwest;
use partner_core::server::oauth::{
    ClientAuthMethod, TokenError, client_credentials, token_response,
};
use partner_core::server::{FormFields, LoopbackServer, ServerLimits};
use serde_json::json;

const CLIENT_ID: &str = "blendr-client";
const CLIENT_SECRET: &str = "partner-client-secret";
const ISSUER: &str = "https://app.example.com";
const KEY: &str = "partner-api-key";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Good,
    LoginRequired,
    WrongKey,
    Expired,
    NoRefresh,
}

/// The partner authorization server of a test.
struct Partner {
    flow: SilentFlow,
    wrong_key: SilentFlow,
    mode: Mode,
    clock: Arc<FixedClock>,
    codes: Mutex<HashSet<String>>,
    /// The raw query of each authorize request.
    authorize_queries: Mutex<Vec<String>>,
    /// `grant_type` of each token request the partner accepted the client of.
    token_calls: Mutex<Vec<String>>,
}

async fn authorize(State(p): State<Arc<Partner>>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    p.authorize_queries.lock().unwrap().push(query.clone());
    let request = match p.flow.parse_authorize(&query) {
        Ok(request) => request,
        Err(err) => return (StatusCode::BAD_REQUEST, err.to_string()).into_response(),
    };
    if p.mode == Mode::LoginRequired {
        return Redirect::to(&p.flow.login_required(&request)).into_response();
    }
    let code = partner_core::random::token(16);
    p.codes.lock().unwrap().insert(code.clone());
    Redirect::to(&p.flow.approve(&request, &code)).into_response()
}

async fn token(State(p): State<Arc<Partner>>, headers: HeaderMap, form: FormFields) -> Response {
    let client = match client_credentials(&headers, &form) {
        Ok(client) => client,
        Err(err) => return err.into_response(),
    };
    let basic_and_right = client.as_ref().is_some_and(|c| {
        c.method() == ClientAuthMethod::Basic && c.matches(CLIENT_ID, &Secret::from(CLIENT_SECRET))
    });
    if !basic_and_right {
        return TokenError::invalid_client(client.map(|c| c.method())).into_response();
    }
    let grant = form.get("grant_type").unwrap_or_default().to_owned();
    p.token_calls.lock().unwrap().push(grant.clone());
    let now = p.clock.unix_time();
    match grant.as_str() {
        "authorization_code" => {
            let code = form.get("code").unwrap_or_default();
            let redirect_ok = form.get("redirect_uri").is_some_and(|r| r.ends_with("/callback"));
            if !p.codes.lock().unwrap().remove(code) || !redirect_ok {
                return TokenError::invalid_grant().into_response();
            }
            let user = IdTokenUser::new("u-<1>").name("Zoë & Co").email("zoe@example.com");
            let (flow, issued) = match p.mode {
                Mode::WrongKey => (&p.wrong_key, now),
                Mode::Expired => (&p.flow, now.saturating_sub(Duration::from_secs(3600))),
                _ => (&p.flow, now),
            };
            let id_token = flow.issue_id_token(&user, issued, Duration::from_secs(600)).unwrap();
            let mut answer = json!({
                "access_token": "at-1",
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": id_token,
            });
            if p.mode != Mode::NoRefresh {
                answer["refresh_token"] = json!("rt-1");
            }
            token_response(answer)
        }
        "refresh_token" if form.get("refresh_token") == Some("rt-1") => {
            token_response(json!({"access_token": "at-2", "token_type": "bearer"}))
        }
        "refresh_token" => TokenError::invalid_grant().into_response(),
        _ => TokenError::unsupported_grant_type().into_response(),
    }
}

struct Setup {
    hub: RunningBlendr,
    partner: Arc<Partner>,
    clock: Arc<FixedClock>,
    _server: LoopbackServer,
}

/// A partner server in `mode` and a hub connected to it; `token_url`
/// replaces the partner's token endpoint when given.
async fn setup_with(mode: Mode, token_url: Option<String>) -> Setup {
    let clock = Arc::new(FixedClock::at_unix(1_700_000_000));
    let listener = LoopbackServer::bind(0).await.unwrap();
    let partner_base = format!("http://{}", listener.local_addr().unwrap());
    let hub = FakeBlendr::builder()
        .credentials("app-1", KEY)
        .clock(clock.clone())
        .silent_flow_partner(SilentFlowPartner::new(
            format!("{partner_base}/authorize"),
            token_url.unwrap_or_else(|| format!("{partner_base}/token")),
            CLIENT_ID,
            CLIENT_SECRET,
        ))
        .start(0)
        .await
        .unwrap();
    let flow = SilentFlow::new(CLIENT_ID, CLIENT_SECRET, ISSUER)
        .unwrap()
        .with_redirect_uri(hub.callback_url());
    let wrong_key = SilentFlow::new(CLIENT_ID, "another-secret", ISSUER)
        .unwrap()
        .with_redirect_uri(hub.callback_url());
    let partner = Arc::new(Partner {
        flow,
        wrong_key,
        mode,
        clock: clock.clone(),
        codes: Mutex::new(HashSet::new()),
        authorize_queries: Mutex::new(Vec::new()),
        token_calls: Mutex::new(Vec::new()),
    });
    let router = Router::new()
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(partner.clone());
    let server = LoopbackServer::start(listener, router, ServerLimits::default()).unwrap();
    Setup { hub, partner, clock, _server: server }
}

async fn setup(mode: Mode) -> Setup {
    setup_with(mode, None).await
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> String {
        self.headers["location"].to_str().unwrap().to_owned()
    }

    /// The text of the element with this id (still HTML-escaped).
    fn by_id(&self, id: &str) -> Option<String> {
        let marker = format!("id=\"{id}\"");
        let at = self.body.find(&marker)?;
        let rest = &self.body[at..];
        let start = rest.find('>')? + 1;
        let end = rest.find("</")?;
        Some(rest[start..end].to_owned())
    }
}

async fn open(url: &str) -> Page {
    let r = browser().get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    Page { status, headers, body: r.text().await.unwrap() }
}

/// A person's walk: `/connect`, the link, the partner, back to the hub.
/// The hub's answer at `/callback`, and the callback URL.
async fn walk(s: &Setup) -> (Page, String) {
    let base = s.hub.base_url();
    let connect = open(&s.hub.connect_url()).await;
    assert_eq!(connect.status, 200, "{}", connect.body);
    let href = connect.body.split("id=\"connect\" href=\"").nth(1).unwrap().split('"').next();
    assert_eq!(href, Some("/connect/start"));
    let start = open(&format!("{base}/connect/start")).await;
    assert_eq!(start.status, 303);
    let at_partner = open(&start.location()).await;
    assert_eq!(at_partner.status, 303, "the partner redirects back: {}", at_partner.body);
    let callback = at_partner.location();
    assert!(callback.starts_with(&format!("{base}/callback?")), "{callback}");
    (open(&callback).await, callback)
}

#[tokio::test]
async fn the_round_trip_connects_the_account() {
    let s = setup(Mode::Good).await;
    let (page, _) = walk(&s).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<title>Connected</title>"), "{}", page.body);
    assert_eq!(page.by_id("subject").as_deref(), Some("u-&lt;1&gt;"));
    assert_eq!(page.by_id("name").as_deref(), Some("Zoë &amp; Co"));
    assert_eq!(page.by_id("email").as_deref(), Some("zoe@example.com"));
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert!(!page.body.contains(CLIENT_SECRET) && !page.body.contains("at-1"));

    // What the hub sent to the partner's authorize endpoint.
    let query = s.partner.authorize_queries.lock().unwrap()[0].clone();
    let q: std::collections::HashMap<_, _> = form_decode(&query).into_iter().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["redirect_uri"], s.hub.callback_url());
    assert_eq!(q["prompt"], "none");
    assert_eq!(q["scope"], "openid profile email");
    assert!(q["state"].len() >= 16, "a random state");
    // The code exchange, then one refresh, both with HTTP Basic.
    assert_eq!(*s.partner.token_calls.lock().unwrap(), ["authorization_code", "refresh_token"]);

    let connections = s.hub.connections();
    assert_eq!(connections.len(), 1);
    assert_eq!(connections[0].subject, "u-<1>");
    assert_eq!(connections[0].name.as_deref(), Some("Zoë & Co"));
    assert_eq!(connections[0].email.as_deref(), Some("zoe@example.com"));
    let connect = open(&s.hub.connect_url()).await;
    assert_eq!(connect.by_id("current-subject").as_deref(), Some("u-&lt;1&gt;"));
}

#[tokio::test]
async fn login_required_is_shown_and_nothing_is_exchanged() {
    let s = setup(Mode::LoginRequired).await;
    let (page, callback) = walk(&s).await;
    assert!(callback.contains("error=login_required"), "{callback}");
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.by_id("error").as_deref(), Some("login_required"));
    assert!(s.partner.token_calls.lock().unwrap().is_empty());
    assert!(s.hub.connections().is_empty());
}

#[tokio::test]
async fn a_state_is_single_use_issued_by_the_hub_and_expires() {
    let s = setup(Mode::Good).await;
    let (page, callback) = walk(&s).await;
    assert_eq!(page.status, 200);
    let replay = open(&callback).await;
    assert_eq!(replay.status, 400, "replayed state");
    assert!(replay.by_id("error").is_some(), "{}", replay.body);
    assert_eq!(s.partner.token_calls.lock().unwrap().len(), 2, "a replay is not exchanged");

    let base = s.hub.base_url();
    for query in ["code=c&state=forged", "code=c", "code=c&state=", "error=login_required"] {
        let page = open(&format!("{base}/callback?{query}")).await;
        assert_eq!(page.status, 400, "{query}");
        assert!(page.by_id("error").is_some());
    }

    // A state past its ten minutes.
    let start = open(&format!("{base}/connect/start")).await;
    let at_partner = open(&start.location()).await;
    s.clock.advance(Duration::from_secs(601));
    let late = open(&at_partner.location()).await;
    assert_eq!(late.status, 400, "expired state");
    assert_eq!(s.partner.token_calls.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_wrong_id_token_key_is_a_502() {
    let s = setup(Mode::WrongKey).await;
    let (page, _) = walk(&s).await;
    assert_eq!(page.status, 502, "{}", page.body);
    let error = page.by_id("error").unwrap();
    assert!(error.contains("id_token") && error.contains("signature"), "{error}");
    assert!(!page.body.contains(CLIENT_SECRET));
    assert_eq!(*s.partner.token_calls.lock().unwrap(), ["authorization_code"], "no refresh");
    assert!(s.hub.connections().is_empty());
}

#[tokio::test]
async fn an_id_token_expired_on_the_hubs_clock_is_a_502() {
    let s = setup(Mode::Expired).await;
    let (page, _) = walk(&s).await;
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(page.by_id("error").unwrap().contains("expired"), "{}", page.body);
    assert!(s.hub.connections().is_empty());
}

#[tokio::test]
async fn a_missing_refresh_token_is_a_502() {
    let s = setup(Mode::NoRefresh).await;
    let (page, _) = walk(&s).await;
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(page.by_id("error").unwrap().contains("refresh_token"), "{}", page.body);
    assert!(s.hub.connections().is_empty());
}

#[tokio::test]
async fn a_token_endpoint_that_is_down_is_a_502() {
    // Nothing listens there any more: the connection is refused.
    let closed = LoopbackServer::bind(0).await.unwrap();
    let url = format!("http://{}/token", closed.local_addr().unwrap());
    drop(closed);
    let s = setup_with(Mode::Good, Some(url)).await;
    let (page, _) = walk(&s).await;
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(page.by_id("error").unwrap().contains("could not be reached"), "{}", page.body);

    // It accepts but never answers: the hub's own timeout ends the call
    // with a 502, well before the server's 30 s request timeout (408).
    let silent = LoopbackServer::bind(0).await.unwrap();
    let url = format!("http://{}/token", silent.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let s = setup_with(Mode::Good, Some(url)).await;
    let (page, _) = walk(&s).await;
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(page.by_id("error").unwrap().contains("timeout"), "{}", page.body);
    hold.abort();
}

#[tokio::test]
async fn without_a_partner_the_pages_are_404_and_bad_settings_are_refused() {
    let hub = FakeBlendr::builder().credentials("app-1", KEY).start(0).await.unwrap();
    for path in ["/connect", "/connect/start", "/callback?code=c&state=s"] {
        assert_eq!(open(&format!("{}{path}", hub.base_url())).await.status, 404, "{path}");
    }
    let partner = |authorize: &str, token: &str, secret: &str| {
        SilentFlowPartner::new(authorize, token, CLIENT_ID, secret)
    };
    let good = "https://app.example.com/oauth/authorize";
    for bad in [
        partner("http://app.example.com/authorize", "https://app.example.com/token", "s"),
        partner(good, "http://app.example.com/token", "s"),
        partner(good, "https://app.example.com/token?x=1", "s"),
        partner(good, "https://app.example.com/token", ""),
    ] {
        let err =
            FakeBlendr::builder().silent_flow_partner(bad.clone()).start(0).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{bad:?}");
        assert!(FakeBlendr::builder().silent_flow_partner(bad).into_router().is_err());
    }
    let fine = partner(good, "http://127.0.0.1:9/token", CLIENT_SECRET).scope("");
    assert!(!format!("{fine:?}").contains(CLIENT_SECRET), "Debug redacts the secret");
    let hub = FakeBlendr::builder().silent_flow_partner(fine).start(0).await.unwrap();
    let start = open(&format!("{}/connect/start", hub.base_url())).await;
    assert_eq!(start.status, 303);
    assert!(!start.location().contains("scope="), "an empty scope is not sent");
}
