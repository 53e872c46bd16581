//! `partner demo --redis URL`: the single-use checks, token caches and
//! pending credentials on Redis, as a fleet of web servers shares them.
//! Two "servers" (two verifiers, two clients) share one Redis: a handoff
//! consumed on one is refused on the other; a token fetched by one is read
//! by the other; a pending consumer key is kept sealed.

use std::sync::Arc;

use partner_core::replay::ReplayStore;
use partner_core::{Clock, Secret, SystemClock};
use partner_redis::{
    KeyPrefix, RedisConnection, RedisReplayStore, RedisSecretStore, RedisTokenCache, SealingKey,
    SealingKeys,
};

use super::{Provider, Recorder, e};

/// What every step of the fleet demo shares: one Redis, a prefix of this
/// run's own (so runs never meet), a sealing key made for this run.
pub(super) struct Fleet {
    redis: RedisConnection,
    prefix: KeyPrefix,
    keys: SealingKeys,
}

impl Fleet {
    pub(super) async fn connect(url: &str) -> Result<Self, String> {
        let redis = RedisConnection::connect(url).await.map_err(e)?;
        let prefix = KeyPrefix::new(format!("partner-demo:{}:", partner_core::random::token(6)))
            .map_err(e)?;
        let mut key = vec![0u8; 32];
        partner_core::random::fill(&mut key);
        let keys = SealingKeys::new(SealingKey::new("demo", Secret::new(key)).map_err(e)?);
        Ok(Fleet { redis, prefix, keys })
    }

    fn replay_store(&self) -> Arc<dyn ReplayStore> {
        Arc::new(RedisReplayStore::new(self.redis.clone()).with_prefix(self.prefix.clone()))
    }

    fn flight(&self) -> partner_redis::SharedFlight {
        RedisTokenCache::new(self.redis.clone(), self.keys.clone())
            .with_prefix(self.prefix.clone())
            .flight()
    }
}

/// The fleet steps of `provider`, if it has any.
pub(super) async fn run(fleet: &Fleet, rec: &mut Recorder) -> Result<(), ()> {
    match rec.provider {
        Provider::Cloud66 => multipass(fleet, rec).await,
        Provider::Teapplix => launch(fleet, rec).await,
        Provider::Cheetah => cheetah(fleet, rec).await,
        Provider::Ovhcloud => ovhcloud(fleet, rec).await,
        Provider::Blendr => blendr(fleet, rec).await,
    }
}

async fn multipass(fleet: &Fleet, rec: &mut Recorder) -> Result<(), ()> {
    use partner_cloud66::multipass::default_policy;
    use partner_cloud66::{MultipassKeys, MultipassSigner, MultipassVerifier};
    let keys = MultipassKeys::cloud66("3f7a1c9e5b2d4f6081a2c3e4f5061728").map_err(|_| ())?;
    let now = SystemClock.unix_time();
    let token = MultipassSigner::new(keys.clone()).sign_identity(
        "jon@smith.com",
        "Jon Smith",
        now.saturating_add(std::time::Duration::from_secs(300)),
    );
    let server = || {
        MultipassVerifier::new(keys.clone())
            .with_policy(default_policy().with_replay_store(fleet.replay_store()))
    };
    let (a, b) = (server(), server());
    rec.step("redis: server A consumes the multipass", async {
        let verified = a.verify(&token.multipass, token.signature.as_deref(), now).map_err(e)?;
        let id = verified.consume().await.map_err(e)?;
        Ok(format!("signed in {}", id.email().unwrap_or("")))
    })
    .await?;
    rec.step("redis: server B refuses the same multipass", async {
        let verified = b.verify(&token.multipass, token.signature.as_deref(), now).map_err(e)?;
        match verified.consume().await {
            Err(err) => Ok(format!("refused: {err}")),
            Ok(_) => Err("accepted twice".to_owned()),
        }
    })
    .await
}

async fn launch(fleet: &Fleet, rec: &mut Recorder) -> Result<(), ()> {
    use partner_teapplix::{ClientVhost, LaunchSigner, LaunchVerifier};
    let now = SystemClock.unix_time();
    let vhost = ClientVhost::new("acme").map_err(|_| ())?;
    let url = LaunchSigner::new("demo-key").map_err(|_| ())?.launch_url(&vhost, "tok-1", now);
    let server = || -> Result<LaunchVerifier, ()> {
        Ok(LaunchVerifier::new("demo-key")
            .map_err(|_| ())?
            .with_policy(LaunchVerifier::default_policy().with_replay_store(fleet.replay_store())))
    };
    let (a, b) = (server()?, server()?);
    rec.step("redis: server A consumes the launch URL", async {
        let launch = a.verify(url.as_str(), now).map_err(e)?.consume().await.map_err(e)?;
        Ok(format!("launched {}", launch.client_vhost))
    })
    .await?;
    rec.step("redis: server B refuses the same launch URL", async {
        match b.verify(url.as_str(), now).map_err(e)?.consume().await {
            Err(err) => Ok(format!("refused: {err}")),
            Ok(_) => Err("accepted twice".to_owned()),
        }
    })
    .await
}

