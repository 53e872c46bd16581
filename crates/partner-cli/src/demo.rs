//! `partner demo`: all five fakes in-process, each provider's whole flow
//! run with the real clients over HTTP, step by step.

use std::collections::HashMap;
use std::future::Future;
use std::time::Instant;

use futures_util::TryStreamExt;
use partner_core::Clock;
use serde::Serialize;
use serde_json::Value;

use crate::output::{CliError, green, red};

/// A provider whose flow the demo runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// OVHcloud.
    Ovhcloud,
    /// Cloud 66.
    Cloud66,
    /// Blendr.io.
    Blendr,
    /// Cheetah CES.
    Cheetah,
    /// Teapplix.
    Teapplix,
}

const ALL: [Provider; 5] = [
    Provider::Ovhcloud,
    Provider::Cloud66,
    Provider::Blendr,
    Provider::Cheetah,
    Provider::Teapplix,
];

/// One step of a flow.
#[derive(Debug, Serialize)]
struct Step {
    provider: Provider,
    step: &'static str,
    ok: bool,
    ms: f64,
    detail: String,
}

type StepResult = Result<String, String>;

/// Records steps and prints them as they happen.
struct Recorder {
    provider: Provider,
    json: bool,
    steps: Vec<Step>,
}

impl Recorder {
    /// Runs one step; a failed step stops the provider's flow (`Err`).
    async fn step<F: Future<Output = StepResult>>(
        &mut self,
        name: &'static str,
        f: F,
    ) -> Result<(), ()> {
        let start = Instant::now();
        let outcome = f.await;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let (ok, detail) = match outcome {
            Ok(d) => (true, d),
            Err(d) => (false, d),
        };
        if !self.json {
            let mark = if ok { green("ok  ") } else { red("FAIL") };
            let provider = format!("{:?}", self.provider).to_lowercase();
            println!("{mark} {provider:<9} {name:<52} {ms:>7.1} ms  {detail}");
        }
        self.steps.push(Step { provider: self.provider, step: name, ok, ms, detail });
        if ok { Ok(()) } else { Err(()) }
    }

    /// A step that produces a value for the next ones (`Ok((value, detail))`).
    async fn value<T, F: Future<Output = Result<(T, String), String>>>(
        &mut self,
        name: &'static str,
        f: F,
    ) -> Result<T, ()> {
        let mut produced = None;
        self.step(name, async {
            let (value, detail) = f.await?;
            produced = Some(value);
            Ok(detail)
        })
        .await?;
        produced.ok_or(())
    }
}

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}

fn browser() -> Result<reqwest::Client, String> {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(e)
}

fn query_map(url: &str) -> HashMap<String, String> {
    partner_core::encoding::form_decode(url.split_once('?').map_or("", |(_, q)| q))
        .into_iter()
        .collect()
}

/// Runs the demo; exit 1 if any step fails.
pub async fn run(only: Option<Provider>, json: bool) -> Result<(), CliError> {
    let mut steps = Vec::new();
    for provider in ALL.into_iter().filter(|p| only.is_none_or(|o| o == *p)) {
        let mut rec = Recorder { provider, json, steps: Vec::new() };
        let _ = match provider {
            Provider::Ovhcloud => ovhcloud(&mut rec).await,
            Provider::Cloud66 => cloud66(&mut rec).await,
            Provider::Blendr => blendr(&mut rec).await,
            Provider::Cheetah => cheetah(&mut rec).await,
            Provider::Teapplix => teapplix(&mut rec).await,
        };
        steps.extend(rec.steps);
    }
    let failed = steps.iter().filter(|s| !s.ok).count();
    let total_ms: f64 = steps.iter().map(|s| s.ms).sum();
    if json {
        let report = serde_json::json!({"passed": steps.len() - failed, "failed": failed, "total_ms": total_ms, "steps": steps});
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        let summary = format!(
            "{} steps, {} passed, {} failed, {:.0} ms",
            steps.len(),
            steps.len() - failed,
            failed,
            total_ms
        );
        println!();
        println!("{}", if failed == 0 { green(&summary) } else { red(&summary) });
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(CliError::failed(format!("{failed} demo step(s) failed")))
    }
}

