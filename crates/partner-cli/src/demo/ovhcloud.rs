//! The OVHcloud demo: consumer-key delegation, signed calls, access rules, logout.

use serde_json::Value;

use super::{Recorder, browser, e};

pub(super) async fn ovhcloud(rec: &mut Recorder) -> Result<(), ()> {
    use partner_ovhcloud::fake::{DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh};
    use partner_ovhcloud::{CredentialRequest, Method, OvhClient, OvhErrorKind};
    let fake = rec
        .value("start the fake OVH API", async {
            let f = FakeOvh::builder().start(0).await.map_err(e)?;
            let url = f.base_url();
            Ok((f, url))
        })
        .await?;
    let app = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
        .base_url(fake.base_url())
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
    let customer = app.for_customer(asked.consumer_key.clone());
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
