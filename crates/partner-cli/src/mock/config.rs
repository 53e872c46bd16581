//! The `--config` file of `partner mock <provider>`: one JSON object per
//! provider. Every field is optional; a missing field keeps its default,
//! an unknown one is an error. `--print-config` prints the defaults.

use serde::{Deserialize, Serialize};

/// `partner mock ovhcloud`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OvhConfig {
    /// The application key (AK) the fake accepts.
    pub application_key: String,
    /// The application secret (AS) the fake accepts.
    pub application_secret: String,
    /// DNS zones of the account (`/domain/zone`).
    pub zones: Vec<String>,
    /// An OAuth2 service account for the client-credentials token URL;
    /// `null` for none.
    pub service_account: Option<ServiceAccount>,
}

/// An OAuth2 client id and secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccount {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
}

impl Default for OvhConfig {
    fn default() -> Self {
        use partner_ovhcloud::fake::{DEFAULT_APPLICATION_KEY, DEFAULT_APPLICATION_SECRET};
        OvhConfig {
            application_key: DEFAULT_APPLICATION_KEY.to_owned(),
            application_secret: DEFAULT_APPLICATION_SECRET.to_owned(),
            zones: vec!["example.com".to_owned()],
            service_account: Some(ServiceAccount {
                client_id: "fake-ovh-service-account".to_owned(),
                client_secret: "fake-ovh-service-account-secret".to_owned(),
            }),
        }
    }
}

/// `partner mock cloud66`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cloud66Config {
    /// The partner's name (the `PROVIDER` of `/sso/signin/PROVIDER`).
    pub partner: String,
    /// The partner's 32-character provider UID (multipass keys).
    pub provider_uid: String,
    /// Where the dashboard sends users to link; `null`: a page of the fake.
    pub link_url: Option<String>,
    /// Where SSO returns with the multipass; `null`: a page of the fake.
    pub sso_return_url: Option<String>,
    /// The OAuth2 app's client id.
    pub client_id: String,
    /// The OAuth2 app's client secret.
    pub client_secret: String,
    /// The OAuth2 app's registered redirect URI; `null`: a page of the fake.
    pub redirect_uri: Option<String>,
    /// Users; the first one is signed in.
    pub users: Vec<Cloud66User>,
    /// Stacks of the signed-in user.
    pub stacks: Vec<Cloud66Stack>,
}

/// A Cloud 66 user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cloud66User {
    /// Cloud 66's id of the user.
    pub uid: String,
    /// E-mail address.
    pub email: String,
    /// Name.
    pub name: String,
}

/// A Cloud 66 stack.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cloud66Stack {
    /// The stack's uid.
    pub uid: String,
    /// The stack's name.
    pub name: String,
}

impl Default for Cloud66Config {
    fn default() -> Self {
        Cloud66Config {
            partner: "partner".to_owned(),
            provider_uid: "0123456789abcdefFEDCBA9876543210".to_owned(),
            link_url: None,
            sso_return_url: None,
            client_id: "fake-cloud66-client".to_owned(),
            client_secret: "fake-cloud66-secret".to_owned(),
            redirect_uri: None,
            users: vec![Cloud66User {
                uid: "u-1".to_owned(),
                email: "jon@smith.com".to_owned(),
                name: "Jon Smith".to_owned(),
            }],
            stacks: vec![Cloud66Stack { uid: "stack-1".to_owned(), name: "web".to_owned() }],
        }
    }
}

/// `partner mock blendr`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlendrConfig {
    /// The partner's app id (`X-App-Id`).
    pub app_id: String,
    /// The partner API key (`X-Api-Key`, and the key of hash links and JWTs).
    pub api_key: String,
    /// SaaS Partner API calls allowed per minute (429 beyond); `null`: no limit.
    pub rate_limit_per_minute: Option<u32>,
    /// Extra hash-link parameter names accepted besides the documented ones.
    pub allow_params: Vec<String>,
    /// Templates (`GET /v1/templates`).
    pub templates: Vec<BlendrItem>,
    /// Accounts that exist before any login.
    pub accounts: Vec<BlendrItem>,
}

