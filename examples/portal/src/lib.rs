//! Acme, the reference portal: an axum application that integrates all
//! five platforms through `partner-axum`, running on the built-in fakes.
//!
//! `cargo run -p portal` starts it and prints the URL to open. Read
//! [`routes`] for the application itself: every handoff is one extractor,
//! router or response of partner-axum.

pub mod html;
pub mod routes;
pub mod sessions;

use std::error::Error;
use std::sync::Arc;

use partner_axum::blendr::{BlendrHub, SilentFlowServer};
use partner_axum::cheetah::CheetahMember;
use partner_axum::cloud66::Cloud66Handoffs;
use partner_axum::ovhcloud::OvhConnect;
use partner_axum::teapplix::TeapplixOpen;
use partner_blendr::Hub;
use partner_blendr::fake::{FakeBlendr, RunningBlendr, SilentFlowPartner};
use partner_cheetah::CheetahClient;
use partner_cheetah::fake::{FakeCheetah, RunningCheetah};
use partner_cloud66::fake::{FakeCloud66, RunningCloud66};
use partner_cloud66::{MultipassKeys, ProvisioningClient, multipass::MultipassVerifier};
use partner_core::server::{LoopbackServer, ServerLimits};
use partner_core::shared::LocalSecretStore;
use partner_core::{BaseUrl, SystemClock};
use partner_ovhcloud::OvhClient;
use partner_ovhcloud::fake::{
    DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh, RunningOvh,
};
use partner_teapplix::fake::{FakeTeapplix, RunningTeapplix};
use partner_teapplix::{LaunchSigner, TeapplixClient};

use crate::routes::{AppState, PlatformLinks, TEAPPLIX_ACCOUNT};
use crate::sessions::Sessions;

/// The demo credentials Acme and the fakes share (the fakes stand in for
/// the platforms; nothing here is a real key).
mod demo {
    pub(crate) const CLOUD66_PROVIDER_UID: &str = "0123456789abcdefFEDCBA9876543210";
    pub(crate) const BLENDR_API_KEY: &str = "acme-blendr-api-key";
    pub(crate) const BLENDR_CLIENT_ID: &str = "blendr";
    pub(crate) const BLENDR_CLIENT_SECRET: &str = "acme-blendr-oauth-secret";
    pub(crate) const CHEETAH_CLIENT_ID: &str = "acme-integration";
    pub(crate) const CHEETAH_CLIENT_SECRET: &str = "acme-cheetah-secret";
    pub(crate) const TEAPPLIX_API_TOKEN: &str = "acme-teapplix-api-token";
    pub(crate) const TEAPPLIX_SIGNATURE_KEY: &str = "acme-teapplix-signature-key";
}

type BoxError = Box<dyn Error + Send + Sync>;

/// A started portal and the fakes it runs on.
#[derive(Debug)]
pub struct RunningPortal {
    server: LoopbackServer,
    links: PlatformLinks,
    cloud66: RunningCloud66,
    ovh: RunningOvh,
    blendr: RunningBlendr,
    cheetah: RunningCheetah,
    teapplix: RunningTeapplix,
}

impl RunningPortal {
    /// The portal's base URL (`http://127.0.0.1:<port>`), no trailing slash.
    pub fn url(&self) -> String {
        self.server.base_url()
    }

    /// The fake Cloud 66's "sign in to Acme" URL (it answers with a
    /// redirect to the portal carrying a fresh multipass).
    pub fn cloud66_signin_url(&self) -> String {
        self.links.cloud66_signin.clone()
    }

    /// The fake Blendr's page that starts the OAuth2 silent flow.
    pub fn blendr_connect_url(&self) -> String {
        self.links.blendr_connect.clone()
    }

    /// The fakes' base URLs, by name.
    pub fn fakes(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Cloud 66", self.cloud66.base_url()),
            ("OVHcloud", self.ovh.base_url()),
            ("Blendr", self.blendr.base_url()),
            ("Cheetah", self.cheetah.base_url()),
            ("Teapplix", self.teapplix.base_url()),
        ]
    }

    /// Stops the portal and the fakes.
    pub async fn shutdown(self) {
        let _ = self.server.shutdown().await;
        self.cloud66.shutdown().await;
        self.ovh.shutdown().await;
        self.blendr.shutdown().await;
        self.cheetah.shutdown().await;
        self.teapplix.shutdown().await;
    }
}

