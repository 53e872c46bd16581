//! The demo flow of cheetah.
#![allow(unused_imports)]

use std::collections::HashMap;

use futures_util::TryStreamExt;
use partner_core::Clock;
use serde_json::Value;

use super::{Provider, Recorder, browser, e, query_map};

pub(super) async fn cheetah(rec: &mut Recorder) -> Result<(), ()> {
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