async fn ovhcloud(rec: &mut Recorder) -> Result<(), ()> {
    use partner_ovhcloud::fake::{DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh};
    use partner_ovhcloud::{CredentialRequest, Endpoint, Method, OvhClient, OvhErrorKind};
    let fake = rec
        .value("start the fake OVH API", async {
            let f = FakeOvh::builder().start(0).await.map_err(e)?;
            let url = f.endpoint_url();
            Ok((f, url))
        })
        .await?;
    let app = OvhClient::builder(
        Endpoint::custom(&fake.endpoint_url()).map_err(|_| ())?,
        DEFAULT_APPLICATION_KEY,
        DEFAULT_APPLICATION_SECRET,
    )
    .build()
    .map_err(|_| ())?;
    let asked = rec
        .value("request a consumer key (GET /me only)", async {
            let req = CredentialRequest::new()
                .rule(Method::Get, "/me")
                .redirection("https://partner.example/ovh/done");
            let r = app.request_credential(&req).await.map_err(e)?;
            let state = format!("state {:?}", r.state);
            Ok((r, state))
        })
        .await?;
    rec.step("customer clicks Authorize on the validation page", async {
        let page = browser()?.get(&asked.validation_url).send().await.map_err(e)?;
        let html = page.text().await.map_err(e)?;
        if !html.contains("Authorize") {
            return Err("the validation page has no Authorize button".to_owned());
        }
        let r = browser()?
            .post(&asked.validation_url)
            .form(&[("action", "authorize")])
            .send()
            .await
            .map_err(e)?;
        let to = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        if r.status().is_redirection() {
            Ok(format!("redirected to {to}"))
        } else {
            Err(format!("status {}", r.status()))
        }
    })
    .await?;
    let customer = app.for_customer(asked.consumer_key.clone()).map_err(|_| ())?;
    rec.step("signed GET /me", async {
        let me: Value = customer.get("/me").await.map_err(e)?;
        Ok(format!("nichandle {}", me["nichandle"]))
    })
    .await?;
    rec.step("GET /domain/zone outside the rules is refused", async {
        match customer.get::<Value>("/domain/zone").await {
            Err(err) if err.ovh_kind() == Some(OvhErrorKind::NotGrantedCall) => {
                Ok("403 NOT_GRANTED_CALL".to_owned())
            }
            other => Err(format!("expected NOT_GRANTED_CALL, got {other:?}")),
        }
    })
    .await?;
    rec.step("the key reads its own credential (no rule needed)", async {
        let c = customer.current_credential().await.map_err(e)?;
        Ok(format!("credential {} {:?}", c.credential_id, c.status))
    })
    .await?;
    rec.step("logout revokes the consumer key (no rule needed)", async {
        customer.logout().await.map(|()| "revoked".to_owned()).map_err(e)
    })
    .await?;
    rec.step("the revoked key is refused", async {
        match customer.get::<Value>("/me").await {
            Err(err) if err.ovh_kind() == Some(OvhErrorKind::NotCredential) => {
                Ok("403 NOT_CREDENTIAL".to_owned())
            }
            other => Err(format!("expected NOT_CREDENTIAL, got {other:?}")),
        }
    })
    .await
}

