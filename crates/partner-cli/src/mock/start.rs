//! Starting each fake from its configuration, as a `Box<dyn Fake>`.

use std::time::Duration;

use partner_core::Secret;
use partner_core::server::Fake;

use super::config::{BlendrConfig, CheetahConfig, Cloud66Config, OvhConfig, TeapplixConfig};
use crate::output::CliError;

fn io(e: std::io::Error) -> CliError {
    CliError::usage(format!("cannot start the fake: {e}"))
}

/// The OVHcloud API.
pub(super) async fn ovhcloud(c: OvhConfig, port: u16) -> Result<Box<dyn Fake>, CliError> {
    let mut b = partner_ovhcloud::fake::FakeOvh::builder()
        .application(c.application_key.clone(), Secret::from(c.application_secret.as_str()))
        .zones(c.zones.clone());
    if let Some(sa) = &c.service_account {
        b = b.service_account(sa.client_id.clone(), Secret::from(sa.client_secret.as_str()));
    }
    Ok(Box::new(b.start(port).await.map_err(io)?))
}

/// Teapplix.
pub(super) async fn teapplix(c: TeapplixConfig, port: u16) -> Result<Box<dyn Fake>, CliError> {
    let mut b = partner_teapplix::fake::FakeTeapplix::builder()
        .api_token(c.api_token.as_str())
        .signature_key(c.signature_key.as_str());
    for pair in &c.pairs {
        b = b.pair(pair.ps_client_id.clone(), pair.client_vhost.clone());
    }
    Ok(Box::new(b.start(port).await.map_err(io)?))
}

/// The Blendr.io hub and SaaS Partner API.
pub(super) async fn blendr(c: BlendrConfig, port: u16) -> Result<Box<dyn Fake>, CliError> {
    let mut b = partner_blendr::fake::FakeBlendr::builder()
        .credentials(c.app_id.clone(), Secret::from(c.api_key.as_str()))
        .rate_limit(c.rate_limit_per_minute)
        .allow_params(c.allow_params.iter().cloned());
    for t in &c.templates {
        b = b.template(t.id.clone(), t.name.clone());
    }
    for a in &c.accounts {
        b = b.account(a.id.clone(), a.name.clone());
    }
    Ok(Box::new(b.start(port).await.map_err(io)?))
}

/// Cheetah CES (Stellar).
pub(super) async fn cheetah(c: CheetahConfig, port: u16) -> Result<Box<dyn Fake>, CliError> {
    let fake = partner_cheetah::fake::FakeCheetah::builder()
        .credentials(c.client_id.clone(), Secret::from(c.client_secret.as_str()))
        .token_lifetime(Duration::from_secs(c.token_lifetime_secs))
        .start(port)
        .await
        .map_err(io)?;
    Ok(Box::new(fake))
}

/// Cloud 66.
pub(super) async fn cloud66(c: Cloud66Config, port: u16) -> Result<Box<dyn Fake>, CliError> {
    let mut b = partner_cloud66::fake::FakeCloud66::builder();
    b = match (&c.link_url, &c.sso_return_url) {
        (None, None) => b.stand_in_partner(c.partner.clone(), c.provider_uid.clone()),
        (Some(link), Some(sso)) => {
            b.partner(c.partner.clone(), c.provider_uid.clone(), link.clone(), sso.clone())
        }
        _ => {
            return Err(CliError::usage(
                "set both link_url and sso_return_url, or neither (pages of the fake)",
            ));
        }
    };
    let secret = Secret::from(c.client_secret.as_str());
    b = match &c.redirect_uri {
        None => b.stand_in_oauth_app(c.client_id.clone(), secret),
        Some(uri) => b.oauth_app(c.client_id.clone(), secret, uri.clone()),
    };
    for u in &c.users {
        b = b.user(u.uid.clone(), u.email.clone(), u.name.clone());
    }
    for s in &c.stacks {
        b = b.stack(s.uid.clone(), s.name.clone());
    }
    Ok(Box::new(b.start(port).await.map_err(io)?))
}
