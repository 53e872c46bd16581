//! The SaaS Partner API client (feature `client`): templates, accounts and
//! blends, pages as streams, 429s waited out within the retry policy.

mod client;
mod dialect;
mod model;

pub use client::{BlendrClient, BlendrClientBuilder, DEFAULT_API_BASE_URL};
pub use model::{Account, Blend, BlendRun, Page, PageLinks, PageMeta, Template};