async fn cloud66(rec: &mut Recorder) -> Result<(), ()> {
    use partner_cloud66::fake::FakeCloud66;
    use partner_cloud66::{
        ApiClient, AuthorizeRequest, BaseUrl, Error, LinkRedirectVerifier, MultipassKeys,
        MultipassVerifier, OAuthClient, OAuthState, ProvisionFailure, ProvisioningClient, Scope,
    };
    const UID: &str = "0123456789abcdefFEDCBA9876543210";
    const SITE: &str = "https://partner.example";
    let fake = rec
        .value("start the fake Cloud 66", async {
            let f = FakeCloud66::builder()
                .partner("acme", UID, format!("{SITE}/c66/link"), format!("{SITE}/c66/sso"))
                .user("u-42", "jon@smith.com", "Jon Smith")
                .oauth_app("client-1", "secret-1", format!("{SITE}/c66/oauth"))
                .stack("stack-1", "web")
                .stack("stack-2", "api")
                .stack("stack-3", "workers")
                .start(0)
                .await
                .map_err(e)?;
            let url = f.base_url();
            Ok((f, url))
        })
        .await?;
    let link = rec
        .value("redirect from Cloud 66 with uid, email, callback", async {
            let r = browser()?
                .get(format!("{}/integrations/acme/start", fake.base_url()))
                .send()
                .await
                .map_err(e)?;
            let to = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .ok_or("no redirect")?
                .to_owned();
            let l = LinkRedirectVerifier::with_allowed_hosts(["127.0.0.1"])
                .parse_url(&to)
                .map_err(e)?;
            let d = format!("uid {} email {}", l.uid, l.email);
            Ok((l, d))
        })
        .await?;
    let endpoint = ProvisioningClient::new(&fake.partner_endpoint()).map_err(|_| ())?;
    rec.step("provisioning POST", async {
        endpoint
            .provision(&link, &[("api_key", "new-key")])
            .await
            .map(|()| "200 service added".to_owned())
            .map_err(e)
    })
    .await?;
    rec.step("a second POST says already linked", async {
        match endpoint.provision(&link, &[]).await {
            Err(Error::Provision(ProvisionFailure::AlreadyLinked(what))) => {
                Ok(format!("403 {what} is already linked"))
            }
            other => Err(format!("expected AlreadyLinked, got {other:?}")),
        }
    })
    .await?;
    let mut callback = String::new();
    rec.step("SSO sign-in redirects back with a multipass", async {
        let signin = partner_cloud66::sso_signin_url(&fake.base_url(), "acme").map_err(e)?;
        let r = browser()?.get(signin).send().await.map_err(e)?;
        callback = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or("no redirect")?
            .to_owned();
        Ok("multipass and signature received".to_owned())
    })
    .await?;
    rec.step("verified identity", async {
        let q = query_map(&callback);
        let keys = MultipassKeys::cloud66(UID).map_err(e)?;
        let now = partner_core::SystemClock.unix_time();
        let id = MultipassVerifier::new(keys)
            .verify(
                q.get("multipass").ok_or("no multipass")?,
                q.get("signature").map(String::as_str),
                now,
            )
            .map_err(e)?;
        Ok(format!("{} <{}>", id.name().unwrap_or(""), id.email().unwrap_or("")))
    })
    .await?;
    let token = rec
        .value("OAuth2 code flow", async {
            let state = OAuthState::generate();
            let url = AuthorizeRequest::new("client-1", format!("{SITE}/c66/oauth"))
                .map_err(e)?
                .base_url(BaseUrl::parse(&fake.base_url()).map_err(e)?)
                .scope(Scope::Public)
                .url(&state);
            let r = browser()?.get(url).send().await.map_err(e)?;
            let back = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .ok_or("no redirect")?
                .to_owned();
            let q = query_map(&back);
            state.verify(q.get("state").map_or("", String::as_str)).map_err(e)?;
            let oauth = OAuthClient::new("client-1", "secret-1", format!("{SITE}/c66/oauth"))
                .map_err(e)?
                .with_base_url(&fake.base_url())
                .map_err(e)?;
            let t =
                oauth.exchange_code(q.get("code").map_or("", String::as_str)).await.map_err(e)?;
            Ok((t.access_token, "token for scope public".to_owned()))
        })
        .await?;
    rec.step("API call: list stacks (paged)", async {
        let api =
            ApiClient::new(token).map_err(e)?.with_base_url(&fake.api_base_url()).map_err(e)?;
        let stacks: Vec<Value> = api.list("/stacks").await.map_err(e)?;
        Ok(format!("{} stacks", stacks.len()))
    })
    .await
}

async fn blendr(rec: &mut Recorder) -> Result<(), ()> {
    use partner_blendr::fake::FakeHub;
    use partner_blendr::{
        BlendrClient, HashLinkSigner, Hub, JwtClaims, JwtSigner, SsoPage, SsoParams,
    };
    const KEY: &str = "demo-partner-api-key";
    let fake = rec
        .value("start the fake hub", async {
            let f = FakeHub::builder()
                .credentials("demo-app", KEY)
                .template("tpl-1", "CRM sync")
                .template("tpl-2", "Invoices")
                .template("tpl-3", "Slack alerts")
                .page_size(2)
                .start(0)
                .await
                .map_err(e)?;
            let url = f.base_url();
            Ok((f, url))
        })
        .await?;
    let hub = Hub::from_base_url(&fake.base_url()).map_err(|_| ())?;
    let now = partner_core::SystemClock.unix_time();
    let signer = HashLinkSigner::new(KEY).map_err(|_| ())?;
    let params = SsoParams::new("acme").map_err(|_| ())?.account_name("ACME").user_name("Jo Smith");
    let link = signer.link(&hub, &SsoPage::Home, &params, now).map_err(|_| ())?;
    rec.step("hash link logs in", async {
        let r = browser()?.get(link.as_str()).send().await.map_err(e)?;
        if r.status() == 200 {
            Ok("200 logged in as acme".to_owned())
        } else {
            Err(r.text().await.map_err(e)?)
        }
    })
    .await?;
    rec.step("JWT link (with a credential) logs in", async {
        let claims =
            JwtClaims::flat("acme").account_name("ACME").credential("api_key", "customer-key");
        let jwt =
            JwtSigner::new(KEY).map_err(e)?.link(&hub, &SsoPage::Home, &claims, now).map_err(e)?;
        let r = browser()?.get(jwt.as_str()).send().await.map_err(e)?;
        if r.status() == 200 {
            Ok("200 logged in as acme".to_owned())
        } else {
            Err(r.text().await.map_err(e)?)
        }
    })
    .await?;
    rec.step("tampered link is refused", async {
        let tampered = signer
            .link(&hub, &SsoPage::Home, &SsoParams::new("acme").map_err(e)?.user_name("x"), now)
            .map_err(e)?
            .into_string()
            .replace("username=x", "username=y");
        let r = browser()?.get(tampered).send().await.map_err(e)?;
        let body = r.text().await.map_err(e)?;
        if body.contains("signature mismatch") {
            Ok(format!("403 {}", body.trim()))
        } else {
            Err(body)
        }
    })
    .await?;
    rec.step("templates listed through the SaaS Partner API", async {
        let api = BlendrClient::builder("demo-app", KEY)
            .base_url(fake.api_base_url())
            .build()
            .map_err(e)?;
        let all: Vec<_> = api.templates().try_collect().await.map_err(e)?;
        Ok(format!("{} templates over 2 pages", all.len()))
    })
    .await
}