/// A Blendr template or account: its id and name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlendrItem {
    /// The template guid or the account's external id.
    pub id: String,
    /// Its name.
    pub name: String,
}

impl Default for BlendrConfig {
    fn default() -> Self {
        use partner_blendr::fake::{DEFAULT_API_KEY, DEFAULT_APP_ID};
        let item = |id: &str, name: &str| BlendrItem { id: id.to_owned(), name: name.to_owned() };
        BlendrConfig {
            app_id: DEFAULT_APP_ID.to_owned(),
            api_key: DEFAULT_API_KEY.to_owned(),
            rate_limit_per_minute: Some(300),
            allow_params: Vec::new(),
            templates: vec![item("tpl-1", "CRM sync"), item("tpl-2", "Invoices")],
            accounts: Vec::new(),
        }
    }
}

/// `partner mock cheetah`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheetahConfig {
    /// The integration app's client id.
    pub client_id: String,
    /// The integration app's client secret.
    pub client_secret: String,
    /// Lifetime of integration tokens, in seconds.
    pub token_lifetime_secs: u64,
}

impl Default for CheetahConfig {
    fn default() -> Self {
        use partner_cheetah::fake::{
            DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TOKEN_LIFETIME,
        };
        CheetahConfig {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            token_lifetime_secs: DEFAULT_TOKEN_LIFETIME.as_secs(),
        }
    }
}

/// `partner mock teapplix`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeapplixConfig {
    /// The partner's API2 token (`APIToken` header).
    pub api_token: String,
    /// The key of Launch URL signatures.
    pub signature_key: String,
    /// Paired accounts.
    pub pairs: Vec<TeapplixPair>,
}

/// A Teapplix account paired with the partner.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeapplixPair {
    /// The partner's id of the account (`PSClientID`).
    pub ps_client_id: String,
    /// The Teapplix account name (`ClientVHOST`).
    pub client_vhost: String,
}

impl Default for TeapplixConfig {
    fn default() -> Self {
        use partner_teapplix::fake::{DEFAULT_API_TOKEN, DEFAULT_SIGNATURE_KEY};
        TeapplixConfig {
            api_token: DEFAULT_API_TOKEN.to_owned(),
            signature_key: DEFAULT_SIGNATURE_KEY.to_owned(),
            pairs: vec![TeapplixPair {
                ps_client_id: "ps-client-1".to_owned(),
                client_vhost: "demo2".to_owned(),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Serialize + serde::de::DeserializeOwned>(value: &T) -> String {
        let json = serde_json::to_string(value).unwrap();
        let back: T = serde_json::from_str(&json).unwrap();
        let again = serde_json::to_string(&back).unwrap();
        assert_eq!(json, again);
        json
    }

    #[test]
    fn printed_defaults_are_accepted_back() {
        round_trip(&OvhConfig::default());
        round_trip(&Cloud66Config::default());
        round_trip(&BlendrConfig::default());
        round_trip(&CheetahConfig::default());
        round_trip(&TeapplixConfig::default());
    }

    #[test]
    fn missing_fields_keep_defaults_and_unknown_ones_are_errors() {
        let c: BlendrConfig = serde_json::from_str(r#"{"rate_limit_per_minute": null}"#).unwrap();
        assert_eq!(c.rate_limit_per_minute, None);
        assert_eq!(c.app_id, BlendrConfig::default().app_id);
        let err = serde_json::from_str::<BlendrConfig>(r#"{"rate_limit": 5}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        let err =
            serde_json::from_str::<Cloud66Config>(r#"{"users": [{"uid": "u"}]}"#).unwrap_err();
        assert!(err.to_string().contains("missing field"), "{err}");
    }
}
