//! The Cheetah demo: integration token, member SSO, the page variable.
use super::{Recorder, e};

pub(super) async fn cheetah(rec: &mut Recorder) -> Result<(), ()> {
    use partner_cheetah::fake::FakeCheetah;
    use partner_cheetah::{CheetahClient, MemberSsoRequest};
    let fake = rec
        .value("start the fake Cheetah", async {
            let f = FakeCheetah::builder()
                .credentials("demo-id", "demo-secret")
                .start(0)
                .await
                .map_err(e)?;
            let url = f.base_url();
            Ok((f, url))
        })
        .await?;
    let client = CheetahClient::builder("demo-id", "demo-secret")
        .base_url(fake.base_url())
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