async fn cheetah(rec: &mut Recorder) -> Result<(), ()> {
    use partner_cheetah::fake::FakeStellar;
    use partner_cheetah::{CheetahClient, MemberSsoRequest};
    let fake = rec
        .value("start the fake Stellar", async {
            let f = FakeStellar::builder()
                .credentials("demo-id", "demo-secret")
                .start(0)
                .await
                .map_err(e)?;
            let url = f.base_url();
            Ok((f, url))
        })
        .await?;
    let client = CheetahClient::builder(fake.base_url(), "demo-id", "demo-secret")
        .build()
        .map_err(|_| ())?;
    rec.step("integration token", async {
        let t = client.integration_token().await.map_err(e)?;
        Ok(format!("expires at {}", t.expires_at.map_or("never".to_owned(), |x| x.to_string())))
    })
    .await?;
    rec.step("member SSO creates the member", async {
        let r = client
            .sso(&MemberSsoRequest::new("user-42", "Susan", "Sample", "susan@example.com"))
            .await
            .map_err(e)?;
        Ok(format!("member {}", r.member_id))
    })
    .await?;
    let mut state = None;
    rec.step("member SSO updates the member", async {
        let s = client
            .member_state(&MemberSsoRequest::new(
                "user-42",
                "Sue",
                "</script>Sample",
                "sue@example.com",
            ))
            .await;
        if s.is_error() {
            return Err(s.sso_error);
        }
        let members = fake.members();
        state = Some(s);
        Ok(format!(
            "{} member(s), name now {} {}",
            members.len(),
            members[0].first_name,
            members[0].last_name
        ))
    })
    .await?;
    let Some(state) = state else { return Err(()) };
    rec.step("emitted page variable", async {
        let script = state.to_script();
        let shown = script
            .replace(&state.access_token, "[member token]")
            .replace(&state.refresh_token, "[refresh token]");
        Ok(shown)
    })
    .await
}

async fn teapplix(rec: &mut Recorder) -> Result<(), ()> {
    use partner_teapplix::TeapplixClient;
    use partner_teapplix::fake::FakeTeapplix;
    let fake = rec
        .value("start the fake Teapplix", async {
            let f = FakeTeapplix::builder()
                .api_token("demo-token")
                .signature_key("demo-key")
                .pair("ps-42", "acme")
                .start(0)
                .await
                .map_err(e)?;
            let url = f.base_url();
            Ok((f, url))
        })
        .await?;
    let client = TeapplixClient::builder("demo-token", "demo-key")
        .base_url(fake.base_url())
        .build()
        .map_err(|_| ())?;
    let token = rec
        .value("PSObtainToken", async {
            let t = client.obtain_token("ps-42").await.map_err(e)?;
            let d = format!("vhost {} expires at {}", t.client_vhost, t.expires_at);
            Ok((t, d))
        })
        .await?;
    let url = rec
        .value("signed Launch URL", async {
            let u = client
                .signer()
                .launch_url_for(&token, partner_core::SystemClock.unix_time())
                .map_err(e)?;
            Ok((
                u,
                format!("{}/h/{}/te/lo.cgi?...&signature=...", fake.base_url(), token.client_vhost),
            ))
        })
        .await?;
    rec.step("the fake logs the browser in", async {
        let r = browser()?.get(url.as_str()).send().await.map_err(e)?;
        if r.status() == 200 {
            Ok("200 logged in".to_owned())
        } else {
            Err(r.text().await.map_err(e)?)
        }
    })
    .await?;
    rec.step("the same token is refused a second time", async {
        let r = browser()?.get(url.as_str()).send().await.map_err(e)?;
        let body = r.text().await.map_err(e)?;
        if body.contains("already used") { Ok(format!("403 {}", body.trim())) } else { Err(body) }
    })
    .await
}
