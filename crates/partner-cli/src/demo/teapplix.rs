//! The Teapplix demo: PSObtainToken, the signed Launch URL, single use.

use partner_core::Clock;

use super::{Recorder, browser, e};

pub(super) async fn teapplix(rec: &mut Recorder) -> Result<(), ()> {
    use partner_teapplix::fake::FakeTeapplix;
    use partner_teapplix::{BaseUrl, LaunchSigner, TeapplixClient};
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
    let signer = LaunchSigner::new("demo-key")
        .map_err(|_| ())?
        .with_base_url(BaseUrl::parse(&fake.base_url()).map_err(|_| ())?);
    let client = TeapplixClient::builder("demo-token")
        .base_url(fake.base_url())
        .launch_signer(signer)
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
                .ok_or("no launch signer")?
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
