//! What the SaaS Partner API sends and takes: templates, accounts, blends,
//! runs, and pages `{data, links, meta}`.

use partner_core::Error as CoreError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Error, PROVIDER};

/// A template: an integration a user can activate.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Template {
    /// The template's GUID (also read from `id`).
    #[serde(default, alias = "id")]
    pub guid: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An account (a customer company) in the hub.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Account {
    /// Your id of the account (`externalid` / `external_id`).
    #[serde(default, alias = "externalid", alias = "external_id")]
    pub external_id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A blend: an integration activated by an account.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Blend {
    /// The blend's GUID (also read from `id`).
    #[serde(default, alias = "id")]
    pub guid: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The body of a blend run: `{"async": .., "inputs": {..}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BlendRun {
    /// Run in the background (answer at once) or wait for the result.
    #[serde(rename = "async")]
    pub run_async: bool,
    /// The blend's inputs.
    pub inputs: Map<String, Value>,
}

impl BlendRun {
    /// A run with these inputs.
    pub fn new(run_async: bool, inputs: Map<String, Value>) -> Self {
        BlendRun { run_async, inputs }
    }
}

/// One page of a list: `{data, links, meta}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Navigation links.
    #[serde(default)]
    pub links: PageLinks,
    /// Position.
    #[serde(default)]
    pub meta: PageMeta,
}

/// The `links` of a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PageLinks {
    /// The next page's URL, when there is one.
    #[serde(default)]
    pub next: Option<String>,
}

/// The `meta` of a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PageMeta {
    /// This page's number (from 1).
    #[serde(default)]
    pub current_page: Option<u64>,
    /// The last page's number.
    #[serde(default)]
    pub last_page: Option<u64>,
    /// Items in all pages.
    #[serde(default)]
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// Whether another page follows.
    pub fn has_next(&self) -> bool {
        match (self.meta.current_page, self.meta.last_page) {
            (Some(current), Some(last)) => current < last,
            _ => self.links.next.is_some(),
        }
    }
}

/// `{"data": X}` or `X`, as `T`; an unusable answer (kind `rejected`) naming
/// `what` when it does not have the shape of a `T`.
pub(crate) fn unwrap_data<T: DeserializeOwned>(
    value: Value,
    what: &'static str,
) -> Result<T, Error> {
    let value = match value {
        Value::Object(mut obj)
            if obj.len() == 1 && obj.get("data").is_some_and(Value::is_object) =>
        {
            obj.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    };
    serde_json::from_value(value).map_err(|err| CoreError::invalid_json(PROVIDER, what, err).into())
}

/// A page of the API: `{data, links, meta}`.
pub(crate) fn parse_page<T: DeserializeOwned>(value: Value) -> Result<Page<T>, Error> {
    serde_json::from_value(value)
        .map_err(|err| CoreError::invalid_json(PROVIDER, "page of a list", err).into())
}