/// Starts the fakes, then the portal on `port` (0: a free one), all on
/// 127.0.0.1.
///
/// # Errors
///
/// When a port cannot be bound or a client cannot be configured.
pub async fn start_on_fakes(port: u16) -> Result<RunningPortal, BoxError> {
    let listener = LoopbackServer::bind(port).await?;
    let portal = format!("http://{}", listener.local_addr()?);

    let cloud66 = FakeCloud66::builder()
        .partner(
            "acme",
            demo::CLOUD66_PROVIDER_UID,
            format!("{portal}/cloud66/link"),
            format!("{portal}/cloud66/multipass"),
        )
        .user("u-42", "jon@smith.com", "Jon Smith")
        .start(0)
        .await?;
    let ovh = FakeOvh::builder().start(0).await?;
    let blendr = FakeBlendr::builder()
        .credentials("acme-app", demo::BLENDR_API_KEY)
        .silent_flow_partner(SilentFlowPartner::new(
            format!("{portal}/blendr/oauth/authorize"),
            format!("{portal}/blendr/oauth/token"),
            demo::BLENDR_CLIENT_ID,
            demo::BLENDR_CLIENT_SECRET,
        ))
        .start(0)
        .await?;
    let cheetah = FakeCheetah::builder()
        .credentials(demo::CHEETAH_CLIENT_ID, demo::CHEETAH_CLIENT_SECRET)
        .start(0)
        .await?;
    let teapplix = FakeTeapplix::builder()
        .api_token(demo::TEAPPLIX_API_TOKEN)
        .signature_key(demo::TEAPPLIX_SIGNATURE_KEY)
        .pair(TEAPPLIX_ACCOUNT, "acme")
        .start(0)
        .await?;

    let clock = Arc::new(SystemClock);
    let secrets = Arc::new(LocalSecretStore::new(clock.clone(), 100_000));
    let cloud66_handoffs = Cloud66Handoffs::new()
        .callback_hosts(["127.0.0.1"])
        .multipass(MultipassVerifier::new(MultipassKeys::cloud66(demo::CLOUD66_PROVIDER_UID)?))
        .provisioning(ProvisioningClient::builder().base_url(cloud66.partner_endpoint()).build()?);
    let ovh_client = OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
        .base_url(ovh.base_url())
        .build()?;
    let ovh_connect =
        OvhConnect::new(ovh_client, secrets.clone(), format!("{portal}/ovhcloud/connect/return"))
            .done_url("/ovhcloud/me");
    let hub = BlendrHub::new(Hub::from_base_url(&blendr.base_url())?, demo::BLENDR_API_KEY)?;
    let silent = SilentFlowServer::new(
        demo::BLENDR_CLIENT_ID,
        demo::BLENDR_CLIENT_SECRET,
        portal.clone(),
        secrets,
    )?
    .redirect_uri(format!("{}/callback", blendr.base_url()));
    let teapplix_open = TeapplixOpen::new(
        TeapplixClient::builder(demo::TEAPPLIX_API_TOKEN)
            .base_url(teapplix.base_url())
            .launch_signer(
                LaunchSigner::new(demo::TEAPPLIX_SIGNATURE_KEY)?
                    .with_base_url(BaseUrl::parse(&teapplix.base_url())?),
            )
            .build()?,
    );
    let cheetah_member = CheetahMember::new(
        CheetahClient::builder(demo::CHEETAH_CLIENT_ID, demo::CHEETAH_CLIENT_SECRET)
            .base_url(cheetah.base_url())
            .build()?,
    );
    let links = PlatformLinks {
        cloud66_link: cloud66.link_start_url().unwrap_or_default(),
        cloud66_signin: cloud66.sso_signin_url().unwrap_or_default(),
        blendr_connect: format!("{}/connect", blendr.base_url()),
    };
    let state = AppState {
        sessions: Sessions::default(),
        cloud66: cloud66_handoffs,
        ovh: ovh_connect,
        hub,
        silent,
        teapplix: teapplix_open,
        cheetah: cheetah_member,
        links: links.clone(),
    };
    let server = LoopbackServer::start(listener, routes::router(state), ServerLimits::default())?;
    Ok(RunningPortal { server, links, cloud66, ovh, blendr, cheetah, teapplix })
}