async fn blendr(fleet: &Fleet, rec: &mut Recorder) -> Result<(), ()> {
    use partner_blendr::{HashLinkSigner, HashVerifier, Hub, SsoPage, SsoParams, default_policy};
    let now = SystemClock.unix_time();
    let hub = Hub::eu("acme").map_err(|_| ())?;
    let params = SsoParams::new("123").map_err(|_| ())?;
    let link = HashLinkSigner::new("demo-key")
        .map_err(|_| ())?
        .link(&hub, &SsoPage::Home, &params, now)
        .map_err(|_| ())?;
    let query = link.as_str().split_once('?').map_or("", |(_, q)| q).to_owned();
    let server = || -> Result<HashVerifier, ()> {
        Ok(HashVerifier::new("demo-key")
            .map_err(|_| ())?
            .with_policy(default_policy().with_replay_store(fleet.replay_store())))
    };
    let (a, b) = (server()?, server()?);
    rec.step("redis: server A consumes the hash link", async {
        let sso = a.verify(&query, now).map_err(e)?.consume().await.map_err(e)?;
        Ok(format!("account {}", sso.account_id()))
    })
    .await?;
    rec.step("redis: server B refuses the same hash link", async {
        match b.verify(&query, now).map_err(e)?.consume().await {
            Err(err) => Ok(format!("refused: {err}")),
            Ok(_) => Err("accepted twice".to_owned()),
        }
    })
    .await
}

async fn cheetah(fleet: &Fleet, rec: &mut Recorder) -> Result<(), ()> {
    use partner_cheetah::CheetahClient;
    use partner_cheetah::fake::FakeCheetah;
    let fake = rec
        .value("redis: start a fake Cheetah for the fleet", async {
            let f = FakeCheetah::builder()
                .credentials("demo-id", "demo-secret")
                .start(0)
                .await
                .map_err(e)?;
            let url = f.base_url();
            Ok((f, url))
        })
        .await?;
    let server = || {
        CheetahClient::builder("demo-id", "demo-secret")
            .base_url(fake.base_url())
            .shared_token(fleet.flight())
            .build()
            .map_err(|_| ())
    };
    let (a, b) = (server()?, server()?);
    rec.step("redis: two servers, one integration token request", async {
        let (ta, tb) =
            (a.integration_token().await.map_err(e)?, b.integration_token().await.map_err(e)?);
        let same = ta.secret.ct_eq(tb.secret.expose());
        match (same, fake.token_requests()) {
            (true, 1) => {
                Ok("B read A's token from Redis (sealed); the fake saw 1 request".to_owned())
            }
            (_, n) => Err(format!("{n} token requests, same token: {same}")),
        }
    })
    .await
}

async fn ovhcloud(fleet: &Fleet, rec: &mut Recorder) -> Result<(), ()> {
    use partner_ovhcloud::OvhClient;
    use partner_ovhcloud::fake::{DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET, FakeOvh};
    let fake = rec
        .value("redis: start a fake OVHcloud for the fleet", async {
            let f = FakeOvh::builder().start(0).await.map_err(e)?;
            let url = f.base_url();
            Ok((f, url))
        })
        .await?;
    let server = || {
        OvhClient::builder(DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET)
            .base_url(fake.base_url())
            .shared_cache(fleet.flight())
            .build()
            .map_err(|_| ())
    };
    let (a, b) = (server()?, server()?);
    rec.step("redis: two servers, one /auth/time request", async {
        let (da, db) = (a.time_delta().await.map_err(e)?, b.time_delta().await.map_err(e)?);
        match (da == db, fake.time_requests()) {
            (true, 1) => Ok(format!("delta {da} s, shared; the fake saw 1 request")),
            (_, n) => Err(format!("{n} time requests")),
        }
    })
    .await?;
    let secrets = RedisSecretStore::new(fleet.redis.clone(), fleet.keys.clone())
        .with_prefix(fleet.prefix.clone());
    rec.step("redis: a pending consumer key, sealed, taken once", async {
        let name = "ovh:pending:customer-42";
        let ck = Secret::from(partner_core::random::token(24));
        secrets.put(name, &ck, Some(std::time::Duration::from_secs(600))).await.map_err(e)?;
        let taken = secrets.take(name).await.map_err(e)?.ok_or("not stored")?;
        let again = secrets.take(name).await.map_err(e)?;
        if taken.ct_eq(ck.expose()) && again.is_none() {
            Ok(format!("stored as {} (AES-256-GCM)", secrets.redis_key(name)))
        } else {
            Err("not read back once".to_owned())
        }
    })
    .await
}
