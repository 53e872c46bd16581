//! The demo flow of blendr.

use futures_util::TryStreamExt;
use partner_core::Clock;

use super::{Recorder, browser, e};

pub(super) async fn blendr(rec: &mut Recorder) -> Result<(), ()> {
    use partner_blendr::fake::FakeBlendr;
    use partner_blendr::{
        BlendrClient, HashLinkSigner, Hub, JwtClaims, JwtSigner, SsoPage, SsoParams,
    };
    const KEY: &str = "demo-partner-api-key";
    let fake = rec
        .value("start the fake hub", async {
            let f = FakeBlendr::builder()
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
