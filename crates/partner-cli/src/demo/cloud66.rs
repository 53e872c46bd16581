//! The Cloud 66 demo: link arrival, provisioning, multipass sign-in, OAuth2 and API v3.

use partner_core::Clock;
use partner_core::replay::AcceptVerified;
use serde_json::Value;

use super::{Recorder, browser, e, query_map};

pub(super) async fn cloud66(rec: &mut Recorder) -> Result<(), ()> {
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
    let endpoint =
        ProvisioningClient::builder().base_url(fake.partner_endpoint()).build().map_err(|_| ())?;
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
            .accepted()
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
            let oauth = OAuthClient::builder("client-1", "secret-1")
                .redirect_uri(format!("{SITE}/c66/oauth"))
                .base_url(fake.base_url())
                .build()
                .map_err(e)?;
            let t =
                oauth.exchange_code(q.get("code").map_or("", String::as_str)).await.map_err(e)?;
            Ok((t.access_token, "token for scope public".to_owned()))
        })
        .await?;
    rec.step("API call: list stacks (paged)", async {
        let api = ApiClient::builder(token).base_url(fake.api_base_url()).build().map_err(e)?;
        let stacks: Vec<Value> = api.list("/stacks").await.map_err(e)?;
        Ok(format!("{} stacks", stacks.len()))
    })
    .await
}
